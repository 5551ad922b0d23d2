"""The reads every app shares: the deals a person may see, the one a page shows them, and the
organisations."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.http import Http404

from .models import Deal, Organisation

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def deals_for(user: User | AnonymousUser) -> QuerySet[Deal]:
    return Deal.objects.visible_to(user)


def deal_for(user: User | AnonymousUser, slug: str | None = None) -> Deal | None:
    """The deal a page shows: the one asked for (``?deal=``, 404 if the person may not see
    it), else the first the person may see."""
    deals = deals_for(user).order_by("pk")
    if slug:
        deal = deals.filter(slug=slug).first()
        if deal is None:
            raise Http404("No such deal.")
        return deal
    return deals.first()


def organisations() -> QuerySet[Organisation]:
    """Every organisation: organisations belong to no deal."""
    return Organisation.objects.all()
