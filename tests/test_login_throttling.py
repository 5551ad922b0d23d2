"""Sign-in throttling (django-axes) and password rules: an account, or an address, is locked
for 30 minutes after 5 failed sign-ins, and the sign-in page says so and until when; behind a
trusted proxy the person's own address is the one counted. Attempts are kept in the database,
so each test starts with none (its transaction is rolled back)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import User

from .conftest import PASSWORD, People

START = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)  # 14:00 in London, winter time


def attempt(client: Client, email: str, password: str = "not-the-password"):  # noqa: S107
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_four_failures_then_the_right_password_signs_in_and_starts_the_count_again(
    client, people: People
) -> None:
    for _ in range(4):
        assert attempt(client, people.lead.email).status_code == 200
    assert attempt(client, people.lead.email, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_the_fifth_failure_locks_the_account_and_says_until_when(client, people: People) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            attempt(client, people.lead.email)
        response = attempt(client, people.lead.email)

    body = response.content.decode()
    assert response.status_code == 429
    assert '<h1 class="govuk-heading-l">Sign-in locked</h1>' in body
    assert "There were 5 failed attempts to sign in" in body
    assert "until 14:30 on 20 November 2026 (UK time)" in body


def test_a_locked_account_refuses_even_the_right_password_from_anywhere(people: People) -> None:
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            attempt(Client(REMOTE_ADDR="198.51.100.1"), people.lead.email)
        elsewhere = Client(REMOTE_ADDR="203.0.113.50")
        response = attempt(elsewhere, people.lead.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in elsewhere.session


def test_an_address_that_fails_five_times_is_locked_for_every_account(people: People) -> None:
    client = Client(REMOTE_ADDR="198.51.100.1")
    for n in range(5):
        attempt(client, f"guess{n}@example.org")
    assert attempt(client, people.dsg.email, PASSWORD).status_code == 429
    # Another address signs the same person in.
    assert (
        attempt(Client(REMOTE_ADDR="203.0.113.50"), people.dsg.email, PASSWORD).status_code == 302
    )


def test_the_lock_lifts_after_30_minutes(client, people: People) -> None:
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(5):
            attempt(client, people.lead.email)
        clock.shift(dt.timedelta(minutes=29))
        assert attempt(client, people.lead.email, PASSWORD).status_code == 429
        # That attempt, while locked, started the 30 minutes again.
        clock.shift(dt.timedelta(minutes=29))
        assert attempt(client, people.lead.email, PASSWORD).status_code == 429
        clock.shift(dt.timedelta(minutes=31))
        assert attempt(client, people.lead.email, PASSWORD).status_code == 302


def test_the_limit_and_the_time_are_settings(client, people: People, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=10)
    with time_machine.travel(START, tick=False):
        for _ in range(2):
            assert attempt(client, people.lead.email).status_code == 200
        response = attempt(client, people.lead.email)
    assert response.status_code == 429
    assert "There were 3 failed attempts" in response.content.decode()
    assert "until 14:10" in response.content.decode()


def test_behind_a_trusted_proxy_the_persons_own_address_is_counted(
    people: People, settings
) -> None:
    settings.AXES_IPWARE_PROXY_COUNT = 1

    def through_proxy(address: str) -> Client:
        # The proxy appends the address it was reached from; what the client sent comes first.
        return Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.1, {address}")

    for n in range(5):
        attempt(through_proxy("198.51.100.1"), f"guess{n}@example.org")

    assert attempt(through_proxy("198.51.100.1"), people.dsg.email, PASSWORD).status_code == 429
    assert attempt(through_proxy("203.0.113.50"), people.dsg.email, PASSWORD).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}


def test_attempts_are_counted_by_account_as_well_as_address(client, people: People) -> None:
    attempt(client, people.lead.email)
    assert AccessAttempt.objects.get().username == people.lead.email


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(people: People) -> None:
    for n in range(5):
        spoofed = Client(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        attempt(spoofed, f"guess{n}@example.org")
    assert (
        attempt(Client(REMOTE_ADDR="198.51.100.1"), people.dsg.email, PASSWORD).status_code == 429
    )


def test_the_admin_sign_in_is_throttled_too(people: People) -> None:
    User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    client = Client()
    for _ in range(5):
        client.post("/admin/login/", {"username": "root@example.org", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "root@example.org", "password": PASSWORD})
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short-one", "too short"),
        ("password1234", "too common"),
        ("209348572093485", "entirely numeric"),
        ("jo.bloggs.example", "too similar"),
    ],
)
def test_passwords_must_be_long_uncommon_not_numeric_and_unlike_the_person(
    password: str, problem: str
) -> None:
    user = User(email="jo.bloggs@example.org", full_name="Jo Bloggs")
    with pytest.raises(ValidationError) as error:
        password_validation.validate_password(password, user)
    assert problem in " ".join(error.value.messages)


def test_a_long_passphrase_is_accepted() -> None:
    user = User(email="jo.bloggs@example.org", full_name="Jo Bloggs")
    password_validation.validate_password("river-lantern-orchard-94", user)
