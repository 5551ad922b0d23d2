"""Pages for proposals: the list with its filters, one proposal with its journey through the
governance chain, drafting and editing, the principles checklist, submitting, the decisions of
the bodies, skipping a level, the outcome, and the log of talks with government.

Views are thin: reads come from ``selectors.proposals``, writes go through ``services``, and who
may do what is asked of ``core.policy``. A proposal the person may not see is a 404; one
they may see but a change they may not make is a 403. A change the rules refuse (a
``TrackerError``) is shown on the page as the service words it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from core import policy
from core.choices import Classification
from core.errors import DomainError
from core.models import Deal
from core.views import deal_query, posted, refusals, show_refusal
from missions.selectors import indicators_of_deal, mission_choices
from tracker import selectors, services, signals
from tracker.choices import (
    TALKS_REFUSAL,
    TALKS_STAGES,
    MeetingStatus,
    Outcome,
    ProposalStage,
    WorkstreamStatus,
)
from tracker.forms import proposals as forms
from tracker.models import (
    GovernanceBody,
    Meeting,
    NegotiationEntry,
    Proposal,
    Workstream,
)
from tracker.selectors.reporting import deal_people

PROPOSALS_PER_PAGE = 25
SEARCH_MAX_LENGTH = 200
STAGE_TAG_CLASSES = {
    ProposalStage.DRAFT: "govuk-tag--grey",
    ProposalStage.IN_GOVERNANCE: "govuk-tag--blue",
    ProposalStage.APPROVED: "govuk-tag--turquoise",
    ProposalStage.REJECTED: "govuk-tag--red",
    ProposalStage.SUBMITTED: "govuk-tag--purple",
    ProposalStage.IN_NEGOTIATION: "govuk-tag--yellow",
    ProposalStage.CONCLUDED: "govuk-tag--green",
}


# --- Helpers shared by the pages --------------------------------------------------------------


def _deal(request: HttpRequest) -> Deal:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        raise Http404("You do not have a role in a deal yet.")
    return deal


def _to_proposal(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    return redirect(reverse("proposal-detail", args=[proposal.pk]) + deal_query(request))


def _require_editor(request: HttpRequest, proposal: Proposal) -> None:
    if not policy.can_edit_proposal(request.user, proposal.workstream):
        raise PermissionDenied("Only the workstream's lead or an administrator can do this.")


def _require_admin(request: HttpRequest, proposal: Proposal) -> None:
    if not policy.can_run_governance(request.user, proposal.deal_id):
        raise PermissionDenied("Only an administrator can do this.")


def _page(request: HttpRequest, template: str, proposal: Proposal, **context: Any) -> HttpResponse:
    return render(
        request,
        f"tracker/proposals/{template}",
        {
            "proposal": proposal,
            "deal": proposal.deal,
            "deal_query": deal_query(request),
            "stage_tag": STAGE_TAG_CLASSES[ProposalStage(proposal.stage)],
            **context,
        },
    )


def _stage(proposal: Proposal) -> str:
    return proposal.get_stage_display().lower()


def _closed_notice(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    messages.info(
        request,
        f"“{proposal}” is {proposal.get_stage_display().lower()}: it is closed, so it cannot "
        "be changed.",
    )
    return _to_proposal(request, proposal)


# --- The list ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: list[tuple[str, str]]
    value: str


def _filters(request: HttpRequest, deal: Deal) -> list[Filter]:
    workstreams = list(selectors.reporting.workstream_choices(request.user).filter(deal=deal))
    themes = {(w.theme.slug, w.theme.name): None for w in workstreams}
    options: list[tuple[str, str, list[tuple[str, str]]]] = [
        ("theme", "Theme", list(themes)),
        ("workstream", "Workstream", [(w.slug, w.name) for w in workstreams]),
        ("stage", "Stage", list(ProposalStage.choices)),
        ("outcome", "Outcome", list(Outcome.choices)),
        ("body", "Awaiting", [(b.slug, b.name) for b in selectors.governance.chain_of(deal)]),
        ("mission", "Mission", [(str(m.number), str(m)) for m in mission_choices()]),
        (
            "department",
            "Department",
            [(str(d.pk), d.name) for d in selectors.proposals.departments_of(deal.pk)],
        ),
        ("classification", "Classification", list(Classification.choices)),
    ]
    filters = []
    for name, label, choices in options:
        value = request.GET.get(name, "")
        filters.append(
            Filter(name, label, choices, value if value in {c for c, _ in choices} else "")
        )
    return filters


LOOKUPS = {
    "theme": "workstream__theme__slug",
    "workstream": "workstream__slug",
    "stage": "stage",
    "outcome": "outcome",
    "body": "awaiting_body__slug",
    "mission": "missions__number",
    "department": "departments__pk",
    "classification": "classification",
}


def proposal_list(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return render(request, "tracker/no_deal.html", status=404)
    filters = _filters(request, deal)
    proposals = selectors.proposals.proposal_list(request.user).filter(deal=deal)
    for chosen in filters:
        if chosen.value:
            proposals = proposals.filter(**{LOOKUPS[chosen.name]: chosen.value})
    unanswered = request.GET.get("unanswered") == "yes"
    if unanswered:
        proposals = selectors.proposals.with_unanswered_principles(proposals)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    if query:
        proposals = proposals.filter(Q(title__icontains=query) | Q(ask__icontains=query))
    page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    kept = QueryDict(mutable=True)
    for name in ["deal", "q", "unanswered", *LOOKUPS]:
        if request.GET.get(name):
            kept[name] = request.GET[name]
    writable = selectors.reporting.writable_workstreams(request.user)
    return render(
        request,
        "tracker/proposals/proposal_list.html",
        {
            "deal": deal,
            "deal_query": deal_query(request),
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_ends=1),
            "proposals": [(p, STAGE_TAG_CLASSES[ProposalStage(p.stage)]) for p in page],
            "filters": filters,
            "unanswered": unanswered,
            "query": query,
            "search_max_length": SEARCH_MAX_LENGTH,
            "page_query": f"&{kept.urlencode()}" if kept else "",
            "filtered": any(name != "deal" for name in kept),
            "can_create": writable.filter(deal=deal).exists(),
            "on_list_page": True,
        },
    )


# --- One proposal -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PrincipleLine:
    question: str
    text: str
    answer: str
    note: str


def _principle_lines(proposal: Proposal) -> list[PrincipleLine]:
    responses = {r.principle_id: r for r in proposal.principle_responses.all()}
    lines = []
    for principle in selectors.proposals.principles_of(proposal.deal_id):
        response = responses.get(principle.pk)
        lines.append(
            PrincipleLine(
                question=principle.question,
                text=principle.text,
                answer=response.get_answer_display() if response else "",
                note=response.note if response else "",
            )
        )
    return lines


def _actions(
    request: HttpRequest, proposal: Proposal, government_refusal: str = ""
) -> dict[str, bool]:
    """Which buttons the person sees: only those they may use at this stage (and, to
    government, once the proposal is in the approved Proposition)."""
    edits = policy.can_edit_proposal(request.user, proposal.workstream)
    runs = policy.can_run_governance(request.user, proposal.deal_id)
    stage = proposal.stage
    in_governance = stage == ProposalStage.IN_GOVERNANCE
    return {
        "edit": edits and not proposal.is_closed,
        "principles": edits and not proposal.is_closed,
        "submit_to_chain": edits and stage == ProposalStage.DRAFT,
        "submit_to_government": runs and stage == ProposalStage.APPROVED and not government_refusal,
        "decide": runs and in_governance,
        "skip": runs
        and in_governance
        and proposal.awaiting_body is not None
        and proposal.awaiting_body.next_body_id is not None,
        "pass": runs
        and in_governance
        and proposal.awaiting_body is not None
        and proposal.awaiting_body.is_optional
        and proposal.awaiting_body.next_body_id is not None,
        "negotiate": edits and stage in TALKS_STAGES,
        "outcome": runs and not proposal.is_closed,
        "edit_negotiations": edits and not proposal.is_closed,
    }


def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    steps = selectors.proposals.journey(proposal, selectors.governance.chain_of(proposal.deal_id))
    principles = _principle_lines(proposal)
    # Why an administrator cannot send an approved proposal to government yet, if so.
    government_refusal = ""
    if proposal.stage == ProposalStage.APPROVED and policy.can_run_governance(
        request.user, proposal.deal_id
    ):
        government_refusal = selectors.proposals.government_refusal(proposal) or ""
    return _page(
        request,
        "proposal_detail.html",
        proposal,
        steps=[(step, step.words) for step in steps],
        decisions=list(proposal.decisions.all()),
        principles=principles,
        unanswered=[line for line in principles if not line.answer],
        negotiations=proposal.visible_negotiations,  # type: ignore[attr-defined]
        actions=_actions(request, proposal, government_refusal),
        government_refusal=government_refusal,
        history=selectors.history.history_of(proposal, request.user),
        on_proposal_page=True,
        extra_sections=signals.collected(
            signals.proposal_sections.send(sender=Proposal, user=request.user, proposal=proposal)
        ),
    )


# --- Drafting and editing ---------------------------------------------------------------------


def proposal_create(request: HttpRequest) -> HttpResponse:
    slug = request.GET.get("workstream")
    if slug:
        chosen = selectors.workstream_for_page(request.user, slug, request.GET.get("deal"))
        if not policy.can_edit_proposal(request.user, chosen):
            raise PermissionDenied("Only the workstream's lead or an administrator can do this.")
        deal = chosen.deal
    else:
        deal = _deal(request)
    workstreams = selectors.reporting.writable_workstreams(request.user).filter(deal=deal)
    if not workstreams.exists():
        raise PermissionDenied("Only a workstream's lead or an administrator can add proposals.")
    form = forms.ProposalForm(
        posted(request),
        initial={"workstream": workstreams.filter(slug=slug).first() if slug else None},
        workstreams=workstreams,
        people=deal_people(deal),
        departments=selectors.proposals.departments_of(deal.pk),
        indicators=indicators_of_deal(deal.pk).order_by("name"),
    )
    if form.is_bound and form.is_valid():
        with refusals(form):
            proposal = services.proposal_create(
                workstream=form.cleaned_data["workstream"],
                acting_user=policy.signed_in(request.user),
                **form.values(),
            )
        if not form.errors:
            messages.success(request, f"Proposal “{proposal}” drafted")
            return _to_proposal(request, proposal)
    return render(
        request,
        "tracker/proposals/proposal_form.html",
        {"form": form, "deal": deal, "deal_query": deal_query(request), "proposal": None},
    )


def proposal_edit(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    _require_editor(request, proposal)
    if proposal.is_closed:
        return _closed_notice(request, proposal)
    kw: dict[str, Any] = {
        "locked": proposal.stage != ProposalStage.DRAFT,
        "people": deal_people(proposal.deal, also=proposal.owner_id),
        "departments": selectors.proposals.departments_of(proposal.deal_id),
        "indicators": indicators_of_deal(proposal.deal_id).order_by("name"),
    }
    stale: services.StaleEdit | None = None
    if request.method != "POST":
        form = forms.ProposalEditForm(initial=forms.proposal_initial(proposal), **kw)
    else:
        form = forms.ProposalEditForm(request.POST, **kw)
        if form.is_valid():
            try:
                proposal = services.proposal_update(
                    proposal=proposal,
                    acting_user=policy.signed_in(request.user),
                    expected_revision=form.cleaned_data["revision"],
                    **form.values(),
                )
            except services.StaleEdit as error:
                stale = error
                proposal = selectors.proposals.proposal_for_page(request.user, pk)
                form = forms.ProposalEditForm.restarted(request.POST, proposal.revision, **kw)
                form.add_error(None, str(error))
            except (ValidationError, DomainError) as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Proposal “{proposal}” saved")
                return _to_proposal(request, proposal)
    return _page(request, "proposal_form.html", proposal, form=form, stale=stale)


def proposal_principles(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    _require_editor(request, proposal)
    if proposal.is_closed:
        return _closed_notice(request, proposal)
    principles = selectors.proposals.principles_of(proposal.deal_id)
    initial = forms.principles_initial(list(proposal.principle_responses.all()))
    form = forms.PrinciplesForm(posted(request), initial=initial, principles=principles)
    if form.is_bound and form.is_valid():
        with refusals(form):
            services.principles_answer(
                proposal=proposal,
                acting_user=policy.signed_in(request.user),
                answers=form.answers(),
            )
        if not form.errors:
            messages.success(request, "Answers to the principles saved")
            return _to_proposal(request, proposal)
    return _page(request, "principles_form.html", proposal, form=form)


# --- Through the chain ------------------------------------------------------------------------


def proposal_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm, then submit: a draft into the governance chain, an approved proposal to
    government."""
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    if proposal.stage == ProposalStage.APPROVED:
        _require_admin(request, proposal)
    else:
        _require_editor(request, proposal)
    chain = selectors.governance.chain_of(proposal.deal_id)
    errors: list[str] = []
    if request.method == "POST":
        try:
            proposal = services.proposal_submit(
                proposal=proposal, acting_user=policy.signed_in(request.user)
            )
        except (ValidationError, DomainError) as error:
            errors = error.messages if isinstance(error, ValidationError) else [str(error)]
        else:
            if proposal.stage == ProposalStage.SUBMITTED:
                messages.success(request, f"“{proposal}” submitted to government")
            else:
                messages.success(request, f"“{proposal}” sent to the {proposal.awaiting_body}")
            return _to_proposal(request, proposal)
    refusal, proposition = "", None
    if proposal.stage == ProposalStage.APPROVED:
        refusal = selectors.proposals.government_refusal(proposal) or ""
        if not refusal:
            proposition = selectors.governance.approved_proposition(proposal.deal_id)
    return _page(
        request,
        "submit_confirm.html",
        proposal,
        first_body=chain[0] if chain else None,
        errors=errors,
        refusal=refusal,
        proposition=proposition,
    )


def _meetings_of(request: HttpRequest, body: GovernanceBody | None) -> QuerySet[Meeting]:
    """The body's meetings a decision can be recorded at: started and not closed."""
    return (
        selectors.governance.meetings_for(request.user)
        .filter(body=body, starts_at__lte=timezone.now())
        .exclude(status=MeetingStatus.CLOSED)
        .order_by("-starts_at")
    )


def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    _require_admin(request, proposal)
    bodies = selectors.governance.bodies_of(proposal.deal_id)
    body = proposal.awaiting_body
    if request.method == "POST":
        body = bodies.filter(pk=request.POST.get("body") or 0).first() or body
    initial = {"body": body, "meeting": request.GET.get("meeting")}
    form = forms.DecisionForm(
        posted(request), initial=initial, bodies=bodies, meetings=_meetings_of(request, body)
    )
    if form.is_bound and form.is_valid():
        with refusals(form):
            decision = services.decision_record(
                proposal=proposal,
                body=form.cleaned_data["body"],
                acting_user=policy.signed_in(request.user),
                **form.values(),
            )
        if not form.errors:
            messages.success(
                request,
                f"{decision.get_outcome_display()} by the {decision.body}: decision recorded",
            )
            return _to_proposal(request, proposal)
    refusal = ""
    if proposal.stage != ProposalStage.IN_GOVERNANCE:
        refusal = f"“{proposal}” is not awaiting a decision: it is {_stage(proposal)}."
    return _page(request, "decision_form.html", proposal, form=form, body=body, refusal=refusal)


def proposal_skip(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    _require_admin(request, proposal)
    form = forms.SkipForm(posted(request))
    if form.is_bound and form.is_valid():
        with refusals(form):
            decision = services.proposal_skip(
                proposal=proposal, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"The {decision.body} skipped")
            return _to_proposal(request, proposal)
    body = proposal.awaiting_body
    refusal = ""
    if body is None:
        refusal = f"“{proposal}” is not in the governance chain: it is {_stage(proposal)}."
    elif body.next_body_id is None:
        refusal = (
            f"The {body} is the last body in the chain and cannot be skipped: no final deal is "
            "agreed without its endorsement."
        )
    return _page(
        request,
        "skip_form.html",
        proposal,
        form=form,
        body=body,
        next_body=body.next_body if body and body.next_body_id else None,
        refusal=refusal,
    )


def proposal_pass(request: HttpRequest, pk: int) -> HttpResponse:
    """Pass a proposal on from an optional body it awaits: not needed there, which is not a
    skip and needs no reason."""
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    _require_admin(request, proposal)
    form = forms.PassForm(posted(request))
    if form.is_bound and form.is_valid():
        with refusals(form):
            decision = services.proposal_pass(
                proposal=proposal, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"Passed on: the {decision.body} was not needed")
            return _to_proposal(request, proposal)
    body = proposal.awaiting_body
    refusal = ""
    if body is None:
        refusal = f"“{proposal}” is not in the governance chain: it is {_stage(proposal)}."
    elif not body.is_optional or body.next_body_id is None:
        refusal = (
            f"The {body} is not a body that work comes to as appropriate: it decides on the "
            "proposal, or an administrator skips it with a reason."
        )
    return _page(
        request,
        "pass_form.html",
        proposal,
        form=form,
        body=body,
        next_body=body.next_body if body and body.next_body_id else None,
        refusal=refusal,
    )


def proposal_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    _require_admin(request, proposal)
    form = forms.OutcomeForm(posted(request), stage=proposal.stage)
    if form.is_bound and form.is_valid():
        with refusals(form):
            proposal = services.proposal_conclude(
                proposal=proposal, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"Outcome recorded: {proposal.get_outcome_display()}")
            return _to_proposal(request, proposal)
    refusal = f"“{proposal}” is already {_stage(proposal)}." if proposal.is_closed else ""
    return _page(request, "outcome_form.html", proposal, form=form, refusal=refusal)


# --- Talks with government --------------------------------------------------------------------


def negotiation_create(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = selectors.proposals.proposal_for_page(request.user, pk)
    _require_editor(request, proposal)
    form = forms.NegotiationForm(
        posted(request), departments=selectors.proposals.departments_of(proposal.deal_id)
    )
    if form.is_bound and form.is_valid():
        with refusals(form):
            entry = services.negotiation_log(
                proposal=proposal, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"Talks with {entry.department} logged")
            return _to_proposal(request, proposal)
    refusal = ""
    if proposal.stage not in TALKS_STAGES:
        refusal = f"“{proposal}” is {_stage(proposal)}: {TALKS_REFUSAL}"
    return _page(request, "negotiation_form.html", proposal, form=form, entry=None, refusal=refusal)


def _entry_initial(entry: NegotiationEntry) -> dict[str, Any]:
    return {
        **{name: getattr(entry, name) for name in services.proposals.NEGOTIATION_FIELDS},
        "department": entry.department_id,
        "revision": entry.revision,
    }


def negotiation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    entry = (
        selectors.proposals.negotiations_for(request.user)
        .select_related("proposal__deal", "proposal__workstream")
        .filter(pk=pk)
        .first()
    )
    if entry is None:
        raise Http404("No such entry.")
    proposal = entry.proposal
    _require_editor(request, proposal)
    if proposal.is_closed:
        return _closed_notice(request, proposal)
    kw = {"departments": selectors.proposals.departments_of(proposal.deal_id)}
    stale: services.StaleEdit | None = None
    if request.method != "POST":
        form = forms.NegotiationEditForm(initial=_entry_initial(entry), **kw)
    else:
        form = forms.NegotiationEditForm(request.POST, **kw)
        if form.is_valid():
            try:
                entry = services.negotiation_update(
                    entry=entry,
                    acting_user=policy.signed_in(request.user),
                    expected_revision=form.cleaned_data["revision"],
                    **form.values(),
                )
            except services.StaleEdit as error:
                stale = error
                entry.refresh_from_db()
                form = forms.NegotiationEditForm.restarted(request.POST, entry.revision, **kw)
                form.add_error(None, str(error))
            except (ValidationError, DomainError) as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Talks with {entry.department} saved")
                return _to_proposal(request, proposal)
    return _page(request, "negotiation_form.html", proposal, form=form, entry=entry, stale=stale)


# --- Routes and the workstream page's section -------------------------------------------------

urlpatterns: list[URLPattern] = [
    path("proposals/", proposal_list, name="proposal-list"),
    path("proposals/new/", proposal_create, name="proposal-create"),
    path("proposals/<int:pk>/", proposal_detail, name="proposal-detail"),
    path("proposals/<int:pk>/edit/", proposal_edit, name="proposal-edit"),
    path("proposals/<int:pk>/principles/", proposal_principles, name="proposal-principles"),
    path("proposals/<int:pk>/submit/", proposal_submit, name="proposal-submit"),
    path("proposals/<int:pk>/decide/", proposal_decide, name="proposal-decide"),
    path("proposals/<int:pk>/skip/", proposal_skip, name="proposal-skip"),
    path("proposals/<int:pk>/pass/", proposal_pass, name="proposal-pass"),
    path("proposals/<int:pk>/outcome/", proposal_outcome, name="proposal-outcome"),
    path("proposals/<int:pk>/negotiations/new/", negotiation_create, name="negotiation-create"),
    path("negotiations/<int:pk>/edit/", negotiation_edit, name="negotiation-edit"),
]


def workstream_context(request: HttpRequest, workstream: Workstream) -> dict[str, Any]:
    """What this module adds to the workstream page: whether its proposals section offers to
    draft a new one. Asks nothing of the database beyond the roles already read."""
    return {
        "proposals_can_create": workstream.status == WorkstreamStatus.ACTIVE
        and policy.can_edit_proposal(request.user, workstream),
    }
