"""The exports page and a meeting's briefing pack meet WCAG 2.2 AA as axe-core sees them in a
real browser, and the pack prints: as print media it loses the site's header, navigation and
footer, and Chromium makes an A4 PDF of it. Pictures are saved in var/screenshots/ (the pack on
screen, as printed, and pack.pdf)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.choices import Classification
from tracker import services
from tracker.choices import AskType, PrincipleAnswer
from tracker.models import Meeting, Principle, Workstream
from tracker.selectors.governance import chain_of

from ..conftest import People
from .conftest import SCREENSHOTS, assert_accessible, screenshot

A4_POINTS = (595.28, 841.89)  # 210 mm x 297 mm


@pytest.fixture
def meeting(people: People) -> Meeting:
    """The first body's next meeting, with an OFFICIAL and an OFFICIAL-SENSITIVE proposal
    awaiting it, one with some principles answered."""
    body = chain_of(people.deal)[0]
    meeting = services.meeting_create(
        body=body,
        acting_user=people.admin,
        starts_at=timezone.now() + dt.timedelta(days=5),
        location="https://meet.example.org/dsg",
    )
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    principles = list(Principle.objects.filter(deal=people.deal).order_by("position"))
    for title, classification in (
        ("Bus franchising settlement", Classification.OFFICIAL),
        ("Rail fares negotiating position", Classification.OFFICIAL_SENSITIVE),
    ):
        proposal = services.proposal_create(
            workstream=transport,
            acting_user=people.lead,
            title=title,
            classification=classification,
            ask="A ten-year funding settlement for franchised buses.",
            ask_type=AskType.FUNDING,
        )
        services.principles_answer(
            proposal=proposal,
            acting_user=people.lead,
            answers={
                principles[0]: (PrincipleAnswer.YES, ""),
                principles[1]: (PrincipleAnswer.NO, "Needs a local authority view."),
            },
        )
        services.proposal_submit(proposal=proposal, acting_user=people.lead)
    return meeting


Url = Callable[[Meeting], str]
PAGES: list[tuple[str, str, Url]] = [
    ("exports", "dsg", lambda m: "/exports/"),
    ("exports-partner", "partner", lambda m: "/exports/"),
    ("pack", "dsg", lambda m: f"/meetings/{m.pk}/pack/"),
    ("pack-partner", "partner", lambda m: f"/meetings/{m.pk}/pack/"),
]


@pytest.mark.parametrize(("name", "persona", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_the_page_has_no_accessibility_violations(
    page: Page, open_as, meeting: Meeting, name: str, persona: str, url: Url
) -> None:
    open_as(persona, url(meeting))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).not_to_have_text(re.compile("do not have access|not found", re.I))
    screenshot(page, name)
    assert_accessible(page)


def test_the_pack_prints_without_the_site_around_it_on_a4(
    page: Page, open_as, meeting: Meeting
) -> None:
    open_as("dsg", f"/meetings/{meeting.pk}/pack/")
    expect(page.locator("#marking")).to_have_text("OFFICIAL-SENSITIVE")
    page.emulate_media(media="print")
    for furniture in (
        ".govuk-template__header",
        ".govuk-service-navigation",
        ".govuk-footer",
        ".govuk-breadcrumbs",
        ".govuk-phase-banner",
        "main .govuk-button",
    ):
        expect(page.locator(furniture).first).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.locator("#agenda")).to_be_visible()
    # Links to the tracker's own pages print as words, without their addresses after them.
    after = "a => getComputedStyle(a, '::after').content"
    assert page.locator("#overview ~ table a").first.evaluate(after) == "none"
    assert page.locator("main h1 ~ dl a").first.evaluate(after) == "none"  # text is the address
    screenshot(page, "pack-print")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    pdf = page.pdf(path=str(SCREENSHOTS / "pack.pdf"), format="A4", print_background=True)
    assert pdf.startswith(b"%PDF-")
    pages = re.findall(rb"/Type\s*/Page(?!s)", pdf)
    # A page for the title and overview, then one for each further section at least.
    assert len(pages) >= 3
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) == len(pages)
    for width, height in boxes:  # Chromium rounds the page up to whole points
        assert abs(float(width) - A4_POINTS[0]) < 1 and abs(float(height) - A4_POINTS[1]) < 1
