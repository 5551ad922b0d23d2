"""The subscription pages, the delivery log and the profile page meet WCAG 2.2 AA as axe-core
sees them in a real browser, at desktop and mobile widths, with their forms' errors showing;
and a person turns their digest off and on with the keyboard."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from briefings import services
from briefings.choices import BriefingFormat, DeliveryKind, DeliveryStatus, Scope
from briefings.models import Delivery, Subscription
from tracker.models import Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot

UK = ZoneInfo("Europe/London")
WIDTHS = [1280, 375]
PAGES = [
    ("subscriptions", "admin", "/subscriptions/", "Subscriptions"),
    ("subscription-new", "admin", "/subscriptions/new/", "Subscribe someone to the digest"),
    ("deliveries", "admin", "/subscriptions/deliveries/", "Delivery log"),
    (
        "briefing-requests",
        "admin",
        "/subscriptions/briefing-requests/",
        "Requests for a briefing session",
    ),
    ("profile-lead", "lead", "/accounts/profile/", "Your profile"),
    ("profile-partner-new", "partner", "/accounts/profile/subscriptions/new/", "Add a digest"),
]


@pytest.fixture
def subscriptions(people: People) -> list[Subscription]:
    workstreams = list(Workstream.objects.filter(deal=people.deal)[:2])
    subs = [
        services.subscription_create(deal=people.deal, acting_user=people.lead),
        services.subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            email="officer@dudley.example",
            name="Dudley officer",
            organisation="Dudley Council",
            scope=Scope.WORKSTREAMS,
            workstreams=workstreams,
        ),
    ]
    services.subscription_set_active(subscription=subs[1], acting_user=people.admin, active=False)
    services.briefing_request_create(
        subscription=subs[1],
        name="Dudley officer",
        organisation="Dudley Council",
        email="officer@dudley.example",
        topics="The skills workstream's asks.",
        format=BriefingFormat.IN_PERSON,
        preferred_dates="",
    )
    Delivery.objects.create(
        kind=DeliveryKind.DIGEST,
        key=f"digest:{subs[0].pk}:1",
        subscription=subs[0],
        email=subs[0].address,
        slot=dt.datetime(2026, 3, 30, 8, tzinfo=UK),
        status=DeliveryStatus.FAILED,
        attempts=3,
        last_error="550 5.1.1 No such mailbox",
    )
    return subs


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "persona", "url", "heading"), PAGES, ids=[p[0] for p in PAGES])
def test_the_pages_are_accessible(
    page: Page,
    open_as,
    subscriptions: list,
    name: str,
    persona: str,
    url: str,
    heading: str,
    width: int,
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_as(persona, url)
    expect(page.locator("h1")).to_have_text(heading)
    screenshot(page, f"{name}-{width}")
    assert_accessible(page)


def test_the_form_with_errors_is_accessible(page: Page, open_as, subscriptions: list) -> None:
    open_as("admin", "/subscriptions/new/")
    page.get_by_label("External email address").fill("officer@walsall.example")
    page.get_by_label("Internal: everything the subscriber's role may see").check()
    page.get_by_label("One theme").check()
    page.get_by_role("button", name="Subscribe").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "An external address receives the partner digest only"
    )
    expect(page).to_have_title("Error: Subscribe someone to the digest – Devolution deal tracker")
    assert_accessible(page)


def test_a_lead_turns_their_digest_off_and_on_from_the_keyboard(
    page: Page, open_as, subscriptions: list
) -> None:
    open_as("lead", "/accounts/profile/")
    page.get_by_role("button", name="Turn off your fortnightly on monday at 08:00 digest").press(
        "Enter"
    )
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is off")
    page.get_by_role("button", name="Turn on your fortnightly on monday at 08:00 digest").press(
        "Enter"
    )
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("is on")


@pytest.mark.parametrize("width", WIDTHS)
def test_erasing_a_subscriber_from_the_keyboard_is_accessible_throughout(
    page: Page, open_as, subscriptions: list, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    external = subscriptions[1]
    open_as("admin", "/subscriptions/")
    page.get_by_role("link", name="Erase data of Dudley officer").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Erase Dudley officer’s data?")
    expect(page.locator("main")).to_contain_text("officer@dudley.example")
    screenshot(page, f"subscription-erase-{width}")
    assert_accessible(page)

    page.get_by_role("button", name="Erase the data").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Subscriptions")
    # The delivery is the email that took their request for a briefing session to the core
    # team (the fixture's), which named them.
    expect(page.locator("main")).to_contain_text("Erased from 1 subscription and 1 delivery")
    expect(page.locator("main")).not_to_contain_text("dudley.example")
    screenshot(page, f"subscriptions-after-erasure-{width}")
    assert_accessible(page)
    assert Subscription.objects.get(pk=external.pk).erased_at is not None

    page.goto(f"/subscriptions/{external.pk}/erase/")
    expect(page.locator("main")).to_contain_text("was erased on")
    assert_accessible(page)
