"""Reads about proposals and the governance: what the pages, the API, the calendar feed and the
exports show. Every one goes through ``accounts.policy`` and issues a bounded number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts import policy
from missions.models import Metric

from .choices import CLOSED_STAGES, DecisionOutcome, MeetingStatus
from .models import (
    AgendaItem,
    Decision,
    GovernanceBody,
    Meeting,
    Milestone,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionItem,
    PropositionVersion,
)
from .selectors import proposals_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


# --- Proposals --------------------------------------------------------------------------------


def proposal_list(user: AnyUser) -> QuerySet[Proposal]:
    """Proposals the person may see, ready for a list: workstream, theme, awaited body, owner,
    departments and missions loaded, and ``principles_answered`` / ``principles_total``."""
    total = (
        Principle.objects.filter(deal=OuterRef("deal"))
        .order_by()
        .values("deal")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        proposals_for(user)
        .select_related("deal", "workstream__theme", "awaiting_body", "owner")
        .prefetch_related("departments", "missions")
        .annotate(
            principles_answered=Count("principle_responses", distinct=True),
            principles_total=Coalesce(Subquery(total), 0),
        )
        .order_by("workstream__theme__position", "workstream__position", "title")
    )


def with_unanswered_principles(qs: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Of an annotated ``proposal_list``, the open proposals with principles left unanswered."""
    # principles_answered is an annotation of proposal_list, which the QuerySet type does not carry.
    return qs.exclude(stage__in=CLOSED_STAGES).filter(principles_answered__lt=F("principles_total"))  # type: ignore[misc]


def proposal_for_page(user: AnyUser, pk: int) -> Proposal:
    """One proposal with everything its page shows, if the person may see it; else 404."""
    proposal = (
        proposals_for(user)
        .select_related(
            "deal", "workstream__theme", "awaiting_body", "owner", "board_endorsement__body"
        )
        .prefetch_related(
            "departments",
            "missions",
            Prefetch("metrics", queryset=Metric.objects.select_related("mission")),
            "indicators",
            Prefetch(
                "principle_responses",
                queryset=PrincipleResponse.objects.select_related("principle", "answered_by"),
            ),
            Prefetch(
                "decisions",
                # In the order they were recorded, which is the order they moved the proposal
                # (a decision dated by an earlier meeting can be recorded after a referral back).
                queryset=Decision.objects.select_related("body", "meeting", "recorded_by").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch(
                "negotiations",
                queryset=policy.visible_negotiations(
                    NegotiationEntry.objects.select_related("department", "recorded_by"), user
                ),
                to_attr="visible_negotiations",
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404("No such proposal.")
    return proposal


def principles_of(deal_id: int) -> list[Principle]:
    return list(Principle.objects.filter(deal_id=deal_id).order_by("position"))


@dataclass(frozen=True)
class ChainStep:
    body: GovernanceBody
    state: str  # "passed", "skipped", "awaiting", "ahead"
    decision: Decision | None


def journey(proposal: Proposal, chain: list[GovernanceBody]) -> list[ChainStep]:
    """Where the proposal stands against each body of the chain, from its decisions (which must
    be prefetched, oldest first). Only the latest climb counts: a referral back starts again."""
    decisions = list(proposal.decisions.all())
    since = 0
    for index, earlier in enumerate(decisions):
        if earlier.outcome == DecisionOutcome.REFERRED_BACK:
            since = index + 1
    latest = {d.body_id: d for d in decisions[since:] if d.outcome != DecisionOutcome.NOTED}
    steps = []
    for body in chain:
        decision = latest.get(body.pk)
        if proposal.awaiting_body_id == body.pk:
            state = "awaiting"
        elif decision is not None and decision.outcome == DecisionOutcome.SKIPPED:
            state = "skipped"
        elif decision is not None and decision.outcome == DecisionOutcome.ENDORSED:
            state = "passed"
        elif decision is not None and decision.outcome == DecisionOutcome.REJECTED:
            state = "rejected"
        else:
            state = "ahead"
        steps.append(ChainStep(body=body, state=state, decision=decision))
    return steps


# --- Decisions and negotiation ----------------------------------------------------------------


def decisions_for(user: AnyUser) -> QuerySet[Decision]:
    return policy.visible_decisions(
        Decision.objects.select_related("proposal", "body", "meeting", "recorded_by"), user
    )


def negotiations_for(user: AnyUser) -> QuerySet[NegotiationEntry]:
    return policy.visible_negotiations(
        NegotiationEntry.objects.select_related("proposal", "department", "recorded_by"), user
    )


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


def upcoming_meetings(user: AnyUser, today: dt.date | None = None) -> QuerySet[Meeting]:
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return (
        meetings_for(user)
        .filter(starts_at__gte=start)
        .exclude(status=MeetingStatus.CLOSED)
        .order_by("starts_at")
    )


# --- Milestones and the Proposition -----------------------------------------------------------


def milestones_for(user: AnyUser) -> QuerySet[Milestone]:
    return (
        policy.visible_in_deals(Milestone.objects.all(), user, "deal")
        .select_related("deal")
        .prefetch_related("depends_on")
        .order_by("deal", "starts_on", "position")
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


def proposition_items_for(user: AnyUser, version: PropositionVersion) -> list[PropositionItem]:
    return list(policy.visible_proposition_items(version.items.all(), user).order_by("position"))
