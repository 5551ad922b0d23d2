"""Reads for the tracker's pages and API: each one a bounded number of queries."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404

from accounts import policy
from accounts.choices import Role
from accounts.models import Membership

from .choices import WorkstreamStatus
from .models import Deal, GovernanceBody, Proposal, StatusUpdate, Theme, Workstream

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


def status_updates_for(user: AnyUser) -> QuerySet[StatusUpdate]:
    return policy.visible_classified(StatusUpdate.objects.all(), user, "workstream__deal")


def _people_prefetch() -> Prefetch[Membership]:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(role__in=[Role.LEAD, Role.SPONSOR])
        .select_related("user")
        .order_by("role", "user__full_name", "user__email"),
        to_attr="people",
    )


def workstreams_for(user: AnyUser, *, include_inactive: bool = False) -> QuerySet[Workstream]:
    """Workstreams the person may see, with their leads, sponsor and current RAG.

    The current RAG is the newest update the person may see: a partner's view of a workstream
    whose newest update is OFFICIAL-SENSITIVE shows the newest OFFICIAL one.
    """
    latest = (
        status_updates_for(user)
        .filter(workstream=OuterRef("pk"))
        .order_by("-period_start", "-version")
    )
    qs = (
        policy.visible_in_deals(Workstream.objects.all(), user, "deal")
        .select_related("deal", "theme")
        .prefetch_related(_people_prefetch())
        .annotate(
            current_rag=Subquery(latest.values("rag")[:1]),
            current_period_start=Subquery(latest.values("period_start")[:1]),
        )
    )
    if not include_inactive:
        qs = qs.filter(status=WorkstreamStatus.ACTIVE)
    return qs


def themes_with_workstreams(user: AnyUser, deal: Deal) -> list[Theme]:
    workstreams = workstreams_for(user).filter(deal=deal)
    return list(
        Theme.objects.filter(deal=deal).prefetch_related(
            Prefetch("workstreams", queryset=workstreams, to_attr="visible_workstreams")
        )
    )


def workstream_detail(user: AnyUser, deal: Deal, slug: str) -> Workstream:
    workstream = (
        workstreams_for(user, include_inactive=True)
        .filter(deal=deal, slug=slug)
        .select_related("merged_into")
        .prefetch_related("missions", "indicators__framework")
        .first()
    )
    if workstream is None:
        raise Http404("No such workstream.")
    return workstream


def proposals_for(user: AnyUser) -> QuerySet[Proposal]:
    return policy.visible_classified(Proposal.objects.all(), user, "deal")


def bodies_for(user: AnyUser) -> QuerySet[GovernanceBody]:
    return policy.visible_in_deals(GovernanceBody.objects.all(), user, "deal")


def people_in(workstream: Workstream) -> tuple[list[object], object | None]:
    """Leads and the sponsor of a workstream fetched by ``workstreams_for``."""
    people: list[Membership] = getattr(workstream, "people", [])
    leads = [m.user for m in people if m.role == Role.LEAD]
    sponsor = next((m.user for m in people if m.role == Role.SPONSOR), None)
    return leads, sponsor
