"""load_demo_data --scale 1, read by tests that share one load of it: the synthetic deal is 150
proposals and thousands of rows, and loading it is nearly all such a test costs, so it is loaded
once for this module (tests/once.py), in a transaction rolled back after the module's last test,
each test in a savepoint rolled back after it. The tests here only read the synthetic deal;
those that load, reload or change it are in tests/test_demo_scale.py."""

from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import models
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from core.models import Deal
from tracker.choices import (
    ENDORSED_STAGES,
    DecisionOutcome,
    Outcome,
    ProposalStage,
    PropositionStatus,
)
from tracker.demo_scale import DEAL_SLUG, WORKSTREAM_SLUG_PREFIX
from tracker.models import Proposal, PropositionVersion
from tracker.selectors.governance import chain_of

from .conftest import load_reference
from .once import assert_inside_once, built_once

S = ProposalStage


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory
) -> Iterator[None]:
    """The reference data, the demo and the synthetic deal at scale 1, loaded once for the
    module's tests as `load_demo_data --scale 1` loads them."""
    var_dir = tmp_path_factory.mktemp("scale")

    def build() -> None:
        load_reference()
        with override_settings(VAR_DIR=var_dir):
            call_command("load_demo_data", "--scale", "1", stdout=StringIO())

    with built_once(django_db_blocker, build):
        yield


@pytest.fixture
def scaled(loaded: None, db: None) -> None:
    assert_inside_once()


def synthetic_deal() -> Deal:
    return Deal.objects.get(slug=DEAL_SLUG)


def test_scaled_proposals_follow_the_governance_chain(scaled):
    chain = chain_of(synthetic_deal())
    last = chain[-1]
    proposals = Proposal.objects.filter(
        workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX
    ).prefetch_related("decisions")
    assert proposals.count() == 150
    needs_board = 0
    for proposal in proposals:
        decisions = sorted(proposal.decisions.all(), key=lambda d: (d.decided_on, d.pk))
        went_on = proposal.stage in ENDORSED_STAGES or (
            proposal.stage == S.CONCLUDED and proposal.outcome != Outcome.WITHDRAWN
        )
        if went_on:
            needs_board += 1
            endorsement = proposal.board_endorsement
            assert endorsement is not None, proposal
            assert endorsement.proposal_id == proposal.pk
            assert endorsement.body_id == last.pk
            assert endorsement.outcome == DecisionOutcome.ENDORSED
            # It climbed the whole chain, in order, after any referral back.
            climb = decisions[-len(chain) :]
            assert [d.body_id for d in climb] == [b.pk for b in chain]
            assert all(
                d.outcome in (DecisionOutcome.ENDORSED, DecisionOutcome.SKIPPED) for d in climb
            )
            assert climb[-1] == endorsement
        if (
            proposal.stage in (S.SUBMITTED, S.IN_NEGOTIATION)
            or went_on
            and (proposal.stage == S.CONCLUDED)
        ):
            assert proposal.submitted_on is not None
            assert proposal.submitted_on > proposal.board_endorsement.decided_on
        if proposal.stage == S.IN_GOVERNANCE:
            # It awaits the body after the last one that passed it (the first, after none or
            # after a referral back).
            index = [b.pk for b in chain].index(proposal.awaiting_body_id)
            since_referral = decisions
            referral = [
                i for i, d in enumerate(decisions) if d.outcome == DecisionOutcome.REFERRED_BACK
            ]
            if referral:
                since_referral = decisions[referral[-1] + 1 :]
            assert [d.body_id for d in since_referral] == [b.pk for b in chain[:index]]
        else:
            assert proposal.awaiting_body_id is None
        if proposal.stage == S.REJECTED:
            assert decisions[-1].outcome == DecisionOutcome.REJECTED
        if proposal.stage == S.DRAFT:
            assert proposal.board_endorsement is None
            assert all(d.outcome != DecisionOutcome.REJECTED for d in decisions)
        for decision in decisions:
            assert decision.is_demo
            if decision.outcome in (DecisionOutcome.REFERRED_BACK, DecisionOutcome.SKIPPED):
                assert decision.notes
        # Decisions one after another, in time.
        days = [d.decided_on for d in decisions]
        assert days == sorted(days) and len(set(days)) == len(days)
    assert needs_board > 0


def test_scaled_proposals_went_to_government_as_part_of_the_approved_proposition(scaled):
    deal = synthetic_deal()
    version = PropositionVersion.objects.get(deal=deal, status=PropositionStatus.APPROVED)
    assert version.is_demo and version.approved_by == chain_of(deal)[-1]
    made = timezone.localdate(version.created_at)
    held = set(version.items.values_list("proposal_id", flat=True))
    synthetic = Proposal.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX)
    gone = synthetic.filter(submitted_on__isnull=False)

    assert gone.exists()
    assert set(gone.values_list("pk", flat=True)) <= held
    assert not gone.filter(submitted_on__lte=version.approved_on).exists()
    assert not gone.filter(board_endorsement__decided_on__gte=made).exists()
    assert not gone.filter(outcome_on__lte=models.F("submitted_on")).exists()
    # As the services make a version: every endorsed proposal by then, in the paper's order.
    endorsed = Proposal.objects.filter(deal=deal, board_endorsement__decided_on__lt=made).exclude(
        stage=S.CONCLUDED, outcome=Outcome.WITHDRAWN, outcome_on__lt=made
    )
    assert held == set(endorsed.values_list("pk", flat=True))
    positions = list(version.items.values_list("position", flat=True))
    assert positions == list(range(1, len(held) + 1))
