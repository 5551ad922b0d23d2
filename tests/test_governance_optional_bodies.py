"""Bodies work comes to "as appropriate": paragraph 18 of the scrutiny report brings policy
positions "to the High Level Negotiating Team and to the WMCA Board as appropriate", and says
"No final deal will be agreed without the endorsement of the WMCA Board". An administrator
passes a proposal on from the negotiating team, recorded as not needed rather than skipped;
the Board, the last body, is never optional. Bodies the sources name together are one body or
two in a deal's file, and the chain works either way."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from core.choices import Classification
from core.models import Deal
from tracker import deal_file, services
from tracker.choices import AskType, DecisionOutcome, ProposalStage
from tracker.models import GovernanceBody, Proposal, Workstream
from tracker.selectors.governance import chain_of
from tracker.selectors.proposals import journey
from tracker.services import TrackerError

from .conftest import People

SCRUTINY_REPORT = (
    Path(__file__).resolve().parent.parent / "data" / "sources" / "003_14f2b4488291c40f.txt"
).read_text(encoding="utf-8")
AS_APPROPRIATE = (
    "As policy positions crystallise, they will come to the High Level Negotiating Team and to "
    "the WMCA Board as appropriate."
)
NO_FINAL_DEAL = "No final deal will be agreed without the endorsement of the WMCA Board."


def body(deal: Deal, name: str) -> GovernanceBody:
    return GovernanceBody.objects.get(deal=deal, name=name)


def submitted(people: People, title: str = "Bus franchising funding") -> Proposal:
    proposal = services.proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.lead,
        title=title,
        classification=Classification.OFFICIAL,
        ask="Fund the move to bus franchising.",
        ask_type=AskType.FUNDING,
    )
    return services.proposal_submit(proposal=proposal, acting_user=people.lead)


def at_team(people: People) -> Proposal:
    """A proposal endorsed up the chain to the High Level Negotiating Team."""
    proposal = submitted(people)
    for each in chain_of(people.deal):
        if each.name == "High Level Negotiating Team":
            break
        services.decision_record(
            proposal=proposal, body=each, outcome=DecisionOutcome.ENDORSED, acting_user=people.admin
        )
    return Proposal.objects.get(pk=proposal.pk)


# --- The reference data -----------------------------------------------------------------------


def test_the_negotiating_team_is_optional_and_the_board_never_is(people: People) -> None:
    assert AS_APPROPRIATE in SCRUTINY_REPORT and NO_FINAL_DEAL in SCRUTINY_REPORT
    optional = [b.name for b in chain_of(people.deal) if b.is_optional]

    assert optional == ["High Level Negotiating Team"]
    assert not body(people.deal, "WMCA Board").is_optional
    assert chain_of(people.deal)[-1].name == "WMCA Board"


def test_the_liaison_meeting_is_described_as_the_report_describes_it_and_stands_in_for_none(
    people: People,
) -> None:
    liaison = body(people.deal, "Mayor and Portfolio Leads Liaison Meeting")

    assert liaison.stands_in_for is None
    assert liaison.remit.split("\n\n") == [
        "Given the lack of WMCA Board meetings during the pre-election period until May, it is "
        "proposed that we hold meetings of the Mayor and Portfolio Leads Liaison Meeting as "
        "required to update about the TDD process and discuss any immediate policy issues.",
        "Regular meetings of the Mayor and Portfolio Leads Liaison meetings to keep leaders "
        "informed about key issues.",
    ]
    for part in liaison.remit.split("\n\n"):
        assert part in SCRUTINY_REPORT
    assert liaison not in chain_of(people.deal)


def test_the_database_refuses_an_optional_last_body(people: People) -> None:
    board = body(people.deal, "WMCA Board")

    with pytest.raises(IntegrityError), transaction.atomic():
        GovernanceBody.objects.filter(pk=board.pk).update(is_optional=True)


# --- Passing a proposal on ---------------------------------------------------------------------


def test_an_administrator_passes_a_proposal_on_from_the_team_as_not_needed(
    people: People,
) -> None:
    proposal = at_team(people)
    team = body(people.deal, "High Level Negotiating Team")
    assert proposal.awaiting_body == team

    decision = services.proposal_pass(proposal=proposal, acting_user=people.admin)

    proposal = Proposal.objects.get(pk=proposal.pk)
    assert (proposal.stage, proposal.awaiting_body) == (
        ProposalStage.IN_GOVERNANCE,
        body(people.deal, "WMCA Board"),
    )
    assert (decision.body, decision.outcome, decision.notes) == (
        team,
        DecisionOutcome.NOT_NEEDED,
        "",
    )
    proposal = Proposal.objects.prefetch_related("decisions").get(pk=proposal.pk)
    states = {s.body.name: s.state for s in journey(proposal, chain_of(people.deal))}
    assert states["High Level Negotiating Team"] == "not-needed"
    assert states["WMCA Board"] == "awaiting"
    assert proposal.board_endorsement is None


def test_passed_on_it_still_needs_the_boards_endorsement_to_go_further(people: People) -> None:
    proposal = at_team(people)
    services.proposal_pass(proposal=proposal, acting_user=people.admin)
    proposal = Proposal.objects.get(pk=proposal.pk)

    with pytest.raises(TrackerError, match="is the last body in the chain and cannot be skipped"):
        services.proposal_skip(proposal=proposal, acting_user=people.admin, reason="Urgent")
    with pytest.raises(TrackerError, match="not a body that work comes to as appropriate"):
        services.proposal_pass(proposal=proposal, acting_user=people.admin)

    endorsed = services.decision_record(
        proposal=proposal,
        body=body(people.deal, "WMCA Board"),
        outcome=DecisionOutcome.ENDORSED,
        acting_user=people.admin,
    )
    proposal = Proposal.objects.get(pk=proposal.pk)
    assert (proposal.stage, proposal.board_endorsement) == (ProposalStage.APPROVED, endorsed)


def test_a_body_that_is_not_optional_is_not_passed_on(people: People) -> None:
    proposal = submitted(people)

    with pytest.raises(TrackerError, match="not a body that work comes to as appropriate"):
        services.proposal_pass(proposal=proposal, acting_user=people.admin)

    assert Proposal.objects.get(pk=proposal.pk).awaiting_body == chain_of(people.deal)[0]
    assert not proposal.decisions.exists()


def test_only_an_administrator_passes_a_proposal_on(people: People) -> None:
    proposal = at_team(people)

    with pytest.raises(PermissionDenied):
        services.proposal_pass(proposal=proposal, acting_user=people.lead)

    assert Proposal.objects.get(pk=proposal.pk).awaiting_body.name == "High Level Negotiating Team"


# --- Pages and the API -------------------------------------------------------------------------


def test_the_proposal_page_offers_the_pass_and_shows_not_needed_in_the_journey(
    client: Client, people: People
) -> None:
    proposal = at_team(people)
    client.force_login(people.admin)

    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert f"/proposals/{proposal.pk}/pass/" in page
    assert "High Level Negotiating Team</strong> (as appropriate)" in page

    form = client.get(f"/proposals/{proposal.pk}/pass/")
    assert form.status_code == 200
    assert "Pass it on to the WMCA Board" in form.content.decode()
    done = client.post(f"/proposals/{proposal.pk}/pass/", {"notes": "Not a negotiating matter"})
    assert done.status_code == 302

    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert "Not needed" in page and "Not a negotiating matter" in page
    assert f"/proposals/{proposal.pk}/pass/" not in page  # the Board is never passed on


def test_the_pass_is_not_offered_to_the_lead_nor_at_a_body_that_decides(
    client: Client, people: People
) -> None:
    proposal = at_team(people)
    client.force_login(people.lead)
    assert (
        f"/proposals/{proposal.pk}/pass/"
        not in client.get(f"/proposals/{proposal.pk}/").content.decode()
    )
    assert client.post(f"/proposals/{proposal.pk}/pass/").status_code == 403

    first = submitted(people, title="Rail stations")
    client.force_login(people.admin)
    assert (
        f"/proposals/{first.pk}/pass/" not in client.get(f"/proposals/{first.pk}/").content.decode()
    )
    refused = client.get(f"/proposals/{first.pk}/pass/").content.decode()
    assert "is not a body that work comes to as appropriate" in refused


def test_the_chain_page_says_which_body_work_comes_to_as_appropriate(
    client: Client, people: People
) -> None:
    client.force_login(people.dsg)

    page = client.get("/governance/").content.decode()

    assert "Work comes to the High Level Negotiating Team as appropriate" in page
    assert "Stands in for" not in page


def test_the_api_passes_on_and_says_which_bodies_are_optional(people: People) -> None:
    api = APIClient()
    api.force_authenticate(people.admin)
    proposal = at_team(people)
    bodies = {b["name"]: b for b in api.get("/api/v1/bodies/?page_size=100").json()["results"]}
    assert bodies["High Level Negotiating Team"]["is_optional"] is True
    assert bodies["WMCA Board"]["is_optional"] is False

    passed = api.post(f"/api/v1/proposals/{proposal.pk}/pass/", {}, format="json")
    assert passed.status_code == 200, passed.content
    assert passed.json()["awaiting_body"] == bodies["WMCA Board"]["id"]
    again = api.post(f"/api/v1/proposals/{proposal.pk}/pass/", {}, format="json")
    assert again.status_code == 409
    decisions = api.get(f"/api/v1/decisions/?proposal={proposal.pk}").json()["results"]
    assert "not_needed" in [d["outcome"] for d in decisions]


# --- A deal's file: optional bodies, and bodies named together as one or two --------------------

FILE = """\
name: Northfold Trailblazer Deal
slug: northfold
short_name: NTD
authority: Northfold Combined Authority
area: {{code: E47000001, name: Northfold}}
themes:
  - name: Prosperity
    workstreams: [{{name: Harbour Skills}}]
bodies:
{bodies}
  - name: Northfold Officers Group
    kind: officer-group
    next: Northfold Leaders Team
  - name: Northfold Leaders Team
    kind: negotiating-team
    optional: true
    next: Northfold Board
  - {{name: Northfold Board, kind: decision-board}}
  - {{name: Northfold Housing Board, kind: thematic-board, next: {first}}}
"""
TOGETHER = """\
  - name: Leadership Team and Core Team
    kind: leadership-team
    chain_start: true
    next: Northfold Officers Group"""
APART = """\
  - name: Core Team
    kind: officer-group
    chain_start: true
    next: Leadership Team
  - name: Leadership Team
    kind: leadership-team
    next: Northfold Officers Group"""


def load(tmp_path: Path, bodies: str, first: str) -> Deal:
    path = tmp_path / "northfold.yaml"
    path.write_text(FILE.format(bodies=bodies, first=first), encoding="utf-8")
    call_command("load_deal", str(path), stdout=io.StringIO())
    return Deal.objects.get(slug="northfold")


def names(deal: Deal) -> list[str]:
    return [b.name for b in chain_of(deal)]


@pytest.mark.django_db
def test_bodies_named_together_are_one_body_or_two_and_the_chain_works_either_way(
    tmp_path: Path,
) -> None:
    deal = load(tmp_path, TOGETHER, "Leadership Team and Core Team")
    assert names(deal) == [
        "Leadership Team and Core Team",
        "Northfold Officers Group",
        "Northfold Leaders Team",
        "Northfold Board",
    ]
    assert [b.name for b in chain_of(deal) if b.is_optional] == ["Northfold Leaders Team"]

    deal = load(tmp_path, APART, "Core Team")

    assert names(deal) == [
        "Core Team",
        "Leadership Team",
        "Northfold Officers Group",
        "Northfold Leaders Team",
        "Northfold Board",
    ]
    assert body(deal, "Northfold Housing Board").next_body == body(deal, "Core Team")
    # The body the file no longer lists keeps its record, and gives up the chain's start.
    old = body(deal, "Leadership Team and Core Team")
    assert not old.is_chain_start
    assert GovernanceBody.objects.filter(deal=deal, is_chain_start=True).count() == 1

    deal = load(tmp_path, TOGETHER, "Leadership Team and Core Team")
    assert names(deal)[0] == "Leadership Team and Core Team"


def test_a_file_with_an_optional_last_body_is_refused(db: None) -> None:
    data = {
        "name": "Northfold",
        "slug": "northfold",
        "authority": "Northfold Combined Authority",
        "area": {"code": "E47000001", "name": "Northfold"},
        "themes": [{"name": "Prosperity", "workstreams": [{"name": "Harbour Skills"}]}],
        "bodies": [
            {"name": "Officers", "kind": "officer-group", "chain_start": True, "next": "Board"},
            {"name": "Board", "kind": "decision-board", "optional": True},
        ],
    }

    assert deal_file.shape_problems(data) == []
    assert deal_file.rule_problems(data) == [
        "bodies[1].optional: the last body of a chain cannot be optional: nothing goes further "
        "without its endorsement"
    ]
