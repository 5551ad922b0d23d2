"""The proposal pages meet WCAG 2.2 AA as axe-core sees them in a real browser: the list, a
proposal that has been through the chain and into talks with government, and the forms that
move proposals, empty and submitted empty. Each page is saved as var/screenshots/<name>.png."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.choices import Classification
from tracker import services
from tracker.choices import AskType, DecisionOutcome, PrincipleAnswer
from tracker.models import GovernanceBody, GovernmentDepartment, Principle, Proposal, Workstream

from ..conftest import People, to_government
from .conftest import assert_accessible, screenshot


@dataclass
class Proposals:
    walked: Proposal  # through the chain, submitted, in talks with government
    in_chain: Proposal  # awaiting the first body
    draft: Proposal
    approved: Proposal  # endorsed by the last body since the Board approved the Proposition


def _create(people: People, title: str, ws: str = "transport", **kw: object) -> Proposal:
    author = people.lead if ws == "transport" else people.other_lead
    values = {
        "classification": Classification.OFFICIAL,
        "ask": "A ten-year funding settlement for franchised buses.",
        "ask_type": AskType.FUNDING,
        "challenge": "Bus funding comes in one-year pots.",
        "prize": "A stable network planned for a decade.",
    } | kw
    return services.proposal_create(
        workstream=Workstream.objects.get(slug=ws), acting_user=author, title=title, **values
    )


def _decide(people: People, proposal: Proposal, outcome: str, **kw: object) -> None:
    proposal.refresh_from_db()
    assert proposal.awaiting_body is not None
    services.decision_record(
        proposal=proposal,
        body=proposal.awaiting_body,
        outcome=outcome,
        acting_user=people.admin,
        **kw,
    )


@pytest.fixture
def proposals(people: People) -> Proposals:
    first = GovernanceBody.objects.get(deal=people.deal, is_chain_start=True)
    meeting = services.meeting_create(
        body=first,
        acting_user=people.admin,
        starts_at=timezone.now() - dt.timedelta(days=2),
        location="Room 1, 16 Summer Lane",
    )
    dft = GovernmentDepartment.objects.get(deal=people.deal, abbreviation="DfT")
    walked = _create(
        people,
        "Bus franchising settlement",
        estimated_value=Decimal("250000000"),
        departments=[dft],
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    services.proposal_submit(proposal=walked, acting_user=people.lead)
    _decide(
        people,
        walked,
        DecisionOutcome.REFERRED_BACK,
        notes="Show the costs year by year.",
        decided_on=timezone.localdate() - dt.timedelta(days=10),
    )
    services.proposal_submit(proposal=walked, acting_user=people.lead)
    _decide(people, walked, DecisionOutcome.ENDORSED, meeting=meeting)
    services.proposal_skip(proposal=walked, acting_user=people.admin, reason="Met in June")
    while Proposal.objects.get(pk=walked.pk).awaiting_body_id is not None:
        _decide(people, walked, DecisionOutcome.ENDORSED)
    principles = list(Principle.objects.filter(deal=people.deal).order_by("position"))
    services.principles_answer(
        proposal=walked,
        acting_user=people.lead,
        answers={
            principles[0]: (PrincipleAnswer.YES, "Mission 3, local public transport"),
            principles[1]: (PrincipleAnswer.NOT_APPLICABLE, ""),
        },
    )
    walked.refresh_from_db()
    to_government(people, walked)
    services.negotiation_log(
        proposal=walked,
        acting_user=people.lead,
        department=dft,
        held_on=timezone.localdate() - dt.timedelta(days=1),
        attendees="Alice Lead; two DfT officials",
        summary="DfT open to a five-year settlement as a first step.",
        next_steps="Send the year-by-year costs.",
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    in_chain = _create(people, "Rail devolution")
    services.proposal_submit(proposal=in_chain, acting_user=people.lead)
    draft = _create(people, "Adult skills budget", ws="skills", ask="", ask_type="")
    approved = _create(people, "Tram extension")
    services.proposal_submit(proposal=approved, acting_user=people.lead)
    while Proposal.objects.get(pk=approved.pk).awaiting_body_id:
        _decide(people, approved, DecisionOutcome.ENDORSED)
    walked.refresh_from_db()
    return Proposals(walked=walked, in_chain=in_chain, draft=draft, approved=approved)


Url = Callable[[Proposals], str]
PAGES: list[tuple[str, str, Url]] = [
    ("proposal-list", "dsg", lambda p: "/proposals/"),
    ("proposal-list-filtered", "lead", lambda p: "/proposals/?stage=draft&unanswered=yes"),
    ("proposal-detail", "dsg", lambda p: f"/proposals/{p.walked.pk}/"),
    ("proposal-detail-admin-in-chain", "admin", lambda p: f"/proposals/{p.in_chain.pk}/"),
    ("proposal-create", "lead", lambda p: "/proposals/new/?workstream=transport"),
    ("proposal-edit-locked", "lead", lambda p: f"/proposals/{p.walked.pk}/edit/"),
    ("proposal-principles", "other_lead", lambda p: f"/proposals/{p.draft.pk}/principles/"),
    ("proposal-submit", "other_lead", lambda p: f"/proposals/{p.draft.pk}/submit/"),
    # Not in the approved Proposition yet: the pages say why it cannot go to government.
    ("proposal-detail-admin-approved", "admin", lambda p: f"/proposals/{p.approved.pk}/"),
    (
        "proposal-submit-to-government-waits",
        "admin",
        lambda p: f"/proposals/{p.approved.pk}/submit/",
    ),
    ("proposal-decide", "admin", lambda p: f"/proposals/{p.in_chain.pk}/decide/"),
    ("proposal-skip", "admin", lambda p: f"/proposals/{p.in_chain.pk}/skip/"),
    ("proposal-outcome", "admin", lambda p: f"/proposals/{p.walked.pk}/outcome/"),
    ("proposal-withdraw", "admin", lambda p: f"/proposals/{p.in_chain.pk}/outcome/"),
    ("negotiation-create", "lead", lambda p: f"/proposals/{p.walked.pk}/negotiations/new/"),
]
EMPTY_FORMS: list[tuple[str, str, Url]] = [
    ("proposal-create-empty", "lead", lambda p: "/proposals/new/"),
    ("proposal-principles-empty", "other_lead", lambda p: f"/proposals/{p.draft.pk}/principles/"),
    ("proposal-decide-empty", "admin", lambda p: f"/proposals/{p.in_chain.pk}/decide/"),
    ("proposal-outcome-empty", "admin", lambda p: f"/proposals/{p.walked.pk}/outcome/"),
    ("negotiation-create-empty", "lead", lambda p: f"/proposals/{p.walked.pk}/negotiations/new/"),
]


@pytest.mark.parametrize(("name", "persona", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_the_proposal_page_has_no_accessibility_violations(
    page: Page, open_as, proposals: Proposals, name: str, persona: str, url: Url
) -> None:
    open_as(persona, url(proposals))
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).not_to_have_text(re.compile("do not have access|not found", re.I))
    screenshot(page, name)
    assert_accessible(page)


@pytest.mark.parametrize(("name", "persona", "url"), EMPTY_FORMS, ids=[f[0] for f in EMPTY_FORMS])
def test_a_proposal_form_submitted_empty_shows_accessible_errors(
    page: Page, open_as, proposals: Proposals, name: str, persona: str, url: Url
) -> None:
    open_as(persona, url(proposals))
    page.locator("main button[type=submit]").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    screenshot(page, name)
    assert_accessible(page)


def test_a_draft_that_does_not_say_what_it_asks_is_explained_when_submitted(
    page: Page, open_as, proposals: Proposals
) -> None:
    open_as("other_lead", f"/proposals/{proposals.draft.pk}/submit/")
    page.locator("main button[type=submit]").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Say what is asked of government before submitting")
    screenshot(page, "proposal-submit-refused")
    assert_accessible(page)


def test_a_lead_logs_talks_with_a_department_on_a_draft(
    page: Page, open_as, proposals: Proposals, people: People
) -> None:
    # Paragraph 16: the lead leads bilateral discussion with the relevant departments while
    # developing the proposal, before it goes up the chain.
    draft = proposals.draft
    open_as("other_lead", f"/proposals/{draft.pk}/")
    talks = page.locator("h2", has_text="Talks with departments")
    expect(talks).to_be_visible()
    page.get_by_role("button", name="Log talks with a department").click()
    page.wait_for_url(re.compile(rf"/proposals/{draft.pk}/negotiations/new/"))
    expect(page.locator("main")).to_contain_text("The proposal stays a draft.")
    screenshot(page, "negotiation-create-draft")
    assert_accessible(page)

    page.get_by_label("Government department").select_option(label="Department for Education")
    held = timezone.localdate() - dt.timedelta(days=3)
    page.get_by_label("Day").fill(str(held.day))
    page.get_by_label("Month").fill(str(held.month))
    page.get_by_label("Year").fill(str(held.year))
    page.get_by_label("Who attended").fill("Bob Lead; DfE adult skills officials")
    page.get_by_label("Summary").fill("DfE open to devolving the adult skills budget in full.")
    page.get_by_label("OFFICIAL-SENSITIVE", exact=True).check()
    page.get_by_role("button", name="Log the talks").click()

    page.wait_for_url(re.compile(rf"/proposals/{draft.pk}/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Talks with DfE logged")
    expect(page.locator("main")).to_contain_text("Department for Education")
    expect(page.locator("main")).to_contain_text("DfE open to devolving the adult skills budget")
    screenshot(page, "proposal-detail-draft-with-talks")
    assert_accessible(page)
    draft.refresh_from_db()
    assert draft.stage == "draft"
    entry = draft.negotiations.get()
    assert (entry.recorded_by, entry.held_on) == (people.other_lead, held)
    assert entry.classification == Classification.OFFICIAL_SENSITIVE
