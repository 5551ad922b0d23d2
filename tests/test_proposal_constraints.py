"""The rules of proposals and the governance that the database holds itself, whatever code
writes to it: first of all the hard rule, "No final deal will be agreed without the endorsement
of the WMCA Board". Rows are written here directly, past the services, on purpose.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.choices import Classification
from core.models import Deal
from tracker.choices import (
    AskType,
    DecisionOutcome,
    Outcome,
    PrincipleAnswer,
    ProposalStage,
    PropositionStatus,
)
from tracker.models import (
    AgendaItem,
    Decision,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionVersion,
    Workstream,
)
from tracker.selectors.governance import chain_of

S = ProposalStage
TODAY = dt.date(2026, 5, 20)
# Every stage and outcome that needs the last body's endorsement.
ENDORSED = [
    {"stage": S.APPROVED},
    {"stage": S.SUBMITTED, "submitted_on": TODAY},
    {"stage": S.IN_NEGOTIATION, "submitted_on": TODAY},
    *(
        {"stage": S.CONCLUDED, "outcome": o, "outcome_on": TODAY, "submitted_on": TODAY}
        for o in Outcome
        if o != Outcome.WITHDRAWN
    ),
]
CLEARED = {
    "stage": S.DRAFT,
    "awaiting_body": None,
    "board_endorsement": None,
    "submitted_on": None,
    "outcome": "",
    "outcome_on": None,
}


def refused(write: Callable[[], object]) -> bool:
    """Did the database refuse the write? (Run in a savepoint, so the test can go on.)"""
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def label(fields: dict[str, Any]) -> str:
    return "-".join(str(fields.get(name, "")) for name in ("stage", "outcome")).strip("-")


@pytest.fixture
def board(reference: Deal) -> GovernanceBody:
    return chain_of(reference)[-1]


@pytest.fixture
def transport(reference: Deal) -> Workstream:
    return Workstream.objects.get(deal=reference, slug="transport")


@pytest.fixture
def proposal(transport: Workstream) -> Proposal:
    return row(transport)


def row(workstream: Workstream, title: str = "Bus franchising", **fields: Any) -> Proposal:
    values = {"ask": "Fund it.", "ask_type": AskType.FUNDING} | fields
    return Proposal.objects.create(
        deal_id=workstream.deal_id, workstream=workstream, title=title, **values
    )


def endorsement(proposal: Proposal, body: GovernanceBody) -> Decision:
    return Decision.objects.create(
        proposal=proposal, body=body, outcome=DecisionOutcome.ENDORSED, decided_on=TODAY
    )


def update(proposal: Proposal, **fields: Any) -> Callable[[], int]:
    return lambda: Proposal.objects.filter(pk=proposal.pk).update(**(CLEARED | fields))


# --- The hard rule ----------------------------------------------------------------------------


@pytest.mark.parametrize("fields", ENDORSED, ids=label)
def test_no_proposal_row_is_written_past_the_board_without_its_endorsement(
    transport: Workstream, proposal: Proposal, fields: dict[str, Any]
) -> None:
    assert refused(lambda: row(transport, title="Written straight in", **fields))
    assert refused(update(proposal, **fields))
    assert Proposal.objects.get(pk=proposal.pk).stage == S.DRAFT


@pytest.mark.parametrize("fields", ENDORSED, ids=label)
def test_with_the_boards_endorsement_the_same_row_is_accepted(
    proposal: Proposal, board: GovernanceBody, fields: dict[str, Any]
) -> None:
    decision = endorsement(proposal, board)

    assert not refused(update(proposal, board_endorsement=decision, **fields))

    stored = Proposal.objects.get(pk=proposal.pk)
    assert (stored.stage, stored.board_endorsement) == (fields["stage"], decision)


def test_the_endorsement_cannot_be_taken_away_from_an_approved_proposal(
    proposal: Proposal, board: GovernanceBody
) -> None:
    decision = endorsement(proposal, board)
    Proposal.objects.filter(pk=proposal.pk).update(stage=S.APPROVED, board_endorsement=decision)

    assert refused(lambda: Proposal.objects.filter(pk=proposal.pk).update(board_endorsement=None))
    assert refused(decision.delete)
    assert Proposal.objects.get(pk=proposal.pk).board_endorsement == decision


def test_one_decision_endorses_one_proposal(
    transport: Workstream, proposal: Proposal, board: GovernanceBody
) -> None:
    decision = endorsement(proposal, board)
    Proposal.objects.filter(pk=proposal.pk).update(stage=S.APPROVED, board_endorsement=decision)
    other = row(transport, title="Rail stations")

    assert refused(update(other, stage=S.APPROVED, board_endorsement=decision))


def test_withdrawn_needs_no_endorsement_nor_a_submission(proposal: Proposal) -> None:
    assert not refused(
        update(proposal, stage=S.CONCLUDED, outcome=Outcome.WITHDRAWN, outcome_on=TODAY)
    )


# --- The other rules of a proposal's stage ----------------------------------------------------


def test_going_to_government_needs_the_day_it_went(
    proposal: Proposal, board: GovernanceBody
) -> None:
    decision = endorsement(proposal, board)
    endorsed = {"board_endorsement": decision}

    for fields in ENDORSED[1:]:
        without_date = fields | {"submitted_on": None}
        assert refused(update(proposal, **endorsed, **without_date)), label(fields)
    assert not refused(update(proposal, **endorsed, stage=S.APPROVED))


def test_only_a_proposal_in_the_chain_awaits_a_body(
    proposal: Proposal, reference: Deal, board: GovernanceBody
) -> None:
    first = chain_of(reference)[0]

    assert refused(update(proposal, stage=S.IN_GOVERNANCE))
    assert refused(update(proposal, awaiting_body=first))
    assert not refused(update(proposal, stage=S.IN_GOVERNANCE, awaiting_body=first))


def test_an_outcome_goes_with_concluded_and_its_date(proposal: Proposal) -> None:
    assert refused(update(proposal, stage=S.CONCLUDED, outcome=Outcome.WITHDRAWN))
    assert refused(update(proposal, stage=S.CONCLUDED, outcome_on=TODAY))
    assert refused(update(proposal, outcome=Outcome.WITHDRAWN))
    assert refused(update(proposal, outcome_on=TODAY))
    assert refused(
        update(proposal, stage=S.CONCLUDED, outcome="approved", outcome_on=TODAY),
    )


def test_stage_and_marking_take_known_values_only(proposal: Proposal) -> None:
    assert refused(update(proposal, stage="agreed"))
    assert refused(lambda: Proposal.objects.filter(pk=proposal.pk).update(classification="secret"))
    assert refused(lambda: Proposal.objects.filter(pk=proposal.pk).update(estimated_value=-1))


def test_what_is_asked_is_stated_beyond_draft(
    transport: Workstream, reference: Deal, board: GovernanceBody
) -> None:
    first = chain_of(reference)[0]
    vague = row(transport, title="Vague", ask="", ask_type="")
    in_chain = {"stage": S.IN_GOVERNANCE, "awaiting_body": first}

    assert refused(update(vague, **in_chain))
    assert refused(lambda: row(transport, title="No ask", ask="", **in_chain))
    assert refused(lambda: row(transport, title="No type", ask_type="", **in_chain))
    assert refused(lambda: row(transport, title="Odd type", ask_type="wish", **in_chain))
    assert not refused(update(vague, stage=S.CONCLUDED, outcome="withdrawn", outcome_on=TODAY))
    assert not refused(lambda: row(transport, title="Stated", **in_chain))


# --- Decisions --------------------------------------------------------------------------------


def test_a_referral_back_and_a_skip_give_their_reasons(
    proposal: Proposal, board: GovernanceBody
) -> None:
    def decision(outcome: str, notes: str = "") -> Callable[[], Decision]:
        return lambda: Decision.objects.create(
            proposal=proposal, body=board, outcome=outcome, notes=notes, decided_on=TODAY
        )

    assert refused(decision(DecisionOutcome.REFERRED_BACK))
    assert refused(decision(DecisionOutcome.SKIPPED))
    assert refused(decision("approved", "A reason."))
    assert not refused(decision(DecisionOutcome.REFERRED_BACK, "Add the costings."))
    assert not refused(decision(DecisionOutcome.SKIPPED, "Did not meet."))
    assert not refused(decision(DecisionOutcome.NOTED))


# --- Principles, agendas, talks, meetings, the Proposition ------------------------------------


def test_a_proposal_answers_each_principle_once(proposal: Proposal, reference: Deal) -> None:
    principle = Principle.objects.filter(deal=reference).first()

    def answer(value: str = PrincipleAnswer.YES) -> Callable[[], PrincipleResponse]:
        return lambda: PrincipleResponse.objects.create(
            proposal=proposal, principle=principle, answer=value
        )

    assert refused(answer("maybe"))
    assert not refused(answer())
    assert refused(answer(PrincipleAnswer.NO))
    assert proposal.principle_responses.get().answer == PrincipleAnswer.YES


def starts(days: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(TODAY, dt.time(10))) + dt.timedelta(days=days)


def meeting_of(body: GovernanceBody, days: int = 7, **fields: Any) -> Meeting:
    return Meeting.objects.create(body=body, starts_at=starts(days), **fields)


def test_a_proposal_is_on_a_meetings_agenda_once(
    proposal: Proposal, board: GovernanceBody, transport: Workstream
) -> None:
    meeting = meeting_of(board)

    def item(**fields: Any) -> Callable[[], AgendaItem]:
        values = {"meeting": meeting, "title": "An item"} | fields
        return lambda: AgendaItem.objects.create(**values)

    assert not refused(item(proposal=proposal))
    assert refused(item(proposal=proposal))
    assert not refused(item(proposal=proposal, meeting=meeting_of(board, days=14)))
    assert not refused(item(workstream=transport, generated=True))
    assert refused(item(workstream=transport, generated=True)), "one generated ask a workstream"
    assert not refused(item(workstream=transport)), "items by hand may repeat"
    assert refused(item(classification="secret"))


def test_a_talk_with_government_says_what_was_discussed(
    proposal: Proposal, reference: Deal
) -> None:
    department = GovernmentDepartment.objects.get(deal=reference, abbreviation="HMT")

    def talk(**fields: Any) -> Callable[[], NegotiationEntry]:
        values = {"summary": "Went through the costings.", "attendees": "Officials"} | fields
        return lambda: NegotiationEntry.objects.create(
            proposal=proposal, department=department, held_on=TODAY, **values
        )

    assert refused(talk(summary=""))
    assert refused(talk(classification="secret"))
    assert not refused(talk())
    assert NegotiationEntry.objects.get().classification == Classification.OFFICIAL_SENSITIVE


def test_a_deal_holds_a_department_abbreviation_once_and_any_number_without_one(
    reference: Deal,
) -> None:
    other = Deal.objects.create(name="Northfold Trailblazer Deal", short_name="NTD", slug="nf")

    def department(deal: Deal, name: str, abbreviation: str = "") -> Callable[[], object]:
        return lambda: GovernmentDepartment.objects.create(
            deal=deal, name=name, abbreviation=abbreviation
        )

    assert refused(department(reference, "Department for Transport Again", "DfT"))
    assert refused(department(reference, "Department for Transport"))
    assert not refused(department(other, "Department for Transport", "DfT"))
    assert not refused(department(reference, "Office for Example Affairs"))
    assert not refused(department(reference, "Office for Another Example"))


def test_a_meeting_ends_after_it_starts_and_a_body_meets_once_at_a_time(
    board: GovernanceBody, reference: Deal
) -> None:
    meeting_of(board, days=7)

    assert refused(lambda: meeting_of(board, days=8, ends_at=starts(8)))
    assert refused(lambda: meeting_of(board, days=8, ends_at=starts(7)))
    assert refused(lambda: meeting_of(board, days=7))
    assert refused(lambda: meeting_of(board, days=9, status="cancelled"))
    assert refused(lambda: meeting_of(board, days=10, classification="secret"))
    assert not refused(lambda: meeting_of(chain_of(reference)[0], days=7))
    assert not refused(lambda: meeting_of(board, days=8, ends_at=starts(8) + dt.timedelta(hours=2)))


def version(deal: Deal, number: int, **fields: Any) -> Callable[[], PropositionVersion]:
    return lambda: PropositionVersion.objects.create(
        deal=deal, number=number, title="TDD Proposition", **fields
    )


def test_one_version_of_the_proposition_stands_approved_per_deal(
    reference: Deal, board: GovernanceBody
) -> None:
    approved = {
        "status": PropositionStatus.APPROVED,
        "approved_on": TODAY,
        "approved_by": board,
    }
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    gm_board = GovernanceBody.objects.create(
        deal=other, name="GMCA", slug="gmca", kind="decision-board"
    )

    assert not refused(version(reference, 1, **approved))
    assert refused(version(reference, 2, **approved))
    assert not refused(version(reference, 2))
    assert refused(version(reference, 2)), "numbers are unique within a deal"
    assert not refused(version(other, 1, **approved | {"approved_by": gm_board}))
    assert not refused(version(reference, 3, **approved | {"status": PropositionStatus.SUPERSEDED}))


def test_an_approval_is_recorded_with_its_date_and_body_and_a_draft_has_neither(
    reference: Deal, board: GovernanceBody
) -> None:
    approved = PropositionStatus.APPROVED

    assert refused(version(reference, 1, status=approved))
    assert refused(version(reference, 1, status=approved, approved_on=TODAY))
    assert refused(version(reference, 1, status=approved, approved_by=board))
    assert refused(version(reference, 1, approved_on=TODAY))
    assert refused(version(reference, 1, status="rejected"))
    assert not refused(version(reference, 1))
