"""The status-update pages: my workstreams, the update form, one update and its sign-off, the
comparison of two updates, all updates, and the workstream page's reporting section.

Every page is tried as each persona. "Today" is fixed at Wednesday 25 November 2026: the period
now open runs from 23 November to 6 December 2026 and is due on Friday 4 December; the last
period whose due date has passed ran from 9 to 22 November and was due on 20 November.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.choices import Classification, Role
from core.models import Membership
from core.text import word_diff
from tracker.choices import Direction, Rag, ReviewDecision, WorkstreamStatus
from tracker.constants import RAG_MEANINGS
from tracker.models import StatusUpdate, UpdateReview, Workstream

from .conftest import People

TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
THIS_PERIOD = dt.date(2026, 11, 23)
LAST_PERIOD = dt.date(2026, 11, 9)
NEW = "/workstreams/transport/updates/new/"


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def transport(people: People) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug="transport")


def _update(
    ws: Workstream,
    start: dt.date = LAST_PERIOD,
    *,
    rag: str = Rag.GREEN,
    version: int = 1,
    summary: str = "On track.",
    classification: str = Classification.OFFICIAL,
    author: User | None = None,
    **fields: str,
) -> StatusUpdate:
    return StatusUpdate.objects.create(
        workstream=ws,
        period_start=start,
        period_end=start + dt.timedelta(days=13),
        version=version,
        rag=rag,
        direction=fields.pop("direction", Direction.STABLE),
        summary=summary,
        classification=classification,
        author=author,
        **fields,
    )


def _as(client: Client, user: User | None) -> Client:
    if user is not None:
        client.force_login(user)
    return client


def _body(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


def _form(**overrides: str) -> dict[str, str]:
    return {
        "rag": Rag.AMBER,
        "direction": Direction.IMPROVING,
        "summary": "Bus franchising consultation closed on time.",
        "progress": "Consultation responses analysed.",
        "next_steps": "Report to the board in December.",
        "risks_and_issues": "Operator legal challenge.",
        "asks_of_dsg": "",
        "classification": Classification.OFFICIAL,
        "based_on_version": "0",
        **overrides,
    }


ROLES = ["lead", "other_lead", "sponsor", "dsg", "partner", "admin", "nobody"]


def _person(people: People, role: str) -> User:
    return people.all_roles()[role]


# --- Signing in ---------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/my-workstreams/",
        NEW,
        "/workstreams/transport/updates/",
        "/workstreams/transport/updates/compare/",
        "/workstreams/transport/updates/1/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in_from_every_update_page(
    client: Client, url: str
) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_an_anonymous_post_saves_nothing_and_asks_to_sign_in(client: Client) -> None:
    response = client.post(NEW, _form())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not StatusUpdate.objects.exists()


# --- My workstreams -----------------------------------------------------------------------------


def test_a_lead_sees_their_workstream_with_the_period_due_and_one_button_to_post(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, LAST_PERIOD, rag=Rag.AMBER)
    body = _body(_as(client, people.lead).get("/my-workstreams/"))
    assert "Workstreams you lead" in body
    assert 'href="/workstreams/transport/"' in body and "Skills" not in body
    assert ">Amber</strong>" in body
    assert "23 November to 6 December 2026" in body
    assert "Friday 4 December 2026" in body
    assert "Not reported yet" in body and ">Overdue<" not in body
    assert body.count(f'href="{NEW}"') == 1
    assert "Post this period's update" in body


def test_a_lead_whose_last_period_passed_without_an_update_sees_it_overdue(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, LAST_PERIOD - dt.timedelta(days=14))
    body = _body(_as(client, people.lead).get("/my-workstreams/"))
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in body
    assert "No update for the period 9 November to 22 November 2026" in body
    assert "was due on 20 November 2026" in body


def test_a_workstream_is_not_overdue_until_its_due_date_has_passed(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, LAST_PERIOD - dt.timedelta(days=14))
    with time_machine.travel(dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC), tick=False):
        body = _body(_as(client, people.lead).get("/my-workstreams/"))
    assert ">Overdue<" not in body
    assert "Friday 20 November 2026" in body


def test_a_lead_who_has_reported_this_period_is_offered_a_revision(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, THIS_PERIOD)
    body = _body(_as(client, people.lead).get("/my-workstreams/"))
    assert ">Reported<" in body
    assert "Revise this period's update" in body
    assert "Post this period's update" not in body


def test_a_sponsor_sees_whether_the_latest_update_is_signed_off_and_a_link_to_sign_it_off(
    client: Client, people: People, transport: Workstream
) -> None:
    update = _update(transport, LAST_PERIOD)
    body = _body(_as(client, people.sponsor).get("/my-workstreams/"))
    assert "Workstreams you sponsor" in body and "Workstreams you lead" not in body
    assert "Not signed off" in body
    assert f'href="/workstreams/transport/updates/{update.pk}/#review"' in body
    UpdateReview.objects.create(
        status_update=update, reviewer=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )
    body = _body(client.get("/my-workstreams/"))
    assert ">Signed off</strong>" in body and "#review" not in body


@pytest.mark.parametrize("role", ["dsg", "partner", "admin", "nobody"])
def test_someone_who_neither_leads_nor_sponsors_is_told_why_the_page_is_empty(
    client: Client, people: People, role: str
) -> None:
    response = _as(client, _person(people, role)).get("/my-workstreams/")
    assert response.status_code == 200
    body = _body(response)
    assert "You do not lead or sponsor a workstream" in body
    assert "Workstreams you lead" not in body and "Workstreams you sponsor" not in body


@pytest.mark.parametrize(
    "role, shown",
    [("lead", True), ("sponsor", True), ("other_lead", True), ("dsg", False), ("admin", False)],
)
def test_the_navigation_links_to_my_workstreams_for_leads_and_sponsors_only(
    client: Client, people: People, role: str, shown: bool
) -> None:
    body = _body(_as(client, _person(people, role)).get("/"))
    assert ('href="/my-workstreams/"' in body) is shown


# --- The update form ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, status",
    [
        ("lead", 200),
        ("admin", 200),
        ("other_lead", 403),
        ("sponsor", 403),
        ("dsg", 403),
        ("partner", 403),
        ("nobody", 404),
    ],
)
def test_only_the_lead_or_an_administrator_may_open_or_submit_the_form(
    client: Client, people: People, role: str, status: int
) -> None:
    client = _as(client, _person(people, role))
    assert client.get(NEW).status_code == status
    assert client.post(NEW, _form()).status_code == (302 if status == 200 else status)
    assert StatusUpdate.objects.exists() is (status == 200)


def test_a_workstream_that_does_not_exist_is_not_found(client: Client, people: People) -> None:
    assert _as(client, people.admin).get("/workstreams/nowhere/updates/new/").status_code == 404


def test_the_form_shows_what_each_rating_and_classification_means(
    client: Client, people: People
) -> None:
    body = _body(_as(client, people.lead).get(NEW))
    assert "<title>Post this period's update – Transport" in body
    assert "For the reporting period 23 November to 6 December 2026" in body
    for rag, meaning in RAG_MEANINGS.items():
        hint = f'id="id_rag_{list(Rag.values).index(rag)}_hint"'
        assert hint in body and meaning in body
    assert 'aria-describedby="id_rag_0_hint"' in body
    assert "For a red rating, give the recovery action here or an ask of the DSG" in body
    assert "OFFICIAL-SENSITIVE" in body and "Never shared with partners" in body
    assert 'name="based_on_version" value="0"' in body
    assert "checked" not in body  # nothing is chosen for the person


def test_posting_saves_the_update_for_this_period_and_says_so(
    client: Client, people: People, transport: Workstream
) -> None:
    response = _as(client, people.lead).post(NEW, _form(), follow=True)
    assert response.redirect_chain == [("/workstreams/transport/", 302)]
    assert "Update posted for the period 23 November to 6 December 2026" in _body(response)
    update = StatusUpdate.objects.get()
    assert (update.workstream, update.period_start, update.version) == (transport, THIS_PERIOD, 1)
    assert (update.rag, update.direction, update.author) == (
        Rag.AMBER,
        Direction.IMPROVING,
        people.lead,
    )
    assert update.next_steps == "Report to the board in December."


@pytest.mark.parametrize("rag", [Rag.GREEN, Rag.AMBER, Rag.RED])
def test_every_rating_needs_a_summary_and_nothing_is_saved_without_one(
    client: Client, people: People, rag: str
) -> None:
    response = _as(client, people.lead).post(NEW, _form(rag=rag, summary="  "))
    body = _body(response)
    assert response.status_code == 200
    assert "<title>Error: Post this period" in body
    assert 'class="govuk-error-summary"' in body
    assert '<a href="#id_summary">Enter a summary of where the workstream stands</a>' in body
    assert 'id="id_summary_error"' in body and "govuk-textarea--error" in body
    assert 'name="progress"' in body and "Consultation responses analysed." in body
    assert not StatusUpdate.objects.exists()


def test_a_red_rating_also_needs_the_recovery_action_or_an_ask_of_the_dsg(
    client: Client, people: People
) -> None:
    client = _as(client, people.lead)
    body = _body(client.post(NEW, _form(rag=Rag.RED, next_steps="", asks_of_dsg="")))
    assert '<a href="#id_asks_of_dsg">A red rating needs an ask of the Devolution' in body
    assert 'id="id_asks_of_dsg_error"' in body
    assert not StatusUpdate.objects.exists()
    assert client.post(NEW, _form(rag=Rag.RED, next_steps="")).status_code == 200
    response = client.post(NEW, _form(rag=Rag.RED, next_steps="", asks_of_dsg="Write to DfT"))
    assert response.status_code == 302
    assert StatusUpdate.objects.get().asks_of_dsg == "Write to DfT"


def test_the_red_rule_accepts_next_steps_as_the_recovery_action(
    client: Client, people: People
) -> None:
    response = _as(client, people.lead).post(NEW, _form(rag=Rag.RED))
    assert response.status_code == 302
    assert StatusUpdate.objects.get().rag == Rag.RED


def test_unanswered_choices_are_errors_linked_to_their_first_option(
    client: Client, people: People
) -> None:
    body = _body(_as(client, people.lead).post(NEW, _form(rag="", direction="", classification="")))
    assert '<a href="#id_rag_0">Select a RAG rating</a>' in body
    assert '<a href="#id_direction_0">Select the direction of travel</a>' in body
    assert '<a href="#id_classification_0">Select a classification</a>' in body
    assert not StatusUpdate.objects.exists()


def test_a_second_submission_in_the_period_revises_it_and_keeps_both_versions(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, THIS_PERIOD, summary="First account", author=people.lead)
    client = _as(client, people.lead)
    body = _body(client.get(NEW))
    assert "Revise this period's update" in body
    assert "First account</textarea>" in body
    assert 'name="based_on_version" value="1"' in body
    response = client.post(NEW, _form(summary="Second account", based_on_version="1"), follow=True)
    assert "Update revised for the period 23 November to 6 December 2026" in _body(response)
    versions = list(transport.status_updates.order_by("version").values_list("version", "summary"))
    assert versions == [(1, "First account"), (2, "Second account")]


def test_two_people_editing_the_same_version_cannot_silently_overwrite_each_other(
    people: People, transport: Workstream
) -> None:
    _update(transport, THIS_PERIOD, summary="Version one", author=people.lead)
    first, second = _as(Client(), people.lead), _as(Client(), people.admin)
    for client in (first, second):
        assert 'name="based_on_version" value="1"' in _body(client.get(NEW))
    assert (
        first.post(NEW, _form(summary="Alice's revision", based_on_version="1")).status_code == 302
    )

    response = second.post(NEW, _form(summary="Ada's revision", based_on_version="1"))
    body = _body(response)
    assert response.status_code == 200
    assert "<title>Error: Revise this period" in body
    assert "changed by Alice Lead while you were editing it" in body
    assert '<a href="#what-changed">' in body
    changes = body[body.index('id="what-changed"') :]
    assert "Summary" in changes and "Version one" in changes and "Alice&#x27;s revision" in changes
    assert "Ada&#x27;s revision</textarea>" in body  # what the second person typed is kept
    assert transport.status_updates.count() == 2  # nothing saved

    # Having seen what changed, they may submit again: now based on the version that won.
    assert 'name="based_on_version" value="2"' in body
    response = second.post(NEW, _form(summary="Ada's revision", based_on_version="2"))
    assert response.status_code == 302
    assert transport.status_updates.order_by("-version").first().summary == "Ada's revision"


def test_two_first_posts_for_the_same_period_do_not_both_become_version_one(
    people: People, transport: Workstream
) -> None:
    first, second = _as(Client(), people.lead), _as(Client(), people.admin)
    assert first.post(NEW, _form(summary="Alice's")).status_code == 302
    body = _body(second.post(NEW, _form(summary="Ada's")))
    assert "changed by Alice Lead while you were editing it" in body
    assert list(transport.status_updates.values_list("summary", flat=True)) == ["Alice's"]


def test_a_merged_or_ceased_workstream_takes_no_new_updates(
    client: Client, people: People, transport: Workstream
) -> None:
    Workstream.objects.filter(pk=transport.pk).update(
        status=WorkstreamStatus.CEASED, ceased_on=dt.date(2026, 11, 1)
    )
    client = _as(client, people.lead)
    body = _body(client.get(NEW))
    assert "takes no new updates" in body and 'name="summary"' not in body
    body = _body(client.post(NEW, _form()))
    assert "Transport is ceased." in body
    assert not StatusUpdate.objects.exists()


# --- One update, and its sign-off ---------------------------------------------------------------


def _detail(update: StatusUpdate) -> str:
    return f"/workstreams/{update.workstream.slug}/updates/{update.pk}/"


@pytest.mark.parametrize(
    "role, status",
    [
        ("lead", 200),
        ("other_lead", 200),
        ("sponsor", 200),
        ("dsg", 200),
        ("partner", 200),
        ("admin", 200),
        ("nobody", 404),
    ],
)
def test_everyone_in_the_deal_may_read_an_official_update(
    client: Client, people: People, transport: Workstream, role: str, status: int
) -> None:
    update = _update(transport, summary="Consultation closed")
    response = _as(client, _person(people, role)).get(_detail(update))
    assert response.status_code == status
    if status == 200:
        assert "Consultation closed" in _body(response)


@pytest.mark.parametrize("role", ROLES)
def test_a_sensitive_update_is_not_found_for_a_partner_or_an_outsider(
    client: Client, people: People, transport: Workstream, role: str
) -> None:
    update = _update(
        transport, summary="Fallback position", classification=Classification.OFFICIAL_SENSITIVE
    )
    response = _as(client, _person(people, role)).get(_detail(update))
    assert response.status_code == (404 if role in ("partner", "nobody") else 200)


def test_an_update_is_only_found_under_its_own_workstream(
    client: Client, people: People, transport: Workstream
) -> None:
    update = _update(transport)
    response = _as(client, people.dsg).get(f"/workstreams/skills/updates/{update.pk}/")
    assert response.status_code == 404


def test_the_update_page_shows_every_answer_the_version_author_period_and_history(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, LAST_PERIOD, summary="Earlier")
    update = _update(
        transport,
        THIS_PERIOD,
        rag=Rag.RED,
        summary="Delayed",
        progress="Some",
        next_steps="Recover",
        risks_and_issues="Legal",
        asks_of_dsg="A letter",
        classification=Classification.OFFICIAL_SENSITIVE,
        author=people.lead,
    )
    body = _body(_as(client, people.dsg).get(_detail(update)))
    for text in ["Delayed", "Some", "Recover", "Legal", "A letter", "Alice Lead"]:
        assert text in body
    assert "Update for 23 November to 6 December 2026" in body
    assert ">Red</strong>" in body and ">OFFICIAL-SENSITIVE</strong>" in body
    assert "This is the latest version of this period" in body
    assert "Compare with the previous update" in body
    assert "History of this version" in body and "Created" in body
    assert 'id="review"' not in body  # the DSG does not sign off


def test_the_sponsor_signs_off_the_current_version(
    client: Client, people: People, transport: Workstream
) -> None:
    update = _update(transport, THIS_PERIOD)
    client = _as(client, people.sponsor)
    body = _body(client.get(_detail(update)))
    assert 'id="review"' in body and "Sign off" in body and "Comment only" in body
    response = client.post(
        _detail(update) + "review/", {"decision": ReviewDecision.SIGNED_OFF}, follow=True
    )
    body = _body(response)
    assert "You signed off version 1" in body
    assert "Signed off</strong> by Sue Sponsor" in body
    review = UpdateReview.objects.get()
    assert (review.status_update, review.reviewer, review.decision) == (
        update,
        people.sponsor,
        ReviewDecision.SIGNED_OFF,
    )
    # Once signed off, the sponsor can still comment but not sign off again.
    assert "Comment only" not in body and "Add a comment" in body


def test_a_sponsor_comment_needs_text_and_is_shown_with_the_update(
    client: Client, people: People, transport: Workstream
) -> None:
    update = _update(transport, THIS_PERIOD)
    client = _as(client, people.sponsor)
    url = _detail(update) + "review/"
    body = _body(client.post(url, {"decision": ReviewDecision.COMMENTED, "comment": " "}))
    assert "<title>Error: Update for" in body
    assert "Enter your comment" in body and 'class="govuk-error-summary"' in body
    assert not UpdateReview.objects.exists()
    body = _body(client.post(url, {"decision": "", "comment": ""}))
    assert '<a href="#id_decision_0">Select whether to sign off this update or comment' in body
    response = client.post(
        url, {"decision": ReviewDecision.COMMENTED, "comment": "Please add the costs"}, follow=True
    )
    assert "Your comment has been added" in _body(response)
    assert "Please add the costs" in _body(response)
    assert UpdateReview.objects.get().decision == ReviewDecision.COMMENTED


@pytest.mark.parametrize(
    "role, status",
    [
        ("lead", 403),
        ("other_lead", 403),
        ("dsg", 403),
        ("partner", 403),
        ("admin", 403),
        ("nobody", 404),
    ],
)
def test_only_the_sponsor_may_sign_off(
    client: Client, people: People, transport: Workstream, role: str, status: int
) -> None:
    update = _update(transport, THIS_PERIOD)
    client = _as(client, _person(people, role))
    assert 'id="review"' not in _body(client.get(_detail(update)))
    response = client.post(_detail(update) + "review/", {"decision": ReviewDecision.SIGNED_OFF})
    assert response.status_code == status
    assert not UpdateReview.objects.exists()


def test_a_sponsor_cannot_sign_off_another_workstreams_update(
    client: Client, people: People
) -> None:
    update = _update(Workstream.objects.get(slug="skills"), THIS_PERIOD)
    response = _as(client, people.sponsor).post(
        _detail(update) + "review/", {"decision": ReviewDecision.SIGNED_OFF}
    )
    assert response.status_code == 403


def test_signing_off_a_version_that_has_since_been_revised_is_refused(
    client: Client, people: People, transport: Workstream
) -> None:
    first = _update(transport, THIS_PERIOD, summary="v1")
    second = _update(transport, THIS_PERIOD, version=2, summary="v2")
    client = _as(client, people.sponsor)
    body = _body(client.get(_detail(first)))
    assert "It has been revised" in body and f'href="{_detail(second)}"' in body
    assert 'id="review"' not in body
    response = client.post(_detail(first) + "review/", {"decision": ReviewDecision.SIGNED_OFF})
    body = _body(response)
    assert response.status_code == 200
    assert "This update has been revised: sign off the latest version." in body
    assert 'class="govuk-error-summary"' in body
    assert not UpdateReview.objects.exists()


def test_an_update_is_signed_off_once(
    client: Client, people: People, transport: Workstream
) -> None:
    update = _update(transport, THIS_PERIOD)
    UpdateReview.objects.create(
        status_update=update, reviewer=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )
    response = _as(client, people.sponsor).post(
        _detail(update) + "review/", {"decision": ReviewDecision.SIGNED_OFF}
    )
    assert "This update is already signed off." in _body(response)
    assert UpdateReview.objects.count() == 1


def test_reading_the_review_address_is_not_allowed(
    client: Client, people: People, transport: Workstream
) -> None:
    update = _update(transport, THIS_PERIOD)
    assert _as(client, people.sponsor).get(_detail(update) + "review/").status_code == 405


# --- The workstream page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, may_post",
    [
        ("lead", True),
        ("admin", True),
        ("other_lead", False),
        ("sponsor", False),
        ("dsg", False),
        ("partner", False),
    ],
)
def test_the_workstream_page_offers_to_post_only_to_those_who_may(
    client: Client, people: People, transport: Workstream, role: str, may_post: bool
) -> None:
    _update(transport, LAST_PERIOD)
    body = _body(_as(client, _person(people, role)).get("/workstreams/transport/"))
    assert "23 November to 6 December 2026" in body and "Friday 4 December 2026" in body
    assert (f'href="{NEW}"' in body) is may_post


def test_the_workstream_page_shows_an_overdue_workstream(
    client: Client, people: People, transport: Workstream
) -> None:
    body = _body(_as(client, people.dsg).get("/workstreams/transport/"))
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in body
    assert "No update for the period 9 November to 22 November 2026" in body
    assert "No status updates yet." in body


def test_the_timeline_lists_every_version_newest_first_with_its_sign_off(
    client: Client, people: People, transport: Workstream
) -> None:
    older = _update(transport, LAST_PERIOD, rag=Rag.AMBER, summary="Older", author=people.lead)
    UpdateReview.objects.create(
        status_update=older, reviewer=people.sponsor, decision=ReviewDecision.SIGNED_OFF
    )
    _update(transport, THIS_PERIOD, rag=Rag.GREEN, summary="First go")
    _update(transport, THIS_PERIOD, version=2, rag=Rag.RED, summary="Second go", next_steps="x")
    body = _body(_as(client, people.partner).get("/workstreams/transport/"))
    timeline = body[body.index('id="update-history"') :]
    assert timeline.index("Second go") < timeline.index("First go") < timeline.index("Older")
    assert "23 Nov to 6 Dec 2026, version 2" in timeline
    assert timeline.count(">Signed off</strong>") == 1
    assert "Posted by Alice Lead on" in timeline


def test_the_rag_chart_is_an_svg_image_with_a_description_and_the_data_as_a_table(
    client: Client, people: People, transport: Workstream
) -> None:
    for n, rag in enumerate([Rag.GREEN, Rag.AMBER, Rag.RED]):
        _update(transport, LAST_PERIOD - dt.timedelta(days=14 * (2 - n)), rag=rag, next_steps="x")
    _update(transport, LAST_PERIOD, version=2, rag=Rag.AMBER)  # the period's newest counts
    body = _body(_as(client, people.dsg).get("/workstreams/transport/"))
    svg = body[body.index('<svg class="app-rag-chart__svg"') : body.index("</svg>")]
    assert 'role="img"' in svg and 'aria-labelledby="rag-chart-title rag-chart-desc"' in svg
    assert "RAG rating for the last 3 reporting periods with an update" in svg
    assert "green in 1, amber in 2 and red in 0" in svg
    assert "The latest rating is amber." in svg
    letters = re.findall(r'app-rag-chart__letter[^"]*"[^>]*>(\w)</text>', svg)
    assert letters == ["G", "A", "A"]
    assert "<script" not in body.split("</svg>")[0].split("<svg")[-1]
    details = body[body.index("Show the data") :]
    assert "RAG rating by reporting period, oldest first" in details
    assert details.index("12 October 2026") < details.index("9 November 2026")


def test_a_partner_never_sees_sensitive_updates_in_the_timeline_chart_or_counts(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, LAST_PERIOD, rag=Rag.GREEN, summary="Public progress")
    _update(
        transport,
        THIS_PERIOD,
        rag=Rag.RED,
        summary="Our fallback position",
        next_steps="Concede the bus depot",
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    body = _body(_as(client, people.partner).get("/workstreams/transport/"))
    assert "Public progress" in body
    assert "fallback position" not in body and "bus depot" not in body
    assert ">Red</strong>" not in body and "OFFICIAL-SENSITIVE" not in body
    assert "RAG rating for the last 1 reporting period with an update" in body
    # Whether the workstream reported is a process fact, shown to everyone.
    assert ">Reported<" in body
    body = _body(_as(client, people.dsg).get("/workstreams/transport/"))
    assert "fallback position" in body and "for the last 2 reporting periods" in body


# --- Compare ------------------------------------------------------------------------------------

COMPARE = "/workstreams/transport/updates/compare/"


def test_compare_shows_what_changed_between_the_two_latest_updates_by_default(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, LAST_PERIOD, rag=Rag.AMBER, summary="Consultation opens in May")
    _update(
        transport,
        THIS_PERIOD,
        rag=Rag.RED,
        summary="Consultation opens in June",
        next_steps="Recover",
        direction=Direction.WORSENING,
    )
    body = _body(_as(client, people.dsg).get(COMPARE))
    assert ">Amber</strong>" in body and ">Red</strong>" in body
    assert "Stable" in body and "Worsening" in body
    assert '<span class="govuk-visually-hidden">[removed: </span>May' in body
    assert '<span class="govuk-visually-hidden">[added: </span>June' in body
    assert "Consultation opens in " in body
    assert "No change" in body  # the classification did not change


def test_compare_between_chosen_updates_and_from_the_update_page(
    client: Client, people: People, transport: Workstream
) -> None:
    first = _update(transport, LAST_PERIOD - dt.timedelta(days=14), summary="One")
    _update(transport, LAST_PERIOD, summary="Two")
    third = _update(transport, THIS_PERIOD, summary="Three")
    client = _as(client, people.lead)
    body = _body(client.get(f"{COMPARE}?from={first.pk}&to={third.pk}"))
    assert "[removed: </span>One" in body and "[added: </span>Three" in body
    detail = _body(client.get(_detail(third)))
    assert "Compare with the previous update" in detail
    assert f"?from={third.pk - 1}&amp;to={third.pk}" in detail


def test_compare_escapes_what_people_typed() -> None:
    diff = str(word_diff("Say <b>hi</b>", 'Say <script>alert("x")</script>'))
    assert "<script>" not in diff and "<b>" not in diff
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in diff
    assert diff.startswith("Say ")


def test_a_word_diff_keeps_unchanged_words_and_marks_the_rest() -> None:
    diff = str(word_diff("the quick brown fox", "the slow brown fox jumps"))
    assert diff.startswith("the ")
    assert "<del" in diff and "quick" in diff and "<ins" in diff and "slow" in diff
    assert "brown fox " in diff and "[added: </span>jumps" in diff
    assert "fox</del>" not in diff  # a last word that gains a space after it is unchanged


def test_a_rewritten_sentence_reads_as_whole_phrases_removed_and_added() -> None:
    diff = str(word_diff("Good progress at the latest bilateral.", "Engagement with the plan."))
    removed = re.findall(r"\[removed: </span>(.*?)<span", diff)
    added = re.findall(r"\[added: </span>(.*?)<span", diff)
    assert removed == ["Good progress at ", "latest bilateral."]
    assert added == ["Engagement with ", "plan."]


@pytest.mark.parametrize("role", ROLES)
def test_compare_never_shows_a_sensitive_update_to_a_partner(
    client: Client, people: People, transport: Workstream, role: str
) -> None:
    official = _update(transport, LAST_PERIOD, summary="Public words")
    sensitive = _update(
        transport,
        THIS_PERIOD,
        summary="Negotiating words",
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    client = _as(client, _person(people, role))
    explicit = client.get(f"{COMPARE}?from={official.pk}&to={sensitive.pk}")
    default = client.get(COMPARE)
    if role == "nobody":
        assert (explicit.status_code, default.status_code) == (404, 404)
    elif role == "partner":
        assert explicit.status_code == 404
        assert default.status_code == 200 and "Negotiating" not in _body(default)
        assert "There is no earlier update to compare" in _body(default)
    else:
        assert explicit.status_code == default.status_code == 200
        assert "[added: </span>Negotiating" in _body(default)


def test_compare_refuses_updates_of_another_workstream_or_nonsense(
    client: Client, people: People, transport: Workstream
) -> None:
    mine = _update(transport, THIS_PERIOD)
    theirs = _update(Workstream.objects.get(slug="skills"), THIS_PERIOD)
    client = _as(client, people.dsg)
    assert client.get(f"{COMPARE}?from={theirs.pk}&to={mine.pk}").status_code == 404
    assert client.get(f"{COMPARE}?to=abc").status_code == 404
    assert client.get("/workstreams/transport/updates/compare/?from=1x").status_code == 404
    theirs.delete()
    assert client.get("/workstreams/skills/updates/compare/").status_code == 404  # none yet


# --- All updates --------------------------------------------------------------------------------


def test_all_updates_are_listed_a_page_at_a_time(
    client: Client, people: People, transport: Workstream
) -> None:
    for n in range(30):
        _update(transport, THIS_PERIOD - dt.timedelta(days=14 * n), summary=f"Update {n}")
    client = _as(client, people.partner)
    first = _body(client.get("/workstreams/transport/updates/"))
    assert first.count("/workstreams/transport/updates/") >= 25
    assert "page 1 of 2" in first and 'rel="next"' in first
    second = _body(client.get("/workstreams/transport/updates/?page=2"))
    assert "page 2 of 2" in second and "13 Oct 2025" in second


def test_all_updates_leaves_out_what_a_partner_may_not_see(
    client: Client, people: People, transport: Workstream
) -> None:
    _update(transport, LAST_PERIOD, classification=Classification.OFFICIAL_SENSITIVE)
    assert "No updates yet." in _body(
        _as(client, people.partner).get("/workstreams/transport/updates/")
    )
    assert _as(client, people.nobody).get("/workstreams/transport/updates/").status_code == 404


# --- Bounded queries ----------------------------------------------------------------------------


def _history(ws: Workstream, periods: int, sponsor: User) -> StatusUpdate:
    """``periods`` fortnights of updates, every other one revised, each version reviewed."""
    latest = None
    for n in range(periods):
        start = THIS_PERIOD - dt.timedelta(days=14 * n)
        for version in (1, 2) if n % 2 else (1,):
            latest = _update(
                ws,
                start,
                version=version,
                rag=[Rag.GREEN, Rag.AMBER, Rag.RED][n % 3],
                next_steps="Recover",
                classification=[Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE][n % 2],
            )
            UpdateReview.objects.create(
                status_update=latest,
                reviewer=sponsor,
                decision=ReviewDecision.COMMENTED,
                comment="Noted",
            )
    assert latest is not None
    return StatusUpdate.objects.filter(workstream=ws).order_by("-period_start", "-version")[0]


def _lead_everything(people: People) -> None:
    for ws in Workstream.objects.filter(deal=people.deal).exclude(slug="transport"):
        Membership.objects.create(user=people.lead, deal=people.deal, role=Role.LEAD, workstream=ws)


PAGES = {
    "my workstreams": lambda u: "/my-workstreams/",
    "form": lambda u: NEW,
    "update": _detail,
    "compare": lambda u: COMPARE,
    "all updates": lambda u: "/workstreams/transport/updates/",
    "workstream": lambda u: "/workstreams/transport/",
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["lead", "sponsor", "partner"])
def test_update_pages_cost_the_same_queries_with_ten_times_the_data(
    people: People, transport: Workstream, page: str, role: str, django_assert_max_num_queries
) -> None:
    user = _person(people, role)
    client = _as(Client(), user)
    latest = _history(transport, 12, people.sponsor)
    url = PAGES[page](latest)
    expected = 200 if page != "form" or role == "lead" else 403
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == expected

    StatusUpdate.objects.all().delete()
    latest = _history(transport, 120, people.sponsor)
    if role == "lead":
        _lead_everything(people)
        for ws in Workstream.objects.filter(deal=people.deal).exclude(slug="transport"):
            _history(ws, 2, people.sponsor)
    url = PAGES[page](latest)
    with django_assert_max_num_queries(max(len(small), 1)):
        assert client.get(url).status_code == expected
    assert len(small) <= 20
