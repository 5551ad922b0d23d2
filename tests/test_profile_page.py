"""Everyone signed in has a profile page: who they are, their roles, and the digests they receive,
which they add, change and turn off or on there; nobody else's."""

from __future__ import annotations

import pytest
from django.test import Client

from briefings import services
from briefings.choices import Audience
from briefings.models import Subscription
from core.models import Organisation

from .conftest import PASSWORD, People

FORM = {
    "audience": "partner",
    "frequency": "weekly",
    "weekday": "4",
    "send_at": "16:00",
    "scope": "deal",
}


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        assert client.login(email=user.email, password=PASSWORD)
    return client


@pytest.mark.parametrize(
    "persona", ["admin", "lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]
)
def test_everyone_signed_in_sees_who_they_are_and_their_roles(
    people: People, persona: str, django_assert_max_num_queries
) -> None:
    user = people.all_roles()[persona]
    user.organisation = Organisation.objects.create(name="Sandwell Council", kind="other")
    user.save()
    client = _client(user)
    with django_assert_max_num_queries(10):
        response = client.get("/accounts/profile/")
    page = response.content.decode()
    assert response.status_code == 200
    assert user.full_name in page and user.email in page and "Sandwell Council" in page
    assert 'href="/accounts/profile/"' in page
    if persona == "nobody":
        assert "You do not hold a role in a deal yet" in page
        assert "Add a digest" not in page
    else:
        assert people.deal.name in page and "Add a digest" in page
    if persona == "lead":
        assert "Workstream lead of Transport" in page


def test_a_visitor_is_sent_to_sign_in(people: People) -> None:
    response = _client().get("/accounts/profile/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_lead_adds_changes_and_turns_off_their_own_digest(people: People) -> None:
    client = _client(people.lead)
    response = client.post("/accounts/profile/subscriptions/new/", FORM | {"audience": "internal"})
    assert response.status_code == 302
    sub = Subscription.objects.get(user=people.lead)
    assert sub.audience == Audience.INTERNAL and sub.day == 4
    page = client.get("/accounts/profile/").content.decode()
    assert "Weekly on Friday at 16:00" in page
    response = client.post(
        f"/accounts/profile/subscriptions/{sub.pk}/",
        FORM | {"frequency": "monthly", "day_of_month": "12"},
    )
    assert response.status_code == 302
    sub.refresh_from_db()
    assert sub.frequency == "monthly" and sub.day == 12
    client.post(f"/accounts/profile/subscriptions/{sub.pk}/active/", {"active": "off"})
    sub.refresh_from_db()
    assert not sub.is_active and sub.next_due_at is None
    client.post(f"/accounts/profile/subscriptions/{sub.pk}/active/", {"active": "on"})
    sub.refresh_from_db()
    assert sub.is_active and sub.next_due_at is not None


def test_a_partner_is_offered_the_partner_digest_only(people: People) -> None:
    client = _client(people.partner)
    page = client.get("/accounts/profile/subscriptions/new/").content.decode()
    assert 'value="partner"' in page and 'value="internal"' not in page
    response = client.post("/accounts/profile/subscriptions/new/", FORM | {"audience": "internal"})
    assert response.status_code == 200
    assert not Subscription.objects.exists()


def test_no_one_reaches_someone_elses_digest_from_their_profile(people: People) -> None:
    theirs = services.subscription_create(deal=people.deal, acting_user=people.other_lead)
    for persona in ("lead", "admin", "partner"):
        client = _client(people.all_roles()[persona])
        assert client.get(f"/accounts/profile/subscriptions/{theirs.pk}/").status_code == 404
        response = client.post(
            f"/accounts/profile/subscriptions/{theirs.pk}/active/", {"active": "off"}
        )
        assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_active


def test_someone_without_a_role_cannot_add_a_digest(people: People) -> None:
    client = _client(people.nobody)
    assert client.get("/accounts/profile/subscriptions/new/").status_code == 404
    assert client.post("/accounts/profile/subscriptions/new/", FORM).status_code == 404


def test_the_form_says_which_day_is_missing(people: People) -> None:
    client = _client(people.dsg)
    response = client.post(
        "/accounts/profile/subscriptions/new/", FORM | {"frequency": "monthly", "weekday": ""}
    )
    assert "Enter the day of the month to send it" in response.content.decode()
