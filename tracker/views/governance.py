"""Pages for running the governance: meetings and their agendas, the escalation chain, the
deal's timeline, the deal's Proposition (on screen, printed and as a Word document) and the
calendar feed people subscribe to.

Views are thin: reads come from ``selectors.governance``, writes go through ``services``, and who
may do what is asked of ``core.policy``. Something the person may not see is a 404; a page
they may see but a change they may not make is a 403.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts import services as account_services
from core import policy
from core.choices import Classification
from core.errors import DomainError
from core.models import Deal
from core.views import deal_query, posted, refusals, show_refusal
from tracker import calendar_feed, proposition_docx, selectors, services, signals
from tracker.choices import MeetingStatus, ProposalStage, PropositionStatus
from tracker.forms import governance as forms
from tracker.models import (
    AgendaItem,
    BodyMember,
    GovernanceBody,
    Meeting,
    Milestone,
    PropositionVersion,
)
from tracker.selectors import asks as ask_selectors
from tracker.selectors.reporting import deal_people
from tracker.services.governance import MEETING_STEPS

MEETINGS_PER_PAGE = 20
STEP_WORDS: dict[str, str] = {
    MeetingStatus.HELD: "Mark as held",
    MeetingStatus.CLOSED: "Close the meeting",
}


# --- Helpers shared by the pages --------------------------------------------------------------


def _deal(request: HttpRequest) -> Deal:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        raise Http404("You do not have a role in a deal yet.")
    return deal


def _require_admin(request: HttpRequest, deal_id: int) -> None:
    if not policy.can_run_governance(request.user, deal_id):
        raise PermissionDenied("Only an administrator can do this.")


def _to(request: HttpRequest, name: str, *args: Any) -> HttpResponse:
    return redirect(reverse(name, args=args) + deal_query(request))


def _page(request: HttpRequest, template: str, deal: Deal, **context: Any) -> HttpResponse:
    return render(
        request,
        f"tracker/governance/{template}",
        {
            "deal": deal,
            "deal_query": deal_query(request),
            "is_admin": policy.can_run_governance(request.user, deal),
            **context,
        },
    )


def _today_start() -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))


# --- Meetings ---------------------------------------------------------------------------------


def meeting_list(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    bodies = list(
        selectors.governance.bodies_for(request.user).filter(deal=deal).order_by("position")
    )
    body = next((b for b in bodies if b.slug == request.GET.get("body")), None)
    meetings = selectors.governance.meetings_for(request.user).filter(body__deal=deal)
    upcoming = selectors.governance.upcoming_meetings(request.user).filter(body__deal=deal)
    if body is not None:
        meetings, upcoming = meetings.filter(body=body), upcoming.filter(body=body)
    past = meetings.filter(
        Q(starts_at__lt=_today_start()) | Q(status=MeetingStatus.CLOSED)
    ).order_by("-starts_at")
    page = Paginator(past, MEETINGS_PER_PAGE).get_page(request.GET.get("page"))
    query = QueryDict(mutable=True)
    for name in ("deal", "body"):
        if request.GET.get(name):
            query[name] = request.GET[name]
    return _page(
        request,
        "meeting_list.html",
        deal,
        bodies=bodies,
        body=body,
        upcoming=list(upcoming),
        page=page,
        page_query=f"&{query.urlencode()}" if query else "",
    )


@dataclass(frozen=True)
class AgendaLine:
    item: AgendaItem
    proposal_url: str
    decide_url: str


def _agenda(request: HttpRequest, meeting: Meeting, may_decide: bool) -> list[AgendaLine]:
    lines = []
    for item in selectors.governance.agenda_for(request.user, meeting):
        proposal_url = decide_url = ""
        proposal = item.proposal  # fetched with the agenda; None without a query when unset
        if proposal is not None:
            proposal_url = reverse("proposal-detail", args=[item.proposal_id])
            awaits = (
                proposal.stage == ProposalStage.IN_GOVERNANCE
                and proposal.awaiting_body_id == meeting.body_id
            )
            if may_decide and awaits:
                decide = reverse("proposal-decide", args=[item.proposal_id])
                decide_url = f"{decide}?meeting={meeting.pk}"
        lines.append(AgendaLine(item=item, proposal_url=proposal_url, decide_url=decide_url))
    return lines


def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    is_admin = policy.can_run_governance(request.user, deal)
    started = meeting.starts_at <= timezone.now()
    may_decide = is_admin and started and meeting.status != MeetingStatus.CLOSED
    next_status = MEETING_STEPS.get(MeetingStatus(meeting.status))
    return _page(
        request,
        "meeting_detail.html",
        deal,
        meeting=meeting,
        agenda=_agenda(request, meeting, may_decide),
        decisions=meeting.visible_decisions,  # type: ignore[attr-defined]
        record_visible=selectors.governance.meeting_record_visible(request.user, meeting),
        next_status=next_status,
        next_status_words=STEP_WORDS.get(next_status, "") if next_status else "",
        can_hold=next_status != MeetingStatus.HELD or started,
        MeetingStatus=MeetingStatus,
        extra_sections=signals.collected(
            signals.meeting_sections.send(sender=Meeting, user=request.user, meeting=meeting)
        ),
        may_record=may_decide,
        ask_lines=ask_selectors.meeting_asks(request.user, meeting),
        actions=ask_selectors.meeting_actions(request.user, meeting),
        open_actions=ask_selectors.open_actions_before(request.user, meeting),
        today=timezone.localdate(),
    )


def _meeting_bodies(request: HttpRequest, deal: Deal) -> Any:
    return (
        selectors.governance.bodies_for(request.user).filter(deal=deal).order_by("position", "name")
    )


def meeting_create(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    _require_admin(request, deal.pk)
    form = forms.MeetingForm(
        posted(request), bodies=_meeting_bodies(request, deal), people=deal_people(deal)
    )
    if form.is_bound and form.is_valid():
        with refusals(form):
            meeting = services.meeting_create(
                body=form.cleaned_data["body"],
                acting_user=policy.signed_in(request.user),
                **form.values(),
            )
        if not form.errors:
            messages.success(request, f"Meeting of the {meeting.body} arranged")
            return _to(request, "meeting-detail", meeting.pk)
    return _page(request, "meeting_form.html", deal, form=form, meeting=None)


def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    _require_admin(request, deal.pk)
    if meeting.status == MeetingStatus.CLOSED:
        messages.info(request, "This meeting is closed: its record and decisions are locked.")
        return _to(request, "meeting-detail", meeting.pk)
    people = deal_people(deal) | meeting.attendees.all()
    kw: dict[str, Any] = {"bodies": _meeting_bodies(request, deal), "people": people.distinct()}
    stale: services.StaleEdit | None = None
    if request.method != "POST":
        form = forms.MeetingEditForm(initial=forms.meeting_initial(meeting), **kw)
    else:
        form = forms.MeetingEditForm(request.POST, **kw)
        if form.is_valid():
            try:
                meeting = services.meeting_update(
                    meeting=meeting,
                    acting_user=policy.signed_in(request.user),
                    expected_revision=form.cleaned_data["revision"],
                    **form.values(),
                )
            except services.StaleEdit as error:
                stale = error
                meeting = selectors.governance.meeting_for_page(request.user, pk)
                form = forms.MeetingEditForm.restarted(request.POST, meeting.revision, **kw)
                form.add_error(None, str(error))
            except (ValidationError, DomainError) as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Meeting of the {meeting.body} saved")
                return _to(request, "meeting-detail", meeting.pk)
    return _page(request, "meeting_form.html", deal, form=form, meeting=meeting, stale=stale)


def meeting_advance(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then move the meeting on: planned to held, held to closed."""
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    _require_admin(request, deal.pk)
    status = request.POST.get("status") or MEETING_STEPS.get(MeetingStatus(meeting.status), "")
    error = ""
    if request.method == "POST":
        try:
            services.meeting_advance(
                meeting=meeting, acting_user=policy.signed_in(request.user), status=status
            )
        except services.TrackerError as refused:
            error = str(refused)
        else:
            done = "marked as held" if status == MeetingStatus.HELD else "closed"
            messages.success(request, f"Meeting of the {meeting.body} {done}")
            return _to(request, "meeting-detail", meeting.pk)
    return _page(
        request,
        "meeting_advance.html",
        deal,
        meeting=meeting,
        status=status,
        words=STEP_WORDS.get(status, ""),
        error=error,
        MeetingStatus=MeetingStatus,
    )


def agenda_item_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    _require_admin(request, deal.pk)
    form = forms.AgendaItemForm(posted(request))
    if form.is_bound and form.is_valid():
        with refusals(form):
            item = services.agenda_item_add(
                meeting=meeting, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"“{item.title}” added to the agenda")
            return _to(request, "meeting-detail", meeting.pk)
    return _page(request, "agenda_item_form.html", deal, form=form, meeting=meeting)


def agenda_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    item = next(
        (i for i in selectors.governance.agenda_for(request.user, meeting) if i.pk == item_pk),
        None,
    )
    if item is None:
        raise Http404("No such agenda item.")
    deal = meeting.body.deal
    _require_admin(request, deal.pk)
    error = ""
    if request.method == "POST":
        try:
            services.agenda_item_remove(item=item, acting_user=policy.signed_in(request.user))
        except services.TrackerError as refused:
            error = str(refused)
        else:
            messages.success(request, f"“{item.title}” removed from the agenda")
            return _to(request, "meeting-detail", meeting.pk)
    return _page(request, "agenda_item_remove.html", deal, meeting=meeting, item=item, error=error)


# --- The governance chain ---------------------------------------------------------------------


@dataclass(frozen=True)
class BodyCard:
    body: GovernanceBody
    seats: list[tuple[str, int]]  # what each seat says, and how many seats say it
    next_meeting: Meeting | None
    awaiting: int


def _seat_label(seat: BodyMember) -> str:
    who = seat.name or (seat.user.full_name or seat.user.email if seat.user else "")
    label = f"{who}, {seat.position}" if who else seat.position
    if seat.organisation:
        label += f" ({seat.organisation.name})"
    return label + (" – chair" if seat.is_chair else "")


def _seats(members: list[BodyMember]) -> list[tuple[str, int]]:
    """Seats in order, with identical unnamed seats (seven chief executives) counted once."""
    seats: list[tuple[str, int]] = []
    for label in map(_seat_label, members):
        if seats and seats[-1][0] == label:
            seats[-1] = (label, seats[-1][1] + 1)
        else:
            seats.append((label, 1))
    return seats


def _body_cards(request: HttpRequest, deal: Deal) -> tuple[list[BodyCard], list[BodyCard]]:
    """The chain's bodies in order, then the others, each with its seats, its next planned
    meeting and how many proposals the person may see await it."""
    chain_ids = [b.pk for b in selectors.governance.chain_of(deal)]
    bodies = (
        selectors.governance.bodies_with_members(request.user)
        .filter(deal=deal)
        .select_related("stands_in_for", "next_body")
    )
    planned = (
        selectors.governance.meetings_for(request.user)
        .filter(body__deal=deal, status=MeetingStatus.PLANNED, starts_at__gte=_today_start())
        .order_by("-starts_at")
    )
    next_meetings = {m.body_id: m for m in planned}  # the earliest of each body wins
    awaiting = dict(
        selectors.proposals_for(request.user)
        .filter(deal=deal, stage=ProposalStage.IN_GOVERNANCE)
        .values_list("awaiting_body")
        .annotate(n=Count("pk"))
        .order_by()
    )
    cards = {
        b.pk: BodyCard(
            b, _seats(list(b.members.all())), next_meetings.get(b.pk), awaiting.get(b.pk, 0)
        )
        for b in bodies
    }
    chain = [cards[pk] for pk in chain_ids if pk in cards]
    others = [card for pk, card in cards.items() if pk not in chain_ids]
    return chain, others


def governance_chain(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    chain, others = _body_cards(request, deal)
    return _page(request, "chain.html", deal, chain=chain, others=others)


# --- The timeline and milestones --------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    on: dt.date
    milestone: Milestone | None = None
    meeting: Meeting | None = None


def timeline(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    milestones = selectors.governance.milestones_for(request.user).filter(deal=deal)
    meetings = selectors.governance.upcoming_meetings(request.user).filter(body__deal=deal)
    entries = [TimelineEntry(on=m.starts_on, milestone=m) for m in milestones]
    entries += [TimelineEntry(on=timezone.localdate(m.starts_at), meeting=m) for m in meetings]
    entries.sort(key=lambda e: (e.on, e.meeting is not None))
    return _page(request, "timeline.html", deal, entries=entries)


def milestone_edit(request: HttpRequest, pk: int) -> HttpResponse:
    milestone = selectors.governance.milestones_for(request.user).filter(pk=pk).first()
    if milestone is None:
        raise Http404("No such milestone.")
    deal = milestone.deal
    _require_admin(request, deal.pk)
    others = selectors.governance.other_milestones(milestone)
    initial = {
        "status": milestone.status,
        "starts_on": milestone.starts_on,
        "ends_on": milestone.ends_on,
        "notes": milestone.notes,
        "depends_on": [m.pk for m in milestone.depends_on.all()],
    }
    form = forms.MilestoneForm(posted(request), initial=initial, others=others)
    if form.is_bound and form.is_valid():
        with refusals(form, "status"):
            services.milestone_update(
                milestone=milestone, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"Milestone “{milestone.title}” saved")
            return redirect(reverse("timeline") + deal_query(request) + f"#milestone-{pk}")
    return _page(request, "milestone_form.html", deal, form=form, milestone=milestone)


# --- The Proposition --------------------------------------------------------------------------


def _version(request: HttpRequest, deal: Deal, number: int) -> PropositionVersion:
    version = (
        selectors.governance.proposition_versions_for(request.user)
        .filter(deal=deal, number=number)
        .first()
    )
    if version is None:
        raise Http404("No such version of the Proposition.")
    return version


def proposition(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    versions = list(selectors.governance.proposition_versions_for(request.user).filter(deal=deal))
    newest = versions[0] if versions else None
    return _page(
        request,
        "proposition.html",
        deal,
        versions=versions,
        current=next((v for v in versions if v.status == PropositionStatus.APPROVED), None),
        newest_draft=newest if newest and newest.status == PropositionStatus.DRAFT else None,
        PropositionStatus=PropositionStatus,
    )


def proposition_create(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    _require_admin(request, deal.pk)
    form = forms.PropositionVersionForm(posted(request), initial={"title": deal.proposition_name})
    if form.is_bound and form.is_valid():
        with refusals(form):
            version = services.proposition_version_create(
                deal=deal, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"Version {version.number} of the Proposition made")
            return _to(request, "proposition-version", version.number)
    return _page(request, "proposition_form.html", deal, form=form)


def proposition_approve(request: HttpRequest, number: int) -> HttpResponse:
    deal = _deal(request)
    version = _version(request, deal, number)
    _require_admin(request, deal.pk)
    chain = selectors.governance.chain_of(deal)
    board = chain[-1] if chain else None
    meetings = selectors.governance.meetings_for(request.user).filter(
        body=board, starts_at__lte=timezone.now()
    )
    form = forms.PropositionApproveForm(posted(request), meetings=meetings.order_by("-starts_at"))
    if form.is_bound and form.is_valid():
        with refusals(form):
            services.proposition_approve(
                version=version, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"The Board's approval of version {number} recorded")
            return _to(request, "proposition")
    return _page(request, "proposition_approve.html", deal, form=form, version=version, board=board)


def _document(request: HttpRequest, number: int) -> tuple[Deal, PropositionVersion, list[Any]]:
    deal = _deal(request)
    version = _version(request, deal, number)
    return deal, version, selectors.governance.proposition_items_for(request.user, version)


def proposition_version(request: HttpRequest, number: int) -> HttpResponse:
    deal, version, items = _document(request, number)
    sensitive = any(i.classification == Classification.OFFICIAL_SENSITIVE for i in items)
    return _page(
        request,
        "proposition_version.html",
        deal,
        version=version,
        items=items,
        marking=proposition_docx.marking(items),
        sensitive=sensitive,
    )


def proposition_download(request: HttpRequest, number: int) -> HttpResponse:
    deal, version, items = _document(request, number)
    response = HttpResponse(
        proposition_docx.build(version, items),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
    name = f"{deal.slug}-proposition-version-{version.number}.docx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The calendar feed ------------------------------------------------------------------------


def calendar(request: HttpRequest) -> HttpResponse:
    token = request.user.calendar_token  # type: ignore[union-attr]
    feed_url = request.build_absolute_uri(reverse("calendar-feed", args=[token])) if token else ""
    return render(request, "tracker/governance/calendar.html", {"feed_url": feed_url})


@require_POST
def calendar_reset(request: HttpRequest) -> HttpResponse:
    had_one = bool(request.user.calendar_token)  # type: ignore[union-attr]
    account_services.calendar_token_reset(user=request.user)  # type: ignore[arg-type]
    messages.success(
        request,
        "Your calendar address has been reset: the old one no longer works"
        if had_one
        else "Your calendar address has been made",
    )
    return redirect("calendar")


@login_not_required  # calendar apps cannot sign in: the secret in the address is the key
def calendar_ics(request: HttpRequest, token: str) -> HttpResponse:
    user = account_services.user_for_calendar_token(token)
    if user is None:
        raise Http404("No such calendar.")
    base_url = request.build_absolute_uri("/").rstrip("/")
    response = HttpResponse(
        calendar_feed.build(user, base_url), content_type="text/calendar; charset=utf-8"
    )
    response["Content-Disposition"] = 'inline; filename="deal-tracker.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response


# --- Routes -----------------------------------------------------------------------------------

urlpatterns: list[URLPattern] = [
    path("meetings/", meeting_list, name="meeting-list"),
    path("meetings/new/", meeting_create, name="meeting-create"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/edit/", meeting_edit, name="meeting-edit"),
    path("meetings/<int:pk>/status/", meeting_advance, name="meeting-advance"),
    path("meetings/<int:pk>/agenda/new/", agenda_item_create, name="agenda-item-create"),
    path(
        "meetings/<int:pk>/agenda/<int:item_pk>/remove/",
        agenda_item_remove,
        name="agenda-item-remove",
    ),
    path("governance/", governance_chain, name="governance-chain"),
    path("timeline/", timeline, name="timeline"),
    path("milestones/<int:pk>/edit/", milestone_edit, name="milestone-edit"),
    path("proposition/", proposition, name="proposition"),
    path("proposition/new/", proposition_create, name="proposition-create"),
    path("proposition/<int:number>/", proposition_version, name="proposition-version"),
    path("proposition/<int:number>.docx", proposition_download, name="proposition-docx"),
    path("proposition/<int:number>/approve/", proposition_approve, name="proposition-approve"),
    path("calendar/", calendar, name="calendar"),
    path("calendar/reset/", calendar_reset, name="calendar-reset"),
    path("calendar/<str:token>.ics", calendar_ics, name="calendar-feed"),
]
