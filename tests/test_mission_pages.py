"""The missions page and the indicator page: who sees them, what they say of the real ONS
figures, the charts' geometry and their tables, and what each page costs in queries."""

from __future__ import annotations

import csv
import datetime as dt
import re
import statistics
import xml.etree.ElementTree as ET
from decimal import ROUND_HALF_UP, Decimal
from html import escape, unescape

import pytest
from django.conf import settings
from django.test import Client

from core.choices import Classification
from missions import charts, measures, selectors
from missions.choices import AreaLevel, Direction, TargetKind, Unit
from missions.models import Area, Indicator, Metric, Mission, Observation, Target
from missions.services import import_observations, target_set
from tracker.models import Proposal, Workstream

from .conftest import People

ONS_CSV = settings.BASE_DIR / "data" / "ons_subnational_indicators_wmca_2022.csv"
SVG = "{http://www.w3.org/2000/svg}"


def _import_real_figures() -> None:
    import_observations(ONS_CSV.read_bytes(), acting_user=None, create_missing_indicators=True)


def _real_rows(code: str) -> dict[str, Decimal]:
    """Area name -> value of one indicator, read straight from the file."""
    with ONS_CSV.open(newline="") as f:
        return {
            r["area_name"]: Decimal(r["value"]) for r in csv.DictReader(f) if r["indicator"] == code
        }


def _pounds(value: Decimal) -> str:
    return f"£{value.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"


@pytest.fixture
def figures(people: People) -> People:
    _import_real_figures()
    return people


def _page(client: Client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


# --- Who sees the pages -----------------------------------------------------------------------

PAGES = ["/missions/", "/indicators/gva_per_hour_worked/"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", PAGES)
def test_signed_out_visitors_are_sent_to_sign_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize(
    "persona", ["admin", "lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]
)
def test_every_signed_in_person_sees_both_pages(
    client: Client, figures: People, url: str, persona: str
) -> None:
    body = _page(client, figures.all_roles()[persona], url)
    assert "<h1" in body


def test_an_unknown_indicator_is_not_found(client: Client, people: People) -> None:
    client.force_login(people.dsg)
    assert client.get("/indicators/no_such_indicator/").status_code == 404


@pytest.fixture
def claims(people: People) -> dict[str, Proposal]:
    """Transport claims mission 1 and the GVA indicator; two of its proposals claim them too,
    one OFFICIAL and one OFFICIAL-SENSITIVE; a third claims mission 1 through a metric."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    transport.missions.add(Mission.objects.get(number=1))
    transport.indicators.add(gva)
    made = {}
    for key, title, classification in [
        ("official", "Bus franchising settlement", Classification.OFFICIAL),
        ("sensitive", "Our fallback position on rail", Classification.OFFICIAL_SENSITIVE),
        ("by_metric", "Skills for higher productivity", Classification.OFFICIAL),
    ]:
        made[key] = Proposal.objects.create(
            deal=people.deal, workstream=transport, title=title, classification=classification
        )
    made["official"].indicators.add(gva)
    made["sensitive"].indicators.add(gva)
    made["by_metric"].metrics.add(gva.metric)
    return made


@pytest.mark.parametrize("url", PAGES)
def test_a_partner_never_sees_an_official_sensitive_proposal(
    client: Client, people: People, claims: dict[str, Proposal], url: str
) -> None:
    partner = _page(client, people.partner, url)
    assert claims["official"].title in partner
    assert claims["sensitive"].title not in partner
    assert "fallback position" not in partner
    dsg = _page(client, people.dsg, url)
    assert claims["official"].title in dsg and claims["sensitive"].title in dsg
    # Someone with no role in the deal sees no proposal and no workstream at all.
    nobody = _page(client, people.nobody, url)
    assert claims["official"].title not in nobody and ">Transport</a>" not in nobody


def test_work_claims_a_mission_by_naming_it_its_metrics_or_their_indicators(
    client: Client, people: People, claims: dict[str, Proposal]
) -> None:
    body = _page(client, people.dsg, "/missions/")
    mission_1 = _section(body, 1)
    for proposal in claims.values():
        assert proposal.title in mission_1
    assert ">Transport</a>" in mission_1
    # Nothing claims mission 12.
    assert "Bus franchising" not in _section(body, 12)
    indicator = _page(client, people.dsg, "/indicators/gva_per_hour_worked/")
    assert "names its metric" in indicator and "names this indicator" in indicator


def _section(body: str, number: int) -> str:
    start = body.index(f'id="mission-{number}"')
    end = body.find('<section class="app-mission', start)
    return body[start : end if end > 0 else None]


# --- The missions page ------------------------------------------------------------------------


def test_the_2022_wording_is_beside_the_current_one_where_it_differs(
    client: Client, people: People
) -> None:
    body = _page(client, people.partner, "/missions/")
    mission_1 = _section(body, 1)
    statements = {s.stated_on.year: s.text for s in Mission.objects.get(number=1).statements.all()}
    for text in statements.values():
        assert escape(text) in mission_1
    assert "<details" not in mission_1  # shown, not folded away
    assert "Wording in 2024 (current)" in mission_1 and "Wording in 2022" in mission_1
    assert '<del class="app-diff__removed">' in mission_1  # "with" became "and"
    # Mission 8's wording did not change: it is stated once and says so.
    assert "worded it the same way" in _section(body, 8)


def test_the_missions_page_gives_the_districts_range_and_median_without_a_combined_figure(
    client: Client, figures: People
) -> None:
    gva = _real_rows("gva_per_hour_worked")
    body = _page(client, figures.partner, "/missions/")
    row = _row_of(_section(body, 1), "/indicators/gva_per_hour_worked/")
    assert f"{_pounds(min(gva.values()))} to {_pounds(max(gva.values()))}" in row
    assert f"median {_pounds(statistics.median(gva.values()))}" in row
    assert "2019" in row and "range of the 7 metropolitan districts" in row
    # An indicator without any figures says so.
    assert "No figures yet" in _row_of(_section(body, 1), "/indicators/gva_per_worker/")


def test_the_missions_page_prefers_the_combined_authority_areas_own_latest_figure(
    client: Client, figures: People
) -> None:
    ca = Area.objects.get(gss_code="E47000007")
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    for period, value in [("2018", "31.10"), ("2019", "31.75")]:
        Observation.objects.create(
            indicator=gva,
            area=ca,
            period=period,
            period_start=dt.date(int(period), 1, 1),
            period_end=dt.date(int(period), 12, 31),
            value=Decimal(value),
        )
    body = _page(client, figures.partner, "/missions/")
    row = _row_of(_section(body, 1), "/indicators/gva_per_hour_worked/")
    assert "£31.75" in row and "2019, the combined authority area" in row
    assert "£31.10" not in row and "range of" not in row


def _row_of(html: str, href: str) -> str:
    start = html.index(f'href="{href}"')
    return html[start : html.index("</tr>", start)]


# --- The indicator page -----------------------------------------------------------------------


def _ranked_rows(body: str) -> list[tuple[str, str, str, str]]:
    """(rank, area, figure, period) for each row of the ranked table."""
    table = body[body.index('id="ranked-areas"') :]
    table = table[: table.index("</table>")]
    rows = []
    for tr in re.findall(r"<tr class=\"govuk-table__row[^\"]*\">(.*?)</tr>", table, re.S)[1:]:
        cells = [
            re.sub(r"<[^>]+>", "", unescape(c)).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S)
        ]
        rows.append(tuple(cells))
    return rows


def test_the_districts_are_ranked_best_first_with_their_latest_figures(
    client: Client, figures: People
) -> None:
    gva = _real_rows("gva_per_hour_worked")
    rows = _ranked_rows(_page(client, figures.partner, "/indicators/gva_per_hour_worked/"))
    expected = sorted(gva.items(), key=lambda item: -item[1])
    assert rows == [
        (f"{n} of 7", name, _pounds(value), "2019") for n, (name, value) in enumerate(expected, 1)
    ]


def test_lower_is_better_ranks_the_lowest_first(client: Client, figures: People) -> None:
    Indicator.objects.filter(code="adult_smokers_pct").update(direction=Direction.LOWER_IS_BETTER)
    smokers = _real_rows("adult_smokers_pct")
    rows = _ranked_rows(_page(client, figures.partner, "/indicators/adult_smokers_pct/"))
    lowest = min(smokers, key=smokers.get)
    highest = max(smokers, key=smokers.get)
    assert rows[0][:2] == ("1 of 7", lowest)
    assert rows[-1][:2] == ("7 of 7", highest)
    assert [r[2] for r in rows] == [f"{v}%" for v in sorted(smokers.values())]


def test_the_region_and_england_are_listed_as_comparators_only_with_figures(
    client: Client, figures: People
) -> None:
    rows = _ranked_rows(_page(client, figures.partner, "/indicators/gva_per_hour_worked/"))
    assert all("Comparator" not in r[0] for r in rows)
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    for code, value in [("E92000001", "36.00"), ("E12000005", "31.20")]:
        Observation.objects.create(
            indicator=gva,
            area=Area.objects.get(gss_code=code),
            period="2019",
            period_start=dt.date(2019, 1, 1),
            period_end=dt.date(2019, 12, 31),
            value=Decimal(value),
        )
    rows = _ranked_rows(_page(client, figures.partner, "/indicators/gva_per_hour_worked/"))
    assert rows[-2:] == [
        ("Comparator", "West Midlands region", "£31.20", "2019"),
        ("Comparator", "England", "£36.00", "2019"),
    ]
    # Comparators are not ranked among the districts.
    assert [r[0] for r in rows[:7]] == [f"{n} of 7" for n in range(1, 8)]


def test_ties_share_a_rank_and_the_next_one_skips() -> None:
    indicator = Indicator(unit=Unit.PERCENT, direction=Direction.HIGHER_IS_BETTER)
    values = {"Coventry": "71.6", "Dudley": "71.6", "Solihull": "77.6", "Walsall": "70.9"}
    latest = [Observation(area=Area(name=n), value=Decimal(v)) for n, v in values.items()]
    assert [(rank, o.area.name) for rank, o in selectors.ranked(indicator, latest)] == [
        (1, "Solihull"),
        (2, "Coventry"),
        (2, "Dudley"),
        (4, "Walsall"),
    ]


def test_the_indicator_page_says_what_it_is_where_it_comes_from_and_prints_its_rules(
    client: Client, figures: People
) -> None:
    Indicator.objects.filter(code="gva_per_hour_worked").update(
        description="Gross value added per hour worked.",
        source="ONS Subnational Indicators Explorer",
        source_url="https://www.ons.gov.uk/explore-local-statistics/",
    )
    body = _page(client, figures.partner, "/indicators/gva_per_hour_worked/")
    assert "Gross value added per hour worked." in body
    assert 'href="https://www.ons.gov.uk/explore-local-statistics/"' in body
    assert "Pounds (£)" in body and "Higher is better" in body
    assert "mission 1: Living Standards" in body and "“GVA per hour”" in body
    for rule in [measures.FRESHNESS_RULE, measures.RAG_RULE, measures.TREND_RULE]:
        assert escape(rule) in body
    assert 'href="/indicators/gva_per_hour_worked/observations.csv"' in body
    assert client.get("/indicators/gva_per_hour_worked/observations.csv").status_code == 200
    # 2019 figures were due to be followed by 31 December 2021: long stale.
    assert "Stale" in body and "31 December 2021" in body


def test_only_administrators_get_the_links_to_targets_and_the_import(
    client: Client, figures: People
) -> None:
    links = ['href="/indicators/gva_per_hour_worked/targets/"', 'href="/observations/import/"']
    admin = _page(client, figures.admin, "/indicators/gva_per_hour_worked/")
    assert all(link in admin for link in links)
    for link in links:  # and they lead somewhere
        assert client.get(link.split('"')[1]).status_code == 200
    for persona in [figures.lead, figures.dsg, figures.partner]:
        body = _page(client, persona, "/indicators/gva_per_hour_worked/")
        assert not any(link in body for link in links)


def test_progress_shows_baseline_target_share_trend_and_rag_in_words(
    client: Client, figures: People
) -> None:
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    birmingham = Area.objects.get(name="Birmingham")
    baseline, target = Decimal("28.10"), Decimal("36.00")
    target_set(
        indicator=gva,
        area=birmingham,
        kind=TargetKind.BASELINE,
        year=2015,
        value=baseline,
        acting_user=figures.admin,
    )
    target_set(
        indicator=gva,
        area=birmingham,
        kind=TargetKind.TARGET,
        year=2030,
        value=target,
        acting_user=figures.admin,
    )
    latest = _real_rows("gva_per_hour_worked")["Birmingham"]
    body = _page(client, figures.partner, "/indicators/gva_per_hour_worked/")
    progress = body[body.index('id="progress-title"') : body.index('id="gap-measures"')]
    row = progress[progress.index(">Birmingham</th>") :]
    row = row[: row.index("</tr>")]
    share = ((latest - baseline) / (target - baseline) * 100).quantize(Decimal(1))
    assert "£28.10 (2015)" in row and "£36.00 (2030)" in row and f"{_pounds(latest)} (2019)" in row
    assert f">{share}%<" in row
    # Four years of fifteen gone, a third of the way there: on pace, so green, said in words.
    assert 'govuk-tag--green">Green</strong>' in row and "On pace" in row
    assert "Not enough figures" in row  # one figure has no trend
    # Coventry has no baseline: no RAG, and the page says why.
    assert "No RAG" in progress and "There is no baseline for this area" in progress


def test_a_top_gap_is_computed_for_a_mission_1_indicator(client: Client, figures: People) -> None:
    gva = _real_rows("gva_per_hour_worked")
    top = max(gva.values())
    others = sorted(v for v in gva.values() if v != top)
    body = _page(client, figures.partner, "/indicators/gva_per_hour_worked/")
    assert measures.TOP_GAP_TITLE in body
    assert f'app-measure__value">{_pounds(top - statistics.median(others))}<' in body
    assert escape(measures.TOP_GAP_EXPLANATION) in body


def test_with_seven_districts_mission_7_gap_says_there_are_too_few(
    client: Client, figures: People
) -> None:
    body = _page(client, figures.partner, "/indicators/healthy_life_expectancy_male/")
    assert measures.DECILE_GAP_TITLE in body
    assert "Not computed" in body and "Needs at least 10 areas; there are 7." in body
    assert "app-measure__value" not in body


@pytest.fixture
def wellbeing(figures: People) -> dict[str, Indicator]:
    """Made-up figures for two of mission 8's four indicators in the seven districts (the real
    file has none), so the worst third can be measured."""
    made = {}
    districts = list(Area.objects.filter(level=AreaLevel.METROPOLITAN_DISTRICT).order_by("name"))
    for code, values in [
        ("low_life_satisfaction", ["6.1", "5.2", "5.9", "6.8", "4.1", "6.5", "6.3"]),
        ("high_anxiety", ["23.5", "21.0", "22.4", "24.9", "19.8", "22.9", "25.1"]),
    ]:
        made[code] = Indicator.objects.get(code=code)
        for area, value in zip(districts, values, strict=True):
            Observation.objects.create(
                indicator=made[code],
                area=area,
                period="Apr 2021-Mar 2022",
                period_start=dt.date(2021, 4, 1),
                period_end=dt.date(2022, 3, 31),
                value=Decimal(value),
            )
    return made


def test_a_mission_8_indicator_shows_the_worst_third_over_all_the_missions_indicators(
    client: Client, people: People, wellbeing: dict[str, Indicator]
) -> None:
    body = _page(client, people.partner, "/indicators/low_life_satisfaction/")
    assert measures.TOP_GAP_TITLE in body and measures.WORST_THIRD_TITLE in body
    worst = body[body.index('id="measure-worst-third"') :]
    # Lower is better on both. Ranked on each, Sandwell's and Wolverhampton's worst ranks are
    # 7th of 7: the worst third (7 // 3 = 2 areas). Life satisfaction: the rest average 5.56,
    # the worst third 6.55, a gap of 0.99; anxiety: 21.92 against 25.0, 3.08. Mean: 2.035.
    assert 'app-measure__value">2.035%<' in worst
    rows = re.findall(r">(\w+)</th>\s*<td[^>]*>[^<]*</td>\s*<td[^>]*>Worst third</td>", worst)
    assert sorted(rows) == ["Sandwell", "Wolverhampton"]
    left_out = worst[worst.index("Left out for want of any district figures") :]
    for code in ["low_worthwhile", "low_happiness"]:
        assert escape(Indicator.objects.get(code=code).name) in left_out.split("</p>")[0]


def test_other_missions_indicators_have_no_worst_third(client: Client, figures: People) -> None:
    body = _page(client, figures.partner, "/indicators/gva_per_hour_worked/")
    assert measures.WORST_THIRD_TITLE not in body
    body = _page(client, figures.partner, "/indicators/adult_smokers_pct/")
    assert "reports no mission metric, so no mission" in body


# --- The charts: geometry ---------------------------------------------------------------------


def test_figures_read_as_people_write_them() -> None:
    assert charts.figure(Decimal("30.6200"), Unit.GBP) == "£30.62"
    assert charts.figure(Decimal("464.7000"), Unit.GBP) == "£464.70"
    assert charts.figure(Decimal("35.0000"), Unit.GBP) == "£35.00"
    assert charts.figure(Decimal("35.0000"), Unit.GBP, short=True) == "£35"
    assert charts.figure(Decimal("27.5"), Unit.GBP, short=True) == "£27.50"
    assert charts.figure(Decimal("1250000"), Unit.GBP) == "£1,250,000"
    assert charts.figure(Decimal("16.105"), Unit.GBP) == "£16.11"
    assert charts.figure(Decimal("-2.5"), Unit.GBP) == "-£2.50"
    assert charts.figure(Decimal("66.1000"), Unit.PERCENT) == "66.1%"
    assert charts.figure(Decimal("58.5"), Unit.YEARS) == "58.5 years"
    assert charts.figure(Decimal("58.5"), Unit.YEARS, short=True) == "58.5"
    assert charts.figure(Decimal("12345"), Unit.COUNT) == "12,345"
    assert charts.figure(Decimal("1234567.5"), Unit.RATE) == "1,234,567.5"
    # A column published to one place keeps it: 72.0% beside 68.4%.
    assert charts.figure(Decimal("72.0000"), Unit.PERCENT, places=1) == "72.0%"
    assert charts.figure(Decimal("2.035"), Unit.PERCENT, places=1) == "2.035%"
    values = [Decimal("68.4000"), Decimal("72.0000"), Decimal("64.0000")]
    assert charts.decimal_places(values) == 1
    fmt = charts.format_for(Indicator(unit=Unit.PERCENT), values)
    assert [fmt(v) for v in values] == ["68.4%", "72.0%", "64.0%"]


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        ("25.92", "45.24", ["25", "30", "35", "40", "45", "50"]),  # GVA per hour, 2019
        ("66.1", "77.6", ["65", "70", "75", "80"]),  # employment rate, 2020
        ("10", "75", ["0", "20", "40", "60", "80"]),  # zero is near: the axis starts there
        ("8.1", "8.1", ["7.0", "7.5", "8.0", "8.5", "9.0"]),  # one figure: room either side
        ("-30", "-12", ["-30", "-20", "-10", "0"]),  # zero is near, above
    ],
)
def test_value_ticks_are_round_and_cover_the_figures(low: str, high: str, ticks: list[str]) -> None:
    got = charts.value_ticks(Decimal(low), Decimal(high))
    assert [Decimal(t) for t in ticks] == got
    assert got[0] <= Decimal(low) and got[-1] >= Decimal(high)
    steps = {b - a for a, b in zip(got, got[1:], strict=False)}
    assert len(steps) == 1


def test_year_ticks_thin_out_when_years_are_narrow() -> None:
    assert charts.year_ticks(2015, 2019, 40) == [2015, 2016, 2017, 2018, 2019]
    assert charts.year_ticks(2010, 2019, 16) == [2010, 2012, 2014, 2016, 2018]
    assert charts.year_ticks(2001, 2019, 7) == [2005, 2010, 2015]
    assert charts.year_ticks(2019, 2019, 2) == [2019]


def test_a_scale_maps_the_ends_of_its_domain_to_the_ends_of_its_range() -> None:
    y = charts.Scale(25.0, 50.0, 206.0, 30.0)
    assert y(25.0) == 206.0 and y(50.0) == 30.0 and y(37.5) == 118.0
    assert y.invert(118.0) == pytest.approx(37.5)


def test_labels_are_spread_so_none_overlap_and_stay_in_bounds() -> None:
    wanted = [100.0, 102.0, 104.0, 238.0, 20.0]
    heights = [14.0, 28.0, 14.0, 14.0, 42.0]
    tops = charts.spread(wanted, heights, 2, 238)
    boxes = sorted(zip(tops, heights, strict=True))
    for (top, height), (next_top, _h) in zip(boxes, boxes[1:], strict=False):
        assert top + height + charts.LABEL_GAP <= next_top + 0.05
    assert min(tops) >= 2 and max(t + h for t, h in zip(tops, heights, strict=True)) <= 238.05
    # A label with room keeps its place: centred on its point.
    assert charts.spread([100.0], [14.0], 2, 238) == [93.0]
    # Crowded labels stack around where they want to be, not all below it.
    assert charts.spread([100.0, 100.0, 100.0], [14.0] * 3, 2, 238) == [76.0, 93.0, 110.0]
    # A stack that would run past the bottom sits on it instead.
    assert charts.spread([236.0, 237.0], [14.0, 14.0], 2, 238) == [207.0, 224.0]


def _obs(area: Area, period: str, value: str, dated: bool = True) -> Observation:
    from missions.periods import parse_period

    start, end = parse_period(period) if dated else (None, None)
    return Observation(
        area=area, period=period, period_start=start, period_end=end, value=Decimal(value)
    )


def _chart_fixture() -> tuple[Indicator, Area, Area, list[Observation], Target]:
    indicator = Indicator(name="GVA per hour", unit=Unit.GBP, direction=Direction.HIGHER_IS_BETTER)
    area = Area(
        pk=1, gss_code="E08000025", name="Birmingham", level=AreaLevel.METROPOLITAN_DISTRICT
    )
    england = Area(pk=2, gss_code="E92000001", name="England", level=AreaLevel.COUNTRY)
    observations = [
        _obs(area, "2017", "29.40"),
        _obs(area, "2019", "30.62"),
        _obs(area, "2018", "30.05"),
        _obs(area, "2019-20", "31.00", dated=False),  # a split year without a year basis
        _obs(england, "2017", "34.20"),
        _obs(england, "2018", "34.90"),
    ]
    target = Target(area=area, kind=TargetKind.TARGET, year=2030, value=Decimal("36.00"))
    return indicator, area, england, observations, target


def test_a_chart_places_each_dated_figure_by_its_period_and_value() -> None:
    indicator, area, england, observations, target = _chart_fixture()
    baseline = Target(area=area, kind=TargetKind.BASELINE, year=2017, value=Decimal("29.40"))
    [chart] = charts.small_multiples(
        indicator=indicator,
        observations=observations,
        targets=[target, baseline],
        areas=[area],
        comparators={area.pk: [england]},
    )
    assert chart.drawable
    own, other = chart.series
    assert (own.label, own.style, own.marker) == ("Birmingham", "area", "circle")
    assert (other.label, other.style, other.marker) == ("England", "comparator-3", "diamond")
    # Oldest first; the undated figure is not on the chart.
    assert [p.observation.period for p in own.points] == ["2017", "2018", "2019"]
    # x: a calendar year's figure sits at its middle, on a time axis from 1 January 2017 to
    # 1 January 2020 across the plot.
    days = (dt.date(2020, 1, 1) - dt.date(2017, 1, 1)).days
    width = charts.PLOT_RIGHT - charts.PLOT_LEFT
    for point in own.points:
        middle = charts.midpoint(point.observation)
        expected_x = charts.PLOT_LEFT + (middle - dt.date(2017, 1, 1)).days / days * width
        assert point.x == pytest.approx(expected_x, abs=0.06)
    assert [t.text for t in chart.x_ticks] == ["2017", "2018", "2019"]
    # y: the ticks run from £28 at the bottom of the plot to £36 at the top (the target
    # counts), and every point's height reads back as its figure.
    assert [t.text for t in chart.y_ticks] == ["£28", "£30", "£32", "£34", "£36"]
    assert chart.y_ticks[0].at == charts.PLOT_BOTTOM and chart.y_ticks[-1].at == charts.PLOT_TOP
    for series in chart.series:
        for point in series.points:
            assert chart.y_scale.invert(point.y) == pytest.approx(
                float(point.observation.value), abs=0.01
            )
    # The target is a line at its value, labelled; a baseline is not drawn.
    [line] = chart.targets
    assert line.text == "Target for 2030: £36.00"
    assert chart.y_scale.invert(line.y) == pytest.approx(36.0, abs=0.01)
    assert line.x2 == own.points[-1].x  # it stops where the lines end, before the labels


def test_a_chart_labels_every_line_at_its_end_without_overlaps() -> None:
    indicator, area, england, observations, target = _chart_fixture()
    [chart] = charts.small_multiples(
        indicator=indicator,
        observations=observations,
        targets=[target],
        areas=[area],
        comparators={area.pk: [england]},
    )
    ends = [s.end for s in chart.series] + [t.end for t in chart.targets]
    column = chart.series[0].points[-1].x + charts.LABEL_OFFSET
    assert {e.x for e in ends} == {column}
    assert [text for _y, text in chart.series[0].end.lines] == ["Birmingham"]
    boxes = sorted((e.top, len(e.lines) * charts.LABEL_LINE_HEIGHT) for e in ends)
    for (top, height), (next_top, _h) in zip(boxes, boxes[1:], strict=False):
        assert top + height <= next_top
    # England's line ends in 2018, short of the label column: a leader joins them.
    assert chart.series[1].end.leader and chart.series[1].end.point_x < column - 1


def test_a_charts_table_holds_the_same_figures_and_lists_the_undated_ones() -> None:
    indicator, area, england, observations, target = _chart_fixture()
    [chart] = charts.small_multiples(
        indicator=indicator,
        observations=observations,
        targets=[target],
        areas=[area],
        comparators={area.pk: [england]},
    )
    assert chart.table_columns == ["Birmingham", "England"]
    rows = [(r.period, r.cells, r.note) for r in chart.table_rows]
    assert rows == [
        ("2017", ["£29.40", "£34.20"], ""),
        ("2018", ["£30.05", "£34.90"], ""),
        ("2019", ["£30.62", ""], ""),
        ("2019-20", ["£31.00", ""], "Not on the chart: the period has no dates"),
        ("Target for 2030", ["£36.00", ""], "Dashed line"),
    ]
    drawn = {(s.label, p.observation.period, p.text) for s in chart.series for p in s.points}
    tabled = {
        (chart.table_columns[c], r.period, cell)
        for r in chart.table_rows
        if not r.note
        for c, cell in enumerate(r.cells)
        if cell
    }
    assert drawn == tabled
    assert [o.period for o in chart.undated] == ["2019-20"]
    assert "1 figure without dates is in the table only." in chart.description
    assert "from £29.40 to £30.62" in chart.description
    assert "not from zero" in chart.description


def test_a_chart_of_undated_figures_only_has_nothing_to_draw_but_its_table() -> None:
    indicator, area, _england, _observations, _target = _chart_fixture()
    [chart] = charts.small_multiples(
        indicator=indicator,
        observations=[_obs(area, "2019-20", "31.00", dated=False)],
        targets=[],
        areas=[area],
        comparators={},
    )
    assert not chart.drawable and chart.series == []
    assert [r.period for r in chart.table_rows] == ["2019-20"]
    assert "There are no dated figures for Birmingham to draw." in chart.description


def test_comparators_keep_their_style_on_every_chart() -> None:
    ca = Area(
        gss_code="E47000007",
        name="West Midlands Combined Authority",
        level=AreaLevel.COMBINED_AUTHORITY,
    )
    region = Area(gss_code="E12000005", name="West Midlands", level=AreaLevel.REGION)
    england = Area(gss_code="E92000001", name="England", level=AreaLevel.COUNTRY)
    uk = Area(gss_code="K02000001", name="United Kingdom", level=AreaLevel.COUNTRY)
    assert charts.comparator_styles([ca, region, england]) == charts.COMPARATOR_STYLES
    assert charts.comparator_styles([region, england]) == charts.COMPARATOR_STYLES[1:]
    # Two countries cannot share a style: the second takes the one left.
    assert charts.comparator_styles([england, uk]) == [
        charts.COMPARATOR_STYLES[2],
        charts.COMPARATOR_STYLES[0],
    ]
    assert charts.area_label(region) == "West Midlands region"


# --- The charts on the page -------------------------------------------------------------------


def _charts_on(body: str) -> dict[str, tuple[ET.Element, str]]:
    """Chart title -> (its SVG, parsed; the HTML of the table under it)."""
    found = {}
    for match in re.finditer(r"<svg class=\"app-chart__svg\".*?</svg>", body, re.S):
        svg = ET.fromstring(match.group(0))  # noqa: S314 - the page under test, not untrusted
        title = svg.find(f"{SVG}title").text
        rest = body[match.end() :]
        found[title] = (svg, rest[: rest.index("</table>")])
    return found


def _values_drawn(svg: ET.Element) -> list[tuple[str, float]]:
    """(marker title, value read back from its height by the axis ticks) for every point."""
    ticks = []
    for tick in svg.iter(f"{SVG}g"):
        if tick.get("class") == "app-chart__y-tick":
            y = float(tick.find(f"{SVG}line").get("y1"))
            label = tick.find(f"{SVG}text").text
            ticks.append((y, float(re.sub(r"[£%,]", "", label))))
    (y0, v0), (y1, v1) = ticks[0], ticks[-1]
    points = []
    for use in svg.iter(f"{SVG}use"):
        title = use.find(f"{SVG}title")
        if title is not None:
            y = float(use.get("y"))
            points.append((title.text, v0 + (y - y0) / (y1 - y0) * (v1 - v0)))
    return points


def test_each_chart_on_the_page_draws_the_numbers_its_table_holds(
    client: Client, figures: People
) -> None:
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    birmingham = Area.objects.get(name="Birmingham")
    england = Area.objects.get(gss_code="E92000001")
    for area, year, value in [
        (birmingham, 2017, "29.40"),
        (birmingham, 2018, "30.05"),
        (england, 2018, "34.90"),
    ]:
        Observation.objects.create(
            indicator=gva,
            area=area,
            period=str(year),
            period_start=dt.date(year, 1, 1),
            period_end=dt.date(year, 12, 31),
            value=Decimal(value),
        )
    target_set(
        indicator=gva,
        area=birmingham,
        kind=TargetKind.TARGET,
        year=2030,
        value=Decimal("36"),
        acting_user=figures.admin,
    )
    body = _page(client, figures.partner, "/indicators/gva_per_hour_worked/")
    found = _charts_on(body)
    # One chart for each of the seven districts, and England.
    assert len(found) == 8
    for title, (svg, table) in found.items():
        cells = [unescape(c) for c in re.findall(r"cell--numeric\">([^<]+)</td>", table)]
        drawn = _values_drawn(svg)
        assert drawn, title
        for marker, value in drawn:
            text = marker.rsplit(": ", 1)[1]
            assert text in cells, (title, marker)
            assert value == pytest.approx(float(text.strip("£")), abs=0.05), (title, marker)
        targets = svg.findall(f".//{SVG}g[@class='app-chart__target']")
        if title == "GVA per hour: Birmingham":
            assert len(targets) == 1 and "Target for 2030" in table and "£36.00" in cells
            assert len(drawn) == 3 + 1  # its three years and England's one
        else:
            assert targets == []
    # Each real figure appears in its district's chart and table.
    for name, value in _real_rows("gva_per_hour_worked").items():
        assert _pounds(value) in found[f"GVA per hour: {name}"][1]


def test_undated_figures_are_in_the_table_only_and_the_page_says_so(
    client: Client, figures: People
) -> None:
    # The file gives GCSE results for "2019-20", and the indicator has no year basis.
    body = _page(client, figures.partner, "/indicators/gcse_eng_maths_pct/")
    assert '<svg class="app-chart__svg"' not in body
    assert "there is nothing to place on a time axis" in body
    for name, value in _real_rows("gcse_eng_maths_pct").items():
        start = body.index(f">{name}</h3>")
        table = body[start : body.index("</table>", start)]
        assert f">{value}%<" in table  # as published: 72.0%, not 72%
        assert "Not on the chart: the period has no dates" in table


# --- Queries ----------------------------------------------------------------------------------


def _ten_times(people: People) -> None:
    """Ten times the areas and the periods: 63 more metropolitan districts (in a made-up
    combined authority's area), and nine more years of every indicator everywhere; and claims
    from a dozen more proposals."""
    region = Area.objects.get(gss_code="E12000005")
    other_ca = Area.objects.create(
        gss_code="E47000099",
        name="Elsewhere Combined Authority",
        level=AreaLevel.COMBINED_AUTHORITY,
        parent=region,
    )
    new = Area.objects.bulk_create(
        Area(
            gss_code=f"E08{900000 + n:06d}",
            name=f"District {n}",
            level=AreaLevel.METROPOLITAN_DISTRICT,
            parent=other_ca,
        )
        for n in range(63)
    )
    existing = list(Observation.objects.filter(period_start__isnull=False))
    extra = []
    for o in existing:
        for years_back in range(1, 10):
            extra.append(
                Observation(
                    indicator_id=o.indicator_id,
                    area_id=o.area_id,
                    period=f"{o.period_end.year - years_back}",
                    period_start=o.period_start.replace(year=o.period_start.year - years_back),
                    period_end=o.period_end.replace(year=o.period_end.year - years_back),
                    value=o.value - years_back,
                )
            )
    one_per_indicator = {o.indicator_id: o for o in existing}.values()
    for o in one_per_indicator:
        for n, area in enumerate(new):
            extra.append(
                Observation(
                    indicator_id=o.indicator_id,
                    area=area,
                    period=o.period,
                    period_start=o.period_start,
                    period_end=o.period_end,
                    value=o.value + Decimal(n) / 10,
                )
            )
    Observation.objects.bulk_create(extra, batch_size=1000)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    metrics = list(Metric.objects.all()[:12])
    for n in range(12):
        proposal = Proposal.objects.create(
            deal=people.deal,
            workstream=transport,
            title=f"Proposal {n}",
            classification=Classification.OFFICIAL if n % 2 else Classification.OFFICIAL_SENSITIVE,
        )
        proposal.metrics.add(metrics[n])
        proposal.missions.add(metrics[n].mission)
    for ws in Workstream.objects.filter(deal=people.deal)[:6]:
        ws.metrics.add(*metrics)


# Session, user and roles (3); the area of the person's deal (1); then the missions page reads
# the missions with their statements, metrics and indicators (4), the latest figures (1), the
# visible workstreams and their links (2), and the visible proposals' links and the proposals
# (2); an indicator page reads the indicator, its observations, targets and areas (4), and the
# workstreams and proposals that claim it (2), and for mission 8 the mission's indicators and
# their figures (2). The missions page reads the published figures linked to each metric (1).
# Each page reads the combined authorities' and countries' figures once more for "beside its
# peers" (1; tests/test_peers.py).
QUERY_LIMITS = {
    "/missions/": 15,
    "/indicators/gva_per_hour_worked/": 11,
    "/indicators/healthy_life_expectancy_male/": 11,
    "/indicators/low_life_satisfaction/": 13,
}


@pytest.mark.parametrize("url", list(QUERY_LIMITS))
@pytest.mark.parametrize("persona", ["partner", "admin"])
def test_the_pages_cost_the_same_few_queries_at_ten_times_the_data(
    client: Client, figures: People, url: str, persona: str, django_assert_max_num_queries
) -> None:
    client.force_login(figures.all_roles()[persona])
    with django_assert_max_num_queries(QUERY_LIMITS[url]):
        assert client.get(url).status_code == 200
    _ten_times(figures)
    with django_assert_max_num_queries(QUERY_LIMITS[url]):
        body = client.get(url).content.decode()
    if url == "/indicators/healthy_life_expectancy_male/":
        # With 70 districts the decile gap can be measured.
        assert "Not computed" not in body and "app-measure__value" in body
    if url == "/indicators/gva_per_hour_worked/":
        assert "1 of 70" in body
    if url == "/missions/" and persona == "partner":
        assert ">Proposal 1</a>" in body and ">Proposal 0</a>" not in body


@pytest.mark.parametrize(
    ("role", "shown"),
    [("admin", True), ("lead", False), ("sponsor", False), ("dsg", False), ("partner", False)],
)
def test_the_missions_page_links_administrators_to_the_import(
    client: Client, people: People, role: str, shown: bool
) -> None:
    client.force_login(getattr(people, role))
    page = client.get("/missions/").content.decode()
    assert ('href="/observations/import/"' in page) == shown


def test_the_missions_page_shows_the_figures_of_the_persons_own_deals_area(
    client: Client, figures: People
) -> None:
    """A second deal, with its own area: its people see its figures, the West Midlands' see
    theirs, and someone in both chooses with ``?deal=``."""
    from core.choices import Role
    from core.models import Deal, Membership

    north = Area.objects.create(
        gss_code="E47000001", name="Northfold", level=AreaLevel.COMBINED_AUTHORITY
    )
    deal = Deal.objects.create(
        name="Northfold Deal", short_name="NTD", slug="northfold", area_code="E47000001"
    )
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    Observation.objects.create(
        indicator=gva,
        area=north,
        period="2019",
        period_start=dt.date(2019, 1, 1),
        period_end=dt.date(2019, 12, 31),
        value=Decimal("27.45"),
    )
    Membership.objects.create(user=figures.nobody, deal=deal, role=Role.PARTNER)

    theirs = _row_of(
        _section(_page(client, figures.nobody, "/missions/"), 1), "/indicators/gva_per_hour_worked/"
    )
    assert "£27.45" in theirs and "range of" not in theirs
    ours = _row_of(
        _section(_page(client, figures.partner, "/missions/"), 1),
        "/indicators/gva_per_hour_worked/",
    )
    assert "£27.45" not in ours and "range of the 7 metropolitan districts" in ours
    Membership.objects.create(user=figures.partner, deal=deal, role=Role.PARTNER)
    chosen = _page(client, figures.partner, "/missions/?deal=northfold")
    assert "£27.45" in _row_of(_section(chosen, 1), "/indicators/gva_per_hour_worked/")
    # The indicator page charts Northfold's area beside the areas it lies within.
    indicator_page = _page(client, figures.nobody, "/indicators/gva_per_hour_worked/")
    assert "Northfold" in indicator_page
