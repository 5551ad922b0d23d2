"""Provisions for the public progress page's tests: two published OFFICIAL ones in two themes,
reported on over two periods, beside an unpublished OFFICIAL one and an OFFICIAL-SENSITIVE one,
whose words, states and confidence levels appear nowhere else, so that any leak shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from core.choices import Classification, OrganisationKind
from core.models import Organisation
from delivery import services
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision, ProvisionReport
from tracker.models import GovernmentDepartment, Workstream
from tracker.periods import Period

from .conftest import People

APRIL = Period(dt.date(2026, 4, 1), dt.date(2026, 4, 30), dt.date(2026, 4, 24))
MAY = Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31), dt.date(2026, 5, 29))
# The day the tests run on (time_machine), in May's period.
TODAY = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)

UNPUBLISHED_TITLE = "Trams to the airport, not yet announced"
SENSITIVE_TITLE = "Our fallback position on rail devolution"
SENSITIVE_NARRATIVE = "Treasury will not move on the rail ask"


@dataclass
class World:
    bus: Provision  # published, Transport (Connecting communities), in progress, Amber
    skills: Provision  # published, Skills (Building human capital), not reported yet
    unpublished: Provision  # OFFICIAL, Transport: stalled, Red
    sensitive: Provision  # OFFICIAL-SENSITIVE, Transport: delivered, Amber/Red
    lead_organisation: Organisation


def make(people: People, reference: str, slug: str = "transport", **fields: Any) -> Provision:
    values: dict[str, Any] = {
        "reference": reference,
        "chapter": "Transport",
        "title": f"Provision {reference}",
        "text": "Government will consult on the powers described.",
        "workstream": Workstream.objects.get(deal=people.deal, slug=slug),
        "kind": ProvisionKind.POWER,
        "classification": Classification.OFFICIAL,
    } | fields
    return services.provision_create(deal=people.deal, acting_user=people.admin, **values)


def report(people: People, provision: Provision, **fields: Any) -> ProvisionReport:
    values: dict[str, Any] = {
        "state": DeliveryState.IN_PROGRESS,
        "confidence": Confidence.GREEN,
        "narrative": "On track.",
        "period": MAY,
    } | fields
    return services.report_submit(provision=provision, acting_user=people.lead, **values)


def world(people: People) -> World:
    organisation = Organisation.objects.create(
        name="Regional Transport Executive", kind=OrganisationKind.COMBINED_AUTHORITY
    )
    department = GovernmentDepartment.objects.get(deal=people.deal, abbreviation="DfT")
    bus = make(
        people,
        "4.12",
        title="Bus franchising powers",
        text="Government will support the franchising of bus services across the area.",
        kind=ProvisionKind.POWER,
        lead_organisation=organisation,
        department=department,
        is_published=True,
    )
    report(
        people,
        bus,
        period=APRIL,
        narrative="The consultation opened on time.",
        forecast_on=dt.date(2027, 3, 31),
    )
    report(
        people,
        bus,
        confidence=Confidence.AMBER,
        narrative="The consultation closed; the department's response is a month late.",
        forecast_on=dt.date(2027, 6, 30),
        forecast_reason="The department's response to the consultation is late.",
    )
    skills = make(
        people,
        "5.2",
        slug="skills",
        chapter="Skills",
        title="Adult skills funding devolved",
        text="The adult skills fund will be devolved in full.",
        kind=ProvisionKind.FUNDING,
        is_published=True,
    )
    unpublished = make(people, "4.13", title=UNPUBLISHED_TITLE, kind=ProvisionKind.DUTY)
    report(
        people,
        unpublished,
        state=DeliveryState.STALLED,
        confidence=Confidence.RED,
        narrative="Stalled until the announcement.",
    )
    sensitive = make(
        people,
        "4.14",
        title=SENSITIVE_TITLE,
        kind=ProvisionKind.PARTNERSHIP,
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    report(
        people,
        sensitive,
        state=DeliveryState.DELIVERED,
        confidence=Confidence.AMBER_RED,
        narrative=SENSITIVE_NARRATIVE,
    )
    return World(bus, skills, unpublished, sensitive, organisation)


def hidden_words(w: World) -> list[str]:
    """What no public page or file may hold: the hidden provisions' words, and the people who
    wrote the reports."""
    return [
        UNPUBLISHED_TITLE,
        SENSITIVE_TITLE,
        SENSITIVE_NARRATIVE,
        "Stalled until the announcement",
        "4.13",
        "4.14",
    ]
