"""Who may keep a deal's provisions and who may report on one, role by role (core/policy.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from core import policy
from core.choices import Classification
from tracker.models import Workstream

from .conftest import People
from .provisions import provision


@pytest.mark.django_db
def test_only_the_deals_administrators_manage_its_provisions(
    people: People, second: dict[str, object]
) -> None:
    assert not policy.can_manage_provisions(AnonymousUser(), people.deal)
    for name, user in people.all_roles().items():
        assert policy.can_manage_provisions(user, people.deal) is (name == "admin"), name
    for name, user in second.items():
        assert not policy.can_manage_provisions(user, people.deal), name  # type: ignore[arg-type]


@pytest.mark.django_db
def test_the_lead_of_its_workstream_and_administrators_report_on_a_provision(
    people: People, second: dict[str, object]
) -> None:
    transport = provision(people, "1.1")
    skills = provision(
        people, "1.2", workstream=Workstream.objects.get(deal=people.deal, slug="skills")
    )
    expected = {"admin": {"1.1", "1.2"}, "lead": {"1.1"}, "other_lead": {"1.2"}}
    for name, user in people.all_roles().items():
        may = {p.reference for p in (transport, skills) if policy.can_report_on_provision(user, p)}
        assert may == expected.get(name, set()), name
    for name, user in second.items():
        assert not policy.can_report_on_provision(user, transport), name  # type: ignore[arg-type]
    assert not policy.can_report_on_provision(AnonymousUser(), transport)


@pytest.mark.django_db
def test_an_inactive_lead_reports_on_nothing(people: People) -> None:
    p = provision(people, classification=Classification.OFFICIAL_SENSITIVE)
    people.lead.is_active = False
    people.lead.save()
    assert not policy.can_report_on_provision(people.lead, p)
