"""A digest's pages: read it in the browser, unsubscribe from it, and the administrators'
preview of what a subscription would receive now.

The first two are opened from an email by someone who may not be signed in: the signed token in
the address is the key (``briefings.links``). An internal digest, which may hold OFFICIAL-SENSITIVE
material, is shown only to its subscriber, signed in. Mail scanners follow links, so the unsubscribe
page changes nothing on GET; its POST is the RFC 8058 one-click unsubscribe, which a mail
client sends without a CSRF token, and which may come twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from csp.decorators import csp
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts import two_factor
from core import policy

from . import links, selectors
from .digest import DigestEmail, compose
from .models import Subscription
from .schedule import previous_slot

# A page reached through a secret link is nobody else's: not cached, indexed or referred on.
PRIVATE_HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "no-referrer",
}


def _private(response: HttpResponse) -> HttpResponse:
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def _expired(request: HttpRequest, what: str) -> HttpResponse:
    response = render(request, "briefings/digest/link_expired.html", {"what": what}, status=404)
    return _private(response)


def _html_of(email: DigestEmail) -> str:
    """The HTML part, with its links opening outside the frame it is shown in."""
    html = str(email.message.alternatives[0][0])
    return html.replace("<head>", '<head>\n<base target="_blank">', 1)


def _email_context(email: DigestEmail | None) -> dict[str, Any]:
    if email is None:
        return {"email": None}
    return {
        "email": email,
        "subject": email.message.subject,
        "html": _html_of(email),
        "text": email.message.body,
        "marking": email.context["marking"],
    }


def _linked_digest(
    request: HttpRequest, token: str
) -> tuple[Subscription, DigestEmail | None] | HttpResponse:
    """The subscription and email a view link names, or the response that refuses it."""
    try:
        link = links.read_view_token(token)
    except links.LinkExpired:
        return _expired(request, "view this briefing")
    subscription = selectors.live_subscription(link.subscription_id)
    if subscription is None:
        return _expired(request, "view this briefing")
    user = request.user
    if not policy.can_read_digest_link(user, subscription.audience, subscription.user_id):
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if user.pk == subscription.user_id and not policy.has_second_factor_if_needed(user):
            # Their own internal digest, in a session that has not given its code yet.
            return redirect(two_factor.prompt_url(user, request.get_full_path()))
        return _expired(request, "view this briefing")
    # Overdue is judged as the email judged it: at the end of its period.
    email = compose(
        subscription,
        period_start=link.period_start,
        period_end=link.period_end,
        now=link.period_end,
    )
    return subscription, email


@login_not_required  # opened from an email: the signed token is the key
def digest_view(request: HttpRequest, token: str) -> HttpResponse:
    found = _linked_digest(request, token)
    if isinstance(found, HttpResponse):
        return found
    subscription, email = found
    context = {
        "subscription": subscription,
        "unsubscribe_token": links.unsubscribe_token(subscription),
        "frame_url": reverse("digest-view-email", args=[token]),
        **_email_context(email),
    }
    return _private(render(request, "briefings/digest/view.html", context))


@login_not_required  # framed by digest_view, under the same key and the same checks
@xframe_options_sameorigin
@csp(settings.EMAIL_FRAME_POLICY)  # type: ignore[arg-type]  # django-csp types views as (request) only
def digest_view_email(request: HttpRequest, token: str) -> HttpResponse:
    found = _linked_digest(request, token)
    if isinstance(found, HttpResponse):
        return found
    return _email_document(found[1])


def _email_document(email: DigestEmail | None) -> HttpResponse:
    """The email's HTML part as a document of its own, for the frame on the digest's pages.

    Not ``srcdoc``: a ``srcdoc`` frame inherits the page's Content Security Policy, which forbids
    the inline styles every email needs. Served from its own address, the email gets its own
    policy (config/csp.py ``EMAIL_FRAME_POLICY``): its styles, and nothing else.
    """
    if email is None:
        raise Http404("Nothing to show in this briefing.")
    return _private(HttpResponse(_html_of(email), content_type="text/html; charset=utf-8"))


@login_not_required  # opened from an email, or posted by a mail client (RFC 8058)
@csrf_exempt  # the one-click POST comes from the mail client, with no CSRF token
@require_http_methods(["GET", "POST"])
def digest_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    try:
        subscription_id = links.read_unsubscribe_token(token)
    except links.LinkExpired:
        return _expired(request, "unsubscribe")
    subscription = selectors.live_subscription(subscription_id)
    if subscription is None:
        return _expired(request, "unsubscribe")
    if request.method == "POST":
        links.unsubscribe(subscription, now=timezone.now())
        template = "briefings/digest/unsubscribed.html"
    else:
        template = "briefings/digest/unsubscribe_confirm.html"
    return _private(render(request, template, {"subscription": subscription}))


def preview_period(subscription: Subscription, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """What the next digest would cover if it went now: from where the last one ended."""
    if subscription.covered_until is not None:
        start = subscription.covered_until
    else:
        slot = subscription.next_due_at or now
        start = previous_slot(subscription.frequency, subscription.day, subscription.send_at, slot)
    return min(start, now), now


def _previewed(
    request: HttpRequest, pk: int
) -> tuple[Subscription, dt.datetime, dt.datetime, DigestEmail | None]:
    subscription = selectors.live_subscription(pk)
    if subscription is None:
        raise Http404("No such subscription.")
    if not policy.can_preview_subscription(request.user, subscription.deal_id):
        # Their own subscription exists for them (a 403); anyone else's does not (a 404).
        if subscription.user_id is not None and subscription.user_id == request.user.pk:
            raise PermissionDenied("Only the deal's administrators preview digests.")
        raise Http404("No such subscription.")
    now = timezone.now()
    start, end = preview_period(subscription, now)
    return (
        subscription,
        start,
        end,
        compose(subscription, period_start=start, period_end=end, now=now),
    )


def subscription_preview(request: HttpRequest, pk: int) -> HttpResponse:
    subscription, start, end, email = _previewed(request, pk)
    context = {
        "subscription": subscription,
        "period_start": start,
        "period_end": end,
        "frame_url": reverse("subscription-preview-email", args=[pk]),
        **_email_context(email),
    }
    return _private(render(request, "briefings/digest/preview.html", context))


@xframe_options_sameorigin
@csp(settings.EMAIL_FRAME_POLICY)  # type: ignore[arg-type]  # django-csp types views as (request) only
def subscription_preview_email(request: HttpRequest, pk: int) -> HttpResponse:
    """The previewed email in the preview page's frame (composed again: it is what would go now)."""
    return _email_document(_previewed(request, pk)[3])
