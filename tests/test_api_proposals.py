"""The proposals API: proposals, the decisions that move them through the governance chain, and
the log of talks with government. A proposal walked from draft to agreed; every move allowed and
refused with its status and reason; who may see and do what, role by role; a partner never
receiving an OFFICIAL-SENSITIVE proposal by any route; lost updates; query counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import User
from core.choices import Classification
from missions.models import Mission
from tracker import services
from tracker.choices import AskType, DecisionOutcome, PrincipleAnswer, ProposalStage
from tracker.models import (
    Decision,
    GovernanceBody,
    GovernmentDepartment,
    NegotiationEntry,
    Principle,
    Proposal,
    Workstream,
)
from tracker.selectors.governance import chain_of

from .conftest import People, approve_proposition, to_government

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
TODAY = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
INSIDERS = ["admin", "lead", "other_lead", "sponsor", "dsg"]
NOT_EDITORS = {"other_lead": 403, "sponsor": 403, "dsg": 403, "partner": 403}
NOT_ADMINS = {"lead": 403, **NOT_EDITORS}


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def transport(people: People) -> Workstream:
    return Workstream.objects.select_related("deal").get(deal=people.deal, slug="transport")


@pytest.fixture
def skills(people: People) -> Workstream:
    return Workstream.objects.select_related("deal").get(deal=people.deal, slug="skills")


@pytest.fixture
def chain(people: People) -> list[GovernanceBody]:
    return chain_of(people.deal)


@pytest.fixture
def dft(people: People) -> GovernmentDepartment:
    return GovernmentDepartment.objects.get(deal=people.deal, abbreviation="DfT")


# --- Helpers ----------------------------------------------------------------------------------


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def by_role(people: People, call: Callable[[APIClient], Response]) -> dict[str, int]:
    """The status code each persona gets for the same request."""
    return {role: call(client_for(user)).status_code for role, user in people.all_roles().items()}


def page(client: APIClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def ids(client: APIClient, url: str) -> list[int]:
    return [row["id"] for row in page(client, url)["results"]]


def draft(
    people: People,
    workstream: Workstream,
    title: str = "Bus franchising powers",
    classification: str = OFFICIAL,
    **fields: Any,
) -> Proposal:
    values = {"ask": "Devolve the bus service operators grant.", "ask_type": AskType.FUNDING}
    return services.proposal_create(
        workstream=workstream,
        acting_user=people.admin,
        title=title,
        classification=classification,
        **(values | fields),
    )


def submitted(people: People, proposal: Proposal) -> Proposal:
    return services.proposal_submit(proposal=proposal, acting_user=people.admin)


def decide(people: People, proposal: Proposal, body: GovernanceBody, outcome: str) -> Decision:
    notes = "Needs costings." if outcome == DecisionOutcome.REFERRED_BACK else ""
    return services.decision_record(
        proposal=proposal, body=body, outcome=outcome, acting_user=people.admin, notes=notes
    )


def awaiting(people: People, proposal: Proposal, chain: list[GovernanceBody], n: int) -> Proposal:
    """Submitted into the chain and endorsed by its first ``n`` bodies."""
    submitted(people, proposal)
    for body in chain[:n]:
        decide(people, proposal, body, DecisionOutcome.ENDORSED)
    return Proposal.objects.get(pk=proposal.pk)


def approved(people: People, proposal: Proposal, chain: list[GovernanceBody]) -> Proposal:
    return awaiting(people, proposal, chain, len(chain))


def with_government(people: People, proposal: Proposal, chain: list[GovernanceBody]) -> Proposal:
    return to_government(people, approved(people, proposal, chain))


def talk(
    people: People,
    proposal: Proposal,
    department: GovernmentDepartment,
    classification: str = OFFICIAL,
) -> NegotiationEntry:
    return services.negotiation_log(
        proposal=proposal,
        acting_user=people.admin,
        department=department,
        held_on=TODAY.date(),
        attendees="DfT officials; WMCA transport team",
        summary="Walked through the funding profile.",
        classification=classification,
    )


def proposal_body(workstream: Workstream, **fields: Any) -> dict[str, Any]:
    return {
        "workstream": workstream.pk,
        "title": "Local rail fares",
        "classification": OFFICIAL,
        "ask": "Set fares on local rail services.",
        "ask_type": AskType.POWER,
    } | fields


# --- Anonymous callers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/proposals/"),
        ("post", "/api/v1/proposals/"),
        ("get", "/api/v1/proposals/1/"),
        ("patch", "/api/v1/proposals/1/"),
        ("post", "/api/v1/proposals/1/submit/"),
        ("post", "/api/v1/proposals/1/outcome/"),
        ("post", "/api/v1/proposals/1/skip/"),
        ("put", "/api/v1/proposals/1/principles/"),
        ("get", "/api/v1/decisions/"),
        ("post", "/api/v1/decisions/"),
        ("get", "/api/v1/decisions/1/"),
        ("get", "/api/v1/negotiations/"),
        ("post", "/api/v1/negotiations/"),
        ("get", "/api/v1/negotiations/1/"),
        ("patch", "/api/v1/negotiations/1/"),
    ],
)
def test_anonymous_callers_get_401_from_every_proposal_endpoint(
    db: None, method: str, url: str
) -> None:
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401


# --- The whole journey ------------------------------------------------------------------------


def test_a_proposal_walks_from_draft_to_agreed_through_every_body_of_the_chain(
    people: People, transport: Workstream, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    lead, admin = client_for(people.lead), client_for(people.admin)

    def where(response: Response) -> tuple[str, int | None]:
        assert response.status_code in (200, 201), response.content
        body = response.json()
        return body["stage"], body["awaiting_body"]

    created = lead.post(
        "/api/v1/proposals/", proposal_body(transport, departments=[dft.pk]), format="json"
    )
    assert where(created) == ("draft", None)
    pk = created.json()["id"]
    assert created["Location"].endswith(f"/api/v1/proposals/{pk}/")

    assert where(lead.post(f"/api/v1/proposals/{pk}/submit/")) == ("in_governance", chain[0].pk)
    assert [b.name for b in chain] == [
        "TDD Core Team",
        "Strategic Leadership Team",
        "Senior Local Authority Officers Group",
        "Devolution Strategy Group",
        "High Level Negotiating Team",
        "WMCA Board",
    ]
    decision_ids = []
    for index, body in enumerate(chain):
        decided = admin.post(
            "/api/v1/decisions/",
            {"proposal": pk, "body": body.pk, "outcome": "endorsed"},
            format="json",
        )
        assert decided.status_code == 201, decided.content
        decision_ids.append(decided.json()["id"])
        now = admin.get(f"/api/v1/proposals/{pk}/")
        if index + 1 < len(chain):
            assert where(now) == ("in_governance", chain[index + 1].pk), body.name
            assert now.json()["board_endorsement"] is None
        else:
            assert where(now) == ("approved", None)
            assert now.json()["board_endorsement"] == decision_ids[-1]

    # Until the Board approves a version of the Proposition that holds it, it stays.
    held_back = admin.post(f"/api/v1/proposals/{pk}/submit/", {"on": "2026-05-19"}, format="json")
    assert held_back.status_code == 409
    assert where(admin.get(f"/api/v1/proposals/{pk}/")) == ("approved", None)
    approve_proposition(people)
    sent = admin.post(f"/api/v1/proposals/{pk}/submit/", {"on": "2026-05-19"}, format="json")
    assert where(sent) == ("submitted", None)
    assert sent.json()["submitted_on"] == "2026-05-19"

    logged = lead.post(
        "/api/v1/negotiations/",
        {
            "proposal": pk,
            "department": dft.pk,
            "held_on": "2026-05-20",
            "attendees": "DfT bus policy team; TfWM",
            "summary": "Agreed the grant's formula in principle.",
            "classification": SENSITIVE,
        },
        format="json",
    )
    assert logged.status_code == 201, logged.content
    assert where(lead.get(f"/api/v1/proposals/{pk}/")) == ("in_negotiation", None)

    concluded = admin.post(
        f"/api/v1/proposals/{pk}/outcome/",
        {"outcome": "agreed", "notes": "The grant is devolved from April."},
        format="json",
    )
    assert where(concluded) == ("concluded", None)
    body = concluded.json()
    assert (body["outcome"], body["outcome_on"], body["outcome_notes"]) == (
        "agreed",
        "2026-05-20",
        "The grant is devolved from April.",
    )
    history = ids(admin, f"/api/v1/decisions/?proposal={pk}&ordering=created_at")
    assert history == decision_ids


# --- Every move, allowed and refused ----------------------------------------------------------


def test_a_decision_by_a_body_the_proposal_does_not_await_is_a_conflict_that_names_it(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = submitted(people, draft(people, transport))

    response = client_for(people.admin).post(
        "/api/v1/decisions/",
        {"proposal": proposal.pk, "body": chain[3].pk, "outcome": "endorsed"},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Devolution Strategy Group cannot decide on “Bus franchising powers”: it awaits "
        "TDD Core Team."
    )
    assert not Decision.objects.exists()


def test_a_decision_on_a_draft_is_a_conflict(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = draft(people, transport)

    response = client_for(people.admin).post(
        "/api/v1/decisions/",
        {"proposal": proposal.pk, "body": chain[0].pk, "outcome": "endorsed"},
        format="json",
    )

    assert response.status_code == 409
    assert "is not awaiting a decision: it is draft" in response.json()["detail"]


def test_referred_back_needs_the_reasons_and_returns_the_proposal_to_draft(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, draft(people, transport), chain, 1)
    admin = client_for(people.admin)
    body = {"proposal": proposal.pk, "body": chain[1].pk, "outcome": "referred_back"}

    refused = admin.post("/api/v1/decisions/", body, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"notes": ["Say why the proposal is referred back"]}

    allowed = admin.post("/api/v1/decisions/", body | {"notes": "Cost it."}, format="json")
    assert allowed.status_code == 201
    assert allowed.json()["notes"] == "Cost it."
    now = admin.get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert (now["stage"], now["awaiting_body"]) == ("draft", None)


def test_rejected_closes_and_noted_changes_nothing(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = submitted(people, draft(people, transport))
    admin = client_for(people.admin)
    body = {"proposal": proposal.pk, "body": chain[0].pk}

    assert admin.post("/api/v1/decisions/", body | {"outcome": "noted"}).status_code == 201
    now = admin.get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert (now["stage"], now["awaiting_body"]) == ("in_governance", chain[0].pk)

    assert admin.post("/api/v1/decisions/", body | {"outcome": "rejected"}).status_code == 201
    now = admin.get(f"/api/v1/proposals/{proposal.pk}/").json()
    assert (now["stage"], now["awaiting_body"]) == ("rejected", None)


def test_skipped_is_not_a_decision_a_body_records(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = submitted(people, draft(people, transport))

    response = client_for(people.admin).post(
        "/api/v1/decisions/",
        {"proposal": proposal.pk, "body": chain[0].pk, "outcome": "skipped"},
        format="json",
    )

    assert response.status_code == 400
    assert "skip action" in response.json()["outcome"][0]


def test_a_decision_at_a_closed_meeting_is_a_conflict_and_at_a_held_one_is_recorded(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = submitted(people, draft(people, transport))
    held, closed = (
        services.meeting_create(
            body=chain[0], acting_user=people.admin, starts_at=TODAY - dt.timedelta(days=days)
        )
        for days in (2, 9)
    )
    for meeting in (held, closed):
        services.meeting_advance(meeting=meeting, acting_user=people.admin, status="held")
    services.meeting_advance(meeting=closed, acting_user=people.admin, status="closed")
    admin = client_for(people.admin)
    body = {"proposal": proposal.pk, "body": chain[0].pk, "outcome": "endorsed"}

    refused = admin.post("/api/v1/decisions/", body | {"meeting": closed.pk}, format="json")
    assert refused.status_code == 409
    assert "is closed: its decisions are locked" in refused.json()["detail"]

    allowed = admin.post("/api/v1/decisions/", body | {"meeting": held.pk}, format="json")
    assert allowed.status_code == 201
    assert (allowed.json()["meeting"], allowed.json()["decided_on"]) == (held.pk, "2026-05-18")


def test_a_decision_at_another_bodys_meeting_is_a_field_error(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = submitted(people, draft(people, transport))
    meeting = services.meeting_create(
        body=chain[1], acting_user=people.admin, starts_at=TODAY - dt.timedelta(days=1)
    )
    response = client_for(people.admin).post(
        "/api/v1/decisions/",
        {"proposal": proposal.pk, "body": chain[0].pk, "outcome": "noted", "meeting": meeting.pk},
        format="json",
    )
    assert response.status_code == 400
    assert "meeting" in response.json()


@pytest.mark.parametrize("stage", ["in_governance", "rejected", "submitted"])
def test_submitting_at_a_stage_that_cannot_be_submitted_is_a_conflict(
    people: People, transport: Workstream, chain: list[GovernanceBody], stage: str
) -> None:
    proposal = draft(people, transport)
    if stage == "in_governance":
        submitted(people, proposal)
    elif stage == "rejected":
        submitted(people, proposal)
        decide(people, proposal, chain[0], DecisionOutcome.REJECTED)
    else:
        with_government(people, proposal, chain)

    response = client_for(people.admin).post(f"/api/v1/proposals/{proposal.pk}/submit/")

    assert response.status_code == 409
    assert "only a draft can be submitted into the governance chain" in response.json()["detail"]
    assert Proposal.objects.get(pk=proposal.pk).stage == stage


def test_a_draft_that_does_not_say_what_it_asks_cannot_be_submitted(
    people: People, transport: Workstream
) -> None:
    proposal = draft(people, transport, ask="", ask_type="")

    response = client_for(people.lead).post(f"/api/v1/proposals/{proposal.pk}/submit/")

    assert response.status_code == 400
    assert response.json() == {
        "ask": ["Say what is asked of government before submitting"],
        "ask_type": ["Choose the type of ask before submitting"],
    }


def test_only_an_administrator_submits_an_approved_proposal_to_government(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = approved(people, draft(people, transport), chain)

    response = client_for(people.lead).post(f"/api/v1/proposals/{proposal.pk}/submit/")

    assert response.status_code == 403
    assert response.json()["detail"] == "Only an administrator can submit a proposal to government."
    assert Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.APPROVED


def test_an_approved_proposal_outside_the_approved_proposition_is_a_conflict_with_the_reason(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = approved(people, draft(people, transport), chain)
    admin = client_for(people.admin)

    response = admin.post(f"/api/v1/proposals/{proposal.pk}/submit/")

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"“{proposal.title}” is not in the TDD Proposition the WMCA Board approved: a "
        "proposal goes to government only as part of it. Include it in a new version of the "
        "Proposition and record the WMCA Board's approval of that version first."
    }
    assert Proposal.objects.get(pk=proposal.pk).submitted_on is None
    services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    waiting = admin.post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert waiting.status_code == 409
    assert "which the WMCA Board has not approved yet" in waiting.json()["detail"]
    approve_proposition(people)
    sent = admin.post(f"/api/v1/proposals/{proposal.pk}/submit/")
    assert sent.status_code == 200
    assert sent.json()["stage"] == ProposalStage.SUBMITTED


@pytest.mark.parametrize("stage", ["draft", "in_governance", "approved"])
def test_an_outcome_before_submission_to_government_is_a_conflict(
    people: People, transport: Workstream, chain: list[GovernanceBody], stage: str
) -> None:
    proposal = draft(people, transport)
    if stage == "in_governance":
        submitted(people, proposal)
    elif stage == "approved":
        approved(people, proposal, chain)

    response = client_for(people.admin).post(
        f"/api/v1/proposals/{proposal.pk}/outcome/",
        {"outcome": "agreed", "notes": "All of it."},
        format="json",
    )

    assert response.status_code == 409
    assert "an outcome other than withdrawn is recorded only once" in response.json()["detail"]
    assert Proposal.objects.get(pk=proposal.pk).stage == stage


def test_a_draft_is_withdrawn_and_then_closed(people: People, transport: Workstream) -> None:
    proposal = draft(people, transport)
    admin = client_for(people.admin)

    response = admin.post(
        f"/api/v1/proposals/{proposal.pk}/outcome/", {"outcome": "withdrawn"}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["stage"], response.json()["outcome"]) == ("concluded", "withdrawn")
    again = admin.post(
        f"/api/v1/proposals/{proposal.pk}/outcome/", {"outcome": "withdrawn"}, format="json"
    )
    assert again.status_code == 409
    assert again.json()["detail"] == "“Bus franchising powers” is already concluded."


def test_agreed_must_say_what_was_agreed_and_an_unknown_outcome_is_refused(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = with_government(people, draft(people, transport), chain)
    admin = client_for(people.admin)
    url = f"/api/v1/proposals/{proposal.pk}/outcome/"

    assert admin.post(url, {"outcome": "agreed"}).json() == {"notes": ["Say what was agreed"]}
    assert admin.post(url, {"outcome": "won"}).status_code == 400
    response = admin.post(url, {"outcome": "deferred", "on": "2026-05-01"}, format="json")
    assert response.status_code == 200
    assert (response.json()["outcome"], response.json()["outcome_on"]) == ("deferred", "2026-05-01")


def test_a_skip_needs_a_reason_and_moves_the_proposal_to_the_next_body(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = submitted(people, draft(people, transport))
    admin = client_for(people.admin)
    url = f"/api/v1/proposals/{proposal.pk}/skip/"

    refused = admin.post(url, {"reason": " "}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"reason": ["Say why this level is skipped"]}
    assert admin.post(url, {}, format="json").status_code == 400

    allowed = admin.post(url, {"reason": "The team met as the officers group."}, format="json")
    assert allowed.status_code == 200
    assert (allowed.json()["stage"], allowed.json()["awaiting_body"]) == (
        "in_governance",
        chain[1].pk,
    )
    skip = page(admin, f"/api/v1/decisions/?proposal={proposal.pk}")["results"]
    assert [(d["body"], d["outcome"], d["notes"]) for d in skip] == [
        (chain[0].pk, "skipped", "The team met as the officers group.")
    ]


def test_the_last_body_of_the_chain_cannot_be_skipped(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = awaiting(people, draft(people, transport), chain, len(chain) - 1)

    response = client_for(people.admin).post(
        f"/api/v1/proposals/{proposal.pk}/skip/", {"reason": "Urgent."}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["detail"] == (
        "WMCA Board is the last body in the chain and cannot be skipped: no final deal is "
        "agreed without its endorsement."
    )
    assert Proposal.objects.get(pk=proposal.pk).awaiting_body == chain[-1]


def test_a_skip_outside_the_chain_is_a_conflict(people: People, transport: Workstream) -> None:
    proposal = draft(people, transport)
    response = client_for(people.admin).post(
        f"/api/v1/proposals/{proposal.pk}/skip/", {"reason": "Urgent."}, format="json"
    )
    assert response.status_code == 409
    assert "is not in the governance chain: it is draft" in response.json()["detail"]


def test_talks_are_logged_only_once_the_proposal_is_with_government(
    people: People, transport: Workstream, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    proposal = approved(people, draft(people, transport), chain)
    response = client_for(people.lead).post(
        "/api/v1/negotiations/",
        {
            "proposal": proposal.pk,
            "department": dft.pk,
            "held_on": "2026-05-20",
            "attendees": "DfT",
            "summary": "An early chat.",
            "classification": OFFICIAL,
        },
        format="json",
    )
    assert response.status_code == 409
    assert (
        "talks with departments are logged while it is a draft and once it has been submitted"
        in (response.json()["detail"])
    )


def talk_on(proposal: Proposal, dft: GovernmentDepartment) -> dict[str, Any]:
    return {
        "proposal": proposal.pk,
        "department": dft.pk,
        "held_on": "2026-05-20",
        "attendees": "DfT bus policy team",
        "summary": "Tested the franchising case with officials.",
        "classification": SENSITIVE,
    }


def test_the_lead_logs_talks_on_a_draft_and_it_stays_a_draft(
    people: People, transport: Workstream, dft: GovernmentDepartment
) -> None:
    proposal = draft(people, transport)
    statuses = by_role(
        people,
        lambda c: c.post("/api/v1/negotiations/", talk_on(proposal, dft), format="json"),
    )
    # Its lead and an administrator log talks; the lead of another workstream and everyone
    # else may not.
    assert statuses["lead"] == statuses["admin"] == 201
    assert {statuses[r] for r in ("other_lead", "sponsor", "dsg", "partner")} == {403}
    assert statuses["nobody"] == 400  # no proposal they may see
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.DRAFT
    entries = list(proposal.negotiations.order_by("pk"))
    assert {e.recorded_by for e in entries} == {people.lead, people.admin} and len(entries) == 2
    assert list(proposal.departments.all()) == [dft]

    partner = client_for(people.partner).get(f"/api/v1/negotiations/?proposal={proposal.pk}")
    assert partner.status_code == 200 and partner.json()["results"] == []
    sponsor = client_for(people.sponsor).get(f"/api/v1/negotiations/?proposal={proposal.pk}")
    assert len(sponsor.json()["results"]) == 2


def test_what_a_proposal_asks_is_fixed_once_it_leaves_draft_but_progress_is_not(
    people: People, transport: Workstream
) -> None:
    proposal = submitted(people, draft(people, transport))
    lead = client_for(people.lead)
    url = f"/api/v1/proposals/{proposal.pk}/"

    refused = lead.patch(url, {"title": "Bus powers"}, format="json")
    assert refused.status_code == 409
    assert (
        "its title, ask, type, challenge, prize and value are fixed" in (refused.json()["detail"])
    )
    allowed = lead.patch(url, {"progress": "Costed with TfWM."}, format="json")
    assert allowed.status_code == 200
    assert allowed.json()["progress"] == "Costed with TfWM."


# --- Reading a proposal -----------------------------------------------------------------------


def test_a_proposal_reads_with_its_links_its_principles_and_its_etag(
    people: People, transport: Workstream, dft: GovernmentDepartment
) -> None:
    mission = Mission.objects.get(number=3)
    proposal = draft(
        people,
        transport,
        departments=[dft],
        missions=[mission],
        estimated_value="1250000.00",
        owner=people.lead,
    )
    first, second = Principle.objects.filter(deal=people.deal).order_by("position")[:2]
    services.principles_answer(
        proposal=proposal,
        acting_user=people.lead,
        answers={first: (PrincipleAnswer.YES, "In the local transport plan.")},
    )

    response = client_for(people.dsg).get(f"/api/v1/proposals/{proposal.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert (response["ETag"], body["revision"]) == ('"1"', 1)
    assert (body["deal"], body["workstream"], body["owner"]) == (
        people.deal.pk,
        transport.pk,
        people.lead.pk,
    )
    assert (body["departments"], body["missions"]) == ([dft.pk], [mission.pk])
    assert body["estimated_value"] == "1250000.00"
    assert (body["stage"], body["awaiting_body"], body["board_endorsement"]) == (
        "draft",
        None,
        None,
    )
    assert len(body["principles"]) == 6
    assert body["principles"][0] == {
        "principle": first.pk,
        "short_name": first.short_name,
        "answer": "yes",
        "note": "In the local transport plan.",
    }
    assert body["principles"][1] == {
        "principle": second.pk,
        "short_name": second.short_name,
        "answer": None,
        "note": "",
    }
    assert body["principles_unanswered"] == 5
    assert body["created_at"] and body["updated_at"] and body["moved_at"]


def test_the_principles_are_answered_through_the_api_and_a_bad_answer_is_a_field_error(
    people: People, transport: Workstream
) -> None:
    proposal = draft(people, transport)
    principles = list(Principle.objects.filter(deal=people.deal).order_by("position"))
    lead = client_for(people.lead)
    url = f"/api/v1/proposals/{proposal.pk}/principles/"

    answers = [{"principle": p.pk, "answer": "not_applicable", "note": ""} for p in principles]
    response = lead.put(url, answers[:5], format="json")
    assert response.status_code == 200
    assert response.json()["principles_unanswered"] == 1
    response = lead.post(url, [{"principle": principles[5].pk, "answer": "no"}], format="json")
    assert response.json()["principles_unanswered"] == 0
    assert response.json()["principles"][5]["answer"] == "no"

    bad = lead.put(url, [{"principle": principles[0].pk, "answer": "maybe"}], format="json")
    assert bad.status_code == 400
    unknown = lead.put(url, [{"principle": 999999, "answer": "yes"}], format="json")
    assert unknown.status_code == 400
    assert "There is no principle with id 999999." in str(unknown.json())


def test_proposals_filter_by_workstream_stage_body_mission_department_and_search(
    people: People,
    transport: Workstream,
    skills: Workstream,
    chain: list[GovernanceBody],
    dft: GovernmentDepartment,
) -> None:
    mission = Mission.objects.get(number=5)
    bus = draft(people, transport, departments=[dft], missions=[mission])
    rail = submitted(people, draft(people, transport, title="Rail fares", ask="Set rail fares."))
    adult = draft(people, skills, title="Adult skills fund", classification=SENSITIVE)
    dsg = client_for(people.dsg)

    def found(query: str) -> list[int]:
        return sorted(ids(dsg, f"/api/v1/proposals/?{query}"))

    assert found("") == sorted([bus.pk, rail.pk, adult.pk])
    assert found(f"workstream={transport.pk}") == sorted([bus.pk, rail.pk])
    assert found(f"theme={skills.theme_id}") == [adult.pk]
    assert found("stage=in_governance") == [rail.pk]
    assert found(f"body={chain[0].pk}") == [rail.pk]
    assert found(f"body={chain[1].pk}") == []
    assert found("mission=5") == [bus.pk]
    assert found(f"department={dft.pk}") == [bus.pk]
    assert found("classification=official-sensitive") == [adult.pk]
    assert found("search=rail") == [rail.pk]
    assert found("outcome=withdrawn") == []
    assert dsg.get("/api/v1/proposals/?stage=lost").status_code == 400


def test_a_lost_update_is_refused_with_what_changed_and_nothing_is_saved(
    people: People, transport: Workstream
) -> None:
    proposal = draft(people, transport)
    lead, admin = client_for(people.lead), client_for(people.admin)
    url = f"/api/v1/proposals/{proposal.pk}/"
    tag = lead.get(url)["ETag"]

    first = admin.patch(url, {"progress": "Met TfWM."}, format="json", HTTP_IF_MATCH=tag)
    assert first.status_code == 200
    assert first["ETag"] != tag
    second = lead.patch(url, {"progress": "Met DfT."}, format="json", HTTP_IF_MATCH=tag)

    assert second.status_code == 412
    body = second.json()
    assert [c["field"] for c in body["changes"]] == ["progress"]
    assert body["current"]["progress"] == "Met TfWM."
    assert second["ETag"] == first["ETag"]
    assert Proposal.objects.get(pk=proposal.pk).progress == "Met TfWM."


def test_a_proposal_stays_in_its_workstream_and_a_title_is_used_once(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    proposal = draft(people, transport)
    admin = client_for(people.admin)

    moved = admin.patch(
        f"/api/v1/proposals/{proposal.pk}/", {"workstream": skills.pk}, format="json"
    )
    assert moved.status_code == 400
    assert "stays in its workstream" in moved.json()["workstream"][0]
    twice = admin.post(
        "/api/v1/proposals/", proposal_body(transport, title=proposal.title), format="json"
    )
    assert twice.status_code == 400
    assert twice.json() == {"title": ["This workstream already has a proposal with this title"]}
    assert Proposal.objects.filter(title=proposal.title).count() == 1


# --- Who sees what, and who may do what -------------------------------------------------------


def test_a_partner_never_receives_a_sensitive_proposal_by_list_filter_search_or_id(
    people: People, transport: Workstream
) -> None:
    official = draft(people, transport, title="Bus franchising powers")
    sensitive = draft(people, transport, title="Bus fares cap", classification=SENSITIVE)

    counts = {
        role: page(client_for(user), "/api/v1/proposals/")["count"]
        for role, user in people.all_roles().items()
    }
    assert counts == {**dict.fromkeys(INSIDERS, 2), "partner": 1, "nobody": 0}
    partner = client_for(people.partner)
    assert ids(partner, "/api/v1/proposals/") == [official.pk]
    for query in [
        "search=fares",
        "classification=official-sensitive",
        f"workstream={transport.pk}",
    ]:
        assert sensitive.pk not in ids(partner, f"/api/v1/proposals/?{query}"), query
    codes = by_role(people, lambda c: c.get(f"/api/v1/proposals/{sensitive.pk}/"))
    assert codes == {**dict.fromkeys(INSIDERS, 200), "partner": 404, "nobody": 404}


def test_only_the_workstreams_lead_or_an_administrator_may_draft_a_proposal(
    people: People, transport: Workstream
) -> None:
    titles = iter(f"Proposal {n}" for n in range(10))
    codes = by_role(
        people,
        lambda c: c.post(
            "/api/v1/proposals/", proposal_body(transport, title=next(titles)), format="json"
        ),
    )
    # Nadia cannot see the workstream at all, so for her it is an unknown id.
    assert codes == {"admin": 201, "lead": 201, **NOT_EDITORS, "nobody": 400}
    assert Proposal.objects.filter(workstream=transport).count() == 2


def test_only_the_workstreams_lead_or_an_administrator_may_change_a_proposal(
    people: People, transport: Workstream
) -> None:
    proposal = draft(people, transport)
    codes = by_role(
        people,
        lambda c: c.patch(
            f"/api/v1/proposals/{proposal.pk}/", {"progress": "Moving."}, format="json"
        ),
    )
    assert codes == {"admin": 200, "lead": 200, **NOT_EDITORS, "nobody": 404}


def test_a_refused_change_is_a_403_even_when_its_values_are_invalid(
    people: People, transport: Workstream
) -> None:
    proposal = draft(people, transport)
    response = client_for(people.other_lead).patch(
        f"/api/v1/proposals/{proposal.pk}/", {"estimated_value": "lots"}, format="json"
    )
    assert response.status_code == 403


def test_only_the_workstreams_lead_or_an_administrator_may_submit_a_draft(
    people: People, transport: Workstream
) -> None:
    drafts = iter(draft(people, transport, title=f"Draft {n}") for n in range(7))
    codes = by_role(people, lambda c: c.post(f"/api/v1/proposals/{next(drafts).pk}/submit/"))
    assert codes == {"admin": 200, "lead": 200, **NOT_EDITORS, "nobody": 404}


def test_only_the_workstreams_lead_or_an_administrator_may_answer_the_principles(
    people: People, transport: Workstream
) -> None:
    proposal = draft(people, transport)
    principle = Principle.objects.filter(deal=people.deal).first()
    assert principle is not None
    codes = by_role(
        people,
        lambda c: c.put(
            f"/api/v1/proposals/{proposal.pk}/principles/",
            [{"principle": principle.pk, "answer": "yes"}],
            format="json",
        ),
    )
    assert codes == {"admin": 200, "lead": 200, **NOT_EDITORS, "nobody": 404}


def test_only_an_administrator_may_record_an_outcome(people: People, transport: Workstream) -> None:
    drafts = iter(draft(people, transport, title=f"Draft {n}") for n in range(7))
    codes = by_role(
        people,
        lambda c: c.post(f"/api/v1/proposals/{next(drafts).pk}/outcome/", {"outcome": "withdrawn"}),
    )
    assert codes == {"admin": 200, **NOT_ADMINS, "nobody": 404}


def test_only_an_administrator_may_skip_a_level(people: People, transport: Workstream) -> None:
    proposals = iter(
        submitted(people, draft(people, transport, title=f"Draft {n}")) for n in range(7)
    )
    codes = by_role(
        people,
        lambda c: c.post(f"/api/v1/proposals/{next(proposals).pk}/skip/", {"reason": "Urgent."}),
    )
    assert codes == {"admin": 200, **NOT_ADMINS, "nobody": 404}


def test_only_an_administrator_may_record_a_decision(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    proposal = submitted(people, draft(people, transport))
    codes = by_role(
        people,
        lambda c: c.post(
            "/api/v1/decisions/",
            {"proposal": proposal.pk, "body": chain[0].pk, "outcome": "noted"},
        ),
    )
    # Nadia cannot see the proposal, so for her it is an unknown id.
    assert codes == {"admin": 201, **NOT_ADMINS, "nobody": 400}
    assert Decision.objects.count() == 1


def test_a_partner_never_receives_a_decision_about_a_sensitive_proposal(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    official = submitted(people, draft(people, transport))
    sensitive = submitted(people, draft(people, transport, "Fares cap", SENSITIVE))
    seen = decide(people, official, chain[0], DecisionOutcome.NOTED)
    hidden = decide(people, sensitive, chain[0], DecisionOutcome.NOTED)

    counts = {
        role: page(client_for(user), "/api/v1/decisions/")["count"]
        for role, user in people.all_roles().items()
    }
    assert counts == {**dict.fromkeys(INSIDERS, 2), "partner": 1, "nobody": 0}
    partner = client_for(people.partner)
    assert ids(partner, f"/api/v1/decisions/?body={chain[0].pk}") == [seen.pk]
    assert ids(partner, f"/api/v1/decisions/?proposal={sensitive.pk}") == []
    codes = by_role(people, lambda c: c.get(f"/api/v1/decisions/{hidden.pk}/"))
    assert codes == {**dict.fromkeys(INSIDERS, 200), "partner": 404, "nobody": 404}


def test_decisions_are_never_changed_or_deleted_through_the_api(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    decision = decide(
        people, submitted(people, draft(people, transport)), chain[0], DecisionOutcome.NOTED
    )
    admin = client_for(people.admin)
    url = f"/api/v1/decisions/{decision.pk}/"
    assert admin.patch(url, {"notes": "x"}, format="json").status_code == 405
    assert admin.delete(url).status_code == 405


def test_only_the_workstreams_lead_or_an_administrator_may_log_and_change_talks(
    people: People, transport: Workstream, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    proposal = with_government(people, draft(people, transport), chain)
    entry = talk(people, proposal, dft)
    body = {
        "proposal": proposal.pk,
        "department": dft.pk,
        "held_on": "2026-05-19",
        "attendees": "DfT",
        "summary": "Follow-up call.",
        "classification": OFFICIAL,
    }
    created = by_role(people, lambda c: c.post("/api/v1/negotiations/", body, format="json"))
    assert created == {"admin": 201, "lead": 201, **NOT_EDITORS, "nobody": 400}
    changed = by_role(
        people,
        lambda c: c.patch(
            f"/api/v1/negotiations/{entry.pk}/", {"next_steps": "Write up."}, format="json"
        ),
    )
    assert changed == {"admin": 200, "lead": 200, **NOT_EDITORS, "nobody": 404}


def test_a_partner_never_receives_a_sensitive_talk_or_a_talk_about_a_sensitive_proposal(
    people: People, transport: Workstream, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    official = with_government(people, draft(people, transport), chain)
    sensitive = with_government(people, draft(people, transport, "Fares cap", SENSITIVE), chain)
    shown = talk(people, official, dft, OFFICIAL)
    kept = talk(people, official, dft, SENSITIVE)
    about_sensitive = talk(people, sensitive, dft, OFFICIAL)

    counts = {
        role: page(client_for(user), "/api/v1/negotiations/")["count"]
        for role, user in people.all_roles().items()
    }
    assert counts == {**dict.fromkeys(INSIDERS, 3), "partner": 1, "nobody": 0}
    partner = client_for(people.partner)
    assert ids(partner, f"/api/v1/negotiations/?department={dft.pk}") == [shown.pk]
    assert ids(partner, f"/api/v1/negotiations/?proposal={sensitive.pk}") == []
    for entry in (kept, about_sensitive):
        codes = by_role(people, lambda c, e=entry: c.get(f"/api/v1/negotiations/{e.pk}/"))
        assert codes == {**dict.fromkeys(INSIDERS, 200), "partner": 404, "nobody": 404}


def test_a_talk_reads_with_its_etag_and_a_stale_change_is_refused(
    people: People, transport: Workstream, chain: list[GovernanceBody], dft: GovernmentDepartment
) -> None:
    entry = talk(people, with_government(people, draft(people, transport), chain), dft)
    lead, admin = client_for(people.lead), client_for(people.admin)
    url = f"/api/v1/negotiations/{entry.pk}/"
    read = lead.get(url)
    assert read["ETag"] == '"1"'
    assert (read.json()["department"], read.json()["department_name"]) == (
        dft.pk,
        "Department for Transport",
    )

    assert admin.patch(url, {"summary": "Fuller note."}, HTTP_IF_MATCH='"1"').status_code == 200
    stale = lead.patch(url, {"summary": "Other note."}, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current"]["summary"] == "Fuller note."
    assert NegotiationEntry.objects.get(pk=entry.pk).summary == "Fuller note."


# --- Schema -----------------------------------------------------------------------------------


def test_the_schema_describes_the_proposal_endpoints_their_etags_and_conflicts(
    people: People,
) -> None:
    response = client_for(people.dsg).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    paths = response.json()["paths"]
    assert set(paths["/api/v1/proposals/"]) == {"get", "post"}
    assert {"get", "patch"} <= set(paths["/api/v1/proposals/{id}/"])
    for action in ("submit", "outcome", "skip"):
        assert "409" in paths[f"/api/v1/proposals/{{id}}/{action}/"]["post"]["responses"]
    assert {"put", "post"} <= set(paths["/api/v1/proposals/{id}/principles/"])
    assert set(paths["/api/v1/decisions/"]) == {"get", "post"}
    assert "409" in paths["/api/v1/decisions/"]["post"]["responses"]
    assert set(paths["/api/v1/decisions/{id}/"]) == {"get"}
    patch = paths["/api/v1/negotiations/{id}/"]["patch"]
    assert "If-Match" in [p["name"] for p in patch["parameters"]]
    assert "412" in patch["responses"] and "ETag" in patch["responses"]["200"]["headers"]
    filters = {p["name"] for p in paths["/api/v1/proposals/"]["get"]["parameters"]}
    assert {"workstream", "stage", "body", "mission", "department", "search", "page"} <= filters
