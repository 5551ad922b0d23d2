"""A partner with no account, as they would: they open their digest "in the browser", follow
every link in it and reach a page each time (each accessible as axe-core sees it), then ask for
a briefing session. Each kind of page is saved as var/screenshots/partner-*.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from briefings import links
from briefings.choices import Audience, Frequency
from briefings.models import BriefingRequest, Subscription
from core.choices import Classification
from tracker import services
from tracker.choices import AskType
from tracker.models import Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot


@pytest.fixture
def subscription(people: People, settings, live_server) -> Subscription:
    """A partner's address, with an OFFICIAL and a sensitive proposal and risk in Transport
    beside the conftest's status updates; the digest's links point at the live server."""
    settings.SITE_URL = live_server.url
    people.deal.contact_email = "core-team@example.org"
    people.deal.save(update_fields=["contact_email"])
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
    return Subscription.objects.create(
        deal=people.deal,
        audience=Audience.PARTNER,
        email="priya@coventry.example",
        name="Priya Partner",
        organisation="Coventry City Council",
        frequency=Frequency.WEEKLY,
        day=0,
        send_at=dt.time(8, 0),
        next_due_at=timezone.now() + dt.timedelta(days=7),
    )


def _digest_links(page: Page, subscription: Subscription) -> list[str]:
    now = timezone.now()
    token = links.view_token(
        subscription, now - dt.timedelta(hours=1), now + dt.timedelta(minutes=5)
    )
    page.goto(f"/briefings/view/{token}/")
    frame = page.frame_locator("iframe[title='The briefing email']")
    expect(frame.get_by_role("heading", name="Whom to contact")).to_be_visible()
    hrefs: list[str] = frame.locator("a[href]").evaluate_all("(as) => as.map(a => a.href)")
    return list(dict.fromkeys(h for h in hrefs if not h.startswith("mailto:")))


def test_a_partner_follows_every_link_in_their_digest_and_asks_for_a_briefing(
    page: Page, subscription: Subscription
) -> None:
    hrefs = _digest_links(page, subscription)
    assert any("/briefings/partner/" in h for h in hrefs)
    assert any(h.endswith("/briefing-session/") for h in hrefs)
    seen: set[str] = set()
    for href in hrefs:
        response = page.goto(href)
        assert response is not None and response.status == 200, href
        assert "/accounts/login/" not in page.url, href
        expect(page.locator("h1")).to_be_visible()
        assert "Bus franchising settlement" not in page.content()
        kind = page.locator("h1").inner_text()
        if kind not in seen:
            seen.add(kind)
            screenshot(page, f"partner-{re.sub(r'[^a-z0-9]+', '-', kind.lower())[:40]}")
        assert_accessible(page)
    assert "Transport" in seen and "Rail devolution" in seen

    session = next(h for h in hrefs if h.endswith("/briefing-session/"))
    page.goto(session)
    expect(page.get_by_label("Your name")).to_have_value("Priya Partner")
    expect(page.get_by_label("Your email address")).to_have_value("priya@coventry.example")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="There is a problem")).to_be_visible()
    screenshot(page, "partner-briefing-session-errors")
    assert_accessible(page)
    page.get_by_label("What would you like to be briefed on?").fill(
        "Rail devolution, and how Coventry's stations fit in."
    )
    page.get_by_label("Online").check()
    page.get_by_label("Preferred dates (optional)").fill("Any Tuesday morning in March")
    page.get_by_role("button", name="Send request").click()
    expect(page.get_by_role("heading", name="Request sent")).to_be_visible()
    screenshot(page, "partner-briefing-requested")
    assert_accessible(page)
    made = BriefingRequest.objects.get()
    assert made.format == "online" and made.email == "priya@coventry.example"


def test_an_expired_link_says_so_in_the_browser(
    page: Page, subscription: Subscription, settings
) -> None:
    import time_machine

    transport = Workstream.objects.get(deal=subscription.deal, slug="transport")
    with time_machine.travel(timezone.now() - dt.timedelta(days=60), tick=False):
        old = links.partner_url(subscription, links.PartnerPage.WORKSTREAM, transport.pk)
    response = page.goto(old)
    assert response is not None and response.status == 410
    expect(page.locator("h1")).to_have_text("This link has expired")
    expect(page.get_by_role("link", name="core-team@example.org")).to_be_visible()
    screenshot(page, "partner-link-expired")
    assert_accessible(page)
