"""Text with a control character is refused where it enters, with the field named: a page's
form, the Django admin and the API alike (core/text.py). Tab and new lines are text."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import User
from tests.conftest import People
from tests.test_api_reporting import risk_body
from tests.test_update_pages import NEW, _form
from tracker.models import Risk, StatusUpdate, Workstream

CHARACTERS = ["\x01", "\x08", "\x0b", "\x0c", "\x1b", "\x1f"]


@pytest.mark.parametrize("character", CHARACTERS)
def test_a_form_refuses_a_control_character_naming_the_field(
    client: Client, people: People, character: str
) -> None:
    client.force_login(people.lead)
    response = client.post(NEW, _form(next_steps=f"Report to the board{character} in December."))
    assert response.status_code == 200
    form = response.context["form"]
    code = f"U+{ord(character):04X}"
    assert form.errors["next_steps"] == [
        f"Remove the control character {code}: text cannot hold one."
    ]
    assert f"Remove the control character {code}" in response.content.decode()
    assert not StatusUpdate.objects.exists()


def test_tabs_and_new_lines_are_text(client: Client, people: People) -> None:
    client.force_login(people.lead)
    response = client.post(NEW, _form(progress="Responses:\r\n\t- analysed\n\t- published"))
    assert response.status_code == 302
    assert StatusUpdate.objects.get().progress.endswith("published")


def test_the_admin_refuses_a_control_character_naming_the_field(
    client: Client, people: People
) -> None:
    root = User.objects.create_superuser(email="root@example.org", password="x" * 20)
    client.force_login(root)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    url = reverse("admin:tracker_workstream_change", args=[transport.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in {**form.initial, "name": "Trans\x0bport"}.items()
        if value is not None and not isinstance(value, list | tuple)
    }
    response = client.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["name"] == ["Remove the control character U+000B: text cannot hold one."]
    transport.refresh_from_db()
    assert transport.name == "Transport"


@pytest.mark.parametrize("character", CHARACTERS)
def test_the_api_refuses_a_control_character_naming_the_field(
    api: APIClient, people: People, character: str
) -> None:
    api.force_authenticate(people.lead)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    body = risk_body(transport, title=f"Department{character} delays")
    response = api.post("/api/v1/risks/", body, format="json")
    assert response.status_code == 400
    code = f"U+{ord(character):04X}"
    assert response.json()["title"] == [
        f"Remove the control character {code}: text cannot hold one."
    ]
    assert not Risk.objects.filter(workstream=transport).exists()


@pytest.mark.parametrize("character", ["%00", "%01", "%0B", "%1F"])
def test_a_search_or_filter_with_a_control_character_is_a_400(
    api: APIClient, client: Client, people: People, character: str
) -> None:
    """Found by the API fuzzing: DRF's search checks its term as a text field, and answered the
    new refusal as a bare list, which the schema does not describe."""
    api.force_authenticate(people.dsg)
    for url in [f"/api/v1/deals/?search=a{character}", f"/api/v1/proposals/?stage={character}"]:
        response = api.get(url)
        assert response.status_code == 400, url
        assert "which no search or filter accepts" in response.json()["detail"]
    client.force_login(people.dsg)
    assert client.get(f"/proposals/?q={character}").status_code == 400
