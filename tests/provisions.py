"""Provisions for the delivery tests: one of each marking in Transport, which Alice leads."""

from __future__ import annotations

from typing import Any

from core.choices import Classification
from delivery.choices import ProvisionKind
from delivery.models import Provision
from tracker.models import Workstream

from .conftest import People


def provision(people: People, reference: str = "4.12", **fields: Any) -> Provision:
    """A provision made as a row, for tests of the rules the database and policy hold."""
    values: dict[str, Any] = {
        "deal": people.deal,
        "reference": reference,
        "chapter": "Transport",
        "title": f"Provision {reference}",
        "text": "Government will consult on the powers described.",
        "workstream": Workstream.objects.get(deal=people.deal, slug="transport"),
        "kind": ProvisionKind.POWER,
        "classification": Classification.OFFICIAL,
    } | fields
    return Provision.objects.create(**values)
