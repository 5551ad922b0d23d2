"""Signing off delivery reports through the services: the sponsor alone, one sign-off per
revision, a comment needs words, and a report revised since it was read is refused. The
database holds the one-sign-off rule too."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from delivery import services
from delivery.models import ProvisionReport, ProvisionReportReview
from tracker.periods import Period

from .conftest import People
from .provisions import provision

MAY = Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31), dt.date(2026, 5, 29))


def reported(people: People, reference: str = "4.12", **fields: object) -> ProvisionReport:
    values = {"state": "in-progress", "confidence": "green", "narrative": "On track."} | fields
    p = provision(people, reference)
    return services.report_submit(provision=p, acting_user=people.lead, period=MAY, **values)  # type: ignore[arg-type]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["lead", "admin", "dsg", "partner", "other_lead", "nobody"])
def test_only_the_workstreams_sponsor_signs_off(people: People, role: str) -> None:
    report = reported(people)
    with pytest.raises(PermissionDenied):
        services.report_review(
            report=report, acting_user=getattr(people, role), decision="signed-off"
        )
    review = services.report_review(
        report=report, acting_user=people.sponsor, decision="signed-off"
    )
    assert (review.revision, review.reviewer) == (1, people.sponsor)


@pytest.mark.django_db
def test_a_revision_is_signed_off_once_and_a_comment_needs_words(people: People) -> None:
    report = reported(people)
    services.report_review(report=report, acting_user=people.sponsor, decision="signed-off")
    with pytest.raises(services.DeliveryError, match="already signed off"):
        services.report_review(report=report, acting_user=people.sponsor, decision="signed-off")
    with pytest.raises(ValidationError):
        services.report_review(report=report, acting_user=people.sponsor, decision="commented")
    services.report_review(
        report=report, acting_user=people.sponsor, decision="commented", comment="Thanks."
    )
    with pytest.raises(IntegrityError):
        ProvisionReportReview.objects.create(
            report=report, revision=1, reviewer=people.sponsor, decision="signed-off"
        )


@pytest.mark.django_db
def test_a_sign_off_is_of_the_revision_read(people: People) -> None:
    report = reported(people)
    p = report.provision
    services.report_submit(
        provision=p,
        acting_user=people.lead,
        period=MAY,
        state="in-progress",
        confidence="green",
        narrative="Revised.",
    )
    with pytest.raises(services.DeliveryError, match="revised since you read it"):
        services.report_review(
            report=report, acting_user=people.sponsor, decision="signed-off", revision=1
        )
    review = services.report_review(
        report=report, acting_user=people.sponsor, decision="signed-off", revision=2
    )
    assert review.revision == 2


@pytest.mark.django_db
def test_signing_off_several_is_all_or_none(people: People) -> None:
    a, b = reported(people, "4.12"), reported(people, "4.13")
    services.report_review(report=b, acting_user=people.sponsor, decision="signed-off")
    with pytest.raises(services.DeliveryError):
        services.reports_sign_off(reports=[(a, 1), (b, 1)], acting_user=people.sponsor)
    assert not ProvisionReportReview.objects.filter(report=a).exists()
