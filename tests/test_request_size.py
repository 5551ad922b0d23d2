"""How much a request may carry, and what happens past it.

Found by probing: Django wrote a whole upload to a temporary file before the import form's 5 MB
check could refuse it, and a JSON body over Django's default 2.5 MB was answered with a bare HTML
400 on the API. Now the files of one request are held in memory up to 5 MB and the rest is read
and dropped (config/uploads.py), and a body over the limit is answered 413 before it is read
(config/middleware.py)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from config.uploads import SizeLimitedUploadHandler, TooLargeUpload
from missions.models import Observation

from .conftest import People

IMPORT = "/observations/import/"
MB = 2**20


@pytest.fixture(autouse=True)
def no_temporary_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fails any test in which Django would write an upload to a temporary file."""

    def refused(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("an upload was written to a temporary file")

    monkeypatch.setattr(TemporaryUploadedFile, "__init__", refused)


def admin_client(people: People) -> Client:
    client = Client()
    client.force_login(people.admin)
    return client


def csv_of(size: int) -> bytes:
    header = b"indicator,unit,period,area_code,area_name,value,source\n"
    return header + b"x" * (size - len(header))


@pytest.mark.parametrize(
    "size", [6 * MB, settings.MAX_REQUEST_BYTES - 64 * 1024], ids=["6-MB", "just-under-the-cap"]
)
def test_a_file_over_5_mb_is_refused_in_words_on_its_form_and_never_stored(
    people: People, size: int
) -> None:
    upload = SimpleUploadedFile("figures.csv", csv_of(size), content_type="text/csv")
    response = admin_client(people).post(IMPORT, {"file": upload})
    assert response.status_code == 200
    assert "The selected file must be smaller than 5 MB" in response.content.decode()
    assert not Observation.objects.exists()


def test_a_file_of_just_under_5_mb_is_read_whole_from_memory(people: People) -> None:
    data = csv_of(settings.MAX_UPLOAD_BYTES)
    response = admin_client(people).post(
        IMPORT, {"file": SimpleUploadedFile("figures.csv", data, content_type="text/csv")}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "must be smaller than" not in page
    # Read whole, and refused for what it holds: one cell of nearly 5 MB.
    assert "Row 2: This row cannot be read as CSV: field larger than field limit" in page


def test_the_files_of_one_request_count_together(people: People) -> None:
    """Two 3 MB files: the first is held, the second passes the 5 MB and is held as too large."""
    handler = SizeLimitedUploadHandler()
    kept: list[Any] = []
    for name in ("a.csv", "b.csv"):
        handler.new_file("file", name, "text/csv", 3 * MB)
        passed = [handler.receive_data_chunk(b"x" * MB, n * MB) for n in range(3)]
        kept.append((passed, handler.file_complete(3 * MB)))
    (first_chunks, first), (second_chunks, second) = kept
    assert all(chunk is not None for chunk in first_chunks) and first is None
    assert second_chunks[:2] == [b"x" * MB, b"x" * MB] and second_chunks[2] is None
    assert isinstance(second, TooLargeUpload)
    assert (second.name, second.size, second.read()) == ("b.csv", 3 * MB, b"")


def test_a_body_with_files_over_the_cap_is_answered_413_before_it_is_read(
    people: People,
) -> None:
    upload = SimpleUploadedFile("big.csv", b"x" * settings.MAX_REQUEST_BYTES)
    response = admin_client(people).post(IMPORT, {"file": upload})
    page = response.content.decode()
    assert response.status_code == 413
    assert '<h1 class="govuk-heading-l">What you sent is too large</h1>' in page
    assert "up to 10 MB at once, and nothing you sent has been saved" in page


def test_a_form_body_over_5_mb_is_answered_413(people: People) -> None:
    client = admin_client(people)
    body = "summary=" + "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    response = client.post("/workstreams/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert "up to 5 MB at once" in response.content.decode()


@pytest.mark.parametrize("persona", ["admin", "lead", "partner"])
def test_a_json_body_over_5_mb_is_answered_413_in_json_on_every_endpoint(
    api: APIClient, people: People, persona: str
) -> None:
    api.force_authenticate(people.all_roles()[persona])
    # A body that would be valid were it not so large: one long summary.
    body = b'{"summary": "' + b"x" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE + b'"}'
    for method, url in [
        ("post", "/api/v1/status-updates/"),
        ("post", "/api/v1/risks/"),
        ("post", "/api/v1/observations/bulk/"),
        ("put", "/api/v1/observations/1/"),
        ("patch", "/api/v1/workstreams/1/"),
    ]:
        response = getattr(api, method)(url, body, content_type="application/json")
        assert response.status_code == 413, (method, url, response.content[:200])
        assert response.json() == {
            "detail": "The request body is larger than 5 MB, the most the API takes."
        }


def test_a_json_body_of_5_mb_is_read(api: APIClient, people: People) -> None:
    api.force_authenticate(people.admin)
    filler = settings.DATA_UPLOAD_MAX_MEMORY_SIZE - len(b'{"summary": ""}')
    body = b'{"summary": "' + b"x" * filler + b'"}'
    response = api.post("/api/v1/risks/", body, content_type="application/json")
    assert response.status_code == 400  # read, and refused for what it says, not its size
    assert "larger than" not in response.content.decode()
