"""The signed links a digest carries: "view in browser" and one-click unsubscribe.

Both are ``django.core.signing`` tokens (HMAC with the site's secret key, a salt per purpose, a
timestamp), so that nobody can make one for another subscription or period, and an old one
stops working. Neither needs a row in the database: the token is the proof.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core import signing
from django.db import transaction
from django.urls import reverse

from .emails import absolute
from .models import Subscription

VIEW_SALT = "briefings.digest.view"
UNSUBSCRIBE_SALT = "briefings.digest.unsubscribe"
# A digest can be read in the browser for about two months after it was sent.
VIEW_MAX_AGE = dt.timedelta(days=60)
# Someone who finds last year's digest can still stop the emails from it.
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=400)


class LinkExpired(Exception):
    """The token is not one this site made for this purpose, or it is too old."""


@dataclass(frozen=True)
class ViewLink:
    subscription_id: int
    period_start: dt.datetime
    period_end: dt.datetime


def _stamp(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _moment(stamp: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(stamp, tz=dt.UTC)


def view_token(
    subscription: Subscription, period_start: dt.datetime, period_end: dt.datetime
) -> str:
    payload = {"s": subscription.pk, "a": _stamp(period_start), "b": _stamp(period_end)}
    return signing.dumps(payload, salt=VIEW_SALT, compress=True)


def read_view_token(token: str, *, max_age: dt.timedelta = VIEW_MAX_AGE) -> ViewLink:
    try:
        payload = signing.loads(token, salt=VIEW_SALT, max_age=max_age)
        return ViewLink(int(payload["s"]), _moment(int(payload["a"])), _moment(int(payload["b"])))
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkExpired(str(error)) from error


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.dumps({"s": subscription.pk}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str, *, max_age: dt.timedelta = UNSUBSCRIBE_MAX_AGE) -> int:
    """The subscription a token unsubscribes."""
    try:
        return int(signing.loads(token, salt=UNSUBSCRIBE_SALT, max_age=max_age)["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise LinkExpired(str(error)) from error


def view_url(subscription: Subscription, period_start: dt.datetime, period_end: dt.datetime) -> str:
    token = view_token(subscription, period_start, period_end)
    return absolute(reverse("digest-view", args=[token]))


def unsubscribe_url(subscription: Subscription) -> str:
    return absolute(reverse("digest-unsubscribe", args=[unsubscribe_token(subscription)]))


def unsubscribe(subscription: Subscription, *, now: dt.datetime) -> bool:
    """Stop a subscription's digests; True if it was active. Doing it twice changes nothing
    more (the first time stays the time it was stopped), as a one-click POST may be repeated."""
    with transaction.atomic():
        current = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if not current.is_active:
            return False
        current.is_active = False
        current.next_due_at = None
        current.unsubscribed_at = now
        current.save(update_fields=["is_active", "next_due_at", "unsubscribed_at", "updated_at"])
    subscription.is_active, subscription.next_due_at = False, None
    subscription.unsubscribed_at = now
    return True
