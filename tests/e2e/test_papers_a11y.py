"""Papers in a real browser: an administrator attaches two papers to a meeting, one of them
OFFICIAL-SENSITIVE, and downloads one; a partner then signs in, sees only the OFFICIAL paper
listed and cannot open the sensitive one by its address. axe-core finds nothing on any of the
pages; each is saved as var/screenshots/papers-<name>.png."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.choices import Classification
from papers.models import Paper
from tracker.models import GovernanceBody, Meeting
from tracker.services import meeting_create

from ..conftest import People
from ..paper_files import PDF, docx_file
from .conftest import assert_accessible, screenshot


@pytest.fixture
def meeting(people: People) -> Meeting:
    body = GovernanceBody.objects.filter(deal=people.deal).order_by("position").first()
    assert body is not None
    return meeting_create(
        body=body,
        acting_user=people.admin,
        starts_at=timezone.now().replace(microsecond=0) + dt.timedelta(days=7),
        classification=Classification.OFFICIAL,
    )


@pytest.fixture(autouse=True)
def papers_in_tmp(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "papers": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "stored")},
        },
    }


def attach(page: Page, title: str, file: Path, sensitive: bool) -> None:
    page.get_by_role("link", name="Attach a paper").click()
    expect(page.locator("h1")).to_have_text("Attach a paper")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Upload a file").set_input_files(str(file))
    page.get_by_label("OFFICIAL-SENSITIVE" if sensitive else "OFFICIAL", exact=True).check()
    page.get_by_role("button", name="Attach the paper").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"“{title}” attached")


@pytest.mark.django_db(transaction=True)
def test_a_partner_cannot_open_a_sensitive_paper(
    meeting: Meeting, page: Page, open_as: Any, tmp_path: Path
) -> None:
    agenda, position = tmp_path / "Agenda.pdf", tmp_path / "Negotiating position.docx"
    agenda.write_bytes(PDF)
    position.write_bytes(docx_file())
    url = f"/meetings/{meeting.pk}/"

    open_as("admin", url)
    page.get_by_role("link", name="Attach a paper").click()
    screenshot(page, "papers-form")
    assert_accessible(page)
    # Sent with no file: the form says so, and is accessible with its errors.
    page.get_by_label("Title").fill("Agenda")
    page.get_by_role("button", name="Attach the paper").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select a file")
    assert_accessible(page)
    page.get_by_role("link", name="Cancel").click()

    attach(page, "Agenda and timings", agenda, sensitive=False)
    attach(page, "Fallback negotiating position", position, sensitive=True)
    papers = page.locator("table", has=page.locator("th", has_text="Marking"))
    expect(papers).to_contain_text("Agenda and timings")
    expect(papers).to_contain_text("Fallback negotiating position")
    expect(papers).to_contain_text("OFFICIAL-SENSITIVE")
    screenshot(page, "papers-meeting-admin")
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Agenda and timings (download Agenda.pdf)").click()
    assert download.value.suggested_filename == "Agenda.pdf"

    sensitive = Paper.objects.get(title="Fallback negotiating position")
    page.context.clear_cookies()
    open_as("partner", url)
    expect(page.locator("main")).to_contain_text("Agenda and timings")
    expect(page.locator("main")).not_to_contain_text("Fallback negotiating position")
    expect(page.get_by_role("link", name="Attach a paper")).to_have_count(0)
    screenshot(page, "papers-meeting-partner")
    assert_accessible(page)
    refused = page.request.get(f"/papers/{sensitive.pk}/download/")
    assert refused.status == 404
    assert refused.headers["content-type"].startswith("text/html")
    page.goto(f"/papers/{sensitive.pk}/download/")
    expect(page.locator("h1")).to_have_text("Page not found")


@pytest.mark.django_db(transaction=True)
def test_a_lead_attaches_a_document_to_their_proposal_and_removes_it(
    people: People, page: Page, open_as: Any, tmp_path: Path
) -> None:
    from tracker.choices import AskType
    from tracker.models import Workstream
    from tracker.services import proposal_create

    proposal = proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.lead,
        title="Bus franchising powers",
        classification=Classification.OFFICIAL_SENSITIVE,
        ask="Devolve the bus service operators grant.",
        ask_type=AskType.FUNDING,
    )
    case = tmp_path / "Business case.pdf"
    case.write_bytes(PDF)
    open_as("lead", f"/proposals/{proposal.pk}/")
    page.get_by_role("link", name="Attach a paper").click()
    # The proposal is OFFICIAL-SENSITIVE: nothing lower is offered.
    expect(page.get_by_label("OFFICIAL", exact=True)).to_have_count(0)
    page.get_by_label("Title").fill("Business case")
    page.get_by_label("Upload a file").set_input_files(str(case))
    page.get_by_role("button", name="Attach the paper").click()
    expect(page.locator("#papers ~ table")).to_contain_text("Business case")
    screenshot(page, "papers-proposal-lead")
    assert_accessible(page)

    page.get_by_role("link", name="Remove “Business case”").click()
    expect(page.locator("h1")).to_have_text("Remove “Business case”?")
    screenshot(page, "papers-remove")
    assert_accessible(page)
    page.get_by_role("button", name="Remove the paper").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("“Business case” removed")
    expect(page.locator("main")).to_contain_text("No papers attached to this proposal.")
    assert Paper.objects.get().removed_at is not None
