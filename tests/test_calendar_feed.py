"""The calendar feed: the page that gives a person their secret address, and the iCalendar file
a calendar app fetches from it without signing in."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from accounts import services as account_services
from core.choices import Classification
from tracker import services
from tracker.choices import MeetingStatus
from tracker.models import GovernanceBody, Meeting, Milestone
from tracker.selectors.governance import chain_of

from .conftest import People

LONDON = ZoneInfo("Europe/London")


def _meeting(people: People, days: int = 7, **kw: Any) -> Meeting:
    starts_at = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=days), dt.time(10), LONDON
    )
    body = chain_of(people.deal)[0]
    return services.meeting_create(body=body, acting_user=people.admin, starts_at=starts_at, **kw)


def _feed_url(people: People, role: str) -> str:
    token = account_services.calendar_token_reset(user=people.all_roles()[role])
    return f"/calendar/{token}.ics"


def _events(response: Any) -> dict[str, Any]:
    calendar = Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "lead", "sponsor", "dsg", "partner", "nobody"])
def test_everyone_signed_in_can_make_their_calendar_address(
    client: Client, people: People, role: str
) -> None:
    user = people.all_roles()[role]
    client.force_login(user)
    page = client.get("/calendar/")
    assert page.status_code == 200
    assert "Make your calendar address" in page.content.decode()
    response = client.post("/calendar/reset/")
    assert response.status_code == 302 and response["Location"] == "/calendar/"
    user.refresh_from_db()
    assert user.calendar_token
    page = client.get("/calendar/").content.decode()
    assert f"http://testserver/calendar/{user.calendar_token}.ics" in page
    assert "Reset your calendar address" in page


def test_someone_signed_out_is_sent_to_sign_in(client: Client, people: People) -> None:
    assert client.get("/calendar/")["Location"].startswith("/accounts/login/")
    assert client.post("/calendar/reset/")["Location"].startswith("/accounts/login/")


def test_the_address_is_reset_only_by_a_post(client: Client, people: People) -> None:
    client.force_login(people.lead)
    assert client.get("/calendar/reset/").status_code == 405
    people.lead.refresh_from_db()
    assert not people.lead.calendar_token


def test_resetting_the_address_stops_the_old_one_working(client: Client, people: People) -> None:
    old = _feed_url(people, "lead")
    assert client.get(old).status_code == 200
    client.force_login(people.lead)
    client.post("/calendar/reset/")
    client.logout()
    assert client.get(old).status_code == 404
    people.lead.refresh_from_db()
    assert client.get(f"/calendar/{people.lead.calendar_token}.ics").status_code == 200


# --- The feed ---------------------------------------------------------------------------------


def test_an_unknown_address_is_not_found(client: Client, people: People) -> None:
    assert client.get("/calendar/not-a-real-secret.ics").status_code == 404
    assert client.get(f"/calendar/{'x' * 80}.ics").status_code == 404


def test_the_feed_needs_no_sign_in_and_parses_as_icalendar(client: Client, people: People) -> None:
    meeting = _meeting(people, location="WMCA offices, 16 Summer Lane")
    response = client.get(_feed_url(people, "dsg"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    event = _events(response)[f"meeting-{meeting.pk}@devolution-deal-tracker"]
    assert str(event["SUMMARY"]) == f"{meeting.body.name} ({people.deal.short_name})"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTEND") == meeting.starts_at + dt.timedelta(hours=2)
    assert str(event["LOCATION"]) == "WMCA offices, 16 Summer Lane"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "DTSTAMP" in event
    assert str(event["URL"]) == f"http://testserver/meetings/{meeting.pk}/"


def test_milestones_are_all_day_events_over_their_whole_period(
    client: Client, people: People
) -> None:
    events = _events(client.get(_feed_url(people, "partner")))
    for milestone in Milestone.objects.filter(deal=people.deal):
        event = events[f"milestone-{milestone.pk}@devolution-deal-tracker"]
        assert event.decoded("DTSTART") == milestone.starts_on
        assert event.decoded("DTEND") == milestone.ends_on + dt.timedelta(days=1)
        assert milestone.title in str(event["SUMMARY"])
    assert len(events) == Milestone.objects.count()


def test_the_feed_keeps_its_uids_from_one_fetch_to_the_next(client: Client, people: People) -> None:
    _meeting(people)
    url = _feed_url(people, "lead")
    assert set(_events(client.get(url))) == set(_events(client.get(url)))


def test_the_feed_never_carries_minutes_or_attendance(client: Client, people: People) -> None:
    _meeting(
        people,
        days=-3,
        minutes="Treasury will not move on the bus grant.",
        classification=Classification.OFFICIAL_SENSITIVE,
        attendees=[people.dsg],
    )
    _meeting(people, days=-10, minutes="The plan was agreed.", attendees=[people.dsg])
    for role in ["partner", "admin"]:
        body = client.get(_feed_url(people, role)).content.decode()
        assert "Treasury will not move" not in body
        assert "The plan was agreed" not in body
        assert "Dan DSG" not in body and people.dsg.email not in body


def test_the_feed_shows_held_and_closed_meetings_too(client: Client, people: People) -> None:
    meeting = _meeting(people, days=-1)
    for status in (MeetingStatus.HELD, MeetingStatus.CLOSED):
        services.meeting_advance(meeting=meeting, acting_user=people.admin, status=status)
    events = _events(client.get(_feed_url(people, "dsg")))
    assert f"meeting-{meeting.pk}@devolution-deal-tracker" in events


def test_someone_with_no_role_in_a_deal_gets_an_empty_calendar(
    client: Client, people: People
) -> None:
    _meeting(people)
    response = client.get(_feed_url(people, "nobody"))
    assert response.status_code == 200
    assert _events(response) == {}


def test_an_inactive_persons_feed_is_not_found(client: Client, people: People) -> None:
    url = _feed_url(people, "partner")
    people.partner.is_active = False
    people.partner.save()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", ["admin", "partner"])
def test_the_feed_costs_the_same_queries_with_ten_times_the_meetings(
    client: Client, people: People, django_assert_max_num_queries: Any, role: str
) -> None:
    bodies = list(GovernanceBody.objects.filter(deal=people.deal))
    url = _feed_url(people, role)

    def grow(start: int, count: int) -> None:
        for n in range(start, start + count):
            body = bodies[n % len(bodies)]
            starts_at = dt.datetime(2026, 1, 1, 9, tzinfo=LONDON) + dt.timedelta(days=n)
            services.meeting_create(
                body=body, acting_user=people.admin, starts_at=starts_at, attendees=[people.dsg]
            )

    grow(0, 3)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    grow(3, 27)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(_events(response)) == 30 + Milestone.objects.count()
