"""The sign-in pages meet WCAG 2.2 AA as axe-core sees them in a real browser: setting up an
authenticator app (QR code and key), entering the code (with an error shown), the sessions page
and the page that says sign-in is locked. The whole two-factor flow is done from the keyboard
and mouse as a person would. Screenshots go to var/screenshots/sign-in-*.png."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect

from ..conftest import PASSWORD, People
from .conftest import assert_accessible, screenshot


@pytest.fixture(autouse=True)
def two_factor_on(settings) -> None:
    settings.TWO_FACTOR_REQUIRED = True


def _code(key: str) -> str:
    from base64 import b32decode

    return f"{TOTP(b32decode(key)).token():06d}"


def _password(page: Page, email: str, password: str = PASSWORD, url: str = "/") -> None:
    page.goto(f"/accounts/login/?next={url}")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_setting_up_the_app_and_entering_codes_is_accessible(page: Page, people: People) -> None:
    _password(page, people.lead.email, url="/proposals/")
    expect(page.locator("h1")).to_have_text("Set up your authenticator app")
    expect(page.locator("#qr-code svg")).to_be_visible()
    screenshot(page, "sign-in-setup")
    assert_accessible(page)

    key = page.locator("#secret").inner_text().replace(" ", "")
    page.get_by_label("Security code").fill("12345")
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("6 digits")
    assert_accessible(page)

    page.get_by_label("Security code").fill(_code(key))
    page.get_by_role("button", name="Confirm and continue").press("Enter")
    expect(page).to_have_url(re.compile(r"/proposals/$"))
    assert TOTPDevice.objects.get(user=people.lead).confirmed


def test_entering_the_code_is_accessible(page: Page, people: People) -> None:
    TOTPDevice.objects.create(user=people.dsg, name="Authenticator app", confirmed=True)
    _password(page, people.dsg.email)
    expect(page.locator("h1")).to_have_text("Enter your security code")
    screenshot(page, "sign-in-verify")
    assert_accessible(page)

    page.get_by_label("Security code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("not right")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)


def test_signing_in_with_the_password_and_the_code_opens_the_page_asked_for(
    page: Page, people: People
) -> None:
    """The whole sign-in through the form, password then the authenticator's code, going on to
    the page asked for: the other browser tests are handed the session it leaves (``open_as``)."""
    device = TOTPDevice.objects.create(user=people.dsg, name="Authenticator app", confirmed=True)
    _password(page, people.dsg.email, url="/proposals/")
    expect(page.locator("h1")).to_have_text("Enter your security code")
    page.get_by_label("Security code").fill(f"{TOTP(device.bin_key).token():06d}")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/proposals/$"))
    expect(page.locator("h1")).to_have_text("Proposals")
    assert_accessible(page)


def test_the_sessions_page_is_accessible(page: Page, people: People, settings) -> None:
    """Signed in through the form with the password alone, where no role needs the code: the
    sign-in records the session, which the page names as this browser."""
    settings.TWO_FACTOR_REQUIRED = False
    _password(page, people.partner.email, url="/accounts/profile/")
    expect(page).to_have_url(re.compile(r"/accounts/profile/$"))
    page.get_by_role("link", name="See where you are signed in").click()
    expect(page.locator("h1")).to_have_text("Where you are signed in")
    expect(page.locator("#sessions")).to_contain_text("This browser")
    screenshot(page, "sign-in-sessions")
    assert_accessible(page)


def test_the_locked_out_page_is_accessible(page: Page, people: People) -> None:
    for _ in range(5):
        _password(page, people.partner.email, password="wrong-password")
    expect(page.locator("h1")).to_have_text("Sign-in locked")
    expect(page.locator("#locked-until")).to_contain_text(re.compile(r"locked until \d\d:\d\d"))
    screenshot(page, "sign-in-locked")
    assert_accessible(page)
