"""The reporting API: status updates, risks, engagement plans, where workstreams stand, merging
and ceasing. Role by role, what each person may see and do; that a partner never receives an
OFFICIAL-SENSITIVE record by any route; per-field errors; ETags and lost updates; query counts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from rest_framework.response import Response
from rest_framework.test import APIClient

from accounts.models import User
from core.choices import Classification, OrganisationKind, Role
from core.models import Deal, Membership, Organisation
from missions.models import Mission
from tracker import services
from tracker.choices import (
    BodyKind,
    Direction,
    EngagementFrequency,
    Rag,
    ReviewDecision,
    RiskStatus,
    WorkstreamStatus,
)
from tracker.models import (
    EngagementEntry,
    GovernanceBody,
    Risk,
    StatusUpdate,
    Theme,
    UpdateReview,
    Workstream,
)
from tracker.periods import Period, deal_period, previous_period

from .conftest import People

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
TODAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)  # a Wednesday in 23 Nov - 6 Dec
THIS_PERIOD_START = "2026-11-23"
INSIDERS = ["admin", "lead", "other_lead", "sponsor", "dsg"]


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY):
        yield


@pytest.fixture
def transport(people: People) -> Workstream:
    return Workstream.objects.select_related("deal").get(deal=people.deal, slug="transport")


@pytest.fixture
def skills(people: People) -> Workstream:
    return Workstream.objects.select_related("deal").get(deal=people.deal, slug="skills")


@pytest.fixture
def council() -> Organisation:
    return Organisation.objects.create(
        name="Shropshire Council", kind=OrganisationKind.NON_CONSTITUENT_AUTHORITY
    )


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def by_role(people: People, call: Callable[[APIClient], Response]) -> dict[str, int]:
    """The status code each persona gets for the same request."""
    return {role: call(client_for(user)).status_code for role, user in people.all_roles().items()}


def this_period(workstream: Workstream) -> Period:
    return deal_period(workstream.deal, TODAY.date())


def post_update(
    workstream: Workstream,
    user: User,
    *,
    rag: str = Rag.GREEN,
    classification: str = OFFICIAL,
    period: Period | None = None,
    **fields: Any,
) -> StatusUpdate:
    values = {"direction": Direction.STABLE, "summary": f"{rag} summary"} | fields
    if rag == Rag.RED:
        values.setdefault("next_steps", "Recovery plan agreed with the sponsor.")
    return services.status_update_submit(
        workstream=workstream,
        acting_user=user,
        rag=rag,
        classification=classification,
        period=period,
        **values,
    )


def add_risk(workstream: Workstream, user: User, classification: str, **fields: Any) -> Risk:
    values = {"title": f"A {classification} risk", "likelihood": 3, "impact": 4} | fields
    return services.risk_create(
        workstream=workstream, acting_user=user, classification=classification, **values
    )


def add_entry(
    workstream: Workstream, user: User, organisation: Organisation, classification: str
) -> EngagementEntry:
    return services.engagement_entry_create(
        workstream=workstream,
        acting_user=user,
        organisation=organisation,
        frequency=EngagementFrequency.MONTHLY,
        classification=classification,
    )


def page(client: APIClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def update_body(workstream: Workstream, **fields: Any) -> dict[str, Any]:
    return {
        "workstream": workstream.pk,
        "rag": Rag.AMBER,
        "direction": Direction.IMPROVING,
        "summary": "Business case with the department.",
        "classification": OFFICIAL,
    } | fields


# --- Anonymous callers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/status-updates/"),
        ("post", "/api/v1/status-updates/"),
        ("get", "/api/v1/status-updates/1/"),
        ("get", "/api/v1/risks/"),
        ("post", "/api/v1/risks/"),
        ("get", "/api/v1/risks/1/"),
        ("put", "/api/v1/risks/1/"),
        ("patch", "/api/v1/risks/1/"),
        ("get", "/api/v1/engagement-plans/"),
        ("post", "/api/v1/engagement-plans/"),
        ("get", "/api/v1/engagement-plans/1/"),
        ("put", "/api/v1/engagement-plans/1/"),
        ("patch", "/api/v1/engagement-plans/1/"),
        ("post", "/api/v1/workstreams/1/merge/"),
        ("post", "/api/v1/workstreams/1/cease/"),
    ],
)
def test_anonymous_callers_get_401_from_every_reporting_endpoint(
    db: None, method: str, url: str
) -> None:
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert "Token" in response["WWW-Authenticate"]


# --- Status updates: who sees what ------------------------------------------------------------


def test_a_partner_lists_only_official_updates_and_the_count_leaves_sensitive_ones_out(
    people: People, transport: Workstream
) -> None:
    official = post_update(transport, people.lead, classification=OFFICIAL)
    post_update(transport, people.lead, rag=Rag.RED, classification=SENSITIVE)

    seen = {
        role: [row["id"] for row in page(client_for(user), "/api/v1/status-updates/")["results"]]
        for role, user in people.all_roles().items()
    }
    counts = {
        role: page(client_for(user), "/api/v1/status-updates/")["count"]
        for role, user in people.all_roles().items()
    }
    assert seen["partner"] == [official.pk]
    assert counts == {**dict.fromkeys(INSIDERS, 2), "partner": 1, "nobody": 0}


def test_a_partner_never_receives_a_sensitive_update_by_id_or_through_a_filter(
    people: People, transport: Workstream
) -> None:
    sensitive = post_update(transport, people.lead, rag=Rag.RED, classification=SENSITIVE)
    partner = client_for(people.partner)

    assert partner.get(f"/api/v1/status-updates/{sensitive.pk}/").status_code == 404
    for query in [
        "rag=red",
        f"workstream={transport.pk}",
        f"period={THIS_PERIOD_START}",
        "ordering=-created_at",
    ]:
        body = page(partner, f"/api/v1/status-updates/?{query}")
        assert (body["count"], body["results"]) == (0, []), query
    for role in INSIDERS:
        response = client_for(people.all_roles()[role]).get(
            f"/api/v1/status-updates/{sensitive.pk}/"
        )
        assert response.status_code == 200, role
    assert client_for(people.nobody).get(f"/api/v1/status-updates/{sensitive.pk}/").status_code == (
        404
    )


def test_status_updates_filter_by_workstream_period_and_rag_newest_first(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    earlier = previous_period(transport.deal, this_period(transport))
    old = post_update(transport, people.lead, rag=Rag.AMBER, period=earlier)
    first = post_update(transport, people.lead, rag=Rag.GREEN)
    other = post_update(skills, people.other_lead, rag=Rag.RED)
    dsg = client_for(people.dsg)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in page(dsg, f"/api/v1/status-updates/?{query}")["results"]]

    assert ids("") == [other.pk, first.pk, old.pk]
    assert ids(f"workstream={transport.pk}") == [first.pk, old.pk]
    assert ids(f"period={earlier.start.isoformat()}") == [old.pk]
    assert ids("rag=red") == [other.pk]
    assert dsg.get("/api/v1/status-updates/?rag=purple").status_code == 400


def test_an_update_reads_with_its_period_version_author_sign_off_and_etag(
    people: People, transport: Workstream
) -> None:
    update = post_update(transport, people.lead, progress="Met the department.")
    services.status_update_review(
        status_update=update, acting_user=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )

    response = client_for(people.dsg).get(f"/api/v1/status-updates/{update.pk}/")

    assert response["ETag"] == f'"{transport.pk}.{THIS_PERIOD_START}.1"'
    body = response.json()
    assert body["workstream"] == transport.pk
    assert (body["period_start"], body["period_end"], body["version"]) == (
        THIS_PERIOD_START,
        "2026-12-06",
        1,
    )
    assert (body["rag"], body["direction"], body["progress"]) == (
        "green",
        "stable",
        "Met the department.",
    )
    assert body["author"]["email"] == people.lead.email
    assert body["signed_off"] is True
    assert body["created_at"]
    listed = page(client_for(people.dsg), "/api/v1/status-updates/")["results"][0]
    assert listed["version"] == 1 and listed["signed_off"] is True


# --- Status updates: posting ------------------------------------------------------------------


def test_only_the_workstreams_lead_or_an_administrator_may_post_an_update(
    people: People, transport: Workstream
) -> None:
    codes = by_role(
        people,
        lambda client: client.post(
            "/api/v1/status-updates/", update_body(transport), format="json"
        ),
    )
    assert codes == {
        "admin": 201,
        "lead": 201,
        "other_lead": 403,
        "sponsor": 403,
        "dsg": 403,
        "partner": 403,
        # Nadia cannot see the workstream at all, so for her it is an unknown id.
        "nobody": 400,
    }
    versions = StatusUpdate.objects.filter(workstream=transport).values_list("version", "author")
    assert sorted(versions) == [(1, people.admin.pk), (2, people.lead.pk)]


def test_a_lead_is_refused_for_another_workstream_even_when_the_values_are_invalid(
    people: People, skills: Workstream
) -> None:
    response = client_for(people.lead).post(
        "/api/v1/status-updates/", update_body(skills, rag="purple", summary=""), format="json"
    )
    assert response.status_code == 403
    assert "lead" in response.json()["detail"]


def test_a_posted_update_is_this_periods_with_its_location_and_etag(
    people: People, transport: Workstream
) -> None:
    response = client_for(people.lead).post(
        "/api/v1/status-updates/",
        update_body(transport, asks_of_dsg="Back the bid.", next_steps="Submit in January."),
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["period_start"], body["version"], body["signed_off"]) == (
        THIS_PERIOD_START,
        1,
        False,
    )
    assert (body["asks_of_dsg"], body["next_steps"]) == ("Back the bid.", "Submit in January.")
    assert body["author"]["email"] == people.lead.email
    assert response["Location"].endswith(f"/api/v1/status-updates/{body['id']}/")
    assert response["ETag"] == f'"{transport.pk}.{THIS_PERIOD_START}.1"'


def test_a_second_post_in_the_same_period_is_a_new_version_and_both_stay(
    people: People, transport: Workstream
) -> None:
    lead = client_for(people.lead)
    first = lead.post("/api/v1/status-updates/", update_body(transport), format="json").json()
    second = lead.post(
        "/api/v1/status-updates/", update_body(transport, rag=Rag.GREEN), format="json"
    ).json()

    assert (first["version"], second["version"]) == (1, 2)
    rows = page(lead, f"/api/v1/status-updates/?workstream={transport.pk}")["results"]
    assert [(r["version"], r["rag"]) for r in rows] == [(2, "green"), (1, "amber")]
    assert lead.get(f"/api/v1/status-updates/{first['id']}/").json()["rag"] == "amber"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        (
            {"rag": Rag.RED, "next_steps": "", "asks_of_dsg": ""},
            {
                "asks_of_dsg": [
                    "A red rating needs an ask of the Devolution Strategy Group or, in "
                    "next steps, the recovery action"
                ]
            },
        ),
        (
            {"rag": Rag.GREEN, "summary": ""},
            {"summary": ["Enter a summary of where the workstream stands"]},
        ),
        (
            {"rag": Rag.AMBER, "summary": "   "},
            {"summary": ["Enter a summary of where the workstream stands"]},
        ),
        ({"rag": "purple"}, {"rag": ['"purple" is not a valid choice.']}),
        ({"direction": "sideways"}, {"direction": ['"sideways" is not a valid choice.']}),
        ({"classification": "secret"}, {"classification": ['"secret" is not a valid choice.']}),
    ],
)
def test_an_invalid_update_gets_a_message_for_each_field_and_nothing_is_saved(
    people: People, transport: Workstream, fields: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = client_for(people.lead).post(
        "/api/v1/status-updates/", update_body(transport, **fields), format="json"
    )
    assert response.status_code == 400
    assert response.json() == errors
    assert not StatusUpdate.objects.exists()


def test_missing_values_are_reported_field_by_field(people: People) -> None:
    response = client_for(people.lead).post("/api/v1/status-updates/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"workstream", "rag", "direction", "summary", "classification"}


def test_a_workstream_the_person_cannot_see_is_a_field_error_not_a_crash(
    people: People, transport: Workstream
) -> None:
    other_deal = Deal.objects.create(name="Another deal", short_name="Other", slug="other")
    theme = other_deal.themes.create(name="Elsewhere", slug="elsewhere")
    hidden = Workstream.objects.create(deal=other_deal, theme=theme, name="Hidden", slug="hidden")

    for workstream_id in [hidden.pk, 999_999, "not-a-number"]:
        response = client_for(people.admin).post(
            "/api/v1/status-updates/",
            update_body(transport) | {"workstream": workstream_id},
            format="json",
        )
        assert response.status_code == 400
        assert list(response.json()) == ["workstream"]


def test_status_updates_are_never_changed_or_deleted_through_the_api(
    people: People, transport: Workstream
) -> None:
    update = post_update(transport, people.lead)
    lead = client_for(people.lead)
    url = f"/api/v1/status-updates/{update.pk}/"
    assert lead.put(url, update_body(transport), format="json").status_code == 405
    assert lead.patch(url, {"rag": "red"}, format="json").status_code == 405
    assert lead.delete(url).status_code == 405


def test_posting_for_a_ceased_workstream_is_a_conflict(
    people: People, transport: Workstream
) -> None:
    services.workstream_cease(workstream=transport, acting_user=people.admin, reason="Done.")
    response = client_for(people.lead).post(
        "/api/v1/status-updates/", update_body(transport), format="json"
    )
    assert response.status_code == 409
    assert "ceased" in response.json()["detail"]


def test_two_leads_revising_the_same_update_the_second_is_refused_and_nothing_is_lost(
    people: People, transport: Workstream
) -> None:
    original = post_update(transport, people.lead, rag=Rag.AMBER)
    alice, ada = client_for(people.lead), client_for(people.admin)
    url = f"/api/v1/status-updates/{original.pk}/"
    tag = alice.get(url)["ETag"]
    assert ada.get(url)["ETag"] == tag

    first = alice.post(
        "/api/v1/status-updates/",
        update_body(transport, rag=Rag.GREEN),
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert first.status_code == 201, first.content
    assert first["ETag"] != tag

    second = ada.post(
        "/api/v1/status-updates/",
        update_body(transport, rag=Rag.RED, asks_of_dsg="Escalate.", summary="Ada's view"),
        format="json",
        HTTP_IF_MATCH=tag,
    )
    assert second.status_code == 412
    body = second.json()
    assert "while you were editing" in body["detail"]
    assert {"field": "rag", "label": "Rag", "before": "Amber", "after": "Green"} in body["changes"]
    assert body["current"]["version"] == 2 and body["current"]["rag"] == "green"
    assert second["ETag"] == first["ETag"]
    assert list(StatusUpdate.objects.order_by("version").values_list("version", "rag")) == [
        (1, "amber"),
        (2, "green"),
    ]
    retry = ada.post(
        "/api/v1/status-updates/",
        update_body(transport, rag=Rag.RED, asks_of_dsg="Escalate."),
        format="json",
        HTTP_IF_MATCH=second["ETag"],
    )
    assert retry.status_code == 201 and retry.json()["version"] == 3


def test_an_update_from_an_earlier_period_or_another_workstream_cannot_be_revised_this_period(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    earlier = previous_period(transport.deal, this_period(transport))
    old = post_update(transport, people.lead, period=earlier)
    post_update(transport, people.lead)
    other = post_update(skills, people.other_lead)
    lead = client_for(people.lead)

    for stale in [old, other]:
        tag = lead.get(f"/api/v1/status-updates/{stale.pk}/")["ETag"]
        response = lead.post(
            "/api/v1/status-updates/", update_body(transport), format="json", HTTP_IF_MATCH=tag
        )
        assert response.status_code == 412
        assert response.json()["current"]["version"] == 1
    assert StatusUpdate.objects.filter(workstream=transport).count() == 2


def test_if_none_match_star_posts_only_when_the_period_has_no_update_yet(
    people: People, transport: Workstream
) -> None:
    lead = client_for(people.lead)
    first = lead.post(
        "/api/v1/status-updates/", update_body(transport), format="json", HTTP_IF_NONE_MATCH="*"
    )
    assert first.status_code == 201
    again = lead.post(
        "/api/v1/status-updates/", update_body(transport), format="json", HTTP_IF_NONE_MATCH="*"
    )
    assert again.status_code == 412
    assert StatusUpdate.objects.count() == 1


def test_a_post_without_if_match_becomes_the_newest_version(
    people: People, transport: Workstream
) -> None:
    post_update(transport, people.lead)
    response = client_for(people.admin).post(
        "/api/v1/status-updates/", update_body(transport), format="json"
    )
    assert response.status_code == 201 and response.json()["version"] == 2


# --- Risks ------------------------------------------------------------------------------------


def risk_body(workstream: Workstream, **fields: Any) -> dict[str, Any]:
    return {
        "workstream": workstream.pk,
        "title": "Department delays the decision",
        "likelihood": 4,
        "impact": 4,
        "classification": OFFICIAL,
    } | fields


def test_a_partner_sees_only_official_risks_in_lists_counts_filters_and_by_id(
    people: People, transport: Workstream
) -> None:
    official = add_risk(transport, people.lead, OFFICIAL)
    sensitive = add_risk(transport, people.lead, SENSITIVE, escalated_to_dsg=True)
    partner = client_for(people.partner)

    listed = page(partner, "/api/v1/risks/")
    assert (listed["count"], [r["id"] for r in listed["results"]]) == (1, [official.pk])
    for query in ["classification=official-sensitive", "escalated_to_dsg=true", "search=risk"]:
        assert page(partner, f"/api/v1/risks/?{query}")["count"] == (
            1 if query == "search=risk" else 0
        ), query
    assert partner.get(f"/api/v1/risks/{sensitive.pk}/").status_code == 404
    assert partner.get(f"/api/v1/risks/{official.pk}/").status_code == 200

    counts = {
        role: page(client_for(user), "/api/v1/risks/")["count"]
        for role, user in people.all_roles().items()
    }
    assert counts == {**dict.fromkeys(INSIDERS, 2), "partner": 1, "nobody": 0}
    codes = by_role(people, lambda client: client.get(f"/api/v1/risks/{sensitive.pk}/"))
    assert codes == {**dict.fromkeys(INSIDERS, 200), "partner": 404, "nobody": 404}


def test_a_risk_reads_with_its_score_rag_revision_and_etag(
    people: People, transport: Workstream
) -> None:
    risk = add_risk(transport, people.lead, OFFICIAL, likelihood=5, impact=4, owner=people.lead)
    response = client_for(people.partner).get(f"/api/v1/risks/{risk.pk}/")

    assert response["ETag"] == '"1"'
    body = response.json()
    assert (body["score"], body["rag"], body["revision"]) == (20, "red", 1)
    assert (body["owner"], body["owner_name"]) == (people.lead.pk, "Alice Lead")
    assert (body["status"], body["escalated_to_dsg"], body["workstream"]) == (
        "open",
        False,
        transport.pk,
    )
    listed = page(client_for(people.partner), "/api/v1/risks/")["results"][0]
    assert (listed["revision"], listed["score"], listed["rag"]) == (1, 20, "red")


def test_risks_filter_by_workstream_status_escalation_and_classification(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    open_risk = add_risk(transport, people.lead, OFFICIAL, title="Open", escalated_to_dsg=True)
    closed = add_risk(transport, people.lead, SENSITIVE, title="Closed", status=RiskStatus.CLOSED)
    elsewhere = add_risk(skills, people.other_lead, OFFICIAL, title="Skills")
    dsg = client_for(people.dsg)

    def ids(query: str) -> set[int]:
        return {row["id"] for row in page(dsg, f"/api/v1/risks/?{query}")["results"]}

    assert ids(f"workstream={transport.pk}") == {open_risk.pk, closed.pk}
    assert ids("status=closed") == {closed.pk}
    assert ids("escalated_to_dsg=true") == {open_risk.pk}
    assert ids("classification=official") == {open_risk.pk, elsewhere.pk}


def test_only_the_workstreams_lead_or_an_administrator_may_add_a_risk(
    people: People, transport: Workstream
) -> None:
    codes = by_role(
        people, lambda client: client.post("/api/v1/risks/", risk_body(transport), format="json")
    )
    assert codes == {
        "admin": 201,
        "lead": 201,
        "other_lead": 403,
        "sponsor": 403,
        "dsg": 403,
        "partner": 403,
        "nobody": 400,
    }
    assert Risk.objects.filter(workstream=transport).count() == 2


def test_an_added_risk_comes_back_with_its_location_and_etag(
    people: People, transport: Workstream
) -> None:
    response = client_for(people.lead).post(
        "/api/v1/risks/", risk_body(transport, likelihood=2, impact=2), format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["score"], body["rag"], body["revision"]) == (4, "green", 1)
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/risks/{body['id']}/")
    assert Risk.history.filter(id=body["id"]).get().history_user == people.lead


def test_only_the_workstreams_lead_or_an_administrator_may_change_a_risk(
    people: People, transport: Workstream
) -> None:
    official = add_risk(transport, people.lead, OFFICIAL)
    sensitive = add_risk(transport, people.lead, SENSITIVE)

    def patch(risk: Risk) -> Callable[[APIClient], Response]:
        return lambda client: client.patch(
            f"/api/v1/risks/{risk.pk}/", {"mitigation": "Weekly calls."}, format="json"
        )

    expected = {
        "admin": 200,
        "lead": 200,
        "other_lead": 403,
        "sponsor": 403,
        "dsg": 403,
        "partner": 403,
        "nobody": 404,
    }
    assert by_role(people, patch(official)) == expected
    assert by_role(people, patch(sensitive)) == expected | {"partner": 404}

    def put(client: APIClient) -> Response:
        return client.put(f"/api/v1/risks/{official.pk}/", risk_body(transport), format="json")

    assert by_role(people, put) == expected


def test_a_refused_change_is_a_403_even_when_its_values_are_invalid(
    people: People, transport: Workstream
) -> None:
    risk = add_risk(transport, people.lead, OFFICIAL)
    response = client_for(people.other_lead).patch(
        f"/api/v1/risks/{risk.pk}/", {"likelihood": 9}, format="json"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"likelihood": 6}, "likelihood", "Ensure this value is less than or equal to 5."),
        ({"impact": 0}, "impact", "Ensure this value is greater than or equal to 1."),
        ({"title": ""}, "title", "This field may not be blank."),
        ({"status": "maybe"}, "status", '"maybe" is not a valid choice.'),
        ({"classification": "secret"}, "classification", '"secret" is not a valid choice.'),
    ],
)
def test_an_invalid_risk_gets_a_message_for_its_field(
    people: People, transport: Workstream, fields: dict[str, Any], field: str, message: str
) -> None:
    lead = client_for(people.lead)
    created = lead.post("/api/v1/risks/", risk_body(transport, **fields), format="json")
    assert (created.status_code, created.json()) == (400, {field: [message]})

    risk = add_risk(transport, people.lead, OFFICIAL)
    changed = lead.patch(f"/api/v1/risks/{risk.pk}/", fields, format="json")
    assert (changed.status_code, changed.json()) == (400, {field: [message]})
    assert Risk.objects.get(pk=risk.pk).revision == 1


def test_a_risk_owner_must_hold_a_role_in_the_deal(people: People, transport: Workstream) -> None:
    lead = client_for(people.lead)
    response = lead.post(
        "/api/v1/risks/", risk_body(transport, owner=people.nobody.pk), format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["owner"]
    response = lead.post(
        "/api/v1/risks/", risk_body(transport, owner=people.sponsor.pk), format="json"
    )
    assert response.status_code == 201 and response.json()["owner_name"] == "Sue Sponsor"


def test_a_risk_stays_in_its_workstream_when_edited(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    risk = add_risk(transport, people.admin, OFFICIAL)
    response = client_for(people.admin).patch(
        f"/api/v1/risks/{risk.pk}/", {"workstream": skills.pk}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["workstream"]
    response = client_for(people.admin).put(
        f"/api/v1/risks/{risk.pk}/", risk_body(transport, title="Renamed"), format="json"
    )
    assert response.status_code == 200 and response.json()["title"] == "Renamed"
    assert Risk.objects.get(pk=risk.pk).workstream == transport


def test_risks_are_closed_not_deleted(people: People, transport: Workstream) -> None:
    risk = add_risk(transport, people.lead, OFFICIAL)
    lead = client_for(people.lead)
    assert lead.delete(f"/api/v1/risks/{risk.pk}/").status_code == 405
    response = lead.patch(f"/api/v1/risks/{risk.pk}/", {"status": "closed"}, format="json")
    assert response.json()["status"] == "closed" and response["ETag"] == '"2"'


def test_two_clients_editing_the_same_risk_the_second_gets_412_and_its_change_is_not_saved(
    people: People, transport: Workstream
) -> None:
    risk = add_risk(transport, people.lead, OFFICIAL, mitigation="Weekly calls.")
    alice, ada = client_for(people.lead), client_for(people.admin)
    url = f"/api/v1/risks/{risk.pk}/"
    tag = alice.get(url)["ETag"]
    assert ada.get(url)["ETag"] == tag == '"1"'

    first = alice.patch(url, {"mitigation": "Daily calls."}, format="json", HTTP_IF_MATCH=tag)
    assert first.status_code == 200 and first["ETag"] == '"2"'

    second = ada.patch(
        url, {"mitigation": "Escalate to DSG.", "impact": 5}, format="json", HTTP_IF_MATCH=tag
    )
    assert second.status_code == 412
    body = second.json()
    assert body["changes"] == [
        {
            "field": "mitigation",
            "label": "Mitigation",
            "before": "Weekly calls.",
            "after": "Daily calls.",
        }
    ]
    assert "while you were editing" in body["detail"]
    assert (body["current"]["mitigation"], body["current"]["revision"]) == ("Daily calls.", 2)
    assert second["ETag"] == '"2"'
    risk.refresh_from_db()
    assert (risk.mitigation, risk.impact, risk.revision) == ("Daily calls.", 4, 2)

    retry = ada.patch(url, {"impact": 5}, format="json", HTTP_IF_MATCH=second["ETag"])
    assert retry.status_code == 200 and retry.json()["score"] == 15


@pytest.mark.parametrize(
    ("header", "status_code"),
    [
        (None, 200),
        ("*", 200),
        ('"1"', 200),
        ('"7", "1"', 200),
        ('W/"1"', 412),
        ('"2"', 412),
        ("1", 412),
        ('"one"', 412),
    ],
)
def test_if_match_takes_strong_tags_and_a_write_without_it_proceeds(
    people: People, transport: Workstream, header: str | None, status_code: int
) -> None:
    risk = add_risk(transport, people.lead, OFFICIAL)
    extra = {} if header is None else {"HTTP_IF_MATCH": header}
    response = client_for(people.lead).patch(
        f"/api/v1/risks/{risk.pk}/", {"title": "Renamed"}, format="json", **extra
    )
    assert response.status_code == status_code
    risk.refresh_from_db()
    assert risk.title == ("Renamed" if status_code == 200 else "A official risk")


# --- Engagement plans -------------------------------------------------------------------------


def entry_body(workstream: Workstream, organisation: Organisation, **fields: Any) -> dict:
    return {
        "workstream": workstream.pk,
        "organisation": organisation.pk,
        "frequency": EngagementFrequency.MONTHLY,
        "classification": OFFICIAL,
    } | fields


def test_a_partner_sees_only_official_plan_lines_in_lists_counts_and_by_id(
    people: People, transport: Workstream, council: Organisation
) -> None:
    business = Organisation.objects.create(name="A business", kind=OrganisationKind.BUSINESS)
    official = add_entry(transport, people.lead, council, OFFICIAL)
    sensitive = add_entry(transport, people.lead, business, SENSITIVE)
    partner = client_for(people.partner)

    listed = page(partner, "/api/v1/engagement-plans/")
    assert (listed["count"], [r["id"] for r in listed["results"]]) == (1, [official.pk])
    assert page(partner, f"/api/v1/engagement-plans/?organisation={business.pk}")["count"] == 0
    assert (
        page(partner, "/api/v1/engagement-plans/?classification=official-sensitive")["results"]
        == []
    )
    counts = {
        role: page(client_for(user), "/api/v1/engagement-plans/")["count"]
        for role, user in people.all_roles().items()
    }
    assert counts == {**dict.fromkeys(INSIDERS, 2), "partner": 1, "nobody": 0}
    codes = by_role(people, lambda c: c.get(f"/api/v1/engagement-plans/{sensitive.pk}/"))
    assert codes == {**dict.fromkeys(INSIDERS, 200), "partner": 404, "nobody": 404}


def test_a_plan_line_names_its_organisation_its_kind_and_its_channel(
    people: People, transport: Workstream, council: Organisation
) -> None:
    board = GovernanceBody.objects.filter(deal=people.deal).first()
    response = client_for(people.lead).post(
        "/api/v1/engagement-plans/",
        entry_body(transport, council, channel=board.pk, last_engaged_on="2026-11-20"),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["organisation"], body["organisation_name"], body["organisation_kind"]) == (
        council.pk,
        "Shropshire Council",
        "non-constituent-authority",
    )
    assert (body["channel"], body["channel_name"]) == (board.pk, board.name)
    assert (body["revision"], body["last_engaged_on"]) == (1, "2026-11-20")
    assert response["ETag"] == '"1"'
    assert response["Location"].endswith(f"/api/v1/engagement-plans/{body['id']}/")
    listed = page(client_for(people.dsg), f"/api/v1/engagement-plans/?workstream={transport.pk}")
    assert listed["results"][0]["revision"] == 1


def test_only_the_workstreams_lead_or_an_administrator_may_add_or_change_a_plan_line(
    people: People, transport: Workstream, council: Organisation
) -> None:
    made = iter(range(100))

    def add(client: APIClient) -> Response:
        organisation = Organisation.objects.create(
            name=f"Organisation {next(made)}", kind=OrganisationKind.BUSINESS
        )
        return client.post(
            "/api/v1/engagement-plans/", entry_body(transport, organisation), format="json"
        )

    assert by_role(people, add) == {
        "admin": 201,
        "lead": 201,
        "other_lead": 403,
        "sponsor": 403,
        "dsg": 403,
        "partner": 403,
        "nobody": 400,
    }
    entry = add_entry(transport, people.lead, council, OFFICIAL)
    codes = by_role(
        people,
        lambda client: client.patch(
            f"/api/v1/engagement-plans/{entry.pk}/", {"notes": "Quarterly."}, format="json"
        ),
    )
    assert codes == {
        "admin": 200,
        "lead": 200,
        "other_lead": 403,
        "sponsor": 403,
        "dsg": 403,
        "partner": 403,
        "nobody": 404,
    }
    assert client_for(people.lead).delete(f"/api/v1/engagement-plans/{entry.pk}/").status_code == (
        405
    )


def test_a_plan_line_uses_a_body_of_the_same_deal_and_names_an_organisation_once(
    people: People, transport: Workstream, council: Organisation
) -> None:
    other_deal = Deal.objects.create(name="Another deal", short_name="Other", slug="other")
    foreign = GovernanceBody.objects.create(
        deal=other_deal, name="Their board", slug="board", kind=BodyKind.DECISION_BOARD
    )
    admin = client_for(people.admin)  # an administrator of the West Midlands deal only

    response = admin.post(
        "/api/v1/engagement-plans/",
        entry_body(transport, council, channel=foreign.pk),
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["channel"]

    add_entry(transport, people.lead, council, OFFICIAL)
    response = admin.post(
        "/api/v1/engagement-plans/", entry_body(transport, council), format="json"
    )
    assert response.json() == {"organisation": ["This organisation is already in the plan"]}
    response = admin.post(
        "/api/v1/engagement-plans/",
        entry_body(transport, council, frequency="hourly"),
        format="json",
    )
    assert response.status_code == 400 and "frequency" in response.json()


def test_two_clients_editing_the_same_plan_line_the_second_gets_412_and_its_change_is_not_saved(
    people: People, transport: Workstream, council: Organisation
) -> None:
    entry = add_entry(transport, people.lead, council, OFFICIAL)
    alice, ada = client_for(people.lead), client_for(people.admin)
    url = f"/api/v1/engagement-plans/{entry.pk}/"
    tag = alice.get(url)["ETag"]
    assert ada.get(url)["ETag"] == tag

    first = alice.patch(url, {"notes": "Met in November."}, format="json", HTTP_IF_MATCH=tag)
    assert first.status_code == 200 and first["ETag"] == '"2"'
    second = ada.put(
        url, entry_body(transport, council, notes="Ada's notes."), format="json", HTTP_IF_MATCH=tag
    )

    assert second.status_code == 412
    assert {"field": "notes", "label": "Notes", "before": "", "after": "Met in November."} in (
        second.json()["changes"]
    )
    entry.refresh_from_db()
    assert (entry.notes, entry.revision) == ("Met in November.", 2)


# --- Workstreams: where each stands -----------------------------------------------------------


def test_a_partner_never_sees_a_sensitive_updates_rag_or_time_on_the_workstream(
    people: People, transport: Workstream
) -> None:
    earlier = previous_period(transport.deal, this_period(transport))
    with time_machine.travel(TODAY - dt.timedelta(days=10)):
        official = post_update(transport, people.lead, rag=Rag.GREEN, period=earlier)
    sensitive = post_update(transport, people.lead, rag=Rag.RED, classification=SENSITIVE)

    def seen(user: User) -> tuple[str | None, str | None]:
        body = client_for(user).get(f"/api/v1/workstreams/{transport.pk}/").json()
        listed = next(
            w
            for w in page(client_for(user), "/api/v1/workstreams/")["results"]
            if w["id"] == transport.pk
        )
        assert (listed["current_rag"], listed["last_update_at"]) == (
            body["current_rag"],
            body["last_update_at"],
        )
        return body["current_rag"], body["last_update_at"]

    def at(when: str | None) -> dt.datetime | None:
        return dt.datetime.fromisoformat(when) if when else None

    partner_rag, partner_at = seen(people.partner)
    assert (partner_rag, at(partner_at)) == ("green", official.created_at)
    for role in INSIDERS:
        rag, when = seen(people.all_roles()[role])
        assert (rag, at(when)) == ("red", sensitive.created_at), role
    assert page(client_for(people.partner), "/api/v1/workstreams/?page_size=100")["count"] == 20


def test_a_workstream_is_overdue_until_it_reports_for_the_period_that_has_fallen_due(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    def overdue(workstream: Workstream) -> bool:
        url = f"/api/v1/workstreams/{workstream.pk}/"
        return client_for(people.partner).get(url).json()["overdue"]

    assert overdue(transport) is True and overdue(skills) is True
    # On 25 November the period that has fallen due is 9 - 22 November.
    earlier = previous_period(transport.deal, this_period(transport))
    # A sensitive update counts: whether a workstream reported is a fact about the process,
    # though a partner does not learn what it said.
    post_update(transport, people.lead, classification=SENSITIVE, period=earlier)
    assert overdue(transport) is False and overdue(skills) is True
    body = client_for(people.partner).get(f"/api/v1/workstreams/{transport.pk}/").json()
    assert (body["current_rag"], body["last_update_at"], body["current_status"]) == (
        None,
        None,
        None,
    )


def test_merged_and_ceased_workstreams_leave_the_default_list_but_stay_findable(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    services.workstream_cease(workstream=transport, acting_user=people.admin, reason="Done.")
    survivor = Workstream.objects.filter(deal=people.deal, status=WorkstreamStatus.ACTIVE)
    services.workstream_merge(workstream=skills, into=survivor.first(), acting_user=people.admin)
    dsg = client_for(people.dsg)

    def names(query: str) -> set[str]:
        return {
            w["name"] for w in page(dsg, f"/api/v1/workstreams/?page_size=100&{query}")["results"]
        }

    assert {"Transport", "Skills"}.isdisjoint(names(""))
    assert len(names("")) == 18
    assert names("status=ceased") == {"Transport"}
    assert names("status=merged") == {"Skills"}
    assert "Transport" in names("search=Transport")
    assert "Skills" in names("search=Skills")
    ceased = dsg.get(f"/api/v1/workstreams/{transport.pk}/").json()
    assert (ceased["status"], ceased["ceased_on"], ceased["overdue"]) == (
        "ceased",
        "2026-11-25",
        False,
    )
    merged = dsg.get(f"/api/v1/workstreams/{skills.pk}/").json()
    assert merged["status"] == "merged" and merged["merged_into"]


# --- Workstreams: merging and ceasing ---------------------------------------------------------


def test_only_an_administrator_may_merge_a_workstream(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    def merge(client: APIClient) -> Response:
        return client.post(
            f"/api/v1/workstreams/{skills.pk}/merge/", {"into": transport.pk}, format="json"
        )

    codes = by_role(people, merge)
    assert codes == {
        "admin": 200,
        "lead": 403,
        "other_lead": 403,
        "sponsor": 403,
        "dsg": 403,
        "partner": 403,
        "nobody": 404,
    }


def test_merging_moves_open_risks_to_the_survivor_and_returns_the_merged_workstream(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    open_risk = add_risk(skills, people.other_lead, OFFICIAL, title="Open")
    closed = add_risk(skills, people.other_lead, OFFICIAL, title="Shut", status=RiskStatus.CLOSED)

    response = client_for(people.admin).post(
        f"/api/v1/workstreams/{skills.pk}/merge/", {"into": transport.pk}, format="json"
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"], body["merged_into"]) == (skills.pk, "merged", "transport")
    assert "current_rag" in body and body["overdue"] is False
    moved = client_for(people.dsg).get(f"/api/v1/risks/{open_risk.pk}/").json()
    assert (moved["workstream"], moved["revision"]) == (transport.pk, 2)
    assert Risk.objects.get(pk=closed.pk).workstream == skills


def test_a_superuser_may_merge_and_cease(people: People, transport: Workstream) -> None:
    root = User.objects.create_superuser(email="root@example.org", password="x")
    response = client_for(root).post(
        f"/api/v1/workstreams/{transport.pk}/cease/", {"reason": "Folded in."}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "ceased"


def test_merging_refuses_what_the_rules_refuse(
    people: People, transport: Workstream, skills: Workstream
) -> None:
    admin = client_for(people.admin)

    def merge(source: Workstream, into: Any) -> Response:
        return admin.post(f"/api/v1/workstreams/{source.pk}/merge/", {"into": into}, format="json")

    assert merge(skills, skills.pk).json() == {"into": ["Choose another workstream to merge into"]}
    assert list(merge(skills, 999_999).json()) == ["into"]
    assert list(merge(skills, None).json()) == ["into"]
    services.workstream_cease(workstream=transport, acting_user=people.admin, reason="Done.")
    refused = merge(skills, transport.pk)
    assert refused.status_code == 400 and list(refused.json()) == ["into"]
    conflict = merge(transport, skills.pk)
    assert conflict.status_code == 409 and "already ceased" in conflict.json()["detail"]
    assert Workstream.objects.get(pk=skills.pk).status == WorkstreamStatus.ACTIVE


def test_only_an_administrator_may_cease_a_workstream_with_a_reason(
    people: People, transport: Workstream
) -> None:
    def cease(client: APIClient) -> Response:
        return client.post(
            f"/api/v1/workstreams/{transport.pk}/cease/",
            {"reason": "Taken forward outside the deal.", "ceased_on": "2026-11-20"},
            format="json",
        )

    non_admins = {role: user for role, user in people.all_roles().items() if role != "admin"}
    codes = {role: cease(client_for(user)).status_code for role, user in non_admins.items()}
    assert codes == {
        "lead": 403,
        "other_lead": 403,
        "sponsor": 403,
        "dsg": 403,
        "partner": 403,
        "nobody": 404,
    }
    admin = client_for(people.admin)
    blank = admin.post(f"/api/v1/workstreams/{transport.pk}/cease/", {"reason": " "}, format="json")
    assert blank.json() == {"reason": ["Enter why the workstream has ceased"]}
    bad_date = admin.post(
        f"/api/v1/workstreams/{transport.pk}/cease/",
        {"reason": "Done.", "ceased_on": "someday"},
        format="json",
    )
    assert list(bad_date.json()) == ["ceased_on"]

    done = cease(admin)
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["ceased_on"]) == ("ceased", "2026-11-20")
    assert done.json()["ceased_reason"] == "Taken forward outside the deal."
    assert cease(admin).status_code == 409


# --- Query counts -----------------------------------------------------------------------------


def _volume(people: People, scale: int) -> None:
    """15 status updates, risks and plan lines per unit of scale, across workstreams."""
    workstreams = list(Workstream.objects.filter(deal=people.deal).order_by("pk")[:5])
    start = this_period(workstreams[0]).start
    updates, risks, entries = [], [], []
    for n in range(15 * scale):
        ws = workstreams[n % 5]
        period_start = start - dt.timedelta(weeks=2 * (n // 5))
        classification = SENSITIVE if n % 3 == 0 else OFFICIAL
        updates.append(
            StatusUpdate(
                workstream=ws,
                period_start=period_start,
                period_end=period_start + dt.timedelta(days=13),
                rag=Rag.AMBER,
                direction=Direction.STABLE,
                summary="Steady.",
                author=people.lead,
                classification=classification,
            )
        )
        risks.append(
            Risk(
                workstream=ws,
                title=f"Risk {n}",
                likelihood=1 + n % 5,
                impact=2,
                owner=people.lead,
                classification=classification,
            )
        )
        organisation = Organisation.objects.create(
            name=f"Partner {n}", kind=OrganisationKind.BUSINESS
        )
        entries.append(
            EngagementEntry(
                workstream=ws,
                organisation=organisation,
                channel=GovernanceBody.objects.filter(deal=people.deal).first(),
                frequency=EngagementFrequency.MONTHLY,
                classification=classification,
            )
        )
    created = StatusUpdate.objects.bulk_create(updates)
    Risk.objects.bulk_create(risks)
    EngagementEntry.objects.bulk_create(entries)
    UpdateReview.objects.bulk_create(
        UpdateReview(status_update=u, reviewer=people.sponsor, decision=ReviewDecision.SIGNED_OFF)
        for u in created[::2]
    )


# The person's roles, the count, the page; workstreams add their people, missions, metrics and
# indicators.
LIST_QUERIES = {
    "/api/v1/status-updates/": 3,
    "/api/v1/risks/": 3,
    "/api/v1/engagement-plans/": 3,
    "/api/v1/workstreams/": 7,
}


@pytest.mark.parametrize("url", list(LIST_QUERIES))
@pytest.mark.parametrize("scale", [1, 10])
@pytest.mark.parametrize("role", ["partner", "admin"])
def test_reporting_lists_cost_the_same_few_queries_at_ten_times_the_data(
    people: People,
    url: str,
    scale: int,
    role: str,
    django_assert_max_num_queries: Any,
) -> None:
    _volume(people, scale)
    client = client_for(people.all_roles()[role])
    with django_assert_max_num_queries(LIST_QUERIES[url]):
        response = client.get(url + "?page_size=200")
    assert response.status_code == 200
    rows = (
        20 if url == "/api/v1/workstreams/" else 15 * scale * (2 if role == "partner" else 3) // 3
    )
    assert response.json()["count"] == len(response.json()["results"]) == rows


# --- Schema -----------------------------------------------------------------------------------


def test_the_schema_describes_the_reporting_endpoints_their_etags_and_412s(
    people: People,
) -> None:
    response = client_for(people.dsg).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    paths = response.json()["paths"]
    assert set(paths["/api/v1/status-updates/"]) == {"get", "post"}
    assert set(paths["/api/v1/risks/{id}/"]) == {"get", "put", "patch"}
    assert set(paths["/api/v1/engagement-plans/{id}/"]) == {"get", "put", "patch"}
    assert "post" in paths["/api/v1/workstreams/{id}/merge/"]
    assert "post" in paths["/api/v1/workstreams/{id}/cease/"]
    patch = paths["/api/v1/risks/{id}/"]["patch"]
    assert "If-Match" in [p["name"] for p in patch["parameters"]]
    assert "412" in patch["responses"] and "ETag" in patch["responses"]["200"]["headers"]
    assert "not deleted" in paths["/api/v1/risks/"]["get"]["description"]


def _deal_of(size: int, people: People) -> User:
    """A deal of its own with ``size`` workstreams, each with a lead, a sponsor, a mission and
    four updates (one OFFICIAL-SENSITIVE); returns a partner of it, who sees only that deal."""
    deal = Deal.objects.create(name=f"Deal of {size}", short_name=f"D{size}", slug=f"deal-{size}")
    theme = Theme.objects.create(deal=deal, name="Prosperity", slug="prosperity")
    mission = Mission.objects.order_by("number").first()
    start = this_period(Workstream.objects.get(deal=people.deal, slug="transport")).start
    updates = []
    for n in range(size):
        ws = Workstream.objects.create(
            deal=deal, theme=theme, name=f"Workstream {n}", slug=f"ws-{n}", position=n
        )
        ws.missions.add(mission)
        Membership.objects.create(user=people.lead, deal=deal, role=Role.LEAD, workstream=ws)
        Membership.objects.create(user=people.sponsor, deal=deal, role=Role.SPONSOR, workstream=ws)
        for back in range(4):
            period_start = start - dt.timedelta(weeks=2 * back)
            updates.append(
                StatusUpdate(
                    workstream=ws,
                    period_start=period_start,
                    period_end=period_start + dt.timedelta(days=13),
                    rag=Rag.AMBER,
                    direction=Direction.STABLE,
                    summary="Steady.",
                    author=people.lead,
                    classification=SENSITIVE if back == 0 else OFFICIAL,
                )
            )
    StatusUpdate.objects.bulk_create(updates)
    partner = User.objects.create_user(email=f"partner{size}@example.org", full_name="P")
    Membership.objects.create(user=partner, deal=deal, role=Role.PARTNER)
    return partner


@pytest.mark.parametrize("size", [2, 60])
def test_the_workstreams_list_costs_the_same_queries_for_two_workstreams_and_for_sixty(
    people: People, size: int, django_assert_max_num_queries: Any
) -> None:
    """Where each workstream stands is worked out in the page's query, however many rows."""
    client = client_for(_deal_of(size, people))
    with django_assert_max_num_queries(LIST_QUERIES["/api/v1/workstreams/"]) as queries:
        response = client.get("/api/v1/workstreams/?page_size=200")
    rows = response.json()["results"]
    assert response.json()["count"] == len(rows) == size
    # The pagination's count reads the workstreams alone, not their updates.
    (count,) = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
    assert "statusupdate" not in count
    # The partner's current status is the newest OFFICIAL update, not the newer sensitive one.
    previous = (
        this_period(Workstream.objects.get(deal=people.deal, slug="transport")).start
        - dt.timedelta(weeks=2)
    ).isoformat()
    assert {r["current_status"]["period_start"] for r in rows} == {previous}
    assert all(len(r["leads"]) == 1 and r["sponsor"] for r in rows)
