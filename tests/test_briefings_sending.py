"""Sending digests: claimed once per slot, delivered once, through a real SMTP server."""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import pytest
import time_machine
from django.core.management import call_command
from django.db import OperationalError, connection

from briefings import sending
from briefings.choices import Audience, DeliveryKind, DeliveryStatus, Frequency
from briefings.models import Delivery, Subscription
from briefings.schedule import UK
from briefings.services import subscription_create
from core.choices import Classification
from core.models import Membership
from tests.conftest import People
from tests.smtp import html_of, text_of
from tracker.choices import Direction, Rag
from tracker.models import StatusUpdate, Workstream
from tracker.services.reporting import status_update_submit

# A Monday: the subscriptions below are weekly, due on Mondays at 08:00 UK time.
MONDAY = dt.date(2026, 3, 9)
SLOT = dt.datetime(2026, 3, 9, 8, 0, tzinfo=UK)
PARTNER_ADDRESS = "briefings@partner-forum.example.org"
OPEN = "Bus franchising consultation opened on schedule"
T = TypeVar("T")
SECRET = "Treasury position on the housing fund is softening"


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute)).replace(tzinfo=UK)


def _subscribe(people: People, **fields: object) -> Subscription:
    fields = {"frequency": Frequency.WEEKLY, "day": 0, "send_at": dt.time(8, 0), **fields}
    return subscription_create(deal=people.deal, acting_user=people.admin, now=at(7), **fields)


@pytest.fixture
def subscribers(people: People) -> tuple[Subscription, Subscription]:
    """A partner's external address and a DSG member, both due at 08:00 on MONDAY, and an
    OFFICIAL and an OFFICIAL-SENSITIVE update posted in their period."""
    with time_machine.travel(at(7, 30), tick=False):
        partner = _subscribe(people, email=PARTNER_ADDRESS, name="Forum", audience=Audience.PARTNER)
        internal = _subscribe(people, user=people.dsg, audience=Audience.INTERNAL)
        _post(people, "transport", OPEN, Classification.OFFICIAL)
        _post(people, "skills", SECRET, Classification.OFFICIAL_SENSITIVE)
    assert partner.next_due_at == internal.next_due_at == SLOT
    return partner, internal


def _post(people: People, slug: str, summary: str, classification: str) -> None:
    workstream = Workstream.objects.get(deal=people.deal, slug=slug)
    status_update_submit(
        workstream=workstream,
        acting_user=people.admin,
        rag=Rag.AMBER,
        direction=Direction.STABLE,
        summary=summary,
        classification=classification,
    )


def _send_all(now: dt.datetime, **options: bool) -> list[sending.Outcome]:
    return [sending.deliver(pk, now=now) for pk in sending.claim_due(now, **options)]


def test_a_partner_and_an_internal_subscriber_receive_their_digests(smtp, subscribers):
    partner, internal = subscribers
    outcomes = _send_all(at(8, 1))

    assert sorted(o.status for o in outcomes) == [DeliveryStatus.SENT] * 2
    [to_partner] = smtp.messages_to(PARTNER_ADDRESS)
    [to_dsg] = smtp.messages_to("dan@example.org")
    for message in (to_partner, to_dsg):
        assert message["List-Unsubscribe"].strip().startswith("<http")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert OPEN in text_of(message) and OPEN in html_of(message)
    assert SECRET not in text_of(to_partner) + html_of(to_partner) + to_partner["Subject"]
    assert SECRET in text_of(to_dsg)

    delivery = Delivery.objects.get(subscription=partner)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert delivery.key == f"digest:{partner.pk}:{SLOT.isoformat()}"
    assert delivery.message_id == to_partner["Message-ID"] == sending.message_id_for(delivery)
    assert delivery.subject == to_partner["Subject"] and delivery.sent_at == at(8, 1)
    assert delivery.period_start == SLOT - dt.timedelta(days=7) and delivery.period_end == SLOT
    partner.refresh_from_db()
    assert partner.covered_until == SLOT
    assert partner.next_due_at == SLOT + dt.timedelta(days=7)


def test_a_digest_carries_no_control_character_whatever_the_database_holds(
    smtp, subscribers, people
):
    """Text that reached the database with control characters is sent without them, in the
    subject, the plain text and the HTML of each digest."""
    controls = "\x01\x08\x0b\x0c\x1b\x1f"
    Workstream.objects.filter(deal=people.deal, slug="transport").update(
        name=f"Trans{controls}port"
    )
    StatusUpdate.objects.filter(summary=OPEN).update(summary=f"Bus{controls} franchising")
    people.deal.short_name = f"WM{controls} TDD"
    people.deal.save()

    assert [o.status for o in _send_all(at(8, 1))] == [DeliveryStatus.SENT] * 2
    for _, message in smtp.received:
        parts = [message["Subject"], text_of(message), html_of(message)]
        assert not [p for p in parts if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", p)]
        # Kept, if not laid out as written: the plain text's line wrapping reads U+000B and
        # U+000C as line breaks before the characters are dropped.
        assert "Transport" in parts[1] and "franchising" in parts[1]
        assert "Bus franchising" in parts[2]
        assert "WM TDD" in parts[0]


def test_claiming_and_delivering_twice_sends_each_digest_once(smtp, subscribers):
    first = sending.claim_due(at(8, 1))
    again = sending.claim_due(at(8, 2))
    assert len(first) == 2 and again == []
    for pk in first + first:
        sending.deliver(pk, now=at(8, 3))
    assert smtp.recipients() == ["briefings@partner-forum.example.org", "dan@example.org"]
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_nothing_is_claimed_before_its_slot(smtp, subscribers):
    assert sending.claim_due(at(7, 59)) == []


def _retrying_when_locked(work: Callable[[], T]) -> T:
    """What Celery would do for a worker that found the database busy: run it again. (Both
    databases wait for a lock; SQLite gives up, saying it is locked, after its busy timeout.)"""
    for _ in range(50):
        try:
            return work()
        except OperationalError as error:
            if "locked" not in str(error):
                raise
            time.sleep(0.05)
    raise AssertionError("the database stayed locked")


@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_and_delivering_at_once_send_each_digest_once(smtp, subscribers):
    claimed: list[list[int]] = []
    start = threading.Barrier(2)

    def worker() -> None:
        try:
            start.wait()
            ids = _retrying_when_locked(lambda: sending.claim_due(at(8, 1)))
            claimed.append(ids)
            # Each also tries every delivery the other may have claimed.
            for pk in Delivery.objects.values_list("pk", flat=True):
                _retrying_when_locked(lambda pk=pk: sending.deliver(pk, now=at(8, 2)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sum(map(len, claimed)) == 2  # each digest claimed by one of them
    assert smtp.recipients() == ["briefings@partner-forum.example.org", "dan@example.org"]
    assert Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2


def test_a_digest_waits_for_a_server_that_is_down_and_goes_out_once_it_is_back(smtp, subscribers):
    partner, _ = subscribers
    [pk, _] = sending.claim_due(at(8, 1))
    smtp.stop()
    for minute in (2, 3):
        with pytest.raises(sending.TransientSendError):
            sending.deliver(pk, now=at(8, minute))
    delivery = Delivery.objects.get(pk=pk)
    assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 2
    assert "Connection" in delivery.last_error and delivery.sent_at is None
    partner.refresh_from_db()
    assert partner.covered_until is None

    smtp.start()
    sending.deliver(pk, now=at(8, 4))
    sending.deliver(pk, now=at(8, 5))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert len(smtp.messages_to(PARTNER_ADDRESS)) == 1


def test_a_refused_address_fails_once_and_is_not_tried_again(smtp, subscribers, people):
    partner, _ = subscribers
    smtp.refuse(PARTNER_ADDRESS)
    outcomes = {o.email: o for o in _send_all(at(8, 1))}

    assert outcomes[PARTNER_ADDRESS].status == DeliveryStatus.FAILED
    delivery = Delivery.objects.get(subscription=partner)
    assert delivery.attempts == 1 and "550" in delivery.last_error
    sending.deliver(delivery.pk, now=at(8, 2))  # a retried task: nothing more happens
    delivery.refresh_from_db()
    assert delivery.attempts == 1 and smtp.messages_to(PARTNER_ADDRESS) == []

    # The next week's digest to the same address is recorded failed without being sent.
    with time_machine.travel(at(7, day=MONDAY + dt.timedelta(days=7)), tick=False):
        _post(people, "transport", "Another week", Classification.OFFICIAL)
    later = {o.email: o for o in _send_all(at(8, 1, MONDAY + dt.timedelta(days=7)))}
    assert later[PARTNER_ADDRESS].status == DeliveryStatus.FAILED
    assert later["dan@example.org"].status == DeliveryStatus.SENT
    newest = Delivery.objects.filter(subscription=partner).order_by("-slot").first()
    assert newest.attempts == 0 and "not sent" in newest.last_error
    assert smtp.messages_to(PARTNER_ADDRESS) == []


def test_a_digest_with_nothing_to_say_is_skipped_and_recorded(smtp, subscribers, people):
    _, internal = subscribers
    # Dan leaves the DSG: he may see nothing of the deal, so his digest has nothing to say.
    Membership.objects.filter(user=people.dsg).delete()
    outcomes = {o.email: o.status for o in _send_all(at(8, 1))}

    assert outcomes["dan@example.org"] == DeliveryStatus.SKIPPED
    delivery = Delivery.objects.get(subscription=internal)
    assert delivery.status == DeliveryStatus.SKIPPED and delivery.attempts == 0
    assert smtp.messages_to("dan@example.org") == []
    internal.refresh_from_db()
    assert internal.covered_until == SLOT  # the next digest starts where this one would have


def test_all_now_sends_every_active_subscription_early_and_once_for_its_period(smtp, subscribers):
    partner, _ = subscribers
    early = at(7, 45)
    assert len([o for o in _send_all(early, all_now=True) if o.status == "sent"]) == 2
    delivery = Delivery.objects.get(subscription=partner)
    assert delivery.slot == SLOT and delivery.period_end == early

    # The slot it belonged to has been sent: 08:00 comes and goes without a second copy.
    assert _send_all(at(8, 1)) == []
    partner.refresh_from_db()
    assert partner.next_due_at == SLOT + dt.timedelta(days=7)
    assert partner.covered_until == early
    assert len(smtp.messages) == 2


def test_a_delivery_a_lost_worker_left_pending_is_sent_by_a_later_run(smtp, subscribers):
    with time_machine.travel(at(8, 1), tick=False):
        ids = sending.claim_due()  # claimed, then the worker holding them is killed
    with time_machine.travel(at(8, 3), tick=False):
        assert sending.claim_due() == []  # not yet stale: perhaps still being sent
    with time_machine.travel(at(8, 1) + sending.STALE_PENDING + dt.timedelta(seconds=1)):
        recovered = sending.claim_due()
    assert recovered == ids
    for pk in recovered:
        sending.deliver(pk, now=at(8, 10))
    assert len(smtp.messages) == 2


def test_send_digests_sends_what_is_due_and_says_what_happened(smtp, subscribers, capsys):
    with time_machine.travel(at(8, 1), tick=False):
        call_command("send_digests")
        call_command("send_digests")
    out = capsys.readouterr().out
    assert f"digest to {PARTNER_ADDRESS}: sent" in out and "2 due: 2 sent." in out
    assert len(smtp.messages) == 2


def test_an_inactive_subscription_is_not_claimed(smtp, subscribers):
    partner, _ = subscribers
    Subscription.objects.filter(pk=partner.pk).update(is_active=False, next_due_at=None)
    assert [o.email for o in _send_all(at(8, 1))] == ["dan@example.org"]


def test_claiming_costs_a_few_queries_per_due_subscription(
    smtp, people, django_assert_max_num_queries
):
    with time_machine.travel(at(7), tick=False):
        for n in range(10):
            _subscribe(people, email=f"reader{n}@example.org", name=f"Reader {n}")
    # Per subscription: the conditional update and the delivery's insert, each in a savepoint.
    with django_assert_max_num_queries(2 + 10 * 6):
        ids = sending.claim_due(at(8, 1))
    assert len(ids) == 10
    assert {d.kind for d in Delivery.objects.all()} == {DeliveryKind.DIGEST}


def test_a_sent_digest_and_its_coverage_are_recorded_in_one_statement_never_moving_back(
    smtp, subscribers
):
    """Each send's outcome is one statement on PostgreSQL (the batch records thousands): the
    delivery's row as ``save()`` writes it and its subscription's coverage moved on, only ever
    forward."""
    from django.test.utils import CaptureQueriesContext

    partner, _ = subscribers
    [first, _] = sending.claim_due(at(8, 1))
    with CaptureQueriesContext(connection) as queries:
        sending.deliver(first, now=at(8, 1))
    writes = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].upper().startswith(("UPDATE", "WITH"))
    ]
    assert len(writes) == (1 if connection.vendor == "postgresql" else 2)
    delivery = Delivery.objects.get(pk=first)
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (
        DeliveryStatus.SENT,
        1,
        at(8, 1),
    )
    assert delivery.message_id == sending.message_id_for(delivery) and delivery.subject
    assert delivery.updated_at > delivery.created_at
    partner.refresh_from_db()
    assert partner.covered_until == SLOT

    # An older delivery recorded late (recovered) leaves the coverage where it is.
    later = SLOT + dt.timedelta(days=7)
    Subscription.objects.filter(pk=partner.pk).update(covered_until=later)
    delivery.status, delivery.sent_at = DeliveryStatus.PENDING, None
    sending._finish(delivery, DeliveryStatus.SKIPPED, now=at(9))
    partner.refresh_from_db()
    assert partner.covered_until == later
    assert Delivery.objects.get(pk=first).status == DeliveryStatus.SKIPPED
