"""The signed links a digest carries: "view in browser", one-click unsubscribe and, in the digest
of a partner subscribed by address (no account), links to partner-safe pages of the workstreams
and proposals it names and to the form that asks for a briefing session.

All are ``django.core.signing`` tokens (HMAC with the site's secret key, a salt per purpose, a
timestamp), so that nobody can make one for another subscription or period, and an old one
stops working. Neither needs a row in the database: the token is the proof.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse

from .emails import absolute
from .models import Subscription

VIEW_SALT = "briefings.digest.view"
UNSUBSCRIBE_SALT = "briefings.digest.unsubscribe"
PARTNER_SALT = "briefings.partner.page"
# A digest can be read in the browser for about two months after it was sent.
VIEW_MAX_AGE = dt.timedelta(days=60)
# Someone who finds last year's digest can still stop the emails from it.
UNSUBSCRIBE_MAX_AGE = dt.timedelta(days=400)


class LinkExpired(Exception):
    """The token is not one this site made for this purpose, or it is too old."""


class PartnerLinkExpired(LinkExpired):
    """A partner's link this site made, now too old: ``subscription_id`` says whose it was, so
    the page can name the deal's contact address."""

    def __init__(self, message: str, subscription_id: int | None) -> None:
        super().__init__(message)
        self.subscription_id = subscription_id


class PartnerPage:
    """What a partner's link opens: a workstream's page, a proposal's, or the form that asks
    for a briefing session (whose object is the subscription's deal)."""

    WORKSTREAM = "w"
    PROPOSAL = "p"
    BRIEFING_SESSION = "b"
    KINDS = (WORKSTREAM, PROPOSAL, BRIEFING_SESSION)


@dataclass(frozen=True)
class PartnerLink:
    subscription_id: int
    kind: str
    object_id: int


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


def partner_link_max_age() -> dt.timedelta:
    return dt.timedelta(days=settings.PARTNER_LINK_MAX_AGE_DAYS)


def uses_partner_links(subscription: Subscription) -> bool:
    """A subscriber with no account cannot open the signed-in pages: their digest links to the
    partner-safe ones. Someone with an account keeps the normal links."""
    return subscription.user_id is None


def partner_token(
    subscription: Subscription,
    kind: str,
    object_id: int,
    *,
    signer: signing.TimestampSigner | None = None,
) -> str:
    """What ``signing.dumps`` makes of the link's subject; with ``signer`` (made for
    ``PARTNER_SALT``), signed by it rather than by a new one."""
    if kind not in PartnerPage.KINDS:
        raise ValueError(f"Unknown partner page {kind!r}.")
    payload = {"s": subscription.pk, "k": kind, "o": object_id}
    if signer is None:
        return signing.dumps(payload, salt=PARTNER_SALT)
    return signer.sign_object(payload)


def read_partner_token(token: str, *, max_age: dt.timedelta | None = None) -> PartnerLink:
    """The subscription, page kind and object a partner's link names. Raises
    ``PartnerLinkExpired`` for a genuine link past its age, ``LinkExpired`` for anything else."""
    try:
        payload = signing.loads(token, salt=PARTNER_SALT, max_age=max_age or partner_link_max_age())
    except signing.SignatureExpired as error:
        raise PartnerLinkExpired(str(error), _whose(token)) from error
    except signing.BadSignature as error:
        raise LinkExpired(str(error)) from error
    try:
        link = PartnerLink(int(payload["s"]), str(payload["k"]), int(payload["o"]))
    except (KeyError, TypeError, ValueError) as error:
        raise LinkExpired(str(error)) from error
    if link.kind not in PartnerPage.KINDS:
        raise LinkExpired(f"Unknown partner page {link.kind!r}.")
    return link


def _whose(token: str) -> int | None:
    """The subscription a genuine but expired link was made for."""
    try:
        return int(signing.loads(token, salt=PARTNER_SALT)["s"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def partner_url(subscription: Subscription, kind: str, object_id: int) -> str:
    return PartnerLinks().url(subscription, kind, object_id)


class PartnerSigner:
    """Makes the partner tokens ``partner_token`` makes, byte for byte, many times faster: the
    token ``signing.TimestampSigner(salt=PARTNER_SALT).sign_object`` makes, with its own
    timestamp, signed with the key Django derives (``salted_hmac``: SHA-256 of the salt and the
    secret key) derived once here rather than for every token, and an HMAC already keyed with
    it copied for each. ``read_partner_token`` checks them as any other; each is still signed
    for its own subscription, page and object.

    The payload is written as Django's JSON serializer writes it (compact separators), which
    this can do by hand because it holds only integers and a page kind (one letter)."""

    def __init__(self) -> None:
        secret = settings.SECRET_KEY.encode()
        key = hashlib.sha256((PARTNER_SALT + "signer").encode() + secret).digest()
        self._keyed = hmac.new(key, digestmod=hashlib.sha256)
        self._stamp: tuple[int, str] = (-1, "")

    def token(self, subscription_id: int, kind: str, object_id: int) -> str:
        if kind not in PartnerPage.KINDS:
            raise ValueError(f"Unknown partner page {kind!r}.")
        payload = f'{{"s":{int(subscription_id)},"k":"{kind}","o":{int(object_id)}}}'
        value = _b64(payload.encode()) + ":" + self._timestamp()
        mac = self._keyed.copy()
        mac.update(value.encode())
        return value + ":" + _b64(mac.digest())

    def _timestamp(self) -> str:
        """``TimestampSigner.timestamp``: the time now, in whole seconds, in base 62."""
        now = int(time.time())
        if now != self._stamp[0]:
            self._stamp = (now, signing.b62_encode(now))
        return self._stamp[1]


def _b64(data: bytes) -> str:
    """``signing.b64_encode``: URL-safe base64 without its padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class PartnerLinks:
    """Makes many partner links, as ``partner_url`` makes each: every link still signed for its
    own subscription, page and object, with its own timestamp; but with one signer whose key is
    derived once (``PartnerSigner``), and each kind of page's address reversed once and the
    token filled in (a token is made only of characters an address carries as they are:
    letters, digits, ``-_:.``). Make one for a batch of links, not one for ever: the signer
    holds the secret key it was made with."""

    _MARK = "partner-token-goes-here"

    def __init__(self) -> None:
        self.signer = signing.TimestampSigner(salt=PARTNER_SALT)
        self.fast = PartnerSigner()
        self._addresses: dict[str, tuple[str, str]] = {}

    def url(self, subscription: Subscription, kind: str, object_id: int) -> str:
        token = self.fast.token(subscription.pk, kind, object_id)
        name = (
            "partner-briefing-session" if kind == PartnerPage.BRIEFING_SESSION else "partner-page"
        )
        if name not in self._addresses:
            before, after = absolute(reverse(name, args=[self._MARK])).split(self._MARK)
            self._addresses[name] = (before, after)
        before, after = self._addresses[name]
        return before + token + after


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
