"""Reporting a missed period: the service, the pages, the API, overdue and the digests.

"Today" is fixed at Wednesday 25 November 2026, as in tests/test_update_pages.py: the period
now open runs from 23 November to 6 December 2026 and is due on Friday 4 December; the one
before ran from 9 to 22 November and was due on 20 November, so Transport, with no update for
it, is overdue. A missed period may be reported up to six periods back, late.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import User
from briefings import reminders
from briefings.choices import Audience, DeliveryKind, Frequency
from briefings.digest import build, compose
from briefings.models import Delivery, Subscription
from core.choices import Classification, Role
from core.models import Membership
from tracker import selectors, services
from tracker.choices import Direction, Rag, WorkstreamStatus
from tracker.constants import LATE_REPORTING_PERIODS
from tracker.models import StatusUpdate, Workstream
from tracker.periods import Period, deal_period, reportable_past_periods

from .conftest import People
from .provisions import provision

TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
THIS = Period(dt.date(2026, 11, 23), dt.date(2026, 12, 6), dt.date(2026, 12, 4))
LAST = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 22), dt.date(2026, 11, 20))
EARLIER = Period(dt.date(2026, 10, 26), dt.date(2026, 11, 8), dt.date(2026, 11, 6))
NEW = "/workstreams/transport/updates/new/"
API = "/api/v1/status-updates/"


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def transport(people: People) -> Workstream:
    return Workstream.objects.select_related("deal").get(deal=people.deal, slug="transport")


def submit(ws: Workstream, user: User, start: dt.date | None = None, **fields: Any) -> StatusUpdate:
    values = {"rag": Rag.AMBER, "direction": Direction.STABLE, "summary": "Late but sound."}
    return services.status_update_submit(
        workstream=ws, acting_user=user, period_start=start, **(values | fields)
    )


def state(ws: Workstream, user: User) -> selectors.reporting.ReportingState:
    """Where the workstream stands, as the pages work it out."""
    return selectors.reporting.reporting_state(selectors.workstreams_for(user).get(pk=ws.pk))


def form(**overrides: str) -> dict[str, str]:
    return {
        "rag": Rag.AMBER,
        "direction": Direction.STABLE,
        "summary": "The consultation closed a week late.",
        "classification": Classification.OFFICIAL,
        "based_on_version": "0",
        **overrides,
    }


# --- The rules ----------------------------------------------------------------------------------


def test_the_periods_open_to_late_reporting_are_the_six_before_this_one(people: People) -> None:
    periods = reportable_past_periods(people.deal, TODAY.date())
    assert len(periods) == LATE_REPORTING_PERIODS
    assert periods[-1] == LAST
    assert periods[0].start == dt.date(2026, 8, 31)
    assert all(p.due_on < TODAY.date() for p in periods)


@pytest.mark.django_db
def test_a_lead_reports_the_missed_period_late_and_it_clears_overdue(
    people: People, transport: Workstream
) -> None:
    assert state(transport, people.admin).overdue
    update = submit(transport, people.lead, LAST.start)
    assert (update.period_start, update.period_end, update.version) == (LAST.start, LAST.end, 1)
    assert update.late
    assert not state(transport, people.admin).overdue
    assert not state(transport, people.admin).reported_this_period


@pytest.mark.django_db
def test_a_late_update_for_an_older_period_does_not_clear_overdue(
    people: People, transport: Workstream
) -> None:
    assert submit(transport, people.lead, EARLIER.start).late
    assert state(transport, people.admin).overdue
    assert selectors.reporting.missed_periods([transport])[transport.pk] == [LAST]


@pytest.mark.django_db
def test_this_periods_update_is_late_only_once_its_due_date_has_passed(
    people: People, transport: Workstream
) -> None:
    assert not submit(transport, people.lead).late
    with time_machine.travel(dt.datetime(2026, 12, 5, 10, 0, tzinfo=dt.UTC), tick=False):
        skills = Workstream.objects.get(deal=people.deal, slug="skills")
        first = submit(skills, people.other_lead)
        assert first.late  # Saturday 5 December: due on Friday 4 December
        revised = submit(transport, people.lead, based_on_version=1)
        assert not revised.late  # lateness is the period's first posting's
        assert submit(skills, people.other_lead, based_on_version=1).late


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "message"),
    [
        (dt.date(2026, 11, 10), "not the first day of a reporting period"),
        (dt.date(2026, 12, 7), "has not started yet"),
        (dt.date(2026, 8, 17), "too long ago"),
    ],
)
def test_only_a_period_of_the_deal_open_to_reporting_may_be_chosen(
    people: People, transport: Workstream, start: dt.date, message: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        submit(transport, people.lead, start)
    assert message in str(refused.value.message_dict["period"])
    assert not StatusUpdate.objects.exists()


@pytest.mark.django_db
def test_a_past_period_is_reported_once(people: People, transport: Workstream) -> None:
    submit(transport, people.lead, LAST.start)
    with pytest.raises(services.TrackerError, match="cannot be revised"):
        submit(transport, people.admin, LAST.start, based_on_version=1)
    with pytest.raises(services.StaleEdit):
        submit(transport, people.admin, LAST.start, based_on_version=0)
    assert StatusUpdate.objects.count() == 1


@pytest.mark.django_db
def test_missed_periods_are_the_gaps_since_the_first_report_and_none_when_inactive(
    people: People, transport: Workstream
) -> None:
    workstreams = Workstream.objects.select_related("deal").filter(deal=people.deal)
    skills = workstreams.get(slug="skills")
    energy = workstreams.exclude(slug__in=["transport", "skills"]).first()
    assert energy is not None
    older = reportable_past_periods(people.deal, TODAY.date())[1]
    submit(transport, people.lead, older.start, classification=Classification.OFFICIAL_SENSITIVE)
    submit(transport, people.admin, EARLIER.start)
    Workstream.objects.filter(pk=skills.pk).update(
        status=WorkstreamStatus.CEASED, ceased_on=TODAY.date()
    )
    skills.refresh_from_db()
    missed = selectors.reporting.missed_periods([transport, skills, energy])
    # A sensitive update counts all the same; periods before the first report are not gaps.
    assert missed[transport.pk] == [
        p for p in reportable_past_periods(people.deal, TODAY.date())[2:] if p != EARLIER
    ]
    assert len(missed[energy.pk]) == LATE_REPORTING_PERIODS  # never reported: all of them
    assert skills.pk not in missed


# --- The pages ----------------------------------------------------------------------------------


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_workstream_page_lists_missed_periods_with_a_link_to_report_each_for_the_lead(
    people: People, transport: Workstream
) -> None:
    submit(transport, people.lead, EARLIER.start)
    lead_page = client_for(people.lead).get("/workstreams/transport/").content.decode()
    assert "Missed periods" in lead_page
    assert f'href="{NEW}?period=2026-11-09"' in lead_page
    assert f'href="{NEW}?period=2026-10-26"' not in lead_page  # reported, late
    assert "marked late" in lead_page
    dsg_page = client_for(people.dsg).get("/workstreams/transport/").content.decode()
    assert "9 November to 22 November 2026" in dsg_page
    assert "?period=" not in dsg_page


@pytest.mark.django_db
def test_my_workstreams_offers_each_missed_period(people: People) -> None:
    body = client_for(people.lead).get("/my-workstreams/").content.decode()
    assert body.count(f'href="{NEW}?period=') == LATE_REPORTING_PERIODS
    assert 'Report it<span class="govuk-visually-hidden"> (the period 9 November to 22 ' in body


@pytest.mark.django_db
def test_the_form_for_a_missed_period_says_it_is_late_and_posting_returns_to_the_workstream(
    people: People, transport: Workstream
) -> None:
    provision(people, "4.12")  # the visit's delivery reports are for this period, not that one
    client = client_for(people.lead)
    body = client.get(f"{NEW}?period=2026-11-09").content.decode()
    assert "Report the period 9 November to 22 November 2026" in body
    assert "marked late" in body
    assert "provision" not in body
    response = client.post(f"{NEW}?period=2026-11-09", form(), follow=True)
    assert response.redirect_chain == [("/workstreams/transport/", 302)]
    assert "Late update posted for the period 9 November to 22 November 2026" in response.text
    update = StatusUpdate.objects.get()
    assert (update.period_start, update.late, update.author) == (LAST.start, True, people.lead)


@pytest.mark.django_db
@pytest.mark.parametrize("period", ["yesterday", "2026-11-10", "2026-12-07", "2026-08-17"])
def test_a_period_that_cannot_be_reported_is_not_found(
    people: People, transport: Workstream, period: str
) -> None:
    client = client_for(people.lead)
    assert client.get(f"{NEW}?period={period}").status_code == 404
    assert client.post(f"{NEW}?period={period}", form()).status_code == 404
    assert not StatusUpdate.objects.exists()


@pytest.mark.django_db
def test_a_missed_period_reported_meanwhile_leads_to_its_update(
    people: People, transport: Workstream
) -> None:
    update = submit(transport, people.admin, LAST.start)
    response = client_for(people.lead).get(f"{NEW}?period=2026-11-09", follow=True)
    assert response.redirect_chain == [(f"/workstreams/transport/updates/{update.pk}/", 302)]
    assert "already has an update" in response.text


@pytest.mark.django_db
def test_two_leads_reporting_the_same_missed_period_do_not_both_post_it(
    people: People, transport: Workstream
) -> None:
    Membership.objects.create(
        user=people.other_lead, deal=people.deal, role=Role.LEAD, workstream=transport
    )
    first, second = client_for(people.lead), client_for(people.other_lead)
    assert first.post(f"{NEW}?period=2026-11-09", form(summary="Alice's")).status_code == 302
    body = second.post(f"{NEW}?period=2026-11-09", form(summary="Ada's")).content.decode()
    assert "changed by Alice Lead while you were editing it" in body
    assert "Ada&#x27;s" in body  # what she typed is still on the page
    again = second.post(f"{NEW}?period=2026-11-09", form(summary="Ada's", based_on_version="1"))
    assert "cannot be revised" in again.content.decode()
    assert StatusUpdate.objects.get().summary == "Alice's"


@pytest.mark.django_db
def test_a_late_update_is_tagged_late_wherever_it_is_shown(
    people: People, transport: Workstream
) -> None:
    late = submit(transport, people.lead, LAST.start)
    submit(transport, people.lead)
    client = client_for(people.dsg)
    workstream = client.get("/workstreams/transport/").content.decode()
    assert workstream.count('govuk-tag--orange">Late<') == 2  # the timeline and the chart's data
    assert "1 of these periods was reported late" in workstream
    detail = client.get(f"/workstreams/transport/updates/{late.pk}/").content.decode()
    assert "Reported late" in detail
    assert ">Late<" in client.get("/workstreams/transport/updates/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/workstreams/transport/", "/my-workstreams/"])
def test_missed_periods_cost_one_query_however_many_workstreams(
    people: People, url: str, django_assert_max_num_queries: Any
) -> None:
    client = client_for(people.lead)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for ws in Workstream.objects.filter(deal=people.deal).exclude(slug="transport"):
        Membership.objects.create(user=people.lead, deal=people.deal, role=Role.LEAD, workstream=ws)
        submit(ws, people.admin, EARLIER.start)
    with django_assert_max_num_queries(len(one)):
        assert client.get(url).status_code == 200


# --- The API ------------------------------------------------------------------------------------


def api_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def body(ws: Workstream, **fields: Any) -> dict[str, Any]:
    return {
        "workstream": ws.pk,
        "rag": Rag.GREEN,
        "direction": Direction.STABLE,
        "summary": "Reported late.",
        "classification": Classification.OFFICIAL,
    } | fields


@pytest.mark.django_db
def test_the_api_reports_a_missed_period_late(people: People, transport: Workstream) -> None:
    response = api_for(people.lead).post(API, body(transport, period="2026-11-09"), format="json")
    assert response.status_code == 201, response.data
    assert response.data["period_start"] == "2026-11-09"
    assert response.data["late"] is True
    assert "period" not in response.data
    assert response["ETag"] == f'"{transport.pk}.2026-11-09.1"'
    again = api_for(people.dsg).get(f"{API}{response.data['id']}/")
    assert again.data["late"] is True


@pytest.mark.django_db
def test_without_a_period_the_api_posts_this_periods_update_on_time(
    people: People, transport: Workstream
) -> None:
    response = api_for(people.lead).post(API, body(transport), format="json")
    assert (response.data["period_start"], response.data["late"]) == ("2026-11-23", False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2026-11-10", "not the first day of a reporting period"),
        ("2026-12-07", "has not started yet"),
        ("2026-08-17", "too long ago"),
        ("9 November", "Date has wrong format"),
    ],
)
def test_the_api_refuses_a_period_that_cannot_be_reported(
    people: People, transport: Workstream, period: str, message: str
) -> None:
    response = api_for(people.lead).post(API, body(transport, period=period), format="json")
    assert response.status_code == 400
    assert message in str(response.data["period"])
    assert not StatusUpdate.objects.exists()


@pytest.mark.django_db
def test_the_api_reports_a_past_period_once_and_keeps_etags_per_period(
    people: People, transport: Workstream
) -> None:
    client = api_for(people.lead)
    this = client.post(API, body(transport), format="json")
    stale = client.post(
        API, body(transport, period="2026-11-09"), format="json", HTTP_IF_MATCH=this["ETag"]
    )
    assert stale.status_code == 412  # the tag is another period's
    assert client.post(API, body(transport, period="2026-11-09"), format="json").status_code == 201
    again = client.post(API, body(transport, period="2026-11-09"), format="json")
    assert again.status_code == 409
    assert "cannot be revised" in str(again.data)
    assert StatusUpdate.objects.filter(period_start=LAST.start).count() == 1


# --- Reminders and digests ----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_overdue_reminder_links_to_the_missed_period_and_is_skipped_once_reported(
    people: People, transport: Workstream
) -> None:
    now = timezone.now()
    reminders.claim_reminders(now)
    overdue = Delivery.objects.get(kind=DeliveryKind.UPDATE_OVERDUE, recipient=people.lead)
    message = reminders.reminder_message(overdue, now)
    assert message is not None
    assert f"{NEW}?period=2026-11-09" in message.body  # the form for the missed period
    submit(transport, people.lead, LAST.start)
    assert reminders.reminder_message(overdue, now) is None


def subscribe(people: People) -> Subscription:
    return Subscription.objects.create(
        deal=people.deal,
        email="partners@example.org",
        audience=Audience.PARTNER,
        frequency=Frequency.WEEKLY,
        day=0,
        send_at=dt.time(8, 0),
        next_due_at=timezone.now() + dt.timedelta(days=7),
    )


@pytest.mark.django_db
def test_a_digest_shows_a_late_update_for_its_period_and_no_longer_counts_it_overdue(
    people: People, transport: Workstream
) -> None:
    with time_machine.travel(dt.datetime(2026, 10, 28, 9, 0, tzinfo=dt.UTC), tick=False):
        submit(transport, people.lead, rag=Rag.GREEN, summary="On track in October.")
    with time_machine.travel(dt.datetime(2026, 11, 12, 9, 0, tzinfo=dt.UTC), tick=False):
        submit(transport, people.lead, LAST.start, rag=Rag.GREEN, summary="On track.")
    StatusUpdate.objects.filter(period_start=LAST.start).delete()  # a gap: 9 to 22 November
    subscription = subscribe(people)
    start = timezone.now() - dt.timedelta(hours=1)
    end = timezone.now() + dt.timedelta(minutes=1)
    before = build(subscription, period_start=start, period_end=end, now=timezone.now())
    assert not before.updates
    assert transport in [w.obj for w in before.overdue_workstreams]

    submit(transport, people.lead, LAST.start, rag=Rag.RED, next_steps="Recover.")
    email = compose(subscription, period_start=start, period_end=end, now=timezone.now())
    assert email is not None
    digest = email.context["digest"]
    [item] = digest.updates
    assert item.update.late and item.rag_before == Rag.GREEN  # October's: the period before
    assert transport not in [w.obj for w in digest.overdue_workstreams]
    assert "Late: for the period 9 November to 22 November 2026" in email.message.body


@pytest.mark.django_db
def test_a_digest_compares_a_late_update_with_the_period_before_it_not_a_newer_one(
    people: People, transport: Workstream
) -> None:
    with time_machine.travel(dt.datetime(2026, 10, 28, 9, 0, tzinfo=dt.UTC), tick=False):
        submit(transport, people.lead, rag=Rag.GREEN, summary="On track in October.")
    with time_machine.travel(dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC), tick=False):
        submit(transport, people.lead, rag=Rag.RED, next_steps="Recover.", summary="Slipped.")
    subscription = subscribe(people)
    start = timezone.now() - dt.timedelta(hours=1)
    end = timezone.now() + dt.timedelta(minutes=1)
    submit(transport, people.lead, LAST.start, rag=Rag.GREEN)  # missed, between the two
    email = compose(subscription, period_start=start, period_end=end, now=timezone.now())
    assert email is not None
    [item] = email.context["digest"].updates
    assert item.update.period_start == LAST.start
    assert not item.rag_changed  # green after October's green, whatever came after it


@pytest.mark.django_db
def test_a_digest_lists_a_late_update_beside_this_periods_posted_in_the_same_week(
    people: People, transport: Workstream
) -> None:
    subscription = subscribe(people)
    start = timezone.now() - dt.timedelta(hours=1)
    end = timezone.now() + dt.timedelta(minutes=1)
    submit(transport, people.lead, LAST.start, summary="For the missed fortnight.")
    submit(transport, people.lead, summary="For this fortnight.")
    email = compose(subscription, period_start=start, period_end=end, now=timezone.now())
    assert email is not None
    updates = email.context["digest"].updates
    assert [(i.update.period_start, i.update.late) for i in updates] == [
        (LAST.start, True),
        (THIS.start, False),
    ]
    assert transport not in [w.obj for w in email.context["digest"].overdue_workstreams]


def test_deal_period_of_a_late_periods_first_day_is_that_period(people: People) -> None:
    assert deal_period(people.deal, LAST.start) == LAST
