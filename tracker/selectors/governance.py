"""Reads about running the governance: the bodies, their meetings and agendas, the deal's
milestones and the versions of the Proposition, for the pages, the API, the calendar feed and
the exports. Every one goes through ``core.policy`` and issues a bounded number of queries.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from core import policy
from core.models import Deal

from ..choices import MeetingStatus, Outcome, ProposalStage, PropositionStatus
from ..models import (
    AgendaItem,
    BodyMember,
    Decision,
    GovernanceBody,
    Meeting,
    Milestone,
    Proposal,
    PropositionItem,
    PropositionVersion,
)

if TYPE_CHECKING:
    from .base import AnyUser


# --- Governance bodies, the chain and decisions -----------------------------------------------


def bodies_for(user: AnyUser) -> QuerySet[GovernanceBody]:
    return policy.visible_in_deals(GovernanceBody.objects.all(), user, "deal")


def bodies_with_members(user: AnyUser) -> QuerySet[GovernanceBody]:
    """The bodies the person may see, each with its seats, who holds them and for which
    organisation (one more query for them all)."""
    members = BodyMember.objects.select_related("user", "organisation")
    return bodies_for(user).prefetch_related(Prefetch("members", queryset=members))


def bodies_of(deal: Deal | int) -> QuerySet[GovernanceBody]:
    """The deal's governance bodies, in or out of the chain."""
    deal_id = deal if isinstance(deal, int) else deal.pk
    return GovernanceBody.objects.filter(deal_id=deal_id)


def decisions_for(user: AnyUser) -> QuerySet[Decision]:
    return policy.visible_decisions(
        Decision.objects.select_related("proposal", "body", "meeting", "recorded_by"), user
    )


def chain_of(deal: Deal | int) -> list[GovernanceBody]:
    """The deal's escalation chain in order, from the body that starts it to the last."""
    deal_id = deal if isinstance(deal, int) else deal.pk
    bodies = {b.pk: b for b in GovernanceBody.objects.filter(deal_id=deal_id)}
    body = next((b for b in bodies.values() if b.is_chain_start), None)
    chain: list[GovernanceBody] = []
    while body is not None and body not in chain:
        chain.append(body)
        body = bodies.get(body.next_body_id) if body.next_body_id else None
    return chain


# --- Meetings ---------------------------------------------------------------------------------


def _count_of(visible: QuerySet) -> Coalesce:
    """The number of rows of ``visible`` (filtered by ``meeting=OuterRef("pk")``), as a
    subquery: counts the person may see, so that they give nothing hidden away."""
    return Coalesce(
        Subquery(visible.order_by().values("meeting").annotate(n=Count("pk")).values("n")), 0
    )


def meetings_for(user: AnyUser) -> QuerySet[Meeting]:
    """Meetings the person may see, each with ``agenda_size`` and ``decision_count``: the
    agenda items and decisions the person may see."""
    items = policy.visible_agenda_items(AgendaItem.objects.filter(meeting=OuterRef("pk")), user)
    decisions = policy.visible_decisions(Decision.objects.filter(meeting=OuterRef("pk")), user)
    return policy.visible_meetings(
        Meeting.objects.select_related("body", "body__deal").annotate(
            agenda_size=_count_of(items), decision_count=_count_of(decisions)
        ),
        user,
    )


def meeting_choices(user: AnyUser) -> QuerySet[Meeting]:
    """The meetings the person may see, each with its body and nothing worked out: what a field
    offers."""
    return Meeting.objects.visible_to(user).select_related("body")


def meetings_with_agendas(user: AnyUser) -> QuerySet[Meeting]:
    """``meetings_for``, each with ``visible_agenda``: its agenda items the person may see, in
    order, as ``agenda_for`` has them (one more query for every meeting's)."""
    items = AgendaItem.objects.visible_to(user).order_by("position", "pk")
    return meetings_for(user).prefetch_related(
        Prefetch("agenda_items", queryset=items, to_attr="visible_agenda")
    )


def agenda_for(user: AnyUser, meeting: Meeting) -> list[AgendaItem]:
    return list(
        policy.visible_agenda_items(
            AgendaItem.objects.filter(meeting=meeting).select_related(
                "proposal", "workstream", "proposal__workstream"
            ),
            user,
        ).order_by("position", "pk")
    )


def meeting_for_page(user: AnyUser, pk: int) -> Meeting:
    meeting = (
        meetings_for(user)
        .prefetch_related(
            "attendees",
            Prefetch(
                "decisions",
                queryset=decisions_for(user).order_by("created_at"),
                to_attr="visible_decisions",
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    return meeting


def meeting_record_visible(user: AnyUser, meeting: Meeting) -> bool:
    """May the person read the meeting's minutes and attendance?"""
    return policy.can_see_record(user, meeting.body.deal_id, meeting.classification)


def previous_held_meeting(user: AnyUser, meeting: Meeting) -> Meeting | None:
    """The same body's newest meeting before this one that was held (or held and closed), if
    the person may see it (one query)."""
    return (
        policy.visible_meetings(
            Meeting.objects.filter(
                body_id=meeting.body_id,
                starts_at__lt=meeting.starts_at,
                status__in=(MeetingStatus.HELD, MeetingStatus.CLOSED),
            ),
            user,
        )
        .order_by("-starts_at")
        .first()
    )


def decisions_at(user: AnyUser, meeting: Meeting) -> list[Decision]:
    """The decisions recorded at a meeting that the person may see, in the order they were
    recorded (one query)."""
    return list(decisions_for(user).filter(meeting=meeting).order_by("created_at", "pk"))


def upcoming_meetings(user: AnyUser, today: dt.date | None = None) -> QuerySet[Meeting]:
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        meetings_for(user)
        .filter(starts_at__gte=start)
        .exclude(status=MeetingStatus.CLOSED)
        .order_by("starts_at")
    )


def next_meeting(body: GovernanceBody, today: dt.date | None = None) -> Meeting | None:
    """The body's next planned meeting: the first one from today on."""
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        Meeting.objects.filter(body=body, status=MeetingStatus.PLANNED, starts_at__gte=start)
        .order_by("starts_at")
        .first()
    )


# --- Milestones and the Proposition -----------------------------------------------------------


def milestones_for(user: AnyUser) -> QuerySet[Milestone]:
    return (
        policy.visible_in_deals(Milestone.objects.all(), user, "deal")
        .select_related("deal")
        .prefetch_related("depends_on")
        .order_by("deal", "starts_on", "position")
    )


def milestone_choices(user: AnyUser) -> QuerySet[Milestone]:
    """The milestones the person may see, with nothing loaded beside them: what a field offers."""
    return Milestone.objects.visible_to(user)


def other_milestones(milestone: Milestone) -> QuerySet[Milestone]:
    """The deal's other milestones, in their order: those this one may depend on."""
    return (
        Milestone.objects.filter(deal_id=milestone.deal_id)
        .exclude(pk=milestone.pk)
        .order_by("starts_on", "position")
    )


def proposition_versions_for(user: AnyUser) -> QuerySet[PropositionVersion]:
    """Versions of the Proposition, each with ``item_count``: the items the person may see."""
    visible = (
        policy.visible_proposition_items(
            PropositionItem.objects.filter(version=OuterRef("pk")), user
        )
        .order_by()
        .values("version")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        policy.visible_in_deals(PropositionVersion.objects.all(), user, "deal")
        .select_related("deal", "approved_by", "approved_at", "created_by")
        .annotate(item_count=Coalesce(Subquery(visible), 0))
        .order_by("deal", "-number")
    )


def proposition_versions_with_items(user: AnyUser) -> QuerySet[PropositionVersion]:
    """``proposition_versions_for``, each with ``visible_items``: its items the person may see,
    in order (one more query for every version's)."""
    items = PropositionItem.objects.visible_to(user).order_by("position")
    return proposition_versions_for(user).prefetch_related(
        Prefetch("items", queryset=items, to_attr="visible_items")
    )


def proposition_items_for(user: AnyUser, version: PropositionVersion) -> list[PropositionItem]:
    return list(policy.visible_proposition_items(version.items.all(), user).order_by("position"))


def proposition_proposals(deal: Deal | int) -> list[Proposal]:
    """What goes into a new version: every proposal the last body endorsed and that has not
    been withdrawn, in the order of the themes and workstreams."""
    deal_id = deal if isinstance(deal, int) else deal.pk
    return list(
        Proposal.objects.filter(deal_id=deal_id, board_endorsement__isnull=False)
        .exclude(stage=ProposalStage.CONCLUDED, outcome=Outcome.WITHDRAWN)
        .select_related("workstream__theme")
        .prefetch_related("departments", "missions")
        .order_by("workstream__theme__position", "workstream__position", "title")
    )


def approved_proposition(deal: Deal | int, *, lock: bool = False) -> PropositionVersion | None:
    """The version of the Proposition the last body approved and that stands (none superseded
    it), if any; ``lock`` holds it until the transaction ends, so that no approval of another
    version supersedes it meanwhile."""
    deal_id = deal if isinstance(deal, int) else deal.pk
    versions = PropositionVersion.objects.filter(deal_id=deal_id, status=PropositionStatus.APPROVED)
    if lock:
        versions = versions.select_for_update()
    return versions.first()
