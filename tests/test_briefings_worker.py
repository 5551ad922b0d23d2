"""The digest path through a real Celery worker on the configured broker.

Redis when ``REDIS_URL`` is set (as in CI), otherwise kombu's filesystem transport in a folder of
the test's own. Each test uses a queue of its own, so tests sharing a Redis cannot take each
other's messages. The worker runs in a thread of the test process, so the database must be
committed for it to see anything: ``transaction=True``.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import kombu.pools
import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings as django_settings
from django.db import OperationalError
from django.utils import timezone

from briefings import sending
from briefings.choices import FINAL_STATUSES, Audience, DeliveryKind, DeliveryStatus, Frequency
from briefings.models import Delivery
from briefings.schedule import UK
from briefings.services import subscription_create
from briefings.tasks import tick
from config.celery import app
from tests.conftest import People
from tests.smtp import SmtpServer
from tracker.choices import Direction, Rag
from tracker.models import Workstream
from tracker.services.reporting import status_update_submit

pytestmark = pytest.mark.django_db(transaction=True)

# Every test runs from this moment on, the clock ticking (the worker's retries wait real
# fractions of a second): Wednesday 2 December 2026, two days before an update is due, so the
# tick queues the day's reminders beside the digests, the same ones whenever the suite runs.
# Transport reported with the batch; Skills never has, so Bob is told it is overdue and due.
NOW = dt.datetime(2026, 12, 2, 10, 0, tzinfo=UK)
REMINDERS = 2


@pytest.fixture(autouse=True)
def _clock() -> Iterator[None]:
    """The clock reaches the worker: it runs in a thread of this process."""
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def queue(settings, tmp_path: Path) -> Iterator[str]:
    """The project's Celery app on the configured broker, with a queue of this test's own."""
    name = f"briefings-test-{uuid.uuid4().hex[:10]}"
    overrides: dict[str, Any] = {"task_default_queue": name, "task_always_eager": False}
    if not django_settings.REDIS_URL:
        folder = tmp_path / "broker"
        folder.mkdir()
        overrides["broker_transport_options"] = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        }
    before = {key: app.conf.get(key) for key in overrides}
    app.conf.update(overrides)
    _reconnect()
    # Retries within a fraction of a second, so a test of an outage takes seconds.
    settings.BRIEFINGS_RETRY_BACKOFF = 0.2
    settings.BRIEFINGS_RETRY_BACKOFF_MAX = 0.5
    yield name
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(name)
    app.conf.update(before)
    _reconnect()


def _reconnect() -> None:
    """Make the app build its queues and broker connections from its settings again."""
    app.amqp.__dict__.pop("queues", None)
    app.amqp._producer_pool = None
    kombu.pools.reset()
    app._pool = None


@contextmanager
def worker(queue: str) -> Iterator[None]:
    with start_worker(
        app,
        pool="solo",
        concurrency=1,
        queues=[queue],
        perform_ping_check=False,
        shutdown_timeout=10,
        loglevel="WARNING",
    ):
        yield
    _reconnect()  # a stopped worker closes the app's producer pool


@pytest.fixture
def batch(people: People) -> list[str]:
    """Five partner addresses whose weekly digest fell due yesterday, with news to report."""
    now = timezone.now()
    yesterday = (now - dt.timedelta(days=1)).astimezone(UK)
    addresses = [f"reader{n}@partner-forum.example.org" for n in range(5)]
    for address in addresses:
        sub = subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            now=now - dt.timedelta(days=2),
            email=address,
            audience=Audience.PARTNER,
            frequency=Frequency.WEEKLY,
            day=yesterday.weekday(),
            send_at=dt.time(yesterday.hour, yesterday.minute),
        )
        assert sub.next_due_at is not None and sub.next_due_at < now
    with time_machine.travel(now - dt.timedelta(days=2), tick=False):
        status_update_submit(
            workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
            acting_user=people.admin,
            rag=Rag.GREEN,
            direction=Direction.IMPROVING,
            summary="Bus franchising consultation opened on schedule.",
        )
    return addresses


def wait_until(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not _checked(condition):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def _checked(condition: Callable[[], bool]) -> bool:
    """The condition, or False while the worker holds a lock past SQLite's busy timeout (SQLite
    then says the database is locked; PostgreSQL waits)."""
    try:
        return condition()
    except OperationalError as error:
        if "locked" not in str(error):
            raise
        return False


def all_final() -> bool:
    return not Delivery.objects.exclude(status__in=FINAL_STATUSES).exists()


def assert_each_received_once(smtp: SmtpServer, addresses: list[str]) -> None:
    """Every digest arrived once, and nothing (the day's reminders included) arrived twice."""
    wait_until(all_final)
    time.sleep(0.5)  # time for any duplicate to arrive
    copies = Counter((to, m["Message-ID"]) for to, m in smtp.received)
    assert set(copies.values()) == {1}, copies  # a copy's address and Message-ID
    assert [smtp.recipients().count(address) for address in addresses] == [1] * len(addresses)
    sent = Delivery.objects.filter(status=DeliveryStatus.SENT)
    assert sent.count() == len(smtp.received)


def test_a_batch_is_sent_once_by_a_real_worker(smtp, queue, batch):
    assert tick.apply().get()["queued"] == len(batch) + REMINDERS
    with worker(queue):
        smtp.wait_for(5)
        wait_until(all_final)
        assert tick.apply().get() == {"queued": 0}  # the next tick finds nothing due
        assert_each_received_once(smtp, batch)
    # The worker's thread read the test's clock: it recorded each send at the pinned moment's
    # time, ticking on, not at the machine's.
    sent_at = list(Delivery.objects.values_list("sent_at", flat=True))
    assert len(sent_at) == len(batch) + REMINDERS
    assert all(NOW < moment < timezone.now() < NOW + dt.timedelta(minutes=5) for moment in sent_at)


def test_a_worker_stopped_mid_batch_and_a_rerun_complete_it_without_duplicates(smtp, queue, batch):
    smtp.delay = 0.5  # slow enough that the worker is stopped with the batch half sent
    tick.apply()
    with worker(queue):
        smtp.wait_for(2)
    smtp.delay = 0.0
    # The worker is gone; its queued messages are lost with it.
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)
    left = Delivery.objects.exclude(status=DeliveryStatus.SENT)
    unsent = left.count()
    # Stopped half way through the digests. The tick queued the day's reminders after them, so
    # only the digests say how far the batch got.
    assert 0 < left.filter(kind=DeliveryKind.DIGEST).count() < len(batch)

    # A later tick finds the deliveries left pending, and a new worker sends them.
    with time_machine.travel(timezone.now() + sending.STALE_PENDING + dt.timedelta(seconds=5)):
        assert tick.apply().get() == {"queued": unsent}  # nothing new: only those left
    with worker(queue):
        smtp.wait_for(5)
        assert_each_received_once(smtp, batch)


def test_with_the_mail_server_down_every_digest_arrives_once_it_is_back(smtp, queue, batch):
    smtp.stop()
    tick.apply()
    with worker(queue):
        # Every digest has been tried twice and is waiting for its next retry.
        digests = Delivery.objects.filter(kind=DeliveryKind.DIGEST)
        wait_until(
            lambda: not digests.exclude(status=DeliveryStatus.RETRYING, attempts__gte=2).exists()
        )
        smtp.start()
        smtp.wait_for(5)
        assert_each_received_once(smtp, batch)
    # Each digest: two refused connections, then sent once.
    assert {(d.status, d.attempts >= 3) for d in digests} == {(DeliveryStatus.SENT, True)}


def test_a_database_error_in_a_send_is_retried_not_left_for_the_recovery(
    smtp, queue, batch, monkeypatch
):
    """The database busy for a moment (a locked table on SQLite, a dropped connection) while a
    send records its result: the task tries again at once, instead of leaving the delivery to
    the recovery five minutes later. Each digest and reminder still arrives once."""
    refused: list[int] = []
    record = sending._finish

    def busy_once(delivery, status, **kwargs):
        if delivery.pk not in refused and status == DeliveryStatus.RETRYING:
            refused.append(delivery.pk)
            raise OperationalError("database table is locked: briefings_delivery")
        return record(delivery, status, **kwargs)

    monkeypatch.setattr(sending, "_finish", busy_once)
    smtp.stop()
    tick.apply()
    deliveries = Delivery.objects.all()
    assert deliveries.filter(kind=DeliveryKind.DIGEST).count() == len(batch)
    assert deliveries.count() == len(batch) + REMINDERS
    with worker(queue):
        # Every delivery, digest or reminder, has had its result refused once and been tried
        # again (the mail server is still down, so its second try is recorded as a retry).
        wait_until(lambda: not deliveries.filter(attempts=0).exists())
        smtp.start()
        smtp.wait_for(len(batch) + REMINDERS, timeout=30)
        assert_each_received_once(smtp, batch)
    assert sorted(refused) == sorted(deliveries.values_list("pk", flat=True))
