"""Pages for administrators to manage a deal's subscriptions and read the delivery log.

Views are thin: reads come from ``selectors``, writes go through ``services``, and who may do
what is asked of ``core.policy``. A subscription the person may not see is a 404; these pages
are for administrators, so anyone else who may see the deal gets a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import policy
from core.errors import DomainError
from core.models import Deal
from core.views import deal_query, show_refusal
from tracker import selectors as tracker_selectors

from . import selectors, services
from .choices import Audience, DeliveryKind, DeliveryStatus, Frequency
from .forms import SubscriptionForm
from .models import Subscription

SUBSCRIPTIONS_PER_PAGE = 25
DELIVERIES_PER_PAGE = 50


# --- Helpers ----------------------------------------------------------------------------------


def _admin_deal(request: HttpRequest) -> Deal:
    deal = tracker_selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        raise Http404("You do not have a role in a deal yet.")
    if not policy.can_manage_subscriptions(request.user, deal):
        raise PermissionDenied("Only an administrator can manage the deal's subscriptions.")
    return deal


def _admin_subscription(request: HttpRequest, pk: int) -> Subscription:
    sub = selectors.subscription_for_page(request.user, pk)
    if not policy.can_manage_subscriptions(request.user, sub.deal_id):
        raise PermissionDenied("Only an administrator can manage the deal's subscriptions.")
    return sub


def _filters_query(request: HttpRequest, names: tuple[str, ...]) -> str:
    """The list's filters, kept on its pages' links."""
    query = QueryDict(mutable=True)
    for name in ("deal", *names):
        if request.GET.get(name):
            query[name] = request.GET[name]
    return f"&{query.urlencode()}" if query else ""


def preview_url(pk: int) -> str:
    """The preview page's address; the page itself belongs to the digest's own URLs."""
    try:
        return reverse("subscription-preview", args=[pk])
    except NoReverseMatch:
        return f"/subscriptions/{int(pk)}/preview/"


def describe(sub: Subscription) -> Subscription:
    """Put the words a list shows on the subscription (UK times, schedule, scope)."""
    sub.schedule_words = services.schedule_label(sub)  # type: ignore[attr-defined]
    sub.next_due_words = services.next_due_label(sub)  # type: ignore[attr-defined]
    sub.scope_words = services.scope_label(sub)  # type: ignore[attr-defined]
    return sub


def _page(request: HttpRequest, template: str, deal: Deal, **context: Any) -> HttpResponse:
    return render(
        request,
        f"briefings/manage/{template}",
        {"deal": deal, "deal_query": deal_query(request), **context},
    )


def _back(request: HttpRequest, default: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


# --- Subscriptions ----------------------------------------------------------------------------


def subscription_list(request: HttpRequest) -> HttpResponse:
    deal = _admin_deal(request)
    subs = selectors.filter_subscriptions(
        selectors.subscriptions_for(request.user).filter(deal=deal),
        audience=request.GET.get("audience", ""),
        frequency=request.GET.get("frequency", ""),
        active=request.GET.get("active", ""),
    ).order_by("-is_active", "next_due_at", "pk")
    page = Paginator(subs, SUBSCRIPTIONS_PER_PAGE).get_page(request.GET.get("page"))
    rows = [(describe(sub), preview_url(sub.pk)) for sub in page.object_list]
    return _page(
        request,
        "subscription_list.html",
        deal,
        page=page,
        rows=rows,
        page_numbers=page.paginator.get_elided_page_range(page.number),
        page_query=_filters_query(request, ("audience", "frequency", "active")),
        audiences=Audience.choices,
        frequencies=Frequency.choices,
        chosen={k: request.GET.get(k, "") for k in ("audience", "frequency", "active")},
    )


def subscription_create(request: HttpRequest) -> HttpResponse:
    deal = _admin_deal(request)
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        people=selectors.subscribable_people(deal),
        **selectors.scope_choices(deal),
    )
    if form.is_bound and form.is_valid():
        try:
            sub = services.subscription_create(
                deal=deal, acting_user=policy.signed_in(request.user), **form.values()
            )
        except (ValidationError, DomainError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{sub.display_name} subscribed")
            return redirect(reverse("subscription-list") + deal_query(request))
    return _page(request, "subscription_form.html", deal, form=form, subscription=None)


def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _admin_subscription(request, pk)
    if sub.erased_at is not None:
        return redirect(reverse("subscription-erase", args=[sub.pk]) + deal_query(request))
    form = SubscriptionForm(
        request.POST if request.method == "POST" else None,
        people=selectors.subscribable_people(sub.deal),
        subscription=sub,
        **selectors.scope_choices(sub.deal),
    )
    if form.is_bound and form.is_valid():
        try:
            sub = services.subscription_update(
                subscription=sub, acting_user=policy.signed_in(request.user), **form.values()
            )
        except (ValidationError, DomainError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"Subscription of {sub.display_name} saved")
            return redirect(reverse("subscription-list") + deal_query(request))
    return _page(
        request,
        "subscription_form.html",
        sub.deal,
        form=form,
        subscription=describe(sub),
    )


def _set_active(request: HttpRequest, pk: int, active: bool) -> HttpResponse:
    sub = _admin_subscription(request, pk)
    try:
        sub = services.subscription_set_active(
            subscription=sub, acting_user=policy.signed_in(request.user), active=active
        )
    except ValidationError as error:
        messages.error(request, f"{sub.display_name}: {' '.join(error.messages)}")
    else:
        words = "turned on" if active else "turned off"
        messages.success(request, f"Subscription of {sub.display_name} {words}")
    return _back(request, reverse("subscription-list") + deal_query(request))


@require_POST
def subscription_activate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, True)


@require_POST
def subscription_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _set_active(request, pk, False)


def subscription_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """Erase an external subscriber's address and name at their request, after a page that
    says what will go."""
    sub = _admin_subscription(request, pk)
    error = ""
    if request.method == "POST":
        try:
            erased = services.subscriber_erase(
                subscription=sub, acting_user=policy.signed_in(request.user)
            )
        except ValidationError as refusal:
            error = " ".join(refusal.messages)
        else:
            messages.success(
                request,
                f"Erased from {erased.subscriptions} "
                f"subscription{pluralize(erased.subscriptions)} and {erased.deliveries} "
                f"deliver{pluralize(erased.deliveries, 'y,ies')} in the log",
            )
            return redirect(reverse("subscription-list") + deal_query(request))
    subs, deliveries = services.erasure_scope(sub)
    status = 400 if error else 200
    response = _page(
        request,
        "subscription_erase.html",
        sub.deal,
        subscription=sub,
        error=error,
        subscription_count=subs.count(),
        delivery_count=deliveries.count(),
    )
    response.status_code = status
    return response


# --- The delivery log -------------------------------------------------------------------------


def delivery_list(request: HttpRequest) -> HttpResponse:
    deal = _admin_deal(request)
    deliveries = selectors.filter_deliveries(
        selectors.deliveries_for(request.user),
        status=request.GET.get("status", ""),
        kind=request.GET.get("kind", ""),
    )
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return _page(
        request,
        "delivery_list.html",
        deal,
        page=page,
        rows=[(d, services.uk_time_label(d.slot)) for d in page.object_list],
        page_numbers=page.paginator.get_elided_page_range(page.number),
        page_query=_filters_query(request, ("status", "kind")),
        statuses=DeliveryStatus.choices,
        kinds=DeliveryKind.choices,
        chosen={k: request.GET.get(k, "") for k in ("status", "kind")},
    )


def briefing_request_list(request: HttpRequest) -> HttpResponse:
    """The core team's open requests for a briefing session, oldest first. Each is answered by
    email (the request names the address) and marked arranged or declined in the admin."""
    deal = _admin_deal(request)
    requests = selectors.open_briefing_requests(request.user).filter(deal=deal)
    page = Paginator(requests, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    return _page(
        request,
        "briefing_request_list.html",
        deal,
        page=page,
        rows=[(r, services.uk_time_label(r.created_at)) for r in page.object_list],
        page_numbers=page.paginator.get_elided_page_range(page.number),
        page_query=_filters_query(request, ()),
    )
