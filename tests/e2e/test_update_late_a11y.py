"""A lead reports a missed period, starting from the last update, in a real browser: the
workstream page lists the period with a link to report it, the form starts from the update
before it, a check page shows what the lead changed and confirms the rest in one step, and the
update lands in the RAG history marked late. axe-core finds nothing on any of the pages; each is
saved as var/screenshots/update-late-<name>.png.

"Now" is Wednesday 25 November 2026: the period 9 to 22 November, due on 20 November, was
missed; the last update is for 26 October to 8 November.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tracker.choices import Direction, Rag
from tracker.models import StatusUpdate, Workstream
from tracker.services import status_update_submit

from ..conftest import People
from .conftest import assert_accessible, screenshot

NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
LAST_UPDATE = "The bus franchising consultation has slipped by a week."


@pytest.fixture
def last_update(
    people: People, status_updates: list[StatusUpdate], time_machine: Any
) -> StatusUpdate:
    transport = Workstream.objects.select_related("deal").get(deal=people.deal, slug="transport")
    # The browser pages' shared updates are dated from the wall clock: this story needs
    # Transport's reporting as of its own "now".
    StatusUpdate.objects.filter(workstream=transport).delete()
    time_machine.move_to(dt.datetime(2026, 11, 5, 9, 0, tzinfo=dt.UTC), tick=False)
    update = status_update_submit(
        workstream=transport,
        acting_user=people.lead,
        rag=Rag.AMBER,
        direction=Direction.WORSENING,
        summary=LAST_UPDATE,
        next_steps="Analyse the consultation responses.",
        risks_and_issues="An operator may challenge the scheme.",
    )
    time_machine.move_to(NOW, tick=True)  # the live server's clock runs on from here
    return update


@pytest.mark.django_db(transaction=True)
def test_a_lead_reports_a_missed_period_starting_from_the_last_update(
    last_update: StatusUpdate, page: Page, open_as: Any
) -> None:
    open_as("lead", "/workstreams/transport/")
    missed = page.locator(".govuk-summary-list__row", has_text="Missed periods")
    expect(missed).to_contain_text("9 November to 22 November 2026")
    screenshot(page, "update-late-workstream-missed")
    assert_accessible(page)

    missed.get_by_role("link", name="Report it (the period 9 November to 22 November 2026)").click()
    expect(page.locator("h1")).to_have_text("Report the period 9 November to 22 November 2026")
    expect(page.locator("main")).to_contain_text("this update is marked late")
    expect(page.get_by_label("Summary")).to_have_value(LAST_UPDATE)
    expect(page.get_by_label("Next steps")).to_have_value("Analyse the consultation responses.")
    expect(page.get_by_label("Amber")).to_be_checked()
    screenshot(page, "update-late-form")
    assert_accessible(page)

    page.get_by_label("Summary").fill("The bus franchising consultation closed a week late.")
    page.get_by_label("Stable").check()
    page.get_by_label("Progress since last period").fill("Responses from three operators.")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("h1")).to_have_text("Check your update for 9 November to 22 November 2026")
    changed = page.locator(".govuk-summary-list").first
    expect(changed).to_contain_text("Summary")
    expect(changed.locator("del").first).to_contain_text("has slipped by")
    expect(changed.locator("ins").first).to_contain_text("closed")
    expect(page.locator("main")).to_contain_text(
        "Posting confirms that the 5 answers you left unchanged are still right"
    )
    screenshot(page, "update-late-check")
    assert_accessible(page)

    page.get_by_role("button", name="Confirm and post update").click()
    page.wait_for_url(re.compile(r"/workstreams/transport/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Late update posted for the period 9 November to 22 November 2026"
    )
    latest = page.locator(".app-timeline__item").first
    expect(latest).to_contain_text("9 Nov to 22 Nov 2026")
    expect(latest.locator(".govuk-tag--orange")).to_have_text("Late")
    expect(page.locator("main")).not_to_contain_text("Missed periods")
    screenshot(page, "update-late-workstream-reported")
    assert_accessible(page)

    update = StatusUpdate.objects.get(period_start=dt.date(2026, 11, 9))
    assert update.late
    assert update.next_steps == "Analyse the consultation responses."
    assert update.direction == Direction.STABLE
