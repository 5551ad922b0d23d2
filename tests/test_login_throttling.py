"""Sign-in throttling (django-axes with accounts.throttle) and password rules.

Within 30 minutes, 5 failures at an account from one address lock that account there; 10 at an
account from anywhere lock it everywhere; 30 from one address, whatever the accounts, lock that
address, so a shared office address is held back more gently. The sign-in page says which, and
until when; behind a trusted proxy the person's own address is the one counted. Attempts are kept
in the database, so each test starts with none (its transaction is rolled back)."""

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
    assert (
        "There were 5 failed attempts to sign in to this account from this address, so signing"
        " in to it from here is locked until 14:30 on 20 November 2026 (UK time)" in body
    )
    assert "until 14:30 on 20 November 2026 (UK time)" in body


def test_five_failures_from_one_address_lock_the_account_there_and_not_elsewhere(
    people: People,
) -> None:
    there = Client(REMOTE_ADDR="198.51.100.1")
    for _ in range(5):
        attempt(there, people.lead.email)
    assert attempt(there, people.lead.email, PASSWORD).status_code == 429
    assert "_auth_user_id" not in there.session
    # Someone guessing from one place does not lock the person out of their own office.
    elsewhere = Client(REMOTE_ADDR="203.0.113.50")
    assert attempt(elsewhere, people.lead.email, PASSWORD).status_code == 302


def test_ten_failures_spread_over_addresses_lock_the_account_everywhere(people: People) -> None:
    with time_machine.travel(START, tick=False):
        for n in range(10):  # two from each of five addresses: no address reaches five
            response = attempt(Client(REMOTE_ADDR=f"198.51.100.{n // 2}"), people.lead.email)
        elsewhere = Client(REMOTE_ADDR="203.0.113.50")
        refused = attempt(elsewhere, people.lead.email, PASSWORD)
    assert response.status_code == 429
    assert (
        "There were 10 failed attempts to sign in to this account from any address, so signing"
        " in to it from anywhere is locked" in response.content.decode()
    )
    assert refused.status_code == 429
    assert "_auth_user_id" not in elsewhere.session
    # Other accounts are not touched.
    assert attempt(elsewhere, people.dsg.email, PASSWORD).status_code == 302


def test_an_office_behind_one_address_is_held_back_gently(people: People) -> None:
    office = "198.51.100.1"
    with time_machine.travel(START, tick=False):
        # Twenty-nine people mistype their password once: every one can still sign in.
        for n in range(29):
            assert (
                attempt(Client(REMOTE_ADDR=office), f"colleague{n}@example.org").status_code == 200
            )
        assert attempt(Client(REMOTE_ADDR=office), people.dsg.email, PASSWORD).status_code == 302
        # The thirtieth failure from the address, at any account, locks signing in from it.
        response = attempt(Client(REMOTE_ADDR=office), "colleague29@example.org")
        assert response.status_code == 429
        assert (
            "There were 30 failed attempts to sign in from this address, to any account, so"
            " signing in from here is locked" in response.content.decode()
        )
        assert attempt(Client(REMOTE_ADDR=office), people.lead.email, PASSWORD).status_code == 429
        # From anywhere else the same people sign in.
        other = Client(REMOTE_ADDR="203.0.113.50")
        assert attempt(other, people.lead.email, PASSWORD).status_code == 302


def test_signing_in_clears_the_accounts_failures_and_not_the_addresss(people: People) -> None:
    here = "198.51.100.1"
    for n in range(25):
        attempt(Client(REMOTE_ADDR=here), f"guess{n}@example.org")
    for _ in range(4):
        attempt(Client(REMOTE_ADDR=here), people.dsg.email)
    # Someone at the address who knows one password signs in: their own failures are cleared...
    assert attempt(Client(REMOTE_ADDR=here), people.dsg.email, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=people.dsg.email).exists()
    # ...but the 25 the address tried against other accounts still count: five more lock it.
    for n in range(25, 29):
        assert attempt(Client(REMOTE_ADDR=here), f"guess{n}@example.org").status_code == 200
    assert attempt(Client(REMOTE_ADDR=here), "guess29@example.org").status_code == 429


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


def test_the_limits_and_the_time_are_settings(client, people: People, settings) -> None:
    settings.SIGN_IN_ACCOUNT_FAILURE_LIMIT = 4
    settings.SIGN_IN_ADDRESS_FAILURE_LIMIT = 6
    for n in range(3):
        assert attempt(Client(REMOTE_ADDR=f"203.0.113.{n}"), people.dsg.email).status_code == 200
    assert attempt(Client(REMOTE_ADDR="203.0.113.9"), people.dsg.email).status_code == 429
    for n in range(5):
        assert attempt(Client(REMOTE_ADDR="198.51.100.7"), f"g{n}@example.org").status_code == 200
    assert attempt(Client(REMOTE_ADDR="198.51.100.7"), "g5@example.org").status_code == 429

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

    for _ in range(5):
        attempt(through_proxy("198.51.100.1"), people.dsg.email)

    assert attempt(through_proxy("198.51.100.1"), people.dsg.email, PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.1"}
    assert attempt(through_proxy("203.0.113.50"), people.dsg.email, PASSWORD).status_code == 302


def test_attempts_are_counted_by_account_as_well_as_address(client, people: People) -> None:
    attempt(client, people.lead.email)
    assert AccessAttempt.objects.get().username == people.lead.email


def test_without_a_trusted_proxy_a_forwarded_address_is_ignored(people: People) -> None:
    for n in range(5):
        spoofed = Client(REMOTE_ADDR="198.51.100.1", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
        attempt(spoofed, people.dsg.email)
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
