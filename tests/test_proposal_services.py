"""The proposal services: every move through the governance chain, to government and to an
outcome, allowed and refused with the reason; what stays fixed once a proposal leaves draft;
lost updates; when a proposal last moved; and who may call each service, role by role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from core.choices import Classification
from core.models import Deal
from tracker import services
from tracker.choices import (
    AskType,
    DecisionOutcome,
    MeetingStatus,
    Outcome,
    PrincipleAnswer,
    ProposalStage,
    PropositionStatus,
)
from tracker.models import (
    Decision,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    NegotiationEntry,
    Principle,
    Proposal,
    PropositionVersion,
    Workstream,
)
from tracker.selectors.governance import chain_of
from tracker.services import StaleEdit, TrackerError

from .conftest import People, approve_proposition, to_government

S = ProposalStage
OFFICIAL = Classification.OFFICIAL
NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
ROLES = ["admin", "lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]
EDITORS = {"admin", "lead"}
ADMINS = {"admin"}
OPEN_STAGES = [S.DRAFT, S.IN_GOVERNANCE, S.APPROVED, S.SUBMITTED, S.IN_NEGOTIATION]
GOVERNMENT_OUTCOMES = [o for o in Outcome if o != Outcome.WITHDRAWN]


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chain(people: People) -> list[GovernanceBody]:
    return chain_of(people.deal)


@pytest.fixture
def dft(people: People) -> GovernmentDepartment:
    return GovernmentDepartment.objects.get(deal=people.deal, abbreviation="DfT")


@pytest.fixture
def hmt(people: People) -> GovernmentDepartment:
    return GovernmentDepartment.objects.get(deal=people.deal, abbreviation="HMT")


# --- Helpers ----------------------------------------------------------------------------------


def fresh(proposal: Proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


def draft(
    people: People,
    title: str = "Bus franchising funding",
    classification: str = OFFICIAL,
    **fields: Any,
) -> Proposal:
    values = {"ask": "Fund the move to bus franchising.", "ask_type": AskType.FUNDING} | fields
    return services.proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.lead,
        title=title,
        classification=classification,
        **values,
    )


def decide(
    people: People, proposal: Proposal, body: GovernanceBody, outcome: str, **kwargs: Any
) -> Decision:
    return services.decision_record(
        proposal=proposal, body=body, outcome=outcome, acting_user=people.admin, **kwargs
    )


def awaiting(people: People, chain: list[GovernanceBody], n: int, **fields: Any) -> Proposal:
    """A proposal submitted into the chain and endorsed by its first ``n`` bodies."""
    proposal = services.proposal_submit(proposal=draft(people, **fields), acting_user=people.lead)
    for body in chain[:n]:
        decide(people, proposal, body, DecisionOutcome.ENDORSED)
    return fresh(proposal)


def talk(
    people: People, proposal: Proposal, department: GovernmentDepartment, **fields: Any
) -> NegotiationEntry:
    values = {
        "held_on": NOW.date(),
        "attendees": "DfT officials; the transport workstream lead",
        "summary": "Walked officials through the funding profile.",
    } | fields
    return services.negotiation_log(
        proposal=proposal, acting_user=people.lead, department=department, **values
    )


def at_stage(
    people: People, chain: list[GovernanceBody], stage: str, dft: GovernmentDepartment
) -> Proposal:
    """A proposal taken to ``stage`` by the services."""
    if stage == S.DRAFT:
        return draft(people)
    if stage == S.IN_GOVERNANCE:
        return awaiting(people, chain, 1)
    if stage == S.REJECTED:
        proposal = awaiting(people, chain, 1)
        decide(people, proposal, chain[1], DecisionOutcome.REJECTED)
        return fresh(proposal)
    proposal = awaiting(people, chain, len(chain))
    if stage == S.APPROVED:
        return proposal
    to_government(people, proposal)
    if stage == S.SUBMITTED:
        return fresh(proposal)
    talk(people, proposal, dft)
    if stage == S.IN_NEGOTIATION:
        return fresh(proposal)
    assert stage == S.CONCLUDED
    return services.proposal_conclude(
        proposal=proposal, acting_user=people.admin, outcome=Outcome.AGREED, notes="All of it."
    )


def meeting(
    people: People, body: GovernanceBody, days: int = -1, status: str = MeetingStatus.PLANNED
) -> Meeting:
    """A meeting of ``body`` ``days`` from now, taken to ``status`` by the services."""
    made = services.meeting_create(
        body=body, acting_user=people.admin, starts_at=NOW + dt.timedelta(days=days)
    )
    steps = [MeetingStatus.HELD, MeetingStatus.CLOSED]
    for step in steps[: [MeetingStatus.PLANNED, *steps].index(status)]:
        made = services.meeting_advance(meeting=made, acting_user=people.admin, status=step)
    return made


# --- Into the chain ---------------------------------------------------------------------------


def test_submitting_a_draft_sends_it_to_the_first_body_in_the_chain(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = draft(people)

    services.proposal_submit(proposal=proposal, acting_user=people.lead)

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.awaiting_body) == (S.IN_GOVERNANCE, chain[0])
    assert chain[0].name == "TDD Core Team"
    assert proposal.revision == 2
    assert proposal.history.first().history_user == people.lead


def test_a_draft_that_does_not_say_what_it_asks_cannot_be_submitted(people: People) -> None:
    proposal = draft(people, ask="", ask_type="")

    with pytest.raises(ValidationError) as error:
        services.proposal_submit(proposal=proposal, acting_user=people.lead)

    assert set(error.value.message_dict) == {"ask", "ask_type"}
    assert fresh(proposal).stage == S.DRAFT
    partly = draft(people, title="Rail stations", ask="Devolve the stations.", ask_type="")
    with pytest.raises(ValidationError) as error:
        services.proposal_submit(proposal=partly, acting_user=people.lead)
    assert set(error.value.message_dict) == {"ask_type"}


def test_a_deal_without_a_chain_says_so_when_a_draft_is_submitted(people: People) -> None:
    proposal = draft(people)
    GovernanceBody.objects.filter(deal=people.deal).update(is_chain_start=False)

    with pytest.raises(TrackerError, match="no governance chain"):
        services.proposal_submit(proposal=proposal, acting_user=people.lead)

    assert fresh(proposal).stage == S.DRAFT


# --- Decisions --------------------------------------------------------------------------------


def test_each_bodys_endorsement_sends_the_proposal_to_the_next_body(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 0)

    for body, after in zip(chain, chain[1:], strict=False):
        decision = decide(people, proposal, body, DecisionOutcome.ENDORSED)
        proposal = fresh(proposal)
        assert (proposal.stage, proposal.awaiting_body) == (S.IN_GOVERNANCE, after)
        assert proposal.board_endorsement is None
        assert (decision.body, decision.recorded_by, decision.decided_on) == (
            body,
            people.admin,
            NOW.date(),
        )
    assert proposal.awaiting_body.name == "WMCA Board"


def test_the_last_bodys_endorsement_approves_it_and_is_kept_as_the_boards_endorsement(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain) - 1)

    decision = decide(people, proposal, chain[-1], DecisionOutcome.ENDORSED)

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.awaiting_body) == (S.APPROVED, None)
    assert proposal.board_endorsement == decision
    assert decision.body.name == "WMCA Board"
    assert proposal.submitted_on is None


def test_referred_back_returns_it_to_draft_with_the_reasons_and_it_climbs_again_from_the_start(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 2)

    with pytest.raises(ValidationError) as error:
        decide(people, proposal, chain[2], DecisionOutcome.REFERRED_BACK, notes="  ")
    assert set(error.value.message_dict) == {"notes"}
    assert fresh(proposal).awaiting_body == chain[2]

    decision = decide(
        people, proposal, chain[2], DecisionOutcome.REFERRED_BACK, notes="Add the costings."
    )

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.awaiting_body) == (S.DRAFT, None)
    assert (decision.outcome, decision.notes) == (
        DecisionOutcome.REFERRED_BACK,
        "Add the costings.",
    )
    services.proposal_update(proposal=proposal, acting_user=people.lead, prize="Costed: £40m.")
    services.proposal_submit(proposal=proposal, acting_user=people.lead)
    assert fresh(proposal).awaiting_body == chain[0]


def test_rejected_closes_the_proposal(people: People, chain: list[GovernanceBody]) -> None:
    proposal = awaiting(people, chain, 1)

    decide(people, proposal, chain[1], DecisionOutcome.REJECTED, notes="Not a priority.")

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.awaiting_body, proposal.is_closed) == (S.REJECTED, None, True)


def test_noted_changes_nothing(people: People, chain: list[GovernanceBody]) -> None:
    proposal = awaiting(people, chain, 1)

    decision = decide(people, proposal, chain[1], DecisionOutcome.NOTED)

    after = fresh(proposal)
    assert decision.outcome == DecisionOutcome.NOTED
    assert (after.stage, after.awaiting_body, after.revision, after.moved_at) == (
        proposal.stage,
        proposal.awaiting_body,
        proposal.revision,
        proposal.moved_at,
    )


def test_a_decision_by_any_body_but_the_awaited_one_is_refused_naming_the_awaited_body(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 3)
    others = GovernanceBody.objects.filter(deal=people.deal).exclude(pk=chain[3].pk)

    assert others.count() == 12
    for body in others:
        with pytest.raises(TrackerError, match="it awaits Devolution Strategy Group"):
            decide(people, proposal, body, DecisionOutcome.ENDORSED)
    assert fresh(proposal).awaiting_body == chain[3]
    assert proposal.decisions.count() == 3


def test_a_body_of_another_deal_cannot_decide(people: People, chain: list[GovernanceBody]) -> None:
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    body = GovernanceBody.objects.create(
        deal=other, name="GMCA", slug="gmca", kind="decision-board"
    )
    proposal = awaiting(people, chain, 0)

    with pytest.raises(ValidationError) as error:
        decide(people, proposal, body, DecisionOutcome.ENDORSED)

    assert set(error.value.message_dict) == {"body"}


@pytest.mark.parametrize("stage", [S.DRAFT, S.APPROVED, S.SUBMITTED, S.REJECTED, S.CONCLUDED])
def test_no_decision_is_recorded_on_a_proposal_that_awaits_none(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)
    before = proposal.decisions.count()

    for body in chain:
        with pytest.raises(TrackerError, match="is not awaiting a decision"):
            decide(people, proposal, body, DecisionOutcome.ENDORSED)

    assert fresh(proposal).stage == stage
    assert proposal.decisions.count() == before


def test_skipped_is_not_a_decision_a_body_records(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 0)

    for outcome in (DecisionOutcome.SKIPPED, "approved", ""):
        with pytest.raises(ValidationError) as error:
            decide(people, proposal, chain[0], outcome, notes="Because.")
        assert set(error.value.message_dict) == {"outcome"}
    assert not proposal.decisions.exists()


# --- Decisions at meetings --------------------------------------------------------------------


def test_a_decision_at_a_meeting_of_the_body_is_dated_by_the_meeting(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 0)
    held = meeting(people, chain[0], days=-3, status=MeetingStatus.HELD)

    decision = decide(people, proposal, chain[0], DecisionOutcome.ENDORSED, meeting=held)

    assert decision.meeting == held
    assert decision.decided_on == (NOW - dt.timedelta(days=3)).date()


def test_a_decision_at_a_closed_meeting_is_refused_its_decisions_are_locked(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 0)
    closed = meeting(people, chain[0], status=MeetingStatus.CLOSED)

    with pytest.raises(TrackerError, match="is closed: its decisions are locked"):
        decide(people, proposal, chain[0], DecisionOutcome.ENDORSED, meeting=closed)

    assert fresh(proposal).awaiting_body == chain[0]
    assert not proposal.decisions.exists()


def test_a_decision_at_a_meeting_of_another_body_is_refused(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 0)
    elsewhere = meeting(people, chain[1])

    with pytest.raises(ValidationError) as error:
        decide(people, proposal, chain[0], DecisionOutcome.ENDORSED, meeting=elsewhere)

    assert set(error.value.message_dict) == {"meeting"}
    assert not proposal.decisions.exists()


def test_a_decision_at_a_meeting_that_has_not_happened_is_refused(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 0)
    ahead = meeting(people, chain[0], days=7)

    with pytest.raises(TrackerError, match="has not happened yet"):
        decide(people, proposal, chain[0], DecisionOutcome.ENDORSED, meeting=ahead)


# --- Skipping a level -------------------------------------------------------------------------


def test_an_administrator_skips_a_level_with_the_reason_on_record(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, 1)

    decision = services.proposal_skip(
        proposal=proposal, acting_user=people.admin, reason="The group did not meet this month."
    )

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.awaiting_body) == (S.IN_GOVERNANCE, chain[2])
    assert (decision.body, decision.outcome, decision.notes, decision.meeting) == (
        chain[1],
        DecisionOutcome.SKIPPED,
        "The group did not meet this month.",
        None,
    )
    assert decision.recorded_by == people.admin


def test_a_skip_needs_a_reason(people: People, chain: list[GovernanceBody]) -> None:
    proposal = awaiting(people, chain, 1)

    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            services.proposal_skip(proposal=proposal, acting_user=people.admin, reason=reason)
        assert set(error.value.message_dict) == {"reason"}

    assert fresh(proposal).awaiting_body == chain[1]


def test_the_last_body_can_never_be_skipped(people: People, chain: list[GovernanceBody]) -> None:
    proposal = awaiting(people, chain, len(chain) - 1)

    with pytest.raises(TrackerError, match="WMCA Board is the last body .* cannot be skipped"):
        services.proposal_skip(proposal=proposal, acting_user=people.admin, reason="In a hurry.")

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.awaiting_body) == (S.IN_GOVERNANCE, chain[-1])
    assert not proposal.decisions.filter(outcome=DecisionOutcome.SKIPPED).exists()


@pytest.mark.parametrize("stage", [S.DRAFT, S.APPROVED, S.REJECTED])
def test_only_a_proposal_in_the_chain_can_skip_a_level(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)

    with pytest.raises(TrackerError, match="is not in the governance chain"):
        services.proposal_skip(proposal=proposal, acting_user=people.admin, reason="Why not.")


# --- To government ----------------------------------------------------------------------------


def test_an_approved_proposal_is_submitted_to_government_on_the_day_given(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain))
    day = dt.date(2026, 5, 18)

    to_government(people, proposal, on=day)

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.submitted_on) == (S.SUBMITTED, day)
    assert proposal.board_endorsement.body == chain[-1]


def test_submission_to_government_is_dated_today_by_default(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain))

    to_government(people, proposal)

    assert fresh(proposal).submitted_on == NOW.date()


# --- To government only as part of the approved TDD Proposition -------------------------------

NOT_IN_PROPOSITION = "is not in the TDD Proposition the WMCA Board approved"


def _refused(people: People, proposal: Proposal, match: str) -> None:
    with pytest.raises(TrackerError, match=match):
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
    proposal = fresh(proposal)
    assert (proposal.stage, proposal.submitted_on) == (S.APPROVED, None)


def test_an_approved_proposal_in_no_proposition_is_not_submitted_to_government(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain))

    _refused(people, proposal, NOT_IN_PROPOSITION)
    with pytest.raises(TrackerError) as refusal:
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
    assert str(refusal.value) == (
        "“Bus franchising funding” is not in the TDD Proposition the WMCA Board approved: a "
        "proposal goes to government only as part of it. Include it in a new version of the "
        "Proposition and record the WMCA Board's approval of that version first."
    )


def test_a_proposal_only_in_a_draft_version_waits_for_the_boards_approval(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain))
    services.proposition_version_create(deal=people.deal, acting_user=people.admin)

    _refused(
        people,
        proposal,
        "is in version 1 of the TDD Proposition, which the WMCA Board has not approved yet: "
        "record the WMCA Board's approval of version 1 before submitting it to government",
    )


def test_a_proposal_endorsed_after_the_approved_version_was_made_waits_for_a_new_one(
    people: People, chain: list[GovernanceBody]
) -> None:
    first = awaiting(people, chain, len(chain), title="Adult skills budget")
    approve_proposition(people)
    later = awaiting(people, chain, len(chain))

    _refused(people, later, rf"{NOT_IN_PROPOSITION} \(version 1\)")
    services.proposal_submit(proposal=first, acting_user=people.admin)
    assert fresh(first).stage == S.SUBMITTED


def test_a_proposal_only_in_a_superseded_version_is_not_submitted_to_government(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain))
    awaiting(people, chain, len(chain), title="Adult skills budget")
    approve_proposition(people)
    newer = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    # The services put every endorsed proposal in a new version; a version without this one
    # (as a copy made before it was endorsed would be) is made by removing its item.
    newer.items.filter(proposal=proposal).delete()
    services.proposition_approve(version=newer, acting_user=people.admin)
    assert PropositionVersion.objects.get(number=1).status == PropositionStatus.SUPERSEDED

    _refused(people, proposal, rf"{NOT_IN_PROPOSITION} \(version 2\)")


def test_a_proposal_in_the_current_approved_version_goes_to_government(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain))
    approve_proposition(people)
    approve_proposition(people)  # a newer version, which holds it too, supersedes the first

    services.proposal_submit(proposal=proposal, acting_user=people.admin)

    assert (fresh(proposal).stage, fresh(proposal).submitted_on) == (S.SUBMITTED, NOW.date())


def test_only_an_administrator_is_told_about_the_proposition(
    people: People, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, chain, len(chain))

    with pytest.raises(PermissionDenied):
        services.proposal_submit(proposal=proposal, acting_user=people.lead)


@pytest.mark.parametrize("stage", [S.IN_GOVERNANCE, S.SUBMITTED, S.IN_NEGOTIATION, S.REJECTED])
def test_submitting_at_any_other_stage_is_refused(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)

    with pytest.raises(TrackerError, match="only a draft can be submitted"):
        services.proposal_submit(proposal=proposal, acting_user=people.admin)

    assert fresh(proposal).stage == stage


def test_the_first_talk_with_a_department_starts_the_negotiation_and_links_the_department(
    people: People,
    chain: list[GovernanceBody],
    dft: GovernmentDepartment,
    hmt: GovernmentDepartment,
) -> None:
    proposal = at_stage(people, chain, S.SUBMITTED, dft)
    assert not proposal.departments.exists()

    entry = talk(people, proposal, dft)

    proposal = fresh(proposal)
    assert proposal.stage == S.IN_NEGOTIATION
    assert (entry.recorded_by, entry.classification) == (
        people.lead,
        Classification.OFFICIAL_SENSITIVE,
    )
    assert list(proposal.departments.all()) == [dft]
    talk(people, proposal, hmt, summary="Treasury tested the value-for-money case.")
    assert fresh(proposal).stage == S.IN_NEGOTIATION
    assert set(proposal.departments.all()) == {dft, hmt}
    assert proposal.negotiations.count() == 2


@pytest.mark.parametrize("stage", [S.IN_GOVERNANCE, S.APPROVED, S.REJECTED, S.CONCLUDED])
def test_no_talk_with_government_is_logged_in_the_chain_before_submission_or_once_closed(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)
    before = proposal.negotiations.count()

    with pytest.raises(
        TrackerError,
        match="talks with departments are logged while it is a draft and once it has been "
        "submitted to government",
    ):
        talk(people, proposal, dft)

    assert fresh(proposal).stage == stage
    assert proposal.negotiations.count() == before


def test_the_lead_logs_talks_on_a_draft_and_it_stays_a_draft(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    # Paragraph 16: "Workstream lead will also be responsible for leading bilateral discussion
    # with government officials' relevant departments", while the proposal is developed.
    proposal = draft(people)

    entry = talk(people, proposal, dft)

    assert fresh(proposal).stage == S.DRAFT
    assert (entry.recorded_by, entry.classification) == (
        people.lead,
        Classification.OFFICIAL_SENSITIVE,
    )
    assert list(proposal.departments.all()) == [dft]
    # The talks stay with it up the chain, and the first after submission starts negotiation.
    services.proposal_submit(proposal=proposal, acting_user=people.lead)
    for body in chain:
        decide(people, proposal, body, DecisionOutcome.ENDORSED)
    proposal = to_government(people, fresh(proposal))
    assert fresh(proposal).stage == S.SUBMITTED
    talk(people, proposal, dft, summary="Officials took the case to ministers.")
    assert fresh(proposal).stage == S.IN_NEGOTIATION
    assert proposal.negotiations.count() == 2


def test_talks_on_a_draft_are_for_its_lead_and_administrators_only(
    people: People, dft: GovernmentDepartment
) -> None:
    proposal = draft(people)

    for someone in (people.other_lead, people.sponsor, people.dsg, people.partner, people.nobody):
        with pytest.raises(PermissionDenied):
            services.negotiation_log(
                proposal=proposal,
                acting_user=someone,
                department=dft,
                held_on=NOW.date(),
                attendees="Officials",
                summary="A chat.",
            )
    services.negotiation_log(
        proposal=proposal,
        acting_user=people.admin,
        department=dft,
        held_on=NOW.date(),
        attendees="Officials",
        summary="A chat.",
    )
    assert [e.recorded_by for e in proposal.negotiations.all()] == [people.admin]


def test_a_talk_is_dated_today_or_before_and_held_with_a_department_of_the_deal(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    proposal = at_stage(people, chain, S.SUBMITTED, dft)
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    theirs = GovernmentDepartment.objects.create(deal=other, name="HM Treasury")

    with pytest.raises(ValidationError) as error:
        talk(people, proposal, dft, held_on=NOW.date() + dt.timedelta(days=1))
    assert set(error.value.message_dict) == {"held_on"}
    with pytest.raises(ValidationError) as error:
        talk(people, proposal, theirs)
    assert set(error.value.message_dict) == {"department"}
    assert fresh(proposal).stage == S.SUBMITTED


def test_a_talk_must_say_what_was_discussed(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    proposal = at_stage(people, chain, S.SUBMITTED, dft)

    with pytest.raises(ValidationError) as error:
        talk(people, proposal, dft, summary="")

    assert "summary" in error.value.message_dict
    assert fresh(proposal).stage == S.SUBMITTED


# --- Outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [S.SUBMITTED, S.IN_NEGOTIATION])
@pytest.mark.parametrize("outcome", GOVERNMENT_OUTCOMES)
def test_an_outcome_is_recorded_once_the_proposal_is_with_government(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str, outcome: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)

    services.proposal_conclude(
        proposal=proposal,
        acting_user=people.admin,
        outcome=outcome,
        notes="A three-year settlement.",
        on=dt.date(2026, 5, 19),
    )

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.outcome, proposal.outcome_on) == (
        S.CONCLUDED,
        outcome,
        dt.date(2026, 5, 19),
    )
    assert proposal.outcome_notes == "A three-year settlement."
    assert proposal.is_closed


@pytest.mark.parametrize("stage", [S.DRAFT, S.IN_GOVERNANCE, S.APPROVED])
@pytest.mark.parametrize("outcome", GOVERNMENT_OUTCOMES)
def test_no_outcome_but_withdrawn_before_the_proposal_is_with_government(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str, outcome: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)

    with pytest.raises(TrackerError, match="other than withdrawn is recorded only once"):
        services.proposal_conclude(
            proposal=proposal, acting_user=people.admin, outcome=outcome, notes="All of it."
        )

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.outcome, proposal.outcome_on) == (stage, "", None)


@pytest.mark.parametrize("stage", OPEN_STAGES)
def test_a_proposal_can_be_withdrawn_at_every_open_stage(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)

    services.proposal_conclude(proposal=proposal, acting_user=people.admin, outcome="withdrawn")

    proposal = fresh(proposal)
    assert (proposal.stage, proposal.outcome) == (S.CONCLUDED, Outcome.WITHDRAWN)
    assert (proposal.awaiting_body, proposal.outcome_on) == (None, NOW.date())


def test_agreed_and_partly_agreed_must_say_what_was_agreed(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    proposal = at_stage(people, chain, S.IN_NEGOTIATION, dft)

    for outcome in (Outcome.AGREED, Outcome.PARTIALLY_AGREED):
        with pytest.raises(ValidationError) as error:
            services.proposal_conclude(
                proposal=proposal, acting_user=people.admin, outcome=outcome, notes=" "
            )
        assert set(error.value.message_dict) == {"notes"}
    with pytest.raises(ValidationError) as error:
        services.proposal_conclude(
            proposal=proposal, acting_user=people.admin, outcome="approved", notes="Yes."
        )
    assert set(error.value.message_dict) == {"outcome"}
    assert fresh(proposal).stage == S.IN_NEGOTIATION


# --- Nothing after the end --------------------------------------------------------------------


@pytest.mark.parametrize("stage", [S.REJECTED, S.CONCLUDED])
def test_nothing_happens_to_a_closed_proposal(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment, stage: str
) -> None:
    proposal = at_stage(people, chain, stage, dft)
    principle = Principle.objects.filter(deal=people.deal).first()
    attempts: list[Callable[[], object]] = [
        lambda: services.proposal_submit(proposal=proposal, acting_user=people.admin),
        lambda: services.proposal_conclude(
            proposal=proposal, acting_user=people.admin, outcome=Outcome.WITHDRAWN
        ),
        lambda: services.proposal_update(
            proposal=proposal, acting_user=people.admin, progress="More."
        ),
        lambda: services.principles_answer(
            proposal=proposal,
            acting_user=people.admin,
            answers={principle: (PrincipleAnswer.YES, "")},
        ),
        lambda: talk(people, proposal, dft),
        lambda: decide(people, proposal, chain[0], DecisionOutcome.ENDORSED),
    ]
    before = (proposal.stage, proposal.outcome, proposal.revision)

    for attempt in attempts:
        with pytest.raises(TrackerError):
            attempt()

    after = fresh(proposal)
    assert (after.stage, after.outcome, after.revision) == before


def test_a_closed_proposals_talks_cannot_be_changed(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    proposal = at_stage(people, chain, S.IN_NEGOTIATION, dft)
    entry = proposal.negotiations.get()
    services.proposal_conclude(proposal=proposal, acting_user=people.admin, outcome="deferred")

    with pytest.raises(TrackerError, match="read-only"):
        services.negotiation_update(entry=entry, acting_user=people.lead, summary="Rewritten.")

    assert NegotiationEntry.objects.get(pk=entry.pk).summary == entry.summary


# --- Editing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stage", [S.IN_GOVERNANCE, S.APPROVED, S.SUBMITTED, S.IN_NEGOTIATION])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Another title"),
        ("ask", "Something else."),
        ("ask_type", AskType.POWER),
        ("challenge", "A new challenge."),
        ("prize", "A bigger prize."),
        ("estimated_value", 5_000_000),
    ],
)
def test_what_is_asked_is_fixed_once_the_proposal_leaves_draft(
    people: People,
    chain: list[GovernanceBody],
    dft: GovernmentDepartment,
    stage: str,
    field: str,
    value: object,
) -> None:
    proposal = at_stage(people, chain, stage, dft)

    with pytest.raises(TrackerError, match="has left draft"):
        services.proposal_update(proposal=proposal, acting_user=people.lead, **{field: value})

    assert getattr(fresh(proposal), field) == getattr(proposal, field)


def test_progress_owner_marking_and_links_stay_editable_out_of_draft(
    people: People, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    proposal = at_stage(people, chain, S.IN_GOVERNANCE, dft)

    services.proposal_update(
        proposal=proposal,
        acting_user=people.lead,
        title=proposal.title,  # unchanged, so allowed
        progress="Officials are positive.",
        classification=Classification.OFFICIAL_SENSITIVE,
        departments=[dft],
    )

    proposal = fresh(proposal)
    assert proposal.progress == "Officials are positive."
    assert proposal.classification == Classification.OFFICIAL_SENSITIVE
    assert list(proposal.departments.all()) == [dft]


def test_a_draft_can_change_what_it_asks(people: People) -> None:
    proposal = draft(people)

    services.proposal_update(
        proposal=proposal, acting_user=people.lead, title="Bus franchising", ask="Fund it."
    )

    assert (fresh(proposal).title, fresh(proposal).ask) == ("Bus franchising", "Fund it.")


def test_a_workstream_uses_a_title_once_and_says_so_on_the_title(people: People) -> None:
    first = draft(people)
    other = draft(people, title="Rail stations")

    with pytest.raises(ValidationError) as error:
        draft(people, title=first.title)
    assert error.value.message_dict == {
        "title": ["This workstream already has a proposal with this title"]
    }
    with pytest.raises(ValidationError) as error:
        services.proposal_update(proposal=other, acting_user=people.lead, title=first.title)
    assert set(error.value.message_dict) == {"title"}
    assert fresh(other).title == "Rail stations"


def test_an_edit_based_on_an_old_revision_is_refused_with_what_changed(people: People) -> None:
    proposal = draft(people)
    seen = proposal.revision
    services.proposal_update(
        proposal=proposal, acting_user=people.admin, progress="Met the DfT.", expected_revision=seen
    )

    with pytest.raises(StaleEdit) as error:
        services.proposal_update(
            proposal=proposal,
            acting_user=people.lead,
            progress="Drafted the business case.",
            expected_revision=seen,
        )

    assert "progress" in {c.field for c in error.value.changes}
    assert fresh(proposal).progress == "Met the DfT."


def test_an_owner_must_be_allowed_to_see_what_they_own(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        draft(people, owner=people.partner, classification=Classification.OFFICIAL_SENSITIVE)
    assert set(error.value.message_dict) == {"owner"}
    with pytest.raises(ValidationError) as error:
        draft(people, owner=people.nobody)
    assert set(error.value.message_dict) == {"owner"}


def test_a_ceased_workstream_takes_no_new_proposals(people: People) -> None:
    Workstream.objects.filter(deal=people.deal, slug="transport").update(
        status="ceased", ceased_on=NOW.date()
    )

    with pytest.raises(TrackerError, match="takes no new proposals"):
        draft(people)


# --- When it last moved -----------------------------------------------------------------------


def test_moved_at_records_each_change_of_stage_or_body_and_nothing_else(
    people: People,
    chain: list[GovernanceBody],
    dft: GovernmentDepartment,
    clock: time_machine.Coordinates,
) -> None:
    def later() -> dt.datetime:
        clock.shift(dt.timedelta(hours=1))
        return dt.datetime.now(tz=dt.UTC)

    created = draft(people)
    assert created.moved_at == NOW
    moves: list[tuple[dt.datetime, Callable[[], object]]] = []

    def moved(action: Callable[[], object]) -> None:
        when = later()
        action()
        assert fresh(created).moved_at == when
        moves.append((when, action))

    def unmoved(action: Callable[[], object]) -> None:
        before = fresh(created).moved_at
        later()
        action()
        assert fresh(created).moved_at == before

    unmoved(lambda: services.proposal_update(proposal=created, acting_user=people.lead, prize="£"))
    moved(lambda: services.proposal_submit(proposal=created, acting_user=people.lead))
    unmoved(lambda: decide(people, created, chain[0], DecisionOutcome.NOTED))
    moved(lambda: decide(people, created, chain[0], DecisionOutcome.REFERRED_BACK, notes="Redo."))
    moved(lambda: services.proposal_submit(proposal=created, acting_user=people.lead))
    for body in chain[:1]:
        moved(lambda body=body: decide(people, created, body, DecisionOutcome.ENDORSED))
    moved(
        lambda: services.proposal_skip(proposal=created, acting_user=people.admin, reason="Busy.")
    )
    for body in chain[2:]:
        moved(lambda body=body: decide(people, created, body, DecisionOutcome.ENDORSED))
    moved(lambda: to_government(people, created))
    moved(lambda: talk(people, created, dft))
    unmoved(lambda: talk(people, created, dft, summary="A second talk."))
    moved(
        lambda: services.proposal_conclude(
            proposal=created, acting_user=people.admin, outcome="agreed", notes="All of it."
        )
    )
    assert fresh(created).stage == S.CONCLUDED
    # Seven moves besides the endorsements (submit, refer back, submit again, skip, to
    # government, the first talk, the outcome), and one endorsement by each body but the skipped.
    assert len(moves) == 7 + len(chain) - 1 == 12


# --- Who may do what, role by role ------------------------------------------------------------


def _transport(people: People) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug="transport")


def _as(user: User) -> dict[str, User]:
    return {"acting_user": user}


def _setup_draft(people: People, chain: list[GovernanceBody], dft: GovernmentDepartment) -> Any:
    return draft(people)


def _setup_awaiting(people: People, chain: list[GovernanceBody], dft: GovernmentDepartment) -> Any:
    return awaiting(people, chain, 1)


def _setup_approved(people: People, chain: list[GovernanceBody], dft: GovernmentDepartment) -> Any:
    """Approved, and in the Proposition the Board approved: only who may submit it counts."""
    proposal = awaiting(people, chain, len(chain))
    approve_proposition(people)
    return proposal


def _setup_submitted(people: People, chain: list[GovernanceBody], dft: GovernmentDepartment) -> Any:
    return at_stage(people, chain, S.SUBMITTED, dft)


def _setup_talk(people: People, chain: list[GovernanceBody], dft: GovernmentDepartment) -> Any:
    return at_stage(people, chain, S.IN_NEGOTIATION, dft).negotiations.get()


Setup = Callable[[People, list[GovernanceBody], GovernmentDepartment], Any]
Call = Callable[[People, User, Any, list[GovernanceBody], GovernmentDepartment], object]

SERVICES: dict[str, tuple[Setup | None, Call, set[str]]] = {
    "proposal_create": (
        None,
        lambda people, user, _, chain, dft: services.proposal_create(
            workstream=_transport(people), title="New", classification=OFFICIAL, **_as(user)
        ),
        EDITORS,
    ),
    "proposal_update": (
        _setup_draft,
        lambda people, user, proposal, chain, dft: services.proposal_update(
            proposal=proposal, progress="More.", **_as(user)
        ),
        EDITORS,
    ),
    "principles_answer": (
        _setup_draft,
        lambda people, user, proposal, chain, dft: services.principles_answer(
            proposal=proposal,
            answers={p: (PrincipleAnswer.YES, "") for p in Principle.objects.all()},
            **_as(user),
        ),
        EDITORS,
    ),
    "proposal_submit into the chain": (
        _setup_draft,
        lambda people, user, proposal, chain, dft: services.proposal_submit(
            proposal=proposal, **_as(user)
        ),
        EDITORS,
    ),
    "decision_record": (
        _setup_awaiting,
        lambda people, user, proposal, chain, dft: services.decision_record(
            proposal=proposal, body=chain[1], outcome=DecisionOutcome.NOTED, **_as(user)
        ),
        ADMINS,
    ),
    "proposal_skip": (
        _setup_awaiting,
        lambda people, user, proposal, chain, dft: services.proposal_skip(
            proposal=proposal, reason="Not meeting.", **_as(user)
        ),
        ADMINS,
    ),
    "proposal_submit to government": (
        _setup_approved,
        lambda people, user, proposal, chain, dft: services.proposal_submit(
            proposal=proposal, **_as(user)
        ),
        ADMINS,
    ),
    "negotiation_log": (
        _setup_submitted,
        lambda people, user, proposal, chain, dft: services.negotiation_log(
            proposal=proposal,
            department=dft,
            held_on=NOW.date(),
            attendees="Officials",
            summary="Talked.",
            **_as(user),
        ),
        EDITORS,
    ),
    "negotiation_update": (
        _setup_talk,
        lambda people, user, entry, chain, dft: services.negotiation_update(
            entry=entry, summary="Rewritten.", **_as(user)
        ),
        EDITORS,
    ),
    "proposal_conclude": (
        _setup_submitted,
        lambda people, user, proposal, chain, dft: services.proposal_conclude(
            proposal=proposal, outcome=Outcome.DEFERRED, **_as(user)
        ),
        ADMINS,
    ),
    "proposal_conclude withdrawn": (
        _setup_draft,
        lambda people, user, proposal, chain, dft: services.proposal_conclude(
            proposal=proposal, outcome=Outcome.WITHDRAWN, **_as(user)
        ),
        ADMINS,
    ),
}


def snapshot(subject: Any) -> tuple[object, ...]:
    """What a refused call must leave as it was."""
    if subject is None:
        return (Proposal.objects.count(),)
    if isinstance(subject, NegotiationEntry):
        entry = NegotiationEntry.objects.get(pk=subject.pk)
        return (entry.summary, entry.revision)
    proposal = fresh(subject)
    return (
        proposal.stage,
        proposal.revision,
        proposal.progress,
        proposal.decisions.count(),
        proposal.negotiations.count(),
        proposal.principle_responses.count(),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", SERVICES)
def test_each_proposal_service_is_for_the_workstreams_lead_or_an_administrator_as_the_rules_say(
    people: People,
    chain: list[GovernanceBody],
    dft: GovernmentDepartment,
    service: str,
    role: str,
) -> None:
    setup, call, allowed = SERVICES[service]
    subject = setup(people, chain, dft) if setup else None
    user = people.all_roles()[role]
    before = snapshot(subject)

    if role in allowed:
        call(people, user, subject, chain, dft)
        assert snapshot(subject) != before
    else:
        with pytest.raises(PermissionDenied):
            call(people, user, subject, chain, dft)
        assert snapshot(subject) == before


def test_an_administrator_of_another_deal_runs_none_of_this_deals_governance(
    people: People, chain: list[GovernanceBody]
) -> None:
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    outsider = User.objects.create_user(email="gm@example.org", full_name="GM Admin")
    outsider.memberships.create(deal=other, role="admin")
    proposal = awaiting(people, chain, 0)

    with pytest.raises(PermissionDenied):
        services.decision_record(
            proposal=proposal, body=chain[0], outcome="endorsed", acting_user=outsider
        )
    with pytest.raises(PermissionDenied):
        services.proposal_update(proposal=proposal, acting_user=outsider, progress="Mine.")


def test_a_deactivated_lead_may_no_longer_change_the_proposals(people: People) -> None:
    proposal = draft(people)
    User.objects.filter(pk=people.lead.pk).update(is_active=False)
    lead = User.objects.get(pk=people.lead.pk)

    with pytest.raises(PermissionDenied):
        services.proposal_update(proposal=proposal, acting_user=lead, progress="Still here.")
