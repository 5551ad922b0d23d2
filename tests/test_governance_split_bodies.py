"""The West Midlands deal's "Strategic Leadership Team and TDD Core Team" are two bodies. An
installation that held them as one keeps what it recorded there with the Strategic Leadership
Team (migration 0015), and loading the deal's file adds the TDD Core Team as the chain's start,
the Strategic Leadership Team next."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.core.management import call_command

from core.models import Deal
from tracker.choices import BodyKind, DecisionOutcome
from tracker.models import Decision, GovernanceBody, Meeting, Proposal, Workstream
from tracker.selectors.governance import chain_of

from .conftest import People

split = importlib.import_module("tracker.migrations.0015_slt_and_core_team_apart")
JOINED = "Strategic Leadership Team and TDD Core Team"


@pytest.mark.django_db
def test_an_installation_with_the_joined_body_keeps_its_record_with_the_slt(
    people: People,
) -> None:
    deal = people.deal
    # The installation as it was: the two bodies as one, starting the chain, with a record.
    GovernanceBody.objects.filter(deal=deal, slug="tdd-core-team").update(is_chain_start=False)
    GovernanceBody.objects.filter(deal=deal).exclude(slug="strategic-leadership-team").filter(
        next_body__slug__in=["tdd-core-team"]
    ).update(next_body=GovernanceBody.objects.get(deal=deal, slug="strategic-leadership-team"))
    GovernanceBody.objects.filter(deal=deal, slug="tdd-core-team").delete()
    joined = GovernanceBody.objects.get(deal=deal, slug="strategic-leadership-team")
    GovernanceBody.objects.filter(pk=joined.pk).update(
        name=JOINED,
        slug="strategic-leadership-team-and-tdd-core-team",
        short_name="",
        is_chain_start=True,
    )
    proposal = Proposal.objects.create(
        deal=deal,
        workstream=Workstream.objects.get(deal=deal, slug="transport"),
        title="Bus franchising",
        ask="Fund it.",
        ask_type="funding",
        stage="in_governance",
        awaiting_body=joined,
    )
    noted = Decision.objects.create(
        proposal=proposal, body=joined, outcome=DecisionOutcome.NOTED, decided_on="2026-05-01"
    )
    meeting = Meeting.objects.create(body=joined, starts_at="2026-05-01T10:00:00Z")

    split.forwards(apps, None)
    call_command("load_reference_data", verbosity=0)

    slt = GovernanceBody.objects.get(pk=joined.pk)
    assert (slt.name, slt.short_name, slt.kind) == (
        "Strategic Leadership Team",
        "SLT",
        BodyKind.LEADERSHIP_TEAM,
    )
    assert Decision.objects.get(pk=noted.pk).body_id == slt.pk
    assert Meeting.objects.get(pk=meeting.pk).body_id == slt.pk
    assert Proposal.objects.get(pk=proposal.pk).awaiting_body_id == slt.pk
    assert [b.name for b in chain_of(deal)][:3] == [
        "TDD Core Team",
        "Strategic Leadership Team",
        "Senior Local Authority Officers Group",
    ]
    assert not GovernanceBody.objects.filter(deal=deal, name=JOINED).exists()


@pytest.mark.django_db
def test_a_deal_without_the_joined_body_is_left_alone(reference: Deal) -> None:
    before = list(GovernanceBody.objects.order_by("pk").values_list("pk", "name", "slug"))

    split.forwards(apps, None)

    assert list(GovernanceBody.objects.order_by("pk").values_list("pk", "name", "slug")) == before
