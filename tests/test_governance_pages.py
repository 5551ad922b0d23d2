"""The pages for meetings, the governance chain, the timeline and the TDD Proposition, tried as
every persona: who may read and change them, the forms' rules, a meeting's life from planned to
closed, and a partner never meeting sensitive minutes, agenda items or Proposition items."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document

from core.choices import Classification
from tracker import freshness, services
from tracker.choices import (
    AskType,
    DecisionOutcome,
    MeetingStatus,
    MilestoneStatus,
    PropositionStatus,
)
from tracker.models import (
    AgendaItem,
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
LONDON = ZoneInfo("Europe/London")
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=LONDON)

READERS = ["lead", "other_lead", "sponsor", "dsg", "partner", "admin"]
NOT_ADMINS = ["lead", "other_lead", "sponsor", "dsg", "partner"]


@pytest.fixture(autouse=True)
def _now() -> Iterator[None]:
    with time_machine.travel(NOW, tick=True):
        yield


# --- Helpers ----------------------------------------------------------------------------------


def _chain(people: People) -> list[GovernanceBody]:
    return chain_of(people.deal)


def _first(people: People) -> GovernanceBody:
    return _chain(people)[0]


def _board(people: People) -> GovernanceBody:
    return _chain(people)[-1]


def _at(days: int, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(NOW.date() + dt.timedelta(days=days), dt.time(hour), LONDON)


def _meeting(people: People, body: GovernanceBody | None = None, days: int = 7, **kw: Any):
    return services.meeting_create(
        body=body or _first(people), acting_user=people.admin, starts_at=_at(days), **kw
    )


def _proposal(people: People, title: str, ws: str = "transport", **kw: Any) -> Proposal:
    values = {
        "classification": OFFICIAL,
        "ask": "A multi-year settlement for local buses.",
        "ask_type": AskType.FUNDING,
    } | kw
    workstream = Workstream.objects.get(deal=people.deal, slug=ws)
    return services.proposal_create(
        workstream=workstream, acting_user=people.admin, title=title, **values
    )


def _submitted(people: People, title: str, **kw: Any) -> Proposal:
    proposal = _proposal(people, title, **kw)
    return services.proposal_submit(proposal=proposal, acting_user=people.admin)


def _approved(people: People, title: str, **kw: Any) -> Proposal:
    proposal = _submitted(people, title, **kw)
    for body in _chain(people):
        services.decision_record(
            proposal=proposal, body=body, outcome=DecisionOutcome.ENDORSED, acting_user=people.admin
        )
    proposal.refresh_from_db()
    return proposal


def _version(people: People) -> PropositionVersion:
    return services.proposition_version_create(deal=people.deal, acting_user=people.admin)


def _sign_in(client: Client, people: People, role: str) -> None:
    if role != "anonymous":
        client.force_login(people.all_roles()[role])


def _body(response: Any) -> str:
    return response.content.decode()


def _text(response: Any) -> str:
    """The page's words, without tags, on one line each."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", _body(response)))


def _docx_text(response: Any) -> tuple[str, str]:
    """(header text, body text) of a .docx response."""
    document = Document(io.BytesIO(response.content))
    header = " ".join(p.text for p in document.sections[0].header.paragraphs)
    return header, "\n".join(p.text for p in document.paragraphs)


def _meeting_post(people: People, **fields: Any) -> dict[str, Any]:
    day = NOW.date() + dt.timedelta(days=14)
    return {
        "body": str(_first(people).pk),
        "date_day": str(day.day),
        "date_month": str(day.month),
        "date_year": str(day.year),
        "starts_at_time": "10:00",
        "ends_at_time": "12:30",
        "location": "WMCA offices, 16 Summer Lane, Birmingham",
        "classification": OFFICIAL,
        "minutes": "",
        "attendees": [str(people.lead.pk), str(people.dsg.pk)],
    } | fields


# --- Who may see the pages --------------------------------------------------------------------

READ_PAGES: dict[str, Callable[[People], str]] = {
    "meetings": lambda p: "/meetings/",
    "meeting": lambda p: f"/meetings/{_meeting(p).pk}/",
    "governance": lambda p: "/governance/",
    "timeline": lambda p: "/timeline/",
    "proposition": lambda p: "/proposition/",
    "version": lambda p: (_approved(p, "Bus funding"), f"/proposition/{_version(p).number}/")[1],
    "docx": lambda p: (_approved(p, "Bus funding"), f"/proposition/{_version(p).number}.docx")[1],
}
ADMIN_PAGES: dict[str, Callable[[People], str]] = {
    "new meeting": lambda p: "/meetings/new/",
    "meeting edit": lambda p: f"/meetings/{_meeting(p).pk}/edit/",
    "meeting status": lambda p: f"/meetings/{_meeting(p, days=-1).pk}/status/",
    "agenda item": lambda p: f"/meetings/{_meeting(p).pk}/agenda/new/",
    "milestone": lambda p: f"/milestones/{Milestone.objects.first().pk}/edit/",
    "new version": lambda p: "/proposition/new/",
    "approve": lambda p: (
        _approved(p, "Bus funding"),
        f"/proposition/{_version(p).number}/approve/",
    )[1],
}
READ_OUTCOMES = {**dict.fromkeys(READERS, 200), "nobody": 404, "anonymous": 302}
ADMIN_OUTCOMES = {
    "admin": 200,
    **dict.fromkeys(NOT_ADMINS, 403),
    "nobody": 404,
    "anonymous": 302,
}


def _cases(pages: dict[str, Callable[[People], str]], outcomes: dict[str, int]) -> list[Any]:
    return [
        pytest.param(page, role, status, id=f"{page}-{role}")
        for page in pages
        for role, status in outcomes.items()
    ]


def _check(client: Client, url: str, status: int) -> None:
    response = client.get(url)
    if status == 302:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert response.status_code == status


@pytest.mark.parametrize(("page", "role", "status"), _cases(READ_PAGES, READ_OUTCOMES))
def test_everyone_in_the_deal_reads_the_governance_pages_and_no_one_else(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    url = READ_PAGES[page](people)
    _sign_in(client, people, role)
    _check(client, url, status)


@pytest.mark.parametrize(("page", "role", "status"), _cases(ADMIN_PAGES, ADMIN_OUTCOMES))
def test_only_an_administrator_opens_the_governance_forms(
    client: Client, people: People, page: str, role: str, status: int
) -> None:
    url = ADMIN_PAGES[page](people)
    _sign_in(client, people, role)
    _check(client, url, status)


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_someone_who_is_not_an_administrator_cannot_post_to_the_governance_forms(
    client: Client, people: People, role: str
) -> None:
    meeting = _meeting(people, days=-1)
    milestone = Milestone.objects.first()
    _sign_in(client, people, role)
    assert client.post("/meetings/new/", _meeting_post(people)).status_code == 403
    edit = _meeting_post(people, location="Changed", revision="1")
    assert client.post(f"/meetings/{meeting.pk}/edit/", edit).status_code == 403
    status = {"status": MeetingStatus.HELD}
    assert client.post(f"/meetings/{meeting.pk}/status/", status).status_code == 403
    item = {"title": "Any other business", "classification": OFFICIAL}
    assert client.post(f"/meetings/{meeting.pk}/agenda/new/", item).status_code == 403
    done = {"status": MilestoneStatus.DONE, "notes": "x"}
    assert client.post(f"/milestones/{milestone.pk}/edit/", done).status_code == 403
    assert client.post("/proposition/new/", {"title": "Mine"}).status_code == 403
    assert Meeting.objects.get().status == MeetingStatus.PLANNED
    assert Meeting.objects.get().location == ""
    assert not AgendaItem.objects.exists()
    assert Milestone.objects.get(pk=milestone.pk).status == MilestoneStatus.PLANNED


def test_the_governance_links_show_only_to_an_administrator(client: Client, people: People) -> None:
    meeting = _meeting(people)
    for role, shown in [("admin", True), ("dsg", False), ("partner", False)]:
        _sign_in(client, people, role)
        assert ("Arrange a meeting" in _body(client.get("/meetings/"))) is shown
        page = _body(client.get(f"/meetings/{meeting.pk}/"))
        assert (f"/meetings/{meeting.pk}/edit/" in page) is shown
        assert (f"/meetings/{meeting.pk}/agenda/new/" in page) is shown
        assert ("/edit/" in _body(client.get("/timeline/"))) is shown
        assert ("Make a new version" in _body(client.get("/proposition/"))) is shown


# --- The meetings list ------------------------------------------------------------------------


def test_the_meetings_list_shows_upcoming_and_past_meetings_and_filters_by_body(
    client: Client, people: People
) -> None:
    dsg = GovernanceBody.objects.get(deal=people.deal, short_name="DSG")
    _meeting(people, days=5)
    _meeting(people, dsg, days=-20)
    _submitted(people, "Bus funding")
    client.force_login(people.dsg)
    response = client.get("/meetings/")
    assert [m.body for m in response.context["upcoming"]] == [_first(people)]
    assert [m.body for m in response.context["page"].object_list] == [dsg]
    assert response.context["upcoming"][0].agenda_size == 1
    filtered = client.get(f"/meetings/?body={dsg.slug}")
    assert filtered.context["upcoming"] == []
    assert [m.body for m in filtered.context["page"].object_list] == [dsg]
    assert "Meetings of the Devolution Strategy Group" in _text(filtered)


def test_past_meetings_come_a_page_at_a_time(client: Client, people: People) -> None:
    for day in range(25):
        _meeting(people, days=-(day + 1))
    client.force_login(people.dsg)
    first = client.get("/meetings/")
    assert len(first.context["page"].object_list) == 20
    assert "?page=2" in _body(first)
    assert len(client.get("/meetings/?page=2").context["page"].object_list) == 5


# --- Arranging and changing a meeting ---------------------------------------------------------


def test_an_administrator_arranges_a_meeting(client: Client, people: People) -> None:
    client.force_login(people.admin)
    response = client.post("/meetings/new/", _meeting_post(people))
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.body == _first(people)
    assert meeting.starts_at == _at(14, 10)
    assert meeting.ends_at == _at(14, 10) + dt.timedelta(hours=2, minutes=30)
    assert set(meeting.attendees.all()) == {people.lead, people.dsg}
    page = _text(client.get(response["Location"]))
    assert f"Meeting of the {meeting.body} arranged" in page
    assert "10:00 to 12:30" in page


def test_a_meeting_form_sent_empty_says_what_to_enter(client: Client, people: People) -> None:
    client.force_login(people.admin)
    response = client.post("/meetings/new/", {})
    assert response.status_code == 200
    text = _text(response)
    assert "Error: Arrange a meeting" in text
    for message in [
        "Choose the body that is meeting",
        "Enter the date of the meeting",
        "Enter the time the meeting starts",
        "Select whether this is OFFICIAL or OFFICIAL-SENSITIVE",
    ]:
        assert message in text
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"starts_at_time": "25:00"}, "The start time must be a real time, like 14:30"),
        ({"ends_at_time": "09:00"}, "The meeting must end after it starts"),
        ({"date_day": "31", "date_month": "2"}, "The date of the meeting must be a real date"),
        ({"body": "999999"}, "Choose one of the deal&#x27;s bodies"),
    ],
)
def test_a_meeting_form_refuses_what_cannot_be(
    client: Client, people: People, fields: dict[str, str], message: str
) -> None:
    client.force_login(people.admin)
    response = client.post("/meetings/new/", _meeting_post(people, **fields))
    assert response.status_code == 200
    assert message in _body(response)
    assert not Meeting.objects.exists()


def test_a_meeting_time_can_be_written_the_twelve_hour_way(client: Client, people: People) -> None:
    client.force_login(people.admin)
    post = _meeting_post(people, starts_at_time="2pm", ends_at_time="3.30pm")
    assert client.post("/meetings/new/", post).status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.starts_at == _at(14, 14)
    assert meeting.ends_at == _at(14, 15) + dt.timedelta(minutes=30)


def test_two_meetings_of_a_body_at_the_same_time_are_refused_at_the_field(
    client: Client, people: People
) -> None:
    _meeting(people, days=14)
    client.force_login(people.admin)
    response = client.post("/meetings/new/", _meeting_post(people))
    assert "already has a meeting at that time" in _body(response)
    assert Meeting.objects.count() == 1


def test_an_administrator_changes_a_meeting_and_records_its_minutes(
    client: Client, people: People
) -> None:
    meeting = _meeting(people, days=-1)
    client.force_login(people.admin)
    form = client.get(f"/meetings/{meeting.pk}/edit/")
    assert form.context["form"].initial["starts_at_time"] == dt.time(10)
    post = _meeting_post(people, revision=str(meeting.revision), minutes="Agreed the plan.")
    post |= {"date_day": str(_at(-1).day), "date_month": str(_at(-1).month)}
    response = client.post(f"/meetings/{meeting.pk}/edit/", post)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.minutes == "Agreed the plan."
    assert meeting.location.startswith("WMCA offices")
    assert meeting.revision == 2


def test_a_stale_meeting_edit_is_refused_showing_what_changed(
    client: Client, people: People
) -> None:
    meeting = _meeting(people, days=3)
    services.meeting_update(
        meeting=meeting, acting_user=people.admin, location="Coventry Council House"
    )
    client.force_login(people.admin)
    post = _meeting_post(people, revision="1", location="Wolverhampton Civic Centre")
    response = client.post(f"/meetings/{meeting.pk}/edit/", post)
    assert response.status_code == 200
    body = _body(response)
    assert 'id="stale-changes"' in body
    assert "Coventry Council House" in body
    assert "Someone else changed this meeting" in body
    assert response.context["form"]["revision"].value() == "2"
    meeting.refresh_from_db()
    assert meeting.location == "Coventry Council House"


# --- A meeting's life: planned, held, closed --------------------------------------------------


def test_a_meeting_is_held_then_closed_after_a_confirmation(client: Client, people: People) -> None:
    meeting = _meeting(people, days=-1)
    client.force_login(people.admin)
    page = _body(client.get(f"/meetings/{meeting.pk}/"))
    assert "Mark as held" in page
    confirm = client.get(f"/meetings/{meeting.pk}/status/")
    assert "Mark the meeting as held" in _text(confirm)
    assert Meeting.objects.get().status == MeetingStatus.PLANNED
    held = client.post(f"/meetings/{meeting.pk}/status/", {"status": MeetingStatus.HELD})
    assert held.status_code == 302
    assert Meeting.objects.get().status == MeetingStatus.HELD
    assert "Close the meeting" in _body(client.get(f"/meetings/{meeting.pk}/"))
    client.post(f"/meetings/{meeting.pk}/status/", {"status": MeetingStatus.CLOSED})
    assert Meeting.objects.get().status == MeetingStatus.CLOSED
    page = _text(client.get(f"/meetings/{meeting.pk}/"))
    assert "This meeting is closed: its record and its decisions are locked." in page
    assert f"/meetings/{meeting.pk}/edit/" not in page


def test_a_meeting_that_has_not_started_cannot_be_marked_as_held(
    client: Client, people: People
) -> None:
    meeting = _meeting(people, days=2)
    client.force_login(people.admin)
    assert "Mark as held" not in _body(client.get(f"/meetings/{meeting.pk}/"))
    response = client.post(f"/meetings/{meeting.pk}/status/", {"status": MeetingStatus.HELD})
    assert response.status_code == 200
    assert "has not started yet" in _body(response)
    assert Meeting.objects.get().status == MeetingStatus.PLANNED


def test_a_meeting_cannot_skip_a_step_or_go_back(client: Client, people: People) -> None:
    meeting = _meeting(people, days=-1)
    client.force_login(people.admin)
    skip = client.post(f"/meetings/{meeting.pk}/status/", {"status": MeetingStatus.CLOSED})
    assert "goes from planned to held to closed" in _body(skip)
    assert Meeting.objects.get().status == MeetingStatus.PLANNED
    services.meeting_advance(meeting=meeting, acting_user=people.admin, status=MeetingStatus.HELD)
    back = client.post(f"/meetings/{meeting.pk}/status/", {"status": MeetingStatus.PLANNED})
    assert "goes from planned to held to closed" in _body(back)
    assert Meeting.objects.get().status == MeetingStatus.HELD


def test_a_closed_meeting_cannot_be_changed_and_its_decisions_are_shown_locked(
    client: Client, people: People
) -> None:
    meeting = _meeting(people, days=-1)
    proposal = _submitted(people, "Bus funding")
    services.decision_record(
        proposal=proposal,
        body=_first(people),
        outcome=DecisionOutcome.ENDORSED,
        acting_user=people.admin,
        meeting=meeting,
    )
    for status in (MeetingStatus.HELD, MeetingStatus.CLOSED):
        services.meeting_advance(meeting=meeting, acting_user=people.admin, status=status)
    client.force_login(people.admin)
    page = client.get(f"/meetings/{meeting.pk}/")
    assert [d.proposal for d in page.context["decisions"]] == [proposal]
    assert "These decisions are locked." in _text(page)
    assert "Record decision" not in _body(page)
    edit = client.get(f"/meetings/{meeting.pk}/edit/")
    assert edit.status_code == 302 and edit["Location"] == f"/meetings/{meeting.pk}/"
    post = _meeting_post(people, revision="3", minutes="Rewritten")
    client.post(f"/meetings/{meeting.pk}/edit/", post)
    assert Meeting.objects.get().minutes == ""


# --- The agenda -------------------------------------------------------------------------------


def test_the_agenda_lists_proposals_awaiting_the_body_with_a_way_to_record_the_decision(
    client: Client, people: People
) -> None:
    meeting = services.meeting_create(
        body=_first(people), acting_user=people.admin, starts_at=NOW - dt.timedelta(hours=1)
    )
    proposal = _submitted(people, "Bus funding")
    client.force_login(people.admin)
    page = _body(client.get(f"/meetings/{meeting.pk}/"))
    assert "Proposal: Bus funding" in page
    assert f'href="/proposals/{proposal.pk}/"' in page
    assert f"/proposals/{proposal.pk}/decide/?meeting={meeting.pk}" in page
    client.force_login(people.dsg)
    page = _body(client.get(f"/meetings/{meeting.pk}/"))
    assert f'href="/proposals/{proposal.pk}/"' in page
    assert "/decide/" not in page


def test_no_decision_can_be_recorded_from_a_meeting_that_has_not_happened(
    client: Client, people: People
) -> None:
    meeting = _meeting(people, days=3)
    _submitted(people, "Bus funding")
    client.force_login(people.admin)
    page = _body(client.get(f"/meetings/{meeting.pk}/"))
    assert "Proposal: Bus funding" in page
    assert "/decide/" not in page


def test_an_administrator_adds_an_item_and_removes_it_again(client: Client, people: People) -> None:
    meeting = _meeting(people)
    client.force_login(people.admin)
    empty = client.post(f"/meetings/{meeting.pk}/agenda/new/", {})
    assert "Enter the item&#x27;s title" in _body(empty)
    added = client.post(
        f"/meetings/{meeting.pk}/agenda/new/",
        {"title": "Update on the spending review", "notes": "Paper A", "classification": OFFICIAL},
    )
    assert added.status_code == 302
    item = AgendaItem.objects.get()
    assert "Update on the spending review" in _body(client.get(f"/meetings/{meeting.pk}/"))
    url = f"/meetings/{meeting.pk}/agenda/{item.pk}/remove/"
    assert "Remove the item" in _body(client.get(url))
    assert AgendaItem.objects.exists()
    assert client.post(url).status_code == 302
    assert not AgendaItem.objects.exists()


def test_an_item_that_awaits_the_body_cannot_be_removed_by_hand(
    client: Client, people: People
) -> None:
    meeting = _meeting(people)
    _submitted(people, "Bus funding")
    item = AgendaItem.objects.get()
    client.force_login(people.admin)
    assert "Remove" not in _text(client.get(f"/meetings/{meeting.pk}/"))
    response = client.post(f"/meetings/{meeting.pk}/agenda/{item.pk}/remove/")
    assert response.status_code == 200
    assert "it leaves when it is decided or withdrawn" in _body(response)
    assert AgendaItem.objects.exists()


def test_a_held_meetings_agenda_is_fixed(client: Client, people: People) -> None:
    meeting = _meeting(people, days=-1)
    services.meeting_advance(meeting=meeting, acting_user=people.admin, status=MeetingStatus.HELD)
    client.force_login(people.admin)
    assert "Add an item" not in _body(client.get(f"/meetings/{meeting.pk}/"))
    item = {"title": "Late item", "classification": OFFICIAL}
    response = client.post(f"/meetings/{meeting.pk}/agenda/new/", item)
    assert "its agenda is fixed" in _body(response)
    assert not AgendaItem.objects.exists()


# --- Sensitive material never reaches a partner -----------------------------------------------


def test_a_partner_never_sees_sensitive_agenda_items_or_sensitive_minutes(
    client: Client, people: People
) -> None:
    meeting = services.meeting_create(
        body=_first(people),
        acting_user=people.admin,
        starts_at=NOW - dt.timedelta(hours=1),
        minutes="Treasury will not move on the bus grant.",
        classification=SENSITIVE,
        attendees=[people.dsg],
    )
    _submitted(people, "Bus funding")
    _submitted(people, "Rail powers", classification=SENSITIVE)
    services.agenda_item_add(
        meeting=meeting,
        acting_user=people.admin,
        title="Our fallback position",
        classification=SENSITIVE,
    )
    client.force_login(people.partner)
    page = _text(client.get(f"/meetings/{meeting.pk}/"))
    assert "Bus funding" in page
    for secret in ["Rail powers", "Our fallback position", "Treasury will not move", "Dan DSG"]:
        assert secret not in page
    assert "for WMCA roles only" in page
    listing = client.get("/meetings/")
    assert "Rail powers" not in _text(listing)
    # Counts of the agenda are of what the person may see: they give nothing hidden away.
    assert [m.agenda_size for m in listing.context["upcoming"]] == [1]
    client.force_login(people.dsg)
    assert [m.agenda_size for m in client.get("/meetings/").context["upcoming"]] == [3]
    page = _text(client.get(f"/meetings/{meeting.pk}/"))
    for shown in ["Rail powers", "Our fallback position", "Treasury will not move", "Dan DSG"]:
        assert shown in page


def test_a_partner_reads_the_minutes_of_an_official_meeting(client: Client, people: People) -> None:
    meeting = _meeting(people, days=-1, minutes="The plan was agreed.", attendees=[people.dsg])
    client.force_login(people.partner)
    page = _text(client.get(f"/meetings/{meeting.pk}/"))
    assert "The plan was agreed." in page and "Dan DSG" in page


def test_a_partner_does_not_see_decisions_on_sensitive_proposals(
    client: Client, people: People
) -> None:
    meeting = _meeting(people, days=-1)
    secret = _submitted(people, "Rail powers", classification=SENSITIVE)
    services.decision_record(
        proposal=secret,
        body=_first(people),
        outcome=DecisionOutcome.ENDORSED,
        acting_user=people.admin,
        meeting=meeting,
    )
    client.force_login(people.partner)
    response = client.get(f"/meetings/{meeting.pk}/")
    assert list(response.context["decisions"]) == []
    assert "Rail powers" not in _text(response)
    listing = client.get("/meetings/")
    assert [m.decision_count for m in listing.context["page"].object_list] == [0]
    client.force_login(people.dsg)
    listing = client.get("/meetings/")
    assert [m.decision_count for m in listing.context["page"].object_list] == [1]


# --- The governance chain ---------------------------------------------------------------------


def test_the_chain_page_lists_the_bodies_in_order_with_what_awaits_them(
    client: Client, people: People
) -> None:
    meeting = _meeting(people, days=3)
    _meeting(people, days=10)
    _submitted(people, "Bus funding")
    _submitted(people, "Rail powers", classification=SENSITIVE)
    client.force_login(people.dsg)
    response = client.get("/governance/")
    chain = response.context["chain"]
    assert [c.body for c in chain] == _chain(people)
    assert chain[0].next_meeting == meeting
    assert chain[0].awaiting == 2
    assert chain[1].next_meeting is None
    others = {c.body.name for c in response.context["others"]}
    assert "Mayor and Portfolio Leads Liaison Meeting" in others
    assert "Government co-ordinating group" in others
    text = _text(response)
    assert "7 Met Chief Execs, 1 Non-con Chief Exec, plus 2 WMCA Exec Directors" in text
    # The liaison meeting keeps leaders informed while the Board does not meet; the report
    # does not have it stand in for the Board.
    assert "Stands in for" not in text
    assert "to update about the TDD process and discuss any immediate policy issues" in text
    assert "Work comes to it as appropriate" in text
    client.force_login(people.partner)
    assert client.get("/governance/").context["chain"][0].awaiting == 1


# --- The timeline and milestones --------------------------------------------------------------


def test_the_timeline_shows_milestones_and_upcoming_meetings_in_date_order(
    client: Client, people: People
) -> None:
    _meeting(people, days=3)
    client.force_login(people.partner)
    response = client.get("/timeline/")
    entries = response.context["entries"]
    dates = [e.on for e in entries]
    assert dates == sorted(dates)
    assert sum(1 for e in entries if e.meeting) == 1
    assert sum(1 for e in entries if e.milestone) == Milestone.objects.count() == 6
    text = _text(response)
    assert "Now - May" in text and "July / August" in text
    assert "Depends on: Development of ambitious policy proposals" in text


def test_a_milestone_cannot_be_done_before_what_it_depends_on(
    client: Client, people: People
) -> None:
    board = Milestone.objects.get(title="TDD Proposition submitted to WMCA Board.")
    needs = list(board.depends_on.all())
    client.force_login(people.admin)
    post = {
        "status": MilestoneStatus.DONE,
        "starts_on_day": "1",
        "starts_on_month": "6",
        "starts_on_year": "2022",
        "ends_on_day": "30",
        "ends_on_month": "6",
        "ends_on_year": "2022",
        "notes": "",
        "depends_on": [str(m.pk) for m in needs],
    }
    response = client.post(f"/milestones/{board.pk}/edit/", post)
    assert response.status_code == 200
    assert "depends on milestones that are not done yet" in _body(response)
    assert Milestone.objects.get(pk=board.pk).status == MilestoneStatus.PLANNED
    for milestone in needs:
        services.milestone_update(
            milestone=milestone, acting_user=people.admin, status=MilestoneStatus.DONE
        )
    saved = client.post(f"/milestones/{board.pk}/edit/", post | {"notes": "Approved in June."})
    assert saved.status_code == 302
    assert saved["Location"] == f"/timeline/#milestone-{board.pk}"
    board.refresh_from_db()
    assert (board.status, board.notes) == (MilestoneStatus.DONE, "Approved in June.")


def test_a_milestone_form_checks_its_dates(client: Client, people: People) -> None:
    milestone = Milestone.objects.first()
    client.force_login(people.admin)
    post = {
        "status": MilestoneStatus.PLANNED,
        "starts_on_day": "1",
        "starts_on_month": "6",
        "starts_on_year": "2022",
        "ends_on_day": "1",
        "ends_on_month": "5",
        "ends_on_year": "2022",
    }
    response = client.post(f"/milestones/{milestone.pk}/edit/", post)
    assert "The end date must be the same as or after the start date" in _body(response)
    empty = client.post(f"/milestones/{milestone.pk}/edit/", {})
    assert "Select the milestone&#x27;s status" in _body(empty)
    assert "Enter the date the milestone starts" in _body(empty)


# --- The TDD Proposition ----------------------------------------------------------------------


def test_no_version_can_be_made_before_the_board_endorses_a_proposal(
    client: Client, people: People
) -> None:
    client.force_login(people.admin)
    response = client.post("/proposition/new/", {"title": "TDD Proposition"})
    assert response.status_code == 200
    assert "No proposal has been endorsed by the last body" in _body(response)
    assert not PropositionVersion.objects.exists()


def test_an_administrator_makes_a_version_and_records_the_boards_approval(
    client: Client, people: People
) -> None:
    _approved(people, "Bus funding")
    board_meeting = _meeting(people, _board(people), days=-2)
    client.force_login(people.admin)
    made = client.post(
        "/proposition/new/", {"title": "TDD Proposition", "introduction": "Our asks."}
    )
    assert made.status_code == 302 and made["Location"] == "/proposition/1/"
    listing = client.get("/proposition/")
    assert listing.context["newest_draft"].number == 1
    assert "Record the Board" in _body(listing)
    empty = client.post("/proposition/1/approve/", {})
    assert "Enter the date the Board approved it" in _body(empty)
    approve = {
        "approved_on_day": str(_at(-2).day),
        "approved_on_month": str(_at(-2).month),
        "approved_on_year": str(_at(-2).year),
        "meeting": str(board_meeting.pk),
    }
    assert client.post("/proposition/1/approve/", approve).status_code == 302
    version = PropositionVersion.objects.get()
    assert version.status == PropositionStatus.APPROVED and version.approved_at == board_meeting
    listing = client.get("/proposition/")
    assert listing.context["current"] == version
    assert "Version 1 is the approved Proposition" in _text(listing)
    assert listing.context["newest_draft"] is None


def test_only_the_newest_draft_can_be_approved(client: Client, people: People) -> None:
    _approved(people, "Bus funding")
    _version(people)
    _version(people)
    client.force_login(people.admin)
    approve = {"approved_on_day": "1", "approved_on_month": "3", "approved_on_year": "2026"}
    response = client.post("/proposition/1/approve/", approve)
    assert "Version 2 is newer" in _body(response)
    assert not PropositionVersion.objects.filter(status=PropositionStatus.APPROVED).exists()


def test_the_version_page_is_a_printable_document_grouped_by_theme_and_workstream(
    client: Client, people: People
) -> None:
    _approved(people, "Bus funding", estimated_value=12_500_000, prize="Better buses.")
    _approved(people, "Adult skills budget", ws="skills")
    version = services.proposition_version_create(
        deal=people.deal, acting_user=people.admin, introduction="What we ask of government."
    )
    client.force_login(people.dsg)
    response = client.get(f"/proposition/{version.number}/")
    body = _body(response)
    assert re.search(r'<style media="print" nonce="[^"]+">', body) and "size: A4" in body
    assert "break-inside: avoid" in body
    text = _text(response)
    assert "What we ask of government." in text
    assert "£12,500,000" in text and "Better buses." in text
    assert "Funding" in text
    assert f"/proposition/{version.number}.docx" in body
    assert text.index("Bus funding") != -1 and text.index("Adult skills budget") != -1
    assert response.context["marking"] == "OFFICIAL"


def test_a_partner_never_sees_a_sensitive_proposition_item_on_the_page_or_in_the_document(
    client: Client, people: People
) -> None:
    _approved(people, "Bus funding")
    _approved(people, "Rail powers", classification=SENSITIVE)
    version = _version(people)
    client.force_login(people.partner)
    page = client.get(f"/proposition/{version.number}/")
    assert "Bus funding" in _text(page) and "Rail powers" not in _text(page)
    assert page.context["marking"] == "OFFICIAL"
    assert client.get("/proposition/").context["versions"][0].item_count == 1
    document = client.get(f"/proposition/{version.number}.docx")
    assert document["Content-Disposition"].startswith("attachment;")
    assert document["Content-Type"].startswith("application/vnd.openxmlformats")
    header, text = _docx_text(document)
    assert "Bus funding" in text and "Rail powers" not in text
    assert header == "OFFICIAL"
    client.force_login(people.dsg)
    page = client.get(f"/proposition/{version.number}/")
    assert "Rail powers" in _text(page)
    assert page.context["marking"] == "OFFICIAL-SENSITIVE"
    # The marking opens the document, before its title.
    before_title = _body(page).split("<h1")[0]
    assert 'id="marking">OFFICIAL-SENSITIVE</p>' in before_title
    header, text = _docx_text(client.get(f"/proposition/{version.number}.docx"))
    assert "Rail powers" in text and header == "OFFICIAL-SENSITIVE"


def test_an_item_follows_its_proposal_when_the_proposal_is_marked_sensitive_later(
    client: Client, people: People
) -> None:
    _approved(people, "Bus funding")
    later = _approved(people, "Rail powers")
    version = _version(people)
    services.proposal_update(proposal=later, acting_user=people.admin, classification=SENSITIVE)

    client.force_login(people.partner)
    assert "Rail powers" not in _text(client.get(f"/proposition/{version.number}/"))
    assert client.get("/proposition/").context["versions"][0].item_count == 1
    assert "Rail powers" not in _docx_text(client.get(f"/proposition/{version.number}.docx"))[1]
    client.force_login(people.dsg)
    assert "Rail powers" in _text(client.get(f"/proposition/{version.number}/"))


def test_an_unknown_version_is_not_found(client: Client, people: People) -> None:
    client.force_login(people.dsg)
    assert client.get("/proposition/9/").status_code == 404
    assert client.get("/proposition/9.docx").status_code == 404


# --- Query counts -----------------------------------------------------------------------------


def _grow_meetings(people: People, start: int, count: int) -> None:
    """Meetings of every body of the chain, half past and half to come, each with an item, and
    a proposal awaiting a body for each."""
    bodies = _chain(people)
    for n in range(start, start + count):
        days = n + 1 if n % 2 == 0 else -(n + 1)
        meeting = _meeting(people, bodies[n % len(bodies)], days=days, attendees=[people.dsg])
        services.agenda_item_add(meeting=meeting, acting_user=people.admin, title=f"Item {n}")
        _submitted(people, f"Ask {n}", classification=SENSITIVE if n % 2 else OFFICIAL)


def _grow_proposition(people: People, start: int, count: int) -> None:
    for n in range(start, start + count):
        _approved(people, f"Ask {n}", classification=SENSITIVE if n % 2 else OFFICIAL)
    _version(people)


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# The pages each way of growing the data is measured on. The first version of the Proposition
# holds the few proposals, the second ten times as many.
PAGES_GROWN_BY: dict[str, list[str]] = {
    "meetings": ["/meetings/", "/governance/", "/timeline/"],
    "proposition": ["/proposition/", "/proposition/{newest}/", "/proposition/{newest}.docx"],
}
GROW: dict[str, Callable[[People, int, int], None]] = {
    "meetings": _grow_meetings,
    "proposition": _grow_proposition,
}


@pytest.mark.parametrize("grown", ["meetings", "proposition"])
def test_list_pages_cost_the_same_queries_with_ten_times_the_data(
    people: People, django_assert_max_num_queries: Any, grown: str
) -> None:
    """Each page, as an administrator and as a partner, asks no more queries at ten times the
    data. The data is grown once for all the pages it fills (growing it is nearly all the test
    costs); each page and person has a client, a session and a cold cache of their own, as a
    test of their own would, and is held to its own count."""
    grow = GROW[grown]
    grow(people, 0, 3)
    clients = {}
    for role in ("admin", "partner"):
        clients[role] = Client()
        clients[role].force_login(people.all_roles()[role])
    # The clock stands still between the two requests: on a busy machine growing the data can
    # take over a minute, after which the second request would also record the session's
    # activity (accounts.user_sessions), queries that have nothing to do with the data's size.
    with time_machine.travel(timezone.now(), tick=False):
        small = {}
        for url in PAGES_GROWN_BY[grown]:
            for role, client in clients.items():
                freshness.forget_cached()
                small[url, role] = _queries(
                    client, url.format(newest=PropositionVersion.objects.count())
                )
        grow(people, 3, 27)
        for (url, role), count in small.items():
            freshness.forget_cached()
            large_url = url.format(newest=PropositionVersion.objects.count())
            with django_assert_max_num_queries(count, info=f"{large_url} as {role}"):
                response = clients[role].get(large_url)
            assert response.status_code == 200, (large_url, role)


def test_the_proposition_document_is_written_whatever_control_characters_the_database_holds(
    client: Client, people: People
) -> None:
    """A Word document cannot hold a control character: one in a proposal's title answered 500
    for everyone. What the database holds is written without them."""
    _approved(people, "Bus funding")
    version = _version(people)
    controls = "\x01\x08\x0b\x0c\x1b\x1f"
    version.items.update(title=f"Bus{controls} funding", ask=f"Ten{controls} years")
    type(version).objects.filter(pk=version.pk).update(introduction=f"For{controls} the Board")
    client.force_login(people.dsg)
    document = client.get(f"/proposition/{version.number}.docx")
    assert document.status_code == 200
    _, text = _docx_text(document)
    assert "Bus funding" in text and "Ten years" in text and "For the Board" in text
