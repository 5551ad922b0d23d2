"""Sending what is due, exactly once: claiming due digests, and delivering any owed email.

Two steps, each safe to run twice or at the same time:

- ``claim_due`` locks the due subscriptions, a batch at a time (a claimer passes over the rows
  another holds), moves each one's ``next_due_at`` on and, in the same transaction, writes the
  ``Delivery`` for its slot. The delivery's unique key, and the one-digest-per-slot constraint,
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
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import IntegrityError, OperationalError, connections, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from . import schedule
from .choices import FINAL_STATUSES, DeliveryKind, DeliveryStatus
from .models import Delivery, Subscription

if TYPE_CHECKING:
    from accounts.models import User

    from .digest import SharedEmail

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
ERROR = "error"  # a batch's outcome for a delivery that met an unexpected error (recorded)


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


# How many due subscriptions one transaction claims: a few statements for each batch, and
# locks held only as long as those take.
CLAIM_BATCH = 500


def claim_due(now: dt.datetime | None = None, *, all_now: bool = False) -> list[int]:
    """Claim every due digest and return the deliveries to send, with any left unsent.

    With ``all_now`` every active subscription is treated as due: its current period's digest is
    sent early, reporting up to ``now`` instead of up to its slot, and the subscription moves on
    to its next slot. The delivery still belongs to the slot it was due in, so the period is sent
    once: the scheduled send of that slot will not happen again.

    In batches of ``CLAIM_BATCH``, a transaction each: the batch's due subscriptions are locked
    (``SELECT ... FOR UPDATE SKIP LOCKED``: rows another claimer holds are its to claim, and
    are passed over), their deliveries written with one ``INSERT`` and their next slots with one
    ``UPDATE``. A claimer that finds a row locked by anything else (someone editing or stopping
    the subscription) leaves it for the next tick.
    """
    now = now or timezone.now()
    due = Subscription.objects.filter(is_active=True)
    if not all_now:
        due = due.filter(next_due_at__lte=now)
    claimed: list[int] = []
    after = 0
    while True:
        with transaction.atomic():
            batch = list(
                due.filter(pk__gt=after)
                .select_related("user")
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")[:CLAIM_BATCH]
            )
            if not batch:
                break
            after = batch[-1].pk
            claimed += _claim_batch(batch, now, early=all_now)
    return claimed + recover_stale(now, exclude=claimed)


def _claim_batch(subs: list[Subscription], now: dt.datetime, *, early: bool) -> list[int]:
    """Claim locked due subscriptions (in the caller's transaction): each one's delivery for its
    slot, and its next slot. A slot already delivered (its schedule was set back by hand) is not
    sent again, but its subscription still moves on, or every tick would stop there."""
    deliveries: list[Delivery] = []
    for sub in subs:
        slot = sub.next_due_at
        assert slot is not None  # an active subscription always has one (a check constraint)
        start = sub.covered_until or schedule.previous_slot(
            sub.frequency, sub.day, sub.send_at, slot
        )
        deliveries.append(
            Delivery(
                kind=DeliveryKind.DIGEST,
                key=f"digest:{sub.pk}:{slot.isoformat()}",
                subscription=sub,
                email=sub.address,
                slot=slot,
                period_start=start,
                period_end=min(now, slot) if early else slot,
            )
        )
        sub.next_due_at = schedule.next_slot(sub.frequency, sub.day, sub.send_at, slot, now)
    # The keys and slots already delivered: the unique constraints would refuse them.
    taken = Delivery.objects.filter(
        Q(key__in=[d.key for d in deliveries])
        | Q(kind=DeliveryKind.DIGEST, subscription__in=subs, slot__in={d.slot for d in deliveries})
    ).values_list("key", "subscription_id", "slot")
    keys = {key for key, _, _ in taken}
    slots = {(sub_id, slot) for _, sub_id, slot in taken}
    fresh = [
        d for d in deliveries if d.key not in keys and (d.subscription_id, d.slot) not in slots
    ]
    try:
        with transaction.atomic():
            created = Delivery.objects.bulk_create(fresh)
    except IntegrityError:
        # Written since the look (by anything that does not lock the subscription): one by one.
        created = [d for d in fresh if _create_unless_taken(d)]
    _move_on(subs)
    return [d.pk for d in created]


# Subscriptions due together mostly move on to the same next slot (the same schedule): one
# ``UPDATE`` for each next slot costs far less than ``bulk_update``'s ``CASE`` over every row
# (which took half of claiming 10,000). Beyond this many distinct slots, ``bulk_update``.
MOVE_ON_GROUPS = 10


def _move_on(subs: list[Subscription]) -> None:
    """Write each claimed subscription's next slot (in the caller's transaction)."""
    by_slot: dict[dt.datetime | None, list[int]] = {}
    for sub in subs:
        by_slot.setdefault(sub.next_due_at, []).append(sub.pk)
    if len(by_slot) > MOVE_ON_GROUPS:
        Subscription.objects.bulk_update(subs, ["next_due_at"])
        return
    for slot, pks in by_slot.items():
        Subscription.objects.filter(pk__in=pks).update(next_due_at=slot)


def _create_unless_taken(delivery: Delivery) -> bool:
    try:
        with transaction.atomic():
            delivery.pk = None
            delivery.save(force_insert=True)
    except IntegrityError:
        return False
    return True


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


def _attempt(
    delivery: Delivery,
    now: dt.datetime,
    connection: BaseEmailBackend | None,
    batch: Batch | None = None,
) -> Outcome:
    refusal = batch.earlier_refusal(delivery) if batch else _earlier_refusal(delivery, now)
    if refusal:
        return _finish(delivery, DeliveryStatus.FAILED, error=refusal)
    message = batch.message_for(delivery) if batch else _message_for(delivery, now)
    if message is None:
        return _finish(delivery, DeliveryStatus.SKIPPED, now=now)
    message.extra_headers["Message-ID"] = delivery.message_id = message_id_for(delivery)
    delivery.subject = str(message.subject)[:250]
    delivery.attempts += 1
    try:
        if batch is not None and connection is not None:
            connection.open()  # kept open for the batch; again after a failure closed it
        (connection or get_connection()).send_messages([message])
    except (smtplib.SMTPException, OSError) as error:
        if connection is not None:
            # A shared connection is in an unknown state: the next send opens a fresh one.
            with contextlib.suppress(Exception):
                connection.close()
        if batch is not None and is_permanent(error):
            batch.refused[delivery.email.lower()] = delivery.pk
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
    covered = status in (DeliveryStatus.SENT, DeliveryStatus.SKIPPED)
    digest_of = delivery.subscription_id if delivery.kind == DeliveryKind.DIGEST else None
    if not (covered and digest_of is not None and delivery.period_end):
        delivery.save()
    elif connections[Delivery.objects.db].vendor == "postgresql":
        _save_and_cover(delivery, digest_of, delivery.period_end)
    else:
        delivery.save()
        # Only ever forward: a recovered old delivery must not move it back.
        Subscription.objects.filter(pk=digest_of).filter(
            Q(covered_until__isnull=True) | Q(covered_until__lt=delivery.period_end)
        ).update(covered_until=delivery.period_end)
    return _outcome(delivery, error)


def _save_and_cover(delivery: Delivery, subscription_id: int, until: dt.datetime) -> None:
    """``delivery.save()`` and its subscription's ``covered_until`` moved on to ``until`` (only
    ever forward), in one statement on PostgreSQL: the outcome of each send is recorded in a
    round trip fewer, as the batch sends thousands."""
    connection = connections[Delivery.objects.db]
    fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
    values = [f.get_db_prep_save(f.pre_save(delivery, False), connection) for f in fields]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
    # Names from the models' own metadata, quoted; every value a parameter.
    delivery_table, pk = quote(Delivery._meta.db_table), quote(str(Delivery._meta.pk.column))
    sql = (
        f"WITH recorded AS (UPDATE {delivery_table} SET {assignments} WHERE {pk} = %s RETURNING 1) "  # noqa: S608
        f"UPDATE {quote(Subscription._meta.db_table)} SET covered_until = %s "
        "WHERE id = %s AND (covered_until IS NULL OR covered_until < %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, delivery.pk, until, subscription_id, until])


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


# --- Delivering in batches ------------------------------------------------------------------
#
# ``deliver_batch`` sends many deliveries over one SMTP connection, each exactly as ``deliver``
# sends one: in a transaction of its own that locks its row for the attempt, leaves it alone
# once final, and records its outcome before the next one starts. A message that fails is
# recorded and the batch goes on; a worker that dies mid-batch leaves the rest pending, for the
# recovery (``recover_stale``) to queue again. What a batch saves is the work: a digest is built
# and rendered once for every delivery of the batch with the same content
# (``digest.content_key``), and the subscriptions, their readers' roles and the refused
# addresses are read once for the batch.


class Batch:
    """What a batch reads once: its digests' subscriptions (with their chosen workstreams and
    missions, and their readers' roles), the addresses refused lately, and each shared digest
    as it is first needed."""

    def __init__(
        self,
        deliveries: list[Delivery],
        now: dt.datetime,
        plan: str | None = None,
        *,
        planning: bool = False,
    ) -> None:
        from .digest import DealReads

        self.now = now
        self.emails = {d.email for d in deliveries}
        ids = {
            d.subscription_id
            for d in deliveries
            if d.kind == DeliveryKind.DIGEST and d.subscription_id is not None
        }
        subscriptions = Subscription.objects.select_related("user")
        # Planning needs only the content keys: the chosen workstreams' and missions' ids, read
        # from their link tables (Django's prefetch makes a queryset for each subscription,
        # half of planning 10,000).
        self.chosen = _chosen(ids) if planning else None
        if not planning:
            subscriptions = subscriptions.select_related(
                "deal", "theme", "engaged_organisation"
            ).prefetch_related("workstreams", "missions")
        self.subscriptions: dict[int, Subscription] = subscriptions.in_bulk(ids) if ids else {}
        _read_roles([s.user for s in self.subscriptions.values() if s.user is not None])
        self.shared: dict[tuple[object, ...], SharedEmail | None | Exception] = {}
        # What this process built for earlier batches of the same plan, lately.
        self.earlier = _earlier_builds(plan, now)
        # Each reader's records of the whole deal, read once for the batch's builds of every
        # scope (``digest.DealReads``), and for the plan's next batches in this process.
        self.reads = self.earlier.reads if self.earlier is not None else DealReads()
        self.builds = 0

    @cached_property
    def refused(self) -> dict[str, int]:
        """The batch's addresses refused lately (read when first needed: planning never does)."""
        return _refused_addresses(self.emails, self.now)

    def key_of(self, delivery: Delivery) -> tuple[object, ...] | None:
        from .digest import content_key

        subscription = self.subscriptions.get(delivery.subscription_id or 0)
        if subscription is None or delivery.kind != DeliveryKind.DIGEST:
            return None
        assert delivery.period_start is not None and delivery.period_end is not None
        chosen = None if self.chosen is None else self.chosen.get(subscription.pk, ((), ()))
        return content_key(
            subscription,
            period_start=delivery.period_start,
            period_end=delivery.period_end,
            chosen=chosen,
        )

    def earlier_refusal(self, delivery: Delivery) -> str:
        earlier = self.refused.get(delivery.email.lower())
        if earlier is None or earlier == delivery.pk:
            return ""
        return f"{REFUSED}not sent: the address was refused for delivery {earlier}."

    def message_for(self, delivery: Delivery) -> EmailMessage | None:
        """The email a delivery sends now, a copy of its shared digest for a digest.

        ``delivery.subscription`` is the subscription as it is now (read with the delivery's
        lock): one stopped since the batch began is skipped, and the copy goes to its current
        address."""
        from .digest import compose_shared

        key = self.key_of(delivery)
        if key is None:
            return _message_for(delivery, self.now)
        current = delivery.subscription
        if current is None or not current.is_active:
            return None
        if key not in self.shared and self.earlier is not None and key in self.earlier.shared:
            self.shared[key] = self.earlier.shared[key]
        if key not in self.shared:
            subscription = self.subscriptions[current.pk]
            assert delivery.period_start is not None and delivery.period_end is not None
            self.builds += 1
            try:
                self.shared[key] = compose_shared(
                    subscription,
                    period_start=delivery.period_start,
                    period_end=delivery.period_end,
                    now=self.now,
                    shared=self.reads,
                )
                if self.earlier is not None:
                    self.earlier.keep(key, self.shared[key])
            except Exception as error:  # each delivery of the key records it, as its own
                self.shared[key] = error
        shared = self.shared[key]
        if isinstance(shared, Exception):
            raise shared
        return shared.message_for(current) if shared is not None else None


# A tick's batches of one content go to different tasks (a content shared by more deliveries
# than a batch holds, or split where one batch ends), which the worker's processes take in
# turn. A process keeps what it built for one plan (the batches one tick queued), the latest
# few contents, for the plan's batches that begin within ``REUSE_SECONDS`` of its first build
# (as long as a batch sends before handing the rest on, ``tasks.BATCH_SECONDS``). Such a batch
# may send from them for as long again: what a digest shows is at most about three minutes old
# when it goes, where a batch's own build is at most a minute and a half old.
REUSE_SECONDS = 90.0
REUSE_CONTENTS = 24


class EarlierBuilds:
    """The shared digests (by content key) and the deal's records (by reader) one process
    built for a plan, from ``made`` on."""

    def __init__(self, plan: str, made: dt.datetime) -> None:
        from .digest import DealReads

        self.plan, self.made = plan, made
        self.shared: OrderedDict[tuple[object, ...], SharedEmail | None] = OrderedDict()
        self.reads = DealReads()

    def fresh_for(self, plan: str, now: dt.datetime) -> bool:
        return plan == self.plan and 0 <= (now - self.made).total_seconds() <= REUSE_SECONDS

    def keep(self, key: tuple[object, ...], shared: SharedEmail | None | Exception) -> None:
        if isinstance(shared, Exception):
            return  # an error is each batch's own to meet
        self.shared[key] = shared
        self.shared.move_to_end(key)
        while len(self.shared) > REUSE_CONTENTS:
            self.shared.popitem(last=False)


_earlier: EarlierBuilds | None = None


def _earlier_builds(plan: str | None, now: dt.datetime) -> EarlierBuilds | None:
    """This process's builds for ``plan`` if they are recent, else a new store for it; none
    without a plan (a batch on its own builds for itself)."""
    global _earlier
    if plan is None:
        return None
    if _earlier is None or not _earlier.fresh_for(plan, now):
        _earlier = EarlierBuilds(plan, now)
    return _earlier


def _chosen(ids: set[int]) -> dict[int, tuple[tuple[int, ...], tuple[int, ...]]]:
    """Each subscription's chosen workstreams' and missions' ids, each sorted (two queries)."""
    workstreams: dict[int, list[int]] = {pk: [] for pk in ids}
    missions: dict[int, list[int]] = {pk: [] for pk in ids}
    chosen = Subscription.workstreams.through.objects.filter(subscription_id__in=ids)
    for subscription_id, pk in chosen.values_list("subscription_id", "workstream_id"):
        workstreams[subscription_id].append(pk)
    linked = Subscription.missions.through.objects.filter(subscription_id__in=ids)
    for subscription_id, pk in linked.values_list("subscription_id", "mission_id"):
        missions[subscription_id].append(pk)
    return {pk: (tuple(sorted(workstreams[pk])), tuple(sorted(missions[pk]))) for pk in ids}


def _read_roles(users: list[User]) -> None:
    """Every reader's roles in one query, where ``policy`` keeps them for each person."""
    from core.models import Membership

    roles: dict[int, list[tuple[int, str, int | None]]] = {u.pk: [] for u in users}
    rows = Membership.objects.filter(user__in=list(roles)).values_list(
        "user_id", "deal_id", "role", "workstream_id"
    )
    for user_id, deal_id, role, workstream_id in rows:
        roles[user_id].append((deal_id, role, workstream_id))
    for user in users:
        user._policy_memberships = roles[user.pk]


def _refused_addresses(emails: set[str], now: dt.datetime) -> dict[str, int]:
    """The addresses among ``emails`` refused permanently within ``REFUSAL_MEMORY``, each with
    the delivery refused (the latest): ``_earlier_refusal`` for many addresses in one query."""
    if not emails:
        return {}
    rows = (
        Delivery.objects.annotate(address=Lower("email"))
        .filter(
            address__in=[e.lower() for e in emails],
            status=DeliveryStatus.FAILED,
            last_error__startswith=REFUSED,
            updated_at__gte=now - REFUSAL_MEMORY,
        )
        .order_by("updated_at")
        .values_list("address", "pk")
    )
    return dict(rows)  # the latest refusal of each address wins


def deliver_batch(
    delivery_ids: list[int],
    *,
    now: dt.datetime | None = None,
    connection: BaseEmailBackend | None = None,
    stop: Callable[[], bool] | None = None,
    interruptions: tuple[type[BaseException], ...] = (),
    plan: str | None = None,
) -> BatchResult:
    """Send each delivery unless it is already final, over one SMTP connection; record each
    outcome as ``deliver`` does, one transaction each, and go on after a failure.

    A delivery the mail server could not take now is left retrying (its outcome says so: the
    caller queues it again); an unexpected error is recorded on its delivery and logged. When
    ``stop()`` says so (the worker is shutting down) the batch ends after the delivery under
    way, and the result says which were left (still pending, for the caller or the recovery);
    so it does when one of ``interruptions`` (a task's soft time limit) is raised, the delivery
    under way then left as it was, its transaction undone. With ``plan`` (the batches one tick
    queued), digests this process built lately for the plan's other batches serve this one
    too (``EarlierBuilds``)."""
    now = now or timezone.now()
    deliveries = list(Delivery.objects.filter(pk__in=delivery_ids).order_by("pk"))
    batch = Batch(deliveries, now, plan)
    smtp = connection or get_connection()
    outcomes: list[Outcome] = []
    ordered = sorted(delivery_ids)
    try:
        for n, delivery_id in enumerate(ordered):
            if stop is not None and stop():
                return BatchResult(outcomes, batch.builds, left=ordered[n:])
            try:
                outcomes.append(_deliver_in_batch(delivery_id, now, smtp, batch))
            except interruptions:
                return BatchResult(outcomes, batch.builds, left=ordered[n:])
            except Exception as error:
                logger.exception("Delivery %s failed", delivery_id)
                with contextlib.suppress(Exception):  # the database itself may be away
                    _record_error(delivery_id, error)
                # A passing database error is worth a retry soon, as ``send_delivery`` retries
                # it; anything else waits for the recovery, as an error of ``deliver`` does.
                status = DeliveryStatus.RETRYING if isinstance(error, OperationalError) else ERROR
                outcomes.append(Outcome(delivery_id, status, "", "", f"{error}"[:ERROR_LIMIT]))
    finally:
        if connection is None:
            with contextlib.suppress(Exception):
                smtp.close()
    return BatchResult(outcomes, batch.builds)


@dataclass(frozen=True)
class BatchResult:
    outcomes: list[Outcome]
    builds: int  # digests built and rendered: one for each content key in the batch
    left: list[int] = field(default_factory=list)  # not attempted: the batch was stopped


def _deliver_in_batch(
    delivery_id: int, now: dt.datetime, connection: BaseEmailBackend, batch: Batch
) -> Outcome:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("subscription", "subscription__user")
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            return Outcome(delivery_id, "missing", "", "")
        if delivery.status in FINAL_STATUSES:
            return _outcome(delivery, "already final")
        return _attempt(delivery, now, connection, batch)


def plan_batches(delivery_ids: list[int], size: int) -> list[list[int]]:
    """The deliveries in batches of at most ``size``, those with the same content next to each
    other, so that each content is built in as few batches as may be (its deliveries split only
    where there are more than ``size``)."""
    deliveries = list(Delivery.objects.filter(pk__in=delivery_ids).order_by("pk"))
    batch = Batch(deliveries, timezone.now(), planning=True)
    groups: dict[object, list[int]] = {}
    for delivery in deliveries:
        groups.setdefault(batch.key_of(delivery) or ("one", delivery.pk), []).append(delivery.pk)
    ordered = [pk for pks in groups.values() for pk in pks]
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


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
