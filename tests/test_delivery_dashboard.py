"""The DSG's delivery dashboard, the list of provisions its numbers link to, and a provision's
own page: the counts by state and confidence (across the deal and per theme, workstream and
department), slipped forecasts, provisions with no report this period, what changed since the
DSG's last meeting, every number a link to as many provisions, what each persona may see, a
lead's report counted on the next view, and a fixed number of queries however many provisions.
The records are tests/delivery_world.py's."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.choices import Classification
from delivery import dashboard, services
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision, ProvisionReport
from missions.models import Indicator, Metric, Mission
from tracker import freshness
from tracker import services as tracker_services
from tracker.choices import AskType
from tracker.models import Meeting, Workstream
from tracker.selectors.governance import chain_of

from .conftest import People
from .delivery_world import BASELINE, NOW, SECRET, SLIPPED_TO, World, build, dsg, report

S, C = DeliveryState, Confidence
DASHBOARD = "/dashboard/delivery/"
LIST = "/provisions/"
SENSITIVE_ROLES = ["admin", "lead", "other_lead", "sponsor", "dsg"]


@pytest.fixture
def world(people: People, time_machine: Any) -> World:
    return build(people, time_machine)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _refs(lines: list[Any]) -> list[str]:
    return [getattr(line, "line", line).provision.reference for line in lines]


def _main(html: str) -> str:
    return html.split('<main class="govuk-main-wrapper" id="main-content">', 1)[1].split(
        "</main>", 1
    )[0]


def _dash(world: World, persona: str = "dsg") -> dashboard.DeliveryDashboard:
    response = client_for(world.people.all_roles()[persona]).get(DASHBOARD)
    assert response.status_code == 200
    return response.context["dash"]


# --- Who may open the pages --------------------------------------------------------------------


@pytest.mark.parametrize("persona", [*SENSITIVE_ROLES, "partner"])
def test_everyone_with_a_role_in_the_deal_opens_the_dashboard_and_the_list(
    world: World, persona: str
) -> None:
    client = client_for(world.people.all_roles()[persona])
    for url in (DASHBOARD, LIST, f"/provisions/{world.p11.pk}/"):
        assert client.get(url).status_code == 200, url


def test_no_role_is_not_found_and_signed_out_is_sent_to_sign_in(world: World) -> None:
    client = client_for(world.people.nobody)
    for url in (DASHBOARD, LIST, f"/provisions/{world.p11.pk}/"):
        assert client.get(url).status_code == 404, url
        response = Client().get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- The counts --------------------------------------------------------------------------------


def test_the_dsg_sees_every_provision_counted_by_state_and_by_confidence(world: World) -> None:
    dash = _dash(world)
    assert dash.total.total == 5
    assert dash.total.states == {
        S.NOT_STARTED: 1,  # 2.10
        S.IN_PROGRESS: 1,  # 1.1
        S.DELIVERED: 1,  # 2.2
        S.STALLED: 1,  # 1.2
        S.SUPERSEDED: 0,
        dashboard.NO_REPORT: 1,  # 2.1
    }
    assert dash.total.confidences == {
        C.GREEN: 1,
        C.AMBER_GREEN: 1,
        C.AMBER: 1,
        C.AMBER_RED: 0,
        C.RED: 1,
    }
    assert dash.includes_sensitive


def test_the_counts_per_theme_workstream_and_department(world: World) -> None:
    dash = _dash(world)
    transport, skills = (Workstream.objects.get(slug=s) for s in ("transport", "skills"))
    by_workstream = {t.label: t for t in dash.workstreams}
    # In the deal's order: Skills's theme comes before Transport's.
    assert list(by_workstream) == ["Skills", "Transport"]
    assert [t.criteria.theme for t in dash.themes] == [skills.theme.slug, transport.theme.slug]
    assert by_workstream["Transport"].total == 2
    assert by_workstream["Transport"].states[S.STALLED] == 1
    assert by_workstream["Transport"].slipped == 1
    assert by_workstream["Skills"].total == 3
    assert by_workstream["Skills"].states[dashboard.NO_REPORT] == 1
    assert by_workstream["Skills"].unreported == 1  # 2.1: 2.2 is delivered, 2.10 reported
    by_theme = {t.criteria.theme: t for t in dash.themes}
    assert by_theme[transport.theme.slug].total == 2
    assert by_theme[skills.theme.slug].total == 3
    by_department = {t.label: t.total for t in dash.departments}
    assert by_department == {
        "Department for Education": 2,
        "Department for Transport": 2,
        "No government department": 1,
    }
    # Departments by name, the provisions with none last.
    assert [t.label for t in dash.departments][-1] == "No government department"


def test_a_slipped_forecast_says_by_how_many_days_and_weeks(world: World) -> None:
    dash = _dash(world)
    assert _refs(dash.slipped) == ["1.1"]
    line = dash.slipped[0]
    assert (line.baseline_on, line.forecast_on) == (BASELINE, SLIPPED_TO)
    assert line.slip_days == 43
    assert line.slip_text == "43 days (6 weeks)"
    html = _main(client_for(world.people.dsg).get(DASHBOARD).content.decode())
    assert "43 days (6 weeks)" in html


def test_a_forecast_brought_forward_or_kept_is_not_slipped(world: World) -> None:
    report(
        world.people,
        world.p11,
        world.current,
        S.IN_PROGRESS,
        C.GREEN,
        forecast_on=BASELINE - dt.timedelta(days=10),
        forecast_reason="Brought forward.",
        based_on_revision=1,
    )
    assert _dash(world).slipped == []


def test_no_report_this_period_leaves_out_finished_provisions(world: World) -> None:
    dash = _dash(world)
    assert _refs(dash.unreported) == ["2.1", "1.2"]
    # The period is the one a report made today is for, the deal's.
    assert dash.period == services.report_period(world.p11)
    # A superseded provision is finished too.
    report(world.people, world.p12, world.current, S.SUPERSEDED, C.GREEN)
    freshness.forget_cached()
    assert _refs(_dash(world).unreported) == ["2.1"]


def test_what_changed_since_the_dsgs_last_meeting(world: World) -> None:
    dash = _dash(world)
    assert dash.since.meeting == world.meeting
    assert dash.since.moment == world.meeting.starts_at
    changes = {c.line.provision.reference: c for c in dash.changes}
    assert list(changes) == ["2.2", "2.10", "1.1"]
    p11, p22, p210 = changes["1.1"], changes["2.2"], changes["2.10"]
    assert (p11.state_before, p11.line.state, p11.state_changed) == (
        S.IN_PROGRESS,
        S.IN_PROGRESS,
        False,
    )
    assert (p11.confidence_before, p11.line.confidence) == (C.GREEN, C.AMBER)
    assert p11.confidence_changed and p11.forecast_moved
    # Revised after the meeting: the state it had then, from the report's history.
    assert (p22.state_before, p22.line.state, p22.state_changed) == (
        S.IN_PROGRESS,
        S.DELIVERED,
        True,
    )
    assert not p22.confidence_changed
    assert p210.first_report and p210.state_before is None
    assert (dash.state_changes, dash.confidence_changes) == (2, 2)
    html = _main(client_for(world.people.dsg).get(DASHBOARD).content.decode())
    assert f"met on {world.meeting.starts_at:%-d %B %Y}" in html
    assert '3 provisions<span class="govuk-visually-hidden"> reported on since' in html


def test_a_meeting_still_to_come_or_of_another_body_does_not_count(world: World) -> None:
    people = world.people
    tracker_services.meeting_create(
        body=dsg(people), acting_user=people.admin, starts_at=NOW + dt.timedelta(days=3)
    )
    first = chain_of(people.deal)[0]
    assert first != dsg(people)
    tracker_services.meeting_create(
        body=first, acting_user=people.admin, starts_at=NOW - dt.timedelta(hours=1)
    )
    assert _dash(world).since.meeting == world.meeting


def test_before_the_dsg_first_meets_changes_count_from_the_last_periods_start(
    world: World,
) -> None:
    Meeting.objects.filter(pk=world.meeting.pk).delete()
    dash = _dash(world)
    assert dash.since.meeting is None
    assert timezone.localdate(dash.since.moment) == world.previous.start
    # Everything was reported on since the last period started, 1.2 included.
    assert _refs(dash.changes) == ["2.2", "2.10", "1.1", "1.2"]
    assert "has not met yet" in client_for(world.people.dsg).get(DASHBOARD).content.decode()


# --- Every number links to its records ---------------------------------------------------------

COUNT_LINK = re.compile(r'<a class="govuk-link" href="(/provisions/\?[^"]*)">(\d+)\b')


def _count_links(html: str) -> list[tuple[str, int]]:
    return [(html_lib.unescape(url), int(n)) for url, n in COUNT_LINK.findall(html)]


@pytest.mark.parametrize("persona", ["dsg", "partner"])
def test_every_number_links_to_a_list_of_that_many_provisions(world: World, persona: str) -> None:
    client = client_for(world.people.all_roles()[persona])
    html = _main(client.get(DASHBOARD).content.decode())
    links = _count_links(html)
    # Across the deal (states, levels, totals), per theme, workstream and department, and
    # since the meeting: well over forty numbers.
    assert len(links) > 40
    for url, count in links:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.context["page"].paginator.count == count, url


def test_the_numbers_are_zero_without_a_link(world: World) -> None:
    html = _main(client_for(world.people.dsg).get(DASHBOARD).content.decode())
    assert "/provisions/?state=superseded" not in html
    assert re.search(r">0\s*</td>", html)


def test_the_list_filters_as_the_dashboard_asks(world: World) -> None:
    client = client_for(world.people.dsg)
    skills = Workstream.objects.get(slug="skills")

    def refs(query: str) -> list[str]:
        return _refs(list(client.get(f"{LIST}?{query}").context["page"]))

    assert refs("") == ["2.1", "2.2", "2.10", "1.1", "1.2"]  # 2.10 after 2.2, by number
    assert refs("state=stalled") == ["1.2"]
    assert refs("state=none") == ["2.1"]
    assert refs("confidence=amber-green") == ["2.10"]
    assert refs("confidence=none") == ["2.1"]
    assert refs(f"theme={skills.theme.slug}") == ["2.1", "2.2", "2.10"]
    assert refs("workstream=transport&state=in-progress") == ["1.1"]
    assert refs(f"department={world.p21.department_id}") == ["2.1", "2.10"]
    assert refs("department=none") == ["2.2"]
    assert refs("slipped=yes") == ["1.1"]
    assert refs("unreported=yes") == ["2.1", "1.2"]
    since = timezone.localtime(world.meeting.starts_at).strftime("%Y-%m-%dT%H:%M")
    assert refs(f"since={since}") == ["2.2", "2.10", "1.1"]
    assert refs(f"since={since}&moved=state") == ["2.2", "2.10"]
    assert refs(f"since={since}&moved=confidence") == ["2.10", "1.1"]
    # Nonsense is ignored rather than refused.
    assert refs("state=lost&theme=nowhere&since=yesterday") == refs("")


def test_the_list_of_changes_shows_the_ratings_then_and_now(world: World) -> None:
    since = timezone.localtime(world.meeting.starts_at).strftime("%Y-%m-%dT%H:%M")
    html = _main(client_for(world.people.dsg).get(f"{LIST}?since={since}").content.decode())
    assert "first report" in html
    assert re.search(
        r"Delivered</strong>\s*<span class=\"govuk-body-s\">was <strong[^>]*>In progress", html
    )


# --- What each persona may see -----------------------------------------------------------------


def test_a_partner_never_sees_an_official_sensitive_provision(world: World) -> None:
    client = client_for(world.people.partner)
    response = client.get(DASHBOARD)
    dash = response.context["dash"]
    assert dash.total.total == 4
    assert dash.total.states[S.STALLED] == 0
    assert dash.total.confidences[C.RED] == 0
    assert _refs(dash.unreported) == ["2.1"]
    assert not dash.includes_sensitive
    assert response.context["marking"] == "OFFICIAL"
    for page in (response, client.get(LIST), client.get(f"{LIST}?state=stalled")):
        text = page.content.decode()
        assert SECRET not in text
        assert "OFFICIAL-SENSITIVE" not in _main(text)
    assert client.get(f"{LIST}?state=stalled").context["page"].paginator.count == 0
    assert client.get(f"/provisions/{world.p12.pk}/").status_code == 404


@pytest.mark.parametrize("persona", SENSITIVE_ROLES)
def test_the_combined_authoritys_roles_see_the_sensitive_provision_marked_so(
    world: World, persona: str
) -> None:
    client = client_for(world.people.all_roles()[persona])
    response = client.get(DASHBOARD)
    assert response.context["marking"] == "OFFICIAL-SENSITIVE"
    assert SECRET in response.content.decode()
    detail = client.get(f"/provisions/{world.p12.pk}/")
    assert detail.status_code == 200
    assert detail.context["marking"] == "OFFICIAL-SENSITIVE"


def test_a_cached_dashboard_never_reaches_someone_who_may_see_less(world: World) -> None:
    assert SECRET in client_for(world.people.dsg).get(DASHBOARD).content.decode()
    partner = client_for(world.people.partner).get(DASHBOARD)
    assert SECRET not in partner.content.decode()
    assert partner.context["dash"].total.total == 4
    freshness.forget_cached()
    client_for(world.people.partner).get(DASHBOARD)
    assert _dash(world).total.total == 5


# --- A lead's report, counted ------------------------------------------------------------------


def test_the_dsg_dashboard_counts_a_leads_report_on_the_next_view(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    before = _dash(world)  # built, and cached
    assert "2.1" in _refs(before.unreported)
    assert before.total.states[dashboard.NO_REPORT] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.report_submit(
            provision=world.p21,
            acting_user=world.people.other_lead,
            state=S.STALLED,
            confidence=C.AMBER_RED,
            narrative="The department has not agreed the budget's terms.",
            forecast_on=BASELINE,
        )
    after = _dash(world)
    assert after.total.states[dashboard.NO_REPORT] == 0
    assert after.total.states[S.STALLED] == 2
    assert after.total.confidences[C.AMBER_RED] == 1
    assert "2.1" not in _refs(after.unreported)
    changed = {c.line.provision.reference: c for c in after.changes}
    assert changed["2.1"].first_report and changed["2.1"].line.state == S.STALLED
    skills = {t.label: t for t in after.workstreams}["Skills"]
    assert skills.states[S.STALLED] == 1 and skills.unreported == 0


def test_the_dashboard_is_read_from_the_cache_until_the_data_changes(
    world: World, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.people.dsg)
    first = client.get(DASHBOARD)
    # Without a commit (the test's transaction is never committed) the cache holds the page.
    ProvisionReport.objects.filter(provision=world.p11).update(state=S.STALLED)
    again = client.get(DASHBOARD)
    assert again.context["dash"].total.states == first.context["dash"].total.states
    freshness.data_changed()
    moved = client.get(DASHBOARD)
    assert moved.context["dash"].total.states[S.STALLED] == 2


# --- The navigation ----------------------------------------------------------------------------


def test_the_dashboard_is_among_the_dashboards(world: World) -> None:
    client = client_for(world.people.dsg)
    html = _main(client.get(DASHBOARD).content.decode())
    assert 'href="/dashboard/delivery/" aria-current="page">Delivery</a>' in html
    for url in ("/dashboard/pipeline/", "/dashboard/asks/"):
        assert 'href="/dashboard/delivery/">Delivery</a>' in client.get(url).content.decode()
    assert 'href="/dashboard/delivery/">Delivery</a>' in client.get("/dashboard/").content.decode()


def test_the_deal_is_kept_on_every_link(world: World) -> None:
    client = client_for(world.people.dsg)
    html = _main(client.get(f"{DASHBOARD}?deal={world.people.deal.slug}").content.decode())
    for url, _ in _count_links(html):
        assert f"deal={world.people.deal.slug}" in url
    assert f'/provisions/{world.p11.pk}/?deal={world.people.deal.slug}"' in html


# --- A provision's own page --------------------------------------------------------------------


def test_a_provisions_page_gives_its_words_links_and_reports(world: World) -> None:
    people = world.people
    transport = Workstream.objects.get(slug="transport")
    official = tracker_services.proposal_create(
        workstream=transport,
        acting_user=people.admin,
        title="Bus franchising powers",
        classification=Classification.OFFICIAL,
        ask="Devolve the bus grant.",
        ask_type=AskType.POWER,
    )
    secret = tracker_services.proposal_create(
        workstream=transport,
        acting_user=people.admin,
        title="Quokka fallback position",
        classification=Classification.OFFICIAL_SENSITIVE,
        ask="A fallback.",
        ask_type=AskType.FUNDING,
    )
    mission = Mission.objects.order_by("number").first()
    metric = Metric.objects.order_by("pk").first()
    indicator = Indicator.objects.order_by("pk").first()
    services.provision_update(
        provision=world.p11,
        acting_user=people.admin,
        proposals=[official, secret],
        missions=[mission],
        metrics=[metric],
        indicators=[indicator],
    )
    url = f"/provisions/{world.p11.pk}/"
    html = _main(client_for(people.dsg).get(url).content.decode())
    assert "Bus franchising" in html and "Provision 1.1" in html
    assert world.p11.text in html
    assert f'href="/proposals/{official.pk}/"' in html
    assert f'href="/proposals/{secret.pk}/"' in html
    assert f'href="/missions/#mission-{mission.number}"' in html
    assert metric.name in html
    assert f'href="/indicators/{indicator.code}/"' in html
    # Its reports, newest period first, with the reason the forecast moved.
    assert html.index(f"{world.current.start:%-d %B}") < html.index(
        f"{world.previous.start:%-d %B}"
    )
    assert "The consultation moved back." in html
    assert "43 days (6 weeks) past the baseline" in html
    partner = _main(client_for(people.partner).get(url).content.decode())
    assert f'href="/proposals/{official.pk}/"' in partner
    assert "Quokka" not in partner


def test_a_provision_of_another_deal_is_not_found_under_this_one(world: World) -> None:
    from core.models import Deal

    other = Deal.objects.create(name="Northfold Deal", short_name="ND", slug="northfold")
    client = client_for(world.people.admin)
    assert (
        client.get(f"/provisions/{world.p11.pk}/?deal={world.people.deal.slug}").status_code == 200
    )
    assert client.get(f"/provisions/{world.p11.pk}/?deal={other.slug}").status_code == 404
    assert client.get("/provisions/999999/").status_code == 404


# --- Queries -----------------------------------------------------------------------------------


def _grow(people: People, per_workstream: int) -> None:
    """Provisions of both markings in every active workstream, reported on this period at
    every state and confidence, some slipping."""
    period = dashboard.current_period(people.deal, timezone.localdate())
    workstreams = list(Workstream.objects.filter(deal=people.deal, status="active"))
    for w_index, ws in enumerate(workstreams):
        provisions = Provision.objects.bulk_create(
            Provision(
                deal=people.deal,
                reference=f"9.{w_index}.{n}",
                chapter="Grown",
                title=f"Grown provision {w_index}.{n}",
                text="Grown.",
                workstream=ws,
                kind=ProvisionKind.FUNDING,
                classification=(
                    Classification.OFFICIAL_SENSITIVE if n % 2 else Classification.OFFICIAL
                ),
            )
            for n in range(per_workstream)
        )
        ProvisionReport.objects.bulk_create(
            ProvisionReport(
                provision=p,
                period_start=period.start,
                period_end=period.end,
                state=list(S)[n % len(S)],
                confidence=list(C)[n % len(C)],
                narrative="Grown.",
                baseline_on=BASELINE,
                forecast_on=BASELINE + dt.timedelta(days=n),
            )
            for n, p in enumerate(provisions)
        )


@pytest.mark.parametrize("scale", [2, 20])
@pytest.mark.parametrize("persona", ["dsg", "partner"])
def test_the_pages_read_a_fixed_number_of_queries_however_many_provisions(
    world: World, django_assert_max_num_queries: Any, persona: str, scale: int
) -> None:
    _grow(world.people, scale)
    client = client_for(world.people.all_roles()[persona])
    client.get(DASHBOARD)  # the session and the person are read once for every page
    freshness.forget_cached()  # built afresh, as after a change
    # The session, the person, their roles, the deal, the last meeting, the data version, then
    # the provisions with their latest reports and what changed since the meeting.
    with django_assert_max_num_queries(8):
        response = client.get(DASHBOARD)
    workstreams = Workstream.objects.filter(deal=world.people.deal, status="active").count()
    grown = workstreams * scale if persona == "dsg" else workstreams * ((scale + 1) // 2)
    assert response.context["dash"].total.total == grown + (5 if persona == "dsg" else 4)
    # Read from the cache until the data changes: the provisions are not read again.
    with django_assert_max_num_queries(6):
        client.get(DASHBOARD)
    # The list: the session, the person, their roles, the deal, the provisions, and what
    # changed since the moment it asks about.
    with django_assert_max_num_queries(7):
        listed = client.get(f"{LIST}?slipped=yes&since=2026-05-01")
    assert listed.context["page"].paginator.count > 0
    with django_assert_max_num_queries(11):
        assert client.get(f"/provisions/{world.p11.pk}/").status_code == 200
