"""A dashboard in use is built again right after a change it reads commits, by the process that
made the change, so the next person to open it finds it built (tracker.freshness's refreshers):
as whom, for how long, never past what the person who asked for it may see, never in the way
of the change itself, and after the response for a change made by a web request."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

import pytest
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from accounts.models import User
from core import policy
from core.choices import Classification, Role
from core.models import Membership
from tracker import freshness, services
from tracker.choices import AskType, Rag
from tracker.models import Proposal, Workstream
from tracker.selectors import dashboards
from tracker.selectors import pipeline as pipeline_selectors

from .conftest import People
from .test_dashboard_overview import current_rag
from .test_freshness import NOW, _post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def built(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Any]]:
    """Every overview row and pipeline built from the database, in order."""
    found: list[tuple[str, Any]] = []
    rows, pipeline = dashboards.workstream_rows, pipeline_selectors.pipeline

    def counting_rows(user, deal, workstreams, **kwargs):  # type: ignore[no-untyped-def]
        found.append(("rows", sorted(w.slug for w in workstreams)))
        return rows(user, deal, workstreams, **kwargs)

    def counting_pipeline(user, deal):  # type: ignore[no-untyped-def]
        found.append(("pipeline", user.email))
        return pipeline(user, deal)

    monkeypatch.setattr(dashboards, "workstream_rows", counting_rows)
    monkeypatch.setattr(pipeline_selectors, "pipeline", counting_pipeline)
    return found


def _signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _in_chain(people: People) -> Proposal:
    """A proposal of the deal on its way up the governance chain."""
    proposal = services.proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.lead,
        title="Draft",
        classification=Classification.OFFICIAL,
        ask="A ten-year funding settlement.",
        ask_type=AskType.FUNDING,
    )
    return services.proposal_submit(proposal=proposal, acting_user=people.admin)


def _proposal_saved(people: People, title: str, marking: str = Classification.OFFICIAL) -> None:
    """A proposal of the deal saved, as editing or deciding on one saves it."""
    proposal = _in_chain(people)
    proposal.title, proposal.classification = title, marking
    proposal.save()


def test_an_overview_in_use_has_the_changed_row_built_before_anyone_asks_again(
    people: People, built: list[tuple[str, Any]], django_capture_on_commit_callbacks
) -> None:
    client = _signed_in(people.dsg)
    assert client.get("/dashboard/").status_code == 200
    assert [kind for kind, _ in built] == ["rows"]

    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    assert built[1:] == [("rows", ["transport"])], "the change's own row, built by its maker"

    page = client.get("/dashboard/")
    assert len(built) == 2, "the next view reads the page from the cache"
    assert "themes" not in page.context, "from the cache"
    assert current_rag(page.content.decode(), "transport") == "Red"


def test_the_pipeline_in_use_is_built_again_after_a_proposal_is_saved(
    people: People, built: list[tuple[str, Any]], django_capture_on_commit_callbacks
) -> None:
    client = _signed_in(people.dsg)
    assert "pipeline" in client.get("/dashboard/pipeline/").context, "built for this request"

    with django_capture_on_commit_callbacks(execute=True):
        _proposal_saved(people, "Bus franchising powers")
    assert built[-1] == ("pipeline", people.dsg.email), "built again as its reader sees it"

    page = client.get("/dashboard/pipeline/")
    assert "pipeline" not in page.context, "from the cache"
    assert "Bus franchising powers" in page.content.decode()


def test_a_partners_pipeline_is_built_again_as_the_partner_sees_it(
    people: People, built: list[tuple[str, Any]], django_capture_on_commit_callbacks
) -> None:
    partner, dsg = _signed_in(people.partner), _signed_in(people.dsg)
    assert partner.get("/dashboard/pipeline/").status_code == 200
    assert dsg.get("/dashboard/pipeline/").status_code == 200

    with django_capture_on_commit_callbacks(execute=True):
        _proposal_saved(people, "Secret rail ask", Classification.OFFICIAL_SENSITIVE)
    assert {who for kind, who in built[2:] if kind == "pipeline"} == {
        people.partner.email,
        people.dsg.email,
    }

    seen_by_partner = partner.get("/dashboard/pipeline/")
    seen_by_dsg = dsg.get("/dashboard/pipeline/")
    assert "pipeline" not in seen_by_partner.context and "pipeline" not in seen_by_dsg.context
    assert "Secret rail ask" not in seen_by_partner.content.decode()
    assert "Secret rail ask" in seen_by_dsg.content.decode()


def test_a_way_many_people_share_is_built_again_once(
    people: People, built: list[tuple[str, Any]], django_capture_on_commit_callbacks
) -> None:
    for person in (people.dsg, people.admin, people.sponsor):  # each may see sensitive material
        assert _signed_in(person).get("/dashboard/pipeline/").status_code == 200
    assert len(built) == 1, "the first built it, the others read it"

    with django_capture_on_commit_callbacks(execute=True):
        _proposal_saved(people, "Bus franchising powers")
    assert [kind for kind, _ in built[1:]] == ["pipeline"]


def test_a_page_is_not_built_again_for_someone_who_has_lost_their_role(
    people: People, built: list[tuple[str, Any]], django_capture_on_commit_callbacks
) -> None:
    assert _signed_in(people.dsg).get("/dashboard/pipeline/").status_code == 200
    Membership.objects.filter(user=people.dsg, deal=people.deal).delete()

    with django_capture_on_commit_callbacks(execute=True):
        _proposal_saved(people, "Bus franchising powers")
    assert [kind for kind, _ in built] == ["pipeline"], "only the view before the change"


def test_a_sensitive_view_is_not_built_for_someone_who_may_no_longer_see_sensitive_material(
    people: People, built: list[tuple[str, Any]], django_capture_on_commit_callbacks
) -> None:
    assert _signed_in(people.dsg).get("/dashboard/").status_code == 200
    Membership.objects.filter(user=people.dsg, deal=people.deal).update(role=Role.PARTNER)

    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    assert len(built) == 1, "the DSG's full overview is not built as a partner's"


def test_a_page_no_one_has_asked_for_lately_is_not_built_again(
    people: People,
    built: list[tuple[str, Any]],
    django_capture_on_commit_callbacks,
    _frozen: Any,
) -> None:
    assert _signed_in(people.dsg).get("/dashboard/").status_code == 200
    _frozen.shift(dt.timedelta(seconds=freshness.IN_USE_SECONDS + 1))

    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    assert len(built) == 1


def test_a_change_a_page_does_not_read_leaves_it(
    people: People, built: list[tuple[str, Any]], django_capture_on_commit_callbacks
) -> None:
    assert _signed_in(people.dsg).get("/dashboard/pipeline/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    assert built == [("pipeline", people.dsg.email)], "a status update is not in the pipeline"


def test_a_refresh_that_fails_is_logged_and_leaves_the_change_and_the_page(
    people: People,
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = _signed_in(people.dsg)
    assert client.get("/dashboard/").status_code == 200

    def broken(deal_id: int, way: dict[str, Any], change: freshness.Change) -> None:
        raise RuntimeError("the cache is down")

    page = freshness._refreshers["dashboard"]
    monkeypatch.setitem(freshness._refreshers, "dashboard", freshness.Refresher(page.reads, broken))
    with (
        caplog.at_level(logging.ERROR, logger="tracker.freshness"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        _post(people.admin, people.deal, "transport", Rag.RED)
    assert "Could not refresh dashboard" in caplog.text
    assert Workstream.objects.get(deal=people.deal, slug="transport").status_updates.count() == 1
    page = client.get("/dashboard/")
    transport = next(
        line.row
        for theme in page.context["themes"]
        for line in theme["lines"]
        if line.row.workstream.slug == "transport"
    )
    assert transport.current_rag == Rag.RED, "built when asked for, as before"


def test_a_web_requests_changes_are_built_again_once_its_response_has_gone(
    people: People,
    built: list[tuple[str, Any]],
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _signed_in(people.dsg).get("/dashboard/").status_code == 200

    # As the WSGI handler signals a request, but keeping the test's database connection (as
    # the test client does).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    monkeypatch.setattr(freshness, "_state", threading.local())
    request_started.send(sender=None)
    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    assert len(built) == 1, "not while the request that made the change is answered"
    try:
        request_finished.send(sender=None)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    assert built[1:] == [("rows", ["transport"])]


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("admin", True),
        ("lead", True),
        ("other_lead", True),
        ("sponsor", True),
        ("dsg", True),
        ("partner", True),
        ("nobody", False),
    ],
)
def test_who_a_page_may_be_built_again_for_is_whoever_may_see_the_deal(
    people: People, northfold: Any, persona: str, sees: bool
) -> None:
    user = people.all_roles()[persona]
    assert policy.can_see_deal(user, people.deal) is sees
    assert policy.can_see_deal(user, people.deal.pk) is sees
    assert policy.can_see_deal(user, northfold) is False, "a role in one deal is not in another"
    assert (dashboards.reader(people.deal.pk, user.pk) is not None) is sees
    user.is_active = False
    user.save()
    assert dashboards.reader(people.deal.pk, user.pk) is None, "nor for a person switched off"


def test_the_superuser_may_see_every_deal(people: People, northfold: Any) -> None:
    root = User.objects.create_superuser(email="root@example.org", password="x" * 20)
    assert policy.can_see_deal(root, people.deal) and policy.can_see_deal(root, northfold)
