"""Celery tasks: thin adapters around ``sending`` and ``reminders``.

They take ids, own the retry policy, and let every unexpected error through to Celery's log.
"""

from __future__ import annotations

import random
from functools import partial

from celery import shared_task
from django.conf import settings
from django.db import OperationalError, transaction

from . import reminders, sending


@shared_task(name="briefings.tasks.tick", time_limit=120, soft_time_limit=100)
def tick() -> dict[str, int]:
    """Claim what is due (digests, reminders, anything a lost worker left) and queue it."""
    ids = sending.claim_due() + reminders.claim_reminders()
    for delivery_id in ids:
        transaction.on_commit(partial(send_delivery.delay, delivery_id))
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
