"""Reads of subscriptions and the delivery log, filtered by ``core.policy`` and shaped so that
a page of them costs the same few queries however long it is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from core import policy
from core.choices import Role
from core.models import Deal, Membership
from tracker.choices import RiskStatus
from tracker.models import Decision, Proposal, Risk, StatusUpdate, Theme, Workstream

from .choices import Audience, BriefingRequestStatus, DeliveryKind, DeliveryStatus, Frequency
from .models import BriefingRequest, Delivery, Subscription

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    AnyUser = User | AnonymousUser


def subscriptions_for(user: AnyUser) -> QuerySet[Subscription]:
    """The subscriptions a person may see and manage: all of the deals they administer, and
    their own. Ready to list: subscriber, theme and chosen workstreams read in bulk."""
    qs = Subscription.objects.select_related(
        "deal", "user", "theme", "engaged_organisation"
    ).prefetch_related(
        Prefetch("workstreams", queryset=Workstream.objects.order_by("name")), "missions"
    )
    return policy.visible_subscriptions(qs, user)


def subscription_for_page(user: AnyUser, pk: int) -> Subscription:
    """One subscription the person may see, or 404."""
    return get_object_or_404(subscriptions_for(user), pk=pk)


def live_subscription(pk: int) -> Subscription | None:
    """A subscription that has not been erased, with its deal, subscriber and theme, whoever
    asks: the signed link that names it, or the caller's own check, decides who may see it."""
    return (
        Subscription.objects.select_related("deal", "user", "theme", "engaged_organisation")
        .filter(pk=pk, erased_at__isnull=True)
        .first()
    )


def subscriber_choices() -> QuerySet[User]:
    """Whom the API lets a subscription name: any active person (the services check that they
    hold a role in the deal and that the sender may subscribe them)."""
    return User.objects.filter(is_active=True)


def subscribable_people(deal: Deal) -> QuerySet[User]:
    """The people who may be subscribed: everyone active with a role in the deal."""
    return (
        User.objects.filter(memberships__deal=deal, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


def scope_choices(deal: Deal) -> dict[str, Any]:
    """The deal's themes and workstreams, which a subscription's scope may name."""
    return {
        "themes": Theme.objects.filter(deal=deal).order_by("position", "name"),
        "workstreams": Workstream.objects.filter(deal=deal).order_by("name"),
    }


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


# --- Partner-safe pages, read through a partner's signed link --------------------------------
# A reader with no account is held to a partner's view of the deal (``policy.partner_filter``):
# OFFICIAL records only.


def lead_organisations(workstream_ids: list[int]) -> dict[int, list[str]]:
    """The organisations of each workstream's leads, by workstream (one query)."""
    found: dict[int, list[str]] = {}
    rows = (
        Membership.objects.filter(
            role=Role.LEAD, workstream__in=workstream_ids, user__organisation__isnull=False
        )
        .values_list("workstream_id", "user__organisation__name")
        .order_by("workstream_id", "user__organisation__name")
        .distinct()
    )
    for workstream_id, name in rows:
        found.setdefault(workstream_id, []).append(name)
    return found


@dataclass(frozen=True)
class PartnerWorkstream:
    workstream: Workstream
    lead_organisations: list[str]
    update: StatusUpdate | None  # the newest OFFICIAL one
    proposals: list[Proposal]
    risks: list[Risk]  # open, OFFICIAL
    missions: list[Any]


def partner_workstream(deal_id: int, pk: int) -> PartnerWorkstream | None:
    """A workstream of the deal as a partner may see it (a fixed number of queries)."""
    workstream = (
        Workstream.objects.select_related("deal", "theme").filter(deal=deal_id, pk=pk).first()
    )
    if workstream is None:
        return None
    update = (
        StatusUpdate.objects.filter(
            policy.partner_filter(deal_id, "workstream__deal"), workstream=workstream
        )
        .order_by("-period_start", "-version")
        .first()
    )
    proposals = list(
        Proposal.objects.filter(policy.partner_filter(deal_id, "deal"), workstream=workstream)
        .select_related("awaiting_body")
        .order_by("title")
    )
    risks = list(
        Risk.objects.filter(
            policy.partner_filter(deal_id, "workstream__deal"),
            workstream=workstream,
            status=RiskStatus.OPEN,
        ).order_by("-score", "title")
    )
    return PartnerWorkstream(
        workstream=workstream,
        lead_organisations=lead_organisations([workstream.pk]).get(workstream.pk, []),
        update=update,
        proposals=proposals,
        risks=risks,
        missions=list(workstream.missions.order_by("number")),
    )


@dataclass(frozen=True)
class PartnerProposal:
    proposal: Proposal
    decisions: list[Decision]
    missions: list[Any]
    lead_organisations: list[str]


def partner_proposal(deal_id: int, pk: int) -> PartnerProposal | None:
    """An OFFICIAL proposal of the deal, with its decisions, as a partner may see it; None for
    one that is not (or no longer) OFFICIAL. Talks with government are not shown."""
    proposal = (
        Proposal.objects.filter(policy.partner_filter(deal_id, "deal"), pk=pk)
        .select_related("deal", "workstream", "awaiting_body")
        .first()
    )
    if proposal is None:
        return None
    decisions = list(
        Decision.objects.filter(
            policy.partner_filter(deal_id, "deal", prefix="proposal__"), proposal=proposal
        )
        .select_related("body")
        .order_by("decided_on", "pk")
    )
    return PartnerProposal(
        proposal=proposal,
        decisions=decisions,
        missions=list(proposal.missions.order_by("number")),
        lead_organisations=lead_organisations([proposal.workstream_id]).get(
            proposal.workstream_id, []
        ),
    )


def open_briefing_requests(user: AnyUser) -> QuerySet[BriefingRequest]:
    """The open requests for a briefing session of the deals the person administers, oldest
    first: the core team's to-do list (one query however many)."""
    return (
        BriefingRequest.objects.visible_to(user, policy.ADMINISTER)
        .filter(status=BriefingRequestStatus.OPEN)
        .select_related("deal")
        .order_by("created_at", "pk")
    )
