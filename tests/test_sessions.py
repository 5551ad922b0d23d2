"""Sessions: a new key at sign-in, an end after 30 minutes without use, an end when the person
is disabled, and a page where people see where they are signed in and sign any of it out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client

from accounts.models import UserSession
from accounts.user_sessions import describe_user_agent

from .conftest import PASSWORD, People

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def sign_in(client: Client, email: str) -> None:
    response = client.post("/accounts/login/", {"username": email, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]


def browser(user_agent: str = FIREFOX, address: str = "198.51.100.7") -> Client:
    return Client(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=address)


def test_signing_in_gives_the_browser_a_new_session_key(people: People) -> None:
    client = browser()
    client.get("/accounts/login/")
    before = client.session
    before["visited"] = True
    before.save()
    old_key = before.session_key

    sign_in(client, people.lead.email)

    assert client.session.session_key != old_key
    assert not Session.objects.filter(session_key=old_key).exists()


def test_a_session_ends_after_30_minutes_without_use(people: People) -> None:
    start = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    client = browser()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, people.lead.email)
        clock.shift(dt.timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=29))  # an hour after signing in, but in use
        assert client.get("/").status_code == 200
        clock.shift(dt.timedelta(minutes=31))
        response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_browser_forgets_the_session_when_it_closes(people: People) -> None:
    client = browser()
    sign_in(client, people.lead.email)
    cookie = client.cookies["sessionid"]
    # No expiry on the cookie: the browser drops it when it closes.
    assert cookie.value and not cookie["expires"] and not cookie["max-age"]


def test_a_disabled_person_is_signed_out_at_their_next_request(people: People) -> None:
    client, phone = browser(), browser(IPHONE)
    sign_in(client, people.sponsor.email)
    sign_in(phone, people.sponsor.email)
    assert client.get("/").status_code == 200

    people.sponsor.is_active = False
    people.sponsor.save()

    for signed_out in (client, phone):
        assert signed_out.get("/")["Location"].startswith("/accounts/login/")
    assert not UserSession.objects.filter(user=people.sponsor).exists()
    assert not Session.objects.exists()


def test_a_person_disabled_without_the_signal_is_still_refused(people: People) -> None:
    client = browser()
    sign_in(client, people.dsg.email)
    type(people.dsg).objects.filter(pk=people.dsg.pk).update(is_active=False)
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_the_sessions_page_lists_where_the_person_is_signed_in(
    people: People, django_assert_max_num_queries
) -> None:
    laptop, phone = browser(FIREFOX, "198.51.100.7"), browser(IPHONE, "203.0.113.20")
    sign_in(laptop, people.lead.email)
    sign_in(phone, people.lead.email)
    for _ in range(20):  # more sessions, to show the page reads them in a fixed number
        sign_in(browser(), people.lead.email)
    sign_in(browser(), people.other_lead.email)

    with django_assert_max_num_queries(8):
        page = laptop.get("/accounts/sessions/")

    body = page.content.decode()
    assert page.status_code == 200
    assert "Firefox on Windows" in body and "Safari on iPhone" in body
    assert "198.51.100.7" in body and "203.0.113.20" in body
    assert body.count("This browser") == 1
    assert len(page.context["sessions"]) == 22  # not Bob's
    assert laptop.session.session_key not in body
    assert "Sign out everywhere else" in body


def test_the_profile_links_to_the_sessions_page(people: People) -> None:
    client = browser()
    sign_in(client, people.partner.email)
    assert 'href="/accounts/sessions/"' in client.get("/accounts/profile/").content.decode()


def test_a_person_signs_out_one_of_their_other_sessions(people: People) -> None:
    laptop, phone = browser(), browser(IPHONE)
    sign_in(laptop, people.lead.email)
    sign_in(phone, people.lead.email)
    phone_row = UserSession.objects.get(user_agent=IPHONE)

    response = laptop.post(f"/accounts/sessions/{phone_row.pk}/end/", follow=True)

    assert "That session is signed out" in response.content.decode()
    assert phone.get("/")["Location"].startswith("/accounts/login/")
    assert laptop.get("/").status_code == 200


def test_sign_out_everywhere_else_keeps_this_browser(people: People) -> None:
    laptop = browser()
    sign_in(laptop, people.lead.email)
    others = [browser(IPHONE) for _ in range(3)]
    for other in others:
        sign_in(other, people.lead.email)

    response = laptop.post("/accounts/sessions/end-others/", follow=True)

    assert "3 other sessions signed out" in response.content.decode()
    for other in others:
        assert other.get("/")["Location"].startswith("/accounts/login/")
    assert laptop.get("/").status_code == 200
    assert (
        "You are not signed in anywhere else" in laptop.get("/accounts/sessions/").content.decode()
    )


def test_nobody_can_end_someone_elses_session(people: People) -> None:
    alice, bob = browser(), browser()
    sign_in(alice, people.lead.email)
    sign_in(bob, people.other_lead.email)
    bobs = UserSession.objects.get(user=people.other_lead)

    response = alice.post(f"/accounts/sessions/{bobs.pk}/end/", follow=True)

    assert "That session had already ended" in response.content.decode()
    assert bob.get("/").status_code == 200


def test_ending_a_session_needs_a_post(people: People) -> None:
    client = browser()
    sign_in(client, people.lead.email)
    row = UserSession.objects.get(user=people.lead)
    assert client.get(f"/accounts/sessions/{row.pk}/end/").status_code == 405


def test_signing_out_forgets_the_session(people: People) -> None:
    client = browser()
    sign_in(client, people.lead.email)
    assert UserSession.objects.filter(user=people.lead).count() == 1
    client.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=people.lead).exists()


def test_last_active_moves_on_at_most_once_a_minute(people: People) -> None:
    start = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
    client = browser()
    with time_machine.travel(start, tick=False) as clock:
        sign_in(client, people.lead.email)
        clock.shift(dt.timedelta(seconds=30))
        client.get("/")
        assert _record_of(client).last_active_at == start
        clock.shift(dt.timedelta(seconds=45))
        client.get("/")
        assert _record_of(client).last_active_at == start + dt.timedelta(seconds=75)


def test_behind_a_trusted_proxy_the_persons_address_is_recorded(people: People, settings) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1
    client = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    sign_in(client, people.lead.email)
    assert _record_of(client).ip_address == "203.0.113.9"


def _record_of(client: Client) -> UserSession:
    """The one record of the client's session (a second for the same session would fail)."""
    return UserSession.objects.get(session_key=client.session.session_key)


@pytest.mark.parametrize(
    ("user_agent", "words"),
    [
        (FIREFOX, "Firefox on Windows"),
        (IPHONE, "Safari on iPhone"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86",
            "Microsoft Edge on macOS",
        ),
        (
            "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36",
            "Chrome on Android",
        ),
        ("", "An unknown browser"),
    ],
)
def test_browsers_are_described_in_words(user_agent: str, words: str) -> None:
    assert describe_user_agent(user_agent) == words
