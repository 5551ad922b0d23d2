"""The read API: who may call it, what its lists hold, and how many queries they cost."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from core.choices import Classification
from tracker.choices import Direction, Rag
from tracker.models import StatusUpdate, Workstream
from tracker.services import risk_create

from .conftest import People

LISTS = [
    "/api/v1/deals/",
    "/api/v1/themes/",
    "/api/v1/workstreams/",
    "/api/v1/bodies/",
    "/api/v1/missions/",
    "/api/v1/indicators/",
    "/api/v1/areas/",
]


def results(client: APIClient, url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [*LISTS, "/api/v1/schema/", "/api/v1/docs/"])
def test_anonymous_requests_are_refused(api: APIClient, url: str) -> None:
    response = api.get(url)
    assert response.status_code == 401
    assert "Token" in response["WWW-Authenticate"]


@pytest.mark.parametrize("url", LISTS)
def test_every_role_can_read_every_list(api: APIClient, people: People, url: str) -> None:
    for user in people.all_roles().values():
        api.force_authenticate(user)
        response = api.get(url)
        assert response.status_code == 200, (user, response.content)
        assert "results" in response.json() and "count" in response.json()


def test_a_token_from_drf_create_token_authenticates(api: APIClient, people: People) -> None:
    call_command("drf_create_token", people.dsg.email, verbosity=0)
    token = people.dsg.auth_token.key
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [d["slug"] for d in results(api, "/api/v1/deals/")] == ["wmca-tdd"]


def test_a_bad_token_is_refused(api: APIClient, people: People) -> None:
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api.get("/api/v1/deals/").status_code == 401


def test_deal_scoped_lists_are_empty_for_someone_without_a_role(
    api: APIClient, people: People
) -> None:
    api.force_authenticate(people.nobody)
    for url in ["/api/v1/deals/", "/api/v1/themes/", "/api/v1/workstreams/", "/api/v1/bodies/"]:
        assert results(api, url) == []
    assert (
        api.get(f"/api/v1/workstreams/{people.lead.memberships.get().workstream_id}/").status_code
        == 404
    )


def test_the_workstream_list_shows_the_twenty_workstreams_with_their_people(
    api: APIClient, people: People
) -> None:
    api.force_authenticate(people.partner)
    api_rows = results(api, "/api/v1/workstreams/")
    assert len(api_rows) == 20
    transport = next(w for w in api_rows if w["slug"] == "transport")
    assert transport["theme"] == "Connecting communities"
    assert [lead["email"] for lead in transport["leads"]] == ["alice@example.org"]
    assert transport["sponsor"]["email"] == "sue@example.org"
    flagged = {w["name"] for w in api_rows if w["can_proceed_outside_deal"]}
    assert flagged == {"WM Smart City Region", "UKSPF (Multiply)", "Housing, regen and planning"}


def test_workstreams_filter_by_theme_and_status(api: APIClient, people: People) -> None:
    api.force_authenticate(people.dsg)
    theme_id = Workstream.objects.get(slug="transport").theme_id
    names = [w["name"] for w in results(api, f"/api/v1/workstreams/?theme={theme_id}")]
    assert names == ["Housing, regen and planning", "Transport", "Net Zero (BEIS)", "Digital"]
    assert results(api, "/api/v1/workstreams/?status=ceased") == []


def _update(ws: Workstream, start: dt.date, rag: str, classification: str, author: User) -> None:
    StatusUpdate.objects.create(
        workstream=ws,
        period_start=start,
        period_end=start + dt.timedelta(days=13),
        rag=rag,
        direction=Direction.STABLE,
        summary=f"{rag} summary",
        next_steps="Recovery plan agreed with the sponsor.",
        author=author,
        classification=classification,
    )


def test_a_partner_sees_the_newest_official_rag_never_a_sensitive_one(
    api: APIClient, people: People
) -> None:
    transport = Workstream.objects.get(slug="transport")
    _update(transport, dt.date(2026, 10, 26), Rag.GREEN, Classification.OFFICIAL, people.lead)
    _update(
        transport, dt.date(2026, 11, 9), Rag.RED, Classification.OFFICIAL_SENSITIVE, people.lead
    )

    def current(user: User) -> dict:
        api.force_authenticate(user)
        return api.get(f"/api/v1/workstreams/{transport.pk}/").json()["current_status"]

    assert current(people.partner) == {"rag": "green", "period_start": "2026-10-26"}
    for insider in [people.admin, people.lead, people.sponsor, people.dsg]:
        assert current(insider) == {"rag": "red", "period_start": "2026-11-09"}


def test_bodies_list_the_escalation_chain_and_the_dsg_composition(
    api: APIClient, people: People
) -> None:
    api.force_authenticate(people.dsg)
    bodies = {b["id"]: b for b in results(api, "/api/v1/bodies/?page_size=100")}
    start = next(b for b in bodies.values() if b["is_chain_start"])
    chain = [start["name"]]
    body = start
    while body["next_body"]:
        body = bodies[body["next_body"]]
        chain.append(body["name"])
    assert chain == [
        "TDD Core Team",
        "Strategic Leadership Team",
        "Senior Local Authority Officers Group",
        "Devolution Strategy Group",
        "High Level Negotiating Team",
        "WMCA Board",
    ]
    dsg = next(b for b in bodies.values() if b["name"] == "Devolution Strategy Group")
    assert len(dsg["members"]) == 10


def test_missions_come_with_both_statements_and_their_metrics(
    api: APIClient, people: People
) -> None:
    api.force_authenticate(people.partner)
    missions = results(api, "/api/v1/missions/")
    assert [m["number"] for m in missions] == list(range(1, 13))
    living = api.get("/api/v1/missions/1/").json()
    assert living["short_name"] == "Living Standards"
    assert living["statement"].startswith("By 2030, pay, employment and productivity")
    assert len(living["statements"]) == 2
    assert {m["coverage"] for m in living["metrics"]} == {"uk"}
    assert "GVA per hour" in [m["name"] for m in living["metrics"]][0]


def test_indicators_filter_by_mission_and_areas_by_level(api: APIClient, people: People) -> None:
    api.force_authenticate(people.lead)
    codes = {i["code"] for i in results(api, "/api/v1/indicators/?metric__mission__number=7")}
    assert codes == {"healthy_life_expectancy_female", "healthy_life_expectancy_male"}
    gva = api.get("/api/v1/indicators/gva_per_hour_worked/").json()
    assert (gva["unit"], gva["mission"]) == ("GBP", 1)
    districts = results(api, "/api/v1/areas/?level=metropolitan-district")
    assert [a["gss_code"] for a in districts] == [f"E080000{n}" for n in range(25, 32)]
    assert {a["parent"] for a in districts} == {"E47000007"}
    assert api.get("/api/v1/areas/E92000001/").json()["parent"] == "K02000001"


def test_the_openapi_schema_describes_every_list(api: APIClient, people: People) -> None:
    api.force_authenticate(people.dsg)
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for url in LISTS:
        assert url in paths
    assert api.get("/api/v1/docs/").status_code == 200


@pytest.mark.parametrize("url", LISTS)
def test_lists_cost_a_bounded_number_of_queries(
    api: APIClient, people: People, url: str, django_assert_max_num_queries
) -> None:
    transport = Workstream.objects.get(slug="transport")
    for week in range(30):
        _update(
            transport,
            dt.date(2025, 1, 6) + dt.timedelta(weeks=2 * week),
            Rag.AMBER,
            Classification.OFFICIAL,
            people.lead,
        )
    api.force_authenticate(people.partner)
    with django_assert_max_num_queries(12):
        assert api.get(url + "?page_size=100").status_code == 200


def _schema(api: APIClient, people: People) -> dict:
    api.force_authenticate(people.dsg)
    return api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()


def test_the_schema_says_which_fields_may_be_null_as_the_responses_hold_them(
    api: APIClient, people: People
) -> None:
    schemas = _schema(api, people)["components"]["schemas"]
    assert schemas["Area"]["properties"]["parent"]["nullable"] is True
    assert schemas["BodyMember"]["properties"]["organisation"]["nullable"] is True
    assert schemas["Indicator"]["properties"]["theme"]["nullable"] is True
    assert schemas["Workstream"]["properties"]["merged_into"]["nullable"] is True
    # A partner reads a sensitive meeting's record as null.
    assert schemas["Meeting"]["properties"]["attendees"]["nullable"] is True
    # A proposal's outcome is empty until talks with government have ended.
    outcome = schemas["Proposal"]["properties"]["outcome"]
    enums = [schemas[choice["$ref"].split("/")[-1]]["enum"] for choice in outcome["oneOf"]]
    assert [""] in enums
    # A time of day in UK time, without the offset RFC 3339's "time" format would demand.
    send_at = schemas["Subscription"]["properties"]["send_at"]
    assert "format" not in send_at and send_at["pattern"]


def test_every_operation_documents_the_errors_a_request_can_meet(
    api: APIClient, people: People
) -> None:
    for path, operations in _schema(api, people)["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"401", "403"} <= codes, (method, path)
            if "{" in path:
                assert "404" in codes, (method, path)
            if method == "get" and "{" not in path:
                assert {"400", "404"} <= codes, (method, path)


def test_a_filter_beyond_what_a_database_integer_holds_is_refused_not_a_server_error(
    api: APIClient, people: People
) -> None:
    api.force_authenticate(people.admin)
    huge = 10**30
    for url in [
        f"/api/v1/negotiations/?proposal={huge}",
        f"/api/v1/proposals/?workstream={-huge}",
        f"/api/v1/status-updates/?workstream={huge}",
    ]:
        response = api.get(url)
        assert response.status_code == 400, (url, response.content)


def test_text_with_a_nul_character_is_refused_not_a_server_error(
    api: APIClient, people: People, client
) -> None:
    """PostgreSQL can neither store nor compare text holding NUL: such a request is a 400
    (found by the API fuzzing, as a 500 on PostgreSQL)."""
    api.force_authenticate(people.admin)
    body = {"indicator": "x\x00", "area": "E\x0008000025", "year": 2030, "value": "1"}
    response = api.post("/api/v1/targets/", body, format="json")
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]
    response = api.post("/api/v1/targets/", body)  # as a form
    assert response.status_code == 400
    for url in ["/api/v1/proposals/?search=a%00b", "/api/v1/workstreams/?theme=%00"]:
        assert api.get(url).status_code == 400, url
    client.force_login(people.dsg)
    assert client.get("/proposals/?q=%00").status_code == 400


def test_rows_that_tie_on_the_chosen_order_keep_one_order_across_pages(
    api: APIClient, people: People
) -> None:
    """Ordered by a field many rows share, a list pages through every row once: ties are
    broken by id (PostgreSQL, unlike SQLite, gives tied rows no order of its own)."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    made = [
        risk_create(
            workstream=transport,
            acting_user=people.lead,
            title=f"Risk {n}",
            likelihood=2,
            impact=3,
        ).pk
        for n in range(7)
    ]
    api.force_authenticate(people.dsg)
    for ordering in ("score", "-score"):
        seen = []
        for page in (1, 2, 3, 4):
            response = api.get(f"/api/v1/risks/?ordering={ordering}&page_size=2&page={page}")
            assert response.status_code == 200
            seen += [row["id"] for row in response.json()["results"]]
        assert seen == sorted(made), ordering  # each once, tied rows by id
