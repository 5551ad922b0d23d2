"""The proposal pages: the list with its filters, one proposal with its journey through the
governance chain, and every form that moves it, tried as every persona."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.choices import Classification
from core.models import Deal
from missions.choices import Direction, Unit
from missions.models import Indicator, IndicatorFramework, Metric, Mission
from tracker import services
from tracker.choices import (
    AskType,
    DecisionOutcome,
    MeetingStatus,
    Outcome,
    PrincipleAnswer,
    ProposalStage,
)
from tracker.models import (
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    NegotiationEntry,
    Principle,
    Proposal,
    Workstream,
)

from .conftest import People, approve_proposition, to_government

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
FIRST_BODY = "TDD Core Team"
SECOND_BODY = "Strategic Leadership Team"
LAST_BODY = "WMCA Board"
NOT_IN_PROPOSITION = "is not in the TDD Proposition the WMCA Board approved"

READERS = ["lead", "other_lead", "sponsor", "dsg", "partner", "admin"]
EDITORS = ["lead", "admin"]
NOT_EDITORS = ["other_lead", "sponsor", "dsg", "partner"]


# --- Helpers ----------------------------------------------------------------------------------


def _ws(slug: str) -> Workstream:
    return Workstream.objects.get(slug=slug)


def _department(people: People, name: str = "Department for Transport") -> GovernmentDepartment:
    return GovernmentDepartment.objects.get_or_create(deal=people.deal, name=name)[0]


def _draft(
    people: People, title: str = "Bus franchising settlement", ws: str = "transport", **kw: Any
) -> Proposal:
    values = {
        "classification": OFFICIAL,
        "ask": "A ten-year funding settlement for franchised buses.",
        "ask_type": AskType.FUNDING,
    } | kw
    return services.proposal_create(
        workstream=_ws(ws), acting_user=people.admin, title=title, **values
    )


def _in_chain(people: People, **kw: Any) -> Proposal:
    proposal = _draft(people, **kw)
    return services.proposal_submit(proposal=proposal, acting_user=people.admin)


def _decide(people: People, proposal: Proposal, outcome: str, **kw: Any) -> None:
    proposal.refresh_from_db()
    assert proposal.awaiting_body is not None
    services.decision_record(
        proposal=proposal,
        body=proposal.awaiting_body,
        outcome=outcome,
        acting_user=people.admin,
        **kw,
    )


def _approved(people: People, **kw: Any) -> Proposal:
    proposal = _in_chain(people, **kw)
    while proposal.stage == ProposalStage.IN_GOVERNANCE:
        _decide(people, proposal, DecisionOutcome.ENDORSED)
        proposal.refresh_from_db()
    return proposal


def _submitted(people: People, **kw: Any) -> Proposal:
    return to_government(people, _approved(people, **kw))


def _talks(people: People, proposal: Proposal, **kw: Any) -> NegotiationEntry:
    values = {
        "department": _department(people),
        "held_on": timezone.localdate() - dt.timedelta(days=3),
        "attendees": "Officials from both sides",
        "summary": "Treasury wants a smaller first year.",
        "classification": SENSITIVE,
    } | kw
    return services.negotiation_log(proposal=proposal, acting_user=people.admin, **values)


def _meeting(people: People, body: GovernanceBody, days: int, **kw: Any) -> Meeting:
    starts = timezone.now() + dt.timedelta(days=days)
    return services.meeting_create(body=body, acting_user=people.admin, starts_at=starts, **kw)


def _body(name: str) -> GovernanceBody:
    return GovernanceBody.objects.get(name=name)


def _sign_in(client: Client, people: People, role: str) -> None:
    if role != "anonymous":
        client.force_login(people.all_roles()[role])


def _text(response: Any) -> str:
    return response.content.decode()


def _plain(response: Any) -> str:
    """The page's words with tags removed and spaces collapsed, for messages split by markup."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _text(response))).replace("&#x27;", "'")


def _errors(response: Any) -> str:
    body = _text(response)
    assert "govuk-error-summary" in body, "the page shows no error summary"
    return _plain(response)


def _date(prefix: str, date: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_day": str(date.day),
        f"{prefix}_month": str(date.month),
        f"{prefix}_year": str(date.year),
    }


def _proposal_post(people: People, **fields: Any) -> dict[str, Any]:
    return {
        "workstream": str(_ws("transport").pk),
        "title": "Rail devolution",
        "classification": OFFICIAL,
        "ask": "Devolve local rail services.",
        "ask_type": AskType.POWER,
        "challenge": "Services are run from London.",
        "progress": "Business case drafted.",
        "prize": "Better trains.",
        "estimated_value": "£1,500,000",
        "owner": "",
    } | fields


def _negotiation_post(people: People, **fields: Any) -> dict[str, Any]:
    return {
        "department": str(_department(people).pk),
        **_date("held_on", timezone.localdate() - dt.timedelta(days=1)),
        "attendees": "Alice Lead; two DfT officials",
        "summary": "DfT open to a pilot.",
        "next_steps": "Send the numbers.",
        "classification": SENSITIVE,
    } | fields


# --- Who may open each page -------------------------------------------------------------------

PageUrl = Callable[[People], str]

READ_PAGES: dict[str, PageUrl] = {
    "list": lambda p: "/proposals/",
    "detail": lambda p: f"/proposals/{_draft(p).pk}/",
}
EDITOR_PAGES: dict[str, PageUrl] = {
    "create for transport": lambda p: "/proposals/new/?workstream=transport",
    "edit": lambda p: f"/proposals/{_draft(p).pk}/edit/",
    "principles": lambda p: f"/proposals/{_draft(p).pk}/principles/",
    "submit a draft": lambda p: f"/proposals/{_draft(p).pk}/submit/",
    "log talks": lambda p: f"/proposals/{_submitted(p).pk}/negotiations/new/",
    "log talks on a draft": lambda p: f"/proposals/{_draft(p).pk}/negotiations/new/",
    "change talks": lambda p: (
        f"/negotiations/{_talks(p, _submitted(p), classification=OFFICIAL).pk}/edit/"
    ),
}
ADMIN_PAGES: dict[str, PageUrl] = {
    "decide": lambda p: f"/proposals/{_in_chain(p).pk}/decide/",
    "skip": lambda p: f"/proposals/{_in_chain(p).pk}/skip/",
    "outcome": lambda p: f"/proposals/{_in_chain(p).pk}/outcome/",
    "submit to government": lambda p: f"/proposals/{_approved(p).pk}/submit/",
}

READ_OUTCOMES = {**dict.fromkeys(READERS, 200), "nobody": 404, "anonymous": 302}
EDITOR_OUTCOMES = {
    **dict.fromkeys(EDITORS, 200),
    **dict.fromkeys(NOT_EDITORS, 403),
    "nobody": 404,
    "anonymous": 302,
}
ADMIN_OUTCOMES = {
    "admin": 200,
    **dict.fromkeys(["lead", *NOT_EDITORS], 403),
    "nobody": 404,
    "anonymous": 302,
}


def _cases(pages: dict[str, PageUrl], outcomes: dict[str, int]) -> list[Any]:
    return [
        pytest.param(page, role, status, id=f"{page}-{role}")
        for page in pages
        for role, status in outcomes.items()
    ]


def _check_status(client: Client, people: People, url: str, role: str, status: int) -> None:
    _sign_in(client, people, role)
    response = client.get(url)
    if status == 302:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == status


@pytest.mark.parametrize(("page", "role", "status"), _cases(READ_PAGES, READ_OUTCOMES))
def test_everyone_in_the_deal_reads_an_official_proposal_and_no_one_else(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    _check_status(client, people, READ_PAGES[page](people), role, status)


@pytest.mark.parametrize(("page", "role", "status"), _cases(EDITOR_PAGES, EDITOR_OUTCOMES))
def test_only_the_workstreams_lead_and_an_administrator_open_the_editing_pages(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    _check_status(client, people, EDITOR_PAGES[page](people), role, status)


@pytest.mark.parametrize(("page", "role", "status"), _cases(ADMIN_PAGES, ADMIN_OUTCOMES))
def test_only_an_administrator_opens_the_governance_pages(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    _check_status(client, people, ADMIN_PAGES[page](people), role, status)


@pytest.mark.parametrize(
    ("role", "status"),
    [("lead", 200), ("other_lead", 200), ("admin", 200), ("sponsor", 403), ("dsg", 403)]
    + [("partner", 403), ("nobody", 404)],
)
def test_the_create_page_is_for_anyone_who_leads_a_workstream_or_administers(
    client: Client, people: People, role: str, status: int
) -> None:
    _sign_in(client, people, role)
    assert client.get("/proposals/new/").status_code == status


def test_a_lead_may_only_choose_the_workstreams_they_lead(client: Client, people: People) -> None:
    client.force_login(people.lead)
    response = client.get("/proposals/new/")
    assert list(response.context["form"].fields["workstream"].queryset) == [_ws("transport")]
    client.force_login(people.admin)
    assert client.get("/proposals/new/").context["form"].fields["workstream"].queryset.count() > 1


@pytest.mark.parametrize("role", NOT_EDITORS)
def test_someone_who_may_not_edit_cannot_post_to_the_editing_pages(
    client: Client, people: People, role: str
) -> None:
    proposal = _draft(people)
    principle = Principle.objects.filter(deal=people.deal).first()
    _sign_in(client, people, role)
    url = f"/proposals/{proposal.pk}"
    post = _proposal_post(people, workstream=str(_ws("transport").pk))
    assert client.post("/proposals/new/?workstream=transport", post).status_code == 403
    edit = post | {"title": "Changed", "revision": "1"}
    assert client.post(f"{url}/edit/", edit).status_code == 403
    answer = {f"principle_{principle.pk}": PrincipleAnswer.YES}
    assert client.post(f"{url}/principles/", answer).status_code == 403
    assert client.post(f"{url}/submit/").status_code == 403
    proposal.refresh_from_db()
    assert (proposal.title, proposal.stage) == ("Bus franchising settlement", ProposalStage.DRAFT)
    assert not proposal.principle_responses.exists()
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize("role", ["lead", *NOT_EDITORS])
def test_no_one_but_an_administrator_records_a_decision_a_skip_or_an_outcome(
    client: Client, people: People, role: str
) -> None:
    proposal = _in_chain(people)
    _sign_in(client, people, role)
    url = f"/proposals/{proposal.pk}"
    decision = {"body": str(_body(FIRST_BODY).pk), "outcome": DecisionOutcome.ENDORSED}
    assert client.post(f"{url}/decide/", decision).status_code == 403
    assert client.post(f"{url}/skip/", {"reason": "Urgent"}).status_code == 403
    assert client.post(f"{url}/outcome/", {"outcome": Outcome.WITHDRAWN}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.awaiting_body == _body(FIRST_BODY)
    assert not proposal.decisions.exists()


# --- A partner never sees sensitive material --------------------------------------------------


def test_a_partner_never_sees_a_sensitive_proposal_anywhere(client: Client, people: People) -> None:
    _draft(people, title="Open bus data")
    secret = _submitted(people, title="Treasury red lines", classification=SENSITIVE)
    _talks(people, secret)
    entry = secret.negotiations.get()
    client.force_login(people.partner)
    listing = client.get("/proposals/")
    assert "Open bus data" in _text(listing) and "Treasury red lines" not in _text(listing)
    assert listing.context["page"].paginator.count == 1
    searched = client.get("/proposals/?q=Treasury&classification=official-sensitive")
    assert "Treasury red lines" not in _text(searched)
    for suffix in ["", "edit/", "principles/", "submit/", "decide/", "skip/", "outcome/"]:
        assert client.get(f"/proposals/{secret.pk}/{suffix}").status_code == 404
    assert client.get(f"/proposals/{secret.pk}/negotiations/new/").status_code == 404
    assert client.get(f"/negotiations/{entry.pk}/edit/").status_code == 404
    assert "Treasury red lines" not in _text(client.get("/workstreams/transport/"))


def test_a_partner_never_sees_a_sensitive_negotiation_entry_of_an_official_proposal(
    client: Client, people: People
) -> None:
    proposal = _submitted(people)
    _talks(people, proposal, summary="Officials will share the timetable.", classification=OFFICIAL)
    secret = _talks(people, proposal, summary="Our fallback is a five-year deal.")
    client.force_login(people.partner)
    body = _text(client.get(f"/proposals/{proposal.pk}/"))
    assert "Officials will share the timetable." in body
    assert "Our fallback is a five-year deal." not in body
    assert client.get(f"/negotiations/{secret.pk}/edit/").status_code == 404
    client.force_login(people.dsg)
    assert "Our fallback is a five-year deal." in _text(client.get(f"/proposals/{proposal.pk}/"))


def test_a_partner_reads_no_history_from_when_a_proposal_was_sensitive(
    client: Client, people: People
) -> None:
    proposal = _draft(people, classification=SENSITIVE, ask="Our opening bid is 900 million.")
    services.proposal_update(
        proposal=proposal,
        acting_user=people.admin,
        ask="A ten-year funding settlement.",
        classification=OFFICIAL,
    )
    services.proposal_update(proposal=proposal, acting_user=people.admin, progress="Costed.")

    client.force_login(people.partner)
    history = client.get(f"/proposals/{proposal.pk}/").context["history"]
    assert [(e.kind, [c.field for c in e.changes]) for e in history] == [
        ("Changed", ["progress"]),
        ("Marked OFFICIAL", []),
    ]
    assert "900 million" not in _text(client.get(f"/proposals/{proposal.pk}/"))
    client.force_login(people.dsg)
    history = client.get(f"/proposals/{proposal.pk}/").context["history"]
    assert [e.kind for e in history] == ["Changed", "Changed", "Created"]
    assert "900 million" in _text(client.get(f"/proposals/{proposal.pk}/"))


# --- The list ---------------------------------------------------------------------------------


def test_the_list_shows_each_proposal_with_its_stage_body_marking_and_principles(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people, title="Adult skills budget", ws="skills", classification=SENSITIVE)
    principle = Principle.objects.filter(deal=people.deal).first()
    services.principles_answer(
        proposal=proposal,
        acting_user=people.admin,
        answers={principle: (PrincipleAnswer.YES, "")},
    )
    client.force_login(people.dsg)
    body = _text(client.get("/proposals/"))
    row = body[: body.index("Adult skills budget")]
    row = body[row.rindex("<tr") : body.index("</tr>", len(row))]
    total = Principle.objects.filter(deal=people.deal).count()
    for text in ["Skills", "In the governance chain", FIRST_BODY, "OFFICIAL-SENSITIVE"]:
        assert text in row
    assert f"1 of {total}" in row
    assert f'href="/proposals/{proposal.pk}/"' in row


def test_the_list_filters_by_outcome(client: Client, people: People) -> None:
    _draft(people, title="Bus franchising")
    withdrawn = _draft(people, title="Road pricing")
    services.proposal_conclude(proposal=withdrawn, acting_user=people.admin, outcome="withdrawn")
    client.force_login(people.admin)

    def titles(query: str) -> list[str]:
        return [p.title for p, _ in client.get(f"/proposals/?{query}").context["proposals"]]

    assert titles("outcome=withdrawn") == ["Road pricing"]
    assert titles("outcome=agreed") == []
    assert 'name="outcome"' in client.get("/proposals/").content.decode()


def test_the_list_filters_by_every_facet_and_searches(client: Client, people: People) -> None:
    dft = _department(people)
    mission = Mission.objects.order_by("number").first()
    bus = _draft(people, title="Bus franchising", departments=[dft], missions=[mission])
    _in_chain(people, title="Adult skills budget", ws="skills", classification=SENSITIVE)
    client.force_login(people.admin)

    def titles(query: str) -> list[str]:
        return [p.title for p, _ in client.get(f"/proposals/?{query}").context["proposals"]]

    assert titles("") == ["Bus franchising", "Adult skills budget"] or set(titles("")) == {
        "Bus franchising",
        "Adult skills budget",
    }
    assert titles("workstream=skills") == ["Adult skills budget"]
    assert titles(f"theme={_ws('skills').theme.slug}") == ["Adult skills budget"]
    assert titles("stage=draft") == ["Bus franchising"]
    assert titles(f"body={_body(FIRST_BODY).slug}") == ["Adult skills budget"]
    assert titles(f"mission={mission.number}") == ["Bus franchising"]
    assert titles(f"department={dft.pk}") == ["Bus franchising"]
    assert titles("classification=official-sensitive") == ["Adult skills budget"]
    assert titles("q=franchising") == ["Bus franchising"]
    assert titles("q=funding+settlement") == ["Bus franchising", "Adult skills budget"] or set(
        titles("q=funding+settlement")
    ) == {"Bus franchising", "Adult skills budget"}
    assert set(titles("unanswered=yes")) == {"Bus franchising", "Adult skills budget"}
    services.principles_answer(
        proposal=bus,
        acting_user=people.admin,
        answers={p: (PrincipleAnswer.YES, "") for p in Principle.objects.filter(deal=people.deal)},
    )
    assert titles("unanswered=yes") == ["Adult skills budget"]
    assert set(titles("stage=nonsense")) == {"Bus franchising", "Adult skills budget"}


def test_the_list_is_paged_and_keeps_the_filters_on_its_page_links(
    client: Client, people: People
) -> None:
    for n in range(30):
        _draft(people, title=f"Proposal {n:02}")
    client.force_login(people.lead)
    first = client.get("/proposals/?stage=draft")
    assert len(first.context["proposals"]) == 25
    assert "?page=2&amp;stage=draft" in _text(first)
    second = client.get("/proposals/?stage=draft&page=2")
    assert len(second.context["proposals"]) == 5


def test_the_create_button_shows_only_to_those_who_may_create(
    client: Client, people: People
) -> None:
    for role, shown in [("lead", True), ("admin", True), ("sponsor", False), ("partner", False)]:
        _sign_in(client, people, role)
        assert ('href="/proposals/new/"' in _text(client.get("/proposals/"))) is shown, role


def test_someone_without_a_deal_is_told_so_on_the_list(client: Client, people: People) -> None:
    client.force_login(people.nobody)
    assert client.get("/proposals/").status_code == 404


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_asks_the_same_few_queries_however_many_proposals(
    client: Client, people: People, django_assert_max_num_queries: Any, size: int
) -> None:
    dft = _department(people)
    missions = list(Mission.objects.all()[:2])
    for n in range(size):
        proposal = _draft(people, title=f"Proposal {n:02}", departments=[dft], missions=missions)
        if n % 3 == 0:
            services.proposal_submit(proposal=proposal, acting_user=people.admin)
    client.force_login(people.dsg)
    with django_assert_max_num_queries(12):
        assert client.get("/proposals/?unanswered=yes").status_code == 200


# --- One proposal -----------------------------------------------------------------------------


def _walked(people: People) -> Proposal:
    """A proposal with every kind of thing its page shows: a referral back, a skip, decisions
    at a meeting, principles answered and unanswered, talks with government and an outcome."""
    proposal = _in_chain(people, title="Rail devolution", estimated_value=Decimal("2500000"))
    meeting = _meeting(people, _body(FIRST_BODY), days=-2)
    earlier = timezone.localdate() - dt.timedelta(days=9)
    _decide(
        people, proposal, DecisionOutcome.REFERRED_BACK, notes="Add the costs.", decided_on=earlier
    )
    services.proposal_submit(proposal=proposal, acting_user=people.lead)
    _decide(people, proposal, DecisionOutcome.ENDORSED, meeting=meeting)
    services.proposal_skip(proposal=proposal, acting_user=people.admin, reason="Met in June")
    while Proposal.objects.get(pk=proposal.pk).stage == ProposalStage.IN_GOVERNANCE:
        _decide(people, proposal, DecisionOutcome.ENDORSED)
    principles = list(Principle.objects.filter(deal=people.deal).order_by("position"))
    services.principles_answer(
        proposal=proposal,
        acting_user=people.lead,
        answers={principles[0]: (PrincipleAnswer.YES, "Mission 3, transport")},
    )
    proposal.refresh_from_db()
    to_government(people, proposal)
    _talks(people, proposal, summary="DfT agree in principle.")
    proposal.refresh_from_db()
    return proposal


def test_the_page_shows_the_journey_decisions_principles_talks_and_history(
    client: Client, people: People
) -> None:
    proposal = _walked(people)
    client.force_login(people.sponsor)
    response = client.get(f"/proposals/{proposal.pk}/")
    page = _plain(response)
    states = [(step.body.name, step.state) for step, _ in response.context["steps"]]
    assert states == [
        (FIRST_BODY, "passed"),
        (SECOND_BODY, "skipped"),
        ("Senior Local Authority Officers Group", "passed"),
        ("Devolution Strategy Group", "passed"),
        ("High Level Negotiating Team", "passed"),
        (LAST_BODY, "passed"),
    ]
    for text in [
        "In negotiation",
        "£2,500,000",
        "Referred back",
        "Add the costs.",
        "Skipped by an administrator",
        "Met in June",
        "Mission 3, transport",
        "5 of 6 principles not answered yet",
        "DfT agree in principle.",
        "History of this proposal",
    ]:
        assert text in page, text
    meeting = Meeting.objects.get()
    assert f'href="/meetings/{meeting.pk}/"' in _text(response)
    assert '<ol class="govuk-list govuk-list--number app-journey"' in _text(response)


def test_the_buttons_are_those_the_person_may_use_at_the_stage(
    client: Client, people: People
) -> None:
    draft = _draft(people)
    client.force_login(people.lead)
    body = _text(client.get(f"/proposals/{draft.pk}/"))
    # The lead logs talks with departments while developing the draft (paragraph 16).
    for url in ["edit/", "principles/", "submit/", "negotiations/new/"]:
        assert f"/proposals/{draft.pk}/{url}" in body, url
    for url in ["decide/", "skip/", "outcome/"]:
        assert f"/proposals/{draft.pk}/{url}" not in body, url
    services.proposal_submit(proposal=draft, acting_user=people.lead)
    client.force_login(people.admin)
    body = _text(client.get(f"/proposals/{draft.pk}/"))
    for url in ["decide/", "skip/", "outcome/", "edit/"]:
        assert f"/proposals/{draft.pk}/{url}" in body, url
    assert f"/proposals/{draft.pk}/submit/" not in body
    assert f"/proposals/{draft.pk}/negotiations/new/" not in body, "not while in the chain"
    for role in ["sponsor", "dsg", "partner", "other_lead"]:
        _sign_in(client, people, role)
        body = _text(client.get(f"/proposals/{draft.pk}/"))
        assert 'id="actions"' not in body, role


def test_an_approved_proposal_offers_the_administrator_submission_to_government(
    client: Client, people: People
) -> None:
    proposal = _approved(people)
    approve_proposition(people)
    client.force_login(people.admin)
    assert "Submit to government" in _text(client.get(f"/proposals/{proposal.pk}/"))
    client.force_login(people.lead)
    assert "Submit to government" not in _text(client.get(f"/proposals/{proposal.pk}/"))


def test_an_approved_proposal_outside_the_approved_proposition_says_why_it_waits(
    client: Client, people: People
) -> None:
    proposal = _approved(people)
    client.force_login(people.admin)
    response = client.get(f"/proposals/{proposal.pk}/")
    body = _text(response)
    assert f"/proposals/{proposal.pk}/submit/" not in body
    assert 'id="not-yet-for-government"' in body
    assert NOT_IN_PROPOSITION in _plain(response)
    assert 'href="/proposition/' in body
    # Nobody else is told what only an administrator can do.
    client.force_login(people.lead)
    assert 'id="not-yet-for-government"' not in _text(client.get(f"/proposals/{proposal.pk}/"))


def test_the_page_asks_a_bounded_number_of_queries(
    client: Client, people: People, django_assert_max_num_queries: Any
) -> None:
    walked = _walked(people)
    fresh = _draft(people, title="A new draft")
    client.force_login(people.admin)
    with CaptureQueriesContext(connection) as new_page:
        assert client.get(f"/proposals/{fresh.pk}/").status_code == 200
    # The audit history reads the rows its changes name with one query per kind of row: the
    # bodies it moved between, and the Board's endorsing decision (with its body and proposal);
    # and, as logging its talks linked their department to it, the links its entries keep (one
    # query for every kind of link) and the departments they name.
    with django_assert_max_num_queries(len(new_page) + 6):
        response = client.get(f"/proposals/{walked.pk}/")
    assert response.status_code == 200
    links = [c for e in response.context["history"] for c in e.changes if c.field == "departments"]
    assert [f"{c.label}: {c.summary}" for c in links] == [
        "Departments: added DfT"  # the history names a department by its abbreviation
    ]
    # However long the history grows.
    owners = [people.lead, people.admin]
    services.proposal_update(proposal=walked, acting_user=people.admin, owner=owners[0])
    with CaptureQueriesContext(connection) as short:
        assert client.get(f"/proposals/{walked.pk}/").status_code == 200
    for n in range(6):
        services.proposal_update(proposal=walked, acting_user=people.admin, owner=owners[n % 2])
    with django_assert_max_num_queries(len(short)):
        assert client.get(f"/proposals/{walked.pk}/").status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(f"/proposals/{walked.pk}/").status_code == 200


# --- Creating and editing ---------------------------------------------------------------------


def test_a_lead_drafts_a_proposal_with_every_field(client: Client, people: People) -> None:
    dft = _department(people)
    mission = Mission.objects.order_by("number").first()
    client.force_login(people.lead)
    post = _proposal_post(people, departments=[str(dft.pk)], missions=[str(mission.pk)])
    response = client.post("/proposals/new/?workstream=transport", post)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/proposals/{proposal.pk}/"
    assert proposal.stage == ProposalStage.DRAFT
    assert proposal.estimated_value == Decimal("1500000")
    assert (proposal.owner, proposal.ask_type) == (people.lead, AskType.POWER)
    assert list(proposal.departments.all()) == [dft]
    assert list(proposal.missions.all()) == [mission]
    assert "drafted" in _text(client.get(response["Location"]))


def _indicator(name: str, deal: Any = None) -> Indicator:
    framework, _ = IndicatorFramework.objects.get_or_create(
        slug=f"framework-{deal.pk if deal else 'national'}",
        defaults={"name": f"Framework {deal or 'national'}", "deal": deal},
    )
    return Indicator.objects.create(
        framework=framework,
        code="test_" + name.lower().replace(" ", "_").replace("'", ""),
        name=name,
        unit=Unit.GBP,
        direction=Direction.HIGHER_IS_BETTER,
    )


def test_a_lead_links_a_proposal_to_the_metrics_and_indicators_it_moves(
    client: Client, people: People
) -> None:
    other_deal = Deal.objects.create(name="Greater Manchester TDD", short_name="GM TDD", slug="gm")
    metric = Metric.objects.select_related("mission").order_by("mission__number", "pk").first()
    national = _indicator("Bus journeys per head")
    elsewhere = _indicator("Another region's indicator", deal=other_deal)
    client.force_login(people.lead)
    form = client.get("/proposals/new/?workstream=transport").context["form"]
    offered = list(form.fields["indicators"].queryset)
    assert national in offered and elsewhere not in offered
    assert f"Mission {metric.mission.number}: {metric.name}" in [
        label for _value, label in form.fields["metrics"].choices
    ]
    post = _proposal_post(people, metrics=[str(metric.pk)], indicators=[str(national.pk)])
    response = client.post("/proposals/new/?workstream=transport", post)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert (list(proposal.metrics.all()), list(proposal.indicators.all())) == ([metric], [national])
    page = _plain(client.get(response["Location"]))
    assert metric.name in page and "Bus journeys per head" in page
    edit = client.get(f"/proposals/{proposal.pk}/edit/").context["form"]
    assert edit["indicators"].value() == [national.pk]
    with pytest.raises(ValidationError) as error:
        services.proposal_update(proposal=proposal, acting_user=people.lead, indicators=[elsewhere])
    assert set(error.value.message_dict) == {"indicators"}


def test_the_create_form_preselects_the_workstream_it_was_opened_for(
    client: Client, people: People
) -> None:
    client.force_login(people.admin)
    form = client.get("/proposals/new/?workstream=skills").context["form"]
    assert form["workstream"].value() == _ws("skills").pk


def test_the_create_form_submitted_empty_says_what_to_enter(client: Client, people: People) -> None:
    client.force_login(people.lead)
    response = client.post("/proposals/new/", {})
    assert response.status_code == 200
    page = _errors(response)
    for text in [
        "Choose the workstream the proposal belongs to",
        "Enter a title for the proposal",
        "Select whether this is OFFICIAL or OFFICIAL-SENSITIVE",
    ]:
        assert text in page
    assert _text(response).count('class="govuk-error-message"') == 3
    assert "<title>Error: " in _text(response)
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("lots", "Enter the estimated value as a number, like 1500000"),
        ("-5", "The estimated value must be £0 or more"),
        ("12.345", "The estimated value must be in pounds and pence"),
    ],
)
def test_a_wrong_estimated_value_is_explained(
    client: Client, people: People, value: str, error: str
) -> None:
    client.force_login(people.lead)
    response = client.post("/proposals/new/", _proposal_post(people, estimated_value=value))
    assert error in _errors(response)


def test_a_lead_cannot_draft_for_a_workstream_they_do_not_lead(
    client: Client, people: People
) -> None:
    client.force_login(people.lead)
    post = _proposal_post(people, workstream=str(_ws("skills").pk))
    response = client.post("/proposals/new/", post)
    assert "Choose a workstream you can add proposals to" in _errors(response)
    assert not Proposal.objects.exists()


def test_a_duplicate_title_is_refused_with_the_services_message(
    client: Client, people: People
) -> None:
    _draft(people, title="Rail devolution")
    client.force_login(people.lead)
    response = client.post("/proposals/new/", _proposal_post(people))
    assert response.status_code == 200
    assert "govuk-error-summary" in _text(response)
    assert Proposal.objects.count() == 1


def test_a_draft_is_edited_in_full(client: Client, people: People) -> None:
    proposal = _draft(people)
    client.force_login(people.lead)
    form = client.get(f"/proposals/{proposal.pk}/edit/").context["form"]
    assert form["title"].value() == "Bus franchising settlement"
    post = _proposal_post(people, title="Bus settlement", revision=str(proposal.revision))
    response = client.post(f"/proposals/{proposal.pk}/edit/", post)
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.title, proposal.estimated_value) == ("Bus settlement", Decimal("1500000"))
    assert proposal.revision == 2


def test_once_submitted_what_it_asks_is_shown_read_only_and_cannot_be_changed(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    client.force_login(people.lead)
    response = client.get(f"/proposals/{proposal.pk}/edit/")
    assert "title" not in response.context["form"].fields
    page = _plain(response)
    assert "has left draft, so what it asks is fixed" in page
    assert "A ten-year funding settlement for franchised buses." in page
    assert 'name="title"' not in _text(response)
    post = _proposal_post(
        people, title="Sneaky new title", progress="Met DfT", revision=str(proposal.revision)
    )
    assert client.post(f"/proposals/{proposal.pk}/edit/", post).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.title, proposal.progress) == ("Bus franchising settlement", "Met DfT")


def test_a_stale_edit_shows_what_changed_and_keeps_what_was_typed(
    client: Client, people: People
) -> None:
    proposal = _draft(people)
    client.force_login(people.lead)
    revision = client.get(f"/proposals/{proposal.pk}/edit/").context["form"]["revision"].value()
    services.proposal_update(proposal=proposal, acting_user=people.admin, title="Admin's title")
    post = _proposal_post(people, title="Lead's title", revision=str(revision))
    response = client.post(f"/proposals/{proposal.pk}/edit/", post)
    page = _errors(response)
    assert "Someone else changed this proposal while you were editing it" in page
    assert "What changed while you were editing" in page and "Admin's title" in page
    assert response.context["form"]["title"].value() == "Lead's title"
    proposal.refresh_from_db()
    assert proposal.title == "Admin's title"
    again = _proposal_post(people, title="Lead's title", revision=str(proposal.revision))
    assert client.post(f"/proposals/{proposal.pk}/edit/", again).status_code == 302


def test_a_closed_proposal_sends_its_editors_back_to_its_page(
    client: Client, people: People
) -> None:
    proposal = _draft(people)
    services.proposal_conclude(proposal=proposal, acting_user=people.admin, outcome="withdrawn")
    client.force_login(people.lead)
    for suffix in ["edit/", "principles/"]:
        response = client.get(f"/proposals/{proposal.pk}/{suffix}")
        assert response["Location"] == f"/proposals/{proposal.pk}/"


# --- The principles ---------------------------------------------------------------------------


def test_the_principles_are_answered_with_notes_a_few_at_a_time(
    client: Client, people: People
) -> None:
    proposal = _draft(people)
    principles = list(Principle.objects.filter(deal=people.deal).order_by("position"))
    client.force_login(people.lead)
    page = _text(client.get(f"/proposals/{proposal.pk}/principles/"))
    assert page.count('type="radio"') == 3 * len(principles)
    assert principles[0].question.replace("‘", "") in page.replace("‘", "")
    post = {
        f"principle_{principles[0].pk}": PrincipleAnswer.YES,
        f"note_{principles[0].pk}": "Mission 3",
        f"principle_{principles[1].pk}": PrincipleAnswer.NOT_APPLICABLE,
    }
    response = client.post(f"/proposals/{proposal.pk}/principles/", post)
    assert response.status_code == 302
    answers = {r.principle_id: (r.answer, r.note) for r in proposal.principle_responses.all()}
    assert answers == {
        principles[0].pk: ("yes", "Mission 3"),
        principles[1].pk: ("not_applicable", ""),
    }
    form = client.get(f"/proposals/{proposal.pk}/principles/").context["form"]
    assert form[f"principle_{principles[0].pk}"].value() == "yes"


def test_the_principles_form_submitted_empty_or_with_a_note_alone_says_what_to_do(
    client: Client, people: People
) -> None:
    proposal = _draft(people)
    principle = Principle.objects.filter(deal=people.deal).order_by("position")[2]
    client.force_login(people.lead)
    empty = client.post(f"/proposals/{proposal.pk}/principles/", {})
    assert "Answer at least one of the principles" in _errors(empty)
    note_only = client.post(
        f"/proposals/{proposal.pk}/principles/", {f"note_{principle.pk}": "Some thoughts"}
    )
    assert "or delete its note" in _errors(note_only)
    assert not proposal.principle_responses.exists()


# --- Submitting -------------------------------------------------------------------------------


def test_submitting_a_draft_says_where_it_goes_then_sends_it_there(
    client: Client, people: People
) -> None:
    proposal = _draft(people)
    client.force_login(people.lead)
    assert FIRST_BODY in _plain(client.get(f"/proposals/{proposal.pk}/submit/"))
    response = client.post(f"/proposals/{proposal.pk}/submit/")
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.IN_GOVERNANCE
    assert proposal.awaiting_body == _body(FIRST_BODY)


def test_a_draft_that_does_not_say_what_it_asks_is_not_submitted(
    client: Client, people: People
) -> None:
    proposal = _draft(people, ask="", ask_type="")
    client.force_login(people.lead)
    response = client.post(f"/proposals/{proposal.pk}/submit/")
    page = _errors(response)
    assert "Say what is asked of government before submitting" in page
    assert "Choose the type of ask before submitting" in page
    assert Proposal.objects.get().stage == ProposalStage.DRAFT


def test_an_approved_proposal_is_submitted_to_government_by_an_administrator(
    client: Client, people: People
) -> None:
    proposal = _approved(people)
    version = approve_proposition(people)
    client.force_login(people.admin)
    page = _plain(client.get(f"/proposals/{proposal.pk}/submit/"))
    assert "government" in page
    assert f"it is in version {version.number} of the TDD Proposition" in page
    assert client.post(f"/proposals/{proposal.pk}/submit/").status_code == 302
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.SUBMITTED
    assert proposal.submitted_on == timezone.localdate()


def test_submitting_to_government_outside_the_approved_proposition_is_refused_on_the_page(
    client: Client, people: People
) -> None:
    proposal = _approved(people)
    client.force_login(people.admin)
    page = client.get(f"/proposals/{proposal.pk}/submit/")
    assert page.status_code == 200
    assert 'id="not-possible"' in _text(page)
    assert NOT_IN_PROPOSITION in _plain(page)
    assert "Submit to government</button>" not in _text(page)
    # A submission posted anyway (from a page opened before, say) gets the service's reason.
    response = client.post(f"/proposals/{proposal.pk}/submit/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    errors = _errors(response)
    assert "Error: Submit to government" in errors
    assert f"{NOT_IN_PROPOSITION}: a proposal goes to government only as part of it" in errors
    assert "Include it in a new version of the Proposition" in errors
    proposal.refresh_from_db()
    assert (proposal.stage, proposal.submitted_on) == (ProposalStage.APPROVED, None)
    # Once only in a draft version, the page says the Board's approval is what it waits for.
    services.proposition_version_create(deal=people.deal, acting_user=people.admin)
    waiting = _plain(client.post(f"/proposals/{proposal.pk}/submit/"))
    assert "which the WMCA Board has not approved yet" in waiting


def test_submitting_at_another_stage_is_refused_with_the_services_message(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    client.force_login(people.lead)
    assert 'id="not-possible"' in _text(client.get(f"/proposals/{proposal.pk}/submit/"))
    response = client.post(f"/proposals/{proposal.pk}/submit/")
    assert "only a draft can be submitted into the governance chain" in _errors(response)
    proposal.refresh_from_db()
    assert proposal.awaiting_body == _body(FIRST_BODY)


# --- Decisions --------------------------------------------------------------------------------


def _decision_post(body: str = FIRST_BODY, **fields: Any) -> dict[str, Any]:
    return {"body": str(_body(body).pk), "outcome": DecisionOutcome.ENDORSED} | fields


def test_the_decision_form_shows_the_awaited_body_and_its_open_meetings(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    slt = _body(FIRST_BODY)
    held = _meeting(people, slt, days=-1)
    _meeting(people, slt, days=7)  # not yet started
    closed = _meeting(people, slt, days=-20)
    services.meeting_advance(meeting=closed, acting_user=people.admin, status=MeetingStatus.HELD)
    services.meeting_advance(meeting=closed, acting_user=people.admin, status=MeetingStatus.CLOSED)
    _meeting(people, _body(SECOND_BODY), days=-1)  # another body's
    client.force_login(people.admin)
    response = client.get(f"/proposals/{proposal.pk}/decide/?meeting={held.pk}")
    assert FIRST_BODY in _plain(response)
    form = response.context["form"]
    assert list(form.fields["meeting"].queryset) == [held]
    assert str(form["meeting"].value()) == str(held.pk)


def test_an_endorsement_at_a_meeting_sends_the_proposal_to_the_next_body(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    meeting = _meeting(people, _body(FIRST_BODY), days=-1)
    client.force_login(people.admin)
    post = _decision_post(meeting=str(meeting.pk), notes="Strong case.")
    response = client.post(f"/proposals/{proposal.pk}/decide/", post)
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.awaiting_body == _body(SECOND_BODY)
    decision = proposal.decisions.get()
    assert (decision.meeting, decision.notes) == (meeting, "Strong case.")
    assert decision.decided_on == timezone.localdate(meeting.starts_at)


def test_a_decision_on_a_date_typed_is_kept_with_that_date(client: Client, people: People) -> None:
    proposal = _in_chain(people)
    client.force_login(people.admin)
    day = timezone.localdate() - dt.timedelta(days=4)
    post = _decision_post(outcome=DecisionOutcome.NOTED, **_date("decided_on", day))
    assert client.post(f"/proposals/{proposal.pk}/decide/", post).status_code == 302
    assert proposal.decisions.get().decided_on == day


def test_the_decision_form_submitted_empty_or_without_reasons_says_what_to_do(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    client.force_login(people.admin)
    empty = client.post(f"/proposals/{proposal.pk}/decide/", {"body": str(_body(FIRST_BODY).pk)})
    assert "Select what the body decided" in _errors(empty)
    referred = _decision_post(outcome=DecisionOutcome.REFERRED_BACK)
    response = client.post(f"/proposals/{proposal.pk}/decide/", referred)
    assert "Say why the proposal is referred back" in _errors(response)
    future = _decision_post(**_date("decided_on", timezone.localdate() + dt.timedelta(days=2)))
    response = client.post(f"/proposals/{proposal.pk}/decide/", future)
    assert "The date of the decision must be today or in the past" in _errors(response)
    assert not proposal.decisions.exists()


def test_a_decision_recorded_meanwhile_refuses_the_second_with_the_services_message(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    client.force_login(people.admin)
    client.get(f"/proposals/{proposal.pk}/decide/")
    _decide(people, proposal, DecisionOutcome.ENDORSED)  # someone else, first
    response = client.post(f"/proposals/{proposal.pk}/decide/", _decision_post())
    page = _errors(response)
    assert f"{FIRST_BODY} cannot decide on “Bus franchising settlement”: it awaits" in page
    assert proposal.decisions.count() == 1


def test_a_draft_awaits_no_decision(client: Client, people: People) -> None:
    proposal = _draft(people)
    client.force_login(people.admin)
    response = client.get(f"/proposals/{proposal.pk}/decide/")
    assert "is not awaiting a decision: it is draft" in _plain(response)
    assert 'name="outcome"' not in _text(response)
    response = client.post(f"/proposals/{proposal.pk}/decide/", _decision_post())
    assert "is not awaiting a decision: it is draft" in _errors(response)


def test_a_referral_back_returns_the_proposal_to_draft_with_its_reasons(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    client.force_login(people.admin)
    post = _decision_post(outcome=DecisionOutcome.REFERRED_BACK, notes="Cost it.")
    assert client.post(f"/proposals/{proposal.pk}/decide/", post).status_code == 302
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.DRAFT
    assert "Cost it." in _plain(client.get(f"/proposals/{proposal.pk}/"))


def test_the_journey_follows_the_order_decisions_were_recorded_not_their_dates(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    first = Proposal.objects.get(pk=proposal.pk).awaiting_body
    assert first is not None
    earlier = _meeting(people, first, days=-3)
    _decide(people, proposal, DecisionOutcome.REFERRED_BACK, notes="Cost it.")
    services.proposal_submit(proposal=proposal, acting_user=people.admin)
    # Endorsed at a meeting held before the referral back was recorded.
    _decide(people, proposal, DecisionOutcome.ENDORSED, meeting=earlier)

    client.force_login(people.admin)
    steps = client.get(f"/proposals/{proposal.pk}/").context["steps"]
    assert [(step.body, step.state) for step, _words in steps[:2]] == [
        (first, "passed"),
        (Proposal.objects.get(pk=proposal.pk).awaiting_body, "awaiting"),
    ]


# --- Skipping ---------------------------------------------------------------------------------


def test_an_administrator_skips_a_level_with_a_reason(client: Client, people: People) -> None:
    proposal = _in_chain(people)
    client.force_login(people.admin)
    page = _plain(client.get(f"/proposals/{proposal.pk}/skip/"))
    assert FIRST_BODY in page and SECOND_BODY in page
    empty = client.post(f"/proposals/{proposal.pk}/skip/", {})
    assert "Enter why this level is skipped" in _errors(empty)
    response = client.post(f"/proposals/{proposal.pk}/skip/", {"reason": "Urgent"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.awaiting_body == _body(SECOND_BODY)
    assert proposal.decisions.get().outcome == DecisionOutcome.SKIPPED


def test_the_last_body_cannot_be_skipped(client: Client, people: People) -> None:
    proposal = _in_chain(people)
    while Proposal.objects.get(pk=proposal.pk).awaiting_body.name != LAST_BODY:
        _decide(people, proposal, DecisionOutcome.ENDORSED)
    client.force_login(people.admin)
    page = client.get(f"/proposals/{proposal.pk}/skip/")
    assert "is the last body in the chain and cannot be skipped" in _plain(page)
    assert 'name="reason"' not in _text(page)
    response = client.post(f"/proposals/{proposal.pk}/skip/", {"reason": "Hurry"})
    assert "is the last body in the chain and cannot be skipped" in _errors(response)
    assert Proposal.objects.get(pk=proposal.pk).awaiting_body.name == LAST_BODY
    assert f"/proposals/{proposal.pk}/skip/" not in _text(client.get(f"/proposals/{proposal.pk}/"))


# --- Outcomes ---------------------------------------------------------------------------------


def test_before_government_has_it_a_proposal_can_only_be_withdrawn(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    client.force_login(people.admin)
    form = client.get(f"/proposals/{proposal.pk}/outcome/").context["form"]
    assert [value for value, _ in form.fields["outcome"].choices] == [Outcome.WITHDRAWN]
    agreed = {"outcome": Outcome.AGREED, "notes": "All of it"}
    assert "Select the outcome" in _errors(
        client.post(f"/proposals/{proposal.pk}/outcome/", agreed)
    )
    response = client.post(f"/proposals/{proposal.pk}/outcome/", {"outcome": "withdrawn"})
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert (proposal.stage, proposal.outcome) == (ProposalStage.CONCLUDED, Outcome.WITHDRAWN)


def test_the_outcome_of_talks_says_what_was_agreed(client: Client, people: People) -> None:
    proposal = _submitted(people)
    client.force_login(people.admin)
    form = client.get(f"/proposals/{proposal.pk}/outcome/").context["form"]
    assert len(form.fields["outcome"].choices) == len(Outcome.choices)
    empty = client.post(f"/proposals/{proposal.pk}/outcome/", {})
    assert "Select the outcome" in _errors(empty)
    bare = client.post(f"/proposals/{proposal.pk}/outcome/", {"outcome": Outcome.AGREED})
    assert "Say what was agreed" in _errors(bare)
    day = timezone.localdate() - dt.timedelta(days=1)
    post = {
        "outcome": Outcome.PARTIALLY_AGREED,
        "notes": "Five years, not ten.",
        **_date("on", day),
    }
    assert client.post(f"/proposals/{proposal.pk}/outcome/", post).status_code == 302
    proposal.refresh_from_db()
    assert (proposal.outcome, proposal.outcome_on) == (Outcome.PARTIALLY_AGREED, day)
    page = _plain(client.get(f"/proposals/{proposal.pk}/"))
    assert "Partially agreed" in page and "Five years, not ten." in page


def test_a_closed_proposal_takes_no_second_outcome(client: Client, people: People) -> None:
    proposal = _draft(people)
    services.proposal_conclude(proposal=proposal, acting_user=people.admin, outcome="withdrawn")
    client.force_login(people.admin)
    assert "is already concluded" in _plain(client.get(f"/proposals/{proposal.pk}/outcome/"))
    response = client.post(f"/proposals/{proposal.pk}/outcome/", {"outcome": "withdrawn"})
    assert "is already concluded" in _errors(response)


# --- Talks with government --------------------------------------------------------------------


def test_the_first_talks_logged_put_a_submitted_proposal_into_negotiation(
    client: Client, people: People
) -> None:
    proposal = _submitted(people)
    client.force_login(people.lead)
    response = client.post(f"/proposals/{proposal.pk}/negotiations/new/", _negotiation_post(people))
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.IN_NEGOTIATION
    entry = proposal.negotiations.get()
    assert (entry.summary, entry.classification) == ("DfT open to a pilot.", SENSITIVE)
    assert "DfT open to a pilot." in _plain(client.get(f"/proposals/{proposal.pk}/"))


def test_the_talks_form_submitted_empty_says_what_to_enter(client: Client, people: People) -> None:
    proposal = _submitted(people)
    _department(people)
    client.force_login(people.lead)
    response = client.post(f"/proposals/{proposal.pk}/negotiations/new/", {})
    page = _errors(response)
    for text in [
        "Choose the government department",
        "Enter the date of the talks",
        "Enter who attended",
        "Enter a summary",
        "Select whether this is OFFICIAL or OFFICIAL-SENSITIVE",
    ]:
        assert text in page, text
    assert not NegotiationEntry.objects.exists()


REFUSED_TALKS = (
    "talks with departments are logged while it is a draft and once it has been submitted to "
    "government"
)


def test_talks_are_not_logged_while_the_proposal_is_in_the_chain(
    client: Client, people: People
) -> None:
    proposal = _in_chain(people)
    client.force_login(people.lead)
    detail = _plain(client.get(f"/proposals/{proposal.pk}/"))
    assert "Log talks with a department" not in detail
    assert "Talks with departments are logged while the proposal is a draft" in detail
    page = client.get(f"/proposals/{proposal.pk}/negotiations/new/")
    assert REFUSED_TALKS in _plain(page)
    response = client.post(f"/proposals/{proposal.pk}/negotiations/new/", _negotiation_post(people))
    assert REFUSED_TALKS in _errors(response)
    assert not NegotiationEntry.objects.exists()


def test_the_lead_logs_talks_with_a_department_on_a_draft_from_its_page(
    client: Client, people: People
) -> None:
    proposal = _draft(people)
    client.force_login(people.lead)
    detail = _text(client.get(f"/proposals/{proposal.pk}/"))
    assert f'href="/proposals/{proposal.pk}/negotiations/new/"' in detail
    assert "The proposal stays a draft." in _plain(
        client.get(f"/proposals/{proposal.pk}/negotiations/new/")
    )

    response = client.post(f"/proposals/{proposal.pk}/negotiations/new/", _negotiation_post(people))

    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.stage == ProposalStage.DRAFT
    entry = proposal.negotiations.get()
    assert (entry.recorded_by, entry.classification) == (people.lead, SENSITIVE)
    page = _plain(client.get(f"/proposals/{proposal.pk}/"))
    assert "Talks with departments" in page and "DfT open to a pilot." in page


def test_talks_on_a_draft_are_refused_to_another_workstream_s_lead_and_hidden_from_a_partner(
    client: Client, people: People
) -> None:
    proposal = _draft(people)  # OFFICIAL: a partner reads the proposal itself
    client.force_login(people.other_lead)
    response = client.post(f"/proposals/{proposal.pk}/negotiations/new/", _negotiation_post(people))
    assert response.status_code == 403
    assert not NegotiationEntry.objects.exists()
    client.force_login(people.lead)
    client.post(f"/proposals/{proposal.pk}/negotiations/new/", _negotiation_post(people))
    assert NegotiationEntry.objects.count() == 1

    for role, sees in [("partner", False), ("sponsor", True), ("dsg", True), ("other_lead", True)]:
        _sign_in(client, people, role)
        page = _plain(client.get(f"/proposals/{proposal.pk}/"))
        assert "Talks with departments" in page
        assert ("DfT open to a pilot." in page) is sees, role
        assert ("No talks with departments you can see are logged." in page) is not sees, role


@pytest.mark.parametrize("stage", ["draft", "in_chain", "approved", "submitted"])
def test_the_proposal_page_shows_talks_with_departments_at_every_stage(
    client: Client, people: People, stage: str
) -> None:
    make = {"draft": _draft, "in_chain": _in_chain, "approved": _approved, "submitted": _submitted}
    proposal = make[stage](people)
    client.force_login(people.dsg)
    page = _plain(client.get(f"/proposals/{proposal.pk}/"))
    assert "Talks with departments" in page
    assert "No talks with departments you can see are logged." in page


def test_logged_talks_are_changed_and_a_stale_change_is_refused(
    client: Client, people: People
) -> None:
    proposal = _submitted(people)
    entry = _talks(people, proposal)
    client.force_login(people.lead)
    form = client.get(f"/negotiations/{entry.pk}/edit/").context["form"]
    assert form["summary"].value() == "Treasury wants a smaller first year."
    post = _negotiation_post(people, summary="Treasury wants a pilot.", revision="1")
    assert client.post(f"/negotiations/{entry.pk}/edit/", post).status_code == 302
    entry.refresh_from_db()
    assert (entry.summary, entry.revision) == ("Treasury wants a pilot.", 2)
    stale = client.post(f"/negotiations/{entry.pk}/edit/", post | {"summary": "Late"})
    assert "What changed while you were editing" in _errors(stale)
    assert NegotiationEntry.objects.get().summary == "Treasury wants a pilot."


# --- The workstream page ----------------------------------------------------------------------


def test_the_workstream_page_links_its_proposals_and_offers_its_lead_a_new_one(
    client: Client, people: People
) -> None:
    proposal = _draft(people)
    client.force_login(people.lead)
    body = _text(client.get("/workstreams/transport/"))
    assert f'href="/proposals/{proposal.pk}/"' in body
    assert 'href="/proposals/new/?workstream=transport"' in body
    client.force_login(people.sponsor)
    body = _text(client.get("/workstreams/transport/"))
    assert f'href="/proposals/{proposal.pk}/"' in body
    assert "/proposals/new/" not in body
