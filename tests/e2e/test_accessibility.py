"""Every page meets WCAG 2.2 AA as axe-core sees it in a real browser, and the keyboard journeys
GOV.UK Frontend promises (skip link, error summary) work.

To check a new page, add one line to PAGES; for a form, also one line to FORMS_SUBMITTED_EMPTY
so its error messages are checked too. The persona is a key of ``People.all_roles()``
("admin", "lead", "other_lead", "sponsor", "dsg", "partner", "nobody"), or None for someone
signed out; Alice ("lead") leads Transport and Sue ("sponsor") sponsors it. Each page is saved
as var/screenshots/<name>.png for people to look at.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Browser, Page, expect

from .conftest import assert_accessible, screenshot


class Visit(NamedTuple):
    name: str
    persona: str | None
    url: str


class EmptyForm(NamedTuple):
    name: str
    persona: str | None
    url: str
    # Scope it to <main>: signed in, the header's "Sign out" is a submit button too.
    submit: str


PAGES = [
    Visit("login", None, "/accounts/login/"),
    Visit("home", "lead", "/"),
    Visit("home-no-deal", "nobody", "/"),
    Visit("workstream-as-lead", "lead", "/workstreams/transport/"),
    Visit("workstream-as-partner", "partner", "/workstreams/transport/"),
    Visit("missions", "partner", "/missions/"),
    Visit("not-found", "dsg", "/no-such-page/"),
    Visit("workstream-list", "dsg", "/workstreams/?q=transport&status=all"),
    Visit("my-workstreams-lead", "lead", "/my-workstreams/"),
    Visit("my-workstreams-sponsor", "sponsor", "/my-workstreams/"),
    Visit("update-form", "lead", "/workstreams/transport/updates/new/"),
    Visit("updates-all", "dsg", "/workstreams/transport/updates/"),
    Visit("updates-compare", "dsg", "/workstreams/transport/updates/compare/"),
    Visit("risks", "lead", "/workstreams/transport/risks/"),
    Visit("risk-form", "lead", "/workstreams/transport/risks/new/"),
    Visit("engagement", "lead", "/workstreams/transport/engagement/"),
    Visit("engagement-form", "lead", "/workstreams/transport/engagement/new/"),
    Visit("merge", "admin", "/workstreams/transport/merge/"),
    Visit("cease", "admin", "/workstreams/transport/cease/"),
]

FORMS_SUBMITTED_EMPTY = [
    EmptyForm("login-empty", None, "/accounts/login/", "main button[type=submit]"),
    EmptyForm(
        "update-empty", "lead", "/workstreams/transport/updates/new/", "main button[type=submit]"
    ),
    EmptyForm(
        "risk-empty", "lead", "/workstreams/transport/risks/new/", "main button[type=submit]"
    ),
    EmptyForm(
        "engagement-empty",
        "lead",
        "/workstreams/transport/engagement/new/",
        "main button[type=submit]",
    ),
    EmptyForm("cease-empty", "admin", "/workstreams/transport/cease/", "main button[type=submit]"),
]


def test_every_page_has_a_name_of_its_own() -> None:
    names = [case.name for case in [*PAGES, *FORMS_SUBMITTED_EMPTY]]
    assert len(names) == len(set(names)), "names are test ids and screenshot file names"


@pytest.mark.parametrize("visit", PAGES, ids=[visit.name for visit in PAGES])
def test_the_page_has_no_accessibility_violations(page: Page, open_as, visit: Visit) -> None:
    open_as(visit.persona, visit.url)
    expect(page.locator("h1")).to_have_count(1)
    screenshot(page, visit.name)
    assert_accessible(page)


@pytest.mark.parametrize("form", FORMS_SUBMITTED_EMPTY, ids=[f.name for f in FORMS_SUBMITTED_EMPTY])
def test_a_form_submitted_empty_shows_accessible_errors(
    page: Page, open_as, form: EmptyForm
) -> None:
    open_as(form.persona, form.url)
    page.locator(form.submit).click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: "))
    screenshot(page, form.name)
    assert_accessible(page)


def test_a_wrong_password_shows_an_error_summary_that_takes_focus(page: Page, people) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email address").fill(people.lead.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Enter a correct email address and password")
    expect(page).to_have_title("Error: Sign in – Devolution deal tracker")
    screenshot(page, "login-wrong-password")
    assert_accessible(page)

    summary.get_by_role("link").first.click()
    expect(page.get_by_label("Email address")).to_be_focused()


@pytest.mark.parametrize(("persona", "url"), [(None, "/accounts/login/"), ("lead", "/")])
def test_the_skip_link_comes_first_and_moves_focus_to_the_main_content(
    page: Page, open_as, persona: str | None, url: str
) -> None:
    open_as(persona, url)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    box = skip_link.bounding_box()
    assert box and box["height"] >= 24, "the focused skip link is shown, not only announced"

    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()


@pytest.mark.parametrize("template", ["403.html", "500.html"])
def test_the_error_pages_no_url_shows_yet_are_accessible(page: Page, template: str) -> None:
    """Rendered signed out and written into a page of the live server, so the styles load."""
    page.goto("/accounts/login/")
    page.set_content(render_to_string(template), wait_until="load")
    screenshot(page, f"error-{template.removesuffix('.html')}")
    assert_accessible(page)


def test_the_check_names_each_violation_and_where_it_is(browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.set_content(
            '<html lang="en"><title>Broken</title><main><h1>Broken</h1>'
            '<input id="unlabelled"></main></html>'
        )
        with pytest.raises(AssertionError) as failure:
            assert_accessible(page)
    finally:
        page.close()
    assert "label" in str(failure.value) and "#unlabelled" in str(failure.value)


def test_record_pages_have_no_accessibility_violations(
    page: Page, open_as, people, status_updates
) -> None:
    """Pages of one record, which need its id: an update as its sponsor (with the sign-off
    form), a risk and an engagement entry as the lead."""
    from core.models import Organisation
    from tracker import services
    from tracker.models import StatusUpdate, Workstream

    transport = Workstream.objects.get(slug="transport")
    update = StatusUpdate.objects.filter(workstream=transport).order_by("-period_start").first()
    risk = services.risk_create(
        workstream=transport,
        acting_user=people.lead,
        title="Officials move on",
        likelihood=4,
        impact=4,
        classification="official",
    )
    organisation = Organisation.objects.create(
        name="Example District Council", kind="non-constituent-authority"
    )
    entry = services.engagement_entry_create(
        workstream=transport,
        acting_user=people.lead,
        organisation=organisation,
        frequency="monthly",
        classification="official",
    )
    for name, persona, url in [
        ("update-detail-sponsor", "sponsor", f"/workstreams/transport/updates/{update.pk}/"),
        ("risk-detail", "lead", f"/workstreams/transport/risks/{risk.pk}/"),
        ("risk-edit", "lead", f"/workstreams/transport/risks/{risk.pk}/edit/"),
        ("engagement-detail", "lead", f"/workstreams/transport/engagement/{entry.pk}/"),
    ]:
        page.context.clear_cookies()
        open_as(persona, url)
        expect(page.locator("h1")).to_have_count(1)
        screenshot(page, name)
        assert_accessible(page)


@pytest.mark.parametrize("width", [1280, 375])
def test_the_demonstration_banner_is_accessible(page: Page, open_as, people, width: int) -> None:
    people.lead.is_demo = True
    people.lead.save(update_fields=["is_demo"])
    page.set_viewport_size({"width": width, "height": 900})
    open_as("lead", "/")
    expect(page.locator(".govuk-phase-banner")).to_contain_text(
        "You are signed in to a demonstration"
    )
    screenshot(page, f"demo-banner-{width}")
    assert_accessible(page)
