"""The pipeline (with the timeline ahead), mission coverage and asks dashboards meet WCAG 2.2 AA
as axe-core sees them in a real browser, at 1280 and at 375 pixels wide, where the page itself
must not scroll sideways (the wide coverage matrix scrolls inside its own focusable wrapper).
Each page is saved as var/screenshots/dashboard-<name>-1280.png and -375.png."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from core.choices import Classification
from missions.models import Metric, Mission
from tracker import services
from tracker.choices import AskType, DecisionOutcome, Outcome
from tracker.models import GovernanceBody, Milestone, Proposal, Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot

PAGES = [
    ("pipeline", "dsg", "/dashboard/pipeline/"),
    ("pipeline-weeks-error", "dsg", "/dashboard/pipeline/?weeks=0"),
    ("coverage", "dsg", "/dashboard/coverage/"),
    ("asks", "dsg", "/dashboard/asks/"),
    ("pipeline-partner", "partner", "/dashboard/pipeline/"),
    ("coverage-partner", "partner", "/dashboard/coverage/"),
]


def _create(people: People, title: str, ws: str = "transport", **kw: object) -> Proposal:
    author = people.lead if ws == "transport" else people.other_lead
    values = {
        "classification": Classification.OFFICIAL,
        "ask": "A ten-year funding settlement for franchised buses.",
        "ask_type": AskType.FUNDING,
    } | kw
    return services.proposal_create(
        workstream=Workstream.objects.get(slug=ws), acting_user=author, title=title, **values
    )


@pytest.fixture
def pipeline(people: People) -> None:
    """Proposals along the chain, one stuck, one concluded; meetings and milestones ahead;
    workstreams and proposals claiming missions; an escalated risk."""
    first = GovernanceBody.objects.get(deal=people.deal, is_chain_start=True)
    missions = list(Mission.objects.order_by("number"))
    metric = Metric.objects.filter(mission=missions[6]).first()
    for n, title in enumerate(
        [
            "Bus franchising settlement",
            "Rail station devolution",
            "Adult skills funding formula",
            "Brownfield housing fund",
        ]
    ):
        proposal = _create(
            people,
            title,
            ws="skills" if n == 2 else "transport",
            missions=missions[n : n + 2],
            classification=Classification.OFFICIAL_SENSITIVE if n == 3 else "official",
        )
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
        if n == 1:
            services.decision_record(
                proposal=proposal,
                body=first,
                outcome=DecisionOutcome.ENDORSED,
                acting_user=people.admin,
            )
    stuck = _create(people, "Net zero retrofit powers", metrics=[metric] if metric else [])
    then = timezone.now() - dt.timedelta(weeks=9)
    Proposal.objects.filter(pk=stuck.pk).update(moved_at=then, created_at=then)
    dropped = _create(people, "Withdrawn ask")
    services.proposal_conclude(
        proposal=dropped, acting_user=people.admin, outcome=Outcome.WITHDRAWN, notes="Dropped"
    )
    services.meeting_create(
        body=first,
        acting_user=people.admin,
        starts_at=timezone.now() + dt.timedelta(days=6),
        location="Room 1, 16 Summer Lane",
    )
    today = timezone.localdate()
    Milestone.objects.create(
        deal=people.deal,
        title="Business cases to government",
        when_label="Next month",
        starts_on=today + dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=30),
    )
    services.workstream_links_set(
        workstream=Workstream.objects.get(slug="transport"),
        acting_user=people.lead,
        missions=missions[:2],
        metrics=[],
        indicators=[],
    )
    services.risk_create(
        workstream=Workstream.objects.get(slug="transport"),
        acting_user=people.lead,
        title="HM Treasury sign-off later than planned",
        likelihood=4,
        impact=4,
        escalated_to_dsg=True,
        mitigation="Raise at the next DSG.",
    )


def _wider_than_the_page(page: Page) -> list[str]:
    """What sticks out past the right edge of the page (nothing, when the page does not scroll
    sideways); what scrolls inside a wrapper does not count."""
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


@pytest.mark.parametrize(("name", "persona", "url"), PAGES, ids=[p[0] for p in PAGES])
def test_the_dashboard_has_no_accessibility_violations_at_desktop_and_mobile_widths(
    page: Page, open_as, pipeline: None, name: str, persona: str, url: str
) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    open_as(persona, url)
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator("h1")).not_to_have_text(re.compile("not found", re.I))
    assert _wider_than_the_page(page) == [], f"{url} scrolls sideways at 1280 pixels wide"
    screenshot(page, f"dashboard-{name}-1280")
    assert_accessible(page)

    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert _wider_than_the_page(page) == [], f"{url} scrolls sideways at 375 pixels wide"
    screenshot(page, f"dashboard-{name}-375")
    assert_accessible(page)


def test_the_coverage_matrix_scrolls_inside_a_focusable_wrapper_on_a_phone(
    page: Page, open_as, pipeline: None
) -> None:
    page.set_viewport_size({"width": 375, "height": 800})
    open_as("dsg", "/dashboard/coverage/")
    wrapper = page.get_by_role("region", name=re.compile("Missions \\(columns\\) claimed by"))
    expect(wrapper).to_have_attribute("tabindex", "0")
    wrapper.focus()
    expect(wrapper).to_be_focused()
    sizes = wrapper.evaluate("el => [el.scrollWidth, el.clientWidth]")
    assert sizes[0] > sizes[1], "the matrix fits, so this test shows nothing"
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    # Keyboard scrolling may be smooth: wait for it to move.
    page.wait_for_function("el => el.scrollLeft > 0", arg=wrapper.element_handle())


def test_the_weeks_error_links_to_its_field(page: Page, open_as, pipeline: None) -> None:
    open_as("dsg", "/dashboard/pipeline/?weeks=abc")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the number of weeks as a whole number from 1 to 104")
    summary.get_by_role("link").click()
    expect(page.get_by_label("Weeks without movement")).to_be_focused()
    page.get_by_label("Weeks without movement").fill("8")
    page.get_by_role("button", name="Show stuck proposals").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.locator("#stuck-caption")).to_contain_text("8 weeks or more")
    expect(page.get_by_role("link", name="Net zero retrofit powers").first).to_be_visible()
