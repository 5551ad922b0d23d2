"""An administrator imports a deal's provisions from a CSV file through the page: the preview
before anything is written, every bad row refused with its number, and confirming exactly what
was previewed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from delivery.models import Provision

from .conftest import People

UPLOAD = "/provisions/import/"
CONFIRM = "/provisions/import/confirm/"
HEADER = "reference,chapter,title,text,workstream,kind,classification\n"
GOOD = (
    HEADER + "4.12,Transport,Bus franchising,Government will support franchising.,transport,power,"
    "OFFICIAL\n"
    + "4.13,Transport,Rail stations,Government will consult on stations.,transport,Funding,"
    "official-sensitive\n"
)


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, text: str, name: str = "provisions.csv") -> Any:
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, text.encode(), "text/csv")})


@pytest.mark.django_db
def test_an_administrator_previews_then_confirms_the_import(people: People) -> None:
    admin = client_for(people.admin)
    page = admin.get(UPLOAD)
    assert page.status_code == 200 and "<code>workstream</code>" in page.text
    preview = upload(admin, GOOD)
    assert "provisions.csv would add 2 provisions" in preview.text
    assert "Bus franchising" in preview.text and "OFFICIAL-SENSITIVE" in preview.text
    assert not Provision.objects.exists()  # nothing until confirmed
    sha = preview.context["pending"]["sha256"]
    done = admin.post(CONFIRM, {"sha256": sha}, follow=True)
    assert "2 provisions imported into" in done.text
    rows = dict(Provision.objects.values_list("reference", "classification"))
    assert rows == {"4.12": "official", "4.13": "official-sensitive"}
    # Confirming again imports nothing more: the file is no longer held.
    again = admin.post(CONFIRM, {"sha256": sha}, follow=True)
    assert "no longer held for importing" in again.text
    assert Provision.objects.count() == 2


@pytest.mark.django_db
def test_a_bad_file_is_refused_with_row_numbers_and_nothing_to_confirm(people: People) -> None:
    bad = (
        GOOD
        + "4.12,Transport,Again,Repeated.,transport,power,OFFICIAL\n"
        + "4.14,Transport,Unknown,Words.,no-such-workstream,treaty,SECRET\n"
    )
    preview = upload(client_for(people.admin), bad)
    body = preview.text
    assert "<title>Error: Check the provisions to import" in body
    assert "problems in provisions.csv: nothing was imported" in body
    assert "Row 4: The reference 4.12 is on row 2 too" in body
    assert "Row 5: The deal has no workstream &#x27;no-such-workstream&#x27;." in body
    assert "Row 5: The kind &#x27;treaty&#x27; is not one of" in body
    assert "Confirm the import" not in body
    assert client_for(people.admin).post(CONFIRM, {"sha256": "0" * 64}).status_code == 302
    assert not Provision.objects.exists()


@pytest.mark.django_db
def test_the_confirmed_file_is_the_one_previewed(people: People) -> None:
    admin = client_for(people.admin)
    upload(admin, GOOD)
    response = admin.post(CONFIRM, {"sha256": "f" * 64}, follow=True)
    assert "no longer held for importing" in response.text
    assert not Provision.objects.exists()


@pytest.mark.django_db
def test_provisions_added_meanwhile_are_caught_when_confirming(people: People) -> None:
    from .provisions import provision

    admin = client_for(people.admin)
    sha = upload(admin, GOOD).context["pending"]["sha256"]
    provision(people, "4.13")  # a colleague adds one of them
    page = admin.post(CONFIRM, {"sha256": sha})
    assert "The deal already has a provision 4.13." in page.text
    assert list(Provision.objects.values_list("reference", flat=True)) == ["4.13"]


@pytest.mark.django_db
def test_a_file_that_is_not_csv_text_is_refused_without_a_crash(people: People) -> None:
    page = upload(client_for(people.admin), "\x00\x01binary", name="x.csv")
    assert page.status_code == 200 and "nothing was imported" in page.text
    empty = client_for(people.admin).post(UPLOAD, {})
    assert "Select a CSV file" in empty.text


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["lead", "sponsor", "dsg", "partner", "nobody"])
def test_only_administrators_import(people: People, role: str) -> None:
    client = client_for(getattr(people, role))
    assert client.get(UPLOAD).status_code == 403
    assert upload(client, GOOD).status_code == 403
    assert client.post(CONFIRM, {"sha256": "0" * 64}).status_code == 403
    assert not Provision.objects.exists()
