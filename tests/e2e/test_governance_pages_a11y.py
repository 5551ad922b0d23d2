"""The governance pages meet WCAG 2.2 AA as axe-core sees them in a real browser: meetings with
an agenda and decisions, the meeting form (and its errors), the escalation chain, the timeline,
the TDD Proposition on screen and printed, the calendar page, and a proposal passed on from a
body work comes to "as appropriate", with the form that passes one on. Each page is saved as
var/screenshots/<name>.png for people to look at.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.choices import Classification
from tracker import services
from tracker.choices import AskType, DecisionOutcome, MeetingStatus
from tracker.models import Milestone, Workstream
from tracker.selectors.governance import chain_of

from ..conftest import People
from .conftest import SCREENSHOTS, assert_accessible, screenshot


class Governance(NamedTuple):
    past: int
    upcoming: int
    version: int
    milestone: int
    at_team: int  # a proposal awaiting the body work comes to "as appropriate"
    passed: int  # one passed on from it as not needed


def _proposal(people: People, title: str, ws: str = "transport", **kw: Any):
    values = {
        "classification": Classification.OFFICIAL,
        "ask": "A ten-year funding settlement for local buses, so services can be planned.",
        "ask_type": AskType.FUNDING,
        "challenge": "Short funding rounds stop operators planning routes.",
        "prize": "More reliable buses across the seven districts.",
    } | kw
    proposal = services.proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug=ws),
        acting_user=people.admin,
        title=title,
        **values,
    )
    return services.proposal_submit(proposal=proposal, acting_user=people.admin)


@pytest.fixture
def governance(people: People) -> Governance:
    """A meeting that took place, with its agenda, decisions and minutes; one to come, with a
    proposal awaiting the body; and an approved Proposition with an official and a sensitive
    proposal."""
    chain = chain_of(people.deal)
    yesterday = timezone.localtime() - dt.timedelta(days=1)
    past = services.meeting_create(
        body=chain[0],
        acting_user=people.admin,
        starts_at=yesterday.replace(hour=10, minute=0, second=0, microsecond=0),
        location="WMCA offices, 16 Summer Lane, Birmingham",
        minutes="The group endorsed the bus funding proposal and asked for costings on rail.",
        attendees=[people.lead, people.dsg],
    )
    services.agenda_item_add(
        meeting=past, acting_user=people.admin, title="Update on the spending review"
    )
    services.agenda_item_add(
        meeting=past,
        acting_user=people.admin,
        title="Our position on the rail settlement",
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    buses = _proposal(people, "Ten-year bus funding", estimated_value=45_000_000)
    rail = _proposal(people, "Rail devolution", classification=Classification.OFFICIAL_SENSITIVE)
    for index, body in enumerate(chain):
        for proposal in (buses, rail):
            services.decision_record(
                proposal=proposal,
                body=body,
                outcome=DecisionOutcome.ENDORSED,
                acting_user=people.admin,
                meeting=past if index == 0 else None,
            )
    services.meeting_advance(meeting=past, acting_user=people.admin, status=MeetingStatus.HELD)
    upcoming = services.meeting_create(
        body=chain[0],
        acting_user=people.admin,
        starts_at=(timezone.localtime() + dt.timedelta(days=7)).replace(
            hour=14, minute=0, second=0, microsecond=0
        ),
        location="https://meet.example.org/slt",
    )
    _proposal(people, "Adult skills budget", ws="skills", ask_type=AskType.POWER)
    at_team = _proposal(people, "Local rail stations", ask_type=AskType.POWER)
    passed = _proposal(people, "Bus franchising powers", ask_type=AskType.POWER)
    for body in chain[: [b.is_optional for b in chain].index(True)]:
        for proposal in (at_team, passed):
            services.decision_record(
                proposal=proposal,
                body=body,
                outcome=DecisionOutcome.ENDORSED,
                acting_user=people.admin,
            )
    services.proposal_pass(
        proposal=passed, acting_user=people.admin, notes="Not a matter for negotiation."
    )
    version = services.proposition_version_create(
        deal=people.deal,
        acting_user=people.admin,
        introduction="The West Midlands asks of government, agreed by the region's leaders.",
    )
    services.proposition_approve(version=version, acting_user=people.admin)
    return Governance(
        past=past.pk,
        upcoming=upcoming.pk,
        version=version.number,
        milestone=Milestone.objects.get(title="TDD Proposition submitted to WMCA Board.").pk,
        at_team=at_team.pk,
        passed=passed.pk,
    )


class Visit(NamedTuple):
    name: str
    persona: str
    url: str


def _visits(g: Governance) -> list[Visit]:
    return [
        Visit("gov-meetings", "admin", "/meetings/"),
        Visit("gov-meeting-held-admin", "admin", f"/meetings/{g.past}/"),
        Visit("gov-meeting-held-partner", "partner", f"/meetings/{g.past}/"),
        Visit("gov-meeting-upcoming", "admin", f"/meetings/{g.upcoming}/"),
        Visit("gov-meeting-form", "admin", "/meetings/new/"),
        Visit("gov-meeting-edit", "admin", f"/meetings/{g.upcoming}/edit/"),
        Visit("gov-meeting-close", "admin", f"/meetings/{g.past}/status/"),
        Visit("gov-agenda-item-form", "admin", f"/meetings/{g.upcoming}/agenda/new/"),
        Visit("gov-chain", "dsg", "/governance/"),
        Visit("gov-timeline", "admin", "/timeline/"),
        Visit("gov-milestone-form", "admin", f"/milestones/{g.milestone}/edit/"),
        Visit("gov-proposition", "admin", "/proposition/"),
        Visit("gov-proposition-new", "admin", "/proposition/new/"),
        Visit("gov-proposition-version", "dsg", f"/proposition/{g.version}/"),
        Visit("gov-proposition-version-partner", "partner", f"/proposition/{g.version}/"),
        Visit("gov-calendar", "lead", "/calendar/"),
        Visit("gov-proposal-not-needed", "admin", f"/proposals/{g.passed}/"),
        Visit("gov-pass-form", "admin", f"/proposals/{g.at_team}/pass/"),
    ]


def test_the_governance_pages_have_no_accessibility_violations(
    page: Page, open_as, governance: Governance
) -> None:
    for visit in _visits(governance):
        page.context.clear_cookies()
        open_as(visit.persona, visit.url)
        expect(page.locator("h1")).to_have_count(1)
        screenshot(page, visit.name)
        assert_accessible(page)


def test_the_held_meeting_shows_its_agenda_decisions_and_record(
    page: Page, open_as, governance: Governance
) -> None:
    open_as("admin", f"/meetings/{governance.past}/")
    main = page.locator("main")
    expect(main).to_contain_text("Update on the spending review")
    expect(main).to_contain_text("Our position on the rail settlement")
    expect(main.get_by_role("table")).to_contain_text("Ten-year bus funding")
    expect(main).to_contain_text("The group endorsed the bus funding proposal")
    page.context.clear_cookies()
    open_as("partner", f"/meetings/{governance.past}/")
    expect(main).not_to_contain_text("Our position on the rail settlement")
    expect(main).not_to_contain_text("Rail devolution")
    expect(main).to_contain_text("The group endorsed the bus funding proposal")


@pytest.mark.parametrize(
    ("name", "url", "prefilled", "button"),
    [
        ("gov-meeting-form-empty", "/meetings/new/", [], "Arrange the meeting"),
        ("gov-proposition-new-empty", "/proposition/new/", ["Title"], "Make the version"),
    ],
)
def test_a_governance_form_submitted_empty_shows_accessible_errors(
    page: Page,
    open_as,
    governance: Governance,
    name: str,
    url: str,
    prefilled: list[str],
    button: str,
) -> None:
    open_as("admin", url)
    for label in prefilled:
        page.locator("main").get_by_label(label, exact=True).fill("")
    page.locator("main").get_by_role("button", name=button).click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    screenshot(page, name)
    assert_accessible(page)


def test_a_refused_milestone_shows_why_in_an_accessible_error(
    page: Page, open_as, governance: Governance
) -> None:
    open_as("admin", f"/milestones/{governance.milestone}/edit/")
    page.get_by_label("Done").check()
    page.locator("main").get_by_role("button", name="Save changes").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("depends on milestones that are not done yet")
    screenshot(page, "gov-milestone-refused")
    assert_accessible(page)


def test_the_proposition_prints_as_a_clean_document(
    page: Page, open_as, governance: Governance
) -> None:
    open_as("dsg", f"/proposition/{governance.version}/")
    page.emulate_media(media="print")
    for hidden in [".govuk-template__header", ".govuk-footer", ".govuk-breadcrumbs"]:
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.get_by_role("link", name="Download as a Word document")).to_be_hidden()
    expect(page.locator("#marking")).to_have_text("OFFICIAL-SENSITIVE")
    expect(page.locator("#marking")).to_be_visible()
    screenshot(page, "gov-proposition-print")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    (SCREENSHOTS / "gov-proposition-print.pdf").write_bytes(pdf)


def test_the_calendar_address_is_made_and_shown(
    page: Page, open_as, governance: Governance
) -> None:
    open_as("partner", "/calendar/")
    page.get_by_role("button", name="Make your calendar address").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your calendar address has been made"
    )
    address = page.get_by_label(re.compile("Copy this address"))
    expect(address).to_have_value(re.compile(r"^http://.+/calendar/[\w-]+\.ics$"))
    screenshot(page, "gov-calendar-made")
    assert_accessible(page)
    feed = page.request.get(address.input_value())
    assert feed.ok and feed.text().startswith("BEGIN:VCALENDAR")
