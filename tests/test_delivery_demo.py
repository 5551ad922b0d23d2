"""The demo's provisions: every state and confidence, some published, one sensitive, all demo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from core.choices import Classification
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision, ProvisionReport, ProvisionReportReview
from delivery.selectors import published_provisions, with_latest_report, with_sign_off
from tracker.demo import demo_data_load

TODAY = dt.date(2026, 5, 20)


@pytest.mark.django_db
def test_the_demo_gives_provisions_at_every_state_and_confidence(
    reference: object, tmp_path: Path
) -> None:
    summary = demo_data_load(logins_path=tmp_path / "logins.txt", today=TODAY)
    provisions = list(with_latest_report(Provision.objects.all()))
    assert summary.created["provisions"] == len(provisions) == 8
    assert all(p.is_demo and p.reference.startswith("Demo ") for p in provisions)
    assert all(r.is_demo for r in ProvisionReport.objects.all())
    assert {p.kind for p in provisions} == set(ProvisionKind)
    assert {p.latest_state for p in provisions} == set(DeliveryState)
    assert {p.latest_confidence for p in provisions} == set(Confidence)
    # The public progress page shows every state and every confidence level.
    published = list(published_provisions(provisions[0].deal_id))
    assert {p.latest_state for p in published} == set(DeliveryState)
    assert {p.latest_confidence for p in published} == set(Confidence)
    # And leaves one OFFICIAL provision out, not published, beside the sensitive one.
    assert [p.classification for p in provisions if not p.is_published].count(
        Classification.OFFICIAL
    ) == 1
    sensitive = [p for p in provisions if p.classification == Classification.OFFICIAL_SENSITIVE]
    assert len(sensitive) == 1 and not sensitive[0].is_published
    # Reports over three periods, and a forecast that moved says why.
    assert len({r.period_start for r in ProvisionReport.objects.all()}) == 3
    assert ProvisionReport.objects.exclude(forecast_reason="").count() == 2
    # The sponsors signed off the earlier periods' reports; this period's await them.
    latest = max(r.period_start for r in ProvisionReport.objects.all())
    signed = with_sign_off(ProvisionReport.objects.all())
    assert summary.created["provision sign-offs"] == signed.filter(signed_off=True).count() > 0
    assert not signed.filter(period_start=latest, signed_off=True).exists()
    assert all(r.is_demo for r in ProvisionReportReview.objects.all())

    # Loading it again replaces it, history and all.
    history = Provision.history.count(), ProvisionReport.history.count()
    demo_data_load(logins_path=tmp_path / "logins.txt", today=TODAY)
    assert Provision.objects.count() == 8
    assert ProvisionReportReview.objects.count() == summary.created["provision sign-offs"]
    assert (Provision.history.count(), ProvisionReport.history.count()) == history
