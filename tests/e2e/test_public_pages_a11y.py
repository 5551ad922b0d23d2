"""The accessibility statement and the privacy notice meet WCAG 2.2 AA as axe-core sees them,
signed in or not, at desktop and mobile widths; every page's footer links to both; and the
browser harness itself notices a page that breaks the Content Security Policy."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from .conftest import assert_accessible, screenshot, watch_csp

WIDTHS = [1280, 375]
PAGES = [
    ("accessibility", "/accessibility/", "Accessibility statement for the Devolution deal tracker"),
    ("privacy", "/privacy/", "Privacy notice"),
]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("persona", [None, "partner"])
@pytest.mark.parametrize(("name", "url", "heading"), PAGES, ids=[p[0] for p in PAGES])
def test_the_public_pages_are_accessible(
    page: Page, open_as, persona: str | None, width: int, name: str, url: str, heading: str
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_as(persona, url)
    assert page.url.endswith(url)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    screenshot(page, f"public-{name}-{persona or 'signed-out'}-{width}")
    assert_accessible(page)


@pytest.mark.parametrize("url", ["/accounts/login/", "/"])
def test_the_footer_leads_to_both_pages_from_the_keyboard(page: Page, open_as, url: str) -> None:
    open_as("lead" if url == "/" else None, url)
    footer = page.get_by_role("contentinfo")
    footer.get_by_role("link", name="Accessibility statement").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accessibility statement")
    page.get_by_role("contentinfo").get_by_role("link", name="Privacy notice").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy notice")


def test_the_harness_notices_a_content_security_policy_refusal(
    browser: Browser, live_server, people
) -> None:
    """An inline style slipped into a page is refused by the browser, and the harness that
    fails every browser test on a refusal sees it (a check of the check)."""
    context = browser.new_context(base_url=live_server.url)
    try:
        page = context.new_page()
        refusals = watch_csp(page)
        page.goto("/accessibility/")
        assert refusals == []
        page.evaluate(
            "document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')"
        )
        page.wait_for_timeout(200)
        assert any("inline style" in r for r in refusals), refusals
        # The page's policy is enforced, not only reported.
        colour = page.locator("body > p").last.evaluate("p => getComputedStyle(p).color")
        assert colour != "rgb(255, 0, 0)"
    finally:
        context.close()


def test_the_api_documentation_runs_under_the_policy(page: Page, open_as) -> None:
    """Swagger UI's start-up script and page styles are files of their own, so the page works
    with no refusal (the page fixture fails the test on any)."""
    open_as("admin", "/api/v1/docs/")
    expect(page.get_by_role("heading", name="Devolution deal tracker API")).to_be_visible()
