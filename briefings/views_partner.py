"""The pages a partner subscribed by address (no account) opens from their digest: partner-safe,
read-only pages of the workstreams and proposals it names, and the form that asks the core team
for a briefing session.

The signed link is the key (``briefings.links``): it names the subscription and the page, and
works for ``PARTNER_LINK_MAX_AGE_DAYS``, while the subscription is on. What a page shows is what
a partner of the deal may see (``core.policy.partner_filter``): OFFICIAL records only, and no
talks with government. No page leads into the signed-in product, none is indexed, cached for
others or referred on. A link that has expired, been altered or outlived its subscription gets a
page that says so and how to get a fresh one, never the sign-in page.
"""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from . import links, selectors, services
from .forms import BriefingRequestForm
from .models import Subscription
from .views_digest import _private

PartnerPage = links.PartnerPage


class BriefingRequestThrottle(SimpleRateThrottle):
    """At most ``BRIEFING_REQUEST_RATE`` requests for a briefing session per subscription: a
    forwarded or leaked link cannot flood the core team's inbox. Counted in the cache by Django
    REST Framework's throttle, as the public pages are."""

    scope = "briefing-request"

    def __init__(self, subscription_id: int) -> None:
        self.subscription_id = subscription_id
        super().__init__()

    def get_rate(self) -> str:
        return str(settings.BRIEFING_REQUEST_RATE)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.subscription_id}


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    return _private(render(request, f"briefings/partner/{template}", context, status=status))


def _refused(
    request: HttpRequest, reason: str, subscription: Subscription | None = None
) -> HttpResponse:
    """Why a partner's link does not open, and how to get one that does (the deal's contact
    address, when the link is genuine enough to say whose it was)."""
    status = 410 if reason in ("expired", "stopped") else 404
    deal = subscription.deal if subscription is not None else None
    context = {
        "reason": reason,
        "deal": deal,
        "contact_email": deal.contact_email if deal is not None else "",
        "max_age_days": settings.PARTNER_LINK_MAX_AGE_DAYS,
    }
    return _page(request, "link_refused.html", context, status=status)


def _linked(
    request: HttpRequest, token: str, kinds: tuple[str, ...]
) -> tuple[links.PartnerLink, Subscription] | HttpResponse:
    """The link and its live subscription, or the page that refuses it."""
    try:
        link = links.read_partner_token(token)
    except links.PartnerLinkExpired as error:
        whose = (
            selectors.live_subscription(error.subscription_id) if error.subscription_id else None
        )
        return _refused(request, "expired", whose)
    except links.LinkExpired:
        return _refused(request, "invalid")
    if link.kind not in kinds:
        return _refused(request, "invalid")
    subscription = selectors.live_subscription(link.subscription_id)
    if subscription is None:  # erased at the subscriber's request
        return _refused(request, "stopped")
    if not subscription.is_active:
        return _refused(request, "stopped", subscription)
    return link, subscription


def _common(subscription: Subscription) -> dict[str, Any]:
    return {
        "deal": subscription.deal,
        "contact_email": subscription.deal.contact_email,
        "briefing_session_url": links.partner_url(
            subscription, PartnerPage.BRIEFING_SESSION, subscription.deal_id
        ),
    }


@login_not_required  # opened from a partner's email: the signed token is the key
@require_GET
def partner_page(request: HttpRequest, token: str) -> HttpResponse:
    found = _linked(request, token, (PartnerPage.WORKSTREAM, PartnerPage.PROPOSAL))
    if isinstance(found, HttpResponse):
        return found
    link, subscription = found
    context = _common(subscription)
    if link.kind == PartnerPage.WORKSTREAM:
        page = selectors.partner_workstream(subscription.deal_id, link.object_id)
        if page is not None:
            return _page(request, "workstream.html", {**context, "page": page})
    else:
        shown = selectors.partner_proposal(subscription.deal_id, link.object_id)
        if shown is not None:
            return _page(request, "proposal.html", {**context, "page": shown})
    # Gone, moved to another deal, or marked OFFICIAL-SENSITIVE since: not for a partner.
    return _page(request, "not_available.html", context, status=404)


@login_not_required  # opened from a partner's email: the signed token is the key
@require_http_methods(["GET", "POST"])
def partner_briefing_session(request: HttpRequest, token: str) -> HttpResponse:
    found = _linked(request, token, (PartnerPage.BRIEFING_SESSION,))
    if isinstance(found, HttpResponse):
        return found
    link, subscription = found
    if link.object_id != subscription.deal_id:
        return _refused(request, "invalid")
    context = _common(subscription)
    if request.method == "POST":
        form = BriefingRequestForm(request.POST)
        if form.is_valid():
            throttle = BriefingRequestThrottle(subscription.pk)
            if not throttle.allow_request(Request(request), APIView()):
                seconds = max(1, math.ceil(throttle.wait() or 1))
                response = _page(
                    request, "too_many_requests.html", {**context, "seconds": seconds}, 429
                )
                response["Retry-After"] = str(seconds)
                return response
            try:
                made = services.briefing_request_create(
                    subscription=subscription, **form.cleaned_data
                )
            except ValidationError as error:
                for name, errors in error.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                return _page(request, "briefing_requested.html", {**context, "made": made})
    else:
        form = BriefingRequestForm(
            initial={
                "name": subscription.name,
                "organisation": subscription.organisation,
                "email": subscription.address,
            }
        )
    response = _page(request, "briefing_session.html", {**context, "form": form})
    # The form posts to itself. Under "no-referrer" a browser sends its POST with "Origin: null",
    # which Django's CSRF check rightly refuses; "same-origin" still tells no other site anything
    # (the page links to none) and lets the form's own origin through.
    response["Referrer-Policy"] = "same-origin"
    return response
