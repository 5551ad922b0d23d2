"""Two-factor sign-in: every role that may see OFFICIAL-SENSITIVE material (administrators,
leads, sponsors, DSG members, superusers) gives a code from an authenticator app after the
password, setting the app up first if they have none; partners and people with no role are not
asked; the API refuses a session that has not given its code, and a token is unaffected."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import User

from .conftest import PASSWORD, People, sign_in_verified


@pytest.fixture(autouse=True)
def two_factor_on(settings) -> None:
    settings.TWO_FACTOR_REQUIRED = True


def sign_in(client: Client, user: User, next_url: str = "/"):
    return client.post(
        f"/accounts/login/?next={next_url}",
        {"username": user.email, "password": PASSWORD, "next": next_url},
    )


def code_for(device: TOTPDevice, at: float | None = None) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if at is not None:
        totp.time = at
    return f"{totp.token():06d}"


def app_for(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.mark.parametrize("persona", ["admin", "lead", "sponsor", "dsg"])
def test_every_role_that_sees_sensitive_material_sets_up_an_app_before_any_page(
    client, people: People, persona: str
) -> None:
    response = sign_in(client, people.all_roles()[persona], "/workstreams/")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/setup/?next=%2Fworkstreams%2F"
    for url in ["/", "/proposals/", "/accounts/profile/", "/admin/"]:
        assert client.get(url)["Location"].startswith("/accounts/two-factor/setup/"), url


def test_a_superuser_with_no_role_is_asked_too(client, people: People) -> None:
    root = User.objects.create_superuser(email="root@example.org", password=PASSWORD)
    sign_in(client, root)
    assert client.get("/")["Location"].startswith("/accounts/two-factor/setup/")


@pytest.mark.parametrize("persona", ["partner", "nobody"])
def test_partners_and_people_without_a_role_are_not_asked(
    client, people: People, persona: str
) -> None:
    sign_in(client, people.all_roles()[persona])
    assert client.get("/").status_code == 200
    assert client.get("/accounts/profile/").status_code == 200
    assert not TOTPDevice.objects.exists()


def test_setup_shows_a_qr_code_and_the_key_and_the_first_code_confirms_it(
    client, people: People
) -> None:
    sign_in(client, people.lead)
    page = client.get("/accounts/two-factor/setup/?next=/proposals/")
    body = page.content.decode()
    device = TOTPDevice.objects.get(user=people.lead)
    assert not device.confirmed
    assert "<svg" in body and "<img" not in body
    key = re.search(r'<code class="app-secret" id="secret">([A-Z2-7 ]+)</code>', body)[1]
    assert key.replace(" ", "") == device.config_url.split("secret=")[1].split("&")[0]
    # Reloading shows the same key: the app scanned a moment ago keeps working.
    assert key in client.get("/accounts/two-factor/setup/").content.decode()

    response = client.post(
        "/accounts/two-factor/setup/", {"code": code_for(device), "next": "/proposals/"}
    )

    assert response.status_code == 302 and response["Location"] == "/proposals/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get("/proposals/").status_code == 200


def test_a_wrong_first_code_leaves_the_app_unconfirmed(client, people: People) -> None:
    sign_in(client, people.lead)
    client.get("/accounts/two-factor/setup/")
    device = TOTPDevice.objects.get(user=people.lead)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"

    response = client.post("/accounts/two-factor/setup/", {"code": wrong})

    assert response.status_code == 200
    assert "The security code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/").status_code == 302


def test_each_sign_in_asks_for_the_code_and_a_wrong_one_is_refused(client, people: People) -> None:
    device = app_for(people.dsg)
    sign_in(client, people.dsg, "/dashboard/")
    assert client.get("/dashboard/")["Location"] == "/accounts/two-factor/?next=%2Fdashboard%2F"

    wrong = client.post("/accounts/two-factor/", {"code": "12345", "next": "/dashboard/"})
    assert wrong.status_code == 200
    assert "Enter the security code as 6 digits" in wrong.content.decode()
    bad = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    wrong = client.post("/accounts/two-factor/", {"code": bad, "next": "/dashboard/"})
    assert "The security code is not right" in wrong.content.decode()
    assert client.get("/dashboard/").status_code == 302

    # Wrong codes make the next try wait (django-otp's throttle), so a later one is accepted.
    with time_machine.travel(dt.datetime.now(tz=dt.UTC) + dt.timedelta(seconds=5), tick=False):
        right = client.post(
            "/accounts/two-factor/", {"code": code_for(device), "next": "/dashboard/"}
        )
        assert right["Location"] == "/dashboard/"
        assert client.get("/dashboard/").status_code == 200


def test_a_code_is_used_once(client, people: People) -> None:
    device = app_for(people.sponsor)
    code = code_for(device)
    sign_in(client, people.sponsor)
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302

    other = Client()
    sign_in(other, people.sponsor)
    again = other.post("/accounts/two-factor/", {"code": code})

    assert again.status_code == 200
    assert other.get("/").status_code == 302


def test_repeated_wrong_codes_make_the_person_wait(client, people: People) -> None:
    device = app_for(people.admin)
    sign_in(client, people.admin)
    for _ in range(3):
        client.post("/accounts/two-factor/", {"code": "000000"})

    response = client.post("/accounts/two-factor/", {"code": code_for(device)})

    assert "Too many wrong codes: wait until" in response.content.decode()
    assert client.get("/").status_code == 302


def test_the_next_address_must_be_on_this_site(client, people: People) -> None:
    device = app_for(people.lead)
    sign_in(client, people.lead)
    response = client.post(
        "/accounts/two-factor/", {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_signing_out_needs_no_code(client, people: People) -> None:
    app_for(people.lead)
    sign_in(client, people.lead)
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session


def test_the_api_refuses_a_session_until_its_code_is_given(client, people: People) -> None:
    device = app_for(people.lead)
    sign_in(client, people.lead)

    refused = client.get("/api/v1/workstreams/")
    assert refused.status_code == 403
    assert "security code" in refused.json()["detail"]

    client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert client.get("/api/v1/workstreams/").status_code == 200


def test_a_token_is_not_asked_for_a_code(client, people: People) -> None:
    token = Token.objects.create(user=people.lead)
    response = client.get("/api/v1/workstreams/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    # A wrong token is not turned into a session's answer: the API says it is wrong.
    assert client.get("/api/v1/workstreams/", HTTP_AUTHORIZATION="Token nope").status_code == 401


def test_another_authorization_scheme_does_not_get_round_the_code(client, people: People) -> None:
    app_for(people.lead)
    sign_in(client, people.lead)
    response = client.get("/api/v1/workstreams/", HTTP_AUTHORIZATION="Basic eDp5")
    assert response.status_code == 403


def test_a_verified_session_helper_signs_a_persona_straight_in(client, people: People) -> None:
    sign_in_verified(client, people.admin)
    assert client.get("/").status_code == 200


def test_administrators_reset_a_persons_app_in_the_admin(client, people: People) -> None:
    lost = app_for(people.lead)
    core = User.objects.create_superuser(email="core@example.org", password=PASSWORD)
    sign_in_verified(client, core)
    listing = client.get("/admin/otp_totp/totpdevice/")
    assert listing.status_code == 200
    assert "Alice Lead" in listing.content.decode()

    client.post(f"/admin/otp_totp/totpdevice/{lost.pk}/delete/", {"post": "yes"})

    assert not TOTPDevice.objects.filter(user=people.lead).exists()
    lead = Client()
    sign_in(lead, people.lead)
    assert lead.get("/")["Location"].startswith("/accounts/two-factor/setup/")


def test_with_the_setting_off_no_one_is_asked(client, people: People, settings) -> None:
    settings.TWO_FACTOR_REQUIRED = False
    sign_in(client, people.admin)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/workstreams/").status_code == 200


def test_the_profile_says_whether_a_code_is_needed(client, people: People) -> None:
    sign_in_verified(client, people.lead)
    assert "asked for each time you sign in" in client.get("/accounts/profile/").content.decode()
    partner = Client()
    sign_in(partner, people.partner)
    assert "Not needed for your roles" in partner.get("/accounts/profile/").content.decode()


def test_the_demo_logins_give_each_sensitive_role_its_authenticator_key() -> None:
    from core.choices import Role
    from tracker.demo import DemoLogin, demo_logins_format

    text = demo_logins_format(
        [
            DemoLogin(
                Role.LEAD,
                "lead@demo.example",
                "pw-one",
                "L",
                "leads",
                "JBSWY3DPEHPK3PXP",
                "otpauth://x",
            ),
            DemoLogin(Role.PARTNER, "partner@demo.example", "pw-two", "P", "reads"),
        ]
    )
    assert re.search(r"lead@demo\.example\s+pw-one\s+JBSWY3DPEHPK3PXP\s+leads", text)
    assert re.search(r"partner@demo\.example\s+pw-two\s+not needed\s+reads", text)
    assert "lead@demo.example  otpauth://x" in text
