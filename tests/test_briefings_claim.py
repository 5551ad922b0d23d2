"""Claiming due digests in bulk: each slot claimed once, whoever claims at the same time, in a
few statements a batch whatever the number of subscriptions."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

import pytest
from django.db import OperationalError, connection

from briefings import sending
from briefings.choices import Audience, Frequency
from briefings.models import Delivery, Subscription
from briefings.schedule import UK
from briefings.services import subscription_create
from tests.conftest import People

MONDAY = dt.date(2026, 3, 9)  # the subscriptions below are weekly, due on Mondays at 08:00
SLOT = dt.datetime(2026, 3, 9, 8, 0, tzinfo=UK)


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=UK)


def _subscribers(people: People, count: int) -> list[Subscription]:
    return [
        subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            now=at(7),
            email=f"reader{n}@partners.example.org",
            name=f"Reader {n}",
            audience=Audience.PARTNER,
            frequency=Frequency.WEEKLY,
            day=0,
            send_at=dt.time(8, 0),
        )
        for n in range(count)
    ]


def _claim_retrying_when_locked(now: dt.datetime) -> list[int]:
    """As Celery would run a tick again that found the database busy (SQLite, which has no
    row locks, says so after its busy timeout; PostgreSQL passes over the rows another holds)."""
    for _ in range(100):
        try:
            return sending.claim_due(now)
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    raise AssertionError("the database stayed locked")


@pytest.mark.django_db(transaction=True)
def test_claimers_running_at_once_never_claim_one_slot_twice(people, monkeypatch):
    subscriptions = _subscribers(people, 40)
    monkeypatch.setattr(sending, "CLAIM_BATCH", 7)  # many batches, so that the claimers meet
    claimed: list[list[int]] = []
    start = threading.Barrier(3)

    def claimer() -> None:
        try:
            start.wait()
            claimed.append(_claim_retrying_when_locked(at(8, 1)))
        finally:
            connection.close()

    threads = [threading.Thread(target=claimer) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    ids = [pk for ids in claimed for pk in ids]
    assert len(claimed) == 3 and len(ids) == len(set(ids)) == 40
    per_subscription = Counter(
        Delivery.objects.filter(pk__in=ids).values_list("subscription_id", flat=True)
    )
    assert per_subscription == Counter({s.pk: 1 for s in subscriptions})
    assert Delivery.objects.count() == 40
    assert set(Subscription.objects.values_list("next_due_at", flat=True)) == {
        SLOT + dt.timedelta(days=7)
    }
    assert sending.claim_due(at(8, 2)) == []


def test_a_slot_delivered_before_is_not_claimed_again_but_its_subscription_moves_on(people):
    [subscription] = _subscribers(people, 1)
    [first] = sending.claim_due(at(8, 1))
    # An administrator sets the schedule back by hand to a slot already delivered.
    Subscription.objects.filter(pk=subscription.pk).update(next_due_at=SLOT)

    assert sending.claim_due(at(8, 2)) == []
    subscription.refresh_from_db()
    assert subscription.next_due_at == SLOT + dt.timedelta(days=7)
    assert list(Delivery.objects.values_list("pk", flat=True)) == [first]


@pytest.mark.parametrize("count", [3, 30])
def test_claiming_takes_the_same_few_queries_for_three_or_thirty(
    people, count, django_assert_max_num_queries
):
    _subscribers(people, count)
    with django_assert_max_num_queries(12):
        ids = sending.claim_due(at(8, 1))
    assert len(ids) == count


@pytest.mark.parametrize("groups", [sending.MOVE_ON_GROUPS, 1])
def test_each_claimed_subscription_moves_on_to_its_own_next_slot(people, monkeypatch, groups):
    """Subscriptions due together with different schedules each move on to their own next
    slot, whether written one statement per next slot or, past ``MOVE_ON_GROUPS`` of them, by
    ``bulk_update``."""
    monkeypatch.setattr(sending, "MOVE_ON_GROUPS", groups)
    weekly = _subscribers(people, 3)
    earlier = [
        subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            now=at(7),
            email=f"early{n}@partners.example.org",
            audience=Audience.PARTNER,
            frequency=Frequency.WEEKLY,
            day=0,
            send_at=dt.time(7, 30 + 10 * n),
        )
        for n in range(2)
    ]
    assert len(sending.claim_due(at(8, 1))) == 5
    for sub in weekly:
        sub.refresh_from_db()
        assert sub.next_due_at == SLOT + dt.timedelta(days=7)
    for n, sub in enumerate(earlier):
        sub.refresh_from_db()
        assert sub.next_due_at == at(7, 30 + 10 * n, MONDAY + dt.timedelta(days=7))
