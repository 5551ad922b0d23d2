"""The import page reads ONS's Explore Local Statistics files as they are published: the figures
CSV, recognised by its header, with the indicator metadata JSON beside it. The preview is the
import's dry run and writes nothing; confirming imports the same bytes once; importing again
changes nothing; a damaged copy is refused with its row numbers; only an administrator may.

The files are slices of the published files in data/, taken line for line as ONS wrote them."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from missions import services, views_figures
from missions.choices import Direction, Unit
from missions.models import Area, Indicator, IndicatorFramework, MissingFigure, Observation

from .conftest import People

ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"
HLE = ONS / "healthy-life-expectancy" / "healthy-life-expectancy.csv"
HLE_METADATA = HLE.with_suffix(".json")
FDI = ONS / "foreign-direct-investment" / "foreign-direct-investment.csv"
IMPORT = "/observations/import/"
CONFIRM = "/observations/import/confirm/"
DONE = "/observations/import/done/"
NOT_ADMINS = ["lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]
MALE_SUBTITLE = "Average years expected to be lived in good health for males born in the given year"

pytestmark = pytest.mark.django_db


# --- Helpers ----------------------------------------------------------------------------------


def lines(path: Path, *numbers: range) -> bytes:
    """The header and the given lines of a published file (1 is the header), bytes as written."""
    published = path.read_bytes().splitlines(keepends=True)
    return published[0] + b"".join(published[n - 1] for r in numbers for n in r)


def hle(rows: int = 60) -> bytes:
    """The first rows of each indicator of healthy life expectancy (male from line 2, female
    from line 2909): areas of several levels, twelve periods each."""
    return lines(HLE, range(2, 2 + rows // 2), range(2909, 2909 + rows // 2))


def figures_in(data: bytes) -> set[tuple[str, str, str]]:
    """Each (area code, indicator, period) of a file with a figure, read here on its own."""
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
    return {
        (r["areacd"], r["indicator"], r["period"])
        for r in rows
        if r["observation"] and r["areacd"] != "na"
    }


def upload(
    client: Client,
    data: bytes,
    metadata: bytes | None = None,
    *,
    name: str = "healthy-life-expectancy.csv",
) -> Any:
    form: dict[str, Any] = {"file": SimpleUploadedFile(name, data, content_type="text/csv")}
    if metadata is not None:
        form["metadata"] = SimpleUploadedFile(
            Path(name).with_suffix(".json").name, metadata, content_type="application/json"
        )
    return client.post(IMPORT, form)


def text(response: Any) -> str:
    return response.content.decode()


def title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", text(response), re.S)
    assert match
    return " ".join(match[1].split())


def count(page: str, label: str) -> int:
    """A count on the preview's summary list."""
    match = re.search(rf"{label}</dt>\s*<dd[^>]*>(\d+)", page)
    assert match, label
    return int(match[1])


def digest(page: str) -> str:
    match = re.search(r'<input type="hidden" name="sha256" value="([0-9a-f]{64})">', page)
    assert match, "no confirm button"
    return match[1]


def held() -> tuple[int, ...]:
    return (
        Observation.objects.count(),
        Observation.history.count(),
        MissingFigure.objects.count(),
        Area.objects.count(),
        Indicator.objects.count(),
        IndicatorFramework.objects.count(),
    )


def as_admin(client: Client, people: People) -> Client:
    client.force_login(people.admin)
    return client


# --- The upload page --------------------------------------------------------------------------


def test_the_upload_page_asks_for_the_metadata_beside_the_csv(
    client: Client, people: People
) -> None:
    page = text(as_admin(client, people).get(IMPORT))
    assert '<label class="govuk-label" for="id_metadata">' in page
    assert 'name="metadata" type="file" accept=".json,application/json"' in page
    assert 'aria-describedby="id_metadata_helptext"' in page
    assert "the JSON file published beside the CSV (&lt;name&gt;.json)" in page
    assert "a figures file from ONS’s Explore Local Statistics as it is published" in page


# --- Preview and confirm ----------------------------------------------------------------------


def test_a_published_file_is_previewed_writing_nothing_then_imported_once_when_confirmed(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    data, metadata = hle(), HLE_METADATA.read_bytes()
    wanted = figures_in(data)
    assert len(wanted) == 60
    before = held()

    preview = upload(client, data, metadata)

    assert preview.status_code == 200
    assert title(preview) == "Check the figures before importing – Devolution deal tracker"
    page = text(preview)
    assert "healthy-life-expectancy.csv with healthy-life-expectancy.json" in page
    assert count(page, "New figures") == 60
    assert count(page, "Corrected figures") == count(page, "Unchanged figures") == 0
    assert count(page, "New indicators") == 2
    areas = {code for code, _i, _p in wanted} - set(Area.objects.values_list("gss_code", flat=True))
    assert count(page, "New areas") == len(areas) > 0
    assert "govuk-error-summary" not in page and "Confirm the import" in page
    assert held() == before  # the preview is a dry run

    confirmed = client.post(CONFIRM, {"sha256": digest(page)})

    assert confirmed.status_code == 302 and confirmed["Location"] == DONE
    imported = Observation.objects.filter(indicator__framework__slug="ons-explore-local-statistics")
    assert sorted(
        (o.area.gss_code, o.indicator.name, o.period)
        for o in imported.select_related("area", "indicator")
    ) == sorted(wanted)  # every figure of the file, each once
    assert {h.history_user for h in Observation.history.all()} == {people.admin}
    assert views_figures.PENDING_KEY not in client.session

    done = text(client.get(DONE))
    assert '<h1 class="govuk-panel__title">Figures imported</h1>' in done
    assert "60 new, 0 corrected" in done
    assert "From healthy-life-expectancy.csv with healthy-life-expectancy.json:" in done
    assert 'href="/frameworks/ons-explore-local-statistics/"' in done

    # Confirmed twice (a second click): the first one did it.
    again = client.post(CONFIRM, {"sha256": digest(page)})
    assert again.status_code == 302 and again["Location"] == DONE
    assert imported.count() == 60


def test_the_same_file_uploaded_again_previews_as_unchanged(client: Client, people: People) -> None:
    as_admin(client, people)
    data, metadata = hle(), HLE_METADATA.read_bytes()
    client.post(CONFIRM, {"sha256": digest(text(upload(client, data, metadata)))})
    before = held()

    preview = text(upload(client, data, metadata))

    assert count(preview, "Unchanged figures") == 60
    assert count(preview, "New figures") == count(preview, "Corrected figures") == 0
    assert count(preview, "New areas") == count(preview, "New indicators") == 0
    assert count(preview, "Indicators updated") == 0
    assert "This file changes nothing" in preview
    assert "Confirm the import" not in preview and 'name="sha256"' not in preview
    assert held() == before


def test_the_metadata_gives_the_indicators_their_subtitles_and_places(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    page = text(upload(client, hle(), HLE_METADATA.read_bytes()))
    assert "No indicator metadata was uploaded" not in page
    client.post(CONFIRM, {"sha256": digest(page)})

    male = Indicator.objects.get(code="male-healthy-life-expectancy")
    assert male.subtitle == MALE_SUBTITLE
    assert male.decimal_places == 1
    assert male.source == "Office for National Statistics"
    assert male.framework.slug == "ons-explore-local-statistics"


def test_without_the_metadata_the_preview_says_so_and_the_metadata_later_updates_them(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    data = hle()
    page = text(upload(client, data))
    assert "No indicator metadata was uploaded" in page
    client.post(CONFIRM, {"sha256": digest(page)})
    assert Indicator.objects.get(code="male-healthy-life-expectancy").subtitle == ""

    page = text(upload(client, data, HLE_METADATA.read_bytes()))

    assert count(page, "Indicators updated") == 2
    assert count(page, "New figures") == count(page, "New indicators") == 0
    client.post(CONFIRM, {"sha256": digest(page)})
    assert Indicator.objects.get(code="male-healthy-life-expectancy").subtitle == MALE_SUBTITLE


def test_rows_without_an_area_code_are_listed_with_their_row_numbers_and_missing_figures_kept(
    client: Client, people: People
) -> None:
    # Greater Manchester's first rows, the three Scottish city regions ('na'), and the last
    # rows, whose outward investment is suppressed ('c').
    data = lines(FDI, range(2, 12), range(762, 765), range(1576, 1582))
    as_admin(client, people)

    page = text(upload(client, data, FDI.with_suffix(".json").read_bytes(), name=FDI.name))

    assert count(page, "Rows left out") == 3
    left_out = re.search(r'<table class="govuk-table" id="left-out">(.*?)</table>', page, re.S)
    assert left_out
    rows = re.findall(r"<th scope=\"row\"[^>]*>(\d+)</th>\s*<td[^>]*>(.*?)</td>", left_out[1])
    assert rows == [
        ("12", "Aberdeen City Region has no GSS code (&#x27;na&#x27;)."),
        ("13", "Edinburgh and South East Scotland City Region has no GSS code (&#x27;na&#x27;)."),
        ("14", "Glasgow City Region has no GSS code (&#x27;na&#x27;)."),
    ]
    assert count(page, "Missing figures") == 6
    client.post(CONFIRM, {"sha256": digest(page)})
    assert MissingFigure.objects.filter(status="c").count() == 6
    assert Observation.objects.count() == len(figures_in(data)) == 10
    assert "3 rows left out" in text(client.get(DONE))


# --- Refusals ---------------------------------------------------------------------------------


def test_a_damaged_file_is_refused_with_both_row_numbers_and_nothing_written(
    client: Client, people: People
) -> None:
    published = hle().splitlines(keepends=True)
    # Row 5's period is a day that never was; row 9 has lost its area code.
    published[4] = published[4].replace(b",2020-01-01/P3Y,", b",2020-02-30/P3Y,")
    assert published[8].startswith(b"K02000001,")
    published[8] = published[8].removeprefix(b"K02000001")
    data = b"".join(published)
    as_admin(client, people)
    before = held()

    preview = upload(client, data, HLE_METADATA.read_bytes())

    assert preview.status_code == 200
    assert title(preview) == "Error: Check the figures before importing – Devolution deal tracker"
    page = text(preview)
    summary = re.search(r'<div class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary
    assert re.search(r"Row 5: [^<]*2020-02-30", summary[0])
    assert "Row 9: There is no area code." in summary[0]
    table = re.search(r'<table class="govuk-table" id="problems">(.*?)</table>', page, re.S)
    assert table
    assert re.findall(r'<th scope="row"[^>]*>(\d+)</th>', table[1]) == ["5", "9"]
    assert "2 rows of the file are wrong" in page
    assert "Confirm the import" not in page and 'name="sha256"' not in page
    assert 'for="id_file"' in page and 'for="id_metadata"' in page  # upload a corrected one
    assert views_figures.PENDING_KEY not in client.session
    assert held() == before


def test_a_confirm_checks_the_file_again_and_writes_nothing_when_it_is_refused_now(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    page = text(upload(client, hle(), HLE_METADATA.read_bytes()))
    # Since the preview, an indicator of the same code came to be held with another unit.
    framework = IndicatorFramework.objects.create(
        slug=services.ONS_FRAMEWORK["slug"], name=services.ONS_FRAMEWORK["name"]
    )
    Indicator.objects.create(
        framework=framework,
        code="male-healthy-life-expectancy",
        name="Male HLE",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER_IS_BETTER,
    )
    before = held()

    response = client.post(CONFIRM, {"sha256": digest(page)})

    assert response.status_code == 200
    assert title(response).startswith("Error: Check the figures before importing")
    assert "contradicts the indicator" in text(response)
    assert held() == before


def test_a_confirm_after_someone_else_imported_the_file_imports_nothing_twice(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    data, metadata = hle(), HLE_METADATA.read_bytes()
    page = text(upload(client, data, metadata))
    services.import_ons_file(data, metadata, name="theirs", acting_user=people.admin)
    before = held()

    client.post(CONFIRM, {"sha256": digest(page)})

    assert held() == before
    assert "0 new, 0 corrected" in text(client.get(DONE))


def test_a_confirm_of_other_metadata_than_previewed_asks_for_the_files_again(
    client: Client, people: People
) -> None:
    as_admin(client, people)
    data = hle()
    without = digest(text(upload(client, data)))
    with_metadata = digest(text(upload(client, data, HLE_METADATA.read_bytes())))
    assert without != with_metadata

    response = client.post(CONFIRM, {"sha256": without})

    assert "The file you checked is no longer held for importing" in text(response)
    assert Observation.objects.count() == 0


@pytest.mark.parametrize(
    ("metadata", "reason"),
    [
        (b"areacd,areanm\n", "The metadata file must be JSON"),
        (b"\xff\xfe{", "The metadata file must be JSON"),
        (b"", "The selected metadata file is empty"),
    ],
    ids=["csv", "not-text", "empty"],
)
def test_a_metadata_file_that_is_not_json_is_an_error_on_its_field(
    client: Client, people: People, metadata: bytes, reason: str
) -> None:
    as_admin(client, people)
    before = held()

    response = upload(client, hle(), metadata)

    assert response.status_code == 200
    assert title(response) == "Error: Import figures – Devolution deal tracker"
    page = text(response)
    assert re.search(rf'<li><a href="#id_metadata">{reason}[^<]*</a></li>', page)
    assert 'id="id_metadata_error"' in page
    assert views_figures.PENDING_KEY not in client.session
    assert held() == before


def test_metadata_with_a_file_in_the_apps_own_format_is_an_error_on_its_field(
    client: Client, people: People
) -> None:
    own = (
        Path(settings.BASE_DIR) / "data" / "ons_subnational_indicators_wmca_2022.csv"
    ).read_bytes()
    response = upload(as_admin(client, people), own, HLE_METADATA.read_bytes(), name="own.csv")
    assert title(response).startswith("Error: Import figures")
    assert "Metadata goes with a file from ONS’s Explore Local Statistics only" in text(response)


def test_the_two_files_together_are_held_to_the_upload_limit(
    client: Client, people: People
) -> None:
    largest = ONS / "personal-wellbeing-estimates" / "personal-wellbeing-estimates.csv"
    data = largest.read_bytes()
    padding = services.MAX_IMPORT_BYTES - len(data) + 1
    metadata = b'{"ess-beta-metadata": {}, "padding": "' + b" " * padding + b'"}'

    response = upload(as_admin(client, people), data, metadata, name=largest.name)

    assert title(response).startswith("Error: Import figures")
    assert "The CSV file and the metadata file together must be smaller than 5 MB" in text(response)
    assert Observation.objects.count() == 0


# --- Who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", NOT_ADMINS)
def test_no_one_but_an_administrator_previews_or_confirms_an_ons_file(
    client: Client, people: People, persona: str
) -> None:
    as_admin(client, people)
    page = text(upload(client, hle(), HLE_METADATA.read_bytes()))
    client.force_login(people.all_roles()[persona])
    before = held()

    responses = [
        upload(client, hle(), HLE_METADATA.read_bytes()),
        client.post(CONFIRM, {"sha256": digest(page)}),
        client.get(DONE),
    ]

    assert [r.status_code for r in responses] == [403, 403, 403]
    assert held() == before


# --- Queries ----------------------------------------------------------------------------------


def test_the_preview_does_not_query_row_by_row(client: Client, people: People) -> None:
    """The import is batched: ten times the rows, most of them in new areas, adds only the
    statements a bulk insert is split into (SQLite limits a statement's parameters), not a
    query a row."""
    as_admin(client, people)
    metadata = HLE_METADATA.read_bytes()
    queries = []
    for rows in (20, 200):
        with CaptureQueriesContext(connection) as captured:
            page = text(upload(client, hle(rows), metadata))
        assert count(page, "New figures") == rows
        queries.append(len(captured))
    assert queries[1] - queries[0] < (200 - 20) / 10, queries
