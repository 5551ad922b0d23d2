"""The administrators' pages for the figures meet WCAG 2.2 AA as axe-core sees them in a real
browser: the upload page (empty and submitted without a file), the preview of a file with a
mistake, the preview of the real ONS file and the result once confirmed, the same for a file
from ONS's Explore Local Statistics with its metadata (and one with rows left out, and one
damaged), and an indicator's baselines and targets (with targets, and its form submitted empty).
Each page is saved as var/screenshots/<name>.png."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from missions import services
from missions.choices import TargetKind
from missions.models import Area, Indicator, Observation

from ..conftest import People
from .conftest import assert_accessible, screenshot

ONS = settings.BASE_DIR / "data" / "ons_subnational_indicators_wmca_2022.csv"
EXPLORE = settings.BASE_DIR / "data" / "ons-explore-local-statistics"
HLE = EXPLORE / "healthy-life-expectancy" / "healthy-life-expectancy.csv"
FDI = EXPLORE / "foreign-direct-investment" / "foreign-direct-investment.csv"
GVA = "gva_per_hour_worked"

OpenAs = Callable[[str | None, str], None]


def _with_a_bad_row() -> bytes:
    """The real file with one area code mistyped, and one value that is not a number."""
    with ONS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[4]["area_code"] = "E08999999"
    rows[10]["value"] = "n/a"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=services.COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def _lines(path: Path, *numbers: range) -> bytes:
    """The header and the given lines of a published file (1 is the header), as written."""
    published = path.read_bytes().splitlines(keepends=True)
    return published[0] + b"".join(published[n - 1] for r in numbers for n in r)


def _choose(
    page: Page, data: bytes, name: str, *, create: bool, metadata: Path | None = None
) -> None:
    page.locator("#id_file").set_input_files({"name": name, "mimeType": "text/csv", "buffer": data})
    if metadata is not None:
        page.get_by_label("Upload the indicator metadata (optional)").set_input_files(metadata)
    if create:
        page.get_by_label("Create indicators the file names that are not known yet").check()
    page.get_by_role("button", name="Check the file").click()


@pytest.fixture
def targets(people: People) -> None:
    indicator = Indicator.objects.get(code=GVA)
    for area, kind, year, value, why in [
        ("Birmingham", TargetKind.BASELINE, 2019, "30.62", "ONS Subnational Indicators, 2019"),
        ("Birmingham", TargetKind.TARGET, 2030, "35", "The deal's productivity ambition"),
        ("Coventry", TargetKind.TARGET, 2030, "40", ""),
    ]:
        services.target_set(
            indicator=indicator,
            area=Area.objects.get(name=area),
            kind=kind,
            year=year,
            value=Decimal(value),
            rationale=why,
            acting_user=people.admin,
        )


def test_the_upload_page_has_no_accessibility_violations(page: Page, open_as: OpenAs) -> None:
    open_as("admin", "/observations/import/")
    expect(page.locator("h1")).to_have_text("Import figures")
    page.get_by_text("What the file looks like").click()  # open the details, so axe sees them
    screenshot(page, "figures-import-upload")
    assert_accessible(page)


def test_the_upload_page_submitted_without_a_file_shows_accessible_errors(
    page: Page, open_as: OpenAs
) -> None:
    open_as("admin", "/observations/import/")
    page.get_by_role("button", name="Check the file").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Select a CSV file")
    expect(page).to_have_title(re.compile(r"^Error: Import figures"))
    summary.get_by_role("link", name="Select a CSV file").click()
    expect(page.locator("#id_file")).to_be_focused()  # the link reaches the field
    screenshot(page, "figures-import-upload-error")
    assert_accessible(page)


def test_the_preview_of_a_file_with_mistakes_is_accessible_and_offers_no_confirm(
    page: Page, open_as: OpenAs
) -> None:
    open_as("admin", "/observations/import/")
    _choose(page, _with_a_bad_row(), "ons-with-mistakes.csv", create=True)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Check the figures before importing"))
    expect(summary).to_contain_text("Row 6: The area code 'E08999999' is not an area")
    expect(summary).to_contain_text("Row 12: The value 'n/a' is not a number.")
    expect(page.locator("#row-errors tbody tr")).to_have_count(2)
    expect(page.get_by_role("button", name="Confirm the import")).to_have_count(0)
    screenshot(page, "figures-import-preview-errors")
    assert_accessible(page)
    assert Observation.objects.count() == 0


def test_the_preview_of_the_real_file_and_the_result_are_accessible(
    page: Page, open_as: OpenAs
) -> None:
    open_as("admin", "/observations/import/")
    _choose(page, ONS.read_bytes(), ONS.name, create=True)
    expect(page).to_have_title(re.compile(r"^Check the figures before importing"))
    expect(page.locator("#new-indicators tbody tr")).to_have_count(6)
    expect(page.locator("#undated tbody tr")).to_have_count(14)
    screenshot(page, "figures-import-preview")
    assert_accessible(page)

    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator("h1")).to_have_text("Figures imported")
    expect(page.locator(".govuk-panel__body")).to_have_text("84 new, 0 corrected")
    screenshot(page, "figures-import-done")
    assert_accessible(page)
    assert Observation.objects.count() == 84


def test_a_corrected_figure_is_previewed_accessibly(
    page: Page, open_as: OpenAs, people: People
) -> None:
    services.import_observations(
        ONS.read_bytes(), acting_user=people.admin, create_missing_indicators=True
    )
    corrected = ONS.read_bytes().replace(b",Dudley,26.60,", b",Dudley,26.75,")
    open_as("admin", "/observations/import/")
    _choose(page, corrected, "ons-corrected.csv", create=False)
    table = page.locator("#corrected")
    expect(table.locator("tbody tr")).to_have_count(1)
    expect(table.locator("tbody td")).to_have_text(["Dudley", "2019", "26.6", "26.75"])
    screenshot(page, "figures-import-preview-corrected")
    assert_accessible(page)


def test_the_preview_of_an_explore_local_statistics_file_and_the_result_are_accessible(
    page: Page, open_as: OpenAs
) -> None:
    # The first 30 rows of each indicator of healthy life expectancy, as published.
    data = _lines(HLE, range(2, 32), range(2909, 2939))
    open_as("admin", "/observations/import/")
    _choose(page, data, HLE.name, create=False, metadata=HLE.with_suffix(".json"))
    expect(page).to_have_title(re.compile(r"^Check the figures before importing"))
    expect(page.locator(".govuk-caption-l")).to_have_text(
        "healthy-life-expectancy.csv with healthy-life-expectancy.json"
    )
    counts = page.locator("#counts")
    expect(counts.locator(".govuk-summary-list__row").first).to_contain_text("New figures 60")
    screenshot(page, "figures-import-ons-preview")
    assert_accessible(page)

    page.get_by_role("button", name="Confirm the import").click()
    expect(page.locator("h1")).to_have_text("Figures imported")
    expect(page.locator(".govuk-panel__body")).to_have_text("60 new, 0 corrected")
    screenshot(page, "figures-import-ons-done")
    assert_accessible(page)
    assert Observation.objects.count() == 60


def test_the_preview_of_an_explore_local_statistics_file_with_rows_left_out_is_accessible(
    page: Page, open_as: OpenAs
) -> None:
    # Greater Manchester's first rows, the Scottish city regions without a GSS code, and
    # figures suppressed ('c').
    data = _lines(FDI, range(2, 12), range(762, 765), range(1576, 1582))
    open_as("admin", "/observations/import/")
    _choose(page, data, FDI.name, create=False, metadata=FDI.with_suffix(".json"))
    expect(page.locator("#left-out tbody tr")).to_have_count(3)
    expect(page.locator("#left-out tbody th")).to_have_text(["12", "13", "14"])
    screenshot(page, "figures-import-ons-preview-left-out")
    assert_accessible(page)


def test_the_preview_of_a_damaged_explore_local_statistics_file_is_accessible(
    page: Page, open_as: OpenAs
) -> None:
    published = _lines(HLE, range(2, 32)).splitlines(keepends=True)
    published[4] = published[4].replace(b",2020-01-01/P3Y,", b",2020-02-30/P3Y,")
    published[8] = published[8].removeprefix(b"K02000001")
    open_as("admin", "/observations/import/")
    _choose(page, b"".join(published), HLE.name, create=False)
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Check the figures before importing"))
    expect(summary).to_contain_text("Row 9: There is no area code.")
    expect(page.locator("#problems tbody th")).to_have_text(["5", "9"])
    expect(page.get_by_role("button", name="Confirm the import")).to_have_count(0)
    screenshot(page, "figures-import-ons-preview-errors")
    assert_accessible(page)
    assert Observation.objects.count() == 0


def test_the_targets_page_has_no_accessibility_violations(
    page: Page, open_as: OpenAs, targets: None
) -> None:
    open_as("admin", f"/indicators/{GVA}/targets/")
    expect(page.locator("h1")).to_have_text("Baselines and targets")
    expect(page.locator("tbody tr")).to_have_count(3)
    screenshot(page, "figures-targets")
    assert_accessible(page)


def test_the_targets_form_submitted_empty_shows_accessible_errors(
    page: Page, open_as: OpenAs, targets: None
) -> None:
    open_as("admin", f"/indicators/{GVA}/targets/")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-error-summary")).to_be_focused()
    expect(page).to_have_title(re.compile(r"^Error: Baselines and targets"))
    screenshot(page, "figures-targets-error")
    assert_accessible(page)


def test_a_target_is_set_and_removed_in_the_browser(
    page: Page, open_as: OpenAs, targets: None
) -> None:
    open_as("admin", f"/indicators/{GVA}/targets/")
    page.get_by_label("Area").select_option(label="Solihull (E08000029)")
    page.get_by_label("Target", exact=True).check()
    page.get_by_label("Year").fill("2030")
    page.get_by_label("Value", exact=True).fill("48.5")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Target for Solihull in 2030 saved"
    )
    expect(page.locator("tbody tr")).to_have_count(4)
    page.get_by_role("button", name="Remove the target for 2030 in Solihull").click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Target for Solihull in 2030 removed"
    )
    expect(page.locator("tbody tr")).to_have_count(3)
    screenshot(page, "figures-targets-removed")
    assert_accessible(page)
