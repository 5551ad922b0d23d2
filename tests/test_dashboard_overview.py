"""The portfolio overview at /dashboard/ and its partner-safe version at /dashboard/shared/:
who sees which, what each counts, the filters, the RAG trend over frozen time, the links to the
records behind each number, and a fixed number of queries at two data sizes."""

from __future__ import annotations

import contextlib
import datetime as dt
import re

import pytest
import time_machine
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from core.choices import Classification, Role
from core.models import Membership
from tracker import freshness, services
from tracker.choices import AskType, Direction, ProposalStage, Rag, ReviewDecision, RiskStatus
from tracker.models import Proposal, Risk, StatusUpdate, Theme, Workstream
from tracker.periods import deal_period, previous_period
from tracker.selectors.dashboards import (
    RAG_TREND_PERIODS,
    ThemeRow,
    WorkstreamRow,
    portfolio_overview,
    trend_periods,
)

from .conftest import People

FULL = ["admin", "lead", "other_lead", "sponsor", "dsg"]


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(themes: list[ThemeRow]) -> dict[str, WorkstreamRow]:
    return {row.workstream.slug: row for t in themes for row in t.workstreams}


def _main(html: str) -> str:
    return html[html.index('<main class="govuk-main-wrapper"') : html.index("</main>")]


def overview_row(html: str, slug: str) -> str:
    """A workstream's row of the overview's table, as sent: a page from the cache carries no
    context to look into."""
    href = reverse("workstream-detail", args=[slug])
    rows = re.findall(r'<tr class="govuk-table__row"><th scope="row".*?</tr>', html, re.S)
    (row,) = [r for r in rows if f'href="{href}' in r]
    return row


def current_rag(html: str, slug: str) -> str:
    """The label of a workstream's current RAG on the overview, as sent ("No update")."""
    cells = re.findall(r"<td .*?</td>", overview_row(html, slug), re.S)
    return re.search(r'<strong class="govuk-tag[^"]*">([^<]*)</strong>', cells[0]).group(1)


def marking(html: str) -> str:
    """The protective marking at the top of the page, as sent."""
    found = re.search(
        r'id="marking"><span class="govuk-visually-hidden">[^<]*</span>([^<]*)<', html
    )
    return found.group(1)


def _update(people: People, slug: str, period, rag: str, **kw) -> StatusUpdate:
    ws = Workstream.objects.get(deal=people.deal, slug=slug)
    author = people.other_lead if slug == "skills" else people.lead
    if slug not in ("skills", "transport"):
        author = people.admin
    return services.status_update_submit(
        workstream=ws,
        acting_user=kw.pop("acting_user", author),
        period=period,
        rag=rag,
        direction=Direction.STABLE,
        summary=f"{slug} {rag}",
        next_steps="Keep going.",
        **kw,
    )


def _risk(people: People, slug: str, likelihood: int, impact: int, **kw) -> Risk:
    ws = Workstream.objects.get(deal=people.deal, slug=slug)
    return services.risk_create(
        workstream=ws,
        acting_user=people.admin,
        title=kw.pop("title", f"Risk {likelihood}x{impact} {kw.get('classification', '')}"),
        likelihood=likelihood,
        impact=impact,
        **kw,
    )


def _proposal(people: People, slug: str, title: str, classification: str) -> Proposal:
    ws = Workstream.objects.get(deal=people.deal, slug=slug)
    return services.proposal_create(
        workstream=ws,
        acting_user=people.admin,
        title=title,
        classification=classification,
        ask="A ten-year funding settlement.",
        ask_type=AskType.FUNDING,
    )


@pytest.fixture
def sensitive(people: People) -> None:
    """Transport: an OFFICIAL green update revised as an OFFICIAL-SENSITIVE red one, an OFFICIAL
    risk scored 6 and a sensitive one scored 25, one OFFICIAL and two sensitive proposals (one
    in the chain). Skills: a sensitive update only, and an OFFICIAL risk."""
    period = deal_period(people.deal, timezone.localdate())
    _update(people, "transport", period, Rag.GREEN)
    _update(
        people,
        "transport",
        period,
        Rag.RED,
        classification=Classification.OFFICIAL_SENSITIVE,
        asks_of_dsg="Decide on the rail timetable.",
    )
    _update(people, "skills", period, Rag.AMBER, classification=Classification.OFFICIAL_SENSITIVE)
    _risk(people, "transport", 2, 3)
    _risk(people, "transport", 5, 5, classification=Classification.OFFICIAL_SENSITIVE)
    _risk(people, "skills", 4, 4)
    _proposal(people, "transport", "Bus franchising", Classification.OFFICIAL)
    secret = _proposal(people, "transport", "Rail devolution", Classification.OFFICIAL_SENSITIVE)
    _proposal(people, "transport", "Fares cap", Classification.OFFICIAL_SENSITIVE)
    services.proposal_submit(proposal=secret, acting_user=people.admin)


# --- Who sees it ------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(client: Client, people: People) -> None:
    for url in ("/dashboard/", "/dashboard/shared/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_someone_without_a_role_gets_not_found(people: People) -> None:
    client = _client(people.nobody)
    assert client.get("/dashboard/").status_code == 404
    assert client.get("/dashboard/shared/").status_code == 404


@pytest.mark.parametrize("persona", FULL)
def test_every_wmca_role_sees_the_full_overview(people: People, persona: str) -> None:
    response = _client(people.all_roles()[persona]).get(reverse("dashboard"))
    assert response.status_code == 200
    assert response.context["shared"] is False
    html = response.content.decode()
    assert '<h1 class="govuk-heading-l">Portfolio overview</h1>' in html
    assert (
        html.count('class="app-dashboard-theme"') == Theme.objects.filter(deal=people.deal).count()
    )
    # Every active workstream of the deal is there, with its page linked.
    for ws in Workstream.objects.filter(deal=people.deal, status="active"):
        assert f'href="/workstreams/{ws.slug}/"' in html


@pytest.mark.parametrize("persona", [*FULL, "partner"])
def test_everyone_with_a_role_may_open_the_partner_safe_version(
    people: People, persona: str
) -> None:
    response = _client(people.all_roles()[persona]).get(reverse("dashboard-shared"))
    assert response.status_code == 200
    assert response.context["shared"] is True
    assert "partner-safe version" in response.content.decode()
    assert response.context["marking"] == "OFFICIAL"


def test_a_partner_who_opens_the_overview_gets_the_partner_safe_version(
    people: People, sensitive: None
) -> None:
    partner = _client(people.partner)
    mine = partner.get("/dashboard/")
    shared = partner.get("/dashboard/shared/")
    assert mine.status_code == 200
    assert mine.context["shared"] is True
    # The very same page as the one a DSG member shares, whoever opens it.
    assert _main(mine.content.decode()) == _main(shared.content.decode())
    assert _main(mine.content.decode()) == _main(
        _client(people.dsg).get("/dashboard/shared/").content.decode()
    )


def test_the_dashboard_is_in_the_navigation_and_marked_current(people: People) -> None:
    html = _client(people.dsg).get("/dashboard/").content.decode()
    assert re.search(r'href="/dashboard/" aria-current="page"', html)
    assert 'href="/dashboard/pipeline/"' in html
    assert 'href="/dashboard/coverage/"' in html
    assert 'href="/dashboard/asks/"' in html


# --- What each version counts -----------------------------------------------------------------


def test_the_full_overview_counts_sensitive_material_and_is_marked_so(
    people: People, sensitive: None
) -> None:
    response = _client(people.dsg).get("/dashboard/")
    rows = _rows([_theme(t) for t in response.context["themes"]])
    transport = rows["transport"]
    assert transport.current_rag == Rag.RED
    assert transport.open_risks == 2
    assert transport.top_risk_score == 25
    assert transport.proposals_by_stage[ProposalStage.DRAFT] == 2
    assert transport.proposals_by_stage[ProposalStage.IN_GOVERNANCE] == 1
    assert rows["skills"].current_rag == Rag.AMBER
    assert response.context["marking"] == "OFFICIAL-SENSITIVE"
    assert response.context["totals"].proposals == 3
    assert response.context["totals"].open_risks == 3
    marking = '<span class="govuk-visually-hidden">Protective marking: </span>OFFICIAL-SENSITIVE'
    assert response.content.decode().count(marking) == 2


def _theme(entry: dict) -> ThemeRow:
    rows = [line.row for line in entry["lines"]]
    return ThemeRow(theme=entry["theme"], workstreams=rows, rag_counts={})


@pytest.mark.parametrize(
    ("persona", "url"),
    [("partner", "/dashboard/"), ("dsg", "/dashboard/shared/"), ("partner", "/dashboard/shared/")],
)
def test_the_partner_safe_version_counts_no_sensitive_record(
    people: People, sensitive: None, persona: str, url: str
) -> None:
    response = _client(people.all_roles()[persona]).get(url)
    rows = _rows([_theme(t) for t in response.context["themes"]])
    transport, skills = rows["transport"], rows["skills"]
    # The sensitive red revision is not counted: the OFFICIAL green one before it is current.
    assert transport.current_rag == Rag.GREEN
    assert (
        transport.current_update_id
        == StatusUpdate.objects.get(workstream__slug="transport", version=1).pk
    )
    assert transport.rag_trend[-1] == Rag.GREEN
    # Only the OFFICIAL risk (6) counts; the sensitive 25 is in no count and no top score.
    assert (transport.open_risks, transport.top_risk_score) == (1, 6)
    # One OFFICIAL draft; the sensitive draft and the sensitive one in the chain are not there.
    assert transport.proposals_by_stage[ProposalStage.DRAFT] == 1
    assert transport.proposals_by_stage[ProposalStage.IN_GOVERNANCE] == 0
    # Skills has only a sensitive update: no RAG, no trend, no last update to show.
    assert skills.current_rag is None
    assert skills.rag_trend == [None] * RAG_TREND_PERIODS
    assert skills.last_update_at is None
    assert not skills.unsigned
    totals = response.context["totals"]
    assert (totals.open_risks, totals.proposals, totals.includes_sensitive) == (2, 1, False)
    assert totals.rag_counts[Rag.RED] == 0
    assert response.context["marking"] == "OFFICIAL"
    html = response.content.decode()
    assert "OFFICIAL-SENSITIVE</p>" not in html
    assert "top score 25" not in html
    assert "1 in the governance chain" not in html
    # Its links to the proposals list ask for OFFICIAL proposals only, so the numbers match.
    assert "/proposals/?workstream=transport&amp;stage=draft&amp;classification=official" in html


def test_a_partner_gets_the_partner_safe_counts_from_the_selector_whatever_they_ask(
    people: People, sensitive: None
) -> None:
    asked_full = _rows(portfolio_overview(people.partner, people.deal, partner_safe=False))
    assert asked_full["transport"].open_risks == 1
    assert asked_full["transport"].current_rag == Rag.GREEN
    assert not any(row.includes_sensitive for row in asked_full.values())
    full = _rows(portfolio_overview(people.dsg, people.deal))
    assert full["transport"].includes_sensitive
    safe = _rows(portfolio_overview(people.dsg, people.deal, partner_safe=True))
    assert [r.open_risks for r in safe.values()] == [r.open_risks for r in asked_full.values()]


def test_overdue_is_a_fact_about_reporting_that_every_version_shows(
    people: People, sensitive: None
) -> None:
    # Skills posted a sensitive update this period: it has reported, for the partner too.
    for user in (people.partner, people.dsg):
        rows = _rows(portfolio_overview(user, people.deal))
        assert rows["skills"].overdue is False
        assert rows["health"].overdue is True


# --- The RAG trend, over frozen time ----------------------------------------------------------


def test_the_trend_covers_the_last_periods_oldest_first_ending_with_the_open_one(
    people: People,
) -> None:
    deal = people.deal
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        periods = trend_periods(deal)
        assert len(periods) == RAG_TREND_PERIODS
        # Fortnights from Monday 7 March 2022: 25 November 2026 is 1,724 days on, in the
        # fortnight that began 123 fortnights (1,722 days) on: Monday 23 November.
        assert periods[-1].start == dt.date(2026, 11, 23)
        assert periods[0].start == dt.date(2026, 9, 14)
        _update(people, "transport", periods[0], Rag.GREEN)
        _update(people, "transport", periods[2], Rag.AMBER)
        _update(people, "transport", periods[2], Rag.RED, asks_of_dsg="Help.")  # a revision
        _update(people, "transport", periods[5], Rag.AMBER)
        older = previous_period(deal, periods[0])
        _update(people, "skills", older, Rag.RED, asks_of_dsg="Help.")  # before the trend
        rows = _rows(portfolio_overview(people.dsg, deal))
    transport = rows["transport"]
    assert transport.rag_trend == [Rag.GREEN, None, Rag.RED, None, None, Rag.AMBER]
    assert transport.current_rag == Rag.AMBER
    revision = StatusUpdate.objects.get(
        workstream__slug="transport", period_start=periods[2].start, version=2
    )
    assert transport.trend_update_ids[2] == revision.pk
    # An update older than the trend is still the current one, though not in the trend.
    assert rows["skills"].current_rag == Rag.RED
    assert rows["skills"].rag_trend == [None] * RAG_TREND_PERIODS
    assert rows["skills"].overdue is True
    assert transport.overdue is False


def test_a_fortnight_later_the_trend_moves_on_by_one_period(people: People) -> None:
    with time_machine.travel(dt.datetime(2026, 11, 25, 12, tzinfo=dt.UTC), tick=False):
        first = trend_periods(people.deal)[0]
        _update(people, "transport", first, Rag.GREEN)
        assert _rows(portfolio_overview(people.dsg, people.deal))["transport"].rag_trend[0] == (
            Rag.GREEN
        )
    with time_machine.travel(dt.datetime(2026, 12, 9, 12, tzinfo=dt.UTC), tick=False):
        rows = _rows(portfolio_overview(people.dsg, people.deal))
    assert rows["transport"].rag_trend == [None] * RAG_TREND_PERIODS
    assert rows["transport"].current_rag == Rag.GREEN


def test_the_current_update_is_unsigned_until_the_sponsor_signs_it_off(people: People) -> None:
    update = _update(people, "transport", deal_period(people.deal, timezone.localdate()), Rag.GREEN)
    assert _rows(portfolio_overview(people.dsg, people.deal))["transport"].unsigned is True
    services.status_update_review(
        status_update=update, acting_user=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )
    row = _rows(portfolio_overview(people.dsg, people.deal))["transport"]
    assert row.unsigned is False
    assert row.sponsor == people.sponsor


# --- Filters ----------------------------------------------------------------------------------


@pytest.fixture
def spread(people: People) -> None:
    """Transport green and signed off, Skills red, Health amber; the rest never reported."""
    period = deal_period(people.deal, timezone.localdate())
    green = _update(people, "transport", period, Rag.GREEN)
    services.status_update_review(
        status_update=green, acting_user=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )
    _update(people, "skills", period, Rag.RED, asks_of_dsg="Help.")
    _update(people, "health", period, Rag.AMBER)


def _shown(response) -> list[str]:
    return [line.row.workstream.slug for t in response.context["themes"] for line in t["lines"]]


def test_filtering_by_theme_shows_only_that_theme(people: People, spread: None) -> None:
    theme = Theme.objects.get(deal=people.deal, workstreams__slug="transport")
    response = _client(people.dsg).get("/dashboard/", {"theme": theme.slug})
    assert [t["theme"] for t in response.context["themes"]] == [theme]
    assert sorted(_shown(response)) == sorted(
        Workstream.objects.filter(theme=theme, status="active").values_list("slug", flat=True)
    )
    assert "Clear filters" in response.content.decode()
    # The totals stay deal-wide.
    assert response.context["totals"].workstreams == 20


@pytest.mark.parametrize(
    ("rag", "expected"),
    [("green", ["transport"]), ("red", ["skills"]), ("amber", ["health"])],
)
def test_filtering_by_rag(people: People, spread: None, rag: str, expected: list[str]) -> None:
    assert _shown(_client(people.dsg).get("/dashboard/", {"rag": rag})) == expected


def test_filtering_by_no_update_shows_the_workstreams_that_never_reported(
    people: People, spread: None
) -> None:
    shown = _shown(_client(people.dsg).get("/dashboard/", {"rag": "none"}))
    assert len(shown) == 17
    assert not {"transport", "skills", "health"} & set(shown)


def test_filtering_by_sponsor(people: People, spread: None) -> None:
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    Membership.objects.create(
        user=people.admin, deal=people.deal, role=Role.SPONSOR, workstream=skills
    )
    response = _client(people.dsg).get("/dashboard/", {"sponsor": people.sponsor.pk})
    assert _shown(response) == ["transport"]
    assert _shown(_client(people.dsg).get("/dashboard/", {"sponsor": people.admin.pk})) == [
        "skills"
    ]
    # Someone who sponsors nothing is no choice: the filter is ignored, not an error.
    assert len(_shown(_client(people.dsg).get("/dashboard/", {"sponsor": people.dsg.pk}))) == 20


def test_filtering_by_overdue_and_sign_off(people: People, spread: None) -> None:
    client = _client(people.dsg)
    up_to_date = _shown(client.get("/dashboard/", {"overdue": "no"}))
    overdue = _shown(client.get("/dashboard/", {"overdue": "yes"}))
    assert sorted(up_to_date) == ["health", "skills", "transport"]
    assert len(overdue) == 17 and "transport" not in overdue
    assert sorted(_shown(client.get("/dashboard/", {"unsigned": "yes"}))) == ["health", "skills"]
    assert _shown(client.get("/dashboard/", {"unsigned": "no"})) == ["transport"]


def test_filters_combine_and_nonsense_is_ignored(people: People, spread: None) -> None:
    client = _client(people.dsg)
    assert _shown(client.get("/dashboard/", {"rag": "red", "overdue": "no"})) == ["skills"]
    assert _shown(client.get("/dashboard/", {"rag": "red", "overdue": "yes"})) == []
    assert (
        "No workstreams match"
        in client.get("/dashboard/", {"rag": "red", "overdue": "yes"}).content.decode()
    )
    assert len(_shown(client.get("/dashboard/", {"rag": "purple", "sponsor": "x"}))) == 20


def test_the_shared_versions_filters_stay_on_the_shared_version(
    people: People, spread: None
) -> None:
    html = _client(people.dsg).get("/dashboard/shared/", {"rag": "red"}).content.decode()
    assert 'action="/dashboard/shared/"' in html
    assert 'href="/dashboard/shared/">Clear filters' in html
    assert 'href="/dashboard/?' not in html


def test_the_roll_up_counts_each_themes_current_rag_in_words(people: People, spread: None) -> None:
    themes = portfolio_overview(people.dsg, people.deal)
    theme = next(t for t in themes if any(r.workstream.slug == "transport" for r in t.workstreams))
    assert theme.rag_counts == {
        "green": 1,
        "amber": 0,
        "red": 0,
        "none": len(theme.workstreams) - 1,
    }
    html = _client(people.dsg).get("/dashboard/").content.decode()
    assert f'href="/dashboard/?theme={theme.theme.slug}&amp;rag=green#results">1 green</a>' in html


# --- Links to the records behind the numbers --------------------------------------------------


def _hrefs(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"#]+)(?:#[^"]*)?"', html)]


@pytest.mark.parametrize("persona", ["dsg", "partner"])
def test_the_numbers_link_to_pages_that_exist(
    people: People, sensitive: None, persona: str
) -> None:
    client = _client(people.all_roles()[persona])
    html = _main(client.get("/dashboard/").content.decode())
    links = [h for h in _hrefs(html) if h.startswith("/") and "/dashboard/" not in h[:11]]
    wanted = [
        "/workstreams/transport/",
        "/workstreams/transport/risks/?status=open",
        "/workstreams/transport/updates/",
        "/workstreams/",
    ]
    for url in wanted:
        assert url in links
    stage_links = [h for h in links if h.startswith("/proposals/?workstream=transport&stage=")]
    update_links = [h for h in links if re.match(r"/workstreams/transport/updates/\d+/$", h)]
    assert stage_links and update_links
    for url in [*wanted, *stage_links, *update_links]:
        assert client.get(url).status_code == 200, url
    # What the proposals link finds is what the overview counted.
    draft = next(h for h in stage_links if "stage=draft" in h)
    listed = client.get(draft).context["page"].paginator.count
    rows = _rows(portfolio_overview(people.all_roles()[persona], people.deal))
    assert listed == rows["transport"].proposals_by_stage["draft"]
    # And the filter links go back to the overview.
    for url in [h for h in _hrefs(html) if h.startswith("/dashboard/?")][:3]:
        assert client.get(url).status_code == 200


def test_the_open_risks_link_lists_as_many_open_risks_as_counted(
    people: People, sensitive: None
) -> None:
    client = _client(people.dsg)
    row = _rows(portfolio_overview(people.dsg, people.deal))["transport"]
    risks = client.get("/workstreams/transport/risks/?status=open").context["risks"]
    assert len(risks) == row.open_risks == 2


# --- Bounded queries --------------------------------------------------------------------------


def _grow(people: People, scale: int) -> None:
    """Each of the deal's themes gets ``scale`` more workstreams; every workstream gets
    ``scale`` updates over the trend, ``scale`` risks and ``scale`` proposals, half of them
    OFFICIAL-SENSITIVE, and a sponsor."""
    deal = people.deal
    themes = list(Theme.objects.filter(deal=deal))
    Workstream.objects.bulk_create(
        Workstream(deal=deal, theme=t, name=f"{t.name} extra {i}", slug=f"{t.slug}-extra-{i}")
        for t in themes
        for i in range(scale)
    )
    workstreams = list(Workstream.objects.filter(deal=deal))
    Membership.objects.bulk_create(
        Membership(user=people.sponsor, deal=deal, role=Role.SPONSOR, workstream=w)
        for w in workstreams
        if w.slug != "transport"
    )
    periods = trend_periods(deal)
    marks = [Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE]
    StatusUpdate.objects.bulk_create(
        StatusUpdate(
            workstream=w,
            period_start=periods[i % len(periods)].start,
            period_end=periods[i % len(periods)].end,
            version=1 + i // len(periods),
            rag=[Rag.GREEN, Rag.AMBER, Rag.RED][i % 3],
            direction=Direction.STABLE,
            summary="Bulk",
            next_steps="Bulk",
            classification=marks[i % 2],
        )
        for w in workstreams
        for i in range(scale)
    )
    Risk.objects.bulk_create(
        Risk(
            workstream=w,
            title=f"Risk {i}",
            likelihood=1 + i % 5,
            impact=1 + (i * 2) % 5,
            status=[RiskStatus.OPEN, RiskStatus.CLOSED][i % 2 and i % 3 == 0],
            classification=marks[i % 2],
        )
        for w in workstreams
        for i in range(scale)
    )
    Proposal.objects.bulk_create(
        Proposal(
            deal=deal,
            workstream=w,
            title=f"Proposal {i}",
            classification=marks[i % 2],
            ask="Bulk",
            ask_type=AskType.FUNDING,
            stage=ProposalStage.DRAFT if i % 3 else ProposalStage.REJECTED,
        )
        for w in workstreams
        for i in range(scale)
    )


@pytest.mark.parametrize("scale", [2, 20])
@pytest.mark.parametrize(
    ("persona", "url"),
    [("dsg", "/dashboard/"), ("partner", "/dashboard/"), ("dsg", "/dashboard/shared/")],
)
def test_the_overview_reads_a_fixed_number_of_queries_whatever_the_size(
    people: People, django_assert_max_num_queries, scale: int, persona: str, url: str
) -> None:
    _grow(people, scale)
    client = _client(people.all_roles()[persona])
    client.get(url)  # the session and the person are read once for every page
    freshness.forget_cached()  # build the overview afresh, as after a change
    # The session, the person, their roles, the deal, the page's data versions; then the
    # versions of what every row shows, the themes and the workstreams; the versions of each
    # workstream's own records (with the former, the rows' cache keys); then the rows' five
    # reads: each workstream's current update, sponsors, the trend's updates, open risks,
    # proposals by stage.
    with django_assert_max_num_queries(15):
        response = client.get(url, {"rag": "green"})
    assert response.status_code == 200
    assert response.context["totals"].workstreams == 20 + 5 * scale
    assert response.context["totals"].open_risks > 0
    # Built once, the overview is read from the cache until the data changes.
    with django_assert_max_num_queries(5):
        again = client.get(url, {"rag": "green"})
    assert _main(again.content.decode()) == _main(response.content.decode())


# --- The cache -------------------------------------------------------------------------------


def test_a_cached_overview_never_reaches_someone_who_may_see_less(
    people: People, sensitive: None
) -> None:
    full = _client(people.dsg).get("/dashboard/")
    assert marking(full.content.decode()) == "OFFICIAL-SENSITIVE"
    for persona, url in [("partner", "/dashboard/"), ("dsg", "/dashboard/shared/")]:
        html = _client(people.all_roles()[persona]).get(url).content.decode()
        assert marking(html) == "OFFICIAL"
        assert "top score 25" not in html
        assert ">1 open<" in overview_row(html, "transport")
    # And the other way round: the partner-safe version cached first is not the full one.
    freshness.forget_cached()
    _client(people.partner).get("/dashboard/")
    assert "top score 25" in _client(people.dsg).get("/dashboard/").content.decode()


def test_a_committed_change_shows_on_the_next_view(
    people: People, django_capture_on_commit_callbacks
) -> None:
    client = _client(people.dsg)
    before = client.get("/dashboard/")
    assert _rows([_theme(t) for t in before.context["themes"]])["transport"].current_rag is None
    assert current_rag(before.content.decode(), "transport") == "No update"
    period = deal_period(people.deal, timezone.localdate())
    with django_capture_on_commit_callbacks(execute=True):
        _update(people, "transport", period, Rag.AMBER)
    assert current_rag(client.get("/dashboard/").content.decode(), "transport") == "Amber"


def test_the_data_version_moves_on_when_a_watched_record_changes_and_not_on_sign_in(
    people: People, django_capture_on_commit_callbacks
) -> None:
    start = freshness.current_version()
    with django_capture_on_commit_callbacks(execute=True):
        people.dsg.last_login = timezone.now()
        people.dsg.save(update_fields=["last_login"])
    assert freshness.current_version() == start
    with django_capture_on_commit_callbacks(execute=True):
        _risk(people, "transport", 2, 3)
    assert freshness.current_version() == start + 1
    with django_capture_on_commit_callbacks(execute=True):
        Risk.objects.filter(workstream__slug="transport").delete()
    assert freshness.current_version() == start + 2
    # A change that is rolled back moves nothing.
    with (
        django_capture_on_commit_callbacks(execute=True),
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        _risk(people, "transport", 2, 3)
        raise RuntimeError("rolled back")
    assert freshness.current_version() == start + 2


def test_the_cache_is_per_day_so_overdue_moves_on_by_itself(people: People) -> None:
    client = _client(people.dsg)
    with time_machine.travel(dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC), tick=False):
        first = client.get("/dashboard/").context["periods"][-1]
    with time_machine.travel(dt.datetime(2026, 6, 30, 9, tzinfo=dt.UTC), tick=False):
        later = client.get("/dashboard/").context["periods"][-1]
    assert later.start > first.start


def test_the_other_dashboards_it_links_to_exist(people: People) -> None:
    client = _client(people.dsg)
    html = _main(client.get("/dashboard/").content.decode())
    others = [h for h in _hrefs(html) if re.match(r"/dashboard/(?!shared/)\w+/$", h)]
    assert sorted(others) == [
        "/dashboard/asks/",
        "/dashboard/coverage/",
        "/dashboard/delivery/",
        "/dashboard/pipeline/",
    ]
    for url in others:
        assert client.get(url).status_code == 200, url
