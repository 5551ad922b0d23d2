"""Reads of subscriptions and the delivery log, filtered by ``core.policy`` and shaped so that
a page of them costs the same few queries however long it is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from core import policy
from core.models import Membership
from tracker.models import Workstream

from .choices import Audience, DeliveryKind, DeliveryStatus, Frequency
from .models import Delivery, Subscription

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def subscriptions_for(user: AnyUser) -> QuerySet[Subscription]:
    """The subscriptions a person may see and manage: all of the deals they administer, and
    their own. Ready to list: subscriber, theme and chosen workstreams read in bulk."""
    qs = Subscription.objects.select_related("deal", "user", "theme").prefetch_related(
        Prefetch("workstreams", queryset=Workstream.objects.order_by("name"))
    )
    return policy.visible_subscriptions(qs, user)


def subscription_for_page(user: AnyUser, pk: int) -> Subscription:
    """One subscription the person may see, or 404."""
    return get_object_or_404(subscriptions_for(user), pk=pk)


def deliveries_for(user: AnyUser) -> QuerySet[Delivery]:
    """The delivery log as an administrator may read it, newest slot first."""
    qs = Delivery.objects.select_related("subscription__user", "recipient", "workstream")
    return policy.visible_deliveries(qs, user).order_by("-slot", "-pk")


def filter_subscriptions(
    qs: QuerySet[Subscription], *, audience: str = "", frequency: str = "", active: str = ""
) -> QuerySet[Subscription]:
    """The list's filters; an empty value (or one that is not a choice) does not filter."""
    if audience in Audience.values:
        qs = qs.filter(audience=audience)
    if frequency in Frequency.values:
        qs = qs.filter(frequency=frequency)
    if active in ("yes", "no"):
        qs = qs.filter(is_active=active == "yes")
    return qs


def filter_deliveries(
    qs: QuerySet[Delivery], *, status: str = "", kind: str = ""
) -> QuerySet[Delivery]:
    if status in DeliveryStatus.values:
        qs = qs.filter(status=status)
    if kind in DeliveryKind.values:
        qs = qs.filter(kind=kind)
    return qs


def roles_of(user: User) -> list[Membership]:
    """A person's roles, deal by deal, for their profile."""
    return list(
        user.memberships.select_related("deal", "workstream").order_by(
            "deal__name", "role", "workstream__name"
        )
    )
