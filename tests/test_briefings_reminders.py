"""Reminders: a lead's update due in two days or overdue, and a sponsor's weekly overdue list."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from briefings import reminders, sending
from briefings.choices import DeliveryKind, DeliveryStatus
from briefings.models import Delivery
from briefings.schedule import UK
from tests.conftest import People
from tests.smtp import html_of, text_of
from tracker.choices import Direction, Rag
from tracker.models import Workstream
from tracker.periods import Period, deal_period, previous_period
from tracker.services.reporting import status_update_submit

ALICE, BOB, SUE = "alice@example.org", "bob@example.org", "sue@example.org"


@pytest.fixture
def period(people: People) -> Period:
    """A reporting period of 2026, in which Transport has reported for the period before."""
    current = deal_period(people.deal, dt.date(2026, 3, 11))
    _post(people, "transport", previous_period(people.deal, current), at(current.start))
    return current


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)).replace(tzinfo=UK)


def _post(people: People, slug: str, period: Period, when: dt.datetime) -> None:
    with time_machine.travel(when, tick=False):
        status_update_submit(
            workstream=Workstream.objects.get(deal=people.deal, slug=slug),
            acting_user=people.admin,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="On track.",
            period=period,
        )


def _run(now: dt.datetime) -> list[sending.Outcome]:
    with time_machine.travel(now, tick=False):
        return [sending.deliver(pk, now=now) for pk in reminders.claim_reminders(now)]


def _sent(outcomes: list[sending.Outcome]) -> set[tuple[str, str]]:
    return {(o.email, o.kind) for o in outcomes if o.status == DeliveryStatus.SENT}


def test_a_lead_is_reminded_once_two_days_before_the_update_is_due(smtp, people, period):
    two_days_before = period.due_on - dt.timedelta(days=2)
    assert ALICE not in {o.email for o in _run(at(two_days_before - dt.timedelta(days=1)))}
    sent = _sent(_run(at(two_days_before)))
    assert (ALICE, DeliveryKind.UPDATE_DUE) in sent
    assert (ALICE, DeliveryKind.UPDATE_OVERDUE) not in sent  # Transport reported last time

    [message] = smtp.messages_to(ALICE)
    assert "Transport" in message["Subject"] and "due" in message["Subject"]
    assert "/workstreams/transport/updates/new/" in text_of(message)
    assert "/workstreams/transport/updates/new/" in html_of(message)
    # The next tick, and the next day's, write nothing more for the period.
    assert ALICE not in {o.email for o in _run(at(two_days_before, 10))}
    assert ALICE not in {o.email for o in _run(at(two_days_before + dt.timedelta(days=1)))}
    assert len(smtp.messages_to(ALICE)) == 1


def test_no_reminder_is_written_before_eight_in_the_morning(people, period):
    assert reminders.claim_reminders(at(period.due_on - dt.timedelta(days=2), hour=7)) == []


def test_a_reminder_whose_update_was_posted_meanwhile_is_skipped(smtp, people, period):
    now = at(period.due_on - dt.timedelta(days=1))
    with time_machine.travel(now, tick=False):
        ids = reminders.claim_reminders(now)
    _post(people, "transport", period, now)
    outcomes = {(o.email, o.kind): o.status for o in (sending.deliver(pk, now=now) for pk in ids)}
    assert outcomes[(ALICE, DeliveryKind.UPDATE_DUE)] == DeliveryStatus.SKIPPED
    assert smtp.messages_to(ALICE) == []


def test_an_overdue_lead_is_told_once_and_the_sponsor_once_a_week(smtp, people, period):
    day_after = period.due_on + dt.timedelta(days=1)
    sent = _sent(_run(at(day_after)))
    assert (ALICE, DeliveryKind.UPDATE_OVERDUE) in sent
    assert (SUE, DeliveryKind.SPONSOR_OVERDUE) in sent
    [to_sue] = smtp.messages_to(SUE)
    assert "1 workstream you sponsor is overdue" in to_sue["Subject"]
    assert "Transport" in text_of(to_sue) and "Alice Lead" in html_of(to_sue)

    # Still overdue: nothing more this week; the sponsor's list again the next week only.
    assert _sent(_run(at(day_after + dt.timedelta(days=1)))) == set()
    next_monday = day_after + dt.timedelta(days=7 - day_after.weekday())
    assert _sent(_run(at(next_monday))) >= {(SUE, DeliveryKind.SPONSOR_OVERDUE)}
    assert len(smtp.messages_to(SUE)) == 2
    assert len([m for m in smtp.messages_to(ALICE) if "Overdue" in m["Subject"]]) == 1


def test_a_lead_that_never_reported_is_overdue_and_due_at_once(smtp, people, period):
    sent = _sent(_run(at(period.due_on - dt.timedelta(days=2))))
    # Bob's Skills has never reported: overdue for the last period, and due for this one.
    assert {(BOB, DeliveryKind.UPDATE_OVERDUE), (BOB, DeliveryKind.UPDATE_DUE)} <= sent
    keys = set(Delivery.objects.filter(email=BOB).values_list("key", flat=True))
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    assert f"update-due:{skills.pk}:{period.start.isoformat()}:{people.other_lead.pk}" in keys


def test_writing_reminders_costs_the_same_few_queries_for_every_workstream(
    people, period, django_assert_max_num_queries
):
    now = at(period.due_on + dt.timedelta(days=1))
    # Workstreams, the provisions late and due, leads, sponsors, the overdue actions, the keys
    # already written, and the insert in a savepoint.
    with django_assert_max_num_queries(10):
        assert reminders.claim_reminders(now)
    with django_assert_max_num_queries(8):
        assert reminders.claim_reminders(now) == []


# --- Delivery reports keep the same rhythm ------------------------------------------------------


def _report(people: People, provision, period: Period) -> None:  # type: ignore[no-untyped-def]
    from delivery import services as delivery_services

    delivery_services.report_submit(
        provision=provision,
        acting_user=people.lead,
        state="in-progress",
        confidence="green",
        narrative="On track.",
        period=period,
    )


def test_a_provision_without_its_report_makes_the_workstream_overdue(smtp, people, period):
    from tests.provisions import provision

    reported = provision(people, "4.12", title="Bus franchising")
    provision(people, "4.13", title="Rail station")
    provision(people, "4.99", title="Fallback position", classification="official-sensitive")
    # Transport posted its update for the period, but two provisions have no report for it.
    _report(people, reported, period)
    _post(people, "transport", period, at(period.start))
    day_after = period.due_on + dt.timedelta(days=1)
    sent = _sent(_run(at(day_after)))
    assert (ALICE, DeliveryKind.UPDATE_OVERDUE) in sent
    assert (SUE, DeliveryKind.SPONSOR_OVERDUE) in sent
    [to_alice] = [m for m in smtp.messages_to(ALICE) if "Overdue" in m["Subject"]]
    assert "Overdue: the Transport delivery reports for" in to_alice["Subject"]
    body = text_of(to_alice)
    assert "and 2 are missing" in body and "has not been posted" not in body
    assert "4.13 Rail station" in body and "Bus franchising" not in body
    assert "/workstreams/transport/provisions/report/" in html_of(to_alice)
    [to_sue] = smtp.messages_to(SUE)
    assert "Delivery reports missing: 4.13, 4.99" in text_of(to_sue)


def test_a_provision_report_made_meanwhile_skips_the_reminder(smtp, people, period):
    from tests.provisions import provision

    p = provision(people, "4.12")
    _report(people, p, previous_period(people.deal, period))
    now = at(period.due_on - dt.timedelta(days=1))
    _post(people, "transport", period, at(period.start))
    with time_machine.travel(now, tick=False):
        ids = reminders.claim_reminders(now)
        kinds = set(Delivery.objects.filter(pk__in=ids, email=ALICE).values_list("kind", flat=True))
    # The update is in; the provision's report is due, so Alice is reminded of it alone.
    assert kinds == {DeliveryKind.UPDATE_DUE}
    _report(people, p, period)
    outcomes = {(o.email, o.kind): o.status for o in (sending.deliver(pk, now=now) for pk in ids)}
    assert outcomes[(ALICE, DeliveryKind.UPDATE_DUE)] == DeliveryStatus.SKIPPED
