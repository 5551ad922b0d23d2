"""Every write to a subscription goes through here.

Administrators of a deal manage every subscription of it, external partner addresses included;
anyone else with a role in the deal manages only their own. Each service is atomic, locks the
row it changes, checks the acting person may do it (``core.policy``) and the rules below,
and raises ``ValidationError`` with a message per field for bad input:

- An external address (no user) receives the partner digest only, and so does a person who may
  not see OFFICIAL-SENSITIVE material (a partner).
- A theme's digest names a theme of the deal; chosen workstreams are of the deal, at least one,
  and only for that scope; chosen missions likewise, at least one and only for theirs; the
  engagement scope names an organisation, and only that scope does.
- The day fits the frequency: a weekday (0 is Monday) for weekly and fortnightly digests, a day
  of the month (1 to 28) for monthly ones.

``next_due_at`` is the first slot after now (``schedule.first_slot_after``) when a subscription
is created, turned back on or given another schedule; it is empty while inactive.
``covered_until`` belongs to the sending code: these services never move it.

At an external subscriber's request an administrator erases their address, name and
organisation (``subscriber_erase``); an erased subscription can be neither changed nor turned on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core import policy
from core.models import Deal
from tracker.models import Workstream

from .choices import (
    FINAL_STATUSES,
    Audience,
    BriefingRequestStatus,
    DeliveryKind,
    DeliveryStatus,
    Frequency,
    Scope,
)
from .models import WEEKLY_KINDS, BriefingRequest, Delivery, Subscription
from .schedule import UK, first_slot_after

if TYPE_CHECKING:
    from accounts.models import User

# What a caller may set; the rest (next due, covered until, activity) the services keep.
SUBSCRIPTION_FIELDS = (
    "user",
    "email",
    "name",
    "organisation",
    "audience",
    "frequency",
    "day",
    "send_at",
    "scope",
    "theme",
    "workstreams",
    "missions",
    "engaged_organisation",
)
# The many-to-many choices of a scope, saved after the row.
CHOSEN = ("workstreams", "missions")
SCHEDULE_FIELDS = ("frequency", "day", "send_at")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

ONLY_OWN = "You can only manage your own subscriptions."
NOT_IN_DEAL = "You can only subscribe to the briefings of a deal you hold a role in."


# --- Display ----------------------------------------------------------------------------------


def uk_time_label(moment: dt.datetime | None) -> str:
    """A moment as UK people read it, with the clock it is on: "Monday 6 April 2026, 08:00 BST"."""
    if moment is None:
        return ""
    local = moment.astimezone(UK)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def next_due_label(subscription: Subscription) -> str:
    """When the next digest is due, in UK time; "Not scheduled (turned off)" while inactive."""
    if not subscription.is_active or subscription.next_due_at is None:
        return "Not scheduled (turned off)"
    return uk_time_label(subscription.next_due_at)


def schedule_label(subscription: Subscription) -> str:
    """ "Weekly on Monday at 08:00", "Monthly on day 3 at 17:30" (UK time)."""
    frequency = subscription.get_frequency_display()
    send_at = subscription.send_at
    at = send_at.strftime("%H:%M") if isinstance(send_at, dt.time) else str(send_at)[:5]
    if subscription.frequency == Frequency.MONTHLY:
        return f"{frequency} on day {subscription.day} at {at}"
    return f"{frequency} on {WEEKDAYS[subscription.day]} at {at}"


def scope_label(subscription: Subscription) -> str:
    """ "The whole deal", "Theme: Transport", "Workstreams: Buses, Skills" (the workstreams as
    prefetched, so a list reads them once)."""
    if subscription.scope == Scope.THEME and subscription.theme is not None:
        return f"Theme: {subscription.theme.name}"
    if subscription.scope == Scope.WORKSTREAMS:
        names = sorted(ws.name for ws in subscription.workstreams.all())
        return "Workstreams: " + ", ".join(names)
    if subscription.scope == Scope.MISSIONS:
        numbers = sorted(m.number for m in subscription.missions.all())
        return "Missions: " + ", ".join(str(n) for n in numbers)
    if subscription.scope == Scope.ENGAGEMENT and subscription.engaged_organisation is not None:
        return f"Engaging {subscription.engaged_organisation.name}"
    return str(Scope(subscription.scope).label)


# --- Rules ------------------------------------------------------------------------------------


def _check_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError({name: "This can't be set here" for name in sorted(unknown)})


def _check_allowed(acting_user: User, deal_id: int, subscriber_id: int | None) -> None:
    if policy.can_manage_subscriptions(acting_user, deal_id):
        return
    if not policy.can_subscribe(acting_user, deal_id):
        raise PermissionDenied(NOT_IN_DEAL)
    if subscriber_id != acting_user.pk:
        raise PermissionDenied(ONLY_OWN)


def _day_error(frequency: str, day: Any) -> str | None:
    if not isinstance(day, int) or isinstance(day, bool):
        return "Enter the day as a number"
    if frequency in WEEKLY_KINDS and not 0 <= day <= 6:
        return "Choose a weekday (0 is Monday, 6 is Sunday)"
    if frequency == Frequency.MONTHLY and not 1 <= day <= 28:
        return "Choose a day of the month from 1 to 28"
    return None


def _audience_error(deal_id: int, user: User | None, audience: str) -> str | None:
    if audience == Audience.PARTNER:
        return None
    if user is None:
        return "An external address receives the partner digest only"
    if not policy.can_see_sensitive(user, deal_id):
        return (
            f"{user.full_name or user.email} may not see OFFICIAL-SENSITIVE material: choose "
            "the partner digest"
        )
    return None


Chosen = dict[str, list[Any]]  # "workstreams" and "missions": what the scope chose


def _scope_errors(sub: Subscription, chosen: Chosen) -> dict[str, str]:
    deal_id, scope, theme = sub.deal_id, sub.scope, sub.theme
    workstreams, missions = chosen["workstreams"], chosen["missions"]
    errors = {}
    if scope == Scope.THEME:
        if theme is None:
            errors["theme"] = "Choose a theme"
        elif theme.deal_id != deal_id:
            errors["theme"] = "Choose a theme of this deal"
    elif theme is not None:
        errors["theme"] = "Choose a theme only for a theme's digest"
    if scope == Scope.WORKSTREAMS:
        if not workstreams:
            errors["workstreams"] = "Choose at least one workstream"
        elif any(ws.deal_id != deal_id for ws in workstreams):
            errors["workstreams"] = "Choose workstreams of this deal"
    elif workstreams:
        errors["workstreams"] = "Choose workstreams only for a digest of chosen workstreams"
    if scope == Scope.MISSIONS and not missions:
        errors["missions"] = "Choose at least one mission"
    elif scope != Scope.MISSIONS and missions:
        errors["missions"] = "Choose missions only for a digest of chosen missions"
    if scope == Scope.ENGAGEMENT and sub.engaged_organisation_id is None:
        errors["engaged_organisation"] = "Choose the organisation whose engagements it follows"
    elif scope != Scope.ENGAGEMENT and sub.engaged_organisation_id is not None:
        errors["engaged_organisation"] = (
            "Choose an organisation only for a digest of the workstreams engaging it"
        )
    return errors


def _typed(sub: Subscription, errors: dict[str, str]) -> None:
    """The day and time as numbers and times, however they were given (the model's default
    time is a string)."""
    for name, message in (("day", "Enter the day as a number"), ("send_at", "Enter a time")):
        try:
            field = sub._meta.get_field(name)
            assert isinstance(field, models.Field)  # day and send_at are columns, not relations
            setattr(sub, name, field.to_python(getattr(sub, name)))
        except ValidationError:
            errors[name] = message


def _validate(
    sub: Subscription,
    chosen: Chosen,
    *,
    reschedule: bool,
    now: dt.datetime | None,
) -> None:
    """Every rule, with a message per field; then, when asked, the next slot of its (new)
    schedule; the model's constraints are the last word."""
    errors: dict[str, str] = {}
    _typed(sub, errors)
    if sub.user is not None and not policy.can_subscribe(sub.user, sub.deal_id):
        errors["user"] = "Choose someone with a role in this deal, or enter an external address"
    if sub.user is None and not sub.email:
        errors["email"] = "Enter an email address, or choose a person"
    if sub.user is not None and sub.email:
        errors["email"] = "Leave the address empty for a person with an account: theirs is used"
    if sub.audience not in Audience.values:
        errors["audience"] = "Choose the partner or internal digest"
    elif message := _audience_error(sub.deal_id, sub.user, sub.audience):
        errors["audience"] = message
    if sub.frequency not in Frequency.values:
        errors["frequency"] = "Choose weekly, fortnightly or monthly"
    elif "day" not in errors and (message := _day_error(sub.frequency, sub.day)):
        errors["day"] = message
    if "send_at" not in errors and not isinstance(sub.send_at, dt.time):
        errors["send_at"] = "Enter a time of day, like 08:00"
    if sub.scope not in Scope.values:
        errors["scope"] = "Choose what the digest covers"
    else:
        errors |= _scope_errors(sub, chosen)
    if errors:
        raise ValidationError(errors)
    if reschedule:
        sub.next_due_at = _next_due(sub, now)
    sub.full_clean(exclude=["deal", "created_by"])


def _next_due(sub: Subscription, now: dt.datetime | None) -> dt.datetime:
    return first_slot_after(sub.frequency, sub.day, sub.send_at, now or timezone.now())


# --- Services ---------------------------------------------------------------------------------


def subscription_create(
    *, deal: Deal, acting_user: User, now: dt.datetime | None = None, **fields: Any
) -> Subscription:
    """Subscribe someone to the deal's digest, active and due at its first slot after now.

    Without a ``user`` or an ``email`` the subscription is for the acting person themselves.
    """
    _check_fields(fields)
    if fields.get("user") is None and not fields.get("email"):
        fields["user"] = acting_user
    subscriber = fields.get("user")
    _check_allowed(acting_user, deal.pk, subscriber.pk if subscriber else None)
    chosen = {name: list(fields.pop(name, None) or []) for name in CHOSEN}
    sub = Subscription(deal=deal, created_by=acting_user, is_active=True, **fields)
    _validate(sub, chosen, reschedule=True, now=now)
    with transaction.atomic():
        sub.save()
        _set_chosen(sub, chosen)
    return sub


def _set_chosen(sub: Subscription, chosen: Mapping[str, list[Any] | None]) -> None:
    for name, values in chosen.items():
        if values is not None:
            getattr(sub, name).set(values)


def _current(sub: Subscription, chosen: Mapping[str, list[Any] | None]) -> Chosen:
    """What the scope will have chosen: the new choices, or the ones it has."""
    return {
        name: values if values is not None else list(getattr(sub, name).all())
        for name, values in chosen.items()
    }


def _schedule(sub: Subscription) -> tuple[Any, ...]:
    return tuple(getattr(sub, name) for name in SCHEDULE_FIELDS)


def subscription_check(
    *,
    deal: Deal,
    acting_user: User,
    subscription: Subscription | None = None,
    **fields: Any,
) -> None:
    """Raise what ``subscription_create`` (or ``subscription_update`` of ``subscription``)
    would raise for these values, writing nothing: for forms that must say so before saving."""
    _check_fields(fields)
    if subscription is None:
        sub = Subscription(deal=deal, created_by=acting_user, is_active=True)
    else:
        sub = Subscription.objects.select_related("user", "theme").get(pk=subscription.pk)
        _check_allowed(acting_user, sub.deal_id, sub.user_id)
        if sub.erased_at is not None:
            raise ValidationError(ALREADY_ERASED)
    subscriber = fields.get("user", sub.user if subscription else None)
    _check_allowed(acting_user, deal.pk, subscriber.pk if subscriber else None)
    chosen = _apply(sub, dict(fields))
    _validate(sub, _current(sub, chosen), reschedule=sub.is_active, now=None)


def _locked(subscription: Subscription) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("user", "theme")
        .get(pk=subscription.pk)
    )


def _apply(sub: Subscription, fields: dict[str, Any]) -> dict[str, list[Any] | None]:
    """Put the new values on the row; the workstreams and missions to set (None to keep them).
    A scope left behind takes its theme, organisation, workstreams or missions with it, unless
    they were given again."""
    new: dict[str, list[Any] | None] = {}
    for name in CHOSEN:
        given = fields.pop(name, None)
        new[name] = list(given) if given is not None else None
    for name, value in fields.items():
        setattr(sub, name, value)
    if sub.scope != Scope.THEME and "theme" not in fields:
        sub.theme = None
    if sub.scope != Scope.ENGAGEMENT and "engaged_organisation" not in fields:
        sub.engaged_organisation = None
    for name, scope in (("workstreams", Scope.WORKSTREAMS), ("missions", Scope.MISSIONS)):
        if sub.scope != scope and new[name] is None:
            new[name] = []
    return new


def subscription_update(
    *,
    subscription: Subscription,
    acting_user: User,
    now: dt.datetime | None = None,
    **fields: Any,
) -> Subscription:
    """Change a subscription. A new frequency, day or time makes it due at the new schedule's
    first slot after now; what it has already reported on (``covered_until``) stays."""
    _check_fields(fields)
    with transaction.atomic():
        sub = _locked(subscription)
        _check_allowed(acting_user, sub.deal_id, sub.user_id)
        if sub.erased_at is not None:
            raise ValidationError(ALREADY_ERASED)
        if "user" in fields:
            new_user = fields["user"]
            _check_allowed(acting_user, sub.deal_id, new_user.pk if new_user else None)
        before = _schedule(sub)
        chosen = _apply(sub, fields)
        _validate(sub, _current(sub, chosen), reschedule=False, now=now)
        if sub.is_active and _schedule(sub) != before:
            sub.next_due_at = _next_due(sub, now)
        sub.save()
        _set_chosen(sub, chosen)
    return sub


def subscription_set_active(
    *,
    subscription: Subscription,
    acting_user: User,
    active: bool,
    now: dt.datetime | None = None,
) -> Subscription:
    """Turn a subscription off (nothing is due) or back on (due at its first slot after now).

    Turning it back on checks it again, as the subscriber's role may have changed since. Anyone
    may turn their own subscription off, even after losing their role in the deal.
    """
    with transaction.atomic():
        sub = _locked(subscription)
        own = sub.user_id is not None and sub.user_id == acting_user.pk
        if active or not own:
            _check_allowed(acting_user, sub.deal_id, sub.user_id)
        if sub.is_active == active:
            return sub
        if sub.erased_at is not None:
            raise ValidationError(ALREADY_ERASED)
        sub.is_active = active
        if active:
            _validate(sub, _current(sub, dict.fromkeys(CHOSEN)), reschedule=True, now=now)
            # Turned on again by someone who may: an earlier unsubscribe no longer applies.
            sub.unsubscribed_at = None
        else:
            sub.next_due_at = None
        sub.save()
    return sub


# --- Erasure ----------------------------------------------------------------------------------

ERASE_ACCOUNT = (
    "A subscriber with an account is not erased here: turn their subscriptions off, or close "
    "their account, and no briefing is sent to them."
)
ALREADY_ERASED = "This subscription was erased at the subscriber's request."


@dataclass(frozen=True)
class Erased:
    subscriptions: int
    deliveries: int


def erasure_scope(subscription: Subscription) -> tuple[QuerySet[Subscription], QuerySet[Delivery]]:
    """What erasing a subscription's subscriber touches: every subscription of the deal to the
    same external address (in any letter case), and their deliveries."""
    subs = Subscription.objects.filter(
        deal_id=subscription.deal_id,
        user__isnull=True,
        erased_at__isnull=True,
        email__iexact=subscription.email,
    )
    return subs, Delivery.objects.filter(subscription__in=subs)


def subscriber_erase(
    *, subscription: Subscription, acting_user: User, now: dt.datetime | None = None
) -> Erased:
    """Erase an external subscriber's address, name and organisation at their request (the
    privacy notice): from every subscription of the deal to that address, and from the
    delivery log, error messages included. The subscriptions stay, off for good, so the log
    still shows what was sent and when; what was waiting to be sent is skipped."""
    now = now or timezone.now()
    with transaction.atomic():
        sub = _locked(subscription)
        if not policy.can_manage_subscriptions(acting_user, sub.deal_id):
            raise PermissionDenied("Only an administrator can erase a subscriber's data.")
        if sub.erased_at is not None:
            raise ValidationError(ALREADY_ERASED)
        if sub.user_id is not None:
            raise ValidationError(ERASE_ACCOUNT)
        address = sub.email
        subs, _ = erasure_scope(sub)
        pks = list(subs.select_for_update().values_list("pk", flat=True))
        scrubbed = 0
        for delivery in Delivery.objects.select_for_update().filter(subscription_id__in=pks):
            delivery.email = ""
            delivery.last_error = _without(delivery.last_error, address)
            if delivery.status not in FINAL_STATUSES:
                delivery.status = DeliveryStatus.SKIPPED
            delivery.save(update_fields=["email", "last_error", "status", "updated_at"])
            scrubbed += 1
        # Their requests for a briefing session stay as the core team's record, unnamed.
        BriefingRequest.objects.filter(subscription_id__in=pks, erased_at__isnull=True).update(
            name="", organisation="", email="", erased_at=now, updated_at=now
        )
        Subscription.objects.filter(pk__in=pks).update(
            email="",
            name="",
            organisation="",
            is_active=False,
            next_due_at=None,
            erased_at=now,
            erased_by=acting_user,
            updated_at=now,
        )
    return Erased(subscriptions=len(pks), deliveries=scrubbed)


def _without(text: str, address: str) -> str:
    """A mail server's error with the address taken out (servers often quote it)."""
    return re.sub(re.escape(address), "[erased address]", text, flags=re.IGNORECASE)


def subscriptions_follow_merge(
    *, merged: Workstream, survivor: Workstream, acting_user: User
) -> int:
    """After a workstream merged into another, the digests of chosen workstreams that named it
    name the survivor instead (once, if they named it already), so their subscribers go on
    getting news of its work. Erased subscriptions, off for good, are left as they were; ones
    turned off follow, for when they are turned back on. Returns how many followed.

    Called by the merge, inside its transaction; a constant number of queries."""
    if not policy.can_manage_subscriptions(acting_user, merged.deal_id):
        raise PermissionDenied("Only an administrator can merge workstreams.")
    if merged.merged_into_id != survivor.pk:
        raise ValidationError({"into": f"{merged} has not merged into {survivor}"})
    chosen = Subscription.workstreams.through.objects
    pks = list(
        Subscription.objects.select_for_update()
        .filter(
            scope=Scope.WORKSTREAMS,
            erased_at__isnull=True,
            pk__in=chosen.filter(workstream=merged).values("subscription"),
        )
        .values_list("pk", flat=True)
    )
    if not pks:
        return 0
    # One row per subscription and workstream: where the survivor is chosen already, the
    # merged workstream's row goes; elsewhere it names the survivor.
    already = chosen.filter(subscription__in=pks, workstream=survivor).values("subscription")
    chosen.filter(subscription__in=already, workstream=merged).delete()
    chosen.filter(subscription__in=pks, workstream=merged).update(workstream=survivor)
    Subscription.objects.filter(pk__in=pks).update(updated_at=timezone.now())
    return len(pks)


# --- Requests for a briefing session ------------------------------------------------------------


def briefing_request_create(
    *,
    subscription: Subscription,
    name: str,
    organisation: str,
    email: str,
    topics: str,
    format: str,
    preferred_dates: str,
    now: dt.datetime | None = None,
) -> BriefingRequest:
    """Record a partner's request for a briefing session as a task for the deal's core team,
    and queue one email to the core team's address (``Deal.contact_email``) once it is saved.

    The email is a ``Delivery`` with a key unique to the request, sent under the delivery's row
    lock (``sending.deliver``): however often the task is retried, it goes once. No account is
    needed: the caller has checked the signed link that names the subscription."""
    request = BriefingRequest(
        deal_id=subscription.deal_id,
        subscription=subscription,
        name=name.strip(),
        organisation=organisation.strip(),
        email=email.strip(),
        topics=topics.strip(),
        format=format,
        preferred_dates=preferred_dates.strip(),
    )
    try:
        request.full_clean(exclude=["deal", "subscription", "status_changed_by"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    now = now or timezone.now()
    with transaction.atomic():
        request.save()
        address = subscription.deal.contact_email
        if address:
            delivery = Delivery.objects.create(
                kind=DeliveryKind.BRIEFING_REQUEST,
                key=f"briefing-request:{request.pk}",
                subscription=subscription,
                briefing_request=request,
                email=address,
                slot=now,
            )
            transaction.on_commit(partial(_queue_delivery, delivery.pk))
    return request


def _queue_delivery(delivery_id: int) -> None:
    from .tasks import send_delivery

    send_delivery.delay(delivery_id)


def briefing_request_set_status(
    *, briefing_request: BriefingRequest, status: str, acting_user: User
) -> BriefingRequest:
    """An administrator of the deal marks a request arranged or declined (or open again)."""
    if status not in BriefingRequestStatus.values:
        raise ValidationError(
            {"status": f"Choose one of: {', '.join(BriefingRequestStatus.values)}."}
        )
    with transaction.atomic():
        request = BriefingRequest.objects.select_for_update().get(pk=briefing_request.pk)
        if not policy.can_manage_subscriptions(acting_user, request.deal_id):
            raise PermissionDenied("Only the deal's administrators handle briefing requests.")
        if request.status != status:
            request.status = status
            request.status_changed_by = acting_user
            request.save(update_fields=["status", "status_changed_by", "updated_at"])
    briefing_request.status = request.status
    briefing_request.status_changed_by = request.status_changed_by
    return request
