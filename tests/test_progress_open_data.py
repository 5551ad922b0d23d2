"""The public progress page's open data: every published OFFICIAL provision of a deal as CSV and
JSON, under the Open Government Licence, with nothing unpublished or OFFICIAL-SENSITIVE and no
person's name, in a fixed number of queries."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from delivery.views.public import CSV_HEADER, LICENCE_URL

from .conftest import People
from .public_progress import TODAY, World, hidden_words, make, report, world

pytestmark = pytest.mark.django_db

LICENCE_LINK = f'<{LICENCE_URL}>; rel="license"'


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def w(people: People) -> World:
    return world(people)


def rows(response: Any) -> list[dict[str, str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff"), "a byte order mark, so that spreadsheets read UTF-8"
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize("url", ["/progress/provisions.csv", "/progress/wmca-tdd/provisions.csv"])
def test_an_anonymous_visitor_downloads_the_published_provisions_as_csv(
    client: Client, w: World, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="wmca-tdd-provisions.csv"'
    assert response["Link"] == LICENCE_LINK
    assert response["Cache-Control"].startswith("public")
    table = rows(response)
    assert list(table[0]) == CSV_HEADER
    assert [r["reference"] for r in table] == ["5.2", "4.12"]
    bus = table[1]
    assert bus == {
        "reference": "4.12",
        "title": "Bus franchising powers",
        "chapter": "Transport",
        "theme": "Connecting communities",
        "workstream": "Transport",
        "lead_organisation": "Regional Transport Executive",
        "government_department": "Department for Transport",
        "kind": "Power",
        "state": "In progress",
        "confidence": "Amber",
        "baseline_date": "2027-03-31",
        "forecast_date": "2027-06-30",
        "last_report_date": "2026-05-20",
        "last_report_period_start": "2026-05-01",
        "last_report_period_end": "2026-05-31",
        "last_report_narrative": (
            "The consultation closed; the department's response is a month late."
        ),
        "text": "Government will support the franchising of bus services across the area.",
        "url": f"http://testserver/progress/wmca-tdd/provisions/{w.bus.pk}/",
    }
    # Not yet reported on: the report's columns are empty.
    assert (table[0]["state"], table[0]["confidence"], table[0]["last_report_date"]) == ("", "", "")
    assert client.get(bus["url"]).status_code == 200


@pytest.mark.parametrize("url", ["/progress/provisions.json", "/progress/wmca-tdd/provisions.json"])
def test_an_anonymous_visitor_reads_the_same_as_json_with_its_licence(
    client: Client, w: World, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Link"] == LICENCE_LINK
    assert response["Access-Control-Allow-Origin"] == "*"
    body = response.json()
    assert body["licence"] == {"name": "Open Government Licence v3.0", "url": LICENCE_URL}
    assert body["deal"]["name"] == "West Midlands Trailblazer Devolution Deal"
    assert [level["confidence"] for level in body["confidence_scale"]] == [
        "Green",
        "Amber/Green",
        "Amber",
        "Amber/Red",
        "Red",
    ]
    assert all(level["definition"] for level in body["confidence_scale"])
    # The same rows as the CSV file, with nulls where the file has empty cells.
    table = rows(client.get("/progress/provisions.csv"))
    as_csv = [{k: "" if v is None else v for k, v in p.items()} for p in body["provisions"]]
    assert as_csv == table
    assert body["provisions"][0]["state"] is None


def test_the_open_data_holds_nothing_unpublished_sensitive_or_personal(
    client: Client, people: People, w: World
) -> None:
    for url in ("/progress/provisions.csv", "/progress/provisions.json"):
        body = client.get(url).content.decode("utf-8")
        for words in hidden_words(w):
            assert words not in body, (url, words)
        for person in people.all_roles().values():
            assert person.email not in body and person.full_name not in body, (url, person)
        assert '"author"' not in body and "author" not in body.splitlines()[0]
    assert len(client.get("/progress/provisions.json").json()["provisions"]) == 2


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_written_as_text(
    client: Client, people: People, w: World
) -> None:
    make(people, "6.1", title='=HYPERLINK("https://attacker.example/","Open")', is_published=True)
    table = rows(client.get("/progress/provisions.csv"))
    titles = [r["title"] for r in table if r["reference"] == "6.1"]
    assert titles == ['\'=HYPERLINK("https://attacker.example/","Open")']
    # JSON is not opened by a spreadsheet: it keeps the words as they are.
    provisions = client.get("/progress/provisions.json").json()["provisions"]
    assert '=HYPERLINK("https://attacker.example/","Open")' in [p["title"] for p in provisions]


def test_the_files_take_the_same_queries_whatever_the_number_of_provisions(
    client: Client, people: People, w: World, django_assert_max_num_queries: Any
) -> None:
    for number in range(40):
        report(people, make(people, f"9.{number}", is_published=True))
    with django_assert_max_num_queries(4):
        response = client.get("/progress/provisions.json")
    assert len(json.loads(response.content)["provisions"]) == 42
    with django_assert_max_num_queries(2):
        assert len(rows(client.get("/progress/provisions.csv"))) == 42


def test_the_open_data_is_rate_limited_with_the_pages(
    client: Client, w: World, settings: Any
) -> None:
    settings.PUBLIC_RATE_LIMIT = "2/m"
    assert client.get("/progress/").status_code == 200
    assert client.get("/progress/provisions.json").status_code == 200
    refused = client.get("/progress/provisions.csv")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert "Too many requests" in refused.content.decode()
