"""Reads about running the governance: the bodies, their meetings and agendas, the deal's
milestones and the versions of the Proposition, for the pages, the API, the calendar feed and
the exports. Every one goes through ``accounts.policy`` and issues a bounded number of queries.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from accounts import policy

from ..choices import MeetingStatus
from ..models import (
    AgendaItem,
    Decision,
    GovernanceBody,
    Meeting,
    Milestone,
    PropositionItem,
    PropositionVersion,
)

if TYPE_CHECKING:
    from .base import AnyUser


# --- Governance bodies and their decisions ----------------------------------------------------


def bodies_for(user: AnyUser) -> QuerySet[GovernanceBody]:
    return policy.visible_in_deals(GovernanceBody.objects.all(), user, "deal")


def decisions_for(user: AnyUser) -> QuerySet[Decision]:
    return policy.visible_decisions(
        Decision.objects.select_related("proposal", "body", "meeting", "recorded_by"), user
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
