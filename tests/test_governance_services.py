"""The governance services: agendas that follow what awaits each body, meetings from planned to
held to closed, versions of the TDD Proposition and the board's approval, milestones and their
dependencies, the secret calendar address; and who may run any of it, role by role.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import User
from accounts.services import calendar_token_reset, user_for_calendar_token
from core.choices import Classification
from core.models import Deal
from tracker import services
from tracker.choices import (
    AskType,
    DecisionOutcome,
    MeetingStatus,
    MilestoneStatus,
    ProposalStage,
    PropositionStatus,
    Rag,
)
from tracker.models import (
    AgendaItem,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    Milestone,
    Proposal,
    PropositionVersion,
    Workstream,
)
from tracker.selectors.governance import chain_of
from tracker.services import StaleEdit, TrackerError

from .conftest import People, to_government

S = ProposalStage
OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
ROLES = ["admin", "lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chain(people: People) -> list[GovernanceBody]:
    return chain_of(people.deal)


@pytest.fixture
def dsg_body(chain: list[GovernanceBody]) -> GovernanceBody:
    assert chain[3].name == "Devolution Strategy Group"
    return chain[3]


# --- Helpers ----------------------------------------------------------------------------------


def fresh(proposal: Proposal) -> Proposal:
    return Proposal.objects.get(pk=proposal.pk)


def meeting(
    people: People,
    body: GovernanceBody,
    days: float = 7,
    status: str = MeetingStatus.PLANNED,
    **fields: Any,
) -> Meeting:
    """A meeting of ``body`` ``days`` from now, taken to ``status`` by the services."""
    made = services.meeting_create(
        body=body, acting_user=people.admin, starts_at=NOW + dt.timedelta(days=days), **fields
    )
    steps = [MeetingStatus.HELD, MeetingStatus.CLOSED]
    for step in steps[: [MeetingStatus.PLANNED, *steps].index(status)]:
        made = services.meeting_advance(meeting=made, acting_user=people.admin, status=step)
    return made


def proposal(
    people: People,
    title: str = "Bus franchising funding",
    classification: str = OFFICIAL,
    workstream: str = "transport",
) -> Proposal:
    return services.proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug=workstream),
        acting_user=people.admin,
        title=title,
        classification=classification,
        ask="Fund it.",
        ask_type=AskType.FUNDING,
    )


def awaiting(
    people: People, chain: list[GovernanceBody], n: int, title: str = "Bus franchising funding"
) -> Proposal:
    made = services.proposal_submit(proposal=proposal(people, title), acting_user=people.admin)
    for body in chain[:n]:
        endorse(people, made, body)
    return fresh(made)


def endorse(people: People, made: Proposal, body: GovernanceBody) -> None:
    services.decision_record(
        proposal=made, body=body, outcome=DecisionOutcome.ENDORSED, acting_user=people.admin
    )


def approved(people: People, chain: list[GovernanceBody], title: str) -> Proposal:
    return awaiting(people, chain, len(chain), title)


def agenda(meeting: Meeting) -> list[tuple[str, int | None]]:
    return list(
        AgendaItem.objects.filter(meeting=meeting)
        .order_by("position")
        .values_list("title", "proposal")
    )


def red_update(people: People, ask: str, classification: str = OFFICIAL) -> None:
    services.status_update_submit(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.lead,
        rag=Rag.RED,
        direction="worsening",
        summary="At risk.",
        asks_of_dsg=ask,
        classification=classification,
    )


# --- Agendas ----------------------------------------------------------------------------------


def test_the_next_planned_meeting_lists_the_proposals_awaiting_its_body(
    people: People, chain: list[GovernanceBody]
) -> None:
    later = meeting(people, chain[0], days=21)
    nearer = meeting(people, chain[0], days=7)
    first = awaiting(people, chain, 0, "Bus franchising funding")
    second = awaiting(people, chain, 0, "Local rail stations")

    assert agenda(nearer) == [
        ("Proposal: Bus franchising funding", first.pk),
        ("Proposal: Local rail stations", second.pk),
    ]
    assert agenda(later) == [], "only the next meeting's agenda is built"
    item = nearer.agenda_items.get(proposal=first)
    assert (item.generated, item.workstream.slug, item.classification) == (
        True,
        "transport",
        OFFICIAL,
    )


def test_a_proposal_leaves_the_agenda_once_decided_and_joins_the_next_bodys(
    people: People, chain: list[GovernanceBody]
) -> None:
    first_meeting = meeting(people, chain[0])
    second_meeting = meeting(people, chain[1], days=14)
    made = awaiting(people, chain, 0)
    assert agenda(first_meeting) == [("Proposal: Bus franchising funding", made.pk)]

    endorse(people, made, chain[0])

    assert agenda(first_meeting) == []
    assert agenda(second_meeting) == [("Proposal: Bus franchising funding", made.pk)]
    services.proposal_conclude(proposal=made, acting_user=people.admin, outcome="withdrawn")
    assert agenda(second_meeting) == [], "withdrawn, it awaits no one"


def test_a_proposal_on_no_agenda_when_its_body_has_no_planned_meeting(
    people: People, chain: list[GovernanceBody]
) -> None:
    meeting(people, chain[0], days=-2, status=MeetingStatus.HELD)

    made = awaiting(people, chain, 0)

    assert services.agenda_sync(chain[0]) is None
    assert not AgendaItem.objects.filter(proposal=made).exists()


def test_the_strategy_group_agenda_carries_the_asks_in_the_workstreams_current_updates(
    people: People, dsg_body: GovernanceBody, chain: list[GovernanceBody]
) -> None:
    next_dsg = meeting(people, dsg_body)
    next_slt = meeting(people, chain[0])

    red_update(people, "Escalate the bus ask to the negotiating team.", SENSITIVE)

    item = next_dsg.agenda_items.get()
    assert item.title == "Ask from Transport: Escalate the bus ask to the negotiating team."
    assert (item.generated, item.workstream.slug, item.proposal) == (True, "transport", None)
    assert item.classification == SENSITIVE, "the update's marking"
    assert agenda(next_slt) == [], "only a strategy group is asked"

    red_update(people, "Nominate a chief executive for the next bilateral.")
    item = next_dsg.agenda_items.get()
    assert item.title == "Ask from Transport: Nominate a chief executive for the next bilateral."
    assert item.classification == OFFICIAL

    services.status_update_submit(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.lead,
        rag=Rag.GREEN,
        direction="improving",
        summary="Back on track.",
    )
    assert agenda(next_dsg) == [], "the current update asks nothing"


def test_items_added_by_hand_survive_the_agenda_following_what_awaits_the_body(
    people: People, chain: list[GovernanceBody]
) -> None:
    planned = meeting(people, chain[0])
    by_hand = services.agenda_item_add(
        meeting=planned, acting_user=people.admin, title="Minutes of the last meeting"
    )
    made = awaiting(people, chain, 0)

    endorse(people, made, chain[0])
    services.agenda_sync(chain[0])

    assert agenda(planned) == [("Minutes of the last meeting", None)]
    assert not by_hand.generated
    services.agenda_item_remove(item=by_hand, acting_user=people.admin)
    assert agenda(planned) == []


def test_an_item_that_awaits_the_body_cannot_be_removed_by_hand(
    people: People, chain: list[GovernanceBody]
) -> None:
    planned = meeting(people, chain[0])
    made = awaiting(people, chain, 0)
    item = planned.agenda_items.get(proposal=made)

    with pytest.raises(TrackerError, match="it awaits the body"):
        services.agenda_item_remove(item=item, acting_user=people.admin)

    assert AgendaItem.objects.filter(pk=item.pk).exists()


def test_an_agenda_item_needs_a_title_and_a_workstream_of_the_deal(
    people: People, chain: list[GovernanceBody]
) -> None:
    planned = meeting(people, chain[0])
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    theme = other.themes.create(name="Growth", slug="growth")
    theirs = Workstream.objects.create(deal=other, theme=theme, name="Transport", slug="transport")

    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(meeting=planned, acting_user=people.admin, title=" ")
    assert set(error.value.message_dict) == {"title"}
    with pytest.raises(ValidationError) as error:
        services.agenda_item_add(
            meeting=planned, acting_user=people.admin, title="Buses", workstream=theirs
        )
    assert set(error.value.message_dict) == {"workstream"}
    assert agenda(planned) == []


def test_a_held_meetings_agenda_is_fixed(people: People, chain: list[GovernanceBody]) -> None:
    today = meeting(people, chain[0], days=-1 / 24)
    made = awaiting(people, chain, 0)
    hand = services.agenda_item_add(meeting=today, acting_user=people.admin, title="Any other")
    services.meeting_advance(meeting=today, acting_user=people.admin, status=MeetingStatus.HELD)
    fixed = agenda(today)

    services.decision_record(
        proposal=made,
        body=chain[0],
        outcome=DecisionOutcome.ENDORSED,
        acting_user=people.admin,
        meeting=today,
    )
    services.agenda_sync(chain[0])

    assert (
        agenda(today)
        == fixed
        == [("Proposal: Bus franchising funding", made.pk), ("Any other", None)]
    )
    with pytest.raises(TrackerError, match="its agenda is fixed"):
        services.agenda_item_add(meeting=today, acting_user=people.admin, title="Late item")
    with pytest.raises(TrackerError, match="its agenda is fixed"):
        services.agenda_item_remove(item=hand, acting_user=people.admin)
    assert agenda(today) == fixed


# --- Meetings ---------------------------------------------------------------------------------


def test_a_meeting_goes_from_planned_to_held_to_closed(
    people: People, chain: list[GovernanceBody]
) -> None:
    made = meeting(people, chain[0], days=-1)

    held = services.meeting_advance(
        meeting=made, acting_user=people.admin, status=MeetingStatus.HELD
    )
    closed = services.meeting_advance(
        meeting=made, acting_user=people.admin, status=MeetingStatus.CLOSED
    )

    assert (held.status, closed.status) == (MeetingStatus.HELD, MeetingStatus.CLOSED)
    assert Meeting.objects.get(pk=made.pk).revision == 3
    assert [h.status for h in made.history.order_by("history_id")] == [
        MeetingStatus.PLANNED,
        MeetingStatus.HELD,
        MeetingStatus.CLOSED,
    ]


@pytest.mark.parametrize(
    ("start", "to"),
    [
        (MeetingStatus.PLANNED, MeetingStatus.CLOSED),
        (MeetingStatus.PLANNED, MeetingStatus.PLANNED),
        (MeetingStatus.HELD, MeetingStatus.PLANNED),
        (MeetingStatus.HELD, MeetingStatus.HELD),
        (MeetingStatus.CLOSED, MeetingStatus.HELD),
        (MeetingStatus.CLOSED, MeetingStatus.PLANNED),
        (MeetingStatus.CLOSED, MeetingStatus.CLOSED),
        (MeetingStatus.PLANNED, "cancelled"),
    ],
)
def test_a_meeting_takes_no_other_step(
    people: People, chain: list[GovernanceBody], start: str, to: str
) -> None:
    made = meeting(people, chain[0], days=-1, status=start)

    with pytest.raises(TrackerError, match="goes from planned to held to closed"):
        services.meeting_advance(meeting=made, acting_user=people.admin, status=to)

    assert Meeting.objects.get(pk=made.pk).status == start


def test_a_meeting_is_not_held_before_it_starts(
    people: People, chain: list[GovernanceBody]
) -> None:
    made = meeting(people, chain[0], days=1 / 24)

    with pytest.raises(TrackerError, match="has not started yet"):
        services.meeting_advance(meeting=made, acting_user=people.admin, status=MeetingStatus.HELD)

    assert Meeting.objects.get(pk=made.pk).status == MeetingStatus.PLANNED


def test_a_closed_meetings_record_is_locked(people: People, chain: list[GovernanceBody]) -> None:
    made = meeting(people, chain[0], days=-1, status=MeetingStatus.CLOSED)

    with pytest.raises(TrackerError, match="its record is locked"):
        services.meeting_update(meeting=made, acting_user=people.admin, minutes="Rewritten.")

    assert Meeting.objects.get(pk=made.pk).minutes == ""


def test_a_meeting_ends_after_it_starts_and_a_body_meets_once_at_a_time(
    people: People, chain: list[GovernanceBody]
) -> None:
    made = meeting(people, chain[0])

    with pytest.raises(ValidationError) as error:
        meeting(people, chain[0], days=14, ends_at=NOW + dt.timedelta(days=14))
    assert set(error.value.message_dict) == {"ends_at"}
    with pytest.raises(ValidationError) as error:
        meeting(people, chain[0], days=7)
    assert error.value.message_dict == {
        "starts_at": [f"{chain[0]} already has a meeting at that time"]
    }
    assert Meeting.objects.filter(body=chain[0]).count() == 1
    other = meeting(people, chain[0], days=21)
    with pytest.raises(ValidationError) as error:
        services.meeting_update(meeting=other, acting_user=people.admin, starts_at=made.starts_at)
    assert set(error.value.message_dict) == {"starts_at"}
    with pytest.raises(ValidationError) as error:
        services.meeting_update(
            meeting=made, acting_user=people.admin, ends_at=made.starts_at - dt.timedelta(hours=1)
        )
    assert set(error.value.message_dict) == {"ends_at"}
    meeting(people, chain[1], days=7)  # another body may meet then


def test_an_edit_of_a_meeting_based_on_an_old_revision_is_refused(
    people: People, chain: list[GovernanceBody]
) -> None:
    made = meeting(people, chain[0])
    services.meeting_update(
        meeting=made, acting_user=people.admin, location="Room 2", expected_revision=1
    )

    with pytest.raises(StaleEdit) as error:
        services.meeting_update(
            meeting=made, acting_user=people.admin, location="Room 3", expected_revision=1
        )

    assert "location" in {c.field for c in error.value.changes}
    assert Meeting.objects.get(pk=made.pk).location == "Room 2"


def test_moving_the_next_meeting_later_gives_its_proposals_to_the_new_next_meeting(
    people: People, chain: list[GovernanceBody]
) -> None:
    first = meeting(people, chain[0], days=7)
    second = meeting(people, chain[0], days=14)
    made = awaiting(people, chain, 0)
    assert agenda(first) and not agenda(second)

    services.meeting_update(
        meeting=first, acting_user=people.admin, starts_at=NOW + dt.timedelta(days=21)
    )

    assert agenda(second) == [("Proposal: Bus franchising funding", made.pk)]
    assert agenda(first) == []


# --- The TDD Proposition ----------------------------------------------------------------------


def test_a_version_of_the_proposition_copies_the_endorsed_proposals_not_withdrawn(
    people: People, chain: list[GovernanceBody]
) -> None:
    kept = approved(people, chain, "Bus franchising funding")
    gone_to_government = approved(people, chain, "Local rail stations")
    to_government(people, gone_to_government)  # in version 1, which the Board approved
    withdrawn = approved(people, chain, "Tram extension")
    services.proposal_conclude(proposal=withdrawn, acting_user=people.admin, outcome="withdrawn")
    awaiting(people, chain, len(chain) - 1, "Cycle lanes")
    proposal(people, "Road pricing")

    version = services.proposition_version_create(
        deal=people.deal, acting_user=people.admin, introduction="Our asks."
    )

    items = list(version.items.order_by("position"))
    assert (version.number, version.status, version.created_by) == (
        2,
        PropositionStatus.DRAFT,
        people.admin,
    )
    assert {i.proposal_id for i in items} == {kept.pk, gone_to_government.pk}
    assert [i.position for i in items] == [1, 2]
    item = version.items.get(proposal=kept)
    assert (item.title, item.ask, item.ask_type, item.classification) == (
        "Bus franchising funding",
        "Fund it.",
        AskType.FUNDING,
        OFFICIAL,
    )
    assert (item.theme_name, item.workstream_name) == ("Connecting communities", "Transport")


def test_a_version_keeps_the_proposals_as_they_stood_and_the_next_is_numbered_on(
    people: People, chain: list[GovernanceBody]
) -> None:
    kept = approved(people, chain, "Bus franchising funding")
    first = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    dft = GovernmentDepartment.objects.get(deal=people.deal, abbreviation="DfT")
    services.proposal_update(
        proposal=kept, acting_user=people.lead, classification=SENSITIVE, departments=[dft]
    )

    second = services.proposition_version_create(deal=people.deal, acting_user=people.admin)

    assert (first.number, second.number) == (1, 2)
    assert first.items.get().classification == OFFICIAL
    assert first.items.get().departments == ""
    assert second.items.get().classification == SENSITIVE
    # As departments are named across the site: by abbreviation (the deal file gives DfT's).
    assert second.items.get().departments == "DfT"


def test_a_version_needs_an_endorsed_proposal_and_a_title(
    people: People, chain: list[GovernanceBody]
) -> None:
    awaiting(people, chain, len(chain) - 1)

    with pytest.raises(TrackerError, match="No proposal has been endorsed"):
        services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    approved(people, chain, "Local rail stations")
    with pytest.raises(ValidationError) as error:
        services.proposition_version_create(deal=people.deal, acting_user=people.admin, title=" ")
    assert set(error.value.message_dict) == {"title"}
    assert not PropositionVersion.objects.exists()


def test_the_board_approves_the_newest_version_and_the_one_before_is_superseded(
    people: People, chain: list[GovernanceBody]
) -> None:
    approved(people, chain, "Bus franchising funding")
    board = chain[-1]
    board_meeting = meeting(people, board, days=-2, status=MeetingStatus.HELD)
    first = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    services.proposition_approve(version=first, acting_user=people.admin, meeting=board_meeting)
    first.refresh_from_db()
    assert (first.status, first.approved_by, first.approved_at, first.approved_on) == (
        PropositionStatus.APPROVED,
        board,
        board_meeting,
        (NOW - dt.timedelta(days=2)).date(),
    )
    second = services.proposition_version_create(deal=people.deal, acting_user=people.admin)

    with pytest.raises(TrackerError, match="Version 1 is approved"):
        services.proposition_approve(version=first, acting_user=people.admin)
    services.proposition_approve(version=second, acting_user=people.admin)

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (
        PropositionStatus.SUPERSEDED,
        PropositionStatus.APPROVED,
    )
    assert (second.approved_on, second.approved_at, second.approved_by) == (NOW.date(), None, board)


def test_only_the_newest_draft_version_can_be_approved(
    people: People, chain: list[GovernanceBody]
) -> None:
    approved(people, chain, "Bus franchising funding")
    older = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    services.proposition_version_create(deal=people.deal, acting_user=people.admin)

    with pytest.raises(TrackerError, match="Version 2 is newer"):
        services.proposition_approve(version=older, acting_user=people.admin)

    older.refresh_from_db()
    assert older.status == PropositionStatus.DRAFT


def test_only_a_meeting_of_the_last_body_that_has_happened_approves_the_proposition(
    people: People, chain: list[GovernanceBody], dsg_body: GovernanceBody
) -> None:
    approved(people, chain, "Bus franchising funding")
    version = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    dsg_meeting = meeting(people, dsg_body, days=-1, status=MeetingStatus.HELD)
    next_board = meeting(people, chain[-1], days=7)

    with pytest.raises(ValidationError) as error:
        services.proposition_approve(version=version, acting_user=people.admin, meeting=dsg_meeting)
    assert error.value.message_dict == {"meeting": ["Choose a meeting of WMCA Board"]}
    with pytest.raises(TrackerError, match="has not happened yet"):
        services.proposition_approve(version=version, acting_user=people.admin, meeting=next_board)

    version.refresh_from_db()
    assert version.status == PropositionStatus.DRAFT


# --- Milestones -------------------------------------------------------------------------------


def milestones(people: People) -> list[Milestone]:
    return list(Milestone.objects.filter(deal=people.deal).order_by("position"))


def test_a_milestone_is_done_only_once_what_it_depends_on_is_done(people: People) -> None:
    proposition_developed, _, _, to_the_board, _, _ = milestones(people)
    assert list(to_the_board.depends_on.all()) == [proposition_developed]

    with pytest.raises(TrackerError, match="depends on milestones that are not done yet"):
        services.milestone_update(
            milestone=to_the_board, acting_user=people.admin, status=MilestoneStatus.DONE
        )
    assert Milestone.objects.get(pk=to_the_board.pk).status == MilestoneStatus.PLANNED

    services.milestone_update(
        milestone=proposition_developed, acting_user=people.admin, status=MilestoneStatus.DONE
    )
    services.milestone_update(
        milestone=to_the_board, acting_user=people.admin, status=MilestoneStatus.DONE
    )
    assert Milestone.objects.get(pk=to_the_board.pk).status == MilestoneStatus.DONE


def test_a_milestone_cannot_come_to_depend_on_itself(people: People) -> None:
    developed, engagement, _, to_the_board, announcement, fiscal_event = milestones(people)

    for milestone, needs in [
        (developed, [fiscal_event]),  # fiscal event -> announcement -> board -> developed
        (developed, [developed]),
        (to_the_board, [announcement]),
    ]:
        with pytest.raises(ValidationError) as error:
            services.milestone_update(
                milestone=milestone, acting_user=people.admin, depends_on=needs
            )
        assert set(error.value.message_dict) == {"depends_on"}
    assert not developed.depends_on.exists()

    services.milestone_update(
        milestone=developed, acting_user=people.admin, depends_on=[engagement]
    )
    assert list(developed.depends_on.all()) == [engagement]


def test_a_milestone_depends_only_on_milestones_of_its_deal(people: People) -> None:
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    theirs = Milestone.objects.create(
        deal=other, title="Their deal", when_label="June", starts_on=NOW, ends_on=NOW
    )
    ours = milestones(people)[0]

    with pytest.raises(ValidationError) as error:
        services.milestone_update(milestone=ours, acting_user=people.admin, depends_on=[theirs])

    assert set(error.value.message_dict) == {"depends_on"}


# --- The calendar address ---------------------------------------------------------------------


def test_resetting_the_calendar_address_retires_the_old_one(people: People) -> None:
    first = calendar_token_reset(user=people.lead)
    assert user_for_calendar_token(first) == people.lead

    second = calendar_token_reset(user=people.lead)

    assert second != first and len(second) >= 40
    assert user_for_calendar_token(first) is None
    assert user_for_calendar_token(second) == people.lead


def test_a_calendar_address_finds_no_one_when_empty_unknown_too_long_or_deactivated(
    people: People,
) -> None:
    token = calendar_token_reset(user=people.lead)
    User.objects.filter(pk=people.lead.pk).update(is_active=False)

    assert user_for_calendar_token(token) is None
    assert user_for_calendar_token("") is None
    assert user_for_calendar_token("not-a-token") is None
    assert user_for_calendar_token("x" * 65) is None


# --- Who may run the governance, role by role -------------------------------------------------


Setup = Callable[[People, list[GovernanceBody]], Any]
Call = Callable[[People, User, list[GovernanceBody], Any], object]


def _planned(people: People, chain: list[GovernanceBody]) -> Meeting:
    return meeting(people, chain[0])


def _started(people: People, chain: list[GovernanceBody]) -> Meeting:
    return meeting(people, chain[0], days=-1)


def _hand_item(people: People, chain: list[GovernanceBody]) -> AgendaItem:
    return services.agenda_item_add(
        meeting=meeting(people, chain[0]), acting_user=people.admin, title="AOB"
    )


def _endorsed(people: People, chain: list[GovernanceBody]) -> Proposal:
    return approved(people, chain, "Bus franchising funding")


def _version(people: People, chain: list[GovernanceBody]) -> PropositionVersion:
    _endorsed(people, chain)
    return services.proposition_version_create(deal=people.deal, acting_user=people.admin)


def _milestone(people: People, chain: list[GovernanceBody]) -> Milestone:
    return milestones(people)[1]


GOVERNANCE: dict[str, tuple[Setup | None, Call]] = {
    "meeting_create": (
        None,
        lambda people, user, chain, _: services.meeting_create(
            body=chain[0], acting_user=user, starts_at=NOW + dt.timedelta(days=7)
        ),
    ),
    "meeting_update": (
        _planned,
        lambda people, user, chain, planned: services.meeting_update(
            meeting=planned, acting_user=user, location="Room 2"
        ),
    ),
    "meeting_advance": (
        _started,
        lambda people, user, chain, started: services.meeting_advance(
            meeting=started, acting_user=user, status=MeetingStatus.HELD
        ),
    ),
    "agenda_item_add": (
        _planned,
        lambda people, user, chain, planned: services.agenda_item_add(
            meeting=planned, acting_user=user, title="Any other business"
        ),
    ),
    "agenda_item_remove": (
        _hand_item,
        lambda people, user, chain, item: services.agenda_item_remove(item=item, acting_user=user),
    ),
    "proposition_version_create": (
        _endorsed,
        lambda people, user, chain, _: services.proposition_version_create(
            deal=people.deal, acting_user=user
        ),
    ),
    "proposition_approve": (
        _version,
        lambda people, user, chain, version: services.proposition_approve(
            version=version, acting_user=user
        ),
    ),
    "milestone_update": (
        _milestone,
        lambda people, user, chain, milestone: services.milestone_update(
            milestone=milestone, acting_user=user, notes="On track."
        ),
    ),
}


def state() -> tuple[object, ...]:
    """Everything the governance services write."""
    return (
        list(Meeting.objects.order_by("pk").values_list("pk", "status", "location", "revision")),
        list(AgendaItem.objects.order_by("pk").values_list("pk", "title")),
        list(PropositionVersion.objects.order_by("pk").values_list("pk", "status")),
        list(Milestone.objects.order_by("pk").values_list("pk", "notes", "status")),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("service", GOVERNANCE)
def test_only_an_administrator_runs_the_governance(
    people: People, chain: list[GovernanceBody], service: str, role: str
) -> None:
    setup, call = GOVERNANCE[service]
    subject = setup(people, chain) if setup else None
    user = people.all_roles()[role]
    before = state()

    if role == "admin":
        call(people, user, chain, subject)
        assert state() != before
    else:
        with pytest.raises(PermissionDenied, match="Only an administrator can"):
            call(people, user, chain, subject)
        assert state() == before
