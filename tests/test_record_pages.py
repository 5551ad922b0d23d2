"""The pages for the risks and issues log, the stakeholder engagement plan, merging and ceasing
workstreams, and the searchable list of workstreams, tried as every persona."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from core.choices import Classification, OrganisationKind, Role
from core.models import Membership, Organisation
from tracker import services
from tracker.choices import (
    AskType,
    Direction,
    EngagementFrequency,
    Outcome,
    ProposalStage,
    Rag,
    RiskStatus,
    WorkstreamStatus,
)
from tracker.models import EngagementEntry, Proposal, Risk, StatusUpdate, Theme, Workstream

from .conftest import People

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE

# Everyone who holds a role in the deal may read its workstreams' records.
READERS = ["lead", "other_lead", "sponsor", "dsg", "partner", "admin"]
# Only the workstream's lead and an administrator may write them.
WRITERS = ["lead", "admin"]
NOT_WRITERS = ["other_lead", "sponsor", "dsg", "partner"]


# --- Helpers ----------------------------------------------------------------------------------


def _ws(slug: str) -> Workstream:
    return Workstream.objects.get(slug=slug)


def _sign_in(client: Client, people: People, role: str) -> None:
    if role != "anonymous":
        client.force_login(people.all_roles()[role])


def _risk(people: People, ws: str = "transport", **fields: Any) -> Risk:
    values = {
        "title": "Bus franchising consultation slips",
        "likelihood": 3,
        "impact": 4,
        "classification": OFFICIAL,
    } | fields
    return services.risk_create(workstream=_ws(ws), acting_user=people.admin, **values)


def _organisation(name: str, kind: str = OrganisationKind.BUSINESS) -> Organisation:
    return Organisation.objects.get_or_create(name=name, defaults={"kind": kind})[0]


def _entry(people: People, organisation: Organisation, ws: str = "transport", **fields: Any):
    values = {
        "organisation": organisation,
        "frequency": EngagementFrequency.MONTHLY,
        "classification": OFFICIAL,
    } | fields
    return services.engagement_entry_create(workstream=_ws(ws), acting_user=people.admin, **values)


def _risk_post(**fields: str) -> dict[str, str]:
    return {
        "title": "Rail devolution business case delayed",
        "description": "The business case waits on the spending review.",
        "likelihood": "4",
        "impact": "5",
        "owner": "",
        "mitigation": "Weekly calls with officials.",
        "status": RiskStatus.OPEN,
        "classification": OFFICIAL,
    } | fields


def _entry_post(organisation: Organisation, **fields: str) -> dict[str, str]:
    return {
        "organisation": str(organisation.pk),
        "channel": "",
        "channel_notes": "Quarterly partners' call",
        "frequency": EngagementFrequency.QUARTERLY,
        "last_engaged_on_day": "3",
        "last_engaged_on_month": "2",
        "last_engaged_on_year": "2026",
        "notes": "Keen on cross-boundary bus routes.",
        "classification": OFFICIAL,
    } | fields


def _proposal(ws: Workstream, title: str, stage: str = ProposalStage.DRAFT, **kw: Any) -> Proposal:
    return Proposal.objects.create(
        deal=ws.deal,
        workstream=ws,
        title=title,
        ask="A multi-year settlement for local buses.",
        ask_type=AskType.FUNDING,
        stage=stage,
        **kw,
    )


def _body(response: Any) -> str:
    return response.content.decode()


def _title(response: Any) -> str:
    match = re.search(r"<title>(.*?)</title>", _body(response), re.S)
    return match.group(1).strip() if match else ""


def _assert_redirects_to_sign_in(response: Any) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Who may see the pages --------------------------------------------------------------------

READ_PAGES: dict[str, Callable[[People], str]] = {
    "risk log": lambda p: "/workstreams/transport/risks/",
    "risk": lambda p: f"/workstreams/transport/risks/{_risk(p).pk}/",
    "engagement plan": lambda p: "/workstreams/transport/engagement/",
    "engagement entry": lambda p: (
        f"/workstreams/transport/engagement/{_entry(p, _organisation('Acme Buses')).pk}/"
    ),
    "workstream list": lambda p: "/workstreams/",
}
WRITE_PAGES: dict[str, Callable[[People], str]] = {
    "new risk": lambda p: "/workstreams/transport/risks/new/",
    "risk edit": lambda p: f"/workstreams/transport/risks/{_risk(p).pk}/edit/",
    "new engagement entry": lambda p: "/workstreams/transport/engagement/new/",
    "engagement entry edit": lambda p: (
        f"/workstreams/transport/engagement/{_entry(p, _organisation('Acme Buses')).pk}/edit/"
    ),
}
ADMIN_PAGES: dict[str, Callable[[People], str]] = {
    "merge": lambda p: "/workstreams/transport/merge/",
    "cease": lambda p: "/workstreams/transport/cease/",
}


def _cases(pages: dict[str, Callable[[People], str]], outcomes: dict[str, int]) -> list[Any]:
    return [
        pytest.param(page, role, status, id=f"{page}-{role}")
        for page in pages
        for role, status in outcomes.items()
    ]


READ_OUTCOMES = {**dict.fromkeys(READERS, 200), "nobody": 404, "anonymous": 302}
WRITE_OUTCOMES = {
    **dict.fromkeys(WRITERS, 200),
    **dict.fromkeys(NOT_WRITERS, 403),
    "nobody": 404,
    "anonymous": 302,
}
ADMIN_OUTCOMES = {
    "admin": 200,
    **dict.fromkeys(["lead", *NOT_WRITERS], 403),
    "nobody": 404,
    "anonymous": 302,
}


@pytest.mark.parametrize(("page", "role", "status"), _cases(READ_PAGES, READ_OUTCOMES))
def test_everyone_in_the_deal_reads_the_record_pages_and_no_one_else(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    url = READ_PAGES[page](people)
    _sign_in(client, people, role)
    response = client.get(url)
    if status == 302:
        _assert_redirects_to_sign_in(response)
    else:
        assert response.status_code == status


@pytest.mark.parametrize(("page", "role", "status"), _cases(WRITE_PAGES, WRITE_OUTCOMES))
def test_only_the_workstreams_lead_and_an_administrator_open_its_forms(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    url = WRITE_PAGES[page](people)
    _sign_in(client, people, role)
    response = client.get(url)
    if status == 302:
        _assert_redirects_to_sign_in(response)
    else:
        assert response.status_code == status


@pytest.mark.parametrize(("page", "role", "status"), _cases(ADMIN_PAGES, ADMIN_OUTCOMES))
def test_only_an_administrator_opens_the_merge_and_cease_pages(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    url = ADMIN_PAGES[page](people)
    _sign_in(client, people, role)
    response = client.get(url)
    if status == 302:
        _assert_redirects_to_sign_in(response)
    else:
        assert response.status_code == status


@pytest.mark.parametrize("role", NOT_WRITERS)
def test_someone_who_may_not_write_cannot_post_a_risk_or_change_one(
    client: Client, people: People, role: str
) -> None:
    risk = _risk(people)
    _sign_in(client, people, role)
    assert client.post("/workstreams/transport/risks/new/", _risk_post()).status_code == 403
    edit = _risk_post(title="Changed by someone who may not", revision=str(risk.revision))
    assert client.post(f"/workstreams/transport/risks/{risk.pk}/edit/", edit).status_code == 403
    assert list(Risk.objects.values_list("title", flat=True)) == [risk.title]


@pytest.mark.parametrize("role", NOT_WRITERS)
def test_someone_who_may_not_write_cannot_add_to_or_change_the_engagement_plan(
    client: Client, people: People, role: str
) -> None:
    entry = _entry(people, _organisation("Acme Buses"))
    other = _organisation("Example District Council", OrganisationKind.NON_CONSTITUENT_AUTHORITY)
    _sign_in(client, people, role)
    new = client.post("/workstreams/transport/engagement/new/", _entry_post(other))
    assert new.status_code == 403
    edit = _entry_post(entry.organisation, notes="Not mine to change", revision="1")
    url = f"/workstreams/transport/engagement/{entry.pk}/edit/"
    assert client.post(url, edit).status_code == 403
    assert EngagementEntry.objects.get().notes == ""


@pytest.mark.parametrize("role", ["lead", *NOT_WRITERS, "nobody"])
def test_only_an_administrator_can_merge_or_cease_a_workstream(
    client: Client, people: People, role: str
) -> None:
    _sign_in(client, people, role)
    skills = _ws("skills")
    merge = {"into": str(skills.pk), "confirmed": "True"}
    assert client.post("/workstreams/transport/merge/", merge).status_code in (403, 404)
    cease = {"reason": "Done", "ceased_on_day": "1", "ceased_on_month": "1"}
    assert client.post("/workstreams/transport/cease/", cease).status_code in (403, 404)
    assert _ws("transport").status == WorkstreamStatus.ACTIVE


def test_a_lead_sees_links_to_add_records_to_their_own_workstream_only(
    client: Client, people: People
) -> None:
    client.force_login(people.lead)
    own = _body(client.get("/workstreams/transport/"))
    assert "/workstreams/transport/risks/new/" in own
    assert "/workstreams/transport/engagement/new/" in own
    assert "Merge into another workstream" not in own
    other = _body(client.get("/workstreams/skills/"))
    assert "/workstreams/skills/risks/new/" not in other
    assert "/workstreams/skills/engagement/new/" not in other
    assert "/workstreams/skills/risks/" in other


def test_an_administrator_sees_the_merge_and_cease_links_while_the_workstream_is_active(
    client: Client, people: People
) -> None:
    client.force_login(people.admin)
    body = _body(client.get("/workstreams/transport/"))
    assert "/workstreams/transport/merge/" in body and "/workstreams/transport/cease/" in body
    services.workstream_cease(workstream=_ws("transport"), acting_user=people.admin, reason="x")
    body = _body(client.get("/workstreams/transport/"))
    assert "/workstreams/transport/merge/" not in body
    assert "/workstreams/transport/cease/" not in body
    assert "/workstreams/transport/risks/new/" not in body


# --- Sensitive records never reach a partner --------------------------------------------------


def test_a_partner_never_sees_a_sensitive_risk_in_the_log_by_id_or_in_a_count(
    client: Client, people: People
) -> None:
    _risk(people, title="Official risk", likelihood=5, impact=5)
    secret = _risk(
        people,
        title="Treasury will not move",
        likelihood=5,
        impact=4,
        **{"classification": SENSITIVE},
    )
    client.force_login(people.partner)
    log = client.get("/workstreams/transport/risks/")
    assert "Official risk" in _body(log)
    assert "Treasury will not move" not in _body(log)
    assert log.context["counts"] == {"open": 1, "closed": 0}
    assert client.get(f"/workstreams/transport/risks/{secret.pk}/").status_code == 404
    assert client.get(f"/workstreams/transport/risks/{secret.pk}/edit/").status_code == 404
    page = client.get("/workstreams/transport/")
    summary = page.context["records"]["risks"]
    assert (summary.open, summary.red) == (1, 1)
    assert "Treasury will not move" not in _body(page)


def test_everyone_else_in_the_deal_sees_the_sensitive_risk(client: Client, people: People) -> None:
    secret = _risk(people, title="Treasury will not move", classification=SENSITIVE)
    for role in ["lead", "other_lead", "sponsor", "dsg", "admin"]:
        client.force_login(people.all_roles()[role])
        assert "Treasury will not move" in _body(client.get("/workstreams/transport/risks/"))
        assert client.get(f"/workstreams/transport/risks/{secret.pk}/").status_code == 200
        summary = client.get("/workstreams/transport/").context["records"]["risks"]
        assert summary.open == 1


def test_a_partner_never_sees_a_sensitive_engagement_entry(client: Client, people: People) -> None:
    _entry(people, _organisation("Acme Buses"))
    secret = _entry(people, _organisation("Quiet Holdings"), classification=SENSITIVE)
    client.force_login(people.partner)
    plan = _body(client.get("/workstreams/transport/engagement/"))
    assert "Acme Buses" in plan and "Quiet Holdings" not in plan
    assert "Quiet Holdings" not in _body(client.get("/workstreams/transport/"))
    assert client.get(f"/workstreams/transport/engagement/{secret.pk}/").status_code == 404
    assert client.get(f"/workstreams/transport/engagement/{secret.pk}/edit/").status_code == 404
    client.force_login(people.dsg)
    assert "Quiet Holdings" in _body(client.get("/workstreams/transport/engagement/"))


def test_a_record_is_only_found_under_its_own_workstream(client: Client, people: People) -> None:
    risk = _risk(people, ws="skills")
    entry = _entry(people, _organisation("Acme Buses"), ws="skills")
    client.force_login(people.admin)
    assert client.get(f"/workstreams/transport/risks/{risk.pk}/").status_code == 404
    assert client.get(f"/workstreams/transport/engagement/{entry.pk}/").status_code == 404
    assert client.get(f"/workstreams/skills/risks/{risk.pk}/").status_code == 200


# --- The risks and issues log -----------------------------------------------------------------


def test_the_log_lists_open_risks_first_by_score_with_every_column(
    client: Client, people: People
) -> None:
    _risk(people, title="Closed severe", likelihood=5, impact=5, status=RiskStatus.CLOSED)
    _risk(people, title="Open low", likelihood=1, impact=2)
    _risk(
        people,
        title="Open high",
        likelihood=4,
        impact=5,
        owner=people.lead,
        escalated_to_dsg=True,
        classification=SENSITIVE,
    )
    client.force_login(people.dsg)
    response = client.get("/workstreams/transport/risks/")
    body = _body(response)
    assert [r.title for r in response.context["risks"]] == [
        "Open high",
        "Open low",
        "Closed severe",
    ]
    row = body[body.index("Open high") : body.index("Open low")]
    for text in ["20", "Red", "Alice Lead", "Open", "Yes", "OFFICIAL-SENSITIVE"]:
        assert text in row
    assert "2 open, 1 closed" in body


def test_the_log_can_show_only_open_or_only_closed_risks(client: Client, people: People) -> None:
    _risk(people, title="Still open")
    _risk(people, title="Dealt with", status=RiskStatus.CLOSED)
    client.force_login(people.lead)
    closed = _body(client.get("/workstreams/transport/risks/?status=closed"))
    assert "Dealt with" in closed and "Still open" not in closed
    opened = _body(client.get("/workstreams/transport/risks/?status=open"))
    assert "Still open" in opened and "Dealt with" not in opened


def test_a_risk_page_shows_every_field_the_rag_rule_and_its_history(
    client: Client, people: People
) -> None:
    risk = _risk(people, description="Why it matters", mitigation="What we do", owner=people.lead)
    services.risk_update(risk=risk, acting_user=people.lead, title="Franchising slips to 2027")
    client.force_login(people.sponsor)
    body = _body(client.get(f"/workstreams/transport/risks/{risk.pk}/"))
    for text in [
        "Franchising slips to 2027",
        "Why it matters",
        "What we do",
        "3 – possible",
        "4 – major",
        "12 (3 × 4)",
        "Amber",
        "Alice Lead",
        "OFFICIAL",
    ]:
        assert text in body
    assert "15 or more is red, 5 to 14 is amber, and 4 or less is green" in body
    assert "History of this risk" in body
    assert "Changed</strong> by Alice Lead" in body
    assert "Created</strong> by Ada Admin" in body


def test_a_lead_adds_a_risk_with_radios_for_likelihood_and_impact(
    client: Client, people: People
) -> None:
    client.force_login(people.lead)
    form = _body(client.get("/workstreams/transport/risks/new/"))
    assert 'type="radio" name="likelihood" value="5"' in form and "5 – almost certain" in form
    assert 'type="radio" name="impact" value="1"' in form and "1 – negligible" in form
    assert "Nadia Nobody" not in form and "Pat Partner" in form
    post = _risk_post(owner=str(people.lead.pk), escalated_to_dsg="on")
    response = client.post("/workstreams/transport/risks/new/", post)
    risk = Risk.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workstreams/transport/risks/{risk.pk}/"
    assert (risk.likelihood, risk.impact, risk.score, risk.rag) == (4, 5, 20, Rag.RED)
    assert risk.owner == people.lead and risk.escalated_to_dsg
    assert "added to the log" in _body(client.get(response["Location"]))


def test_an_incomplete_risk_is_refused_field_by_field_and_nothing_is_saved(
    client: Client, people: People
) -> None:
    client.force_login(people.lead)
    post = _risk_post(title="", likelihood="7", classification="")
    del post["impact"]
    response = client.post("/workstreams/transport/risks/new/", post)
    body = _body(response)
    assert response.status_code == 200
    assert _title(response).startswith("Error: ")
    assert "There is a problem" in body
    for message in [
        "Enter a title for the risk or issue",
        "Select how likely the risk is",
        "Select how severe the impact would be",
        "Select whether this is OFFICIAL or OFFICIAL-SENSITIVE",
    ]:
        assert body.count(message) == 2  # in the summary and at the field
    assert 'href="#id_likelihood_0"' in body
    assert "Rail devolution" not in body  # the title was empty; the description is kept
    assert "The business case waits on the spending review." in body
    assert not Risk.objects.exists()


def test_the_owner_must_be_someone_in_the_deal(client: Client, people: People) -> None:
    client.force_login(people.admin)
    post = _risk_post(owner=str(people.nobody.pk))
    response = client.post("/workstreams/transport/risks/new/", post)
    assert response.status_code == 200 and "Select a valid choice" in _body(response)
    assert not Risk.objects.exists()


def test_a_lead_changes_their_risk_and_it_is_recorded(client: Client, people: People) -> None:
    risk = _risk(people)
    client.force_login(people.lead)
    form = _body(client.get(f"/workstreams/transport/risks/{risk.pk}/edit/"))
    assert 'name="revision" value="1"' in form
    assert 'value="Bus franchising consultation slips"' in form
    post = _risk_post(status=RiskStatus.CLOSED, revision="1")
    response = client.post(f"/workstreams/transport/risks/{risk.pk}/edit/", post)
    assert response.status_code == 302
    risk.refresh_from_db()
    assert (risk.status, risk.revision, risk.score) == (RiskStatus.CLOSED, 2, 20)
    assert risk.history.first().history_user == people.lead


def test_a_stale_risk_edit_is_refused_with_what_changed_and_nothing_of_it_saved(
    people: People,
) -> None:
    risk = _risk(people, owner=people.lead)
    url = f"/workstreams/transport/risks/{risk.pk}/edit/"
    first, second = Client(), Client()
    first.force_login(people.lead)
    second.force_login(people.admin)
    for client in (first, second):
        assert 'name="revision" value="1"' in _body(client.get(url))

    saved = first.post(url, _risk_post(title="Franchising delayed a year", revision="1"))
    assert saved.status_code == 302

    refused = second.post(
        url, _risk_post(title="Second person's title", mitigation="Theirs", revision="1")
    )
    body = _body(refused)
    assert refused.status_code == 200
    assert _title(refused).startswith("Error: ")
    assert "Someone else changed this while you were editing it" in body
    table = body[body.index("What changed while you were editing") :]
    assert "Title" in table and "Bus franchising consultation slips" in table
    assert "Franchising delayed a year" in table
    assert "Likelihood" in table  # 3 became 4 in the first person's save
    risk.refresh_from_db()
    assert (risk.title, risk.mitigation, risk.revision) == (
        "Franchising delayed a year",
        "Weekly calls with officials.",
        2,
    )
    # The second person's input is still on the form, now based on the current revision.
    assert 'value="Second person&#x27;s title"' in body
    assert 'name="revision" value="2"' in body

    # Having seen what changed, saving again is a deliberate choice and goes through.
    again = second.post(url, _risk_post(title="Second person's title", revision="2"))
    assert again.status_code == 302
    risk.refresh_from_db()
    assert (risk.title, risk.revision) == ("Second person's title", 3)


# --- The stakeholder engagement plan ----------------------------------------------------------


def test_the_plan_lists_each_organisation_how_how_often_and_when(
    client: Client, people: People
) -> None:
    board = people.deal.bodies.get(name="Environment and Energy Board")
    _entry(
        people,
        _organisation("Example District Council", OrganisationKind.NON_CONSTITUENT_AUTHORITY),
        channel=board,
        frequency=EngagementFrequency.QUARTERLY,
        last_engaged_on=dt.date(2026, 2, 3),
        notes="Briefed on the bus ask.",
    )
    _entry(people, _organisation("Acme Buses"), channel_notes="Operators' breakfast")
    client.force_login(people.partner)
    body = _body(client.get("/workstreams/transport/engagement/"))
    for text in [
        "Example District Council",
        "Non-constituent authority",
        "Environment and Energy Board",
        "Quarterly",
        "3 Feb 2026",
        "Briefed on the bus ask.",
        "Acme Buses",
        "Business",
        "Operators&#x27; breakfast",
        "Not yet",
    ]:
        assert text in body
    assert "we expect non-constituent authorities" not in body


def test_a_plan_without_a_non_constituent_authority_is_flagged_citing_the_sources(
    client: Client, people: People
) -> None:
    _entry(people, _organisation("Acme Buses"))
    client.force_login(people.dsg)
    for url in ["/workstreams/transport/engagement/", "/workstreams/transport/"]:
        body = _body(client.get(url))
        assert "govuk-warning-text" in body
        assert (
            "we expect non-constituent authorities to be part of all stakeholder engagement "
            "plans" in body
        )
        assert "paragraph 21" in body
    assert "we expect non-constituent" in _body(
        client.get("/workstreams/skills/engagement/")
    )  # empty


def test_the_flag_counts_only_the_entries_the_person_may_see(
    client: Client, people: People
) -> None:
    council = _organisation("Example District Council", OrganisationKind.NON_CONSTITUENT_AUTHORITY)
    _entry(people, council, classification=SENSITIVE)
    client.force_login(people.dsg)
    assert "we expect non-constituent" not in _body(client.get("/workstreams/transport/"))
    # A partner cannot see the sensitive entry, so for them the plan has no such authority: the
    # flag's absence must not give the hidden entry away.
    client.force_login(people.partner)
    assert "we expect non-constituent" in _body(client.get("/workstreams/transport/"))
    assert "Example District Council" not in _body(client.get("/workstreams/transport/"))


def test_only_an_active_workstreams_plan_is_flagged(client: Client, people: People) -> None:
    services.workstream_cease(workstream=_ws("skills"), acting_user=people.admin, reason="Ended")
    client.force_login(people.dsg)
    assert "we expect non-constituent" not in _body(client.get("/workstreams/skills/engagement/"))
    assert "we expect non-constituent" not in _body(client.get("/workstreams/skills/"))


def test_a_lead_adds_an_organisation_to_the_plan(client: Client, people: People) -> None:
    council = _organisation("Example District Council", OrganisationKind.NON_CONSTITUENT_AUTHORITY)
    board = people.deal.bodies.get(name="Environment and Energy Board")
    client.force_login(people.lead)
    form = _body(client.get("/workstreams/transport/engagement/new/"))
    assert "Example District Council (non-constituent authority)" in form
    assert "Environment and Energy Board" in form and 'name="last_engaged_on_day"' in form
    post = _entry_post(council, channel=str(board.pk))
    response = client.post("/workstreams/transport/engagement/new/", post)
    entry = EngagementEntry.objects.get()
    assert response["Location"] == f"/workstreams/transport/engagement/{entry.pk}/"
    assert (entry.channel, entry.last_engaged_on) == (board, dt.date(2026, 2, 3))
    assert entry.frequency == EngagementFrequency.QUARTERLY
    body = _body(client.get(response["Location"]))
    assert "Example District Council" in body and "History of this entry" in body


def test_an_engagement_entry_with_bad_values_is_refused_and_nothing_saved(
    client: Client, people: People
) -> None:
    client.force_login(people.lead)
    post = _entry_post(_organisation("Acme Buses"), frequency="", last_engaged_on_day="31")
    response = client.post("/workstreams/transport/engagement/new/", post)
    body = _body(response)
    assert _title(response).startswith("Error: ")
    assert "Select how often you engage them" in body
    assert "The date last engaged must be a real date" in body
    assert 'href="#id_last_engaged_on_day"' in body
    assert not EngagementEntry.objects.exists()


def test_an_organisation_appears_once_in_a_plan(client: Client, people: People) -> None:
    acme = _organisation("Acme Buses")
    _entry(people, acme)
    client.force_login(people.lead)
    response = client.post("/workstreams/transport/engagement/new/", _entry_post(acme))
    assert response.status_code == 200
    assert "This organisation is already in the plan." in _body(response)
    assert 'href="#id_organisation"' in _body(response)
    assert EngagementEntry.objects.count() == 1


def test_a_stale_engagement_edit_is_refused_with_what_changed_and_nothing_of_it_saved(
    people: People,
) -> None:
    acme = _organisation("Acme Buses")
    entry = _entry(people, acme, notes="First notes")
    url = f"/workstreams/transport/engagement/{entry.pk}/edit/"
    first, second = Client(), Client()
    first.force_login(people.admin)
    second.force_login(people.lead)
    for client in (first, second):
        assert 'name="revision" value="1"' in _body(client.get(url))
    post = _entry_post(acme, notes="Met the operators", frequency=EngagementFrequency.WEEKLY)
    assert first.post(url, post | {"revision": "1"}).status_code == 302

    refused = second.post(url, _entry_post(acme, notes="Lead's notes") | {"revision": "1"})
    body = _body(refused)
    assert refused.status_code == 200 and _title(refused).startswith("Error: ")
    assert "Someone else changed this while you were editing it" in body
    table = body[body.index("What changed while you were editing") :]
    assert "First notes" in table and "Met the operators" in table and "Weekly" in table
    entry.refresh_from_db()
    assert (entry.notes, entry.revision) == ("Met the operators", 2)
    assert "Lead&#x27;s notes" in body and 'name="revision" value="2"' in body


# --- Merging and ceasing ----------------------------------------------------------------------


def test_merging_moves_open_proposals_and_open_risks_and_leaves_the_rest(
    client: Client, people: People
) -> None:
    transport, skills = _ws("transport"), _ws("skills")
    draft = _proposal(transport, "Bus settlement")
    agreed = _proposal(
        transport,
        "Rail fares pilot",
        ProposalStage.CONCLUDED,
        outcome=Outcome.WITHDRAWN,
        outcome_on=dt.date(2026, 1, 5),
    )
    open_risk = _risk(people, title="Still open")
    closed_risk = _risk(people, title="Dealt with", status=RiskStatus.CLOSED)
    update = StatusUpdate.objects.create(
        workstream=transport,
        period_start=dt.date(2026, 1, 5),
        period_end=dt.date(2026, 1, 18),
        rag=Rag.GREEN,
        direction=Direction.STABLE,
        summary="On track",
    )
    client.force_login(people.admin)

    form = _body(client.get("/workstreams/transport/merge/"))
    assert "Skills" in form and 'value="' + str(transport.pk) + '"' not in form
    assert "Bus settlement" in form and "Still open" in form and "Rail fares pilot" not in form
    # The rest of what moves, counted as the merge service will move it.
    entries = EngagementEntry.objects.filter(workstream=transport).count()
    links = transport.missions.count() + transport.metrics.count() + transport.indicators.count()
    assert f"its engagement plan ({entries} line" in form
    assert f"the missions, metrics and indicators it claims to move ({links})" in form

    confirm = client.post("/workstreams/transport/merge/", {"into": str(skills.pk)})
    assert confirm.status_code == 200
    assert "Merge Transport into Skills?" in _body(confirm)
    assert _ws("transport").status == WorkstreamStatus.ACTIVE  # nothing happens until confirmed

    done = client.post(
        "/workstreams/transport/merge/", {"into": str(skills.pk), "confirmed": "True"}
    )
    assert done.status_code == 302 and done["Location"] == "/workstreams/transport/"
    transport.refresh_from_db()
    assert (transport.status, transport.merged_into) == (WorkstreamStatus.MERGED, skills)
    for obj, where in [
        (draft, skills),
        (open_risk, skills),
        (agreed, transport),
        (closed_risk, transport),
        (update, transport),
    ]:
        obj.refresh_from_db()
        assert obj.workstream == where, obj
    page = _body(client.get(done["Location"]))
    assert "merged into Skills" in page
    assert 'href="/workstreams/skills/"' in page


def test_a_merge_that_the_rules_refuse_is_explained_on_the_form(
    client: Client, people: People
) -> None:
    transport, skills = _ws("transport"), _ws("skills")
    _proposal(transport, "Shared title")
    _proposal(skills, "Shared title")
    client.force_login(people.admin)
    response = client.post(
        "/workstreams/transport/merge/", {"into": str(skills.pk), "confirmed": "True"}
    )
    body = _body(response)
    assert response.status_code == 200 and _title(response).startswith("Error: ")
    assert "already has a proposal called" in body
    assert _ws("transport").status == WorkstreamStatus.ACTIVE


def test_a_workstream_can_only_merge_into_another_active_one(
    client: Client, people: People
) -> None:
    skills = _ws("skills")
    services.workstream_cease(workstream=skills, acting_user=people.admin, reason="Ended")
    client.force_login(people.admin)
    assert "Skills" not in _body(client.get("/workstreams/transport/merge/")).split("<select")[1]
    for into in [str(skills.pk), str(_ws("transport").pk), ""]:
        response = client.post("/workstreams/transport/merge/", {"into": into})
        assert response.status_code == 200 and "There is a problem" in _body(response)
    assert _ws("transport").status == WorkstreamStatus.ACTIVE


def test_ceasing_needs_a_reason_and_a_real_past_date(client: Client, people: People) -> None:
    client.force_login(people.admin)
    response = client.post(
        "/workstreams/transport/cease/",
        {"reason": " ", "ceased_on_day": "30", "ceased_on_month": "2", "ceased_on_year": "2026"},
    )
    body = _body(response)
    assert _title(response).startswith("Error: ")
    assert "Enter why the workstream has ceased" in body
    assert "The date it ceased must be a real date" in body
    future = timezone.localdate() + dt.timedelta(days=40)
    response = client.post(
        "/workstreams/transport/cease/",
        {
            "reason": "Folded into the bus plan",
            "ceased_on_day": str(future.day),
            "ceased_on_month": str(future.month),
            "ceased_on_year": str(future.year),
        },
    )
    assert "The date it ceased must be today or in the past" in _body(response)
    response = client.post("/workstreams/transport/cease/", {"reason": "Folded"})
    assert "Enter the date the workstream ceased" in _body(response)
    assert _ws("transport").status == WorkstreamStatus.ACTIVE


def test_an_administrator_marks_a_workstream_as_ceased(client: Client, people: People) -> None:
    client.force_login(people.admin)
    response = client.post(
        "/workstreams/transport/cease/",
        {
            "reason": "Folded into the bus plan",
            "ceased_on_day": "2",
            "ceased_on_month": "3",
            "ceased_on_year": "2026",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/workstreams/transport/"
    transport = _ws("transport")
    assert (transport.status, transport.ceased_on) == (WorkstreamStatus.CEASED, dt.date(2026, 3, 2))
    assert transport.ceased_reason == "Folded into the bus plan"
    page = _body(client.get("/workstreams/transport/"))
    assert "marked as ceased" in page and "ceased on 2 March 2026" in page
    again = _body(client.get("/workstreams/transport/cease/"))
    assert "It cannot be merged or ceased again." in again and '<form method="post"' not in again


# --- The searchable list of workstreams -------------------------------------------------------


def _merge_and_cease(people: People) -> None:
    services.workstream_merge(
        workstream=_ws("transport"), into=_ws("skills"), acting_user=people.admin
    )
    services.workstream_cease(workstream=_ws("digital"), acting_user=people.admin, reason="Done")


def test_the_list_shows_the_active_workstreams_by_default(client: Client, people: People) -> None:
    _merge_and_cease(people)
    client.force_login(people.partner)
    response = client.get("/workstreams/")
    names = [ws.name for ws in response.context["workstreams"]]
    assert len(names) == 18
    assert "Transport" not in names and "Digital" not in names
    assert "Skills" in names


def test_merged_and_ceased_workstreams_are_found_by_searching_in_any_case(
    client: Client, people: People
) -> None:
    _merge_and_cease(people)
    client.force_login(people.dsg)
    found = client.get("/workstreams/?q=TRANSPORT")
    assert [ws.name for ws in found.context["workstreams"]] == ["Transport"]
    body = _body(found)
    assert "Merged" in body and 'href="/workstreams/skills/"' in body
    housing = client.get("/workstreams/?q=digit")
    assert "Ceased" in _body(housing)
    assert [
        ws.name
        for ws in client.get("/workstreams/?q=transport&status=active").context["workstreams"]
    ] == []


def test_the_list_filters_by_status(client: Client, people: People) -> None:
    _merge_and_cease(people)
    client.force_login(people.lead)

    def names(query: str) -> list[str]:
        return [ws.name for ws in client.get(f"/workstreams/?{query}").context["workstreams"]]

    assert names("status=merged") == ["Transport"]
    assert names("status=ceased") == ["Digital"]
    assert len(names("status=all")) == 20
    assert len(names("status=nonsense")) == 18


def test_the_search_looks_at_descriptions_too(client: Client, people: People) -> None:
    Workstream.objects.filter(slug="skills").update(description="Adult education budget")
    client.force_login(people.lead)
    found = client.get("/workstreams/?q=education+BUDGET")
    assert [ws.name for ws in found.context["workstreams"]] == ["Skills"]


# --- Query counts stay bounded as the data grows ----------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _more_risks(people: People, n: int) -> None:
    for i in range(n):
        _risk(
            people,
            title=f"Risk {i}",
            likelihood=1 + i % 5,
            impact=1 + (i // 5) % 5,
            owner=[people.lead, people.admin, people.sponsor][i % 3],
            classification=[OFFICIAL, SENSITIVE][i % 2],
            status=[RiskStatus.OPEN, RiskStatus.CLOSED][i % 4 == 0],
        )


def _more_entries(people: People, start: int, n: int) -> None:
    board = people.deal.bodies.first()
    kinds = OrganisationKind.values
    for i in range(start, start + n):
        organisation = _organisation(f"Organisation {i}", kinds[i % len(kinds)])
        _entry(
            people,
            organisation,
            channel=board if i % 2 else None,
            classification=[OFFICIAL, SENSITIVE][i % 2],
        )


def _more_workstreams(people: People, start: int, n: int) -> None:
    theme = Theme.objects.filter(deal=people.deal).first()
    for i in range(start, start + n):
        ws = Workstream.objects.create(
            deal=people.deal, theme=theme, name=f"Extra {i}", slug=f"extra-{i}", position=100 + i
        )
        user = User.objects.create_user(email=f"lead{i}@example.org", full_name=f"Lead {i}")
        Membership.objects.create(user=user, deal=people.deal, role=Role.LEAD, workstream=ws)
        StatusUpdate.objects.create(
            workstream=ws,
            period_start=dt.date(2026, 1, 5),
            period_end=dt.date(2026, 1, 18),
            rag=Rag.AMBER,
            direction=Direction.STABLE,
            summary="fine",
        )
        if i % 3 == 0:
            services.workstream_cease(workstream=ws, acting_user=people.admin, reason="Done")


@pytest.mark.parametrize("role", ["partner", "admin"])
@pytest.mark.parametrize(
    ("url", "grow"),
    [
        ("/workstreams/transport/risks/", lambda p, start, n: _more_risks(p, n)),
        ("/workstreams/transport/engagement/", _more_entries),
        ("/workstreams/?status=all", _more_workstreams),
        ("/workstreams/transport/", lambda p, s, n: (_more_risks(p, n), _more_entries(p, s, n))),
    ],
    ids=["risk log", "engagement plan", "workstream list", "workstream page"],
)
def test_list_pages_cost_the_same_queries_with_ten_times_the_data(
    client: Client,
    people: People,
    django_assert_max_num_queries: Any,
    url: str,
    grow: Callable[[People, int, int], None],
    role: str,
) -> None:
    grow(people, 0, 5)
    client.force_login(people.all_roles()[role])
    small = _queries(client, url)
    grow(people, 5, 45)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
