"""The invariants the database holds itself, whatever code writes to it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from accounts.models import User
from core.choices import Role
from core.models import Deal, Membership
from missions.models import Area, Indicator, Mission, MissionStatement, Observation, Target
from tracker.choices import (
    AskType,
    DecisionOutcome,
    Direction,
    ProposalStage,
    Rag,
    WorkstreamStatus,
)
from tracker.models import (
    Decision,
    GovernanceBody,
    Milestone,
    Proposal,
    StatusUpdate,
    Theme,
    Workstream,
)

from .conftest import People


def refused(write: Callable[[], object]) -> bool:
    try:
        with transaction.atomic():
            write()
    except IntegrityError:
        return True
    return False


def test_names_are_unique_within_a_deal(reference: Deal) -> None:
    theme = Theme.objects.filter(deal=reference).first()
    assert refused(lambda: Theme.objects.create(deal=reference, name=theme.name, slug="x"))
    assert refused(
        lambda: Workstream.objects.create(
            deal=reference, theme=theme, name="Transport", slug="transport-2"
        )
    )
    assert refused(
        lambda: GovernanceBody.objects.create(
            deal=reference, name="WMCA Board", slug="board-2", kind="decision-board"
        )
    )


def test_another_deal_may_reuse_the_same_names(reference: Deal) -> None:
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    theme = Theme.objects.create(deal=other, name="Inclusive economic growth", slug="ieg")
    Workstream.objects.create(deal=other, theme=theme, name="Transport", slug="transport")


def test_a_merged_workstream_must_name_its_survivor(reference: Deal) -> None:
    skills = Workstream.objects.get(slug="skills")
    assert refused(lambda: Workstream.objects.filter(pk=skills.pk).update(status="merged"))
    education = Workstream.objects.get(slug="education")
    assert refused(lambda: Workstream.objects.filter(pk=skills.pk).update(merged_into=education))
    assert refused(
        lambda: Workstream.objects.filter(pk=skills.pk).update(
            status=WorkstreamStatus.MERGED, merged_into=skills
        )
    )
    Workstream.objects.filter(pk=skills.pk).update(
        status=WorkstreamStatus.MERGED, merged_into=education
    )


def test_a_ceased_workstream_needs_a_date(reference: Deal) -> None:
    assert refused(lambda: Workstream.objects.filter(slug="culture").update(status="ceased"))


def test_a_workstream_has_one_sponsor_and_leads_belong_to_workstreams(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    assert refused(
        lambda: Membership.objects.create(
            user=people.dsg, deal=people.deal, role=Role.SPONSOR, workstream=transport
        )
    )
    assert refused(
        lambda: Membership.objects.create(user=people.dsg, deal=people.deal, role=Role.LEAD)
    )
    assert refused(
        lambda: Membership.objects.create(
            user=people.partner, deal=people.deal, role=Role.PARTNER, workstream=transport
        )
    )
    assert refused(
        lambda: Membership.objects.create(user=people.partner, deal=people.deal, role=Role.PARTNER)
    )


@pytest.mark.django_db
def test_email_addresses_are_unique_whatever_their_case() -> None:
    User.objects.create_user(email="someone@example.org")
    assert refused(lambda: User.objects.create(email="Someone@Example.org"))


def test_mission_numbers_run_from_one_to_twelve_once_each(reference: Deal) -> None:
    assert refused(lambda: Mission.objects.create(number=13, short_name="Extra", slug="extra"))
    assert refused(lambda: Mission.objects.create(number=1, short_name="Again", slug="again"))


def test_a_mission_has_one_current_statement(reference: Deal) -> None:
    mission = Mission.objects.get(number=3)
    assert refused(
        lambda: MissionStatement.objects.create(
            mission=mission, text="x", source="y", stated_on=dt.date(2025, 1, 1), is_current=True
        )
    )


def test_one_observation_per_indicator_area_and_period(reference: Deal) -> None:
    indicator = Indicator.objects.get(code="gva_per_hour_worked")
    area = Area.objects.get(gss_code="E08000025")
    Observation.objects.create(
        indicator=indicator, area=area, period="2019", value=Decimal("30.62")
    )
    assert refused(
        lambda: Observation.objects.create(
            indicator=indicator, area=area, period="2019", value=Decimal("31")
        )
    )
    assert refused(
        lambda: Observation.objects.create(
            indicator=indicator,
            area=area,
            period="2020",
            value=1,
            period_start=dt.date(2020, 12, 31),
            period_end=dt.date(2020, 1, 1),
        )
    )


def test_an_indicator_has_one_baseline_per_area(reference: Deal) -> None:
    indicator = Indicator.objects.get(code="gva_per_hour_worked")
    area = Area.objects.get(gss_code="E08000025")
    Target.objects.create(indicator=indicator, area=area, kind="baseline", value=1, year=2019)
    assert refused(
        lambda: Target.objects.create(
            indicator=indicator, area=area, kind="baseline", value=2, year=2020
        )
    )


def test_gss_codes_have_the_ons_form(reference: Deal) -> None:
    assert refused(lambda: Area.objects.create(gss_code="Q12345678", name="B", level="region"))


def test_a_proposal_awaits_a_body_exactly_when_it_is_in_the_governance_chain(
    people: People,
) -> None:
    transport = Workstream.objects.get(slug="transport")
    board = GovernanceBody.objects.get(name="WMCA Board")

    def proposal(**kwargs: object) -> Proposal:
        return Proposal.objects.create(
            deal=people.deal,
            workstream=transport,
            title=str(kwargs),
            ask="x",
            ask_type=AskType.FUNDING,
            **kwargs,
        )

    assert refused(lambda: proposal(stage=ProposalStage.IN_GOVERNANCE))
    assert refused(lambda: proposal(stage=ProposalStage.DRAFT, awaiting_body=board))
    assert refused(lambda: proposal(stage=ProposalStage.CONCLUDED))
    assert refused(lambda: proposal(outcome="agreed"))
    assert refused(lambda: proposal(estimated_value=Decimal("-1")))
    proposal(stage=ProposalStage.IN_GOVERNANCE, awaiting_body=board)
    proposal(stage=ProposalStage.CONCLUDED, outcome="withdrawn", outcome_on=dt.date(2026, 1, 1))


def test_a_referral_back_records_its_reasons(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    board = GovernanceBody.objects.get(name="WMCA Board")
    p = Proposal.objects.create(
        deal=people.deal, workstream=transport, title="Bus", ask="x", ask_type=AskType.POWER
    )
    assert refused(
        lambda: Decision.objects.create(
            proposal=p,
            body=board,
            outcome=DecisionOutcome.REFERRED_BACK,
            decided_on=dt.date(2026, 1, 1),
        )
    )


def test_one_status_update_version_per_workstream_and_period(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")

    def update(version: int) -> StatusUpdate:
        return StatusUpdate.objects.create(
            workstream=transport,
            period_start=dt.date(2026, 11, 9),
            period_end=dt.date(2026, 11, 22),
            version=version,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="On track.",
        )

    update(1)
    assert refused(lambda: update(1))
    update(2)
    assert refused(lambda: update(0))


def test_a_milestone_ends_after_it_starts(reference: Deal) -> None:
    assert refused(
        lambda: Milestone.objects.create(
            deal=reference,
            title="Backwards",
            when_label="x",
            starts_on=dt.date(2022, 6, 30),
            ends_on=dt.date(2022, 6, 1),
        )
    )


def test_the_escalation_chain_has_one_first_body_per_deal(reference: Deal) -> None:
    assert refused(
        lambda: GovernanceBody.objects.filter(name="WMCA Board").update(is_chain_start=True)
    )
