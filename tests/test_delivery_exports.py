"""The delivery dashboard beyond its page: the provisions export (CSV and Excel) on tracker's
exports page, delivery's section of a meeting's briefing pack and the provisions in the digest.
Tracker, which holds the exports and the pack, never imports delivery: delivery registers both
when it is ready. Each holds what the person (or the digest's reader) may see, a partner's
never an OFFICIAL-SENSITIVE provision, in a fixed number of queries. The records are
tests/delivery_world.py's."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefings.choices import Audience, Frequency, Scope
from briefings.digest import compose
from briefings.models import Subscription
from core.choices import Classification
from delivery import exports as delivery_exports
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.dashboard import current_period
from delivery.models import Provision, ProvisionReport
from tracker import exports
from tracker import services as tracker_services
from tracker.models import Meeting, Workstream

from .conftest import People
from .delivery_world import BASELINE, NOW, SECRET, SLIPPED_TO, World, build, dsg, report

S, C = DeliveryState, Confidence
FORMATS = ["csv", "xlsx"]
SENSITIVE_ROLES = ["admin", "lead", "other_lead", "sponsor", "dsg"]


@pytest.fixture
def world(people: People, time_machine: Any) -> World:
    return build(people, time_machine)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(response: Any, fmt: str) -> list[list[Any]]:
    """Header row first, every cell as the spreadsheet holds it ("" for an empty cell)."""
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        return [list(row) for row in csv.reader(io.StringIO(text))]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def _by_reference(rows: list[list[Any]]) -> dict[str, dict[str, Any]]:
    return {str(row[0]): dict(zip(rows[0], row, strict=True)) for row in rows[1:]}


# --- The export --------------------------------------------------------------------------------


def test_tracker_offers_the_export_delivery_registered_without_importing_it() -> None:
    assert exports.export_kinds()["provisions"] is delivery_exports.PROVISIONS_EXPORT
    assert "provisions" not in exports.KINDS  # tracker's own tables are its own
    assert delivery_exports.pack_section in exports.PACK_BUILDERS


@pytest.mark.parametrize("persona", [*SENSITIVE_ROLES, "partner"])
def test_the_exports_page_lists_the_provisions_export(world: World, persona: str) -> None:
    html = client_for(world.people.all_roles()[persona]).get("/exports/").content.decode()
    assert "Provisions and their delivery" in html
    for fmt in FORMATS:
        assert f'href="/exports/provisions.{fmt}"' in html


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_export_holds_the_dashboards_figures_for_the_dsg(world: World, fmt: str) -> None:
    response = client_for(world.people.dsg).get(f"/exports/provisions.{fmt}")
    assert response.status_code == 200
    day = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="wmca-tdd-provisions-{day}.{fmt}"'
    )
    rows = _rows(response, fmt)
    by_ref = _by_reference(rows)
    assert list(by_ref) == ["2.1", "2.2", "2.10", "1.1", "1.2"]
    p11 = by_ref["1.1"]
    assert (p11["Delivery state"], p11["Delivery confidence"]) == ("In progress", "Amber")
    assert p11["Days the forecast slipped"] in (43, "43")
    assert p11["Reported this period"] == "Yes"
    assert p11["Reported on since the last DSG meeting"] == "Yes"
    assert p11["Delivery confidence at the last DSG meeting"] == "Green"
    assert p11["Government department"] == "Department for Transport"
    forecast = p11["Forecast"]
    assert (forecast.date() if fmt == "xlsx" else forecast) == (
        SLIPPED_TO if fmt == "xlsx" else SLIPPED_TO.isoformat()
    )
    assert by_ref["2.1"]["Delivery state"] == "No report yet"
    assert by_ref["2.1"]["Reported this period"] == "No"
    assert by_ref["2.2"]["Reported this period"] == "Not due"
    assert by_ref["2.2"]["Delivery state at the last DSG meeting"] == "In progress"
    assert by_ref["1.2"]["Classification"] == "OFFICIAL-SENSITIVE"
    assert by_ref["1.2"]["Reported on since the last DSG meeting"] == "No"


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_partners_export_never_holds_a_sensitive_provision(world: World, fmt: str) -> None:
    response = client_for(world.people.partner).get(f"/exports/provisions.{fmt}")
    rows = _rows(response, fmt)
    text = "\n".join(str(v) for row in rows for v in row)
    assert SECRET not in text
    assert "OFFICIAL-SENSITIVE" not in text
    assert sorted(_by_reference(rows)) == ["1.1", "2.1", "2.10", "2.2"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_someone_with_no_role_gets_no_export(world: World, fmt: str) -> None:
    assert client_for(world.people.nobody).get(f"/exports/provisions.{fmt}").status_code == 404


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_title_that_would_run_as_a_formula_comes_out_as_text(world: World, fmt: str) -> None:
    Provision.objects.filter(pk=world.p21.pk).update(title='=HYPERLINK("http://evil","x")')
    rows = _rows(client_for(world.people.dsg).get(f"/exports/provisions.{fmt}"), fmt)
    assert _by_reference(rows)["2.1"]["Title"] == '\'=HYPERLINK("http://evil","x")'
    if fmt == "xlsx":
        response = client_for(world.people.dsg).get("/exports/provisions.xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert "f" not in {c.data_type for row in sheet.iter_rows() for c in row}


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


def _grow(people: People, start: int, stop: int) -> None:
    """More provisions of both markings, each reported on this period."""
    period = current_period(people.deal, timezone.localdate())
    workstreams = list(Workstream.objects.filter(deal=people.deal, status="active"))
    provisions = Provision.objects.bulk_create(
        Provision(
            deal=people.deal,
            reference=f"9.{n}",
            chapter="Grown",
            title=f"Grown provision {n}",
            text="Grown.",
            workstream=workstreams[n % len(workstreams)],
            kind=ProvisionKind.FUNDING,
            classification=Classification.OFFICIAL_SENSITIVE if n % 2 else Classification.OFFICIAL,
        )
        for n in range(start, stop)
    )
    ProvisionReport.objects.bulk_create(
        ProvisionReport(
            provision=p,
            period_start=period.start,
            period_end=period.end,
            state=S.IN_PROGRESS,
            confidence=C.AMBER,
            narrative="Grown.",
            baseline_on=BASELINE,
            forecast_on=SLIPPED_TO,
        )
        for p in provisions
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("persona", ["dsg", "partner"])
def test_the_export_costs_the_same_queries_with_ten_times_the_provisions(
    world: World, django_assert_max_num_queries: Any, fmt: str, persona: str
) -> None:
    client = client_for(world.people.all_roles()[persona])
    _grow(world.people, 0, 2)
    url = f"/exports/provisions.{fmt}"
    small = _queries(client, url)
    _grow(world.people, 2, 40)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert len(_rows(response, fmt)) > 20


# --- The briefing pack -------------------------------------------------------------------------


@pytest.fixture
def next_meeting(world: World) -> Meeting:
    """The DSG's next meeting, after the one the world's changes are counted from."""
    return tracker_services.meeting_create(
        body=dsg(world.people),
        acting_user=world.people.admin,
        starts_at=NOW + dt.timedelta(days=5),
    )


def _pack(world: World, persona: str, meeting: Meeting) -> Any:
    response = client_for(world.people.all_roles()[persona]).get(f"/meetings/{meeting.pk}/pack/")
    assert response.status_code == 200
    return response


def test_the_pack_for_the_dsg_holds_the_delivery_section(
    world: World, next_meeting: Meeting
) -> None:
    response = _pack(world, "dsg", next_meeting)
    html = response.content.decode()
    assert '<a class="govuk-link" href="#delivery">Delivery of the provisions</a>' in html
    # Numbered after tracker's own sections by the pack's stylesheet (app-pack__heading).
    assert 'app-pack__heading" id="delivery">Delivery of the provisions</h2>' in html
    (section,) = response.context["sections"]
    dash = section.context["dash"]
    assert dash.total.total == 5
    # Since the DSG's meeting before this one: the world's meeting.
    assert dash.since.meeting == world.meeting
    assert f"met on {world.meeting.starts_at:%-d %B %Y}" in html
    assert "3 provisions reported on: 2 changed delivery state, 2 changed confidence." in html
    assert "43 days (6 weeks) past the baseline" in html
    assert SECRET in html
    assert response.context["marking"] == "OFFICIAL-SENSITIVE"
    assert 'href="/provisions/?slipped=yes"' in html
    assert f'href="/provisions/{world.p11.pk}/"' in html


def test_the_packs_notes_to_its_authors_stay_out_of_the_page(
    world: World, next_meeting: Meeting
) -> None:
    html = _pack(world, "dsg", next_meeting).content.decode()
    assert "Print rules for this document only" not in html
    assert "{#" not in html and "#}" not in html


def test_the_pack_counts_changes_since_the_bodys_previous_meeting(
    world: World, next_meeting: Meeting
) -> None:
    # The pack for the world's meeting counts from the DSG's meeting before it: there was
    # none, so from the start of the period before the one open at the meeting.
    dash = _pack(world, "dsg", world.meeting).context["sections"][0].context["dash"]
    assert dash.since.meeting is None
    assert timezone.localdate(dash.since.moment) == world.previous.start
    # The pack for the next meeting counts from the world's meeting, not from the next.
    later = _pack(world, "dsg", next_meeting).context["sections"][0].context["dash"]
    assert later.since.meeting == world.meeting


def test_a_partners_pack_holds_no_sensitive_provision(world: World, next_meeting: Meeting) -> None:
    response = _pack(world, "partner", next_meeting)
    html = response.content.decode()
    assert SECRET not in html
    assert "OFFICIAL-SENSITIVE" not in html
    assert response.context["sections"][0].context["dash"].total.total == 4
    assert response.context["marking"] == "OFFICIAL"


def test_the_sensitive_provision_alone_marks_the_pack_sensitive(
    world: World, next_meeting: Meeting
) -> None:
    assert _pack(world, "dsg", next_meeting).context["marking"] == "OFFICIAL-SENSITIVE"
    Provision.objects.filter(pk=world.p12.pk).update(classification=Classification.OFFICIAL)
    assert _pack(world, "dsg", next_meeting).context["marking"] == "OFFICIAL"


def test_a_deal_with_no_provisions_has_no_delivery_section(people: People) -> None:
    meeting = tracker_services.meeting_create(
        body=dsg(people), acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=2)
    )
    response = client_for(people.dsg).get(f"/meetings/{meeting.pk}/pack/")
    assert response.context["sections"] == []
    assert 'href="#delivery"' not in response.content.decode()


def test_the_pack_costs_the_same_queries_with_ten_times_the_provisions(
    world: World, next_meeting: Meeting, django_assert_max_num_queries: Any
) -> None:
    client = client_for(world.people.dsg)
    url = f"/meetings/{next_meeting.pk}/pack/"
    _grow(world.people, 0, 2)
    small = _queries(client, url)
    _grow(world.people, 2, 40)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.content.decode().count("Grown provision") >= 15


# --- The digest --------------------------------------------------------------------------------


def subscribe(world: World, **fields: Any) -> Subscription:
    values = {
        "deal": world.people.deal,
        "audience": Audience.INTERNAL,
        "frequency": Frequency.WEEKLY,
        "day": 0,
        "send_at": dt.time(8, 0),
        "scope": Scope.DEAL,
        "next_due_at": NOW + dt.timedelta(days=7),
    } | fields
    return Subscription.objects.create(**values)


def _digest(world: World, subscription: Subscription, since: dt.datetime) -> Any:
    return compose(subscription, period_start=since, period_end=NOW + dt.timedelta(minutes=1))


def test_an_internal_digest_says_which_provisions_were_reported_on_and_how_they_moved(
    world: World,
) -> None:
    email = _digest(world, subscribe(world, user=world.people.dsg), world.meeting.starts_at)
    assert email is not None
    changes = [item.obj for item in email.context["digest"].provisions]
    assert [c.line.provision.reference for c in changes] == ["2.2", "2.10", "1.1"]
    text, html = email.message.body, str(email.message.alternatives[0][0])
    assert "Delivery of provisions" in text and "Delivery of provisions" in html
    assert '1.1 "Bus franchising" (Transport): In progress, confidence Amber (was Green)' in text
    assert "43 days (6 weeks) past its baseline" in text
    assert '2.2 "Careers hub" (Skills): Delivered (was In progress)' in text
    assert "Not started, first report, confidence Amber/Green" in text
    assert f"/provisions/{world.p11.pk}/?deal=wmca-tdd" in text
    assert f"/provisions/{world.p11.pk}/?deal=wmca-tdd" in html


def test_a_provision_report_alone_is_news(world: World) -> None:
    """Nothing else happened in the hour before the report: the digest still goes."""
    since = NOW - dt.timedelta(minutes=30)
    subscription = subscribe(world, user=world.people.dsg)
    assert _digest(world, subscription, since) is None
    report(world.people, world.p21, world.current, S.STALLED, C.AMBER_RED)
    email = _digest(world, subscription, since)
    assert email is not None
    assert [i.obj.line.provision.reference for i in email.context["digest"].provisions] == ["2.1"]


def test_a_sensitive_provisions_report_reaches_the_dsg_marked_so(world: World) -> None:
    since = NOW - dt.timedelta(minutes=30)
    report(world.people, world.p12, world.current, S.STALLED, C.RED)
    email = _digest(world, subscribe(world, user=world.people.dsg), since)
    assert email is not None
    assert SECRET in email.message.body
    assert "[OFFICIAL-SENSITIVE]" in email.message.body
    assert email.context["marking"] == "OFFICIAL-SENSITIVE"


@pytest.mark.parametrize(
    "who",
    ["partner audience for the DSG", "internal for a partner", "external address"],
)
def test_a_partners_digest_never_holds_a_sensitive_provision(world: World, who: str) -> None:
    since = world.previous.start  # everything, 1.2's reports included
    report(world.people, world.p12, world.current, S.STALLED, C.RED)
    people = world.people
    subscription = {
        "partner audience for the DSG": lambda: subscribe(
            world, user=people.dsg, audience=Audience.PARTNER
        ),
        "internal for a partner": lambda: subscribe(world, user=people.partner),
        "external address": lambda: subscribe(
            world, email="partner@example.com", audience=Audience.PARTNER
        ),
    }[who]()
    email = compose(
        subscription,
        period_start=dt.datetime.combine(since, dt.time.min, dt.UTC),
        period_end=NOW + dt.timedelta(minutes=1),
    )
    assert email is not None
    refs = [i.obj.line.provision.reference for i in email.context["digest"].provisions]
    assert "1.2" not in refs and "1.1" in refs
    everything = "\n".join(
        [email.message.subject, email.message.body, str(email.message.alternatives[0][0])]
    )
    assert SECRET not in everything
    assert "OFFICIAL-SENSITIVE" not in everything


def test_a_theme_digest_names_only_that_themes_provisions(world: World) -> None:
    transport = Workstream.objects.get(slug="transport")
    subscription = subscribe(world, user=world.people.dsg, scope=Scope.THEME, theme=transport.theme)
    email = _digest(world, subscription, world.meeting.starts_at)
    assert email is not None
    refs = [i.obj.line.provision.reference for i in email.context["digest"].provisions]
    assert refs == ["1.1"]


@pytest.mark.parametrize("audience", [Audience.INTERNAL, Audience.PARTNER])
def test_the_digest_reads_the_same_queries_however_many_provisions(
    world: World, django_assert_max_num_queries: Any, audience: str
) -> None:
    since = NOW - dt.timedelta(minutes=30)
    subscription = Subscription.objects.get(
        pk=subscribe(world, user=world.people.dsg, audience=audience).pk
    )
    report(world.people, world.p21, world.current, S.STALLED, C.AMBER_RED)
    with CaptureQueriesContext(connection) as small:
        _digest(world, subscription, since)
    for provision in Provision.objects.bulk_create(
        Provision(
            deal=world.people.deal,
            reference=f"9.{n}",
            chapter="Grown",
            title=f"Grown provision {n}",
            text="Grown.",
            workstream=world.p21.workstream,
            kind=ProvisionKind.FUNDING,
        )
        for n in range(30)
    ):
        report(world.people, provision, world.current, S.IN_PROGRESS, C.GREEN)
    subscription = Subscription.objects.get(pk=subscription.pk)
    with django_assert_max_num_queries(len(small.captured_queries)):
        email = _digest(world, subscription, since)
    assert len(email.context["digest"].provisions) == 31
