"""The governance API: meetings with their agendas and records, the deal's milestones, and the
versions of the TDD Proposition. Who sees what and who may change what, role by role; a partner
never receiving a sensitive agenda item, meeting record or Proposition item; the meeting's steps
allowed and refused; lost updates; query counts.
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
from core.choices import Classification
from tracker import services
from tracker.choices import AskType, DecisionOutcome, MeetingStatus
from tracker.models import (
    GovernanceBody,
    Meeting,
    Milestone,
    Proposal,
    PropositionVersion,
    Workstream,
)
from tracker.selectors.governance import chain_of

from .conftest import People

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
TODAY = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
INSIDERS = ["admin", "lead", "other_lead", "sponsor", "dsg"]
READERS = [*INSIDERS, "partner"]
NOT_ADMINS = dict.fromkeys(["lead", "other_lead", "sponsor", "dsg", "partner"], 403)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def transport(people: People) -> Workstream:
    return Workstream.objects.select_related("deal").get(deal=people.deal, slug="transport")


@pytest.fixture
def chain(people: People) -> list[GovernanceBody]:
    return chain_of(people.deal)


# --- Helpers ----------------------------------------------------------------------------------


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def by_role(people: People, call: Callable[[APIClient], Response]) -> dict[str, int]:
    return {role: call(client_for(user)).status_code for role, user in people.all_roles().items()}


def page(client: APIClient, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()


def ids(client: APIClient, url: str) -> list[int]:
    return [row["id"] for row in page(client, url)["results"]]


def meeting(people: People, body: GovernanceBody, days: float, **fields: Any) -> Meeting:
    """A meeting of the body, ``days`` from now (negative: in the past)."""
    return services.meeting_create(
        body=body, acting_user=people.admin, starts_at=TODAY + dt.timedelta(days=days), **fields
    )


def held(people: People, body: GovernanceBody, days_ago: float, **fields: Any) -> Meeting:
    m = meeting(people, body, -days_ago, **fields)
    return services.meeting_advance(meeting=m, acting_user=people.admin, status=MeetingStatus.HELD)


def draft(
    people: People, workstream: Workstream, title: str, classification: str = OFFICIAL
) -> Proposal:
    return services.proposal_create(
        workstream=workstream,
        acting_user=people.admin,
        title=title,
        classification=classification,
        ask="Devolve the bus service operators grant.",
        ask_type=AskType.FUNDING,
    )


def approved(people: People, proposal: Proposal, chain: list[GovernanceBody]) -> Proposal:
    services.proposal_submit(proposal=proposal, acting_user=people.admin)
    for body in chain:
        services.decision_record(
            proposal=proposal, body=body, outcome=DecisionOutcome.ENDORSED, acting_user=people.admin
        )
    return Proposal.objects.get(pk=proposal.pk)


# --- Anonymous callers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/meetings/"),
        ("post", "/api/v1/meetings/"),
        ("get", "/api/v1/meetings/1/"),
        ("patch", "/api/v1/meetings/1/"),
        ("post", "/api/v1/meetings/1/status/"),
        ("get", "/api/v1/milestones/"),
        ("get", "/api/v1/milestones/1/"),
        ("patch", "/api/v1/milestones/1/"),
        ("get", "/api/v1/propositions/"),
        ("get", "/api/v1/propositions/1/"),
    ],
)
def test_anonymous_callers_get_401_from_every_governance_endpoint(
    db: None, method: str, url: str
) -> None:
    assert getattr(APIClient(), method)(url, {}, format="json").status_code == 401


# --- Meetings: who sees what ------------------------------------------------------------------


def test_everyone_in_the_deal_sees_its_meetings_and_nobody_else_does(
    people: People, chain: list[GovernanceBody]
) -> None:
    m = meeting(people, chain[0], 7, location="Room 1", classification=SENSITIVE)

    counts = {
        role: page(client_for(user), "/api/v1/meetings/")["count"]
        for role, user in people.all_roles().items()
    }
    assert counts == {**dict.fromkeys(READERS, 1), "nobody": 0}
    codes = by_role(people, lambda c: c.get(f"/api/v1/meetings/{m.pk}/"))
    assert codes == {**dict.fromkeys(READERS, 200), "nobody": 404}


def test_a_partner_reads_an_official_record_but_a_sensitive_ones_minutes_and_attendees_are_null(
    people: People, chain: list[GovernanceBody]
) -> None:
    official = held(people, chain[0], 3, minutes="Agreed the agenda.", attendees=[people.dsg])
    sensitive = held(
        people,
        chain[1],
        3,
        minutes="Positions on fares.",
        attendees=[people.dsg],
        classification=SENSITIVE,
    )
    partner, dsg = client_for(people.partner), client_for(people.dsg)

    for client in (partner, dsg):
        body = page(client, f"/api/v1/meetings/{official.pk}/")
        assert (body["minutes"], body["attendees"]) == ("Agreed the agenda.", [people.dsg.pk])
    hidden = page(partner, f"/api/v1/meetings/{sensitive.pk}/")
    assert (hidden["minutes"], hidden["attendees"]) == (None, None)
    assert (hidden["location"], hidden["status"], hidden["body"]) == ("", "held", chain[1].pk)
    listed = {row["id"]: row for row in page(partner, "/api/v1/meetings/")["results"]}
    assert (listed[sensitive.pk]["minutes"], listed[sensitive.pk]["attendees"]) == (None, None)
    assert listed[official.pk]["minutes"] == "Agreed the agenda."
    shown = page(dsg, f"/api/v1/meetings/{sensitive.pk}/")
    assert (shown["minutes"], shown["attendees"]) == ("Positions on fares.", [people.dsg.pk])


def test_a_partner_never_receives_an_agenda_item_about_a_sensitive_proposal_or_a_sensitive_item(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    next_one = meeting(people, chain[0], 7)
    official = draft(people, transport, "Bus franchising powers")
    sensitive = draft(people, transport, "Bus fares cap", SENSITIVE)
    for proposal in (official, sensitive):
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
    services.agenda_item_add(meeting=next_one, acting_user=people.admin, title="Any other business")
    services.agenda_item_add(
        meeting=next_one, acting_user=people.admin, title="Fares strategy", classification=SENSITIVE
    )

    def agenda(user: User, url: str) -> list[str]:
        body = page(client_for(user), url)
        row = body if "agenda" in body else body["results"][0]
        return [item["title"] for item in row["agenda"]]

    everything = [
        "Proposal: Bus franchising powers",
        "Proposal: Bus fares cap",
        "Any other business",
        "Fares strategy",
    ]
    for url in (f"/api/v1/meetings/{next_one.pk}/", "/api/v1/meetings/"):
        for role in INSIDERS:
            assert agenda(people.all_roles()[role], url) == everything, (role, url)
        assert agenda(people.partner, url) == [
            "Proposal: Bus franchising powers",
            "Any other business",
        ], url
    item = page(client_for(people.dsg), f"/api/v1/meetings/{next_one.pk}/")["agenda"][0]
    assert (item["proposal"], item["workstream"], item["generated"]) == (
        official.pk,
        transport.pk,
        True,
    )


def test_meetings_filter_by_body_status_and_dates(
    people: People, chain: list[GovernanceBody]
) -> None:
    past = held(people, chain[0], 10)
    soon = meeting(people, chain[0], 5)
    later = meeting(people, chain[1], 40)
    dsg = client_for(people.dsg)

    def found(query: str) -> list[int]:
        return ids(dsg, f"/api/v1/meetings/?{query}")

    assert found("") == [later.pk, soon.pk, past.pk]
    assert found(f"body={chain[0].pk}") == [soon.pk, past.pk]
    assert found("status=held") == [past.pk]
    assert found("from=2026-05-20") == [later.pk, soon.pk]
    assert found("to=2026-05-25") == [soon.pk, past.pk]
    assert found("from=2026-05-11&to=2026-05-11") == []
    assert found("from=2026-05-10&to=2026-05-10") == [past.pk]
    assert dsg.get("/api/v1/meetings/?from=soon").status_code == 400


# --- Meetings: who may change them ------------------------------------------------------------


def test_only_an_administrator_may_arrange_a_meeting(
    people: People, chain: list[GovernanceBody]
) -> None:
    days = iter(range(1, 10))

    def arrange(client: APIClient) -> Response:
        starts = (TODAY + dt.timedelta(days=next(days))).isoformat()
        return client.post(
            "/api/v1/meetings/",
            {"body": chain[0].pk, "starts_at": starts, "location": "Room 1"},
            format="json",
        )

    codes = by_role(people, arrange)
    # Nadia cannot see the body, so for her it is an unknown id.
    assert codes == {"admin": 201, **NOT_ADMINS, "nobody": 400}
    assert Meeting.objects.count() == 1


def test_an_arranged_meeting_comes_back_with_its_location_etag_and_agenda(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    services.proposal_submit(
        proposal=draft(people, transport, "Bus franchising powers"), acting_user=people.admin
    )
    response = client_for(people.admin).post(
        "/api/v1/meetings/",
        {
            "body": chain[0].pk,
            "starts_at": "2026-06-01T10:00:00Z",
            "ends_at": "2026-06-01T12:00:00Z",
            "location": "https://meet.example.org/slt",
            "attendees": [people.lead.pk],
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/meetings/{body['id']}/")
    assert response["ETag"] == '"1"'
    assert (body["status"], body["classification"], body["attendees"]) == (
        "planned",
        OFFICIAL,
        [people.lead.pk],
    )
    assert [item["title"] for item in body["agenda"]] == ["Proposal: Bus franchising powers"]


def test_a_meeting_that_ends_before_it_starts_or_clashes_is_a_field_error(
    people: People, chain: list[GovernanceBody]
) -> None:
    meeting(people, chain[0], 12)
    admin = client_for(people.admin)
    starts = (TODAY + dt.timedelta(days=12)).isoformat()

    clash = admin.post("/api/v1/meetings/", {"body": chain[0].pk, "starts_at": starts})
    assert clash.status_code == 400
    assert "already has a meeting at that time" in clash.json()["starts_at"][0]
    backwards = admin.post(
        "/api/v1/meetings/",
        {"body": chain[1].pk, "starts_at": starts, "ends_at": TODAY.isoformat()},
    )
    assert backwards.json() == {"ends_at": ["The meeting must end after it starts"]}


def test_only_an_administrator_may_change_a_meeting(
    people: People, chain: list[GovernanceBody]
) -> None:
    m = meeting(people, chain[0], 7)
    codes = by_role(
        people,
        lambda c: c.patch(f"/api/v1/meetings/{m.pk}/", {"location": "Room 2"}, format="json"),
    )
    assert codes == {"admin": 200, **NOT_ADMINS, "nobody": 404}


def test_a_lost_change_to_a_meeting_is_refused_and_a_closed_meeting_is_locked(
    people: People, chain: list[GovernanceBody]
) -> None:
    m = held(people, chain[0], 2)
    admin = client_for(people.admin)
    url = f"/api/v1/meetings/{m.pk}/"
    tag = admin.get(url)["ETag"]

    first = admin.patch(url, {"minutes": "Noted."}, format="json", HTTP_IF_MATCH=tag)
    assert first.status_code == 200
    stale = admin.patch(url, {"minutes": "Endorsed."}, format="json", HTTP_IF_MATCH=tag)
    assert stale.status_code == 412
    assert stale.json()["current"]["minutes"] == "Noted."
    assert [c["field"] for c in stale.json()["changes"]] == ["minutes"]

    services.meeting_advance(meeting=m, acting_user=people.admin, status=MeetingStatus.CLOSED)
    locked = admin.patch(url, {"minutes": "Endorsed."}, format="json")
    assert locked.status_code == 409
    assert "is closed: its record is locked" in locked.json()["detail"]


def test_a_meeting_goes_from_planned_to_held_to_closed_and_no_other_way(
    people: People, chain: list[GovernanceBody]
) -> None:
    past, future = meeting(people, chain[0], -1), meeting(people, chain[0], 3)
    admin = client_for(people.admin)

    def step(m: Meeting, status: str) -> Response:
        return admin.post(f"/api/v1/meetings/{m.pk}/status/", {"status": status}, format="json")

    skipped = step(past, "closed")
    assert skipped.status_code == 409
    assert "a meeting goes from planned to held to closed" in skipped.json()["detail"]
    early = step(future, "held")
    assert (early.status_code, early.json()["detail"]) == (
        409,
        f"The {future} meeting has not started yet.",
    )
    assert step(past, "held").json()["status"] == "held"
    closed = step(past, "closed")
    assert (closed.status_code, closed.json()["status"], closed["ETag"]) == (200, "closed", '"3"')
    assert step(past, "planned").status_code == 409
    assert step(past, "cancelled").status_code == 400


def test_only_an_administrator_may_move_a_meeting_on(
    people: People, chain: list[GovernanceBody]
) -> None:
    meetings = iter(meeting(people, chain[0], -n) for n in range(1, 9))
    codes = by_role(
        people,
        lambda c: c.post(f"/api/v1/meetings/{next(meetings).pk}/status/", {"status": "held"}),
    )
    assert codes == {"admin": 200, **NOT_ADMINS, "nobody": 404}


# --- Milestones -------------------------------------------------------------------------------


def test_everyone_in_the_deal_reads_the_timeline_with_what_each_milestone_depends_on(
    people: People,
) -> None:
    counts = {
        role: page(client_for(user), "/api/v1/milestones/")["count"]
        for role, user in people.all_roles().items()
    }
    assert counts == {**dict.fromkeys(READERS, 6), "nobody": 0}
    board = Milestone.objects.get(title="TDD Proposition submitted to WMCA Board.")
    developed = Milestone.objects.get(title__startswith="Development of ambitious")
    body = page(client_for(people.partner), f"/api/v1/milestones/{board.pk}/")
    assert (body["when_label"], body["depends_on"], body["status"]) == (
        "June",
        [developed.pk],
        "planned",
    )
    assert client_for(people.nobody).get(f"/api/v1/milestones/{board.pk}/").status_code == 404


def test_only_an_administrator_may_change_a_milestone(people: People) -> None:
    milestone = Milestone.objects.filter(deal=people.deal).first()
    assert milestone is not None
    codes = by_role(
        people,
        lambda c: c.patch(
            f"/api/v1/milestones/{milestone.pk}/", {"notes": "On track."}, format="json"
        ),
    )
    assert codes == {"admin": 200, **NOT_ADMINS, "nobody": 404}
    assert client_for(people.admin).put(f"/api/v1/milestones/{milestone.pk}/", {}).status_code == (
        405
    )


def test_a_milestone_is_done_only_after_what_it_depends_on_and_never_depends_on_itself(
    people: People,
) -> None:
    board = Milestone.objects.get(title="TDD Proposition submitted to WMCA Board.")
    announced = Milestone.objects.get(title="Initial TDD announcement from central Government.")
    admin = client_for(people.admin)
    url = f"/api/v1/milestones/{board.pk}/"

    early = admin.patch(url, {"status": "done"}, format="json")
    assert early.status_code == 409
    assert "depends on milestones that are not done yet" in early.json()["detail"]
    assert Milestone.objects.get(pk=board.pk).status == "planned"
    loop = admin.patch(url, {"depends_on": [announced.pk]}, format="json")
    assert loop.json() == {"depends_on": ["That would make the milestone depend on itself"]}
    freed = admin.patch(url, {"depends_on": [], "status": "done"}, format="json")
    assert freed.status_code == 200
    assert (freed.json()["depends_on"], freed.json()["status"]) == ([], "done")


# --- The Proposition --------------------------------------------------------------------------


def test_a_partner_never_receives_a_proposition_item_about_a_sensitive_proposal(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    official = approved(people, draft(people, transport, "Bus franchising powers"), chain)
    later = approved(people, draft(people, transport, "Rail station upgrades"), chain)
    approved(people, draft(people, transport, "Bus fares cap", SENSITIVE), chain)
    version = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    # Reclassified after the version was made: its copy in the version follows it.
    services.proposal_update(proposal=later, acting_user=people.admin, classification=SENSITIVE)

    def titles(user: User, url: str) -> list[str]:
        body = page(client_for(user), url)
        row = body if "items" in body else body["results"][0]
        assert row["item_count"] == len(row["items"])
        return [item["title"] for item in row["items"]]

    for url in ("/api/v1/propositions/", f"/api/v1/propositions/{version.pk}/"):
        assert titles(people.partner, url) == ["Bus franchising powers"], url
        for role in INSIDERS:
            assert titles(people.all_roles()[role], url) == [
                "Bus fares cap",
                "Bus franchising powers",
                "Rail station upgrades",
            ], (role, url)
    item = page(client_for(people.partner), f"/api/v1/propositions/{version.pk}/")["items"][0]
    assert (item["proposal"], item["workstream_name"], item["ask_type"]) == (
        official.pk,
        "Transport",
        "funding",
    )


def test_everyone_in_the_deal_reads_the_propositions_versions_which_never_change(
    people: People, transport: Workstream, chain: list[GovernanceBody]
) -> None:
    approved(people, draft(people, transport, "Bus franchising powers"), chain)
    first = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    second = services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    services.proposition_approve(version=second, acting_user=people.admin)

    listed = {
        role: ids(client_for(user), "/api/v1/propositions/")
        for role, user in people.all_roles().items()
    }
    assert listed == {**dict.fromkeys(READERS, [second.pk, first.pk]), "nobody": []}
    body = page(client_for(people.partner), f"/api/v1/propositions/{second.pk}/")
    assert (body["number"], body["status"], body["approved_by"], body["approved_on"]) == (
        2,
        "approved",
        chain[-1].pk,
        "2026-05-20",
    )
    assert client_for(people.nobody).get(f"/api/v1/propositions/{first.pk}/").status_code == 404
    admin = client_for(people.admin)
    assert admin.post("/api/v1/propositions/", {}).status_code == 405
    assert admin.patch(f"/api/v1/propositions/{first.pk}/", {}).status_code == 405
    assert PropositionVersion.objects.count() == 2


# --- Query counts -----------------------------------------------------------------------------


def _volume(people: People, chain: list[GovernanceBody], transport: Workstream, size: int) -> None:
    """``size`` meetings with attendees and agenda items, ``size`` more milestones, and
    ``size`` versions of the Proposition of two proposals each."""
    for n in range(size):
        m = meeting(
            people,
            chain[n % len(chain)],
            n + 1,
            attendees=[people.lead, people.dsg],
            minutes="Notes.",
            classification=SENSITIVE if n % 2 else OFFICIAL,
        )
        for classification in (OFFICIAL, SENSITIVE):
            services.agenda_item_add(
                meeting=m, acting_user=people.admin, title="Item", classification=classification
            )
    Milestone.objects.bulk_create(
        Milestone(
            deal=people.deal,
            title=f"Milestone {n}",
            when_label="Later",
            starts_on=dt.date(2027, 1, 1),
            ends_on=dt.date(2027, 1, 31),
        )
        for n in range(size)
    )
    approved(people, draft(people, transport, "Bus franchising powers"), chain)
    approved(people, draft(people, transport, "Bus fares cap", SENSITIVE), chain)
    for _ in range(size):
        services.proposition_version_create(deal=people.deal, acting_user=people.admin)


# The person's roles, the count and the page; meetings add their attendees and agendas,
# milestones what they depend on, versions their items.
LIST_QUERIES = {
    "/api/v1/meetings/": 5,
    "/api/v1/milestones/": 4,
    "/api/v1/propositions/": 4,
}


@pytest.mark.parametrize("url", list(LIST_QUERIES))
@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("role", ["partner", "admin"])
def test_governance_lists_cost_the_same_few_queries_at_ten_times_the_data(
    people: People,
    chain: list[GovernanceBody],
    transport: Workstream,
    url: str,
    size: int,
    role: str,
    django_assert_max_num_queries: Any,
) -> None:
    _volume(people, chain, transport, size)
    client = client_for(people.all_roles()[role])
    with django_assert_max_num_queries(LIST_QUERIES[url]):
        response = client.get(url + "?page_size=200")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert response.json()["count"] == len(rows) == size + (6 if "milestones" in url else 0)
    if url == "/api/v1/meetings/":
        assert {len(row["agenda"]) for row in rows} == {1 if role == "partner" else 2}
    if url == "/api/v1/propositions/":
        assert {row["item_count"] for row in rows} == {1 if role == "partner" else 2}


# --- Schema -----------------------------------------------------------------------------------


def test_the_schema_describes_the_governance_endpoints(people: People) -> None:
    response = client_for(people.dsg).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    paths = response.json()["paths"]
    assert set(paths["/api/v1/meetings/"]) == {"get", "post"}
    assert {"get", "patch"} <= set(paths["/api/v1/meetings/{id}/"])
    assert "409" in paths["/api/v1/meetings/{id}/status/"]["post"]["responses"]
    patch = paths["/api/v1/meetings/{id}/"]["patch"]
    assert "If-Match" in [p["name"] for p in patch["parameters"]]
    assert "412" in patch["responses"]
    assert set(paths["/api/v1/milestones/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/v1/propositions/{id}/"]) == {"get"}
    filters = {p["name"] for p in paths["/api/v1/meetings/"]["get"]["parameters"]}
    assert {"body", "status", "from", "to"} <= filters
