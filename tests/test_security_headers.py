"""Every response carries the security headers production needs: the enforced Content Security
Policy, HSTS, no MIME sniffing, a referrer policy, no framing, and cookies only over HTTPS; the
digest email framed on its pages carries its own narrower policy."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from django.utils import timezone

from briefings import links
from config.csp import SIMPLE_HISTORY_PAGINATOR
from tracker import services
from tracker.selectors.governance import chain_of

from .conftest import PASSWORD, People
from .test_briefings_digest import Period, subscribe
from .test_briefings_digest import period as period  # noqa: F401 - a fixture used here
from .test_briefings_digest import records as records  # noqa: F401 - a fixture used here
from .test_settings import manage

# The directives every page is held to (config/csp.py).
PAGE_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "img-src": "'self' data:",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}

# What a person signed in or not opens; each must come back with every header.
PAGES_SIGNED_IN = [
    "/",
    "/my-workstreams/",
    "/workstreams/",
    "/workstreams/transport/",
    "/proposals/",
    "/meetings/",
    "/governance/",
    "/timeline/",
    "/missions/",
    "/dashboard/",
    "/subscriptions/",
    "/accounts/profile/",
    "/api/v1/docs/",
    "/accessibility/",
    "/privacy/",
    "/no-such-page/",
]
PAGES_SIGNED_OUT = ["/accounts/login/", "/accessibility/", "/privacy/", "/", "/health/"]


def policy_of(header: str) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {d[0]: (d[1] if len(d) > 1 else "") for d in directives}


@pytest.fixture
def production(settings) -> None:
    """The HTTPS behaviour the test settings turn off for the plain-HTTP live server."""
    settings.SECURE_SSL_REDIRECT = True
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True


def assert_secure_headers(response, url: str) -> None:
    assert "Content-Security-Policy-Report-Only" not in response, url
    policy = policy_of(response["Content-Security-Policy"])
    for directive, value in PAGE_POLICY.items():
        assert policy[directive] == value, (url, directive)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"], url
    # Beside the nonce, one style attribute's hash and nothing else (config/csp.py).
    sources = [s for s in policy["style-src"].split() if not s.startswith("'nonce-")]
    assert sources == ["'self'", "'unsafe-hashes'", SIMPLE_HISTORY_PAGINATOR], url
    assert response["Strict-Transport-Security"].startswith("max-age=31536000"), url
    assert "includeSubDomains" in response["Strict-Transport-Security"], url
    assert response["X-Content-Type-Options"] == "nosniff", url
    assert response["Referrer-Policy"] in ("same-origin", "no-referrer"), url
    assert response["X-Frame-Options"] == "DENY", url


@pytest.mark.parametrize("url", PAGES_SIGNED_IN)
def test_every_page_signed_in_carries_the_security_headers(
    production: None, people: People, url: str
) -> None:
    client = Client()
    client.force_login(people.admin)
    response = client.get(url, secure=True)
    assert response.status_code in (200, 404), url
    assert_secure_headers(response, url)


@pytest.mark.parametrize("url", PAGES_SIGNED_OUT)
def test_every_page_signed_out_carries_the_security_headers(
    production: None, client: Client, people: People, url: str
) -> None:
    response = client.get(url, secure=True)
    assert response.status_code in (200, 302), url
    assert_secure_headers(response, url)


def test_plain_http_is_sent_to_https(production: None, client: Client, people: People) -> None:
    response = client.get("/accessibility/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_cookies_are_sent_only_over_https_and_never_to_scripts(
    production: None, client: Client, people: People
) -> None:
    response = client.get("/accounts/login/", secure=True)
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] is True and csrf["samesite"] == "Lax"
    response = client.post(
        "/accounts/login/",
        {"username": people.lead.email, "password": PASSWORD},
        secure=True,
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["secure"] is True and session["httponly"] is True
    assert session["samesite"] == "Lax"


def test_production_settings_send_every_security_header() -> None:
    """The production module itself, not the test override, turns each of them on."""
    result = manage(
        "shell",
        "-c",
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'hsts': s.SECURE_HSTS_SECONDS, 'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS,"
        "'preload': s.SECURE_HSTS_PRELOAD, 'redirect': s.SECURE_SSL_REDIRECT,"
        "'session': s.SESSION_COOKIE_SECURE, 'csrf': s.CSRF_COOKIE_SECURE,"
        "'nosniff': s.SECURE_CONTENT_TYPE_NOSNIFF, 'referrer': s.SECURE_REFERRER_POLICY,"
        "'frames': s.X_FRAME_OPTIONS, 'csp': s.CONTENT_SECURITY_POLICY['DIRECTIVES'],"
        "'report_only': hasattr(s, 'CONTENT_SECURITY_POLICY_REPORT_ONLY')}, default=str))",
        SECRET_KEY="a-real-secret-" + "k" * 50,
        ALLOWED_HOSTS="tracker.example.org",
    )
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["hsts"] >= 31536000 and found["sub"] and found["preload"]
    assert found["redirect"] and found["session"] and found["csrf"]
    assert found["nosniff"] and found["referrer"] == "same-origin" and found["frames"] == "DENY"
    assert found["csp"]["script-src"] == ["'self'"]
    assert found["csp"]["object-src"] == ["'none'"]
    assert not found["report_only"]


def test_a_print_stylesheet_in_the_page_is_allowed_by_its_nonce_alone(
    production: None, people: People
) -> None:
    meeting = services.meeting_create(
        body=chain_of(people.deal)[0],
        acting_user=people.admin,
        starts_at=timezone.now() + dt.timedelta(days=5),
    )
    client = Client()
    client.force_login(people.admin)
    response = client.get(f"/meetings/{meeting.pk}/pack/", secure=True)
    assert response.status_code == 200
    sources = policy_of(response["Content-Security-Policy"])["style-src"].split()
    [nonce] = [s.removeprefix("'nonce-")[:-1] for s in sources if s.startswith("'nonce-")]
    page = response.content.decode()
    assert page.count("<style") == page.count(f'nonce="{nonce}"') == 2


def test_a_page_without_an_inline_stylesheet_gets_no_nonce(
    production: None, client: Client, people: People
) -> None:
    response = client.get("/accessibility/", secure=True)
    assert "nonce-" not in response["Content-Security-Policy"]


def test_the_digest_email_is_framed_from_its_own_address_under_its_own_policy(
    production: None, client: Client, people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    token = links.view_token(subscription, period.start, period.end)
    page = client.get(f"/briefings/view/{token}/", secure=True)
    assert f'src="/briefings/view/{token}/email/"' in page.content.decode()
    assert "srcdoc" not in page.content.decode()
    assert policy_of(page["Content-Security-Policy"])["frame-src"] == "'self'"

    email = client.get(f"/briefings/view/{token}/email/", secure=True)
    assert email.status_code == 200
    assert "Bus franchising consultation closed late." in email.content.decode()
    policy = policy_of(email["Content-Security-Policy"])
    assert policy == {
        "default-src": "'none'",
        "style-src": "'unsafe-inline'",
        "img-src": "data:",
        "base-uri": "'none'",
        "form-action": "'none'",
        "frame-ancestors": "'self'",
        "sandbox": "allow-popups allow-popups-to-escape-sandbox",
    }
    assert email["X-Frame-Options"] == "SAMEORIGIN"
    assert email["Cache-Control"] == "private, no-store"
