"""This app's answers to what tracker, below it, asks of the apps above (tracker/signals.py and
tracker.exports' pack sections): the papers' sections of the meeting and proposal pages, and
the list of papers in a meeting's briefing pack. Reads only, two queries each."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.urls import reverse

from core import policy
from core.choices import Classification
from tracker.exports import PackSection
from tracker.signals import PageSection

from . import selectors

if TYPE_CHECKING:
    from tracker.models import Meeting, Proposal


def _section(kind: str, papers: list[Any], can_attach: bool, upload: str) -> PageSection:
    return PageSection(
        template="papers/_section.html",
        context={
            "kind": kind,
            "papers": papers,
            "can_attach": can_attach,
            "upload_url": upload if can_attach else "",
        },
    )


def meeting_section(*, user: Any, meeting: Meeting, **kwargs: Any) -> PageSection:
    can_attach = policy.can_attach_meeting_papers(user, meeting)
    return _section(
        "meeting",
        selectors.papers_of_meeting(user, meeting),
        can_attach,
        reverse("meeting-paper-upload", args=[meeting.pk]),
    )


def proposal_section(*, user: Any, proposal: Proposal, **kwargs: Any) -> PageSection:
    can_attach = policy.can_attach_proposal_papers(user, proposal)
    return _section(
        "proposal",
        selectors.papers_of_proposal(user, proposal),
        can_attach,
        reverse("proposal-paper-upload", args=[proposal.pk]),
    )


def pack_section(user: Any, meeting: Meeting, today: dt.date) -> PackSection | None:
    """The papers of the meeting and of the proposals on its agenda that the person may see;
    nothing when there are none."""
    papers = selectors.papers_for_pack(user, meeting)
    if not papers:
        return None
    return PackSection(
        anchor="papers",
        heading="Papers",
        template="papers/_pack_section.html",
        context={"papers": papers},
        sensitive=any(
            getattr(p, "marking", "") == Classification.OFFICIAL_SENSITIVE for p in papers
        ),
    )
