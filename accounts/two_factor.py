"""Two-factor authentication with a time-based code (TOTP) from an authenticator app.

Who needs it is the policy's (``policy.needs_second_factor``); this module sets a person's app
up (an unconfirmed device until its first code is right), checks codes, and draws the QR code
the app scans, as inline SVG so that the page loads nothing from elsewhere.
"""

from __future__ import annotations

import datetime as dt
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from core import policy
from core.errors import DomainError

from .models import User

DEVICE_NAME = "Authenticator app"


class TwoFactorError(DomainError):
    """A code that cannot be accepted, and what the person should do."""


def is_required(user: User) -> bool:
    return policy.second_factor_required(user)


def prompt_url(user: User, next_url: str) -> str:
    """Where a person who has not given their code this session is sent: to enter it, or to
    set their app up if they have none yet, and back to ``next_url`` after."""
    name = "two-factor-verify" if confirmed_device(user) else "two-factor-setup"
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


@transaction.atomic
def totp_device_start(*, user: User) -> TOTPDevice:
    """The device a person is setting up: the same one until they confirm it, so that reloading
    the page does not change the code they have scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def totp_device_confirm(*, request: HttpRequest, device: TOTPDevice, code: str) -> TOTPDevice:
    """Confirm a new device with its first code, and count this session as verified by it."""
    _check(device, code)
    device.refresh_from_db()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Any other device left half set up is no longer wanted.
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    otp_login(request, device)
    return device


def totp_verify(*, request: HttpRequest, user: User, code: str) -> TOTPDevice:
    """Check a signed-in person's code and count this session as verified."""
    device = confirmed_device(user)
    if device is None:
        raise TwoFactorError("Set up your authenticator app first")
    _check(device, code)
    otp_login(request, device)
    return device


def _check(device: TOTPDevice, code: str) -> None:
    """Refuse a wrong code. The failure is committed before the refusal is raised, so that the
    throttle counts it (raising inside the transaction would roll the count back)."""
    with transaction.atomic():
        # Locked for update, so that two tries at once both count against the throttle.
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, details = locked.verify_is_allowed()
        verified = allowed and locked.verify_token(code)
    if not allowed:
        raise TwoFactorError(_throttled((details or {}).get("locked_until")))
    if not verified:
        raise TwoFactorError(
            "The security code is not right: enter the code your authenticator app shows now"
        )


def _throttled(until: dt.datetime | None) -> str:
    if until is None:
        return "Too many wrong codes: wait a minute, then enter the code your app shows"
    local = timezone.localtime(until)
    return f"Too many wrong codes: wait until {local:%H:%M:%S}, then enter the code your app shows"


def secret_for_typing(device: TOTPDevice) -> str:
    """The device's secret in base32, in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def otpauth_uri(device: TOTPDevice) -> str:
    return str(device.config_url)


def qr_code_svg(device: TOTPDevice) -> SafeString:
    """The setup address as a QR code, inline SVG drawn here (no image from elsewhere)."""
    qr = segno.make(otpauth_uri(device), error="m")
    svg = qr.svg_inline(scale=4, border=4, title="QR code to scan with your authenticator app")
    return mark_safe(svg)  # noqa: S308 - segno's own markup, from our own data
