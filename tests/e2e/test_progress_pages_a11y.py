"""The public progress page and a provision's page meet WCAG 2.2 AA as axe-core sees them in a
real browser, signed out (as the public reads them) and signed in, at desktop (1280 pixels)
and the narrowest mobile (320 pixels) widths, never scrolling sideways (their tables scroll
inside their own focusable wrappers). Searching works from the keyboard with JavaScript off.
Each page is saved as var/screenshots/progress-<name>-<width>.png."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from ..conftest import People
from ..public_progress import World, world
from .conftest import assert_accessible, assert_no_csp_refusals, screenshot, watch_csp
from .test_dashboard_overview_a11y import _wider_than_the_page

WIDTHS = [1280, 320]
PAGES = [
    ("list", "/progress/", "Progress on the West Midlands Trailblazer Devolution Deal"),
    ("filtered", "/progress/?q=nothing+matches+this", "Progress on the West Midlands"),
    ("error", "/progress/?state=finished", "Progress on the West Midlands"),
    ("provision", "{bus}", "Bus franchising powers"),
    ("not-reported", "{skills}", "Adult skills funding devolved"),
]


@pytest.fixture
def w(people: People) -> World:
    return world(people)


def _url(template: str, w: World) -> str:
    pages = {
        "bus": f"/progress/wmca-tdd/provisions/{w.bus.pk}/",
        "skills": f"/progress/wmca-tdd/provisions/{w.skills.pk}/",
    }
    return template.format(**pages)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "url", "heading"), PAGES, ids=[p[0] for p in PAGES])
def test_the_progress_pages_are_accessible_and_never_scroll_sideways(
    page: Page, open_as: Any, w: World, name: str, url: str, heading: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_as(None, _url(url, w))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_contain_text(heading)
    assert _wider_than_the_page(page) == [], f"{url} scrolls sideways at {width} pixels"
    screenshot(page, f"progress-{name}-{width}")
    assert_accessible(page)


def test_a_signed_in_person_reads_the_same_accessible_page(
    page: Page, open_as: Any, w: World
) -> None:
    open_as("partner", "/progress/")
    expect(page.locator("h1")).to_contain_text("Progress on the")
    expect(page.get_by_text("Signed in as")).to_have_count(0)
    assert_accessible(page)


def test_a_visitor_searches_and_opens_a_provision_from_the_keyboard_without_javascript(
    browser: Browser, live_server: Any, w: World
) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        refusals = watch_csp(page)
        page.goto("/progress/")
        page.get_by_label("Search").fill("franchising")
        page.get_by_label("Search").press("Enter")
        expect(page.locator("#results")).to_have_text("1 of 2 provisions match")
        page.get_by_label("Delivery state").select_option("none")
        page.get_by_role("button", name="Search").press("Enter")
        expect(page.locator("#results")).to_have_text("0 of 2 provisions match")
        page.get_by_role("link", name="Clear search and filters").click()
        expect(page.locator("#results")).to_have_text("2 provisions by theme")
        page.get_by_role("link", name=re.compile(r"^4\.12 Bus franchising powers")).click()
        expect(page.locator("h1")).to_have_text("Bus franchising powers")
        expect(page.get_by_role("table")).to_contain_text("1 May 2026 to 31 May 2026")
        page.get_by_role("link", name="Progress on the WM TDD").click()
        expect(page.locator("h1")).to_contain_text("Progress on the")
        assert_no_csp_refusals(refusals)
    finally:
        context.close()
