"""Provisions from the file to the dashboard, tried as the people would, in a real browser:
an administrator imports a deal's provisions (a bad file first, refused with its row numbers),
the lead reports on them after the workstream's update, the sponsor signs the reports off, and
the Devolution Strategy Group's delivery dashboard counts them. axe checks each page on the way,
and each is saved as var/screenshots/<name>.png."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from delivery.models import Provision, ProvisionReport, ProvisionReportReview

from ..conftest import People
from .conftest import assert_accessible, screenshot

HEADER = "reference,chapter,title,text,workstream,kind,classification,department\n"
BAD = (
    HEADER + "4.12,Transport,Bus franchising,Government will support franchising.,transport,power,"
    "OFFICIAL,\n"
    + "4.12,Transport,Bus franchising again,Repeated.,transport,power,OFFICIAL,\n"
    + "4.13,Transport,Rail stations,Stations.,railways,grant,OFFICIAL,\n"
).encode()
GOOD = (
    HEADER + "4.12,Transport,Bus franchising,Government will support franchising.,transport,power,"
    "OFFICIAL,\n"
    + "4.13,Transport,Rail stations,Government will consult on stations.,transport,funding,"
    "OFFICIAL,\n"
).encode()


def _choose(page: Page, name: str, data: bytes) -> None:
    page.locator("#id_file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    page.get_by_role("button", name="Check the file").click()


def _sign_out(page: Page) -> None:
    page.context.clear_cookies()


def test_provisions_go_from_the_file_to_the_dashboard(page: Page, open_as, people: People) -> None:
    # The administrator: the upload page, a bad file refused row by row, then a good one.
    open_as("admin", "/provisions/import/")
    expect(page.locator("h1")).to_have_text("Import provisions")
    assert_accessible(page)
    _choose(page, "bad.csv", BAD)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("3 problems in bad.csv: nothing was imported")
    expect(summary).to_contain_text("Row 3: The reference 4.12 is on row 2 too")
    expect(summary).to_contain_text("Row 4: The deal has no workstream 'railways'.")
    expect(summary).to_contain_text("Row 4: The kind 'grant' is not one of")
    expect(page.get_by_role("button", name="Confirm the import")).to_have_count(0)
    screenshot(page, "provision-import-refused")
    assert_accessible(page)
    assert not Provision.objects.exists()

    page.get_by_role("link", name="Choose another file").click()
    _choose(page, "provisions.csv", GOOD)
    expect(page.locator("main")).to_contain_text("provisions.csv would add 2 provisions")
    screenshot(page, "provision-import-preview")
    assert_accessible(page)
    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 provisions imported")
    assert Provision.objects.count() == 2
    _sign_out(page)

    # The lead: the update first, then on to the provisions in the same visit.
    open_as("lead", "/workstreams/transport/updates/new/")
    expect(page.locator(".govuk-inset-text")).to_contain_text("this workstream's 2 provisions")
    page.get_by_label("Green", exact=True).check()
    page.get_by_label("Stable").check()
    page.get_by_label("Summary").fill("On track; bus franchising consultation launched.")
    page.get_by_label("OFFICIAL", exact=True).check()
    page.locator("main form button[type=submit]").click()
    # The answers started from last period's update: the lead confirms what they left as it was.
    page.get_by_role("button", name="Confirm and post update").click()
    page.wait_for_url(re.compile(r"/workstreams/transport/provisions/report/$"))
    expect(page.locator("h1")).to_have_text("Report on delivery")
    page.get_by_text("What each delivery confidence rating means").click()
    assert_accessible(page)

    bus = page.get_by_role("region", name="4.12 Bus franchising")
    bus.get_by_label("In progress").check()
    bus.get_by_label("Green", exact=True).check()
    bus.get_by_label("Where delivery stands").fill("Consultation launched.")
    rail = page.get_by_role("region", name="4.13 Rail stations")
    rail.get_by_label("Not started").check()
    rail.get_by_label("Amber/Red").check()
    page.get_by_role("button", name="Save the reports").click()
    # A rating below Green without its narrative: refused, and nothing saved.
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("4.13: Explain why delivery confidence is Amber/Red")
    screenshot(page, "provision-report-refused")
    assert_accessible(page)
    assert not ProvisionReport.objects.exists()
    summary.get_by_role("link").first.click()
    rail.get_by_label("Where delivery stands").fill("The department has not yet agreed funding.")
    rail.get_by_label("Day").fill("31")
    rail.get_by_label("Month").fill("3")
    rail.get_by_label("Year").fill("2028")
    page.get_by_role("button", name="Save the reports").click()
    page.wait_for_url(re.compile(r"/workstreams/transport/provisions/$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("2 delivery reports saved")
    assert ProvisionReport.objects.count() == 2
    _sign_out(page)

    # The sponsor signs both off.
    open_as("sponsor", "/workstreams/transport/provisions/")
    expect(page.get_by_role("heading", name="Sign off this period's reports")).to_be_visible()
    screenshot(page, "provision-reports-sign-off")
    assert_accessible(page)
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "You signed off 2 delivery reports"
    )
    expect(page.locator("main")).not_to_contain_text("Awaiting sign-off")
    assert ProvisionReportReview.objects.filter(decision="signed-off").count() == 2
    _sign_out(page)

    # The DSG's delivery dashboard counts them, and each count opens its provisions.
    open_as("dsg", "/dashboard/delivery/")
    totals = page.locator(".app-dashboard-totals")
    expect(totals.locator("div", has_text="Provisions").first).to_contain_text("2")
    expect(totals.locator("div", has_text="No report this period")).to_contain_text("0")
    screenshot(page, "delivery-dashboard-after-reports")
    assert_accessible(page)
    page.locator("#by-confidence + dl").get_by_role("link").first.click()
    expect(page.locator("main")).to_contain_text("Bus franchising")
