"""A meeting's briefing pack with something in each of its sections, for the pack's tests (HTML
and PDF): the body's meeting before it, held, with minutes and decisions on an OFFICIAL and an
OFFICIAL-SENSITIVE proposal; both proposals back on the next meeting's agenda with their words,
departments and missions; risks escalated to the DSG, open and closed, of both markings.

Words in ``SENSITIVE_WORDS`` appear only in OFFICIAL-SENSITIVE records: a partner must never
meet them. The clock is pinned at ``NOW``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.choices import Classification
from missions.models import Mission
from tracker import services
from tracker.choices import AskType, DecisionOutcome, MeetingStatus, RiskStatus
from tracker.models import GovernmentDepartment, Meeting, Proposal, Risk, Workstream
from tracker.selectors.governance import chain_of

from .conftest import People

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
NOW = dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC)

MINUTES = "The group agreed to press the Department for Transport on bus franchising."
OLD_MINUTES = "Minutes of a much older meeting."
OFFICIAL_DECISION_NOTES = "Show the bus costs year by year."
CHALLENGE = "Buses in the region carry fewer people every year."
PRIZE = "A network people choose over the car."
ESCALATED = "Bus operators leave the market"
NOT_ESCALATED = "Depot lease runs out"
CLOSED_ESCALATED = "Fare cap funding gap, now closed"
SENSITIVE_WORDS = [
    "Rail fares negotiating position",  # a proposal's title
    "Treasury may veto rail devolution",  # an escalated risk
    "Our fallback on rail fares is a freeze",  # the sensitive proposal's challenge
    "Hold the fallback back from partners",  # a decision's notes on the sensitive proposal
]


@dataclass
class PackWorld:
    held: Meeting  # the body's last held meeting before ``meeting``
    meeting: Meeting  # the one the pack is for
    official: Proposal
    sensitive: Proposal
    risks: list[Risk]


def _ws(people: People, slug: str) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug=slug)


def build(people: People, time_machine: Any) -> PackWorld:
    time_machine.move_to(NOW, tick=False)
    admin = people.admin
    body = chain_of(people.deal)[0]
    older = services.meeting_create(
        body=body, acting_user=admin, starts_at=NOW - dt.timedelta(days=40), minutes=OLD_MINUTES
    )
    services.meeting_advance(meeting=older, acting_user=admin, status=MeetingStatus.HELD)
    held = services.meeting_create(
        body=body, acting_user=admin, starts_at=NOW - dt.timedelta(days=14), minutes=MINUTES
    )
    # A meeting after it that never took place: the pack passes over it.
    services.meeting_create(body=body, acting_user=admin, starts_at=NOW - dt.timedelta(days=7))
    dft = GovernmentDepartment.objects.get(deal=people.deal, abbreviation="DfT")
    mission, _ = Mission.objects.get_or_create(
        number=3, defaults={"short_name": "Transport", "slug": "transport"}
    )
    proposals = []
    for title, classification, challenge in (
        ("Bus franchising settlement", OFFICIAL, CHALLENGE),
        (SENSITIVE_WORDS[0], SENSITIVE, SENSITIVE_WORDS[2]),
    ):
        proposal = services.proposal_create(
            workstream=_ws(people, "transport"),
            acting_user=admin,
            title=title,
            classification=classification,
            challenge=challenge,
            prize=PRIZE,
            ask="A ten-year settlement for local buses.",
            ask_type=AskType.FUNDING,
            departments=[dft],
            missions=[mission],
        )
        services.proposal_submit(proposal=proposal, acting_user=admin)
        proposals.append(proposal)
    official, sensitive = proposals
    for proposal, notes in ((official, OFFICIAL_DECISION_NOTES), (sensitive, SENSITIVE_WORDS[3])):
        services.decision_record(
            proposal=proposal,
            body=body,
            outcome=DecisionOutcome.REFERRED_BACK,
            notes=notes,
            meeting=held,
            acting_user=admin,
        )
        services.proposal_submit(proposal=proposal, acting_user=admin)
    services.meeting_advance(meeting=held, acting_user=admin, status=MeetingStatus.HELD)
    meeting = services.meeting_create(
        body=body, acting_user=admin, starts_at=NOW + dt.timedelta(days=5)
    )
    risks = [
        _risk(people, ESCALATED, OFFICIAL, escalated=True, likelihood=3, impact=4),
        _risk(people, SENSITIVE_WORDS[1], SENSITIVE, escalated=True, likelihood=4, impact=5),
        _risk(people, NOT_ESCALATED, OFFICIAL, escalated=False),
        _risk(people, CLOSED_ESCALATED, OFFICIAL, escalated=True),
    ]
    services.risk_update(
        risk=risks[-1], acting_user=admin, status=RiskStatus.CLOSED, expected_revision=None
    )
    return PackWorld(held, meeting, official, sensitive, risks)


def _risk(
    people: People,
    title: str,
    classification: str,
    *,
    escalated: bool,
    likelihood: int = 2,
    impact: int = 2,
) -> Risk:
    return services.risk_create(
        workstream=_ws(people, "transport"),
        acting_user=people.admin,
        title=title,
        likelihood=likelihood,
        impact=impact,
        owner=people.lead,
        escalated_to_dsg=escalated,
        classification=classification,
    )
