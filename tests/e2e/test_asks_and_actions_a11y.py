"""An administrator records the DSG's answer to an ask and an action at the DSG's meeting, in a
real browser, then opens the meeting's briefing pack and finds both, on the page and in the PDF
the server makes of it; the action log and the
page that closes an action are walked too. axe-core finds nothing on any of the pages; each is
saved as var/screenshots/asks-actions-<name>.png.

"Now" is Wednesday 20 May 2026, an hour after the DSG's meeting started; Transport's lead asked
the DSG something in this period's update.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from tracker import services
from tracker.choices import BodyKind, Direction, Rag
from tracker.models import GovernanceBody, Meeting, StatusUpdate, Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
ASK = "Agree to take the bus franchising ask to the High Level Negotiating Team."
ANSWER = "Agreed: the Core Team takes it to the next bilateral."
ACTION = "Draft the franchising letter to the Department for Transport."


@pytest.fixture
def meeting(people: People, status_updates: list[StatusUpdate], time_machine: Any) -> Meeting:
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    # The browser pages' shared updates are dated from the wall clock: this story needs the
    # reporting as of its own "now".
    StatusUpdate.objects.all().delete()
    time_machine.move_to(NOW, tick=False)
    services.status_update_submit(
        workstream=transport,
        acting_user=people.lead,
        rag=Rag.RED,
        direction=Direction.WORSENING,
        summary="The franchising timetable is at risk.",
        asks_of_dsg=ASK,
    )
    dsg = GovernanceBody.objects.get(deal=people.deal, kind=BodyKind.STRATEGY_GROUP)
    made = services.meeting_create(
        body=dsg, acting_user=people.admin, starts_at=NOW - dt.timedelta(hours=1)
    )
    time_machine.move_to(NOW, tick=True)  # the live server's clock runs on from here
    return made


@pytest.mark.django_db(transaction=True)
def test_an_administrator_records_an_answer_and_an_action_and_the_pack_shows_both(
    meeting: Meeting, page: Page, open_as: Any, people: People
) -> None:
    open_as("admin", f"/meetings/{meeting.pk}/")
    asks = page.locator("main")
    expect(asks).to_contain_text(ASK)
    expect(asks).to_contain_text("Not answered yet.")
    screenshot(page, "asks-actions-meeting-before")
    assert_accessible(page)

    page.get_by_role("link", name="Record the DSG's answer to Transport").click()
    expect(page.locator("h1")).to_have_text("Record the DSG's answer to Transport")
    page.get_by_role("button", name="Record the answer").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select agreed, declined or noted")
    screenshot(page, "asks-actions-answer-errors")
    assert_accessible(page)
    page.get_by_label("Agreed").check()
    page.get_by_label("The DSG's answer").fill(ANSWER)
    page.get_by_role("button", name="Record the answer").click()
    expect(page.locator("main")).to_contain_text(ANSWER)

    page.get_by_role("link", name="Record an action", exact=True).click()
    expect(page.locator("h1")).to_have_text("Record an action")
    screenshot(page, "asks-actions-action-form")
    assert_accessible(page)
    page.get_by_label("Action", exact=True).fill(ACTION)
    page.get_by_label("Owner").select_option(label=people.lead.full_name)
    page.get_by_label("Day").fill("3")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill("2026")
    page.get_by_label("From the agenda item (optional)").select_option(index=1)
    page.get_by_label("OFFICIAL", exact=True).check()
    page.get_by_role("button", name="Record the action").click()
    actions = page.locator("table", has_text="Actions agreed at this meeting")
    expect(actions).to_contain_text(ACTION)
    expect(actions).to_contain_text(people.lead.full_name)
    screenshot(page, "asks-actions-meeting-after")
    assert_accessible(page)

    page.get_by_role("link", name="Briefing pack for this meeting").click()
    answers = page.locator("section", has_text="Asks of the DSG and their answers")
    expect(answers).to_contain_text(ASK)
    expect(answers).to_contain_text(ANSWER)
    expect(page.locator("section[aria-labelledby='open-actions']")).to_contain_text(ACTION)
    screenshot(page, "asks-actions-pack")
    assert_accessible(page)

    # The same pack as the PDF the server makes, which a member takes to the meeting.
    with page.expect_download(timeout=60_000) as download:  # laid out on a busy server
        page.get_by_role("link", name="Download this pack as a PDF").click()
    reader = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    for words in (ASK, ANSWER, ACTION):
        assert words in text, words

    page.goto("/actions/")
    expect(page.locator("table")).to_contain_text(ACTION)
    screenshot(page, "asks-actions-log")
    assert_accessible(page)
    page.get_by_role("link", name="Close the action: Draft the franchising letter").click()
    expect(page.locator("h1")).to_have_text("Close an action")
    screenshot(page, "asks-actions-close")
    assert_accessible(page)
    page.get_by_label("Done").check()
    page.get_by_role("button", name="Close the action").click()
    expect(page.locator("table", has_text="Actions agreed at this meeting")).to_contain_text("Done")
