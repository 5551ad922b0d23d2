"""The portfolio overview and its partner-safe version meet WCAG 2.2 AA as axe-core sees them in
a real browser, at desktop (1280 pixels) and mobile (375 pixels) widths, and the page never
scrolls sideways (its tables scroll inside their own focusable wrappers). Each page is saved as
var/screenshots/<name>-<width>.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from core.choices import Classification
from tracker import services
from tracker.choices import AskType
from tracker.models import Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot

WIDTHS = [1280, 375]
PAGES = [
    ("dashboard-dsg", "dsg", "/dashboard/"),
    ("dashboard-shared", "dsg", "/dashboard/shared/"),
    ("dashboard-partner", "partner", "/dashboard/"),
    ("dashboard-filtered", "dsg", "/dashboard/?rag=none&overdue=yes"),
]


@pytest.fixture
def records(people: People) -> None:
    """Risks and proposals of both markings beside the conftest's status updates."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    for ws, title, likelihood, impact, marking in [
        (transport, "HM Treasury sign-off slips", 4, 4, Classification.OFFICIAL_SENSITIVE),
        (transport, "Operators' data late", 2, 3, Classification.OFFICIAL),
        (skills, "Funding formula not agreed", 5, 4, Classification.OFFICIAL),
    ]:
        services.risk_create(
            workstream=ws,
            acting_user=people.admin,
            title=title,
            likelihood=likelihood,
            impact=impact,
            classification=marking,
        )
    for ws, title, marking, submit in [
        (transport, "Bus franchising settlement", Classification.OFFICIAL_SENSITIVE, True),
        (transport, "Rail devolution", Classification.OFFICIAL, False),
        (skills, "Adult skills budget", Classification.OFFICIAL, True),
    ]:
        proposal = services.proposal_create(
            workstream=ws,
            acting_user=people.admin,
            title=title,
            classification=marking,
            ask="A ten-year settlement.",
            ask_type=AskType.FUNDING,
        )
        if submit:
            services.proposal_submit(proposal=proposal, acting_user=people.admin)


def _wider_than_the_page(page: Page) -> list[str]:
    """What sticks out past the right edge of the page (nothing, when the page does not scroll
    sideways); what scrolls inside a table's wrapper does not count."""
    return page.evaluate(
        """() => {
            const root = document.documentElement;
            if (root.scrollWidth <= root.clientWidth) return [];
            const out = [];
            for (const el of document.body.querySelectorAll('*')) {
                if (el.closest('.app-table-scroll') && !el.matches('.app-table-scroll')) continue;
                const box = el.getBoundingClientRect();
                if (box.right > root.clientWidth + 0.5) {
                    out.push(el.tagName.toLowerCase() + '.' + [...el.classList].join('.')
                        + ' ' + Math.round(box.right));
                }
            }
            return out.length ? out.slice(0, 10) : ['the page, by ' + root.scrollWidth];
        }"""
    )


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("name", "persona", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_the_overview_is_accessible_and_never_scrolls_sideways(
    page: Page, open_as, records: None, name: str, persona: str, url: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_as(persona, url)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).to_have_text(re.compile(r"^Portfolio overview"))
    assert _wider_than_the_page(page) == [], f"{url} scrolls sideways at {width} pixels"
    screenshot(page, f"{name}-{width}")
    assert_accessible(page)


def test_the_full_overview_is_marked_sensitive_and_the_shared_one_official(
    page: Page, open_as, records: None
) -> None:
    open_as("dsg", "/dashboard/")
    expect(page.locator("#marking")).to_have_text(re.compile(r"OFFICIAL-SENSITIVE$"))
    page.get_by_role("link", name="Partner-safe version, with OFFICIAL material only").click()
    expect(page.locator("h1")).to_have_text("Portfolio overview: partner-safe version")
    expect(page.locator("#marking")).to_have_text(re.compile(r"OFFICIAL$"))
    expect(page.locator("#marking")).not_to_contain_text("SENSITIVE")


def test_the_trend_reads_as_words_and_the_filters_work_from_the_keyboard(
    page: Page, open_as, records: None
) -> None:
    open_as("dsg", "/dashboard/")
    trend = page.get_by_role("list", name=re.compile(r"^RAG of Transport over the last"))
    expect(trend.get_by_role("listitem")).to_have_count(6)
    expect(trend).to_contain_text(re.compile(r"Period starting \d+ \w+ \d{4}: Amber"))
    page.get_by_label("Current RAG").select_option("red")
    page.get_by_role("button", name="Apply filters").press("Enter")
    expect(page.locator("#results")).to_have_text("1 workstream matches")
    expect(page.get_by_role("link", name="Skills", exact=True)).to_be_visible()
    page.get_by_role("link", name="Clear filters").click()
    expect(page.locator("#results")).to_have_text("Workstreams by theme")
