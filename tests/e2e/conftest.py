"""A real browser for the pages: the system's Chromium driven by Playwright, against the live
server, with axe-core to check each page against WCAG 2.2 AA.

The pages' Content Security Policy is enforced in the browser as in production (no
``bypass_csp``), and a test fails when the browser refuses anything under it. axe-core is not
added to the page as a script, which the policy would refuse: Playwright evaluates its source
through the DevTools protocol, which a page's policy does not govern.

Without Chromium (or axe-core's script, which `make assets` installs) the browser tests are
skipped on a developer's machine and fail under CI (``CI`` set), so CI can never pass by
silently skipping them.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from django.conf import settings
from django.utils import timezone

from accounts.models import User
from core.choices import Classification
from tracker.choices import Direction, Rag
from tracker.models import StatusUpdate, Workstream
from tracker.periods import deal_period
from tracker.services import status_update_submit

from ..conftest import People

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

E2E_DIR = Path(__file__).resolve().parent
AXE_JS = Path(settings.BASE_DIR) / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what UK public sector bodies must meet.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this directory drives the browser: `-m "not browser"` leaves them out."""
    for item in items:
        if E2E_DIR in Path(item.path).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> NoReturn:
    """No browser: fail in CI, where the tests must run, skip anywhere else."""
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so the browser tests must run)", pytrace=False)
    pytest.skip(reason)


def _chromium_path() -> str | None:
    path = os.environ.get("CHROMIUM")
    if path:
        return path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    """One Chromium for all the tests here; each test gets its own context (cookies, storage).

    Playwright's sync API keeps an event loop running in this thread while it is started, and
    Django refuses database access from a thread with a running loop, although the fixtures and
    tests here still use the database synchronously, one at a time. So Django's check is off
    while the browser is open, and the browser closes when the last test here has run, so the
    rest of the suite keeps the check.
    """
    executable = _chromium_path()
    if executable is None:
        where = os.environ.get("CHROMIUM") or "chromium on the PATH"
        _unavailable(
            f"No Chromium browser ({where} not found): install Debian's `chromium` package "
            "or point CHROMIUM at a Chromium binary"
        )
    if not AXE_JS.is_file():
        _unavailable(f"axe-core is not installed ({AXE_JS} is missing): run `make assets`")

    from playwright.sync_api import expect, sync_playwright

    # Generous waits: a page that loads is what is tested, not how fast a busy machine is.
    expect.set_options(timeout=10_000)
    with pytest.MonkeyPatch.context() as env, sync_playwright() as playwright:
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: Any, status_updates: list[StatusUpdate]) -> Iterator[Page]:
    """A fresh tab, signed out, on the live server, with the personas and some reporting in the
    database. The test fails if the browser refused anything under the Content Security Policy.

    Under ``pytest --now`` the live server runs on the run's clock (a thread of this process),
    but Chromium keeps the machine's: no page's script reads the date, and the session cookie
    has no expiry date for the two clocks to disagree about."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1024, "height": 768}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    refusals = watch_csp(page)
    yield page
    context.close()
    assert_no_csp_refusals(refusals)


def watch_csp(page: Page) -> list[str]:
    """Collect what the browser reports refusing under a Content Security Policy, in the page
    and in its frames: Chromium logs each refusal to the console ("Refused to apply inline
    style because it violates ..."), which covers every directive, reported or enforced."""
    refusals: list[str] = []

    def on_console(message: Any) -> None:
        text = message.text
        if "Content Security Policy" in text or text.startswith("Refused to"):
            where = message.location
            source = f" (from {where['url']}:{where['lineNumber']})" if where.get("url") else ""
            refusals.append(f"{message.page.url if message.page else '?'}: {text}{source}")

    page.on("console", on_console)
    return refusals


def assert_no_csp_refusals(refusals: list[str]) -> None:
    if refusals:
        pytest.fail(
            "The browser refused content under the Content Security Policy:\n"
            + "\n".join(f"- {r}" for r in refusals),
            pytrace=False,
        )


@pytest.fixture
def open_as(page: Page, people: People, live_server: Any) -> Callable[[str | None, str], None]:
    """Open a URL as a persona: ``open_as("lead", "/")`` opens it in a browser signed in as
    Alice; ``None`` opens it signed out. Personas are the keys of ``People.all_roles()``.

    The browser is handed the session that signing in with the password and then the
    authenticator's code leaves (``verified_session_key``), rather than going through the form
    for every test, which cost most browser tests more than their own page. The form itself,
    password and code, is driven in tests/e2e/test_sign_in_a11y.py."""

    def open_as(persona: str | None, url: str) -> None:
        if persona is not None:
            user = people.all_roles()[persona]
            user_agent = page.evaluate("() => navigator.userAgent")
            key = verified_session_key(user, user_agent=user_agent)
            page.context.add_cookies(
                [{"name": settings.SESSION_COOKIE_NAME, "value": key, "url": live_server.url}]
            )
        page.goto(url)

    return open_as


def verified_session_key(user: User, *, user_agent: str) -> str:
    """A new session of ``user``'s as signing in through the form leaves it: signed in with
    the password backend, the second factor given by their authenticator app (django-otp keeps
    the device that verified it under ``DEVICE_ID_SESSION_KEY``; one is set up for them if they
    have none), and recorded for their sessions page as the sign-in signal records it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.two_factor import DEVICE_NAME, confirmed_device
    from accounts.user_sessions import session_record_sign_in

    device = confirmed_device(user) or TOTPDevice.objects.create(
        user=user, name=DEVICE_NAME, confirmed=True
    )
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend that checked the password (the sign-in throttle before it only refuses).
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    request = RequestFactory().get("/", HTTP_USER_AGENT=user_agent, REMOTE_ADDR="127.0.0.1")
    request.session = session
    session_record_sign_in(request=request, user=user)
    session.save()
    assert session.session_key is not None
    return session.session_key


@pytest.fixture
def status_updates(people: People) -> list[StatusUpdate]:
    """A few periods of reporting, so the pages show RAG tags, revisions and both markings."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    today = timezone.localdate()
    earlier = deal_period(people.deal, today - dt.timedelta(days=35))
    last = deal_period(people.deal, today - dt.timedelta(days=14))
    return [
        status_update_submit(
            workstream=transport,
            acting_user=people.lead,
            period=earlier,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="Bus franchising business case agreed with the Department for Transport.",
            progress="Consultation responses analysed.",
            next_steps="Draft the funding letter.",
        ),
        status_update_submit(
            workstream=transport,
            acting_user=people.lead,
            period=last,
            rag=Rag.AMBER,
            direction=Direction.WORSENING,
            summary="The rail devolution timetable has slipped by a month.",
            risks_and_issues="HM Treasury sign-off is later than planned.",
            classification=Classification.OFFICIAL_SENSITIVE,
        ),
        status_update_submit(
            workstream=transport,
            acting_user=people.admin,
            period=last,
            based_on_version=1,
            rag=Rag.AMBER,
            direction=Direction.STABLE,
            summary="The rail devolution timetable has slipped by a month; recovery plan agreed.",
            next_steps="Confirm the revised dates at the next DSG.",
        ),
        status_update_submit(
            workstream=skills,
            acting_user=people.other_lead,
            period=last,
            rag=Rag.RED,
            direction=Direction.WORSENING,
            summary="Adult skills funding formula not yet agreed with DfE.",
            asks_of_dsg="Escalate the funding formula to the SLT sponsor.",
        ),
    ]


def assert_accessible(page: Page, *, preload_css: bool = True) -> None:
    """Run axe-core on the page as it is now and fail with every WCAG 2.2 A/AA violation.

    axe is evaluated through the DevTools protocol, not added as a <script>, which the page's
    Content Security Policy refuses (as it should).

    ``preload_css=False`` stops axe reading the page's stylesheets ahead, which only its
    orientation-lock rule needs: axe rebuilds a sheet pulled in by ``@import`` as an inline
    <style>, which the policy refuses, and the harness would count axe's refusal as the page's.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        """([tags, preload]) => axe.run(document, {
            runOnly: {type: 'tag', values: tags},
            resultTypes: ['violations'],
            preload: preload,
        })""",
        [WCAG_TAGS, preload_css],
    )
    violations = results["violations"]
    if violations:
        raise AssertionError(_describe(page.url, violations))


@functools.cache
def _axe_source() -> str:
    # Evaluated as an expression: the file's last statement must not make it a function to call.
    return AXE_JS.read_text(encoding="utf-8") + "\n;undefined"


def _describe(url: str, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            lines.append(f"    {target}")
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            if summary:
                lines.append(f"      {summary[:300]}")
    return "\n".join(lines)


def screenshot(page: Page, name: str) -> None:
    """A full-page picture in var/screenshots/, for people to look at (not compared, so not a
    check: a busy machine's Chromium that cannot capture one now and then warns, and the test
    goes on to its checks)."""
    from playwright.sync_api import Error

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    except Error as error:
        warnings.warn(f"No screenshot {name}.png: {error.message.splitlines()[0]}", stacklevel=2)
