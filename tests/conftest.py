"""Shared fixtures: the reference data and the people every page and endpoint is tried as.

The personas: Alice leads Transport, Bob leads Skills, Sue sponsors Transport, Dan sits on the
Devolution Strategy Group, Pat is a partner, Ada is an administrator (TDD Core Team), and
Nadia has signed in but holds no role in any deal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Model
from rest_framework.test import APIClient

from accounts import services as accounts_services
from accounts.models import User
from core.choices import Classification, OrganisationKind, Role
from core.models import Deal, Membership
from tracker import freshness, services
from tracker.choices import BodyKind, Direction, Rag
from tracker.models import (
    GovernanceBody,
    Proposal,
    PropositionVersion,
    StatusUpdate,
    Theme,
    Workstream,
)
from tracker.selectors.proposals import government_refusal

# The run's clock: ``pytest --now "YYYY-MM-DD HH:MM"`` (tests/clock.py).
from .clock import (  # noqa: F401
    pytest_addoption,
    pytest_configure,
    pytest_report_header,
    pytest_unconfigure,
)
from .smtp import SmtpServer

PASSWORD = "correct-horse-battery-staple"


# The rows the first load of the reference data wrote, model by model, so that every later test
# in the same process puts the same rows back with one insert per table instead of running the
# loader's hundreds of queries again (most tests start from the reference data).
_reference_rows: list[tuple[type[Model], list[dict[str, Any]]]] | None = None
REFERENCE_APPS = ("core", "accounts", "tracker", "missions")


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: the database is rolled back between tests, so a
    page cached under a data version by one test would otherwise be served to the next."""
    freshness.forget_cached()


def _reference_models() -> list[type[Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in REFERENCE_APPS
        # Its one row comes with the migrations and stays through every test's rollback.
        and model._meta.label != "tracker.DataVersion"
    ]


def _snapshot_reference() -> list[tuple[type[Model], list[dict[str, Any]]]]:
    rows = []
    for model in _reference_models():
        names = [f.attname for f in model._meta.concrete_fields]
        values = list(model._base_manager.order_by("pk").values(*names))
        if values:
            rows.append((model, values))
    return rows


def _restore_reference(rows: list[tuple[type[Model], list[dict[str, Any]]]]) -> None:
    # Foreign keys are checked when the test's transaction commits (they are deferred on
    # PostgreSQL and SQLite alike), so the tables can be filled in any order.
    with transaction.atomic():
        for model, values in rows:
            model._base_manager.bulk_create([model(**v) for v in values])
    # The rows keep their ids, which the tables' sequences have not counted: move them on.
    statements = connection.ops.sequence_reset_sql(no_style(), [model for model, _ in rows])
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def load_reference() -> Deal:
    """Load the reference data (put its rows back, after the first time in this process) and
    return the West Midlands deal."""
    global _reference_rows
    if _reference_rows is None or Deal.objects.exists():
        call_command("load_reference_data", verbosity=0)
        _reference_rows = _snapshot_reference()
    else:
        _restore_reference(_reference_rows)
    return Deal.objects.get(slug="wmca-tdd")


@pytest.fixture
def reference(db: None) -> Deal:
    """The reference data from the source documents, and the West Midlands deal."""
    return load_reference()


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


# The personas' email addresses, by their names in ``People``.
PERSONA_EMAILS = {
    "admin": "ada@example.org",
    "lead": "alice@example.org",
    "other_lead": "bob@example.org",
    "sponsor": "sue@example.org",
    "dsg": "dan@example.org",
    "partner": "pat@example.org",
    "nobody": "nadia@example.org",
}


def make_people(reference: Deal) -> People:
    """The personas, made in the deal (``people`` for each test; or once for a module's tests,
    tests/once.py, which read them back with ``people_of``)."""
    transport = Workstream.objects.get(deal=reference, slug="transport")
    skills = Workstream.objects.get(deal=reference, slug="skills")
    e = PERSONA_EMAILS
    return People(
        deal=reference,
        admin=_person(e["admin"], "Ada Admin", reference, Role.ADMIN, None),
        lead=_person(e["lead"], "Alice Lead", reference, Role.LEAD, transport),
        other_lead=_person(e["other_lead"], "Bob Lead", reference, Role.LEAD, skills),
        sponsor=_person(e["sponsor"], "Sue Sponsor", reference, Role.SPONSOR, transport),
        dsg=_person(e["dsg"], "Dan DSG", reference, Role.DSG, None),
        partner=_person(e["partner"], "Pat Partner", reference, Role.PARTNER, None),
        nobody=_person(e["nobody"], "Nadia Nobody", reference, None, None),
    )


def people_of(deal_id: int) -> People:
    """The personas ``make_people`` made, read afresh (a test may change them)."""
    users = {u.email: u for u in User.objects.filter(email__in=PERSONA_EMAILS.values())}
    named = {name: users[email] for name, email in PERSONA_EMAILS.items()}
    return People(deal=Deal.objects.get(pk=deal_id), **named)


@pytest.fixture
def people(reference: Deal) -> People:
    return make_people(reference)


@pytest.fixture
def smtp(settings: Any) -> Iterator[SmtpServer]:
    """A real SMTP server on loopback that the app sends to (tests/smtp.py)."""
    with SmtpServer() as server:
        server.use_in(settings)
        yield server


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def sign_in_verified(client: Any, user: User) -> Any:
    """Sign a persona in with a session that has passed the second factor, as after entering
    their code (for tests that turn ``TWO_FACTOR_REQUIRED`` on). Returns their device."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def approve_proposition(people: People, on: dt.date | None = None) -> PropositionVersion:
    """The WMCA Board approves a new version of the TDD Proposition, recorded by an
    administrator through the services as on the Proposition page: every proposal the last body
    has endorsed, which may then be submitted to government."""
    version = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    return services.proposition_approve(version=version, acting_user=people.admin, approved_on=on)


def to_government(people: People, proposal: Proposal, on: dt.date | None = None) -> Proposal:
    """An administrator submits an approved proposal to government the way the rules allow: as
    part of the approved Proposition, first approving a version that includes it if the current
    one does not."""
    if government_refusal(proposal):
        approve_proposition(people)
    return services.proposal_submit(proposal=proposal, acting_user=people.admin, on=on)


# --- A second deal beside the West Midlands ---------------------------------------------------

SECRET = "Our fallback position on the bus franchising ask"


@pytest.fixture
def northfold(people: People) -> Deal:
    """A second deal beside the West Midlands (loaded first: the reference data is restored)."""
    deal = Deal.objects.create(
        name="Northfold Trailblazer Deal", short_name="NTD", slug="northfold"
    )
    theme = Theme.objects.create(deal=deal, name="Prosperity", slug="prosperity")
    Workstream.objects.create(deal=deal, theme=theme, name="Harbour Skills", slug="harbour-skills")
    GovernanceBody.objects.create(
        deal=deal, name="Northfold Officers Board", slug="nob", kind=BodyKind.OFFICER_GROUP
    )
    return deal


@pytest.fixture
def second(northfold: Deal, people: People) -> dict[str, User]:
    """The second deal's administrator, lead and partner, made as ``add_user --deal`` makes them."""
    harbour = Workstream.objects.get(deal=northfold, slug="harbour-skills")

    def person(email: str, role: str, workstreams: list[Workstream] = []) -> User:  # noqa: B006
        return accounts_services.user_provision(
            email=email,
            role=role,
            deal=northfold,
            workstreams=workstreams,
            organisation_name="Northfold Combined Authority",
            organisation_kind=OrganisationKind.COMBINED_AUTHORITY,
            password=PASSWORD,
        )

    return {
        "admin": person("nora@northfold.example.org", Role.ADMIN),
        "lead": person("niall@northfold.example.org", Role.LEAD, [harbour]),
        "partner": person("nell@northfold.example.org", Role.PARTNER),
    }


@pytest.fixture
def sensitive_update(people: People) -> StatusUpdate:
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    return services.status_update_submit(
        workstream=transport,
        acting_user=people.lead,
        rag=Rag.AMBER,
        direction=Direction.STABLE,
        summary=SECRET,
        classification=Classification.OFFICIAL_SENSITIVE,
    )
