"""The digest's pages meet WCAG 2.2 AA as axe-core sees them in a real browser: the digest read
through its link, the unsubscribe confirmation and its result, the expired-link page and the
administrators' preview; and the email's own HTML, opened as a mail client would show it. Each
page is saved as var/screenshots/<name>.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from briefings import links
from briefings.choices import Audience, Frequency
from briefings.digest import compose
from briefings.models import Subscription
from core.choices import Classification
from tracker import services
from tracker.choices import AskType
from tracker.models import Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot

WIDTHS = [1280, 375]


def _subscription(people: People, audience: str, **fields) -> Subscription:
    return Subscription.objects.create(
        deal=people.deal,
        audience=audience,
        frequency=Frequency.WEEKLY,
        day=0,
        send_at=dt.time(8, 0),
        next_due_at=timezone.now() + dt.timedelta(days=7),
        covered_until=timezone.now() - dt.timedelta(hours=1),
        **fields,
    )


@pytest.fixture
def subscriptions(people: People) -> dict[str, Subscription]:
    """A partner's and a DSG member's subscriptions, with a proposal and an escalated risk of
    each marking beside the conftest's status updates."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    for title, marking in [
        ("Bus franchising settlement", Classification.OFFICIAL_SENSITIVE),
        ("Rail devolution", Classification.OFFICIAL),
    ]:
        proposal = services.proposal_create(
            workstream=transport,
            acting_user=people.admin,
            title=title,
            classification=marking,
            ask="A ten-year settlement.",
            ask_type=AskType.FUNDING,
        )
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
        services.risk_create(
            workstream=transport,
            acting_user=people.admin,
            title=f"{title} slips",
            likelihood=4,
            impact=4,
            escalated_to_dsg=True,
            classification=marking,
        )
    return {
        "partner": _subscription(people, Audience.PARTNER, email="partner@example.com"),
        "dsg": _subscription(people, Audience.INTERNAL, user=people.dsg),
    }


def _period() -> tuple[dt.datetime, dt.datetime]:
    now = timezone.now()
    return now - dt.timedelta(hours=1), now + dt.timedelta(minutes=5)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("audience", ["partner", "dsg"])
def test_the_digest_read_in_the_browser_is_accessible(
    page: Page, open_as, subscriptions: dict[str, Subscription], audience: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    start, end = _period()
    # A partner digest opens without signing in; an internal one for its subscriber only.
    reader = None if audience == "partner" else "dsg"
    open_as(reader, f"/briefings/view/{links.view_token(subscriptions[audience], start, end)}/")
    expect(page.locator("h1")).to_have_text(re.compile(r"^OFFICIAL(-SENSITIVE)?: WM TDD briefing"))
    marking = "OFFICIAL" if audience == "partner" else "OFFICIAL-SENSITIVE"
    expect(page.locator("#marking")).to_have_text(re.compile(rf"{marking}$"))
    frame = page.frame_locator("iframe[title='The briefing email']")
    expect(frame.get_by_role("heading", name="What changed")).to_be_visible()
    expect(frame.get_by_text("Rail devolution").first).to_be_visible()
    if audience == "partner":
        expect(frame.get_by_text("Bus franchising settlement")).to_have_count(0)
    screenshot(page, f"digest-view-{audience}-{width}")
    assert_accessible(page)


@pytest.mark.parametrize("audience", ["partner", "dsg"])
def test_the_email_itself_is_accessible(
    page: Page, subscriptions: dict[str, Subscription], audience: str
) -> None:
    start, end = _period()
    email = compose(subscriptions[audience], period_start=start, period_end=end)
    assert email is not None
    page.set_content(str(email.message.alternatives[0][0]))
    expect(page.locator("h1")).to_contain_text("briefing")
    screenshot(page, f"digest-email-{audience}")
    assert_accessible(page)


def test_unsubscribing_from_the_link_asks_first_and_is_accessible(
    page: Page, open_as, subscriptions: dict[str, Subscription]
) -> None:
    subscription = subscriptions["partner"]
    open_as(None, f"/briefings/unsubscribe/{links.unsubscribe_token(subscription)}/")
    expect(page.locator("h1")).to_have_text("Unsubscribe from this briefing")
    assert_accessible(page)
    subscription.refresh_from_db()
    assert subscription.is_active
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("h1")).to_have_text("You are unsubscribed")
    screenshot(page, "digest-unsubscribed")
    assert_accessible(page)
    subscription.refresh_from_db()
    assert not subscription.is_active


def test_an_expired_link_says_so_accessibly(page: Page, open_as, people: People) -> None:
    open_as(None, "/briefings/view/not-a-real-token/")
    expect(page.locator("h1")).to_have_text("This link has expired")
    assert_accessible(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_preview_is_accessible(
    page: Page, open_as, subscriptions: dict[str, Subscription], width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_as("admin", f"/subscriptions/{subscriptions['dsg'].pk}/preview/")
    expect(page.locator("h1")).to_have_text("Preview of the briefing for Dan DSG")
    expect(page.locator("#subject")).to_have_text(re.compile(r"^OFFICIAL-SENSITIVE: "))
    expect(page.locator("#plain-text")).to_contain_text("WHAT CHANGED")
    screenshot(page, f"digest-preview-{width}")
    assert_accessible(page)
