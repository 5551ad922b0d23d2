"""A proposal's agreed outcome offers to create its provisions: on the proposal's page, its
deal's administrators are offered the provision form filled in from the proposal, and
everyone sees the provisions it became that they may see."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from core.choices import Classification
from delivery import services as delivery_services
from tracker import services
from tracker.choices import Outcome

from .conftest import People
from .provisions import provision
from .test_proposal_pages import _draft, _submitted

pytestmark = pytest.mark.django_db


def _agreed(people: People, outcome: str = Outcome.AGREED):  # type: ignore[no-untyped-def]
    proposal = _submitted(people)
    return services.proposal_conclude(
        proposal=proposal,
        acting_user=people.admin,
        outcome=outcome,
        notes="All of it.",
        on=timezone.localdate(),
    )


def _page(people: People, role: str, pk: int) -> str:
    client = Client()
    client.force_login(getattr(people, role))
    return client.get(f"/proposals/{pk}/").text


def test_an_agreed_outcome_offers_its_administrators_a_provision_filled_in(
    people: People,
) -> None:
    proposal = _agreed(people, Outcome.PARTIALLY_AGREED)
    body = _page(people, "admin", proposal.pk)
    assert "Provisions of the deal from this proposal" in body
    assert "None yet. The partially agreed outcome becomes" in body
    assert "Add a provision from this proposal" in body
    assert f"/admin/delivery/provision/add/?deal={people.deal.pk}&amp;" in body
    assert f"proposals={proposal.pk}" in body
    # The admin's form starts from the proposal.
    client = Client()
    client.force_login(people.admin)
    add = client.get(
        f"/admin/delivery/provision/add/?deal={people.deal.pk}&workstream="
        f"{proposal.workstream_id}&proposals={proposal.pk}"
    )
    form = add.context["adminform"].form
    assert form.initial["workstream"] == str(proposal.workstream_id)
    assert list(form.initial["proposals"]) == [str(proposal.pk)]
    for role in ("lead", "dsg", "partner"):
        assert "Add a provision from this proposal" not in _page(people, role, proposal.pk)


def test_the_provisions_it_became_are_listed_as_each_may_see_them(people: People) -> None:
    proposal = _agreed(people)
    shared = provision(people, "4.12", title="Bus franchising")
    secret = provision(
        people, "4.99", title="Fallback terms", classification=Classification.OFFICIAL_SENSITIVE
    )
    for p in (shared, secret):
        delivery_services.provision_update(
            provision=p, acting_user=people.admin, proposals=[proposal]
        )
    partner = _page(people, "partner", proposal.pk)
    assert "4.12 Bus franchising" in partner and "Fallback terms" not in partner
    assert f"/provisions/{shared.pk}/" in partner
    assert "Fallback terms" in _page(people, "dsg", proposal.pk)


def test_a_proposal_without_an_agreed_outcome_has_no_section(people: People) -> None:
    draft = _draft(people)
    assert "Provisions of the deal" not in _page(people, "admin", draft.pk)
    withdrawn = services.proposal_conclude(
        proposal=_draft(people, title="Another"), acting_user=people.admin, outcome="withdrawn"
    )
    assert "Provisions of the deal" not in _page(people, "admin", withdrawn.pk)
