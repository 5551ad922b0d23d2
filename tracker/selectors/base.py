"""What every read of the tracker shares: the deals a person may see, and the one a page shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from accounts import policy

from ..models import Deal

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def deals_for(user: AnyUser) -> QuerySet[Deal]:
    return policy.visible_in_deals(Deal.objects.all(), user, "pk")


def deal_for(user: AnyUser, slug: str | None = None) -> Deal | None:
    """The deal a page shows: the one asked for, else the first the person may see."""
    deals = deals_for(user).order_by("pk")
    if slug:
        deal = deals.filter(slug=slug).first()
        if deal is None:
            raise Http404("No such deal.")
        return deal
    return deals.first()
