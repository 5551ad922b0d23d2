"""Sending what is due, exactly once: claiming due digests, and delivering any owed email.

Two steps, each safe to run twice or at the same time:

- ``claim_due`` moves each due subscription's ``next_due_at`` on with a conditional ``UPDATE``
  (only the run whose update matched goes on) and, in the same transaction, writes the
  ``Delivery`` for the slot. The delivery's unique key, and the one-digest-per-slot constraint,
  make a second claim of the same period impossible whatever the first did.
- ``deliver`` locks the delivery row for the whole attempt and leaves it alone once it is final
  (sent, skipped or failed), so a retried task, a second worker or a re-queued delivery cannot
  send it again.

The one window left is a worker killed after the mail server accepted a message and before the
row was committed: the delivery is then sent again by the recovery, with the same Message-ID
(it is derived from the delivery's key), which lets mail software recognise the copy.

A permanent refusal (SMTP 5xx) marks the delivery failed, and for ``REFUSAL_MEMORY`` after it
nothing more is sent to that address: later deliveries to it are recorded failed, unsent. A
changed address (a new subscription address or a user's new email) is tried again at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import smtplib
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import schedule
from .choices import FINAL_STATUSES, DeliveryKind, DeliveryStatus
from .models import Delivery, Subscription

logger = logging.getLogger(__name__)

# A delivery still pending this long after it was last touched lost its worker (killed
# mid-batch, or its queued message lost): the next run queues it again. Longer than a send takes.
STALE_PENDING = dt.timedelta(minutes=5)
# A delivery waiting for a retry is only re-queued once the task's own retries (at most
# RETRY_BACKOFF_MAX apart) should have run: otherwise the two would race for nothing.
STALE_RETRYING = dt.timedelta(minutes=15)
# After this many attempts a mail server that keeps failing is given up on for the delivery.
MAX_ATTEMPTS = 12
# How long an address the mail server refused permanently is not tried again.
REFUSAL_MEMORY = dt.timedelta(days=30)
REFUSED = "Refused permanently: "
ERROR_LIMIT = 2000


class TransientSendError(Exception):
    """The mail server is unavailable or deferred the message: try again later."""


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str
    email: str
    kind: str
    detail: str = ""


# --- Claiming --------------------------------------------------------------------------------


def claim_due(now: dt.datetime | None = None, *, all_now: bool = False) -> list[int]:
    """Claim every due digest and return the deliveries to send, with any left unsent.

    With ``all_now`` every active subscription is treated as due: its current period's digest is
    sent early, reporting up to ``now`` instead of up to its slot, and the subscription moves on
    to its next slot. The delivery still belongs to the slot it was due in, so the period is sent
    once: the scheduled send of that slot will not happen again.
    """
    now = now or timezone.now()
    due = Subscription.objects.filter(is_active=True).select_related("user").order_by("pk")
    if not all_now:
        due = due.filter(next_due_at__lte=now)
    claimed = [pk for sub in due if (pk := _claim(sub, now, early=all_now)) is not None]
    return claimed + recover_stale(now, exclude=claimed)


def _claim(sub: Subscription, now: dt.datetime, *, early: bool) -> int | None:
    slot = sub.next_due_at
    assert slot is not None  # an active subscription always has one (a check constraint)
    following = schedule.next_slot(sub.frequency, sub.day, sub.send_at, slot, now)
    with transaction.atomic():
        moved = Subscription.objects.filter(pk=sub.pk, next_due_at=slot, is_active=True).update(
            next_due_at=following
        )
        if not moved:
            return None  # another beat, worker or command claimed it first
        start = sub.covered_until or schedule.previous_slot(
            sub.frequency, sub.day, sub.send_at, slot
        )
        try:
            with transaction.atomic():
                delivery = Delivery.objects.create(
                    kind=DeliveryKind.DIGEST,
                    key=f"digest:{sub.pk}:{slot.isoformat()}",
                    subscription=sub,
                    email=sub.address,
                    slot=slot,
                    period_start=start,
                    period_end=min(now, slot) if early else slot,
                )
        except IntegrityError:
            # The slot was sent before (its schedule was set back by hand): not again, but the
            # subscription still moves on, or every tick would stop here.
            return None
    return delivery.pk


def recover_stale(now: dt.datetime, *, exclude: list[int] | None = None) -> list[int]:
    """Deliveries of any kind that a lost worker or message left unsent, to queue again."""
    stale = Delivery.objects.filter(
        Q(status=DeliveryStatus.PENDING, updated_at__lt=now - STALE_PENDING)
        | Q(status=DeliveryStatus.RETRYING, updated_at__lt=now - STALE_RETRYING)
    ).exclude(pk__in=exclude or [])
    return list(stale.order_by("pk").values_list("pk", flat=True))


# --- Delivering ------------------------------------------------------------------------------


def deliver(
    delivery_id: int,
    *,
    now: dt.datetime | None = None,
    connection: BaseEmailBackend | None = None,
) -> Outcome:
    """Send one delivery unless it is already final; record what happened.

    Raises ``TransientSendError`` after recording a delivery the mail server could not take now.
    Any other error is recorded on the delivery (which the recovery will try again, up to
    ``MAX_ATTEMPTS``) and raised.
    """
    now = now or timezone.now()
    try:
        with transaction.atomic():
            delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
            if delivery is None:
                return Outcome(delivery_id, "missing", "", "")
            if delivery.status in FINAL_STATUSES:
                return _outcome(delivery, "already final")
            outcome = _attempt(delivery, now, connection)
    except Exception as error:
        _record_error(delivery_id, error)
        raise
    if outcome.status == DeliveryStatus.RETRYING:
        raise TransientSendError(outcome.detail)
    return outcome


def _outcome(delivery: Delivery, detail: str = "") -> Outcome:
    return Outcome(delivery.pk, delivery.status, delivery.email, delivery.kind, detail)


def _attempt(delivery: Delivery, now: dt.datetime, connection: BaseEmailBackend | None) -> Outcome:
    if refusal := _earlier_refusal(delivery, now):
        return _finish(delivery, DeliveryStatus.FAILED, error=refusal)
    message = _message_for(delivery, now)
    if message is None:
        return _finish(delivery, DeliveryStatus.SKIPPED, now=now)
    message.extra_headers["Message-ID"] = delivery.message_id = message_id_for(delivery)
    delivery.subject = str(message.subject)[:250]
    delivery.attempts += 1
    try:
        (connection or get_connection()).send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        if connection is not None:
            # A shared connection is in an unknown state: the next send opens a fresh one.
            with contextlib.suppress(Exception):
                connection.close()
        return _failed_send(delivery, error)
    return _finish(delivery, DeliveryStatus.SENT, now=now)


def _message_for(delivery: Delivery, now: dt.datetime) -> EmailMessage | None:
    """The email a delivery sends now, or None when there is nothing to say (any more)."""
    if delivery.kind == DeliveryKind.BRIEFING_REQUEST:
        return _briefing_request_message(delivery)
    if delivery.kind != DeliveryKind.DIGEST:
        from .reminders import reminder_message

        return reminder_message(delivery, now)
    assert delivery.subscription_id is not None  # a digest has a subscription (a constraint)
    subscription = Subscription.objects.select_related(
        "user", "deal", "theme", "engaged_organisation"
    ).get(pk=delivery.subscription_id)
    if not subscription.is_active:
        return None
    from .digest import compose

    assert delivery.period_start is not None and delivery.period_end is not None
    digest = compose(
        subscription, period_start=delivery.period_start, period_end=delivery.period_end, now=now
    )
    return digest.message if digest is not None else None


def _briefing_request_message(delivery: Delivery) -> EmailMessage | None:
    """A partner's request for a briefing session, to the core team. Nothing once the request
    was erased (its requester asked to be forgotten before it went)."""
    from django.urls import reverse

    from .emails import absolute, build_message
    from .models import BriefingRequest

    if delivery.briefing_request_id is None:
        return None
    request = (
        BriefingRequest.objects.select_related("deal")
        .filter(pk=delivery.briefing_request_id, erased_at__isnull=True)
        .first()
    )
    if request is None:
        return None
    context = {
        "request": request,
        "deal": request.deal,
        "requests_url": absolute(reverse("briefing-request-list")),
    }
    message = build_message("briefing-request", context, to=delivery.email)
    message.reply_to = [request.email]
    return message


def _finish(
    delivery: Delivery, status: str, *, now: dt.datetime | None = None, error: str = ""
) -> Outcome:
    delivery.status = status
    delivery.last_error = error[:ERROR_LIMIT]
    if status == DeliveryStatus.SENT:
        delivery.sent_at = now
    delivery.save()
    covered = status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED)
    digest_of = delivery.subscription_id if delivery.kind == DeliveryKind.DIGEST else None
    if covered and digest_of is not None and delivery.period_end:
        # Only ever forward: a recovered old delivery must not move it back.
        Subscription.objects.filter(pk=digest_of).filter(
            Q(covered_until__isnull=True) | Q(covered_until__lt=delivery.period_end)
        ).update(covered_until=delivery.period_end)
    return _outcome(delivery, error)


def _failed_send(delivery: Delivery, error: Exception) -> Outcome:
    text = f"{type(error).__name__}: {error}"
    if is_permanent(error):
        logger.warning("Delivery %s to %s refused: %s", delivery.pk, delivery.email, text)
        return _finish(delivery, DeliveryStatus.FAILED, error=REFUSED + text)
    if delivery.attempts >= MAX_ATTEMPTS:
        return _finish(
            delivery, DeliveryStatus.FAILED, error=f"Gave up after {delivery.attempts}: {text}"
        )
    logger.info("Delivery %s deferred (attempt %s): %s", delivery.pk, delivery.attempts, text)
    return _finish(delivery, DeliveryStatus.RETRYING, error=text)


def is_permanent(error: Exception) -> bool:
    """A 5xx answer: the server will never take this message for this address."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    # Disconnections, refused connections and timeouts are the server being away.
    return False


def _earlier_refusal(delivery: Delivery, now: dt.datetime) -> str:
    earlier = (
        Delivery.objects.filter(
            email__iexact=delivery.email,
            status=DeliveryStatus.FAILED,
            last_error__startswith=REFUSED,
            updated_at__gte=now - REFUSAL_MEMORY,
        )
        .exclude(pk=delivery.pk)
        .order_by("-updated_at")
        .first()
    )
    if earlier is None:
        return ""
    return f"{REFUSED}not sent: the address was refused for delivery {earlier.pk}."


def _record_error(delivery_id: int, error: Exception) -> None:
    """An unexpected error (a bug, a template that cannot render) is recorded, never hidden."""
    text = f"{type(error).__name__}: {error}"[:ERROR_LIMIT]
    with transaction.atomic():
        delivery = Delivery.objects.select_for_update().filter(pk=delivery_id).first()
        if delivery is None or delivery.status in FINAL_STATUSES:
            return
        delivery.attempts += 1
        delivery.last_error = text
        delivery.status = (
            DeliveryStatus.FAILED if delivery.attempts >= MAX_ATTEMPTS else DeliveryStatus.RETRYING
        )
        delivery.save(update_fields=["attempts", "last_error", "status", "updated_at"])


def message_id_for(delivery: Delivery) -> str:
    """The same Message-ID on every attempt: derived from the delivery's unique key."""
    digest = hashlib.sha256(delivery.key.encode()).hexdigest()[:32]
    return f"<{delivery.kind}.{digest}@{_mail_domain()}>"


def _mail_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"
