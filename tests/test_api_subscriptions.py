"""/api/v1/subscriptions/ and /api/v1/deliveries/, tried as every persona: administrators manage
all their deal's subscriptions, anyone else only their own, partners the partner digest only;
the delivery log is for administrators."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from briefings import services
from briefings.choices import Audience, DeliveryKind, DeliveryStatus, Frequency, Scope
from briefings.models import Delivery, Subscription
from tracker.models import Theme, Workstream

from .conftest import People

UK = ZoneInfo("Europe/London")
URL = "/api/v1/subscriptions/"


def _as(api: APIClient, user) -> APIClient:
    api.force_authenticate(user)
    return api


@pytest.fixture
def subs(people: People) -> dict[str, Subscription]:
    return {
        "lead": services.subscription_create(deal=people.deal, acting_user=people.lead),
        "partner": services.subscription_create(deal=people.deal, acting_user=people.partner),
        "external": services.subscription_create(
            deal=people.deal, acting_user=people.admin, email="clerk@walsall.example"
        ),
    }


def test_a_visitor_gets_401(api: APIClient, people: People) -> None:
    assert api.get(URL).status_code == 401
    assert api.get("/api/v1/deliveries/").status_code == 401


def test_an_administrator_lists_every_subscription_of_the_deal(
    api: APIClient, people: People, subs: dict
) -> None:
    data = _as(api, people.admin).get(URL).json()
    assert {row["id"] for row in data["results"]} == {s.pk for s in subs.values()}


@pytest.mark.parametrize("persona", ["lead", "partner"])
def test_anyone_else_lists_only_their_own(
    api: APIClient, people: People, subs: dict, persona: str
) -> None:
    data = _as(api, people.all_roles()[persona]).get(URL).json()
    assert [row["id"] for row in data["results"]] == [subs[persona].pk]


@pytest.mark.parametrize("persona", ["other_lead", "sponsor", "dsg", "nobody"])
def test_someone_elses_subscription_is_not_found(
    api: APIClient, people: People, subs: dict, persona: str
) -> None:
    client = _as(api, people.all_roles()[persona])
    assert client.get(URL).json()["results"] == []
    assert client.get(f"{URL}{subs['lead'].pk}/").status_code == 404
    assert client.patch(f"{URL}{subs['lead'].pk}/", {"day": 3}).status_code == 404


def test_a_lead_subscribes_themselves_with_the_internal_digest(
    api: APIClient, people: People
) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 25, 12, tzinfo=UK), tick=False):
        response = _as(api, people.lead).post(
            URL,
            {
                "deal": people.deal.pk,
                "audience": "internal",
                "frequency": "weekly",
                "day": 0,
                "send_at": "08:00",
            },
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["user"] == people.lead.pk and body["address"] == people.lead.email
    assert body["is_active"] is True
    assert body["next_due_label"] == "Monday 30 March 2026, 08:00 BST"
    assert dt.datetime.fromisoformat(body["next_due_at"]) == dt.datetime(
        2026, 3, 30, 7, tzinfo=dt.UTC
    )


@pytest.mark.parametrize("persona", ["lead", "sponsor", "dsg", "partner"])
def test_only_administrators_subscribe_someone_else(
    api: APIClient, people: People, persona: str
) -> None:
    client = _as(api, people.all_roles()[persona])
    for extra in ({"user": people.other_lead.pk}, {"email": "x@example.org"}):
        response = client.post(URL, {"deal": people.deal.pk, **extra}, format="json")
        assert response.status_code == 403
    assert not Subscription.objects.exists()


def test_someone_without_a_role_cannot_subscribe(api: APIClient, people: People) -> None:
    response = _as(api, people.nobody).post(URL, {"deal": people.deal.pk}, format="json")
    assert response.status_code == 400
    assert "deal" in response.json()


def test_a_partner_may_only_have_the_partner_digest(api: APIClient, people: People) -> None:
    client = _as(api, people.partner)
    response = client.post(URL, {"deal": people.deal.pk, "audience": "internal"}, format="json")
    assert response.status_code == 400 and "audience" in response.json()
    response = client.post(URL, {"deal": people.deal.pk, "audience": "partner"}, format="json")
    assert response.status_code == 201


def test_an_administrator_subscribes_an_address_to_chosen_workstreams(
    api: APIClient, people: People
) -> None:
    ids = list(Workstream.objects.filter(deal=people.deal).values_list("pk", flat=True)[:2])
    response = _as(api, people.admin).post(
        URL,
        {
            "deal": people.deal.pk,
            "email": "officer@solihull.example",
            "name": "Solihull officer",
            "scope": "workstreams",
            "workstreams": ids,
            "frequency": "monthly",
            "day": 28,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["workstreams"]) == sorted(ids)


def test_bad_values_are_400_with_a_message_per_field(api: APIClient, people: People) -> None:
    theme = Theme.objects.filter(deal=people.deal).first()
    response = _as(api, people.admin).post(
        URL,
        {
            "deal": people.deal.pk,
            "email": "officer@solihull.example",
            "audience": "internal",
            "frequency": "monthly",
            "day": 31,
            "scope": "deal",
            "theme": theme.pk,
        },
        format="json",
    )
    assert response.status_code == 400
    assert {"audience", "day", "theme"} <= set(response.json())


def test_a_subscriber_changes_and_turns_off_their_own(
    api: APIClient, people: People, subs: dict
) -> None:
    client = _as(api, people.lead)
    url = f"{URL}{subs['lead'].pk}/"
    response = client.patch(url, {"frequency": "monthly", "day": 2}, format="json")
    assert response.status_code == 200, response.json()
    response = client.patch(url, {"is_active": False}, format="json")
    assert response.json()["is_active"] is False and response.json()["next_due_at"] is None
    assert client.patch(url, {"user": people.dsg.pk}, format="json").status_code == 403
    assert client.patch(url, {"deal": 999}, format="json").status_code == 400
    assert client.delete(url).status_code == 405


def test_an_administrator_changes_anyones_and_a_partner_stays_on_the_partner_digest(
    api: APIClient, people: People, subs: dict
) -> None:
    client = _as(api, people.admin)
    response = client.patch(
        f"{URL}{subs['lead'].pk}/", {"scope": Scope.THEME, "theme": Theme.objects.first().pk}
    )
    assert response.status_code == 200, response.json()
    response = client.patch(f"{URL}{subs['partner'].pk}/", {"audience": Audience.INTERNAL})
    assert response.status_code == 400 and "audience" in response.json()


def test_the_list_is_bounded_in_queries(
    api: APIClient, people: People, django_assert_max_num_queries
) -> None:
    workstreams = list(Workstream.objects.filter(deal=people.deal)[:3])
    for i in range(30):
        services.subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            email=f"o{i}@example.org",
            frequency=Frequency.FORTNIGHTLY,
            scope=Scope.WORKSTREAMS,
            workstreams=workstreams,
        )
    client = _as(api, people.admin)
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert response.json()["count"] == 30


# --- The delivery log -------------------------------------------------------------------------


@pytest.fixture
def deliveries(subs: dict) -> list[Delivery]:
    return [
        Delivery.objects.create(
            kind=DeliveryKind.DIGEST,
            key=f"digest:{sub.pk}",
            subscription=sub,
            email=sub.address,
            slot=dt.datetime(2026, 3, 30, 8, tzinfo=UK),
            status=DeliveryStatus.RETRYING,
            attempts=1,
            last_error="Connection refused",
        )
        for sub in subs.values()
    ]


def test_an_administrator_reads_the_delivery_log(
    api: APIClient, people: People, deliveries: list, django_assert_max_num_queries
) -> None:
    client = _as(api, people.admin)
    with django_assert_max_num_queries(6):
        data = client.get("/api/v1/deliveries/?status=retrying").json()
    assert data["count"] == 3
    assert data["results"][0]["last_error"] == "Connection refused"
    assert client.post("/api/v1/deliveries/", {}).status_code == 405


@pytest.mark.parametrize("persona", ["lead", "other_lead", "sponsor", "dsg", "partner", "nobody"])
def test_no_one_else_reads_the_delivery_log(
    api: APIClient, people: People, deliveries: list, persona: str
) -> None:
    client = _as(api, people.all_roles()[persona])
    assert client.get("/api/v1/deliveries/").status_code == 403
    assert client.get(f"/api/v1/deliveries/{deliveries[0].pk}/").status_code == 403
