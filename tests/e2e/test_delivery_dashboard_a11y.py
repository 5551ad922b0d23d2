"""The delivery dashboard, the list of provisions its numbers link to and a provision's own page
meet WCAG 2.2 AA as axe-core sees them in a real browser, as does a briefing pack with
delivery's section, at 1280 pixels wide and at 320 (the
width WCAG's reflow criterion names), where the page itself never scrolls sideways: the wide
tables scroll inside their own focusable wrappers. Each page is saved as
var/screenshots/delivery-<name>-<width>.png. The records are tests/delivery_world.py's."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from ..conftest import People
from ..delivery_world import NOW, SECRET, World, build
from .conftest import assert_accessible, screenshot

WIDTHS = [1280, 320]
PAGES = [
    ("dashboard-dsg", "dsg", "/dashboard/delivery/", r"^Delivery of the provisions$"),
    ("dashboard-partner", "partner", "/dashboard/delivery/", r"^Delivery of the provisions$"),
    ("list-stalled", "dsg", "/provisions/?state=stalled", r"^Provisions$"),
    ("list-since", "dsg", "/provisions/?since=2026-05-12T10:00", r"^Provisions$"),
    ("provision", "dsg", "provision", r"Bus franchising$"),
    ("pack", "dsg", "pack", r"^Briefing pack for the Devolution Strategy Group"),
]


@pytest.fixture
def world(people: People, time_machine: Any) -> World:
    found = build(people, time_machine)
    time_machine.move_to(NOW, tick=True)  # the live server's clock runs on from the world's
    return found


def _wider_than_the_page(page: Page, within: str = "body") -> list[str]:
    """What sticks out past the right edge of the page, of what ``within`` selects; what
    scrolls inside a table's wrapper does not count."""
    return page.evaluate(
        """(within) => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return [];
            const out = [];
            for (const el of document.querySelectorAll(within + ' *')) {
                if (el.closest('.app-table-scroll') && !el.matches('.app-table-scroll')) continue;
                const box = el.getBoundingClientRect();
                if (box.right > root.clientWidth + 0.5) {
                    out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
                        + ' ' + Math.round(box.right));
                }
            }
            if (within !== 'body') return out.slice(0, 10);
            return out.length ? out.slice(0, 10) : ['the page, by ' + root.scrollWidth];
        }""",
        within,
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "persona", "url", "heading"), PAGES, ids=[p[0] for p in PAGES])
def test_the_delivery_pages_are_accessible_and_never_scroll_sideways(
    page: Page,
    open_as: Any,
    world: World,
    name: str,
    persona: str,
    url: str,
    heading: str,
    width: int,
) -> None:
    within = "body"
    if url == "provision":
        url = f"/provisions/{world.p11.pk}/"
    elif url == "pack":  # the pack for the DSG's meeting, with delivery's section
        url = f"/meetings/{world.meeting.pk}/pack/"
        # Only delivery's section: the rest of the pack is tracker's, printed on A4.
        within = 'section[aria-labelledby="delivery"]'
    page.set_viewport_size({"width": width, "height": 900})
    open_as(persona, url)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(re.compile(heading))
    assert _wider_than_the_page(page, within) == [], f"{url} scrolls sideways at {width} pixels"
    screenshot(page, f"delivery-{name}-{width}")
    assert_accessible(page)


def test_a_number_leads_to_the_provisions_it_counts_from_the_keyboard(
    page: Page, open_as: Any, world: World
) -> None:
    open_as("dsg", "/dashboard/delivery/")
    expect(page.locator("#marking")).to_have_text(re.compile(r"OFFICIAL-SENSITIVE$"))
    region = page.get_by_role("region", name="By workstream: delivery state")
    link = region.get_by_role("link", name="1 provisions of Transport stalled")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Provisions")
    expect(page.locator("#results")).to_have_text("1 provision matches")
    expect(page.get_by_role("link", name=re.compile(SECRET))).to_be_visible()


def test_a_partner_sees_no_sensitive_provision_in_the_browser(
    page: Page, open_as: Any, world: World
) -> None:
    open_as("partner", "/dashboard/delivery/")
    expect(page.locator("#marking")).to_have_text(re.compile(r"OFFICIAL$"))
    expect(page.locator("main")).not_to_contain_text(SECRET)
