"""Shared fixtures: the reference data and the people every page and endpoint is tried as.

The personas: Alice leads Transport, Bob leads Skills, Sue sponsors Transport, Dan sits on the
Devolution Strategy Group, Pat is a partner, Ada is an administrator (TDD Core Team), and
Nadia has signed in but holds no role in any deal.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.choices import Role
from accounts.models import Membership, User
from tracker.models import Deal, Workstream

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def reference(db: None) -> Deal:
    """The reference data from the source documents, and the West Midlands deal."""
    call_command("load_reference_data", verbosity=0)
    return Deal.objects.get(slug="west-midlands-tdd")


@dataclass
class People:
    deal: Deal
    admin: User
    lead: User
    other_lead: User
    sponsor: User
    dsg: User
    partner: User
    nobody: User

    def all_roles(self) -> dict[str, User]:
        return {
            "admin": self.admin,
            "lead": self.lead,
            "other_lead": self.other_lead,
            "sponsor": self.sponsor,
            "dsg": self.dsg,
            "partner": self.partner,
            "nobody": self.nobody,
        }


def _person(email: str, name: str, deal: Deal, role: str | None, ws: Workstream | None) -> User:
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
    if role:
        Membership.objects.create(user=user, deal=deal, role=role, workstream=ws)
    return user


@pytest.fixture
def people(reference: Deal) -> People:
    transport = Workstream.objects.get(deal=reference, slug="transport")
    skills = Workstream.objects.get(deal=reference, slug="skills")
    return People(
        deal=reference,
        admin=_person("ada@example.org", "Ada Admin", reference, Role.ADMIN, None),
        lead=_person("alice@example.org", "Alice Lead", reference, Role.LEAD, transport),
        other_lead=_person("bob@example.org", "Bob Lead", reference, Role.LEAD, skills),
        sponsor=_person("sue@example.org", "Sue Sponsor", reference, Role.SPONSOR, transport),
        dsg=_person("dan@example.org", "Dan DSG", reference, Role.DSG, None),
        partner=_person("pat@example.org", "Pat Partner", reference, Role.PARTNER, None),
        nobody=_person("nadia@example.org", "Nadia Nobody", reference, None, None),
    )


@pytest.fixture
def api() -> APIClient:
    return APIClient()
