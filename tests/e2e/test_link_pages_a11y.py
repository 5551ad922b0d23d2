"""The page where a workstream's lead says what it moves meets WCAG 2.2 AA as axe-core sees it
in a real browser: with its folded choices open, after a save, with an error, and for a
workstream that has ceased. Each page is saved as var/screenshots/<name>.png."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from core.models import Deal
from missions.models import Indicator, IndicatorFramework, Mission
from tracker import services
from tracker.models import Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot

URL = "/workstreams/transport/links/"


def test_the_links_page_with_its_choices_open_is_accessible(page: Page, open_as) -> None:
    open_as("lead", URL)
    expect(page.locator("h1")).to_have_text("What this workstream moves")
    page.get_by_text("The missions' metrics and the outcome indicators it moves").click()
    expect(page.get_by_label("Mission 1: GVA per hour", exact=True)).to_be_visible()
    screenshot(page, "workstream-links")
    assert_accessible(page)


def test_saving_what_it_moves_shows_it_on_the_workstream_page(page: Page, open_as) -> None:
    open_as("lead", URL)
    page.get_by_label("Mission 3: Transport").check()
    page.get_by_text("The missions' metrics and the outcome indicators it moves").click()
    page.get_by_label("Mission 3: public transport connectivity", exact=True).check()
    page.get_by_role("button", name="Save what it moves").click()
    page.wait_for_url(re.compile(r"/workstreams/transport/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Saved what Transport moves")
    expect(page.locator("main")).to_contain_text("Mission 3: Transport")
    screenshot(page, "workstream-links-saved")
    assert_accessible(page)
    transport = Workstream.objects.get(slug="transport")
    assert list(transport.missions.values_list("number", flat=True)) == [3]
    assert list(transport.metrics.values_list("name", flat=True)) == [
        "public transport connectivity"
    ]


def test_an_indicator_of_another_deal_is_refused_with_an_accessible_error(
    page: Page, open_as
) -> None:
    other = Deal.objects.create(name="Greater Manchester", short_name="GM", slug="gm")
    framework = IndicatorFramework.objects.create(deal=other, name="GM outcomes", slug="gm-out")
    foreign = Indicator.objects.create(
        framework=framework, code="gm_jobs", name="GM jobs", unit="count", direction="higher"
    )
    open_as("admin", URL)
    # A box the page never offers, as a stale or forged form would send it.
    page.locator("main form").evaluate(
        """(form, pk) => {
            const box = document.createElement('input');
            box.type = 'hidden'; box.name = 'indicators'; box.value = pk;
            form.appendChild(box);
        }""",
        str(foreign.pk),
    )
    page.get_by_role("button", name="Save what it moves").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Choose indicators of this deal's frameworks or national ones")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("details.govuk-details")).to_have_attribute("open", "")
    screenshot(page, "workstream-links-error")
    assert_accessible(page)
    assert not Workstream.objects.get(slug="transport").indicators.exists()


def test_a_ceased_workstream_shows_what_it_moved(page: Page, open_as, people: People) -> None:
    transport = Workstream.objects.get(slug="transport")
    transport.missions.set([Mission.objects.get(number=3)])
    services.workstream_cease(workstream=transport, acting_user=people.admin, reason="Done")
    open_as("admin", URL)
    expect(page.locator(".govuk-inset-text")).to_contain_text("what it moves stays as it was")
    expect(page.locator("main form")).to_have_count(0)
    screenshot(page, "workstream-links-ceased")
    assert_accessible(page)
