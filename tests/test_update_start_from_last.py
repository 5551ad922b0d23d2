"""A new period's update starts from the last one: the form carries over its summary, next
steps, risks, asks, rating and marking; before posting, the lead sees what they changed since
it and confirms the rest in one step.

"Today" is fixed at Wednesday 25 November 2026, as in tests/test_update_pages.py: the period
now open runs from 23 November to 6 December 2026; the one before from 9 to 22 November.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from core.choices import Classification
from tracker import services
from tracker.choices import Direction, Rag
from tracker.models import StatusUpdate, Workstream
from tracker.periods import deal_period

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
def last(people: People) -> StatusUpdate:
    """Last period's update, posted on time."""
    transport = Workstream.objects.select_related("deal").get(deal=people.deal, slug="transport")
    with time_machine.travel(dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC), tick=False):
        return services.status_update_submit(
            workstream=transport,
            acting_user=people.lead,
            period=deal_period(people.deal, LAST_PERIOD),
            rag=Rag.AMBER,
            direction=Direction.WORSENING,
            summary="The bus franchising consultation slipped by a week.",
            progress="Responses received from three operators.",
            next_steps="Analyse the responses.",
            risks_and_issues="An operator may challenge the scheme in court.",
            asks_of_dsg="Agree the revised timetable.",
            classification=Classification.OFFICIAL_SENSITIVE,
        )


@pytest.fixture
def client(people: People) -> Client:
    client = Client()
    client.force_login(people.lead)
    return client


def field(body: str, name: str) -> str:
    """What the form shows in a field: a textarea's text or a hidden or checked input's value."""
    textarea = re.search(rf'<textarea [^>]*name="{name}"[^>]*>\n?(.*?)</textarea>', body, re.S)
    if textarea:
        return html.unescape(textarea.group(1))
    checked = re.search(
        rf'<input [^>]*type="radio" name="{name}" value="([^"]*)"[^>]*checked', body
    )
    if checked:
        return checked.group(1)
    hidden = re.search(rf'<input type="hidden" name="{name}"(?: value="([^"]*)")?', body)
    return html.unescape(hidden.group(1) or "") if hidden else ""


def answers(body: str) -> dict[str, str]:
    """The form's answers as the browser would send them back."""
    names = [*services.UPDATE_FIELDS, "based_on_version", "started_from"]
    return {name: field(body, name) for name in names}


@pytest.mark.django_db
def test_the_form_starts_from_the_last_update_but_not_its_progress_or_direction(
    client: Client, last: StatusUpdate
) -> None:
    body = client.get(NEW).content.decode()
    assert field(body, "summary") == last.summary
    assert field(body, "next_steps") == last.next_steps
    assert field(body, "risks_and_issues") == last.risks_and_issues
    assert field(body, "asks_of_dsg") == last.asks_of_dsg
    assert field(body, "rag") == Rag.AMBER
    assert field(body, "classification") == Classification.OFFICIAL_SENSITIVE
    assert field(body, "progress") == ""
    assert field(body, "direction") == ""
    assert field(body, "started_from") == str(last.pk)
    assert field(body, "based_on_version") == "0"
    assert "The answers start from the last update, for the period" in body
    assert f'href="/workstreams/transport/updates/{last.pk}/"' in body
    assert ">Continue</button>" in body


@pytest.mark.django_db
def test_continuing_shows_what_changed_and_what_did_not_and_saves_nothing(
    client: Client, last: StatusUpdate
) -> None:
    sent = answers(client.get(NEW).content.decode()) | {
        "direction": Direction.STABLE,
        "summary": "The bus franchising consultation closed on time.",
        "progress": "Responses analysed.",
    }
    response = client.post(NEW, sent)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Check your update for 23 November to 6 December 2026" in body
    changed = body.split("What you changed since the last update")[1].split("New for this")[0]
    assert "Summary" in changed and "Next steps" not in changed
    assert '<del class="app-diff__removed">' in changed and "slipped by a week" in changed
    assert '<ins class="app-diff__added">' in changed and "closed on time" in changed
    unchanged = body.split("Unchanged since the last update")[1]
    for label in ("RAG rating", "Next steps", "Risks and issues", "Asks of the", "Classification"):
        assert label in unchanged
    assert "Posting confirms that the 5 answers you left unchanged are still right" in body
    assert "Responses analysed." in body.split("New for this period")[1]
    assert StatusUpdate.objects.count() == 1


@pytest.mark.django_db
def test_confirming_posts_the_update_with_every_answer(client: Client, last: StatusUpdate) -> None:
    sent = answers(client.get(NEW).content.decode()) | {"direction": Direction.STABLE}
    check = client.post(NEW, sent).content.decode()
    confirmed = answers(check) | {"confirmed": "1"}
    response = client.post(NEW, confirmed)
    assert response.status_code == 302
    update = StatusUpdate.objects.get(period_start=THIS_PERIOD)
    for name in ("summary", "next_steps", "risks_and_issues", "asks_of_dsg", "rag"):
        assert getattr(update, name) == getattr(last, name)
    assert update.classification == Classification.OFFICIAL_SENSITIVE
    assert (update.direction, update.progress, update.late) == (Direction.STABLE, "", False)


@pytest.mark.django_db
def test_changing_the_answers_goes_back_to_the_form_as_the_lead_left_it(
    client: Client, last: StatusUpdate
) -> None:
    sent = answers(client.get(NEW).content.decode()) | {
        "direction": Direction.IMPROVING,
        "summary": "Nearly there.",
    }
    check = client.post(NEW, sent).content.decode()
    back = client.post(NEW, answers(check) | {"edit": "1"}).content.decode()
    assert "Post this period's update" in back
    assert field(back, "summary") == "Nearly there."
    assert field(back, "direction") == Direction.IMPROVING
    assert field(back, "started_from") == str(last.pk)
    assert "govuk-error-summary" not in back
    assert not StatusUpdate.objects.filter(period_start=THIS_PERIOD).exists()


@pytest.mark.django_db
def test_an_answer_that_breaks_a_rule_is_shown_on_the_form_not_the_check_page(
    client: Client, last: StatusUpdate
) -> None:
    sent = answers(client.get(NEW).content.decode()) | {"summary": ""}
    body = client.post(NEW, sent).content.decode()
    assert "Enter a summary of where the workstream stands" in body
    assert "Select the direction of travel" in body
    assert "Check your update" not in body


@pytest.mark.django_db
def test_the_check_page_escapes_what_people_typed(client: Client, last: StatusUpdate) -> None:
    sent = answers(client.get(NEW).content.decode()) | {
        "direction": Direction.STABLE,
        "summary": "<script>alert(1)</script>",
        "progress": "<b>bold</b>",
    }
    body = client.post(NEW, sent).content.decode()
    assert "<script>alert(1)" not in body and "<b>bold" not in body
    assert "&lt;script&gt;" in body and "&lt;b&gt;bold" in body


@pytest.mark.django_db
def test_a_missed_period_starts_from_the_update_before_it(
    people: People, client: Client, last: StatusUpdate
) -> None:
    body = client.get(f"{NEW}?period=2026-10-26").content.decode()
    assert field(body, "summary") == ""  # nothing was reported before 26 October
    assert field(body, "started_from") == ""
    older = services.status_update_submit(
        workstream=last.workstream,
        acting_user=people.lead,
        period_start=dt.date(2026, 10, 12),
        rag=Rag.GREEN,
        direction=Direction.IMPROVING,
        summary="Mid-October's.",
    )
    # Not from 9 November's, the newest: from the one before the missed period.
    body = client.get(f"{NEW}?period=2026-10-26").content.decode()
    assert field(body, "summary") == "Mid-October's."
    assert field(body, "started_from") == str(older.pk)


@pytest.mark.django_db
def test_a_revision_and_a_first_ever_update_are_posted_without_a_check(
    people: People, client: Client
) -> None:
    body = client.get(NEW).content.decode()
    assert field(body, "started_from") == "" and ">Post update</button>" in body
    first: dict[str, Any] = {
        "rag": Rag.GREEN,
        "direction": Direction.STABLE,
        "summary": "First.",
        "classification": Classification.OFFICIAL,
        "based_on_version": "0",
    }
    assert client.post(NEW, first).status_code == 302
    revision = answers(client.get(NEW).content.decode())
    assert revision["started_from"] == "" and revision["based_on_version"] == "1"
    assert client.post(NEW, revision | {"summary": "Revised."}).status_code == 302
    assert StatusUpdate.objects.get(version=2).summary == "Revised."
