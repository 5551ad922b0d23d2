"""The nights the UK clocks change: periods and due dates are worked out in UK time and stored in
UTC, so an update due on the Sunday of a change is due that Sunday, and a digest whose time the
night skips or repeats goes out once.

In 2027 the clocks go forward at 01:00 GMT on Sunday 28 March (01:00 becomes 02:00 BST, so 01:00
to 01:59 never happens that night) and back at 02:00 BST on Sunday 31 October (02:00 becomes
01:00 GMT, so 01:00 to 01:59 happens twice).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine

from briefings import reminders, sending
from briefings.choices import Audience, DeliveryKind, DeliveryStatus, Frequency
from briefings.models import Delivery, Subscription
from briefings.schedule import UK
from briefings.services import subscription_create
from core.choices import Cadence
from tests.conftest import People
from tests.smtp import SmtpServer
from tracker.choices import Direction, Rag
from tracker.models import Workstream
from tracker.periods import deal_period, previous_period
from tracker.selectors.reporting import ReportingState, reporting_state, workstreams_for
from tracker.services.reporting import status_update_submit

SUNDAY = 6
SPRING = dt.date(2027, 3, 28)  # the clocks go forward
AUTUMN = dt.date(2027, 10, 31)  # the clocks go back


def uk(day: dt.date, hour: int, minute: int = 0, *, fold: int = 0) -> dt.datetime:
    """A UK wall-clock time; ``fold=1`` is the second of two that the autumn night repeats."""
    return dt.datetime.combine(day, dt.time(hour, minute, fold=fold)).replace(tzinfo=UK)


def utc(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=dt.UTC)


def every(start: dt.datetime, end: dt.datetime, minutes: int) -> Iterator[dt.datetime]:
    """Moments from ``start`` to ``end`` in real (UTC) steps, as a beat ticks through a night."""
    moment = start.astimezone(dt.UTC)
    while moment <= end:
        yield moment
        moment += dt.timedelta(minutes=minutes)


# --- An update due on the Sunday of a clock change --------------------------------------------


@pytest.fixture
def sunday_deal(people: People) -> People:
    """The deal reports weekly, each update due on the Sunday that ends its week."""
    people.deal.reporting_cadence = Cadence.WEEKLY
    people.deal.update_due_weekday = SUNDAY
    people.deal.save()
    return people


def _report(people: People, day: dt.date) -> None:
    """Transport's lead reports for the week before the one ``day`` falls in, on time."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    last_week = previous_period(people.deal, deal_period(people.deal, day))
    with time_machine.travel(uk(last_week.due_on, 12), tick=False):
        status_update_submit(
            workstream=transport,
            acting_user=people.lead,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="On track.",
            period=last_week,
        )


def _state_at(people: People, moment: dt.datetime) -> ReportingState:
    """Where Transport stands as its lead's pages see it at ``moment`` (today from the clock)."""
    with time_machine.travel(moment, tick=False):
        transport = workstreams_for(people.lead).get(slug="transport")
        return reporting_state(transport)


@pytest.mark.parametrize(
    ("sunday", "last_moment_of_sunday", "first_moment_of_monday"),
    [
        # 23:59 BST on the Sunday is 22:59 UTC; Monday starts at 23:00 UTC, still Sunday in UTC.
        (SPRING, utc(SPRING, 22, 59), utc(SPRING, 23, 0)),
        # The autumn Sunday has 25 hours: it ends at midnight GMT, which is midnight UTC.
        (AUTUMN, utc(AUTUMN, 23, 59), utc(AUTUMN + dt.timedelta(days=1), 0, 0)),
    ],
    ids=["spring-forward", "fall-back"],
)
def test_an_update_due_on_the_sunday_of_a_clock_change_is_due_that_sunday(
    sunday_deal: People,
    sunday: dt.date,
    last_moment_of_sunday: dt.datetime,
    first_moment_of_monday: dt.datetime,
) -> None:
    people = sunday_deal
    _report(people, sunday)
    period = deal_period(people.deal, sunday)
    assert period.due_on == sunday

    # The first moment of the Sunday in UK time; on the autumn Sunday it is still Saturday in UTC.
    first = _state_at(people, uk(sunday, 0, 0))
    assert (first.period, first.overdue, first.reported_this_period) == (period, False, False)

    # Due all that Sunday, through the hour the clocks skip or repeat.
    for moment in every(uk(sunday, 0, 0), last_moment_of_sunday, minutes=30):
        state = _state_at(people, moment)
        assert (state.period.due_on, state.overdue) == (sunday, False), moment

    # Overdue from midnight UK time, not midnight UTC.
    late = _state_at(people, first_moment_of_monday)
    assert late.overdue and late.last_due == period
    assert first_moment_of_monday.astimezone(UK).date() == sunday + dt.timedelta(days=1)


@pytest.mark.parametrize("sunday", [SPRING, AUTUMN], ids=["spring-forward", "fall-back"])
def test_the_lead_is_reminded_at_eight_uk_time_and_told_once_it_is_overdue(
    smtp: SmtpServer, sunday_deal: People, sunday: dt.date
) -> None:
    """Transport's lead is told the update is due at 08:00 UK time on the Friday before, and
    that it is overdue at 08:00 UK time on the Monday after; each once, and stored in UTC."""
    people = sunday_deal
    _report(people, sunday)
    friday, monday = sunday - dt.timedelta(days=2), sunday + dt.timedelta(days=1)
    for moment in every(uk(friday, 0), uk(monday, 12), minutes=30):
        with time_machine.travel(moment, tick=False):
            for pk in reminders.claim_reminders(moment):
                assert sending.deliver(pk, now=moment).status == DeliveryStatus.SENT

    alice = Delivery.objects.filter(recipient=people.lead).order_by("slot")
    assert [(d.kind, d.slot) for d in alice] == [
        (DeliveryKind.UPDATE_DUE, uk(friday, 8)),
        (DeliveryKind.UPDATE_OVERDUE, uk(monday, 8)),
    ]
    period = deal_period(people.deal, sunday)
    assert {(d.period_start, d.period_end) for d in alice} == {
        (uk(period.start, 8), uk(period.end, 8))
    }
    # Stored in UTC: 08:00 UK time is 08:00 UTC on a winter day and 07:00 UTC on a summer one.
    # The change falls between the Friday and the Monday.
    spring = sunday == SPRING
    assert [d.slot.astimezone(dt.UTC) for d in alice] == [
        utc(friday, 8 if spring else 7),
        utc(monday, 7 if spring else 8),
    ]
    assert smtp.recipients().count("alice@example.org") == 2


# --- A digest whose time the night skips or repeats -------------------------------------------


def _subscribe_sundays(people: People, send_at: dt.time, created: dt.datetime) -> Subscription:
    with time_machine.travel(created, tick=False):
        subscription = subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            email="briefings@partner-forum.example.org",
            audience=Audience.PARTNER,
            frequency=Frequency.WEEKLY,
            day=SUNDAY,
            send_at=send_at,
        )
        transport = Workstream.objects.get(deal=people.deal, slug="transport")
        status_update_submit(
            workstream=transport,
            acting_user=people.admin,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="Bus franchising consultation opened on schedule.",
        )
    return subscription


def _tick_through_the_night(day: dt.date) -> list[sending.Outcome]:
    """Every five minutes from 22:00 UK time on the Saturday to 06:00 on the Sunday, as beat."""
    outcomes = []
    saturday = day - dt.timedelta(days=1)
    for moment in every(uk(saturday, 22), uk(day, 6), minutes=5):
        with time_machine.travel(moment, tick=False):
            outcomes += [sending.deliver(pk, now=moment) for pk in sending.claim_due(moment)]
    return outcomes


@pytest.mark.parametrize(
    ("send_at", "sent_at_utc"),
    [
        # 01:30 never happens that night: the digest goes out when 01:30 GMT would have been.
        (dt.time(1, 30), dt.time(1, 30)),
        # 02:30 comes an hour early, straight after the change: 02:30 BST is 01:30 UTC.
        (dt.time(2, 30), dt.time(1, 30)),
        (dt.time(0, 30), dt.time(0, 30)),
        (dt.time(3, 30), dt.time(2, 30)),
    ],
    ids=["01:30-skipped", "02:30", "00:30-before", "03:30-after"],
)
def test_a_digest_due_on_the_spring_forward_night_is_sent_once(
    smtp: SmtpServer, people: People, send_at: dt.time, sent_at_utc: dt.time
) -> None:
    """The clocks go from 00:59 GMT to 02:00 BST. Whatever its time, the digest goes out once
    that night, and the next Sunday at its time in summer time."""
    subscription = _subscribe_sundays(people, send_at, uk(SPRING - dt.timedelta(days=3), 9))

    outcomes = _tick_through_the_night(SPRING)

    assert [o.status for o in outcomes] == [DeliveryStatus.SENT]
    [delivery] = Delivery.objects.filter(kind=DeliveryKind.DIGEST)
    assert delivery.slot.astimezone(dt.UTC) == utc(SPRING, sent_at_utc.hour, sent_at_utc.minute)
    assert smtp.recipients() == ["briefings@partner-forum.example.org"]
    subscription.refresh_from_db()
    following = dt.datetime.combine(SPRING + dt.timedelta(days=7), send_at)
    assert subscription.next_due_at.astimezone(UK).replace(tzinfo=None) == following
    assert subscription.next_due_at.astimezone(UK).tzname() == "BST"


@pytest.mark.parametrize(
    ("send_at", "sent_at_utc", "label"),
    [
        # 01:30 happens twice, in BST and then in GMT: the digest goes out at the first.
        (dt.time(1, 30), dt.time(0, 30), "01:30 BST"),
        (dt.time(0, 30), dt.time(23, 30), "00:30 BST"),  # 23:30 UTC on the Saturday
        (dt.time(2, 30), dt.time(2, 30), "02:30 GMT"),
    ],
    ids=["01:30-repeated", "00:30-before", "02:30-after"],
)
def test_a_digest_due_on_the_fall_back_night_is_sent_once(
    smtp: SmtpServer, people: People, send_at: dt.time, sent_at_utc: dt.time, label: str
) -> None:
    """The clocks go from 01:59 BST back to 01:00 GMT. Whatever its time, the digest goes out
    once that night, and the next Sunday at its time in winter time."""
    subscription = _subscribe_sundays(people, send_at, uk(AUTUMN - dt.timedelta(days=3), 9))

    outcomes = _tick_through_the_night(AUTUMN)

    assert [o.status for o in outcomes] == [DeliveryStatus.SENT]
    [delivery] = Delivery.objects.filter(kind=DeliveryKind.DIGEST)
    assert delivery.slot.astimezone(dt.UTC).time() == sent_at_utc
    assert delivery.slot.astimezone(UK).strftime("%H:%M %Z") == label
    assert smtp.recipients() == ["briefings@partner-forum.example.org"]
    subscription.refresh_from_db()
    following = dt.datetime.combine(AUTUMN + dt.timedelta(days=7), send_at)
    assert subscription.next_due_at.astimezone(UK).replace(tzinfo=None) == following
    assert subscription.next_due_at.astimezone(UK).tzname() == "GMT"
