"""The administrators' subscription pages and delivery log, tried as every persona; the admin's
subscription and delivery screens."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from briefings import services
from briefings.choices import Audience, DeliveryKind, DeliveryStatus, Frequency, Scope
from briefings.models import Delivery, Subscription
from tracker.models import Workstream

from .conftest import PASSWORD, People

UK = ZoneInfo("Europe/London")
PAGES = ["/subscriptions/", "/subscriptions/new/", "/subscriptions/deliveries/"]


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(email=user.email, password=PASSWORD)
    return client


def _many(people: People, n: int) -> list[Subscription]:
    workstreams = list(Workstream.objects.filter(deal=people.deal)[:3])
    subs = []
    for i in range(n):
        subs.append(
            services.subscription_create(
                deal=people.deal,
                acting_user=people.admin,
                email=f"officer{i}@partner.example",
                name=f"Officer {i}",
                organisation="Dudley Council",
                frequency=Frequency.MONTHLY if i % 2 else Frequency.WEEKLY,
                day=3 if i % 2 else 1,
                scope=Scope.WORKSTREAMS,
                workstreams=workstreams,
            )
        )
    return subs


def _deliveries(subs: list[Subscription]) -> None:
    for i, sub in enumerate(subs):
        Delivery.objects.create(
            kind=DeliveryKind.DIGEST,
            key=f"digest:{sub.pk}:{i}",
            subscription=sub,
            email=sub.address,
            slot=dt.datetime(2026, 3, 30, 8, tzinfo=UK),
            status=DeliveryStatus.FAILED if i % 3 == 0 else DeliveryStatus.PENDING,
            attempts=2,
            last_error="550 No such mailbox" if i % 3 == 0 else "",
        )


@pytest.mark.parametrize("url", PAGES)
@pytest.mark.parametrize("persona", ["lead", "other_lead", "sponsor", "dsg", "partner"])
def test_only_administrators_open_the_subscription_pages(
    people: People, persona: str, url: str
) -> None:
    assert _client(people.all_roles()[persona]).get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_someone_without_a_role_finds_nothing_and_a_visitor_is_sent_to_sign_in(
    people: People, url: str
) -> None:
    assert _client(people.nobody).get(url).status_code == 404
    response = _client().get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_shows_next_due_in_uk_time_and_links_to_the_preview(people: People) -> None:
    with time_machine.travel(dt.datetime(2026, 3, 25, 12, tzinfo=UK), tick=False):
        sub = services.subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            email="clerk@walsall.example",
            name="Walsall clerk",
            frequency=Frequency.WEEKLY,
            day=0,
        )
    page = _client(people.admin).get("/subscriptions/").content.decode()
    assert "Walsall clerk" in page and "clerk@walsall.example" in page
    assert "Monday 30 March 2026, 08:00 BST" in page
    assert f'href="/subscriptions/{sub.pk}/preview/"' in page
    assert f'href="/subscriptions/{sub.pk}/edit/"' in page


def test_the_list_filters_by_audience_frequency_and_activity(people: People) -> None:
    subs = _many(people, 4)
    services.subscription_create(
        deal=people.deal, acting_user=people.dsg, audience=Audience.INTERNAL
    )
    services.subscription_set_active(subscription=subs[0], acting_user=people.admin, active=False)
    client = _client(people.admin)
    assert "5 subscriptions" in client.get("/subscriptions/").content.decode()
    assert "1 subscription<" in client.get("/subscriptions/?audience=internal").content.decode()
    assert "2 subscriptions" in client.get("/subscriptions/?frequency=monthly").content.decode()
    assert "1 subscription<" in client.get("/subscriptions/?active=no").content.decode()


def test_the_list_is_paginated_in_a_bounded_number_of_queries(
    people: People, django_assert_max_num_queries
) -> None:
    _many(people, 30)
    client = _client(people.admin)
    client.get("/subscriptions/")
    with django_assert_max_num_queries(8):
        first = client.get("/subscriptions/?frequency=weekly&page=1")
    assert first.status_code == 200
    with django_assert_max_num_queries(8):
        second = client.get("/subscriptions/?page=2")
    assert "Pages of subscriptions" in second.content.decode()


def test_an_administrator_subscribes_an_external_address(people: People) -> None:
    response = _client(people.admin).post(
        "/subscriptions/new/",
        {
            "person": "",
            "email": "officer@coventry.example",
            "name": "Coventry officer",
            "organisation": "Coventry City Council",
            "audience": "partner",
            "frequency": "monthly",
            "day_of_month": "5",
            "send_at": "09:30",
            "scope": "deal",
        },
    )
    assert response.status_code == 302
    sub = Subscription.objects.get(email="officer@coventry.example")
    assert sub.day == 5 and sub.send_at == dt.time(9, 30) and sub.next_due_at is not None


def test_the_form_shows_the_rules_refusals_on_their_fields(people: People) -> None:
    response = _client(people.admin).post(
        "/subscriptions/new/",
        {
            "email": "officer@coventry.example",
            "audience": "internal",
            "frequency": "weekly",
            "weekday": "2",
            "send_at": "08:00",
            "scope": "theme",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert "An external address receives the partner digest only" in page
    assert "Choose a theme" in page
    assert not Subscription.objects.exists()


def test_an_administrator_changes_a_subscription_and_turns_it_off_and_on(people: People) -> None:
    sub = services.subscription_create(deal=people.deal, acting_user=people.lead)
    client = _client(people.admin)
    form = client.get(f"/subscriptions/{sub.pk}/edit/")
    assert form.status_code == 200
    response = client.post(
        f"/subscriptions/{sub.pk}/edit/",
        {
            "person": str(people.lead.pk),
            "audience": "internal",
            "frequency": "fortnightly",
            "weekday": "3",
            "send_at": "07:15",
            "scope": "deal",
        },
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.audience == Audience.INTERNAL and sub.day == 3
    client.post(f"/subscriptions/{sub.pk}/deactivate/")
    sub.refresh_from_db()
    assert not sub.is_active and sub.next_due_at is None
    client.post(f"/subscriptions/{sub.pk}/activate/", {"next": "/subscriptions/?active=yes"})
    sub.refresh_from_db()
    assert sub.is_active and sub.next_due_at is not None


def test_turning_off_is_a_post_and_for_administrators(people: People) -> None:
    sub = services.subscription_create(deal=people.deal, acting_user=people.lead)
    assert _client(people.admin).get(f"/subscriptions/{sub.pk}/deactivate/").status_code == 405
    assert _client(people.lead).post(f"/subscriptions/{sub.pk}/deactivate/").status_code == 403
    assert _client(people.dsg).post(f"/subscriptions/{sub.pk}/deactivate/").status_code == 404
    assert _client(people.dsg).get(f"/subscriptions/{sub.pk}/edit/").status_code == 404
    sub.refresh_from_db()
    assert sub.is_active


def test_the_delivery_log_filters_and_is_bounded_in_queries(
    people: People, django_assert_max_num_queries
) -> None:
    _deliveries(_many(people, 12))
    client = _client(people.admin)
    client.get("/subscriptions/deliveries/")
    with django_assert_max_num_queries(8):
        page = client.get("/subscriptions/deliveries/?status=failed").content.decode()
    assert "4 deliveries" in page
    assert "550 No such mailbox" in page
    assert "Monday 30 March 2026, 08:00 BST" in page


# --- The admin --------------------------------------------------------------------------------


@pytest.fixture
def superuser(people: People):
    from accounts.models import User

    return User.objects.create_superuser(email="root@example.org", password=PASSWORD)


def test_the_admin_lists_subscriptions_and_adds_one_through_the_services(
    people: People, superuser
) -> None:
    _many(people, 3)
    client = _client(superuser)
    page = client.get("/admin/briefings/subscription/").content.decode()
    assert "officer0@partner.example" in page
    response = client.post(
        "/admin/briefings/subscription/add/",
        {
            "deal": str(people.deal.pk),
            "email": "ext@example.org",
            "audience": "internal",
            "frequency": "weekly",
            "day": "1",
            "send_at": "08:00",
            "scope": "deal",
        },
    )
    assert response.status_code == 200
    assert "An external address receives the partner digest only" in response.content.decode()
    response = client.post(
        "/admin/briefings/subscription/add/",
        {
            "deal": str(people.deal.pk),
            "email": "ext@example.org",
            "audience": "partner",
            "frequency": "weekly",
            "day": "1",
            "send_at": "08:00",
            "scope": "deal",
        },
    )
    assert response.status_code == 302
    sub = Subscription.objects.get(email="ext@example.org")
    assert sub.next_due_at is not None and sub.created_by == superuser


def test_the_admin_shows_the_delivery_log_read_only(people: People, superuser) -> None:
    _deliveries(_many(people, 2))
    client = _client(superuser)
    delivery = Delivery.objects.first()
    assert client.get("/admin/briefings/delivery/").status_code == 200
    assert client.get("/admin/briefings/delivery/add/").status_code == 403
    assert client.get(f"/admin/briefings/delivery/{delivery.pk}/delete/").status_code == 403
    page = client.get(f"/admin/briefings/delivery/{delivery.pk}/change/").content.decode()
    assert 'name="_save"' not in page
