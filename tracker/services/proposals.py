"""Proposals on their way from a workstream to the deal: drafting, the principles checklist,
the climb through the governance chain by decisions, submission to government, the log of
bilateral talks, and the outcome.

The way up is data: each governance body names the body work goes to next, and one body per deal
starts the chain. A decision by the body a proposal awaits moves it on; any other body's decision
is refused. The last body's endorsement is kept on the proposal; without it nothing is submitted
to government or concluded other than by withdrawal, here and in a database constraint. An
approved proposal goes to government only as part of the composite Proposition: it must be
an item of the version the last body (the authority's Board) approved and that still stands.

Who may do what is decided in ``core.policy``: a workstream's lead (or an administrator)
drafts and edits its proposals, submits them into the chain and logs talks with government
departments, from the draft on;
administrators record decisions, skip a level with a reason, submit approved proposals to
government and record outcomes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import policy
from core.changes import changes_between
from core.choices import Classification
from core.errors import StaleEdit
from missions.selectors import indicators_of_deal

from ..choices import (
    BODY_DECISIONS,
    TALKS_REFUSAL,
    TALKS_STAGES,
    AskType,
    DecisionOutcome,
    Outcome,
    PrincipleAnswer,
    ProposalStage,
    WorkstreamStatus,
)
from ..models import (
    Decision,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    Workstream,
)
from ..selectors.proposals import government_refusal
from .base import TrackerError, _save
from .governance import agenda_sync

if TYPE_CHECKING:
    from accounts.models import User

# What the governance bodies decide on: fixed once a proposal leaves draft.
CONTENT_FIELDS = ["title", "ask", "ask_type", "challenge", "prize", "estimated_value"]
# Kept current for as long as the proposal is open.
OPEN_FIELDS = ["progress", "owner", "classification"]
LINK_FIELDS = ["departments", "missions", "metrics", "indicators"]
EDITABLE_FIELDS = [*CONTENT_FIELDS, *OPEN_FIELDS, *LINK_FIELDS]
# Outcomes that need to say what was agreed.
OUTCOMES_NEEDING_NOTES = (Outcome.AGREED, Outcome.PARTIALLY_AGREED)
NEGOTIATION_FIELDS = [
    "department",
    "held_on",
    "attendees",
    "summary",
    "next_steps",
    "classification",
]


# --- The chain --------------------------------------------------------------------------------


def _first_body(deal_id: int) -> GovernanceBody:
    body = GovernanceBody.objects.filter(deal_id=deal_id, is_chain_start=True).first()
    if body is None:
        raise TrackerError(
            "This deal has no governance chain yet: an administrator marks the body that starts "
            "it in the admin."
        )
    return body


# --- Drafting ---------------------------------------------------------------------------------


def _locked(proposal: Proposal) -> Proposal:
    return (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("workstream", "awaiting_body")
        .get(pk=proposal.pk)
    )


def _require_editor(acting_user: User, workstream: Workstream) -> None:
    if not policy.can_edit_proposal(acting_user, workstream):
        raise PermissionDenied(
            "Only the workstream's lead or an administrator can change its proposals."
        )


def _require_governance(acting_user: User, deal_id: int, what: str) -> None:
    if not policy.can_run_governance(acting_user, deal_id):
        raise PermissionDenied(f"Only an administrator can {what}.")


def _check_fields(deal_id: int, fields: Mapping[str, Any]) -> None:
    """Field rules a form cannot know: departments and indicators of this deal, an owner who
    may see it."""
    departments = fields.get("departments")
    if departments is not None and any(d.deal_id != deal_id for d in departments):
        raise ValidationError({"departments": "Choose departments this deal negotiates with"})
    indicators = fields.get("indicators")
    if indicators:
        allowed = set(
            indicators_of_deal(deal_id)
            .filter(pk__in=[i.pk for i in indicators])
            .values_list("pk", flat=True)
        )
        if any(i.pk not in allowed for i in indicators):
            raise ValidationError(
                {"indicators": "Choose indicators of this deal's frameworks or national ones"}
            )
    owner = fields.get("owner")
    if owner is not None:
        classification = fields.get("classification", Classification.OFFICIAL)
        if refusal := policy.owner_refusal(owner, deal_id, classification):
            raise ValidationError({"owner": refusal})
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: "This can't be set here" for name in sorted(unknown)})


def _set_links(proposal: Proposal, fields: Mapping[str, Any]) -> None:
    for name in LINK_FIELDS:
        if name in fields and fields[name] is not None:
            getattr(proposal, name).set(fields[name])


def _refuse_duplicate_title(workstream: Workstream, title: str, proposal_pk: int | None) -> None:
    others = Proposal.objects.filter(workstream=workstream, title=title)
    if proposal_pk is not None:
        others = others.exclude(pk=proposal_pk)
    if others.exists():
        raise ValidationError({"title": "This workstream already has a proposal with this title"})


def proposal_create(
    *,
    workstream: Workstream,
    acting_user: User,
    title: str,
    classification: str,
    **fields: Any,
) -> Proposal:
    """A new proposal, as a draft of the workstream."""
    _require_editor(acting_user, workstream)
    fields = {"title": title, "classification": classification, **fields}
    _check_fields(workstream.deal_id, fields)
    links = {name: fields.pop(name) for name in LINK_FIELDS if name in fields}
    try:
        with transaction.atomic():
            workstream = Workstream.objects.select_for_update().get(pk=workstream.pk)
            if workstream.status != WorkstreamStatus.ACTIVE:
                raise TrackerError(
                    f"{workstream} is {workstream.get_status_display().lower()}: "
                    "it takes no new proposals."
                )
            _refuse_duplicate_title(workstream, title, None)
            proposal = Proposal(
                deal_id=workstream.deal_id,
                workstream=workstream,
                owner=fields.pop("owner", None) or acting_user,
                moved_at=timezone.now(),
                **fields,
            )
            _save(proposal, acting_user)
            _set_links(proposal, links)
            return proposal
    except IntegrityError:
        raise TrackerError(
            "Someone else added a proposal with this title at the same moment: check the list."
        ) from None


def proposal_update(
    *,
    proposal: Proposal,
    acting_user: User,
    expected_revision: int | None = None,
    **fields: Any,
) -> Proposal:
    """Change a proposal. What is asked is fixed once the proposal leaves draft, because it is
    what the governance bodies decide on; progress, owner, marking and links stay editable
    until the proposal is closed."""
    _check_fields(
        proposal.deal_id,
        {"owner": proposal.owner, "classification": proposal.classification} | fields,
    )
    with transaction.atomic():
        current = _locked(proposal)
        _require_editor(acting_user, current.workstream)
        if current.is_closed:
            raise TrackerError(
                f"“{current}” is {current.get_stage_display().lower()}: it is closed."
            )
        if expected_revision is not None and current.revision != expected_revision:
            raise _stale(current, expected_revision, fields)
        if current.stage != ProposalStage.DRAFT:
            changed = [
                n for n in CONTENT_FIELDS if n in fields and fields[n] != getattr(current, n)
            ]
            if changed:
                raise TrackerError(
                    f"“{current}” has left draft: what it asks is what the governance bodies "
                    "are deciding on, so its title, ask, type, challenge, prize and value are "
                    "fixed. A body can refer it back to draft for changes."
                )
        if "title" in fields:
            _refuse_duplicate_title(current.workstream, fields["title"], current.pk)
        for name, value in fields.items():
            if name not in LINK_FIELDS:
                setattr(current, name, value)
        current.revision += 1
        _save(current, acting_user)
        _set_links(current, fields)
        return current


def proposal_delete(*, proposal: Proposal, acting_user: User) -> None:
    """Delete a draft no body has decided on: one made by mistake. A proposal that has been
    before a body is part of the governance record: it is withdrawn (``proposal_conclude``)."""
    with transaction.atomic():
        current = _locked(proposal)
        _require_editor(acting_user, current.workstream)
        if current.stage != ProposalStage.DRAFT or current.decisions.exists():
            raise TrackerError(
                f"“{current}” has been before the governance bodies: withdraw it rather than "
                "delete it."
            )
        current._history_user = acting_user  # type: ignore[attr-defined]  # who, in its history
        current.delete()


def _stale(current: Proposal, expected_revision: int, fields: Mapping[str, Any]) -> StaleEdit:
    base = current.history.filter(revision=expected_revision).first()
    names = [n for n in fields if n not in LINK_FIELDS] or CONTENT_FIELDS
    changes = changes_between(base.instance, current, names) if base is not None else []
    return StaleEdit(
        "Someone else changed this proposal while you were editing it. Check what changed, "
        "then make your change again.",
        changes,
    )


def principles_answer(
    *,
    proposal: Proposal,
    acting_user: User,
    answers: Mapping[Principle, tuple[str, str]],
) -> list[PrincipleResponse]:
    """Record the proposal's answers to its deal's principles: (answer, note) per principle."""
    _require_editor(acting_user, proposal.workstream)
    errors = {}
    for principle, (answer, _note) in answers.items():
        if principle.deal_id != proposal.deal_id:
            errors[f"principle_{principle.pk}"] = "This principle belongs to another deal"
        elif answer not in PrincipleAnswer.values:
            errors[f"principle_{principle.pk}"] = f"Answer “{principle.question}”"
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = _locked(proposal)
        if current.is_closed:
            raise TrackerError(
                f"“{current}” is {current.get_stage_display().lower()}: it is closed."
            )
        saved = []
        existing = {r.principle_id: r for r in current.principle_responses.select_for_update()}
        for principle, (answer, note) in answers.items():
            response = existing.get(principle.pk) or PrincipleResponse(
                proposal=current, principle=principle
            )
            if response.pk and (response.answer, response.note) == (answer, note):
                saved.append(response)
                continue
            response.answer, response.note, response.answered_by = answer, note, acting_user
            saved.append(_save(response, acting_user))
        return saved


# --- Through the chain ------------------------------------------------------------------------


def _move(
    proposal: Proposal,
    acting_user: User,
    *,
    stage: str,
    awaiting: GovernanceBody | None = None,
    **fields: Any,
) -> Proposal:
    """Put a locked proposal in a new stage (and awaiting a body), and keep the agendas of the
    bodies it leaves and reaches in step."""
    left = proposal.awaiting_body
    proposal.stage = stage
    proposal.awaiting_body = awaiting
    for name, value in fields.items():
        setattr(proposal, name, value)
    proposal.moved_at = timezone.now()
    proposal.revision += 1
    _save(proposal, acting_user)
    for body in {b for b in (left, awaiting) if b is not None}:
        agenda_sync(body)
    return proposal


def proposal_submit(
    *, proposal: Proposal, acting_user: User, on: dt.date | None = None
) -> Proposal:
    """A draft goes to the first body in the chain; an approved proposal goes to government,
    once it is in the Proposition the last body approved
    (``selectors.proposals.government_refusal``)."""
    with transaction.atomic():
        current = _locked(proposal)
        if current.stage == ProposalStage.DRAFT:
            _require_editor(acting_user, current.workstream)
            missing = {}
            if not current.ask.strip():
                missing["ask"] = "Say what is asked of government before submitting"
            if current.ask_type not in AskType.values:
                missing["ask_type"] = "Choose the type of ask before submitting"
            if missing:
                raise ValidationError(missing)
            return _move(
                current,
                acting_user,
                stage=ProposalStage.IN_GOVERNANCE,
                awaiting=_first_body(current.deal_id),
            )
        if current.stage == ProposalStage.APPROVED:
            _require_governance(acting_user, current.deal_id, "submit a proposal to government")
            refusal = government_refusal(current, lock=True)
            if refusal:
                raise TrackerError(refusal)
            return _move(
                current,
                acting_user,
                stage=ProposalStage.SUBMITTED,
                submitted_on=on or timezone.localdate(),
            )
        raise TrackerError(
            f"“{current}” is {current.get_stage_display().lower()}: only a draft can be "
            "submitted into the governance chain, and only an approved proposal to government."
        )


def _check_meeting(meeting: Meeting | None, body: GovernanceBody) -> None:
    if meeting is None:
        return
    if meeting.body_id != body.pk:
        raise ValidationError({"meeting": f"That meeting is of {meeting.body}, not {body}"})
    if meeting.status == "closed":
        raise TrackerError(
            f"The {meeting} meeting is closed: its decisions are locked. Record this decision "
            "without a meeting, or at a later one."
        )
    if meeting.starts_at > timezone.now():
        raise TrackerError(f"The {meeting} meeting has not happened yet.")


def decision_record(
    *,
    proposal: Proposal,
    body: GovernanceBody,
    outcome: str,
    acting_user: User,
    meeting: Meeting | None = None,
    notes: str = "",
    decided_on: dt.date | None = None,
) -> Decision:
    """Record what a body decided about a proposal, and move the proposal accordingly:
    endorsed goes to the next body (or, after the last, is approved), referred back returns to
    draft with the reasons, rejected closes it, noted changes nothing. Only the body the
    proposal awaits can decide on it."""
    _require_governance(acting_user, proposal.deal_id, "record decisions")
    if outcome not in BODY_DECISIONS:
        raise ValidationError({"outcome": "Choose endorsed, referred back, rejected or noted"})
    if body.deal_id != proposal.deal_id:
        raise ValidationError({"body": "Choose a body of this proposal's deal"})
    if outcome == DecisionOutcome.REFERRED_BACK and not notes.strip():
        raise ValidationError({"notes": "Say why the proposal is referred back"})
    _check_meeting(meeting, body)
    with transaction.atomic():
        current = _locked(proposal)
        if current.stage != ProposalStage.IN_GOVERNANCE:
            raise TrackerError(
                f"“{current}” is not awaiting a decision: it is "
                f"{current.get_stage_display().lower()}."
            )
        if current.awaiting_body_id != body.pk:
            raise TrackerError(
                f"{body} cannot decide on “{current}”: it awaits {current.awaiting_body}."
            )
        if meeting is not None:
            meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
            _check_meeting(meeting, body)
        decision = _save(
            Decision(
                proposal=current,
                body=body,
                meeting=meeting,
                outcome=outcome,
                notes=notes,
                decided_on=decided_on
                or (timezone.localdate(meeting.starts_at) if meeting else timezone.localdate()),
                recorded_by=acting_user,
            ),
            acting_user,
        )
        if outcome == DecisionOutcome.ENDORSED and body.next_body_id:
            _move(current, acting_user, stage=ProposalStage.IN_GOVERNANCE, awaiting=body.next_body)
        elif outcome == DecisionOutcome.ENDORSED:
            _move(current, acting_user, stage=ProposalStage.APPROVED, board_endorsement=decision)
        elif outcome == DecisionOutcome.REFERRED_BACK:
            _move(current, acting_user, stage=ProposalStage.DRAFT)
        elif outcome == DecisionOutcome.REJECTED:
            _move(current, acting_user, stage=ProposalStage.REJECTED)
        return decision


def proposal_skip(
    *, proposal: Proposal, acting_user: User, reason: str, on: dt.date | None = None
) -> Decision:
    """An administrator moves a proposal past the body it awaits, with the reason on record.
    The last body cannot be skipped: no final deal without its endorsement."""
    _require_governance(acting_user, proposal.deal_id, "skip a level of the chain")
    if not reason.strip():
        raise ValidationError({"reason": "Say why this level is skipped"})
    with transaction.atomic():
        current = _locked(proposal)
        if current.stage != ProposalStage.IN_GOVERNANCE:
            raise TrackerError(
                f"“{current}” is not in the governance chain: it is "
                f"{current.get_stage_display().lower()}."
            )
        body = current.awaiting_body
        assert body is not None  # a constraint: in governance means awaiting a body
        if body.next_body_id is None:
            raise TrackerError(
                f"{body} is the last body in the chain and cannot be skipped: no final deal is "
                "agreed without its endorsement."
            )
        decision = _save(
            Decision(
                proposal=current,
                body=body,
                outcome=DecisionOutcome.SKIPPED,
                notes=reason,
                decided_on=on or timezone.localdate(),
                recorded_by=acting_user,
            ),
            acting_user,
        )
        _move(current, acting_user, stage=ProposalStage.IN_GOVERNANCE, awaiting=body.next_body)
        return decision


def proposal_pass(
    *, proposal: Proposal, acting_user: User, notes: str = "", on: dt.date | None = None
) -> Decision:
    """An administrator passes a proposal on from an optional body it awaits, one that work
    comes to "as appropriate", because it is not needed there: recorded as not needed, not as
    a skip, and with no reason required. Any other body is skipped with a reason
    (``proposal_skip``); the last body is never optional (a database constraint), so nothing
    goes further without its endorsement."""
    _require_governance(acting_user, proposal.deal_id, "pass a proposal on")
    with transaction.atomic():
        current = _locked(proposal)
        if current.stage != ProposalStage.IN_GOVERNANCE:
            raise TrackerError(
                f"“{current}” is not in the governance chain: it is "
                f"{current.get_stage_display().lower()}."
            )
        body = current.awaiting_body
        assert body is not None  # a constraint: in governance means awaiting a body
        if not body.is_optional or body.next_body_id is None:
            raise TrackerError(
                f"{body} is not a body that work comes to as appropriate: it decides on "
                f"“{current}”, or an administrator skips it with a reason."
            )
        decision = _save(
            Decision(
                proposal=current,
                body=body,
                outcome=DecisionOutcome.NOT_NEEDED,
                notes=notes,
                decided_on=on or timezone.localdate(),
                recorded_by=acting_user,
            ),
            acting_user,
        )
        _move(current, acting_user, stage=ProposalStage.IN_GOVERNANCE, awaiting=body.next_body)
        return decision


def proposal_conclude(
    *,
    proposal: Proposal,
    acting_user: User,
    outcome: str,
    notes: str = "",
    on: dt.date | None = None,
) -> Proposal:
    """Record how a proposal ended. Withdrawn is possible at any open stage; every other
    outcome once the proposal has been submitted to government."""
    _require_governance(acting_user, proposal.deal_id, "record outcomes")
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "Choose an outcome"})
    if outcome in OUTCOMES_NEEDING_NOTES and not notes.strip():
        raise ValidationError({"notes": "Say what was agreed"})
    with transaction.atomic():
        current = _locked(proposal)
        if current.is_closed:
            raise TrackerError(f"“{current}” is already {current.get_stage_display().lower()}.")
        if outcome != Outcome.WITHDRAWN and current.stage not in (
            ProposalStage.SUBMITTED,
            ProposalStage.IN_NEGOTIATION,
        ):
            raise TrackerError(
                f"“{current}” is {current.get_stage_display().lower()}: an outcome other than "
                "withdrawn is recorded only once a proposal endorsed by the last body in the "
                "chain has been submitted to government."
            )
        return _move(
            current,
            acting_user,
            stage=ProposalStage.CONCLUDED,
            outcome=outcome,
            outcome_on=on or timezone.localdate(),
            outcome_notes=notes,
        )


# --- Negotiation ------------------------------------------------------------------------------


def _check_negotiation(proposal: Proposal, fields: Mapping[str, Any]) -> None:
    department = fields.get("department")
    if isinstance(department, GovernmentDepartment) and department.deal_id != proposal.deal_id:
        raise ValidationError({"department": "Choose a department this deal negotiates with"})
    held_on = fields.get("held_on")
    if held_on is not None and held_on > timezone.localdate():
        raise ValidationError({"held_on": "The date must be today or in the past"})
    unknown = set(fields) - set(NEGOTIATION_FIELDS)
    if unknown:
        raise ValidationError({name: "This can't be set here" for name in sorted(unknown)})


def negotiation_log(
    *,
    proposal: Proposal,
    acting_user: User,
    department: GovernmentDepartment,
    held_on: dt.date,
    attendees: str,
    summary: str,
    next_steps: str = "",
    classification: str = Classification.OFFICIAL_SENSITIVE,
) -> NegotiationEntry:
    """Log a bilateral engagement with a government department, on a draft (the lead's talks
    while developing it) or once submitted (``TALKS_STAGES``). The first one after submission
    moves the proposal into negotiation; one on a draft leaves it a draft."""
    _require_editor(acting_user, proposal.workstream)
    fields = {
        "department": department,
        "held_on": held_on,
        "attendees": attendees,
        "summary": summary,
        "next_steps": next_steps,
        "classification": classification,
    }
    _check_negotiation(proposal, fields)
    with transaction.atomic():
        current = _locked(proposal)
        if current.stage not in TALKS_STAGES:
            raise TrackerError(
                f"“{current}” is {current.get_stage_display().lower()}: {TALKS_REFUSAL}"
            )
        entry = _save(
            NegotiationEntry(proposal=current, recorded_by=acting_user, **fields), acting_user
        )
        current.departments.add(department)
        if current.stage == ProposalStage.SUBMITTED:
            _move(current, acting_user, stage=ProposalStage.IN_NEGOTIATION)
        return entry


def negotiation_update(
    *,
    entry: NegotiationEntry,
    acting_user: User,
    expected_revision: int | None = None,
    **fields: Any,
) -> NegotiationEntry:
    _check_negotiation(entry.proposal, fields)
    with transaction.atomic():
        proposal = _locked(entry.proposal)
        _require_editor(acting_user, proposal.workstream)
        if proposal.is_closed:
            raise TrackerError(f"“{proposal}” is closed: its negotiation log is read-only.")
        current = NegotiationEntry.objects.select_for_update().get(pk=entry.pk)
        if expected_revision is not None and current.revision != expected_revision:
            base = current.history.filter(revision=expected_revision).first()
            raise StaleEdit(
                "Someone else changed this entry while you were editing it. Check what changed, "
                "then make your change again.",
                changes_between(base.instance, current, list(fields)) if base else [],
            )
        for name, value in fields.items():
            setattr(current, name, value)
        current.revision += 1
        _save(current, acting_user)
        if "department" in fields:
            proposal.departments.add(fields["department"])
        return current
