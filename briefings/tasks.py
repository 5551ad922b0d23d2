"""Celery tasks: thin adapters around ``sending`` and ``reminders``.

They take ids, own the retry policy, and let every unexpected error through to Celery's log.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from functools import partial

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from celery.worker import state
from django.conf import settings
from django.db import OperationalError, transaction

from . import reminders, sending
from .choices import DeliveryStatus

logger = logging.getLogger(__name__)

# Deliveries per batch task: enough that a digest many subscribers share is built a few times at
# most, few enough that the workers share a round of sends and a batch ends well inside its
# time limit.
BATCH_SIZE = 250
# A batch hands what it has not sent on to a new batch after this long, well inside its time
# limit (a task killed at its hard limit would leave them to the recovery, minutes later).
BATCH_SECONDS = 90.0


@shared_task(name="briefings.tasks.tick", time_limit=120, soft_time_limit=100)
def tick() -> dict[str, int]:
    """Claim what is due (digests, reminders, anything a lost worker left) and queue it, in
    batches whose deliveries with the same content are together."""
    ids = sending.claim_due() + reminders.claim_reminders()
    batches = sending.plan_batches(ids, BATCH_SIZE)
    plan = uuid.uuid4().hex  # lets a worker's process reuse its builds for the plan's batches
    for batch in batches:
        transaction.on_commit(partial(send_batch.delay, batch, plan))
    return {"queued": len(ids)}


def retry_countdown(retries: int) -> float:
    """Exponential backoff with full jitter: a random wait up to base * 2**retries, capped."""
    base = float(settings.BRIEFINGS_RETRY_BACKOFF)
    ceiling = min(float(settings.BRIEFINGS_RETRY_BACKOFF_MAX), base * 2**retries)
    return random.uniform(base / 2, ceiling)  # noqa: S311 - spreading retries, not a secret


# Retries are explicit rather than ``autoretry_for``: Celery's automatic backoff counts in whole
# seconds, and the base wait is a setting, so tests can retry in a fraction of one.
@shared_task(
    bind=True,
    name="briefings.tasks.send_delivery",
    max_retries=sending.MAX_ATTEMPTS,
    time_limit=120,
    soft_time_limit=100,
)
def send_delivery(self, delivery_id: int) -> str:  # self is the Celery task (bind=True)
    try:
        return sending.deliver(delivery_id).status
    except (sending.TransientSendError, OperationalError) as error:
        # The mail server could not take it now; or the database was busy or out of reach for a
        # moment (a locked table on SQLite, a dropped connection). Either way a retry is safe:
        # the delivery is sent under a row lock and never again once final.
        raise self.retry(exc=error, countdown=retry_countdown(self.request.retries)) from error


@shared_task(bind=True, name="briefings.tasks.send_batch", time_limit=300, soft_time_limit=240)
def send_batch(  # self: the task (bind=True)
    self, delivery_ids: list[int], plan: str | None = None
) -> dict[str, int]:
    """Send a batch over one SMTP connection (``sending.deliver_batch``). A delivery the mail
    server could not take now, or that met a passing database error, goes on alone with
    ``send_delivery`` and its retries. A batch still sending after ``BATCH_SECONDS`` (a slow
    mail server, very large digests), or at its soft time limit, or in a worker asked to shut
    down, ends after the send under way and queues the rest as a batch of their own; one cut
    short otherwise (a killed worker) leaves the rest pending for the recovery."""
    deadline = time.monotonic() + BATCH_SECONDS
    result = sending.deliver_batch(
        delivery_ids,
        stop=lambda: _worker_stopping() or time.monotonic() > deadline,
        interruptions=(SoftTimeLimitExceeded,),
        plan=plan,
    )
    again = [o.delivery_id for o in result.outcomes if o.status == DeliveryStatus.RETRYING]
    # On the queue this batch came from, where its workers are.
    queue = (self.request.delivery_info or {}).get("routing_key")
    for delivery_id in again:
        send_delivery.apply_async((delivery_id,), countdown=retry_countdown(0), queue=queue)
    if result.left:
        send_batch.apply_async((result.left, plan), queue=queue)
    sent = sum(o.status == DeliveryStatus.SENT for o in result.outcomes)
    logger.info(
        "digest batch: %s deliveries, %s sent, %s digests built",
        len(delivery_ids),
        sent,
        result.builds,
    )
    return {"sent": sent, "built": result.builds}


def _worker_stopping() -> bool:
    """Whether this worker has been asked to shut down (warm or cold): as Celery reads its
    flags, which hold an exit code once set (0 included)."""
    flags = (state.should_stop, state.should_terminate)
    return any(flag is not None and flag is not False for flag in flags)
