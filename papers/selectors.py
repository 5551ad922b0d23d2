"""Reads of papers, always through core.policy: a list shows only what the person may see,
and a paper they may not see is not found."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Case, CharField, Q, QuerySet, Value, When
from django.http import Http404

from core.choices import Classification
from tracker.models import AgendaItem

from .models import Paper

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from tracker.models import Meeting, Proposal

    AnyUser = User | AnonymousUser

SENSITIVE = Classification.OFFICIAL_SENSITIVE


def papers_for(user: AnyUser) -> QuerySet[Paper]:
    """The papers the person may see, not removed, each with ``marking``: its own marking or its
    record's, whichever is higher (a record marked up after the paper was attached)."""
    return (
        Paper.objects.visible_to(user)
        .filter(removed_at__isnull=True)
        .annotate(
            marking=Case(
                When(
                    Q(classification=SENSITIVE)
                    | Q(meeting__classification=SENSITIVE)
                    | Q(proposal__classification=SENSITIVE),
                    then=Value(SENSITIVE),
                ),
                default=Value(Classification.OFFICIAL),
                output_field=CharField(),
            )
        )
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )


def papers_of_meeting(user: AnyUser, meeting: Meeting) -> list[Paper]:
    return list(papers_for(user).filter(meeting=meeting))


def papers_of_proposal(user: AnyUser, proposal: Proposal) -> list[Paper]:
    return list(papers_for(user).filter(proposal=proposal))


def paper_for_page(user: AnyUser, pk: int) -> Paper:
    """One paper the person may see (to download or remove it); 404 otherwise, removed or not
    theirs to see alike."""
    paper = (
        papers_for(user)
        .select_related("meeting__body", "proposal__workstream")
        .filter(pk=pk)
        .first()
    )
    if paper is None:
        raise Http404("No such paper.")
    return paper


def papers_for_pack(user: AnyUser, meeting: Meeting) -> list[Paper]:
    """The meeting's papers and those of the proposals on its agenda, for its briefing pack: only
    of the agenda's items the person may see, since an item's marking can hide what it is about.
    One query."""
    items = AgendaItem.objects.visible_to(user).filter(meeting=meeting, proposal__isnull=False)
    return list(
        papers_for(user)
        .filter(Q(meeting=meeting) | Q(proposal__in=items.values("proposal")))
        .select_related("proposal")
    )
