"""The briefing pack's sections on the last meeting's minutes and decisions, the risks escalated
to the DSG and the agenda's proposals: what each holds for an internal member and for a
partner (who never meets OFFICIAL-SENSITIVE material), the marking they give the pack, and
their cost in queries as the data grows."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.choices import Classification
from tracker import exports, services
from tracker.choices import AskType, DecisionOutcome, RiskStatus
from tracker.models import Decision, Proposal, Risk, Workstream
from tracker.selectors.governance import chain_of

from .conftest import People
from .pack_world import (
    CHALLENGE,
    CLOSED_ESCALATED,
    ESCALATED,
    MINUTES,
    NOT_ESCALATED,
    NOW,
    OFFICIAL_DECISION_NOTES,
    OLD_MINUTES,
    PRIZE,
    SENSITIVE_WORDS,
    PackWorld,
    build,
)

INTERNAL = ["admin", "lead", "other_lead", "sponsor", "dsg"]


@pytest.fixture
def world(people: People, time_machine: Any) -> PackWorld:
    return build(people, time_machine)


def _pack(client: Client, people: People, persona: str, world: PackWorld) -> str:
    client.force_login(people.all_roles()[persona])
    response = client.get(f"/meetings/{world.meeting.pk}/pack/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, anchor: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{anchor}">(.*?)</section>', html, re.S)
    assert found is not None, anchor
    return found.group(1)


def _marking(html: str) -> str:
    found = re.search(r'id="marking">([^<]+)<', html)
    assert found is not None
    return found.group(1)


# --- The last meeting -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", INTERNAL)
def test_a_member_reads_the_last_held_meetings_minutes_and_every_decision_at_it(
    client: Client, people: People, world: PackWorld, persona: str
) -> None:
    section = _section(_pack(client, people, persona, world), "last-meeting")
    assert "4 November 2026" in section  # the held meeting, not the later one never held
    assert MINUTES in section
    assert OLD_MINUTES not in section
    assert OFFICIAL_DECISION_NOTES in section
    assert SENSITIVE_WORDS[0] in section and SENSITIVE_WORDS[3] in section
    assert section.count("Referred back") == 2


def test_a_partner_reads_the_minutes_and_the_decisions_on_official_proposals_only(
    client: Client, people: People, world: PackWorld
) -> None:
    html = _pack(client, people, "partner", world)
    section = _section(html, "last-meeting")
    assert MINUTES in section
    assert "Bus franchising settlement" in section and OFFICIAL_DECISION_NOTES in section
    assert section.count("Referred back") == 1
    for word in SENSITIVE_WORDS:
        assert word not in html
    assert "OFFICIAL-SENSITIVE" not in html


@pytest.mark.parametrize(
    ("persona", "sees", "marking"),
    [("dsg", True, "OFFICIAL-SENSITIVE"), ("partner", False, "OFFICIAL")],
)
def test_sensitive_minutes_are_for_internal_members_and_mark_their_pack(
    client: Client, people: People, world: PackWorld, persona: str, sees: bool, marking: str
) -> None:
    """Minutes of an OFFICIAL-SENSITIVE record, with nothing else sensitive in the pack: the
    DSG reads them in a pack so marked; a partner is told they are withheld."""
    services.meeting_update(
        meeting=world.held,
        acting_user=people.admin,
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    Proposal.objects.filter(pk=world.sensitive.pk).delete()
    Risk.objects.filter(classification=Classification.OFFICIAL_SENSITIVE).delete()
    html = _pack(client, people, persona, world)
    section = _section(html, "last-meeting")
    assert (MINUTES in section) is sees
    assert ("The minutes of that meeting are for" in section) is not sees
    assert "OFFICIAL-SENSITIVE" not in html or sees
    assert _marking(html) == marking
    services.meeting_update(meeting=world.held, acting_user=people.admin, minutes="")
    assert _marking(_pack(client, people, persona, world)) == "OFFICIAL"  # nothing shown


def test_a_body_that_never_met_before_says_so(
    client: Client, people: People, world: PackWorld
) -> None:
    body = chain_of(people.deal)[1]
    meeting = services.meeting_create(
        body=body, acting_user=people.admin, starts_at=NOW + dt.timedelta(days=3)
    )
    client.force_login(people.dsg)
    html = client.get(f"/meetings/{meeting.pk}/pack/").content.decode()
    assert "has held no meeting before this one" in _section(html, "last-meeting")


# --- Risks escalated to the DSG ---------------------------------------------------------------


def test_a_member_reads_each_open_escalated_risk_with_its_owner_rating_and_workstream(
    client: Client, people: People, world: PackWorld
) -> None:
    section = _section(_pack(client, people, "dsg", world), "risks")
    rows = re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', section, re.S)[1:]
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows]
    # Highest score first.
    assert text[0].startswith(SENSITIVE_WORDS[1])
    assert "Transport" in text[0] and str(people.lead) in text[0] and "20 (4 × 5) Red" in text[0]
    assert text[1].startswith(ESCALATED) and "12 (3 × 4) Amber" in text[1]
    assert len(text) == 2
    assert NOT_ESCALATED not in section and CLOSED_ESCALATED not in section


def test_a_partner_reads_only_the_official_escalated_risks(
    client: Client, people: People, world: PackWorld
) -> None:
    section = _section(_pack(client, people, "partner", world), "risks")
    assert ESCALATED in section
    assert SENSITIVE_WORDS[1] not in section


def test_the_escalated_risks_carry_their_marking_to_the_pack(
    people: People, world: PackWorld
) -> None:
    assert exports.pack_risks(people.dsg, people.deal).sensitive
    partner = exports.pack_risks(people.partner, people.deal)
    assert [r.title for r in partner.risks] == [ESCALATED]
    assert not partner.sensitive


# --- The agenda's proposals -------------------------------------------------------------------


def test_a_member_reads_each_proposal_on_the_agenda_with_what_they_need(
    client: Client, people: People, world: PackWorld
) -> None:
    section = _section(_pack(client, people, "dsg", world), "proposals")
    for words in (
        "Bus franchising settlement",
        SENSITIVE_WORDS[0],
        CHALLENGE,
        SENSITIVE_WORDS[2],
        PRIZE,
        "A ten-year settlement for local buses.",
        "Funding",
        "Department for Transport",
        str(world.official.missions.get()),
    ):
        assert words in section, words
    first = chain_of(people.deal)[0].name.replace("&", "&amp;")
    assert f"In the governance chain: awaiting the {first}" in section
    assert f"{first}: Awaiting its decision" in section
    assert "Not reached yet" in section


def test_a_partner_reads_only_the_official_proposals_on_the_agenda(
    client: Client, people: People, world: PackWorld
) -> None:
    section = _section(_pack(client, people, "partner", world), "proposals")
    assert "Bus franchising settlement" in section and CHALLENGE in section
    assert SENSITIVE_WORDS[0] not in section and SENSITIVE_WORDS[2] not in section


def test_the_parts_say_whether_they_hold_sensitive_material(
    people: People, world: PackWorld
) -> None:
    for user, sensitive in ((people.dsg, True), (people.partner, False)):
        agenda = exports.pack_agenda(user, world.meeting)
        assert exports.pack_proposals(user, world.meeting, agenda).sensitive is sensitive
        assert exports.pack_last_meeting(user, world.meeting).sensitive is sensitive


# --- The contents and the order ---------------------------------------------------------------


def test_the_contents_list_each_section_in_the_order_they_come(
    client: Client, people: People, world: PackWorld
) -> None:
    html = _pack(client, people, "dsg", world)
    contents = re.findall(r'<li><a class="govuk-link" href="#([a-z-]+)">', html)
    headings = re.findall(r'<h2 class="govuk-heading-l app-pack__heading" id="([a-z-]+)">', html)
    assert contents == headings
    assert headings[:7] == [
        "overview",
        "last-meeting",
        "agenda",
        "proposals",
        "asks",
        "open-actions",
        "risks",
    ]


# --- Query counts -----------------------------------------------------------------------------


def _grow(people: People, world: PackWorld, start: int, stop: int) -> None:
    """More decisions at the held meeting, escalated risks, and proposals on the agenda with
    departments and missions."""
    body = chain_of(people.deal)[0]
    workstream = Workstream.objects.get(deal=people.deal, slug="transport")
    department = world.official.departments.first()
    mission = world.official.missions.first()
    for n in range(start, stop):
        marking = Classification.OFFICIAL_SENSITIVE if n % 2 else Classification.OFFICIAL
        proposal = Proposal.objects.create(
            deal=people.deal,
            workstream=workstream,
            title=f"Grown proposal {n}",
            classification=marking,
            stage="in_governance",
            awaiting_body=body,
            ask="An ask.",
            ask_type=AskType.DATA,
        )
        proposal.departments.add(department)
        proposal.missions.add(mission)
        Decision.objects.create(
            proposal=proposal,
            body=body,
            meeting=world.held,
            outcome=DecisionOutcome.NOTED,
            decided_on=world.held.starts_at.date(),
        )
        Risk.objects.create(
            workstream=workstream,
            title=f"Grown risk {n}",
            likelihood=2,
            impact=3,
            owner=people.lead,
            status=RiskStatus.OPEN,
            escalated_to_dsg=True,
            classification=marking,
        )
    services.agenda_sync(body)


@pytest.mark.parametrize("persona", ["dsg", "partner"])
def test_the_new_sections_cost_the_same_queries_with_ten_times_the_data(
    client: Client,
    people: People,
    world: PackWorld,
    django_assert_max_num_queries: Any,
    persona: str,
) -> None:
    _grow(people, world, 0, 2)
    client.force_login(people.all_roles()[persona])
    url = f"/meetings/{world.meeting.pk}/pack/"
    small = _queries(client, url)
    _grow(people, world, 2, 20)
    with django_assert_max_num_queries(small):
        html = client.get(url).content.decode()
    shown = 20 if persona == "dsg" else 10
    assert _section(html, "proposals").count("Grown proposal") == shown
    assert _section(html, "last-meeting").count("Grown proposal") == shown
    assert _section(html, "risks").count("Grown risk") == shown


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)
