"""The scopes that fit a partner: a digest of chosen missions (the workstreams and proposals
linked to them) and one of the workstreams whose engagement plan names an organisation; in the
services, the database, the subscription pages and the API, and in what the digest says."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.test import APIClient

from briefings import services
from briefings.choices import Audience, Scope
from briefings.digest import build
from briefings.models import Subscription
from core.choices import Classification, OrganisationKind
from core.models import Organisation
from missions.models import Mission
from tracker.choices import EngagementFrequency
from tracker.models import EngagementEntry, Proposal, Workstream

from . import test_briefings_digest as digest_tests
from .conftest import People
from .test_briefings_digest import Period

period = digest_tests.period
records = digest_tests.records


def _workstream(people: People, slug: str) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug=slug)


def _organisation(name: str = "Coventry City Council") -> Organisation:
    return Organisation.objects.create(name=name, kind=OrganisationKind.values[0])


def _covered(subscription: Subscription, period: Period) -> dict[str, set[str]]:
    """The workstreams of the updates, and the titles of the proposals, a digest tells of."""
    from django.utils import timezone

    digest = build(
        subscription, period_start=period.start, period_end=period.end, now=timezone.now()
    )
    return {
        "updates": {item.update.workstream.slug for item in digest.updates},
        "proposals": {item.obj.title for item in (*digest.moved, *digest.outcomes)},
    }


def _subscribe(people: People, **fields) -> Subscription:
    return services.subscription_create(
        deal=people.deal, acting_user=people.admin, email="partner@example.com", **fields
    )


# --- By mission -------------------------------------------------------------------------------


def test_a_mission_digest_covers_the_workstreams_and_proposals_linked_to_its_missions(
    people: People, records: None, period: Period
) -> None:
    transport_mission, other = Mission.objects.order_by("number")[2:4]
    _workstream(people, "transport").missions.add(transport_mission)
    subscription = _subscribe(people, scope=Scope.MISSIONS, missions=[transport_mission])
    covered = _covered(subscription, period)
    assert covered["updates"] == {"transport"}
    assert covered["proposals"] == {"Rail devolution"}  # Transport's OFFICIAL one
    # A proposal linked to the mission brings its workstream in too.
    Proposal.objects.get(title="Adult skills budget").missions.add(transport_mission)
    covered = _covered(subscription, period)
    assert covered["updates"] == {"transport", "skills"}
    assert "Adult skills budget" in covered["proposals"]
    # A mission nothing is linked to covers nothing.
    elsewhere = _subscribe(people, scope=Scope.MISSIONS, missions=[other])
    assert _covered(elsewhere, period) == {"updates": set(), "proposals": set()}


def test_a_mission_digest_needs_a_mission_and_missions_belong_to_it_alone(
    people: People,
) -> None:
    with pytest.raises(ValidationError) as refused:
        _subscribe(people, scope=Scope.MISSIONS)
    assert refused.value.message_dict == {"missions": ["Choose at least one mission"]}
    mission = Mission.objects.order_by("number").first()
    with pytest.raises(ValidationError) as refused:
        _subscribe(people, scope=Scope.DEAL, missions=[mission])
    assert "missions" in refused.value.message_dict
    # Leaving the scope takes its missions with it.
    subscription = _subscribe(people, scope=Scope.MISSIONS, missions=[mission])
    services.subscription_update(
        subscription=subscription, acting_user=people.admin, scope=Scope.DEAL
    )
    assert not subscription.missions.exists()


# --- By engagement plan -----------------------------------------------------------------------


def _engage(workstream: Workstream, organisation: Organisation, marking: str) -> None:
    EngagementEntry.objects.create(
        workstream=workstream,
        organisation=organisation,
        frequency=EngagementFrequency.MONTHLY,
        classification=marking,
    )


def test_an_engagement_digest_covers_the_workstreams_whose_plan_names_the_organisation(
    people: People, records: None, period: Period
) -> None:
    coventry = _organisation()
    _engage(_workstream(people, "skills"), coventry, Classification.OFFICIAL)
    # A sensitive entry in Transport's plan: a partner's digest does not give it away.
    _engage(_workstream(people, "transport"), coventry, Classification.OFFICIAL_SENSITIVE)
    _engage(_workstream(people, "transport"), _organisation("Walsall"), Classification.OFFICIAL)
    subscription = _subscribe(people, scope=Scope.ENGAGEMENT, engaged_organisation=coventry)
    covered = _covered(subscription, period)
    assert covered["updates"] == {"skills"}
    assert covered["proposals"] == {"Adult skills budget"}
    internal = services.subscription_create(
        deal=people.deal,
        acting_user=people.admin,
        user=people.dsg,
        audience=Audience.INTERNAL,
        scope=Scope.ENGAGEMENT,
        engaged_organisation=coventry,
    )
    assert _covered(internal, period)["updates"] == {"skills", "transport"}


def test_an_engagement_digest_names_its_organisation_in_the_service_and_the_database(
    people: People,
) -> None:
    with pytest.raises(ValidationError) as refused:
        _subscribe(people, scope=Scope.ENGAGEMENT)
    assert "engaged_organisation" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        _subscribe(people, scope=Scope.DEAL, engaged_organisation=_organisation())
    assert "engaged_organisation" in refused.value.message_dict
    base = {"deal": people.deal, "email": "x@example.com", "next_due_at": None}
    for broken in (
        {"scope": Scope.ENGAGEMENT, "engaged_organisation": None},
        {"scope": Scope.DEAL, "engaged_organisation": _organisation("Dudley")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Subscription.objects.create(**base, is_active=False, **broken)


# --- The pages and the API --------------------------------------------------------------------


def test_an_administrator_subscribes_a_partner_by_mission_and_by_engagement_on_the_page(
    people: People,
) -> None:
    client = Client()
    client.force_login(people.admin)
    form = client.get("/subscriptions/new/").content.decode()
    assert 'name="missions"' in form and 'name="engaged_organisation"' in form
    mission = Mission.objects.order_by("number").first()
    coventry = _organisation()
    common = {
        "person": "",
        "audience": "partner",
        "frequency": "weekly",
        "weekday": "0",
        "send_at": "08:00",
    }
    for email, scope, chosen in [
        ("missions@example.com", "missions", {"missions": [str(mission.pk)]}),
        ("engaged@example.com", "engagement", {"engaged_organisation": str(coventry.pk)}),
    ]:
        response = client.post(
            "/subscriptions/new/", {**common, "email": email, "scope": scope, **chosen}
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Subscription.objects.get(email="missions@example.com").missions.all()) == [mission]
    assert Subscription.objects.get(email="engaged@example.com").engaged_organisation == coventry
    refused = client.post(
        "/subscriptions/new/", {**common, "email": "none@example.com", "scope": "missions"}
    )
    assert refused.status_code == 200 and "Choose at least one mission" in refused.content.decode()


def test_the_api_takes_and_gives_the_new_scopes(people: People, api: APIClient) -> None:
    api.force_authenticate(people.admin)
    mission = Mission.objects.order_by("number").first()
    coventry = _organisation()
    made = api.post(
        "/api/v1/subscriptions/",
        {
            "deal": people.deal.pk,
            "email": "missions@example.com",
            "scope": "missions",
            "missions": [mission.pk],
        },
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert made.json()["missions"] == [mission.pk]
    assert made.json()["engaged_organisation"] is None
    changed = api.patch(
        f"/api/v1/subscriptions/{made.json()['id']}/",
        {"scope": "engagement", "engaged_organisation": coventry.pk},
        format="json",
    )
    assert changed.status_code == 200, changed.json()
    assert changed.json()["missions"] == []
    assert changed.json()["engaged_organisation"] == coventry.pk
    refused = api.post(
        "/api/v1/subscriptions/",
        {"deal": people.deal.pk, "email": "x@example.com", "scope": "engagement"},
        format="json",
    )
    assert refused.status_code == 400
    assert "engaged_organisation" in refused.json()
    unknown = api.post(
        "/api/v1/subscriptions/",
        {"deal": people.deal.pk, "email": "x@example.com", "scope": "missions", "missions": [999]},
        format="json",
    )
    assert unknown.status_code == 400


def test_the_subscription_list_costs_the_same_with_the_new_scopes(
    people: People, api: APIClient, django_assert_max_num_queries
) -> None:
    api.force_authenticate(people.admin)
    missions = list(Mission.objects.order_by("number")[:3])
    for n in range(12):
        if n % 2:
            _subscribe(people, scope=Scope.MISSIONS, missions=missions)
        else:
            _subscribe(people, scope=Scope.ENGAGEMENT, engaged_organisation=_organisation(f"O{n}"))
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/subscriptions/").status_code == 200
    client = Client()
    client.force_login(people.admin)
    with django_assert_max_num_queries(16):
        assert client.get("/subscriptions/").status_code == 200
