"""The Django admin, where the TDD Core Team keeps the reference data, works under the site's
Content Security Policy in a real browser: its own scripts (the calendar and clock, the two-box
selector, autocomplete, inline rows, slugs filled from names) run, and nothing is refused.

Each test fails on any refusal through the ``page`` fixture. The pages are also checked with
axe-core against WCAG 2.2 AA, as the rest of the site is, with what Django's admin lacks added
by templates/admin/base_site.html. axe does not read the stylesheets ahead here: the admin's
forms.css pulls widgets.css in by ``@import``, which axe would rebuild inline and the policy
refuse. That costs only axe's orientation-lock rule, and the admin's styles never lock the
orientation (``test_the_admin_styles_never_lock_the_orientation``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from accounts.models import User
from briefings.choices import Audience, Frequency
from briefings.models import Subscription
from tracker.models import Workstream

from ..conftest import People
from .conftest import assert_accessible, screenshot


@pytest.fixture
def staff(people: People) -> User:
    """The administrator persona with the admin site open to them, as making someone an
    administrator does (``accounts.services``)."""
    people.admin.is_staff = people.admin.is_superuser = True
    people.admin.save(update_fields=["is_staff", "is_superuser"])
    return people.admin


@pytest.fixture
def admin_page(page: Page, open_as: Callable[[str | None, str], None], staff: User):
    def open_admin(url: str) -> Page:
        open_as("admin", url)
        assert page.url.endswith(url), page.url
        return page

    return open_admin


def _transport(people: People) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug="transport")


PAGES: list[tuple[str, Callable[[People], str]]] = [
    ("index", lambda people: reverse("admin:index")),
    (
        "workstreams",
        lambda people: reverse("admin:tracker_workstream_changelist") + "?q=transport",
    ),
    (
        "workstream",
        lambda people: reverse("admin:tracker_workstream_change", args=[_transport(people).pk]),
    ),
    (
        "workstream-history",
        lambda people: reverse("admin:tracker_workstream_history", args=[_transport(people).pk]),
    ),
    ("meetings", lambda people: reverse("admin:tracker_meeting_changelist")),
    ("meeting-new", lambda people: reverse("admin:tracker_meeting_add")),
    ("proposal-new", lambda people: reverse("admin:tracker_proposal_add")),
    ("users", lambda people: reverse("admin:accounts_user_changelist")),
    ("user", lambda people: reverse("admin:accounts_user_change", args=[people.lead.pk])),
    ("subscription-new", lambda people: reverse("admin:briefings_subscription_add")),
    ("deliveries", lambda people: reverse("admin:briefings_delivery_changelist")),
    ("missions", lambda people: reverse("admin:missions_mission_changelist")),
]


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_the_admin_page_works_under_the_policy_and_is_accessible(
    admin_page, people: People, name: str, url: Callable[[People], str]
) -> None:
    page = admin_page(url(people))
    expect(page.locator("#content h1, #content h2").first).to_be_visible()
    # The admin's scripts ran: the page has its JavaScript-only controls.
    if name in ("workstream", "meeting-new", "proposal-new", "subscription-new"):
        expect(page.locator(".selector").first).to_be_visible()  # the two-box selector
    screenshot(page, f"admin-{name}")
    assert_accessible(page, preload_css=False)


def test_the_admin_styles_never_lock_the_orientation() -> None:
    from django.contrib.staticfiles import finders

    sheets = [
        path
        for finder in finders.get_finders()
        for path, storage in finder.list([])
        if path.endswith(".css") and path.startswith(("admin/", "css/admin"))
    ]
    assert "admin/css/forms.css" in sheets
    for path in sheets:
        text = Path(finders.find(path)).read_text(encoding="utf-8")
        assert "orientation" not in text, path


def test_the_calendar_and_clock_fill_a_meeting_date(admin_page, people: People) -> None:
    page = admin_page(reverse("admin:tracker_meeting_add"))
    page.locator("#calendarlink0").click()
    calendar = page.locator("#calendarbox0")
    expect(calendar).to_be_visible()
    calendar.get_by_role("link", name="Today").click()
    expect(page.locator("#id_starts_at_0")).not_to_have_value("")
    page.locator("#clocklink0").click()
    page.locator("#clockbox0").get_by_role("link", name="Noon").click()
    expect(page.locator("#id_starts_at_1")).to_have_value("12:00:00")


def test_the_two_box_selector_chooses_and_the_inline_rows_grow(admin_page, people: People) -> None:
    page = admin_page(reverse("admin:tracker_workstream_change", args=[_transport(people).pk]))
    chosen = page.locator("#id_missions_to")
    before = chosen.locator("option").count()
    page.locator("#id_missions_from option").first.dblclick()
    expect(chosen.locator("option")).to_have_count(before + 1)

    rows = page.locator("#memberships-group tbody tr.form-row:not(.empty-form)")
    count = rows.count()
    page.locator("#memberships-group .add-row a").click()
    expect(rows).to_have_count(count + 1)
    assert_accessible(page, preload_css=False)


def test_autocomplete_finds_a_person(admin_page, people: People) -> None:
    page = admin_page(reverse("admin:briefings_subscription_add"))
    page.locator("#id_user + .select2").click()
    page.locator(".select2-search__field").fill("Alice")
    expect(page.locator(".select2-results__option", has_text="Alice Lead")).to_be_visible()
    page.locator(".select2-results__option", has_text="Alice Lead").click()
    expect(page.locator("#id_user")).to_have_value(str(people.lead.pk))


def test_a_slug_is_filled_from_the_name_as_it_is_typed(admin_page) -> None:
    page = admin_page(reverse("admin:missions_indicatorframework_add"))
    page.locator("#id_name").press_sequentially("Regional outcomes")
    expect(page.locator("#id_slug")).to_have_value("regional-outcomes")


def test_a_subscription_saved_in_the_admin_is_there(admin_page, people: People) -> None:
    """A whole round trip through a form under the policy: what was typed is saved."""
    page = admin_page(reverse("admin:briefings_subscription_add"))
    page.locator("#id_deal").select_option(str(people.deal.pk))
    page.locator("#id_email").fill("partner.briefings@example.org")
    page.locator("#id_audience").select_option(Audience.PARTNER)
    page.locator("#id_frequency").select_option(Frequency.WEEKLY)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Subscription.objects.filter(email="partner.briefings@example.org").exists()
