"""The DSG answers each ask, and meetings keep an action log.

An answered ask leaves the DSG's list and its next agenda until the workstream asks something
new; the lead reads the answer on the workstream page and on the next update's form. A meeting's
actions have one owner (a person or an organisation), a due date and a status; open ones go on
the body's next agenda and into the pack, and an overdue one reminds its owner once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from briefings import reminders, sending
from briefings.choices import DeliveryKind, DeliveryStatus
from briefings.models import Delivery
from briefings.schedule import UK
from core.choices import Classification, OrganisationKind
from core.models import Organisation
from tracker import services
from tracker.choices import ActionStatus, AskOutcome, BodyKind, MeetingStatus, Rag
from tracker.models import (
    Action,
    AgendaItem,
    AskResponse,
    GovernanceBody,
    Meeting,
    StatusUpdate,
    Workstream,
)
from tracker.selectors import pipeline
from tracker.services import TrackerError

from .conftest import People

NOW = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
OFFICIAL, SENSITIVE = Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE
ROLES = ["lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]


@pytest.fixture(autouse=True)
def clock() -> Iterator[time_machine.Coordinates]:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def dsg_body(people: People) -> GovernanceBody:
    return GovernanceBody.objects.get(deal=people.deal, kind=BodyKind.STRATEGY_GROUP)


@pytest.fixture
def today_meeting(people: People, dsg_body: GovernanceBody) -> Meeting:
    """The DSG's meeting this morning: started, still planned, the next on its list."""
    return services.meeting_create(
        body=dsg_body, acting_user=people.admin, starts_at=NOW - dt.timedelta(hours=1)
    )


@pytest.fixture
def later_meeting(people: People, dsg_body: GovernanceBody, today_meeting: Meeting) -> Meeting:
    return services.meeting_create(
        body=dsg_body, acting_user=people.admin, starts_at=NOW + dt.timedelta(days=14)
    )


def ws(people: People, slug: str = "transport") -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug=slug)


def ask(
    people: People, words: str, classification: str = OFFICIAL, based_on: int | None = None
) -> StatusUpdate:
    return services.status_update_submit(
        workstream=ws(people),
        acting_user=people.lead,
        rag=Rag.RED,
        direction="worsening",
        summary="At risk.",
        asks_of_dsg=words,
        classification=classification,
        based_on_version=based_on,
    )


def answer(
    people: People, update: StatusUpdate, meeting: Meeting, outcome: str = AskOutcome.AGREED
) -> AskResponse:
    return services.ask_answer(
        status_update=update,
        meeting=meeting,
        acting_user=people.admin,
        outcome=outcome,
        response="Agreed: the Core Team takes it to the bilateral.",
    )


def listed(people: People) -> list[str]:
    return [a.workstream.slug for a in pipeline.asks_of_dsg(people.dsg, people.deal) if a.update]


def ask_items(meeting: Meeting) -> list[str]:
    return list(
        AgendaItem.objects.filter(meeting=meeting, generated=True, proposal__isnull=True)
        .order_by("position")
        .values_list("workstream__slug", flat=True)
    )


def action(
    people: People,
    meeting: Meeting,
    *,
    due: dt.date = dt.date(2026, 6, 1),
    owner: User | None = None,
    organisation: Organisation | None = None,
    classification: str = OFFICIAL,
    description: str = "Send the evidence base to the Core Team.",
) -> Action:
    if owner is None and organisation is None:
        owner = people.lead
    return services.action_create(
        meeting=meeting,
        acting_user=people.admin,
        description=description,
        due_on=due,
        owner_user=owner,
        owner_organisation=organisation,
        classification=classification,
    )


# --- The DSG's answers ------------------------------------------------------------------------


def test_an_answered_ask_leaves_the_list_and_the_next_agenda_until_a_new_ask(
    people: People, today_meeting: Meeting, later_meeting: Meeting
) -> None:
    first = ask(people, "Escalate the bus ask to the negotiating team.")
    assert listed(people) == ["transport"]
    assert ask_items(today_meeting) == ["transport"]

    answered = answer(people, first, today_meeting)
    assert (answered.asked, answered.recorded_by, answered.meeting) == (
        first.asks_of_dsg,
        people.admin,
        today_meeting,
    )
    assert listed(people) == [], "answered: off the DSG's list"
    assert ask_items(today_meeting) == ["transport"], "it stays where it was answered"

    services.meeting_advance(
        meeting=today_meeting, acting_user=people.admin, status=MeetingStatus.HELD
    )
    assert ask_items(later_meeting) == [], "not on the next agenda"

    # A revision asking the same words is the same ask, answered.
    ask(people, first.asks_of_dsg, based_on=first.version)
    assert listed(people) == []
    assert ask_items(later_meeting) == []

    # Asking something new takes it back to the DSG.
    new = ask(people, "Nominate a chief executive for the bilateral.", based_on=2)
    assert listed(people) == ["transport"]
    assert ask_items(later_meeting) == ["transport"]
    assert new.asks_of_dsg != first.asks_of_dsg


def test_the_service_refuses_what_is_not_an_answer(
    people: People, dsg_body: GovernanceBody, today_meeting: Meeting
) -> None:
    update = ask(people, "Escalate it.")
    with pytest.raises(ValidationError) as blank:
        services.ask_answer(
            status_update=update,
            meeting=today_meeting,
            acting_user=people.admin,
            outcome="maybe",
            response="  ",
        )
    assert set(blank.value.message_dict) == {"outcome", "response"}

    slt = GovernanceBody.objects.filter(deal=people.deal).exclude(pk=dsg_body.pk).first()
    assert slt is not None
    slt_meeting = services.meeting_create(
        body=slt, acting_user=people.admin, starts_at=NOW - dt.timedelta(hours=2)
    )
    with pytest.raises(ValidationError, match="strategy group"):
        answer(people, update, slt_meeting)

    ahead = services.meeting_create(
        body=dsg_body, acting_user=people.admin, starts_at=NOW + dt.timedelta(days=3)
    )
    with pytest.raises(TrackerError, match="not happened yet"):
        answer(people, update, ahead)

    quiet = services.status_update_submit(
        workstream=ws(people, "skills"),
        acting_user=people.other_lead,
        rag=Rag.GREEN,
        direction="stable",
        summary="Fine.",
    )
    with pytest.raises(ValidationError, match="asks nothing"):
        answer(people, quiet, today_meeting)

    answer(people, update, today_meeting)
    with pytest.raises(TrackerError, match="already answered"):
        answer(people, update, today_meeting, AskOutcome.DECLINED)
    assert AskResponse.objects.count() == 1


def test_a_closed_meeting_takes_no_answers_or_actions(
    people: People, today_meeting: Meeting
) -> None:
    update = ask(people, "Escalate it.")
    for step in (MeetingStatus.HELD, MeetingStatus.CLOSED):
        services.meeting_advance(meeting=today_meeting, acting_user=people.admin, status=step)
    with pytest.raises(TrackerError, match="closed"):
        answer(people, update, today_meeting)
    with pytest.raises(TrackerError, match="closed"):
        action(people, today_meeting)


@pytest.mark.parametrize("role", ROLES)
def test_only_an_administrator_records_answers_and_actions(
    people: People, today_meeting: Meeting, role: str
) -> None:
    update = ask(people, "Escalate it.")
    person = people.all_roles()[role]
    with pytest.raises(PermissionDenied):
        services.ask_answer(
            status_update=update,
            meeting=today_meeting,
            acting_user=person,
            outcome=AskOutcome.NOTED,
            response="Noted.",
        )
    with pytest.raises(PermissionDenied):
        services.action_create(
            meeting=today_meeting,
            acting_user=person,
            description="Do it.",
            due_on=dt.date(2026, 6, 1),
            owner_user=people.lead,
        )
    made = action(people, today_meeting)
    with pytest.raises(PermissionDenied):
        services.action_close(action=made, acting_user=person, status=ActionStatus.DONE)


def test_the_database_holds_one_answer_per_ask_and_real_outcomes(
    people: People, today_meeting: Meeting
) -> None:
    update = ask(people, "Escalate it.")
    fields: dict[str, Any] = {
        "status_update": update,
        "workstream": update.workstream,
        "asked": update.asks_of_dsg,
        "meeting": today_meeting,
        "outcome": AskOutcome.NOTED,
        "response": "Noted.",
    }
    for bad in ({"outcome": "shrugged"}, {"response": ""}, {"asked": ""}):
        with pytest.raises(IntegrityError), transaction.atomic():
            AskResponse.objects.create(**(fields | bad))
    AskResponse.objects.create(**fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        AskResponse.objects.create(**fields)  # a second answer to the same update's ask


# --- Actions ----------------------------------------------------------------------------------


def test_an_action_has_exactly_one_owner_and_closing_records_when_and_by_whom(
    people: People, today_meeting: Meeting
) -> None:
    org = Organisation.objects.create(name="Example Council", kind=OrganisationKind.choices[0][0])
    with pytest.raises(ValidationError, match="a person or an organisation"):
        action(people, today_meeting, owner=people.lead, organisation=org)
    with pytest.raises(ValidationError, match="role in this deal"):
        action(people, today_meeting, owner=people.nobody)
    with pytest.raises(ValidationError, match="OFFICIAL-SENSITIVE"):
        action(people, today_meeting, owner=people.partner, classification=SENSITIVE)

    made = action(people, today_meeting, organisation=org)
    assert (made.status, made.closed_at, made.owner) == (ActionStatus.OPEN, None, org)
    closed = services.action_close(
        action=made, acting_user=people.admin, status=ActionStatus.DONE, note="Sent."
    )
    assert (closed.status, closed.closed_at, closed.closed_by) == (
        ActionStatus.DONE,
        NOW,
        people.admin,
    )
    assert [h.status for h in closed.history.order_by("history_date")] == ["open", "done"]
    with pytest.raises(TrackerError, match="already done"):
        services.action_close(action=closed, acting_user=people.admin, status=ActionStatus.DROPPED)
    with pytest.raises(ValidationError):
        services.action_close(action=made, acting_user=people.admin, status=ActionStatus.OPEN)


def test_the_database_holds_one_owner_a_real_status_and_a_closing_time(
    people: People, today_meeting: Meeting
) -> None:
    org = Organisation.objects.create(name="Example Council", kind=OrganisationKind.choices[0][0])
    base: dict[str, Any] = {
        "meeting": today_meeting,
        "description": "Do it.",
        "due_on": dt.date(2026, 6, 1),
        "owner_user": people.lead,
    }
    for bad in (
        {"owner_organisation": org},
        {"owner_user": None},
        {"status": "forgotten", "closed_at": NOW},
        {"status": ActionStatus.DONE},
        {"closed_at": NOW},
        {"description": ""},
        {"classification": "secret"},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Action.objects.create(**(base | bad))


def test_open_actions_show_on_the_bodys_next_agenda_page_and_in_its_pack(
    client: Client, people: People, dsg_body: GovernanceBody, today_meeting: Meeting
) -> None:
    earlier = services.meeting_create(
        body=dsg_body, acting_user=people.admin, starts_at=NOW - dt.timedelta(days=28)
    )
    still_open = action(people, earlier, description="Draft the housing evidence base.")
    done = action(people, earlier, description="Circulate the minutes.")
    services.action_close(action=done, acting_user=people.admin, status=ActionStatus.DONE)
    client.force_login(people.dsg)

    page = client.get(f"/meetings/{today_meeting.pk}/").content.decode()
    assert "Open actions from earlier meetings" in page
    assert still_open.description in page
    assert done.description not in page

    pack = client.get(f"/meetings/{today_meeting.pk}/pack/").content.decode()
    assert "Open actions" in pack and still_open.description in pack
    assert done.description not in pack

    services.action_close(action=still_open, acting_user=people.admin, status=ActionStatus.DROPPED)
    assert (
        still_open.description
        not in client.get(f"/meetings/{today_meeting.pk}/pack/").content.decode()
    )


def test_the_pack_holds_the_asks_with_their_answers_and_earlier_answers(
    client: Client, people: People, dsg_body: GovernanceBody, today_meeting: Meeting
) -> None:
    update = ask(people, "Escalate the bus ask.")
    answer(people, update, today_meeting)
    services.meeting_advance(
        meeting=today_meeting, acting_user=people.admin, status=MeetingStatus.HELD
    )
    later = services.meeting_create(
        body=dsg_body, acting_user=people.admin, starts_at=NOW + dt.timedelta(days=14)
    )
    ask(people, "Fund a second bus depot.", based_on=1)
    client.force_login(people.dsg)
    pack = client.get(f"/meetings/{later.pk}/pack/").content.decode()
    assert "Fund a second bus depot." in pack
    assert "Not answered yet." in pack
    assert "Earlier answers" in pack and "Escalate the bus ask." in pack
    here = client.get(f"/meetings/{today_meeting.pk}/pack/").content.decode()
    assert "Agreed: the Core Team takes it to the bilateral." in here


# --- What the lead sees -----------------------------------------------------------------------


def test_the_lead_sees_the_answer_on_the_workstream_page_and_the_next_update_form(
    client: Client, people: People, today_meeting: Meeting, clock: time_machine.Coordinates
) -> None:
    update = ask(people, "Escalate the bus ask.")
    client.force_login(people.lead)
    assert "Awaiting the DSG" in client.get("/workstreams/transport/").content.decode()

    answer(people, update, today_meeting, AskOutcome.DECLINED)
    page = client.get("/workstreams/transport/").content.decode()
    assert "Declined" in page and "Agreed: the Core Team takes it to the bilateral." in page

    clock.move_to(NOW + dt.timedelta(days=45))
    client.force_login(people.lead)  # a session does not last six weeks
    form = client.get("/workstreams/transport/updates/new/").content.decode()
    assert "The DSG&#x27;s answer to your ask" in form or "The DSG's answer to your ask" in form
    assert "Escalate the bus ask." in form, "carried over, to revise"
    assert "Agreed: the Core Team takes it to the bilateral." in form


# --- Reminders --------------------------------------------------------------------------------


def _remind(now: dt.datetime) -> list[sending.Outcome]:
    with time_machine.travel(now, tick=False):
        ids = reminders.claim_reminders(now)
        return [
            sending.deliver(pk, now=now)
            for pk in Delivery.objects.filter(
                pk__in=ids, kind=DeliveryKind.ACTION_OVERDUE
            ).values_list("pk", flat=True)
        ]


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour)).replace(tzinfo=UK)


def test_an_overdue_action_reminds_its_owner_once_and_only_once(
    smtp: Any, people: People, today_meeting: Meeting
) -> None:
    made = action(people, today_meeting, due=dt.date(2026, 5, 25))
    assert _remind(_at(dt.date(2026, 5, 25))) == [], "due today: not overdue yet"
    sent = _remind(_at(dt.date(2026, 5, 26)))
    assert [(o.email, o.status) for o in sent] == [(people.lead.email, DeliveryStatus.SENT)]
    assert made.description in smtp.messages[-1].as_string()
    assert _remind(_at(dt.date(2026, 5, 26), 15)) == []
    assert _remind(_at(dt.date(2026, 6, 10))) == []
    assert Delivery.objects.filter(kind=DeliveryKind.ACTION_OVERDUE).count() == 1


def test_an_organisations_action_reminds_its_people_with_a_role_in_the_deal(
    smtp: Any, people: People, today_meeting: Meeting
) -> None:
    org = Organisation.objects.create(name="Example Council", kind=OrganisationKind.choices[0][0])
    for person in (people.lead, people.sponsor, people.nobody):
        person.organisation = org
        person.save()
    action(people, today_meeting, organisation=org, due=dt.date(2026, 5, 25))
    sent = _remind(_at(dt.date(2026, 5, 26)))
    assert {o.email for o in sent if o.status == DeliveryStatus.SENT} == {
        people.lead.email,
        people.sponsor.email,
    }, "not the person without a role in the deal"
    assert _remind(_at(dt.date(2026, 5, 27))) == []


def test_an_action_closed_before_its_reminder_goes_is_skipped(
    smtp: Any, people: People, today_meeting: Meeting
) -> None:
    made = action(people, today_meeting, due=dt.date(2026, 5, 25))
    now = _at(dt.date(2026, 5, 26))
    with time_machine.travel(now, tick=False):
        ids = list(
            Delivery.objects.filter(
                pk__in=reminders.claim_reminders(now), kind=DeliveryKind.ACTION_OVERDUE
            ).values_list("pk", flat=True)
        )
        services.action_close(action=made, acting_user=people.admin, status=ActionStatus.DONE)
        outcomes = [sending.deliver(pk, now=now) for pk in ids]
    assert [o.status for o in outcomes] == [DeliveryStatus.SKIPPED]


# --- Who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", True),
        ("lead", True),
        ("sponsor", True),
        ("dsg", True),
        ("other_lead", True),
        ("partner", False),
    ],
)
def test_sensitive_asks_answers_and_actions_are_for_the_authoritys_roles_only(
    client: Client, people: People, today_meeting: Meeting, role: str, sees: bool
) -> None:
    update = ask(people, "Secret ask of the DSG.", classification=SENSITIVE)
    services.ask_answer(
        status_update=update,
        meeting=today_meeting,
        acting_user=people.admin,
        outcome=AskOutcome.AGREED,
        response="Secret answer.",
    )
    action(people, today_meeting, classification=SENSITIVE, description="Secret action.")
    action(people, today_meeting, description="Open action anyone may read.")
    client.force_login(people.all_roles()[role])
    for path in (
        f"/meetings/{today_meeting.pk}/",
        f"/meetings/{today_meeting.pk}/pack/",
        "/actions/?status=all",
    ):
        html = client.get(path).content.decode()
        assert "Open action anyone may read." in html, path
        for secret in ("Secret action.", "Secret answer."):
            if path.startswith("/actions/") and secret == "Secret answer.":
                continue
            assert (secret in html) is sees, (path, secret)
    workstream = client.get("/workstreams/transport/").content.decode()
    assert ("Secret answer." in workstream) is sees


def test_the_action_log_filters_by_status_body_and_owner(
    client: Client, people: People, today_meeting: Meeting
) -> None:
    mine = action(people, today_meeting, owner=people.lead, description="Action for Alice.")
    other = action(people, today_meeting, owner=people.admin, description="Action for Ada.")
    services.action_close(action=other, acting_user=people.admin, status=ActionStatus.DONE)
    client.force_login(people.sponsor)
    open_only = client.get("/actions/").content.decode()
    assert mine.description in open_only and other.description not in open_only
    done = client.get("/actions/?status=done").content.decode()
    assert other.description in done and mine.description not in done
    by_owner = client.get(f"/actions/?status=all&owner=user-{people.admin.pk}").content.decode()
    assert other.description in by_owner and mine.description not in by_owner
    other_body = client.get("/actions/?status=all&body=no-such-body").content.decode()
    assert "No actions match." in other_body


# --- Pages: recording, and query budgets ------------------------------------------------------


def test_an_administrator_records_an_answer_and_an_action_from_the_meeting_page(
    client: Client, people: People, today_meeting: Meeting
) -> None:
    update = ask(people, "Escalate the bus ask.")
    client.force_login(people.admin)
    page = client.get(f"/meetings/{today_meeting.pk}/").content.decode()
    url = f"/meetings/{today_meeting.pk}/asks/{update.pk}/answer/"
    assert url in page
    refused = client.post(url, {"outcome": "", "response": ""})
    assert "Select agreed, declined or noted" in refused.content.decode()
    assert client.post(url, {"outcome": "noted", "response": "Noted."}).status_code == 302
    assert AskResponse.objects.get().outcome == AskOutcome.NOTED

    item = AgendaItem.objects.get(meeting=today_meeting)
    new = f"/meetings/{today_meeting.pk}/actions/new/"
    response = client.post(
        new,
        {
            "description": "Take the ask to the bilateral.",
            "owner": f"user-{people.lead.pk}",
            "due_on_day": "1",
            "due_on_month": "6",
            "due_on_year": "2026",
            "agenda_item": str(item.pk),
            "classification": OFFICIAL,
        },
    )
    assert response.status_code == 302, response.content.decode()
    made = Action.objects.get()
    assert (made.agenda_item, made.owner_user, made.created_by) == (item, people.lead, people.admin)
    close = client.post(f"/actions/{made.pk}/close/", {"status": "done", "note": "Taken."})
    assert close.status_code == 302
    made.refresh_from_db()
    assert (made.status, made.closed_by) == (ActionStatus.DONE, people.admin)


def test_the_list_pages_cost_the_same_however_many_actions_and_answers(
    client: Client,
    people: People,
    dsg_body: GovernanceBody,
    today_meeting: Meeting,
    django_assert_max_num_queries: Any,
) -> None:
    earlier = services.meeting_create(
        body=dsg_body, acting_user=people.admin, starts_at=NOW - dt.timedelta(days=28)
    )
    org = Organisation.objects.create(name="Example Council", kind=OrganisationKind.choices[0][0])
    update = ask(people, "Escalate it.")
    answer(people, update, today_meeting)
    client.force_login(people.dsg)
    paths = (
        "/actions/?status=all",
        f"/meetings/{today_meeting.pk}/",
        f"/meetings/{today_meeting.pk}/pack/",
    )
    budgets = {}
    for path in paths:
        action(people, earlier, organisation=org)
        action(people, today_meeting)
        with django_assert_max_num_queries(100) as counted:
            assert client.get(path).status_code == 200
        budgets[path] = len(counted.captured_queries)
    for _ in range(15):
        action(people, earlier, organisation=org)
        action(people, today_meeting, owner=people.sponsor)
    for path in paths:
        with django_assert_max_num_queries(budgets[path]):
            assert client.get(path).status_code == 200


def test_the_workstream_page_costs_the_same_however_many_answers(
    client: Client,
    people: People,
    dsg_body: GovernanceBody,
    django_assert_max_num_queries: Any,
) -> None:
    client.force_login(people.lead)
    ask(people, "Ask 0.")
    with django_assert_max_num_queries(200) as counted:
        client.get("/workstreams/transport/")
    budget = len(counted.captured_queries)
    for n in range(1, 6):
        meeting = services.meeting_create(
            body=dsg_body, acting_user=people.admin, starts_at=NOW - dt.timedelta(days=n)
        )
        update = ask(people, f"Ask {n}.", based_on=n)
        AskResponse.objects.create(
            status_update=update,
            workstream=update.workstream,
            asked=update.asks_of_dsg,
            meeting=meeting,
            outcome=AskOutcome.NOTED,
            response=f"Answer {n}.",
        )
    with django_assert_max_num_queries(budget):
        assert "Answer 5." in client.get("/workstreams/transport/").content.decode()
