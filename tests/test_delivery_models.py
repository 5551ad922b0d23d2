"""Provisions and their delivery reports: the rules the database holds, and who sees which."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.choices import Classification
from core.models import Deal
from delivery.choices import BELOW_GREEN, CONFIDENCE_DEFINITIONS, Confidence, DeliveryState
from delivery.models import Provision, ProvisionReport
from tracker.models import GovernmentDepartment, Theme, Workstream

from .conftest import People
from .provisions import provision

START, END = dt.date(2026, 5, 1), dt.date(2026, 5, 31)


def report(p: Provision, **fields: object) -> ProvisionReport:
    values = {
        "provision": p,
        "period_start": START,
        "period_end": END,
        "state": DeliveryState.IN_PROGRESS,
        "confidence": Confidence.GREEN,
        "narrative": "On track.",
    } | fields
    return ProvisionReport.objects.create(**values)


def refused(make: object) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()  # type: ignore[operator]


def test_every_confidence_level_has_its_definition_and_only_green_is_not_below_green() -> None:
    assert set(CONFIDENCE_DEFINITIONS) == set(Confidence)
    assert all(text.strip() for text in CONFIDENCE_DEFINITIONS.values())
    assert set(Confidence) - BELOW_GREEN == {Confidence.GREEN}


@pytest.mark.django_db
def test_a_reference_is_unique_within_its_deal(people: People) -> None:
    provision(people, "4.12")
    refused(lambda: provision(people, "4.12"))


@pytest.mark.django_db
def test_the_database_refuses_an_unknown_kind_and_an_empty_text(people: People) -> None:
    refused(lambda: provision(people, "1.1", kind="treaty"))
    refused(lambda: provision(people, "1.2", text=""))
    refused(lambda: provision(people, "1.3", classification="secret"))


@pytest.mark.django_db
def test_only_an_official_provision_can_be_published(people: People) -> None:
    provision(people, "1.1", is_published=True)
    refused(
        lambda: provision(
            people, "1.2", is_published=True, classification=Classification.OFFICIAL_SENSITIVE
        )
    )


@pytest.mark.django_db
def test_a_provisions_workstream_and_department_are_its_own_deals(people: People) -> None:
    other = Deal.objects.create(name="Northfold Trailblazer Deal", short_name="NTD", slug="nf")
    theme = Theme.objects.create(deal=other, name="Prosperity", slug="prosperity")
    harbour = Workstream.objects.create(deal=other, theme=theme, name="Harbour", slug="harbour")
    department = GovernmentDepartment.objects.create(deal=other, name="Department for Harbours")
    p = provision(people)
    p.workstream, p.department = harbour, department
    with pytest.raises(ValidationError) as error:
        p.full_clean()
    assert set(error.value.message_dict) == {"workstream", "department"}


@pytest.mark.django_db
def test_one_report_per_provision_per_period_with_a_narrative_and_valid_ratings(
    people: People,
) -> None:
    p = provision(people)
    report(p)
    refused(lambda: report(p))
    later = {"period_start": dt.date(2026, 6, 1), "period_end": dt.date(2026, 6, 30)}
    refused(lambda: report(p, narrative="", **later))
    refused(lambda: report(p, confidence="purple", **later))
    refused(lambda: report(p, state="lost", **later))
    refused(lambda: report(p, forecast_on=dt.date(2027, 1, 1), **later))
    report(p, forecast_on=dt.date(2027, 1, 1), baseline_on=dt.date(2026, 12, 1), **later)


@pytest.mark.django_db
def test_a_partner_never_sees_a_sensitive_provision_or_its_reports(people: People) -> None:
    official = provision(people, "1.1")
    sensitive = provision(people, "1.2", classification=Classification.OFFICIAL_SENSITIVE)
    report(official)
    report(sensitive)
    for user, sees_sensitive in [
        (people.partner, False),
        (people.nobody, False),
        (people.dsg, True),
        (people.lead, True),
        (people.admin, True),
    ]:
        provisions = set(Provision.objects.visible_to(user))
        reports = {r.provision for r in ProvisionReport.objects.visible_to(user)}
        expected = {official, sensitive} if sees_sensitive else set()
        if user is people.partner:
            expected = {official}
        assert provisions == expected, user
        assert reports == expected, user


@pytest.mark.django_db
def test_only_administrators_administer_provisions(people: People) -> None:
    provision(people)
    for user in people.all_roles().values():
        administers = Provision.objects.visible_to(user, "administer").exists()
        assert administers is (user is people.admin), user
        assert ProvisionReport.objects.visible_to(user, "administer").count() == 0
