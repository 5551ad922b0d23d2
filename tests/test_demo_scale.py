"""load_demo_data --scale N: the synthetic data set N times a realistic deal."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.db.models import Count
from django.utils import timezone

from accounts.choices import Role
from accounts.models import Membership
from missions.models import Area, Indicator, IndicatorFramework, Observation
from tracker.choices import (
    ENDORSED_STAGES,
    Classification,
    DecisionOutcome,
    Outcome,
    ProposalStage,
    PropositionStatus,
    Rag,
    ReviewDecision,
    RiskStatus,
)
from tracker.demo_scale import (
    AREA_CODE_PREFIX,
    FRAMEWORK_SLUG,
    INDICATOR_CODE_PREFIX,
    WORKSTREAM_SLUG_PREFIX,
)
from tracker.models import (
    Decision,
    PrincipleResponse,
    Proposal,
    PropositionVersion,
    Risk,
    StatusUpdate,
    UpdateReview,
    Workstream,
)
from tracker.periods import last_due_period
from tracker.services import chain_of

S = ProposalStage


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def load(*args):
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def synthetic_counts():
    workstreams = Workstream.objects.filter(slug__startswith=WORKSTREAM_SLUG_PREFIX)
    indicators = Indicator.objects.filter(code__startswith=INDICATOR_CODE_PREFIX)
    areas = Area.objects.filter(gss_code__startswith=AREA_CODE_PREFIX)
    return {
        "workstreams": workstreams.count(),
        "status updates": StatusUpdate.objects.filter(workstream__in=workstreams).count(),
        "proposals": Proposal.objects.filter(workstream__in=workstreams).count(),
        "risks": Risk.objects.filter(workstream__in=workstreams).count(),
        "indicators": indicators.count(),
        "areas": areas.count(),
        "observations": Observation.objects.filter(indicator__in=indicators).count(),
        "frameworks": IndicatorFramework.objects.filter(slug=FRAMEWORK_SLUG).count(),
    }


REALISTIC = {
    "workstreams": 20,
    "status updates": 20 * 52,
    "proposals": 150,
    "risks": 400,
    "indicators": 12,
    "areas": 50,
    "observations": 12 * 50 * 10,
    "frameworks": 1,
}


def test_scale_one_is_a_realistic_deal_on_top_of_the_demo(reference):
    real_workstreams = Workstream.objects.count()
    output = load("--scale", "1")

    assert "Added synthetic data at scale 1" in output
    assert synthetic_counts() == REALISTIC
    # The normal demo is there too, with its people, and the real workstreams are unchanged.
    assert Workstream.objects.count() == real_workstreams + 20
    assert Proposal.objects.filter(is_demo=True).count() > 150
    synthetic = Workstream.objects.filter(slug__startswith=WORKSTREAM_SLUG_PREFIX)
    per_workstream = synthetic.annotate(n=Count("status_updates")).values_list("n", flat=True)
    assert set(per_workstream) == {52}
    assert {w.theme.deal_id for w in synthetic} == {reference.pk}
    assert len({w.theme_id for w in synthetic}) == reference.themes.count()
    # Each synthetic workstream has a demo lead and a demo sponsor.
    for role in (Role.LEAD, Role.SPONSOR):
        held = Membership.objects.filter(workstream__in=synthetic, role=role, user__is_demo=True)
        assert held.values("workstream").distinct().count() == 20

    # Everything with the demo flag is demo data.
    for model in (StatusUpdate, Risk, Proposal, Decision):
        rows = model.objects.filter(
            **{"workstream__in" if model is not Decision else "proposal__workstream__in": synthetic}
        )
        assert not rows.filter(is_demo=False).exists()
    assert not Observation.objects.filter(
        indicator__code__startswith=INDICATOR_CODE_PREFIX, is_demo=False
    ).exists()

    # The mix the pages need: every RAG, sensitive rows, escalations, overdue, unsigned.
    updates = StatusUpdate.objects.filter(workstream__in=synthetic)
    assert set(updates.values_list("rag", flat=True)) == set(Rag.values)
    assert updates.filter(classification=Classification.OFFICIAL_SENSITIVE).exists()
    assert updates.filter(classification=Classification.OFFICIAL).exists()
    due = last_due_period(reference, timezone.localdate())
    overdue = [w for w in synthetic if not updates.filter(workstream=w, period_start=due.start)]
    assert 0 < len(overdue) < 20
    signed = UpdateReview.objects.filter(
        status_update__in=updates, decision=ReviewDecision.SIGNED_OFF
    )
    assert 0 < signed.count() < updates.count()
    risks = Risk.objects.filter(workstream__in=synthetic)
    assert risks.filter(escalated_to_dsg=True, status=RiskStatus.OPEN).exists()
    assert risks.filter(classification=Classification.OFFICIAL_SENSITIVE).exists()
    proposals = Proposal.objects.filter(workstream__in=synthetic)
    assert set(proposals.values_list("stage", flat=True)) == set(S.values)
    assert set(proposals.exclude(outcome="").values_list("outcome", flat=True)) == set(
        Outcome.values
    )

    # A sample of every kind of row passes the model's own validation.
    samples = [
        *synthetic[:3],
        *Membership.objects.filter(workstream__in=synthetic)[:3],
        *updates.order_by("?")[:20],
        *UpdateReview.objects.filter(status_update__in=updates)[:5],
        *risks.order_by("?")[:20],
        *Decision.objects.filter(proposal__in=proposals).order_by("?")[:20],
        *PrincipleResponse.objects.filter(proposal__in=proposals)[:5],
        *IndicatorFramework.objects.filter(slug=FRAMEWORK_SLUG),
        *Indicator.objects.filter(code__startswith=INDICATOR_CODE_PREFIX)[:3],
        *Area.objects.filter(gss_code__startswith=AREA_CODE_PREFIX)[:3],
        *Observation.objects.filter(indicator__code__startswith=INDICATOR_CODE_PREFIX).order_by(
            "?"
        )[:20],
    ]
    # Every proposal of every stage and outcome, not a sample: the rules differ by stage.
    by_kind = {}
    for proposal in proposals.order_by("pk"):
        by_kind.setdefault((proposal.stage, proposal.outcome, proposal.awaiting_body_id), proposal)
    samples += by_kind.values()
    kinds = Counter(type(obj).__name__ for obj in samples)
    assert set(kinds) == {
        "Workstream",
        "Membership",
        "StatusUpdate",
        "UpdateReview",
        "Risk",
        "Decision",
        "PrincipleResponse",
        "IndicatorFramework",
        "Indicator",
        "Area",
        "Observation",
        "Proposal",
    }
    for obj in samples:
        obj.full_clean()


def test_scaled_proposals_follow_the_governance_chain(reference):
    load("--scale", "1")
    chain = chain_of(reference)
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


def test_scaled_proposals_went_to_government_as_part_of_the_approved_proposition(reference):
    load("--scale", "1")
    version = PropositionVersion.objects.get(status=PropositionStatus.APPROVED)
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
    endorsed = Proposal.objects.filter(board_endorsement__decided_on__lt=made).exclude(
        stage=S.CONCLUDED, outcome=Outcome.WITHDRAWN, outcome_on__lt=made
    )
    assert held == set(endorsed.values_list("pk", flat=True))
    positions = list(version.items.values_list("position", flat=True))
    assert positions == list(range(1, len(held) + 1))


def test_a_second_load_replaces_the_synthetic_data_and_a_plain_load_removes_it(reference):
    load("--scale", "1")
    first_ids = set(
        Proposal.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX).values_list(
            "pk", flat=True
        )
    )
    output = load("--scale", "1")
    assert "Replaced the previous demo data" in output
    assert synthetic_counts() == REALISTIC
    again = set(
        Proposal.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX).values_list(
            "pk", flat=True
        )
    )
    assert not first_ids & again

    # A real record on a synthetic workstream stops the replacement, and nothing is deleted.
    synthetic = Workstream.objects.filter(slug__startswith=WORKSTREAM_SLUG_PREFIX).first()
    real = Risk.objects.create(workstream=synthetic, title="A real risk", likelihood=2, impact=2)
    with pytest.raises(CommandError, match="not demo data"):
        load()
    assert synthetic_counts() == REALISTIC | {"risks": 401}  # the real one and the 400
    real.delete()

    load()
    assert synthetic_counts() == dict.fromkeys(REALISTIC, 0)
    assert not Area.objects.filter(name__startswith="Synthetic").exists()
    assert not Membership.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX)
    # The normal demo is back, as it would be without any scaled load before it.
    assert Proposal.objects.filter(is_demo=True).exists()
    assert not Proposal.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX)


@pytest.mark.parametrize("value", ["0", "-3", "ten", "1.5", "101"])
def test_scale_must_be_a_positive_whole_number(reference, value):
    with pytest.raises(CommandError, match="--scale must be"):
        load("--scale", value)
    assert not Proposal.objects.exists()


def test_the_help_says_how_scale_relates_to_the_demo():
    from tracker.management.commands.load_demo_data import Command

    parser = Command().create_parser("manage.py", "load_demo_data")
    text = parser.format_help()
    assert "--scale N" in text
    assert "Synthetic workstream 0001" in " ".join(text.split())
