"""The person's own page: who they are, the roles they hold, and the digests they receive, which
they add, change and turn off or on here.

Thin, as every view: the subscription rules are the briefings services', and a subscription that
is not the person's own is "not found" here (administrators manage others' on their own pages).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts import two_factor
from core import policy
from core.errors import DomainError
from core.models import Deal
from core.views import show_refusal
from tracker import selectors as tracker_selectors

from . import selectors, services
from .forms import SubscriptionForm
from .models import Subscription
from .views_manage import describe


def _own(request: HttpRequest, pk: int) -> Subscription:
    user = policy.signed_in(request.user)
    return get_object_or_404(selectors.subscriptions_for(user).filter(user=user), pk=pk)


def _form(request: HttpRequest, deal: Deal, sub: Subscription | None) -> SubscriptionForm:
    return SubscriptionForm(
        request.POST if request.method == "POST" else None,
        internal_allowed=policy.can_see_sensitive(request.user, deal),
        subscription=sub,
        **selectors.scope_choices(deal),
    )


def profile(request: HttpRequest) -> HttpResponse:
    user = policy.signed_in(request.user)
    subs = selectors.subscriptions_for(user).filter(user=user).order_by("deal__name", "pk")
    deal = tracker_selectors.deal_for(user)
    return render(
        request,
        "accounts/profile.html",
        {
            "person": user,
            "roles": selectors.roles_of(user),
            "subscriptions": [describe(sub) for sub in subs],
            "may_subscribe": deal is not None,
            "second_factor": two_factor.is_required(user),
        },
    )


def subscription_create(request: HttpRequest) -> HttpResponse:
    deal = tracker_selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        raise Http404("You do not have a role in a deal yet.")
    form = _form(request, deal, None)
    if form.is_bound and form.is_valid():
        try:
            services.subscription_create(
                deal=deal,
                acting_user=policy.signed_in(request.user),
                user=request.user,
                **form.values(),
            )
        except (ValidationError, DomainError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, "You are subscribed to the digest")
            return redirect("profile")
    return render(
        request,
        "accounts/subscription_form.html",
        {"form": form, "deal": deal, "subscription": None},
    )


def subscription_edit(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _own(request, pk)
    form = _form(request, sub.deal, sub)
    if form.is_bound and form.is_valid():
        try:
            services.subscription_update(
                subscription=sub, acting_user=policy.signed_in(request.user), **form.values()
            )
        except (ValidationError, DomainError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, "Your subscription is saved")
            return redirect("profile")
    return render(
        request,
        "accounts/subscription_form.html",
        {"form": form, "deal": sub.deal, "subscription": describe(sub)},
    )


@require_POST
def subscription_set_active(request: HttpRequest, pk: int) -> HttpResponse:
    sub = _own(request, pk)
    active = request.POST.get("active") == "on"
    try:
        services.subscription_set_active(
            subscription=sub, acting_user=policy.signed_in(request.user), active=active
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        words = "on" if active else "off"
        messages.success(
            request, f"Your subscription to the {sub.deal.short_name} digest is {words}"
        )
    return redirect(reverse("profile"))
