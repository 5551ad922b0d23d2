"""The digest's pages: read in the browser through a signed link, one-click unsubscribe (GET
asks, POST does, without a CSRF token, twice if need be), and the administrators' preview."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from briefings import links
from briefings.choices import Audience
from briefings.models import Subscription
from briefings.schedule import first_slot_after, previous_slot
from briefings.views_digest import preview_period

from . import test_briefings_digest as digest_tests
from .conftest import PASSWORD, People, sign_in_verified
from .test_briefings_digest import Period, subscribe

# The records of both markings the digest's own tests use, made in the same period.
period = digest_tests.period
records = digest_tests.records


def frame_src(page: str) -> str:
    """The address of the email framed in a digest page."""
    found = re.search(r'<iframe[^>]* src="([^"]+)"', page)
    assert found, "the page frames no email"
    return found.group(1)


def signed_in(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


# --- View in the browser ----------------------------------------------------------------------


def test_the_view_link_shows_the_digest_as_the_email_did_without_signing_in(
    client: Client, people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    response = client.get(
        f"/briefings/view/{links.view_token(subscription, period.start, period.end)}/"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'sandbox="allow-popups' in page
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    # The email is framed from its own address (its styles need their own policy).
    email = client.get(frame_src(page))
    assert email.status_code == 200
    assert "Bus franchising consultation closed late." in email.content.decode()
    assert "Zephyrine" not in email.content.decode() and "Quokka" not in email.content.decode()
    assert email["Cache-Control"] == "private, no-store"


def test_an_internal_digest_is_shown_only_to_its_subscriber_signed_in(
    client: Client, people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL)
    url = f"/briefings/view/{links.view_token(subscription, period.start, period.end)}/"
    # The page, and the email framed in it, each ask whoever follows a forwarded link to sign in...
    for address in (url, url + "email/"):
        response = client.get(address)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
        # ...and show someone else nothing, not even a partner of the same deal.
        for other in (people.partner, people.admin):
            response = signed_in(other).get(address)
            assert response.status_code == 404
            assert "Zephyrine" not in response.content.decode()
    dsg = signed_in(people.dsg)
    page = dsg.get(url).content.decode()
    assert "Zephyrine" in dsg.get(frame_src(page)).content.decode()


@pytest.mark.parametrize("token", ["nonsense", "eyJzIjoxfQ:1tXyZ:abc"])
def test_a_bad_view_link_says_it_has_expired(client: Client, people: People, token: str) -> None:
    response = client.get(f"/briefings/view/{token}/")
    assert response.status_code == 404
    assert "This link has expired" in response.content.decode()


def test_an_old_view_link_has_expired(client: Client, people: People, records: None) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    now = timezone.now()
    token = links.view_token(subscription, now - dt.timedelta(days=7), now)
    with time_machine.travel(now + dt.timedelta(days=61)):
        response = client.get(f"/briefings/view/{token}/")
    assert response.status_code == 404
    assert "This link has expired" in response.content.decode()


def test_a_view_link_of_a_deleted_subscription_has_expired(client: Client, people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    now = timezone.now()
    token = links.view_token(subscription, now - dt.timedelta(days=7), now)
    subscription.delete()
    assert client.get(f"/briefings/view/{token}/").status_code == 404


# --- Unsubscribe --------------------------------------------------------------------------------


def test_following_the_unsubscribe_link_changes_nothing(client: Client, people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    response = client.get(f"/briefings/unsubscribe/{links.unsubscribe_token(subscription)}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unsubscribe from this briefing" in page
    assert '<button type="submit"' in page
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.next_due_at is not None


def test_one_click_unsubscribe_works_without_a_csrf_token_and_twice(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    client = Client(enforce_csrf_checks=True)
    url = f"/briefings/unsubscribe/{links.unsubscribe_token(subscription)}/"
    response = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.next_due_at is None
    first = subscription.unsubscribed_at
    assert first is not None
    again = client.post(url, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    subscription.refresh_from_db()
    assert subscription.unsubscribed_at == first
    assert "already unsubscribed" in client.get(url).content.decode()


def test_a_tampered_unsubscribe_link_changes_nothing(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    token = links.unsubscribe_token(subscription)
    other = subscribe(people.deal, email="other@example.com")
    forged = token.replace(f'"s":{subscription.pk}', f'"s":{other.pk}')
    response = Client().post(f"/briefings/unsubscribe/{forged[:-2]}xx/")
    assert response.status_code == 404
    assert Subscription.objects.filter(is_active=True).count() == 2


def test_only_get_and_post_reach_the_unsubscribe_page(client: Client, people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    url = f"/briefings/unsubscribe/{links.unsubscribe_token(subscription)}/"
    assert client.put(url).status_code == 405
    subscription.refresh_from_db()
    assert subscription.is_active


# --- Preview ------------------------------------------------------------------------------------


def test_an_administrator_previews_what_a_subscription_would_receive_now(
    people: People, records: None
) -> None:
    subscription = subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL)
    Subscription.objects.filter(pk=subscription.pk).update(
        covered_until=timezone.now() - dt.timedelta(hours=2)
    )
    response = signed_in(people.admin).get(f"/subscriptions/{subscription.pk}/preview/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "OFFICIAL-SENSITIVE: WM TDD briefing" in page  # the subject
    assert "Zephyrine" in page  # the DSG member may see it
    assert 'id="plain-text"' in page and "WHAT CHANGED" in page
    email = signed_in(people.admin).get(frame_src(page))
    assert email.status_code == 200 and "Zephyrine" in email.content.decode()


def test_the_preview_says_when_the_digest_would_be_skipped(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    response = signed_in(people.admin).get(f"/subscriptions/{subscription.pk}/preview/")
    assert response.status_code == 200
    assert "this briefing would be skipped" in response.content.decode()


@pytest.mark.parametrize("persona", ["lead", "other_lead", "sponsor", "dsg", "partner", "nobody"])
def test_only_the_deals_administrators_preview_a_subscription(people: People, persona: str) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    client = signed_in(getattr(people, persona))
    for url in (
        f"/subscriptions/{subscription.pk}/preview/",
        f"/subscriptions/{subscription.pk}/preview/email/",
    ):
        assert client.get(url).status_code == 404


def test_a_subscriber_may_not_preview_their_own_subscription(people: People) -> None:
    subscription = subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL)
    response = signed_in(people.dsg).get(f"/subscriptions/{subscription.pk}/preview/")
    assert response.status_code == 403


def test_the_preview_needs_signing_in(client: Client, people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    response = client.get(f"/subscriptions/{subscription.pk}/preview/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_preview_covers_the_time_since_the_last_digest(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    now = timezone.now()
    # Due at its schedule's next slot, as the services set it (the helper's "a week from now"
    # is no slot: its slot before could lie ahead of now, in the small hours of a Sunday).
    subscription.next_due_at = first_slot_after(
        subscription.frequency, subscription.day, subscription.send_at, now
    )
    start, end = preview_period(subscription, now)
    assert end == now
    assert start == previous_slot(
        subscription.frequency, subscription.day, subscription.send_at, subscription.next_due_at
    )
    subscription.covered_until = now - dt.timedelta(days=3)
    assert preview_period(subscription, now) == (now - dt.timedelta(days=3), now)


def test_the_preview_is_built_in_a_bounded_number_of_queries(
    people: People, records: None, django_assert_max_num_queries
) -> None:
    subscription = subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL)
    client = signed_in(people.admin)
    with django_assert_max_num_queries(22):
        assert client.get(f"/subscriptions/{subscription.pk}/preview/").status_code == 200


@pytest.mark.parametrize(
    "moment",
    ["2026-12-06 00:04", "2026-12-07 07:59", "2026-12-07 08:00", "2026-12-09 12:00"],
    ids=["sunday-small-hours", "just-before-the-slot", "at-the-slot", "midweek"],
)
def test_the_preview_never_starts_after_now_whatever_the_time(people: People, moment: str) -> None:
    """The period a preview covers starts at the slot before the next one, which is never
    ahead of now, at any hour of the week."""
    with time_machine.travel(
        dt.datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo("Europe/London")), tick=False
    ):
        subscription = subscribe(people.deal, email="partner@example.com")
        now = timezone.now()
        subscription.next_due_at = first_slot_after(
            subscription.frequency, subscription.day, subscription.send_at, now
        )
        start, end = preview_period(subscription, now)
        assert start <= end == now
        assert now - start <= dt.timedelta(days=7)


def test_an_internal_digest_needs_the_second_factor_when_the_site_asks_for_one(
    client: Client, people: People, records: None, period: Period, settings
) -> None:
    """A session that gave only the password reads no OFFICIAL-SENSITIVE material through an
    email's link: its subscriber is asked for their code first, and comes back to the digest.
    A partner digest's link needs nothing (it holds OFFICIAL material only)."""
    settings.TWO_FACTOR_REQUIRED = True
    internal = subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL)
    url = f"/briefings/view/{links.view_token(internal, period.start, period.end)}/"
    TOTPDevice.objects.create(user=people.dsg, name="Authenticator app", confirmed=True)
    assert client.login(email=people.dsg.email, password=PASSWORD)  # the password alone
    for address in (url, url + "email/"):
        response = client.get(address)
        assert response.status_code == 302, address
        verify = reverse("two-factor-verify")
        assert response["Location"] == f"{verify}?{urlencode({'next': address})}"
        assert "Zephyrine" not in response.content.decode()
    # Without an app yet, they are sent to set one up.
    TOTPDevice.objects.filter(user=people.dsg).delete()
    assert client.get(url)["Location"].startswith(reverse("two-factor-setup") + "?next=")

    verified = Client()
    sign_in_verified(verified, people.dsg)
    response = verified.get(url)
    assert response.status_code == 200
    assert "Zephyrine" in verified.get(frame_src(response.content.decode())).content.decode()
    # Someone else's verified session still sees nothing of it.
    other = Client()
    sign_in_verified(other, people.admin)
    assert other.get(url).status_code == 404

    partner = subscribe(people.deal, email="partner@example.com")
    partner_url = f"/briefings/view/{links.view_token(partner, period.start, period.end)}/"
    assert Client().get(partner_url).status_code == 200
