"""The tracker's write services: who may do what, the reporting rules, stale edits, history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.choices import Classification
from tracker import services
from tracker.choices import ProposalStage, Rag, ReviewDecision, RiskStatus, WorkstreamStatus
from tracker.models import Proposal, StatusUpdate, Workstream

from .conftest import People

TODAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)  # a Wednesday in 23 Nov - 6 Dec


def submit(people: People, user, ws: str = "transport", **fields) -> StatusUpdate:
    values = {"rag": Rag.GREEN, "direction": "stable", "summary": "On track."} | fields
    return services.status_update_submit(
        workstream=Workstream.objects.get(slug=ws), acting_user=user, **values
    )


@time_machine.travel(TODAY)
def test_an_update_falls_in_the_current_fortnight(people: People) -> None:
    update = submit(people, people.lead)
    assert (update.period_start, update.period_end) == (dt.date(2026, 11, 23), dt.date(2026, 12, 6))
    assert update.version == 1 and update.author == people.lead


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("lead", True),
        ("admin", True),
        ("other_lead", False),
        ("sponsor", False),
        ("dsg", False),
        ("partner", False),
        ("nobody", False),
    ],
)
def test_only_the_lead_or_an_administrator_posts_updates(
    people: People, role: str, allowed: bool
) -> None:
    user = people.all_roles()[role]
    if allowed:
        assert submit(people, user).pk
    else:
        with pytest.raises(PermissionDenied):
            submit(people, user)
        assert not StatusUpdate.objects.exists()


def test_every_rating_needs_a_summary_and_red_needs_an_ask_or_recovery(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        submit(people, people.lead, rag=Rag.AMBER, summary="  ")
    assert set(error.value.message_dict) == {"summary"}
    with pytest.raises(ValidationError) as error:
        submit(people, people.lead, rag=Rag.RED, summary="Late.")
    assert set(error.value.message_dict) == {"asks_of_dsg"}
    assert not StatusUpdate.objects.exists()
    assert submit(people, people.lead, rag=Rag.RED, summary="Late.", next_steps="Recover.").pk
    assert submit(people, people.lead, rag=Rag.RED, summary="Late.", asks_of_dsg="Help.").pk


def test_a_second_submission_revises_and_keeps_both_versions(people: People) -> None:
    first = submit(people, people.lead, based_on_version=0)
    second = submit(people, people.lead, rag=Rag.AMBER, summary="Slipping.", based_on_version=1)
    assert (first.version, second.version) == (1, 2)
    assert second.period_start == first.period_start
    assert StatusUpdate.objects.filter(workstream=first.workstream).count() == 2


def test_a_submission_from_a_stale_version_is_refused_and_says_what_changed(
    people: People,
) -> None:
    submit(people, people.lead, summary="Bus deal agreed.", based_on_version=0)
    submit(people, people.admin, rag=Rag.AMBER, summary="Bus deal slipping.", based_on_version=1)
    with pytest.raises(services.StaleEdit) as stale:
        submit(people, people.lead, summary="Mine.", based_on_version=1)
    changed = {c.field: (c.before, c.after) for c in stale.value.changes}
    assert changed["rag"] == ("Green", "Amber")
    assert changed["summary"] == ("Bus deal agreed.", "Bus deal slipping.")
    assert StatusUpdate.objects.count() == 2


def test_the_sponsor_alone_signs_off_the_latest_version_once(people: People) -> None:
    first = submit(people, people.lead)
    second = submit(people, people.lead, summary="Revised.")
    for user in [people.lead, people.admin, people.dsg, people.partner, people.other_lead]:
        with pytest.raises(PermissionDenied):
            services.status_update_review(
                status_update=second, acting_user=user, decision=ReviewDecision.SIGNED_OFF
            )
    with pytest.raises(services.TrackerError, match="latest version"):
        services.status_update_review(
            status_update=first, acting_user=people.sponsor, decision=ReviewDecision.SIGNED_OFF
        )
    services.status_update_review(
        status_update=second, acting_user=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )
    with pytest.raises(services.TrackerError, match="already signed off"):
        services.status_update_review(
            status_update=second, acting_user=people.sponsor, decision=ReviewDecision.SIGNED_OFF
        )
    with pytest.raises(ValidationError):
        services.status_update_review(
            status_update=second, acting_user=people.sponsor, decision=ReviewDecision.COMMENTED
        )
    services.status_update_review(
        status_update=second,
        acting_user=people.sponsor,
        decision=ReviewDecision.COMMENTED,
        comment="Please add the DfT response next time.",
    )
    assert second.reviews.count() == 2


def test_risk_score_and_rag_are_derived_from_likelihood_and_impact(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    expected = {(1, 4): Rag.GREEN, (1, 5): Rag.AMBER, (3, 4): Rag.AMBER, (3, 5): Rag.RED}
    for (likelihood, impact), rag in expected.items():
        risk = services.risk_create(
            workstream=transport,
            acting_user=people.lead,
            title=f"{likelihood}x{impact}",
            likelihood=likelihood,
            impact=impact,
        )
        risk.refresh_from_db()
        assert (risk.score, risk.rag) == (likelihood * impact, rag)


def test_a_risk_scored_out_of_range_is_refused(people: People) -> None:
    with pytest.raises(ValidationError):
        services.risk_create(
            workstream=Workstream.objects.get(slug="transport"),
            acting_user=people.lead,
            title="Too likely",
            likelihood=6,
            impact=1,
        )


def test_an_edit_from_a_stale_revision_is_refused_and_history_records_who(
    people: People,
) -> None:
    transport = Workstream.objects.get(slug="transport")
    risk = services.risk_create(
        workstream=transport,
        acting_user=people.lead,
        title="Officials move",
        likelihood=3,
        impact=3,
    )
    services.risk_update(risk=risk, acting_user=people.admin, expected_revision=1, impact=5)
    with pytest.raises(services.StaleEdit) as stale:
        services.risk_update(risk=risk, acting_user=people.lead, expected_revision=1, impact=1)
    assert [(c.field, c.before, c.after) for c in stale.value.changes] == [("impact", 3, 5)]
    risk.refresh_from_db()
    assert (risk.impact, risk.revision) == (5, 2)
    assert [h.history_user for h in risk.history.order_by("history_id")] == [
        people.lead,
        people.admin,
    ]


def test_a_lead_cannot_touch_another_workstreams_risks(people: People) -> None:
    with pytest.raises(PermissionDenied):
        services.risk_create(
            workstream=Workstream.objects.get(slug="transport"),
            acting_user=people.other_lead,
            title="Not mine",
            likelihood=1,
            impact=1,
        )


def _proposal(people: People, ws: Workstream, title: str, **kwargs) -> Proposal:
    return Proposal.objects.create(
        deal=people.deal, workstream=ws, title=title, ask="x", ask_type="power", **kwargs
    )


def test_merging_moves_open_proposals_and_open_risks_and_keeps_history(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    digital = Workstream.objects.get(slug="digital")
    submit(people, people.lead)
    open_proposal = _proposal(people, transport, "Bus franchising")
    closed = _proposal(
        people,
        transport,
        "Rail",
        stage=ProposalStage.CONCLUDED,
        outcome="withdrawn",
        outcome_on=dt.date(2026, 1, 5),
    )
    open_risk = services.risk_create(
        workstream=transport, acting_user=people.lead, title="Open", likelihood=2, impact=2
    )
    closed_risk = services.risk_create(
        workstream=transport,
        acting_user=people.lead,
        title="Closed",
        likelihood=2,
        impact=2,
        status=RiskStatus.CLOSED,
    )
    for user in [people.lead, people.sponsor, people.dsg, people.partner]:
        with pytest.raises(PermissionDenied):
            services.workstream_merge(workstream=transport, into=digital, acting_user=user)

    services.workstream_merge(workstream=transport, into=digital, acting_user=people.admin)

    transport.refresh_from_db()
    assert (transport.status, transport.merged_into) == (WorkstreamStatus.MERGED, digital)
    for obj, owner in [(open_proposal, digital), (closed, transport)]:
        obj.refresh_from_db()
        assert obj.workstream == owner
    for obj, owner in [(open_risk, digital), (closed_risk, transport)]:
        obj.refresh_from_db()
        assert obj.workstream == owner
    assert transport.status_updates.count() == 1
    assert transport.history.first().history_user == people.admin
    with pytest.raises(services.TrackerError):
        submit(people, people.lead)


def test_merging_refuses_itself_another_deals_or_an_inactive_survivor(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    with pytest.raises(ValidationError):
        services.workstream_merge(workstream=transport, into=transport, acting_user=people.admin)
    culture = Workstream.objects.get(slug="culture")
    services.workstream_cease(workstream=culture, acting_user=people.admin, reason="Done")
    with pytest.raises(ValidationError):
        services.workstream_merge(workstream=transport, into=culture, acting_user=people.admin)


def test_merging_refuses_a_proposal_title_the_survivor_already_has(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    digital = Workstream.objects.get(slug="digital")
    _proposal(people, transport, "Same title")
    _proposal(people, digital, "Same title")
    with pytest.raises(services.TrackerError, match="Same title"):
        services.workstream_merge(workstream=transport, into=digital, acting_user=people.admin)
    transport.refresh_from_db()
    assert transport.status == WorkstreamStatus.ACTIVE


@time_machine.travel(TODAY)
def test_ceasing_needs_a_reason_and_an_administrator(people: People) -> None:
    culture = Workstream.objects.get(slug="culture")
    with pytest.raises(PermissionDenied):
        services.workstream_cease(workstream=culture, acting_user=people.lead, reason="x")
    with pytest.raises(ValidationError):
        services.workstream_cease(workstream=culture, acting_user=people.admin, reason=" ")
    services.workstream_cease(workstream=culture, acting_user=people.admin, reason="Absorbed")
    culture.refresh_from_db()
    assert (culture.status, culture.ceased_on, culture.ceased_reason) == (
        WorkstreamStatus.CEASED,
        dt.date(2026, 11, 25),
        "Absorbed",
    )


def test_a_sensitive_update_is_kept_from_partners_by_the_selectors(people: People) -> None:
    from tracker import selectors

    submit(people, people.lead, classification=Classification.OFFICIAL_SENSITIVE)
    assert selectors.status_updates_for(people.partner).count() == 0
    assert selectors.status_updates_for(people.dsg).count() == 1


def test_a_merged_or_ceased_workstreams_log_is_read_only(people: People) -> None:
    culture = Workstream.objects.get(slug="culture")
    services.workstream_cease(workstream=culture, acting_user=people.admin, reason="Done")
    with pytest.raises(services.TrackerError, match="read-only"):
        services.risk_create(
            workstream=culture, acting_user=people.admin, title="Late", likelihood=1, impact=1
        )


def test_a_risk_is_owned_by_someone_in_the_deal_who_may_see_it(people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    values = {"workstream": transport, "acting_user": people.lead, "likelihood": 2, "impact": 2}
    with pytest.raises(ValidationError) as error:
        services.risk_create(title="Outsider", owner=people.nobody, **values)
    assert "owner" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.risk_create(
            title="Position",
            owner=people.partner,
            classification=Classification.OFFICIAL_SENSITIVE,
            **values,
        )
    assert "owner" in error.value.message_dict
    risk = services.risk_create(title="Shared", owner=people.partner, **values)
    with pytest.raises(ValidationError):
        services.risk_update(
            risk=risk, acting_user=people.lead, classification=Classification.OFFICIAL_SENSITIVE
        )
    services.risk_create(
        title="Ours",
        owner=people.sponsor,
        classification=Classification.OFFICIAL_SENSITIVE,
        **values,
    )
