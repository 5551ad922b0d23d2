"""load_demo_data --scale N: the synthetic data set N times a realistic deal, in a deal of its
own marked as demo data; the demo's own deal is left as the plain load leaves it."""

from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count
from django.utils import timezone

from accounts.models import User
from core.choices import Classification, Role
from core.models import Deal, Membership, Organisation
from missions.models import Area, Indicator, IndicatorFramework, Observation
from tracker import freshness
from tracker.choices import (
    Outcome,
    ProposalStage,
    Rag,
    ReviewDecision,
    RiskStatus,
)
from tracker.demo_scale import (
    AREA_CODE_PREFIX,
    DEAL_SLUG,
    FRAMEWORK_SLUG,
    INDICATOR_CODE_PREFIX,
    PRINCIPLES,
    THEMES,
    WORKSTREAM_SLUG_PREFIX,
)
from tracker.models import (
    AgendaItem,
    Decision,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionItem,
    PropositionVersion,
    Risk,
    StatusUpdate,
    Theme,
    UpdateReview,
    Workstream,
)
from tracker.periods import last_due_period
from tracker.selectors.governance import chain_of

S = ProposalStage


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def load(*args):
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


def synthetic_deal() -> Deal:
    return Deal.objects.get(slug=DEAL_SLUG)


def synthetic_counts():
    workstreams = Workstream.objects.filter(slug__startswith=WORKSTREAM_SLUG_PREFIX)
    indicators = Indicator.objects.filter(code__startswith=INDICATOR_CODE_PREFIX)
    areas = Area.objects.filter(gss_code__startswith=AREA_CODE_PREFIX)
    return {
        "deals": Deal.objects.filter(slug=DEAL_SLUG).count(),
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
    "deals": 1,
    "workstreams": 20,
    "status updates": 20 * 52,
    "proposals": 150,
    "risks": 400,
    "indicators": 12,
    "areas": 50,
    "observations": 12 * 50 * 10,
    "frameworks": 1,
}


def deal_counts(deal: Deal) -> dict[str, int]:
    """How many rows of each kind a deal holds: what a load writes in it."""
    return {
        "workstreams": Workstream.objects.filter(deal=deal).count(),
        "themes": Theme.objects.filter(deal=deal).count(),
        "bodies": GovernanceBody.objects.filter(deal=deal).count(),
        "principles": Principle.objects.filter(deal=deal).count(),
        "departments": GovernmentDepartment.objects.filter(deal=deal).count(),
        "memberships": Membership.objects.filter(deal=deal).count(),
        "status updates": StatusUpdate.objects.filter(workstream__deal=deal).count(),
        "sign-offs": UpdateReview.objects.filter(status_update__workstream__deal=deal).count(),
        "risks": Risk.objects.filter(workstream__deal=deal).count(),
        "proposals": Proposal.objects.filter(deal=deal).count(),
        "decisions": Decision.objects.filter(proposal__deal=deal).count(),
        "principle answers": PrincipleResponse.objects.filter(proposal__deal=deal).count(),
        "meetings": Meeting.objects.filter(body__deal=deal).count(),
        "agenda items": AgendaItem.objects.filter(meeting__body__deal=deal).count(),
        "Proposition versions": PropositionVersion.objects.filter(deal=deal).count(),
        "Proposition items": PropositionItem.objects.filter(version__deal=deal).count(),
        "frameworks": IndicatorFramework.objects.filter(deal=deal).count(),
    }


def test_scale_one_is_a_realistic_deal_of_its_own_beside_the_demo(reference):
    load()
    plain = deal_counts(reference)
    output = load("--scale", "1")

    assert "Added synthetic data at scale 1" in output
    assert f"?deal={DEAL_SLUG}" in output
    assert synthetic_counts() == REALISTIC
    # The demo's own deal holds what the plain load writes in it, and no synthetic row.
    assert deal_counts(reference) == plain
    assert Proposal.objects.filter(deal=reference, is_demo=True).exists()
    deal = synthetic_deal()
    synthetic = Workstream.objects.filter(slug__startswith=WORKSTREAM_SLUG_PREFIX)
    assert set(synthetic.values_list("deal", flat=True)) == {deal.pk}
    assert Workstream.objects.filter(deal=deal).count() == 20
    assert not Proposal.objects.filter(workstream__in=synthetic).exclude(deal=deal).exists()
    assert IndicatorFramework.objects.get(slug=FRAMEWORK_SLUG).deal == deal

    # The deal is demo data, with an authority of its own and no real area's code.
    assert deal.is_demo
    assert deal.combined_authority is not None and deal.combined_authority.is_demo
    assert deal.combined_authority != reference.combined_authority
    assert deal.area_code == ""
    assert deal.reporting_cadence == reference.reporting_cadence
    # Its own themes, principles and departments.
    assert {w.theme.deal_id for w in synthetic} == {deal.pk}
    assert deal.themes.count() == THEMES
    assert len({w.theme_id for w in synthetic}) == THEMES
    assert deal.principles.count() == PRINCIPLES
    departments = GovernmentDepartment.objects.filter(deal=deal)
    assert departments.exists() and not departments.filter(is_demo=False).exists()

    # Its governance bodies have the shape of the demo deal's: as many, of the same kinds, in
    # the same order, with the same chain and stand-ins.
    def shape(of: Deal) -> list[tuple[str, bool, int | None, int | None]]:
        bodies = list(GovernanceBody.objects.filter(deal=of).order_by("position", "pk"))
        index = {b.pk: i for i, b in enumerate(bodies)}
        return [
            (b.kind, b.is_chain_start, index.get(b.next_body_id), index.get(b.stands_in_for_id))
            for b in bodies
        ]

    assert shape(deal) == shape(reference)
    assert [b.kind for b in chain_of(deal)] == [b.kind for b in chain_of(reference)]
    # Every body of the chain meets next, with what awaits it on the agenda.
    meetings = Meeting.objects.filter(body__deal=deal)
    assert meetings.count() == len(chain_of(deal))
    assert not meetings.filter(is_demo=False).exists()
    assert AgendaItem.objects.filter(meeting__in=meetings, proposal__isnull=False).exists()

    # The demo people hold roles in it: its administrator, DSG members and partners for the
    # whole deal, leads and sponsors for each synthetic workstream.
    for role in (Role.ADMIN, Role.DSG, Role.PARTNER):
        in_demo = set(
            Membership.objects.filter(deal=reference, role=role).values_list("user", flat=True)
        )
        here = set(Membership.objects.filter(deal=deal, role=role).values_list("user", flat=True))
        assert in_demo and here == in_demo, role
    assert not Membership.objects.filter(deal=deal, user__is_demo=False).exists()
    for role in (Role.LEAD, Role.SPONSOR):
        held = Membership.objects.filter(workstream__in=synthetic, role=role, user__is_demo=True)
        assert held.values("workstream").distinct().count() == 20
        assert set(held.values_list("deal", flat=True)) == {deal.pk}
    admin = User.objects.get(memberships__deal=deal, memberships__role=Role.ADMIN)
    assert admin.is_staff and not admin.is_superuser

    per_workstream = synthetic.annotate(n=Count("status_updates")).values_list("n", flat=True)
    assert set(per_workstream) == {52}

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
    due = last_due_period(deal, timezone.localdate())
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
    assert not proposals.filter(departments=None).exists()

    # A sample of every kind of row passes the model's own validation.
    samples = [
        deal,
        deal.combined_authority,
        *deal.themes.all(),
        *GovernanceBody.objects.filter(deal=deal),
        *deal.principles.all(),
        *departments,
        *meetings,
        *AgendaItem.objects.filter(meeting__in=meetings)[:5],
        *PropositionVersion.objects.filter(deal=deal),
        *Membership.objects.filter(deal=deal, workstream__isnull=True),
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
        "Deal",
        "Organisation",
        "Theme",
        "GovernanceBody",
        "Principle",
        "GovernmentDepartment",
        "Meeting",
        "AgendaItem",
        "PropositionVersion",
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


def test_a_second_load_replaces_the_synthetic_deal_and_a_plain_load_removes_it(reference):
    load()
    plain = deal_counts(reference)
    load("--scale", "1")
    first = synthetic_deal()
    # A change made in the app since, as its commit records it for the caches: the versions
    # it writes of the deal and of its workstream go with them.
    changed = Workstream.objects.filter(deal=first).first()
    freshness.data_changed(first, "tracker.StatusUpdate", [changed.pk])
    first_ids = set(
        Proposal.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX).values_list(
            "pk", flat=True
        )
    )
    output = load("--scale", "1")
    assert "Replaced the previous demo data" in output
    assert synthetic_counts() == REALISTIC
    assert synthetic_deal().pk != first.pk
    again = set(
        Proposal.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX).values_list(
            "pk", flat=True
        )
    )
    assert not first_ids & again
    assert deal_counts(reference) == plain

    load()
    assert synthetic_counts() == dict.fromkeys(REALISTIC, 0)
    assert not Deal.objects.filter(is_demo=True).exists()
    assert not Organisation.objects.filter(name__startswith="Synthetic").exists()
    assert not Area.objects.filter(name__startswith="Synthetic").exists()
    assert not Membership.objects.filter(workstream__slug__startswith=WORKSTREAM_SLUG_PREFIX)
    # The normal demo is back, as it would be without any scaled load before it.
    assert deal_counts(reference) == plain
    assert list(Deal.objects.all()) == [reference]


def _real_risk(deal: Deal) -> None:
    workstream = Workstream.objects.filter(deal=deal).first()
    Risk.objects.create(workstream=workstream, title="A real risk", likelihood=2, impact=2)


def _real_role(deal: Deal) -> None:
    user = User.objects.create_user("real.person@example.com")
    Membership.objects.create(user=user, deal=deal, role=Role.DSG)


def _real_department(deal: Deal) -> None:
    GovernmentDepartment.objects.create(deal=deal, name="A real department")


def _real_meeting(deal: Deal) -> None:
    body = chain_of(deal)[0]
    Meeting.objects.create(body=body, starts_at=timezone.now() + timedelta(days=90))


def _real_deal_with_the_slug(deal: Deal) -> None:
    Deal.objects.filter(pk=deal.pk).update(is_demo=False)


@pytest.mark.parametrize(
    "attach", [_real_risk, _real_role, _real_department, _real_meeting, _real_deal_with_the_slug]
)
def test_a_real_row_in_the_synthetic_deal_stops_the_replacement_and_nothing_is_deleted(
    reference, attach
):
    load("--scale", "1")
    deal = synthetic_deal()
    attach(deal)
    before = deal_counts(deal)
    demo_users = User.objects.filter(is_demo=True).count()

    with pytest.raises(CommandError, match="not demo data"):
        load()
    with pytest.raises(CommandError, match="not demo data"):
        load("--scale", "1")

    assert synthetic_deal().pk == deal.pk
    assert deal_counts(deal) == before
    assert synthetic_counts()["observations"] == REALISTIC["observations"]
    assert User.objects.filter(is_demo=True).count() == demo_users


def test_synthetic_workstreams_an_earlier_version_left_in_the_demo_deal_go_too(reference):
    load()
    plain = deal_counts(reference)
    left = Workstream.objects.create(
        deal=reference,
        theme=reference.themes.first(),
        name="Synthetic workstream 0001",
        slug=f"{WORKSTREAM_SLUG_PREFIX}0001",
    )
    load("--scale", "1")
    assert not Workstream.objects.filter(pk=left.pk).exists()
    assert deal_counts(reference) == plain


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
