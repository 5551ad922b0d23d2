"""The deal's combined authority beside its peers, on the indicator page and the missions page,
checked against ONS's published files read here with the csv module: each combined authority's
figure, interval and rank, England and the United Kingdom, the trend, a lower-is-better ranking,
what the pages say, and the few queries they cost whatever the number of areas and periods."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from html import unescape

import pytest
from django.test import Client
from pytest_django import DjangoDbBlocker

from core.models import Deal
from missions import peers, selectors
from missions.choices import AreaLevel, Direction
from missions.models import Area, Indicator, Observation

from .conftest import People
from .ons_world import ONS, imported_once, the_deal

FOLDERS = ("gross-median-weekly-pay", "healthy-life-expectancy")
PAY = "gross-median-weekly-pay"
FEMALE_HLE = "female-healthy-life-expectancy"
HOME = "E47000007"  # the West Midlands deal's combined authority
ENGLAND, UK = "E92000001", "K02000001"


@pytest.fixture(scope="module")
def published(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[int]:
    """The reference data and both published files, imported as the command imports them,
    once for the module's tests; what a test changes is rolled back after it."""
    with imported_once(django_db_blocker, *FOLDERS) as deal_id:
        yield deal_id


@pytest.fixture
def reference(published: int, db: None) -> Deal:
    return the_deal(published)


@pytest.fixture
def pay(people: People) -> People:
    """With the pay file's figures (and healthy life expectancy's beside them)."""
    return people


@pytest.fixture
def hle(people: People) -> People:
    """With healthy life expectancy's figures (and pay's beside them)."""
    return people


@pytest.fixture
def imported(people: People) -> People:
    return people


def _file(folder: str, indicator: str) -> list[dict[str, str]]:
    """The file's rows with a figure for one indicator, read straight from it."""
    with (ONS / folder / f"{folder}.csv").open(encoding="utf-8-sig", newline="") as f:
        return [r for r in csv.DictReader(f) if r["indicator"] == indicator and r["observation"]]


def _authorities(rows: list[dict[str, str]], period: str) -> dict[str, Decimal]:
    """Combined authority code -> its figure for the period (an area listed twice counts once)."""
    return {
        r["areacd"]: Decimal(r["observation"])
        for r in rows
        if r["period"] == period and r["areacd"][:3] in ("E47", "E61")
    }


def _rank(figures: dict[str, Decimal], code: str, *, higher: bool = True) -> int:
    """1 + how many figures are better: equal figures share the better rank."""
    own = figures[code]
    return 1 + sum(1 for v in figures.values() if (v > own if higher else v < own))


def _figure(rows: list[dict[str, str]], code: str, period: str) -> dict[str, str]:
    return next(r for r in rows if r["areacd"] == code and r["period"] == period)


def _pounds(value: Decimal | str) -> str:
    return f"£{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"


def _years(value: Decimal | str) -> str:
    return f"{Decimal(value).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)} years"


def _newest_home_period(rows: list[dict[str, str]]) -> str:
    return max((r for r in rows if r["areacd"] == HOME), key=lambda r: r["period"])["period"]


def _section(client: Client, user, url: str) -> str:
    """The page's "Beside its peers" section as text, its tags stripped."""
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    part = body[body.index('id="peers"') : body.index('id="over-time"')]
    part = re.sub(r"<svg.*?</svg>", " ", part, flags=re.S)
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", part)))


def _peers(code: str, area_code: str = HOME) -> peers.Peers:
    indicator = Indicator.objects.get(code=code)
    geography = selectors.geography(area_code)
    return peers.beside_peers(
        indicator=indicator,
        observations=selectors.peer_observations([indicator.pk], geography.outer),
        geography=geography,
    )


# --- What the section computes, against the file ------------------------------------------------


def test_the_combined_authority_is_ranked_among_its_peers_as_the_file_has_it(
    pay: People,
) -> None:
    rows = _file(PAY, "Gross median weekly pay")
    period = _newest_home_period(rows)
    assert period == "2025-04-30"
    figures = _authorities(rows, period)
    published = _figure(rows, HOME, period)

    section = _peers(PAY)
    assert section.period == period and section.period_text == "30 April 2025"
    assert section.count == len(figures) == 11
    own = section.own
    assert own is not None and own.area.gss_code == HOME
    assert own.observation is not None
    assert own.observation.value == Decimal(published["observation"])
    assert own.rank == _rank(figures, HOME)
    assert own.text == _pounds(published["observation"])
    assert own.interval == f"{_pounds(published['lci_95'])} to {_pounds(published['uci_95'])}"
    # Every combined authority, best first, each with its file's figure and rank.
    assert [(r.area.gss_code, r.observation.value) for r in section.ranked] == sorted(
        figures.items(), key=lambda item: (-item[1], section_names()[item[0]])
    )
    assert [r.rank for r in section.ranked] == [
        _rank(figures, r.area.gss_code) for r in section.ranked
    ]
    # England, the United Kingdom and the region, for the same period, not ranked.
    by_code = {r.area.gss_code: r for r in section.comparators}
    region = Area.objects.get(gss_code=HOME).parent
    assert region is not None and region.level == AreaLevel.REGION
    assert list(by_code) == [region.gss_code, ENGLAND, UK]
    for code in (region.gss_code, ENGLAND, UK):
        published_row = _figure(rows, code, period)
        assert by_code[code].rank is None
        assert by_code[code].text == _pounds(published_row["observation"])
        assert by_code[code].interval == (
            f"{_pounds(published_row['lci_95'])} to {_pounds(published_row['uci_95'])}"
        )
    england = Decimal(_figure(rows, ENGLAND, period)["observation"])
    gap = england - Decimal(published["observation"])
    assert gap > 0
    assert section.against_england == f"{_pounds(gap)} below England's {_pounds(england)} (worse)"
    assert section.notes == []
    # The trend, by the progress table's rule: the newest of the last three against the oldest.
    assert own.trend == _trend(rows) == "improving"


def _trend(rows: list[dict[str, str]]) -> str:
    """The deal's area's trend over its last three figures in the file."""
    own = sorted((r for r in rows if r["areacd"] == HOME), key=lambda r: r["period"])
    first, last = Decimal(own[-3]["observation"]), Decimal(own[-1]["observation"])
    return "improving" if last > first else "worsening" if last < first else "no change"


def section_names() -> dict[str, str]:
    return dict(Area.objects.values_list("gss_code", "name"))


def test_where_lower_is_better_the_lowest_figure_ranks_first(hle: People) -> None:
    indicator = Indicator.objects.get(code=FEMALE_HLE)
    indicator.direction = Direction.LOWER_IS_BETTER
    indicator.save()
    rows = _file("healthy-life-expectancy", "Female healthy life expectancy")
    period = _newest_home_period(rows)
    figures = _authorities(rows, period)

    section = _peers(FEMALE_HLE)
    names = section_names()
    assert [r.area.gss_code for r in section.ranked] == sorted(
        figures, key=lambda code: (figures[code], names[code])
    )
    assert [r.rank for r in section.ranked] == [
        _rank(figures, r.area.gss_code, higher=False) for r in section.ranked
    ]
    own = section.own
    assert own is not None and own.rank == _rank(figures, HOME, higher=False)
    # Equal figures share the better rank.
    ranks = [r.rank for r in section.ranked]
    assert len(set(ranks)) < len(ranks)
    assert section.against_england.endswith("(better)")
    # Healthy life expectancy has fallen; with lower counted as better, that improves.
    assert _trend(rows) == "worsening" and own.trend == "improving"


def test_when_the_newest_periods_differ_the_deal_s_newest_is_compared_and_said(
    pay: People,
) -> None:
    Observation.objects.filter(
        indicator__code=PAY, area__gss_code=HOME, period="2025-04-30"
    ).delete()
    rows = _file(PAY, "Gross median weekly pay")
    figures = _authorities(rows, "2024-04-17")

    section = _peers(PAY)
    assert section.period == "2024-04-17"
    own = section.own
    assert own is not None and own.rank == _rank(figures, HOME)
    assert own.text == _pounds(_figure(rows, HOME, "2024-04-17")["observation"])
    assert section.count == len(figures)
    assert any("not all for the same period" in n and "17 April 2024" in n for n in section.notes)


def test_a_deal_whose_region_is_not_known_is_shown_without_it_and_says_so(
    pay: People,
) -> None:
    # Greater Manchester came in from the file, without the area it lies within.
    assert Area.objects.get(gss_code="E47000001").parent is None
    section = _peers(PAY, "E47000001")
    assert [r.area.gss_code for r in section.comparators] == [ENGLAND, UK]
    assert section.own is not None and section.own.area.gss_code == "E47000001"
    assert any("region" in n and "left out" in n for n in section.notes)


# --- The pages ------------------------------------------------------------------------------


def test_the_indicator_page_sets_the_deal_beside_its_peers(client: Client, hle: People) -> None:
    rows = _file("healthy-life-expectancy", "Female healthy life expectancy")
    period = _newest_home_period(rows)
    assert period == "2022-01-01/P3Y"
    figures = _authorities(rows, period)
    own = _figure(rows, HOME, period)
    england = _figure(rows, ENGLAND, period)
    text = _section(client, hle.partner, f"/indicators/{FEMALE_HLE}/")

    assert "Beside its peers" in text
    name = Area.objects.get(gss_code=HOME).name
    gap = Decimal(england["observation"]) - Decimal(own["observation"])
    assert (
        f"{name}: {_years(own['observation'])} for 2022 to 2024, ranked "
        f"{_rank(figures, HOME)} of {len(figures)} combined authorities; {_years(gap)} below "
        f"England's {_years(england['observation'])} (worse)."
    ) in text
    assert "Source published 19 February 2026." in text
    assert f"{name} Deal's area {_years(own['observation'])}" in text
    assert f"{_years(own['lci_95'])} to {_years(own['uci_95'])}" in text
    assert f"England {_years(england['observation'])}" in text
    uk = _figure(rows, UK, period)
    assert f"United Kingdom {_years(uk['observation'])}" in text


def test_the_chart_draws_each_combined_authority_and_without_them_a_sentence_says_so(
    client: Client, pay: People
) -> None:
    client.force_login(pay.partner)
    body = client.get(f"/indicators/{PAY}/").content.decode()
    svg = body[body.index('<svg class="app-peers-chart__svg"') :]
    svg = svg[: svg.index("</svg>")]
    assert svg.count('class="app-peers-chart__dot"') == 11
    assert svg.count('class="app-peers-chart__interval"') == 11 * 3
    assert svg.count("app-peers-chart__row--own") == 1
    assert "England: £648.40" in svg
    assert 'aria-describedby="peers-chart-desc"' in svg

    Observation.objects.filter(
        indicator__code=PAY, area__level=AreaLevel.COMBINED_AUTHORITY
    ).delete()
    body = client.get(f"/indicators/{PAY}/").content.decode()
    assert "No combined authority has a figure for this indicator" in body
    assert "app-peers-chart__svg" not in body


def _missions_text(client: Client, user) -> str:
    client.force_login(user)
    body = client.get("/missions/").content.decode()
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_missions_page_gives_each_indicator_s_rank_and_place_against_england(
    client: Client, imported: People
) -> None:
    # The files' indicators report the missions' metrics by data/metric_links.yaml.
    pay = _file(PAY, "Gross median weekly pay")
    hle = _file("healthy-life-expectancy", "Female healthy life expectancy")
    text = _missions_text(client, imported.partner)
    assert "Beside the other combined authorities" in text
    for rows, money, words in [(pay, _pounds, "30 April 2025"), (hle, _years, "2022 to 2024")]:
        period = _newest_home_period(rows)
        figures = _authorities(rows, period)
        own = Decimal(_figure(rows, HOME, period)["observation"])
        england = Decimal(_figure(rows, ENGLAND, period)["observation"])
        assert (
            f"{_rank(figures, HOME)} of {len(figures)} combined authorities "
            f"{money(england - own)} below England's {money(england)} (worse); {words}"
        ) in text
    # Someone who sees no deal has no area of their own to set beside the others.
    assert "Beside the other" not in _missions_text(client, imported.nobody)


# --- Queries --------------------------------------------------------------------------------


def _more_authorities_and_periods() -> None:
    """Ten more combined authorities and ten earlier periods for every one of them."""
    authorities = list(Area.objects.filter(level=AreaLevel.COMBINED_AUTHORITY))
    new = Area.objects.bulk_create(
        Area(gss_code=f"E470009{n:02d}", name=f"Authority {n}", level=AreaLevel.COMBINED_AUTHORITY)
        for n in range(10)
    )
    held = list(Observation.objects.filter(area__in=authorities, period_start__isnull=False))
    extra = []
    for o in held:
        for back in range(1, 11):
            extra.append(
                Observation(
                    indicator_id=o.indicator_id,
                    area_id=o.area_id,
                    period=f"{o.period}-{back}",
                    period_start=o.period_start.replace(year=o.period_start.year - 20 - back),
                    period_end=o.period_end.replace(year=o.period_end.year - 20 - back),
                    value=o.value - back,
                )
            )
    for o in {(o.indicator_id, o.period): o for o in held}.values():
        for n, area in enumerate(new):
            extra.append(
                Observation(
                    indicator_id=o.indicator_id,
                    area=area,
                    period=o.period,
                    period_start=o.period_start,
                    period_end=o.period_end,
                    value=o.value + n,
                )
            )
    Observation.objects.bulk_create(extra, batch_size=1000)


# Session, user and roles (3); the indicator page's indicator, observations, targets, deal,
# geography, the metrics it reports, and the work that claims it (8), with the Statement's
# decile gap for mission 7's metric (1), then the peers' figures (1). The missions page's reads
# (tests/test_mission_pages.py) and the peers' figures for all its indicators (1).
PEER_QUERY_LIMITS = {
    f"/indicators/{PAY}/": 12,
    f"/indicators/{FEMALE_HLE}/": 13,
    "/missions/": 14,
}


@pytest.mark.parametrize("url", list(PEER_QUERY_LIMITS))
def test_the_pages_cost_the_same_few_queries_with_more_areas_and_periods(
    client: Client, imported: People, url: str, django_assert_max_num_queries
) -> None:
    client.force_login(imported.partner)
    with django_assert_max_num_queries(PEER_QUERY_LIMITS[url]):
        assert client.get(url).status_code == 200
    _more_authorities_and_periods()
    with django_assert_max_num_queries(PEER_QUERY_LIMITS[url]):
        body = unescape(client.get(url).content.decode())
    assert "of 21" in body or "of 25" in body
