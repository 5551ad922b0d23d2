"""The exports page and a meeting's briefing pack meet WCAG 2.2 AA as axe-core sees them in a
real browser, the pack reflows to a 320 pixel wide screen without scrolling sideways, and it
prints: as print media it loses the site's header, navigation and footer, and Chromium makes
an A4 PDF of it; its own PDF, made on the server, downloads from its link. Pictures are saved
in var/screenshots/ (the pack on screen at 1280 and 320 pixels, as printed, pack.pdf from
Chromium and pack-server.pdf from the server)."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect
from pypdf import PdfReader

from core.choices import Classification
from tracker import services
from tracker.choices import AskType, DecisionOutcome, MeetingStatus, PrincipleAnswer
from tracker.models import Meeting, Principle, Proposal, Workstream
from tracker.selectors.governance import chain_of

from ..conftest import People
from .conftest import SCREENSHOTS, assert_accessible, screenshot

A4_POINTS = (595.28, 841.89)  # 210 mm x 297 mm


MINUTES = "The group agreed to press the Department for Transport on bus franchising."


@pytest.fixture
def meeting(people: People) -> Meeting:
    """The first body's next meeting, with an OFFICIAL and an OFFICIAL-SENSITIVE proposal
    awaiting it, one with some principles answered; the body's meeting before it held, with
    minutes and a decision on each; and a risk of each marking escalated to the DSG."""
    body = chain_of(people.deal)[0]
    held = services.meeting_create(
        body=body,
        acting_user=people.admin,
        starts_at=timezone.now() - dt.timedelta(days=14),
        minutes=MINUTES,
    )
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
        _refer_back_at(held, proposal, people)
    services.meeting_advance(meeting=held, acting_user=people.admin, status=MeetingStatus.HELD)
    for title, classification, score in (
        ("Bus operators leave the market", Classification.OFFICIAL, (3, 4)),
        ("Treasury may veto rail devolution", Classification.OFFICIAL_SENSITIVE, (4, 5)),
    ):
        services.risk_create(
            workstream=transport,
            acting_user=people.admin,
            title=title,
            likelihood=score[0],
            impact=score[1],
            owner=people.lead,
            escalated_to_dsg=True,
            classification=classification,
        )
    return meeting


def _refer_back_at(held: Meeting, proposal: Proposal, people: People) -> None:
    services.decision_record(
        proposal=proposal,
        body=held.body,
        outcome=DecisionOutcome.REFERRED_BACK,
        notes="Show the costs year by year.",
        meeting=held,
        acting_user=people.admin,
    )
    services.proposal_submit(proposal=proposal, acting_user=people.lead)


Url = Callable[[Meeting], str]
PAGES: list[tuple[str, str, Url]] = [
    ("exports", "dsg", lambda m: "/exports/"),
    ("exports-partner", "partner", lambda m: "/exports/"),
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


@pytest.mark.parametrize("width", [1280, 320])
@pytest.mark.parametrize("persona", ["dsg", "partner"])
def test_the_pack_has_no_accessibility_violations_and_reflows(
    page: Page, open_as, meeting: Meeting, persona: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_as(persona, f"/meetings/{meeting.pk}/pack/")
    expect(page.locator("h1")).to_have_text(re.compile("Briefing pack"))
    for anchor in ("last-meeting", "proposals", "risks"):
        expect(page.locator(f"#{anchor}")).to_be_visible()
    expect(page.locator("#last-meeting ~ div")).to_contain_text(MINUTES)
    # WCAG 1.4.10: at 320 CSS pixels nothing but a data table scrolls sideways, inside its
    # own region.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the screen"
    # Nor does any cell's content spill over its neighbours (squeezed tables, long words).
    spilled = page.evaluate(
        """[...document.querySelectorAll('main th, main td, main dd, main p, main li')]
            .filter(e => e.scrollWidth > e.clientWidth + 1)
            .map(e => e.tagName + ': ' + e.textContent.trim().slice(0, 40))"""
    )
    assert spilled == []
    screenshot(page, f"pack-{persona}-{width}")
    assert_accessible(page)


def test_the_pack_downloads_as_a_pdf_made_on_the_server(
    page: Page, open_as, meeting: Meeting
) -> None:
    open_as("partner", f"/meetings/{meeting.pk}/pack/")
    with page.expect_download(timeout=60_000) as download:  # laid out on a busy server
        page.get_by_role("link", name="Download this pack as a PDF").click()
    assert download.value.suggested_filename.endswith(".pdf")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "pack-server.pdf"
    download.value.save_as(path)
    reader = PdfReader(io.BytesIO(path.read_bytes()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert MINUTES in text and "Bus operators leave the market" in text
    assert "Treasury may veto" not in text and "Rail fares" not in text
    assert "OFFICIAL-SENSITIVE" not in text


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
    for anchor in ("last-meeting", "proposals", "risks"):
        expect(page.locator(f"#{anchor}")).to_be_visible()
    # Every section after the first starts a page.
    breaks = page.evaluate(
        "[...document.querySelectorAll('.app-pack__section')].slice(1)"
        ".map(s => getComputedStyle(s).breakBefore)"
    )
    assert breaks and set(breaks) == {"page"}
    # Links to the tracker's own pages print as words, without their addresses after them.
    after = "a => getComputedStyle(a, '::after').content"
    assert page.locator(".app-pack__overview a").first.evaluate(after) == "none"
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
