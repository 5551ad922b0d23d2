"""The pages people use: sign-in, home, workstream and missions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from core.choices import Classification
from tracker.choices import Direction, Rag, WorkstreamStatus
from tracker.models import StatusUpdate, Workstream

from .conftest import PASSWORD, People
from .provisions import provision


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/workstreams/transport/", "/missions/"])
def test_nothing_but_sign_in_is_visible_without_signing_in(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_the_sign_in_page_asks_for_an_email_address_and_a_password(client: Client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'type="email"' in body and 'type="password"' in body


def test_a_person_signs_in_with_their_email_in_any_case(client: Client, people: People) -> None:
    response = client.post(
        "/accounts/login/", {"username": "Alice@Example.org", "password": PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_password_shows_an_error_and_does_not_sign_in(
    client: Client, people: People
) -> None:
    response = client.post("/accounts/login/", {"username": people.lead.email, "password": "no"})
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()
    assert client.get("/").status_code == 302


def test_signing_out_ends_the_session(client: Client, people: People) -> None:
    client.force_login(people.lead)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def _update(ws: Workstream, rag: str, classification: str, summary: str) -> StatusUpdate:
    start = dt.date(2026, 11, 9)
    return StatusUpdate.objects.create(
        workstream=ws,
        period_start=start,
        period_end=start + dt.timedelta(days=13),
        rag=rag,
        direction=Direction.IMPROVING,
        summary=summary,
        next_steps="Recovery plan agreed with the sponsor.",
        classification=classification,
    )


def test_home_lists_themes_and_workstreams_with_lead_sponsor_and_rag(
    client: Client, people: People
) -> None:
    _update(Workstream.objects.get(slug="transport"), Rag.AMBER, Classification.OFFICIAL, "ok")
    client.force_login(people.dsg)
    body = client.get("/").content.decode()
    for theme in [
        "Inclusive economic growth",
        "Building human capital",
        "Connecting communities",
        "Building social capital",
        "Cross-cutting",
    ]:
        assert theme in body
    assert len(re.findall(r'href="/workstreams/[a-z0-9-]+/"', body)) == 20
    assert "Alice Lead" in body and "Sue Sponsor" in body
    assert ">Amber</strong>" in body
    assert body.count(">No update</strong>") == 19


def test_home_shows_whether_each_current_update_is_signed_off(
    client: Client, people: People
) -> None:
    from tracker import services

    transport = Workstream.objects.get(slug="transport")
    update = _update(transport, Rag.GREEN, Classification.OFFICIAL, "Fine")
    _update(Workstream.objects.get(slug="skills"), Rag.GREEN, Classification.OFFICIAL, "Fine")
    client.force_login(people.dsg)
    assert client.get("/").content.decode().count("not signed off") == 2
    services.status_update_review(
        status_update=update, acting_user=people.sponsor, decision="signed-off"
    )
    body = client.get("/").content.decode()
    assert body.count("not signed off") == 1 and body.count(", signed off") == 1


def test_home_leaves_out_merged_and_ceased_workstreams(client: Client, people: People) -> None:
    Workstream.objects.filter(slug="lep-integration").update(
        status=WorkstreamStatus.CEASED, ceased_on=dt.date(2026, 1, 1)
    )
    client.force_login(people.dsg)
    body = client.get("/").content.decode()
    assert "LEP Integration" not in body
    assert client.get("/workstreams/lep-integration/").status_code == 200


def test_a_person_without_a_role_is_told_to_ask_for_one(client: Client, people: People) -> None:
    client.force_login(people.nobody)
    assert "You do not have access to a deal yet" in client.get("/").content.decode()
    assert client.get("/workstreams/transport/").status_code == 404


def test_the_workstream_page_shows_its_people_and_latest_update(
    client: Client, people: People
) -> None:
    _update(Workstream.objects.get(slug="transport"), Rag.RED, Classification.OFFICIAL, "Late")
    client.force_login(people.other_lead)
    response = client.get("/workstreams/transport/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Alice Lead" in body and "Sue Sponsor" in body and ">Red</strong>" in body
    assert client.get("/workstreams/no-such-thing/").status_code == 404


def test_a_partner_never_sees_a_sensitive_update_on_a_page(client: Client, people: People) -> None:
    _update(
        Workstream.objects.get(slug="transport"),
        Rag.RED,
        Classification.OFFICIAL_SENSITIVE,
        "Our fallback position on bus franchising",
    )
    client.force_login(people.partner)
    for url in ["/", "/workstreams/transport/"]:
        body = client.get(url).content.decode()
        assert "fallback position" not in body
        assert ">Red</strong>" not in body
    client.force_login(people.sponsor)
    assert "fallback position" in client.get("/workstreams/transport/").content.decode()


def test_the_missions_page_shows_the_twelve_missions_with_both_wordings(
    client: Client, people: People
) -> None:
    client.force_login(people.partner)
    body = client.get("/missions/").content.decode()
    for number in range(1, 13):
        assert f"Mission {number}:" in body
    assert "Statement of Levelling Up Missions, 25 January 2024" in body
    # Mission 1's 2024 wording changed "with the gap" to "and the gap": the 2022 one is shown too.
    assert "Wording in 2022" in body
    assert "GVA per hour" in body


@pytest.mark.parametrize("url", ["/", "/workstreams/transport/", "/missions/"])
def test_pages_cost_a_bounded_number_of_queries(
    client: Client, people: People, url: str, django_assert_max_num_queries
) -> None:
    transport = Workstream.objects.get(slug="transport")
    for n in range(40):
        StatusUpdate.objects.create(
            workstream=transport,
            period_start=dt.date(2024, 1, 1) + dt.timedelta(weeks=2 * n),
            period_end=dt.date(2024, 1, 14) + dt.timedelta(weeks=2 * n),
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="fine",
        )
    for n in range(30):
        provision(people, f"4.{n + 10}")
    client.force_login(people.lead)
    # The workstream page's provisions (delivery's section) are one query more, its missed
    # periods two more and the DSG's answers to its asks one more: each a fixed number, however
    # many updates and provisions there are.
    with django_assert_max_num_queries(19):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/", "/workstreams/transport/", "/accounts/profile/"])
def test_someone_signed_in_as_a_demonstration_account_is_told_so_on_every_page(
    client: Client, people: People, url: str
) -> None:
    banner = "You are signed in to a demonstration."
    client.force_login(people.lead)
    assert banner not in client.get(url).content.decode()
    people.lead.is_demo = True
    people.lead.save(update_fields=["is_demo"])
    assert banner in client.get(url).content.decode()
