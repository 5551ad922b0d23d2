"""Reads of provisions and their delivery reports, for the API now and the pages, exports and
dashboards to come. Every list starts from ``visible_to``: a partner never receives an
OFFICIAL-SENSITIVE provision or a report on one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, QuerySet, Subquery

from core.choices import Classification

from .models import Provision, ProvisionReport

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def latest_reports() -> QuerySet[ProvisionReport]:
    """Each provision's reports, newest period first, for a subquery on the provision."""
    return ProvisionReport.objects.filter(provision=OuterRef("pk")).order_by("-period_start")


def with_latest_report(provisions: QuerySet[Provision]) -> QuerySet[Provision]:
    """Provisions with the state, confidence and forecast of their latest report (None when
    there is none), as ``latest_state``, ``latest_confidence``, ``latest_forecast_on`` and
    ``latest_period``: one query however many provisions."""
    latest = latest_reports()
    return provisions.annotate(
        latest_state=Subquery(latest.values("state")[:1]),
        latest_confidence=Subquery(latest.values("confidence")[:1]),
        latest_forecast_on=Subquery(latest.values("forecast_on")[:1]),
        latest_period=Subquery(latest.values("period_start")[:1]),
    )


def provisions_for(user: AnyUser) -> QuerySet[Provision]:
    """The provisions a person may see, each with its latest report's ratings."""
    return with_latest_report(Provision.objects.visible_to(user))


def provision_choices(user: AnyUser) -> QuerySet[Provision]:
    """The provisions a person may name (in a report, say): those they may see."""
    return Provision.objects.visible_to(user).select_related("deal")


def reports_for(user: AnyUser) -> QuerySet[ProvisionReport]:
    """The delivery reports a person may see: those of the provisions they may see."""
    return ProvisionReport.objects.visible_to(user)


def published_provisions(deal_id: int) -> QuerySet[Provision]:
    """What the public may see of a deal: its published provisions (only OFFICIAL ones can be
    published, which the database holds), with their latest ratings."""
    return with_latest_report(
        Provision.objects.filter(
            deal_id=deal_id, is_published=True, classification=Classification.OFFICIAL
        )
    )
