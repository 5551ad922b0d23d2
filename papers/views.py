"""The papers' pages: attaching a paper to a meeting or a proposal, downloading one and removing
one. Each asks core.policy every time, through the selectors and the services."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.views.decorators.http import require_GET, require_http_methods

from core import policy
from core.views import deal_query, posted, refusals
from tracker import selectors as tracker_selectors

from . import selectors, services
from .downloads import paper_response
from .forms import PaperForm

if TYPE_CHECKING:
    from core.models import Deal
    from tracker.models import Meeting, Proposal

    from .models import Paper


@dataclass(frozen=True)
class Record:
    """The meeting or the proposal a paper belongs to, as the pages name it."""

    meeting: Meeting | None
    proposal: Proposal | None

    @property
    def deal(self) -> Deal:
        if self.meeting is not None:
            return self.meeting.body.deal
        assert self.proposal is not None
        return self.proposal.deal

    @property
    def classification(self) -> str:
        return (self.meeting or self.proposal).classification  # type: ignore[union-attr]

    @property
    def name(self) -> str:
        if self.meeting is not None:
            # As the meeting's page names it: its day where the deal meets.
            day = date_format(timezone.localtime(self.meeting.starts_at), "j F Y")
            return f"{self.meeting.body.name}, {day}"
        assert self.proposal is not None
        return self.proposal.title

    @property
    def url(self) -> str:
        if self.meeting is not None:
            return reverse("meeting-detail", args=[self.meeting.pk])
        assert self.proposal is not None
        return reverse("proposal-detail", args=[self.proposal.pk])

    def may_attach(self, user: Any) -> bool:
        if self.meeting is not None:
            return policy.can_attach_meeting_papers(user, self.meeting)
        assert self.proposal is not None
        return policy.can_attach_proposal_papers(user, self.proposal)


def _meeting(request: HttpRequest, pk: int) -> Record:
    meeting = (
        tracker_selectors.governance.meetings_for(request.user)
        .select_related("body__deal")
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise Http404("No such meeting.")
    return Record(meeting=meeting, proposal=None)


def _proposal(request: HttpRequest, pk: int) -> Record:
    proposal = (
        tracker_selectors.proposals.proposals_for(request.user)
        .select_related("deal", "workstream")
        .filter(pk=pk)
        .first()
    )
    if proposal is None:
        raise Http404("No such proposal.")
    return Record(meeting=None, proposal=proposal)


def _record_of(paper: Paper) -> Record:
    return Record(meeting=paper.meeting, proposal=paper.proposal)


def _upload(request: HttpRequest, record: Record) -> HttpResponse:
    if not record.may_attach(request.user):
        raise PermissionDenied(
            "Only an administrator can attach papers to a meeting."
            if record.meeting is not None
            else "Only the workstream's lead or an administrator can attach documents."
        )
    form = PaperForm(posted(request), request.FILES or None, floor=record.classification)
    if form.is_bound and form.is_valid():
        with refusals(form):
            paper = services.paper_attach(
                acting_user=policy.signed_in(request.user),
                upload=form.cleaned_data["file"],
                title=form.cleaned_data["title"],
                classification=form.cleaned_data["classification"],
                meeting=record.meeting,
                proposal=record.proposal,
            )
        if not form.errors:
            messages.success(request, f"“{paper.title}” attached")
            return redirect(f"{record.url}{deal_query(request)}#papers")
    return render(
        request,
        "papers/paper_form.html",
        {"form": form, "record": record, "deal": record.deal, "deal_query": deal_query(request)},
    )


@require_http_methods(["GET", "POST"])
def meeting_paper_upload(request: HttpRequest, pk: int) -> HttpResponse:
    return _upload(request, _meeting(request, pk))


@require_http_methods(["GET", "POST"])
def proposal_paper_upload(request: HttpRequest, pk: int) -> HttpResponse:
    return _upload(request, _proposal(request, pk))


@require_GET
def paper_download(request: HttpRequest, pk: int) -> FileResponse:
    """The file, as an attachment of the type it was found to be, for whoever may see it now."""
    return paper_response(selectors.paper_for_page(request.user, pk))


@require_http_methods(["GET", "POST"])
def paper_remove(request: HttpRequest, pk: int) -> HttpResponse:
    paper = selectors.paper_for_page(request.user, pk)
    record = _record_of(paper)
    if not record.may_attach(request.user):
        raise PermissionDenied("Only those who may attach papers here can remove them.")
    error = ""
    if request.method == "POST":
        try:
            services.paper_remove(paper=paper, acting_user=policy.signed_in(request.user))
        except services.PapersError as refusal:
            error = str(refusal)
        else:
            messages.success(request, f"“{paper.title}” removed")
            return redirect(f"{record.url}{deal_query(request)}#papers")
    return render(
        request,
        "papers/paper_remove.html",
        {
            "paper": paper,
            "record": record,
            "deal": record.deal,
            "deal_query": deal_query(request),
            "error": error,
        },
    )
