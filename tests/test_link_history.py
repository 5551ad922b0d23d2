"""The history of a workstream's and a proposal's links (missions, metrics, indicators and, for a
proposal, departments): each change recorded by django-simple-history, shown on the record's
page as one entry that says in words what was added and removed, never from a state a reader
may not see, at a bounded number of queries however long the history; the admin's history
pages still load."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.changes import LinkChange
from core.choices import Classification
from missions.choices import Coverage
from missions.models import Indicator, Metric, Mission
from tracker import services
from tracker.models import GovernmentDepartment, Proposal, Workstream
from tracker.selectors.history import HISTORY_SAME_CHANGE, history_of

from .conftest import People

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
LINKS_URL = "/workstreams/transport/links/"


def _transport() -> Workstream:
    return Workstream.objects.get(slug="transport")


def _mission(number: int) -> Mission:
    return Mission.objects.get(number=number)


def _m(number: int) -> str:
    return str(_mission(number))


def _metric(mission: int) -> Metric:
    return Metric.objects.filter(mission__number=mission).order_by("pk").first()  # type: ignore[return-value]


def _national(code: str = "gva_per_hour_worked") -> Indicator:
    return Indicator.objects.get(code=code)


def _department(people: People, name: str, abbreviation: str) -> GovernmentDepartment:
    """The deal's department with the abbreviation (its file lists the real ones), or a new one."""
    return GovernmentDepartment.objects.get_or_create(
        deal=people.deal, abbreviation=abbreviation, defaults={"name": name}
    )[0]


def _later(minutes: int) -> Any:
    """Travel to some minutes from now: changes further apart than HISTORY_SAME_CHANGE are
    separate entries, as a person's separate changes are."""
    return time_machine.travel(timezone.now() + dt.timedelta(minutes=minutes), tick=True)


def _post_links(client: Client, **links: list[Any]) -> Any:
    data = {name: [o.pk for o in links.get(name, [])] for name in LINKS}
    response = client.post(LINKS_URL, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/workstreams/transport/"
    return response


LINKS = ("missions", "metrics", "indicators")


def _said(entry: Any) -> list[str]:
    """An entry's changes as the page words them."""
    return [
        f"{c.label}: {c.summary}"
        if isinstance(c, LinkChange)
        else f"{c.label}: {c.before} → {c.after}"
        for c in entry.changes
    ]


def _text(response: Any) -> str:
    return " ".join(response.content.decode().split())


def _draft(people: People, title: str = "Bus franchising settlement", **kw: Any) -> Proposal:
    values = {"classification": OFFICIAL, "ask": "A ten-year funding settlement."} | kw
    return services.proposal_create(
        workstream=_transport(), acting_user=people.lead, title=title, **values
    )


# --- Workstreams ---------------------------------------------------------------------------


def test_each_change_of_a_workstreams_links_is_one_entry_saying_what_was_added_and_removed(
    client: Client, people: People
) -> None:
    ws = _transport()
    client.force_login(people.lead)
    records = ws.history.count()
    with _later(10):
        _post_links(client, missions=[_mission(3)], metrics=[_metric(3)], indicators=[_national()])
    # One entry per kind of link added: the page's three set() calls each add.
    assert ws.history.count() - records == 3
    records = ws.history.count()
    with _later(20):
        _post_links(client, missions=[_mission(2), _mission(5)], metrics=[_metric(3)])
    # Missions: one entry for the removal and one for the additions; indicators: one removal.
    assert ws.history.count() - records == 3

    history = client.get("/workstreams/transport/").context["history"]
    assert [(e.kind, e.who, _said(e)) for e in history] == [
        (
            "Changed",
            people.lead,
            [
                f"Indicators: removed {_national()}",
                f"Missions: added {_m(2)}, {_m(5)}; removed {_m(3)}",
            ],
        ),
        (
            "Changed",
            people.lead,
            [
                f"Indicators: added {_national()}",
                f"Metrics: added {_metric(3)}",
                f"Missions: added {_m(3)}",
            ],
        ),
        ("Created", None, []),
    ]
    page = _text(client.get("/workstreams/transport/"))
    assert f"Missions: added {_m(2)}, {_m(5)}; removed {_m(3)}" in page
    assert f"Metrics: added {_metric(3)}" in page


def test_links_set_again_unchanged_add_no_entry(client: Client, people: People) -> None:
    client.force_login(people.lead)
    with _later(10):
        _post_links(client, missions=[_mission(3)])
    records = _transport().history.count()
    with _later(20):
        _post_links(client, missions=[_mission(3)])
    assert _transport().history.count() == records


def test_a_person_who_changes_links_twice_a_moment_apart_gets_two_entries_when_it_is_longer(
    client: Client, people: People
) -> None:
    """Entries that change only links join the one before only when made by the same person
    within HISTORY_SAME_CHANGE: another person's change a moment later is their own entry."""
    ws = _transport()
    with _later(10):
        client.force_login(people.lead)
        _post_links(client, missions=[_mission(3)])
        client.force_login(people.admin)
        _post_links(client, missions=[_mission(3), _mission(4)])
    history = history_of(ws, people.admin)
    assert [(e.who, _said(e)) for e in history[:2]] == [
        (people.admin, [f"Missions: added {_m(4)}"]),
        (people.lead, [f"Missions: added {_m(3)}"]),
    ]
    assert dt.timedelta(minutes=1) > HISTORY_SAME_CHANGE


def test_a_link_to_a_row_since_deleted_is_named_as_such(client: Client, people: People) -> None:
    ws = _transport()
    metric = Metric.objects.create(
        mission=_mission(3), name="Bus journeys", slug="bus-journeys", coverage=Coverage.ENGLAND
    )
    client.force_login(people.lead)
    with _later(10):
        _post_links(client, metrics=[metric])
    with _later(20):
        _post_links(client, metrics=[])
    metric.delete()
    assert [_said(e) for e in history_of(ws, people.lead)[:2]] == [
        ["Metrics: removed a deleted metric"],
        ["Metrics: added a deleted metric"],
    ]


# --- Proposals -----------------------------------------------------------------------------


def test_a_proposal_created_with_links_shows_them_in_its_created_entry(people: People) -> None:
    dft = _department(people, "Department for Transport", "DfT")
    with _later(10):
        proposal = _draft(people, departments=[dft], missions=[_mission(3)])
    # The save, then one entry for each kind of link added.
    assert proposal.history.count() == 3
    history = history_of(proposal, people.sponsor)
    assert [(e.kind, e.who, _said(e)) for e in history] == [
        (
            "Created",
            people.lead,
            ["Departments: added DfT", f"Missions: added {_m(3)}"],
        )
    ]


def test_an_edit_of_fields_and_links_together_is_one_entry(people: People) -> None:
    dft = _department(people, "Department for Transport", "DfT")
    mhclg = _department(people, "Ministry of Housing", "MHCLG")
    with _later(10):
        proposal = _draft(people, departments=[dft], missions=[_mission(3)])
    records = proposal.history.count()
    with _later(20):
        services.proposal_update(
            proposal=proposal,
            acting_user=people.admin,
            title="Bus and tram franchising",
            departments=[mhclg],
            missions=[_mission(3), _mission(2)],
            metrics=[],
            indicators=[_national()],
        )
    # The save; departments removed then added; missions added; indicators added.
    assert proposal.history.count() - records == 5
    history = history_of(proposal, people.sponsor)
    assert [(e.kind, e.who, _said(e)) for e in history] == [
        (
            "Changed",
            people.admin,
            [
                "Departments: added MHCLG; removed DfT",
                f"Indicators: added {_national()}",
                f"Missions: added {_m(2)}",
                "Title: Bus franchising settlement → Bus and tram franchising",
            ],
        ),
        (
            "Created",
            people.lead,
            ["Departments: added DfT", f"Missions: added {_m(3)}"],
        ),
    ]


def test_a_saved_entry_shows_no_link_changes_when_the_one_before_kept_no_copy_of_them(
    people: People,
) -> None:
    """History written in bulk (as the demo loader writes it), or before links were recorded,
    keeps no copy of the links; saving the record afterwards changes no links, so the entry the
    save writes says nothing of them."""
    dft = _department(people, "Department for Transport", "DfT")
    with _later(10):
        proposal = _draft(people, departments=[dft], missions=[_mission(3)])
    for name in ("departments", "missions"):
        getattr(Proposal.history.model, name).model.objects.all().delete()
    with _later(20):
        services.proposal_update(proposal=proposal, acting_user=people.admin, progress="Costed.")
    assert [_said(e) for e in history_of(proposal, people.admin)][0] == ["Progress:  → Costed."]


def test_a_partner_learns_nothing_of_the_links_a_proposal_had_while_sensitive(
    client: Client, people: People
) -> None:
    with _later(10):
        proposal = _draft(people, missions=[_mission(3)])
    with _later(20):
        services.proposal_update(
            proposal=proposal,
            acting_user=people.admin,
            classification=SENSITIVE,
            missions=[_mission(3), _mission(7)],
        )
    with _later(30):
        # Marked OFFICIAL and the sensitive link dropped in one change: the record is saved
        # OFFICIAL first, still linked to mission 7, and its links set after.
        services.proposal_update(
            proposal=proposal,
            acting_user=people.admin,
            classification=OFFICIAL,
            missions=[_mission(3), _mission(4)],
        )
    with _later(40):
        services.proposal_update(
            proposal=proposal, acting_user=people.admin, missions=[_mission(4)]
        )

    client.force_login(people.partner)
    response = client.get(f"/proposals/{proposal.pk}/")
    assert [(e.kind, _said(e)) for e in response.context["history"]] == [
        ("Changed", [f"Missions: removed {_m(3)}"]),
        ("Marked OFFICIAL", []),
        ("Created", [f"Missions: added {_m(3)}"]),
    ]
    assert _m(7) not in _text(response)

    client.force_login(people.dsg)
    response = client.get(f"/proposals/{proposal.pk}/")
    assert [(e.kind, _said(e)) for e in response.context["history"]] == [
        ("Changed", [f"Missions: removed {_m(3)}"]),
        (
            "Changed",
            [
                "Classification: OFFICIAL-SENSITIVE → OFFICIAL",
                f"Missions: added {_m(4)}; removed {_m(7)}",
            ],
        ),
        (
            "Changed",
            [
                "Classification: OFFICIAL → OFFICIAL-SENSITIVE",
                f"Missions: added {_m(7)}",
            ],
        ),
        ("Created", [f"Missions: added {_m(3)}"]),
    ]


def test_a_partner_is_not_told_when_a_proposal_gained_a_link_outside_an_edit_of_it(
    client: Client, people: People
) -> None:
    """Logging a talk with government links its department to the proposal, on its own: the
    talk may be OFFICIAL-SENSITIVE, so when that happened is not shown to a partner, who still
    sees the department among the proposal's links."""
    dft = _department(people, "Department for Transport", "DfT")
    with _later(10):
        proposal = _draft(people)
    with _later(20):
        proposal.departments.add(dft)  # as services.negotiation_log does
    with _later(30):
        services.proposal_update(proposal=proposal, acting_user=people.lead, progress="Met.")

    client.force_login(people.partner)
    response = client.get(f"/proposals/{proposal.pk}/")
    assert [(e.kind, _said(e)) for e in response.context["history"]] == [
        ("Changed", ["Progress:  → Met."]),
        ("Created", []),
    ]
    assert "Department for Transport" in _text(response)
    client.force_login(people.dsg)
    response = client.get(f"/proposals/{proposal.pk}/")
    assert [(e.kind, _said(e)) for e in response.context["history"]] == [
        ("Changed", ["Progress:  → Met."]),
        ("Changed", ["Departments: added DfT"]),
        ("Created", []),
    ]


# --- Queries -------------------------------------------------------------------------------


def _link_changes(client: Client, times: int, start: int) -> None:
    """``times`` changes of every kind of link, a minute apart (a session ends after half an
    hour without a request)."""
    missions = list(Mission.objects.order_by("number"))
    metrics = list(Metric.objects.order_by("pk")[:6])
    indicators = list(Indicator.objects.filter(framework__deal__isnull=True).order_by("pk")[:6])
    for n in range(times):
        with _later(start + n):
            _post_links(
                client,
                missions=missions[n % 6 : n % 6 + 3],
                metrics=metrics[n % 3 : n % 3 + 2],
                indicators=indicators[n % 4 : n % 4 + 2],
            )


def test_the_history_of_links_costs_the_same_queries_however_long_it_grows(
    client: Client, people: People, django_assert_max_num_queries: Any
) -> None:
    ws = _transport()
    client.force_login(people.lead)
    _link_changes(client, 2, 1)
    # Counted at once: the connection keeps only the latest queries.
    with CaptureQueriesContext(connection) as short:
        history_of(ws, people.lead)
    short_history = len(short)
    with CaptureQueriesContext(connection) as short:
        assert client.get("/workstreams/transport/").status_code == 200
    short_page = len(short)
    _link_changes(client, 12, 3)
    assert ws.history.count() > 50  # more than history_of reads
    # The entries; the links they keep, all kinds in one query; the missions, metrics and
    # indicators they name, one query each.
    assert short_history == 5
    with django_assert_max_num_queries(5):
        history = history_of(ws, people.lead)
    # The 50 newest records, several to a change: each change one entry, by the lead.
    assert len(history) > 8 and {e.who for e in history} == {people.lead}
    assert all(isinstance(c, LinkChange) for e in history for c in e.changes)
    with django_assert_max_num_queries(short_page):
        assert client.get("/workstreams/transport/").status_code == 200


def test_a_proposals_history_with_link_changes_costs_the_same_queries(
    client: Client, people: People, django_assert_max_num_queries: Any
) -> None:
    departments = [_department(people, f"Department {n}", f"D{n}") for n in range(4)]
    with _later(5):
        proposal = _draft(people, departments=departments[:1], missions=[_mission(1)])
    client.force_login(people.sponsor)
    with CaptureQueriesContext(connection) as short:
        assert client.get(f"/proposals/{proposal.pk}/").status_code == 200
    short_page = len(short)
    for n in range(10):
        with _later(10 + 5 * n):
            services.proposal_update(
                proposal=proposal,
                acting_user=people.lead,
                departments=departments[n % 3 : n % 3 + 2],
                missions=[_mission(1 + n % 5), _mission(6 + n % 5)],
                progress=f"Step {n}",
            )
    with django_assert_max_num_queries(short_page):
        response = client.get(f"/proposals/{proposal.pk}/")
    assert len(response.context["history"]) == 11


# --- The admin -----------------------------------------------------------------------------


@pytest.fixture
def admin_client(client: Client, django_user_model: Any, reference: Any) -> Client:
    """An operator signed in to the admin. After the reference data: a test process puts that
    back with the ids it first had, which a user made before it could already hold on SQLite."""
    client.force_login(
        django_user_model.objects.create_superuser(email="root@example.org", password="x" * 20)
    )
    return client


def test_the_admin_history_pages_of_a_workstream_with_link_changes_load(
    admin_client: Client, people: People
) -> None:
    ws = _transport()
    with _later(10):
        services.workstream_links_set(
            workstream=ws,
            acting_user=people.admin,
            missions=[_mission(3)],
            metrics=[_metric(3)],
            indicators=[],
        )
    page = admin_client.get(reverse("admin:tracker_workstream_history", args=[ws.pk]))
    assert page.status_code == 200
    assert _m(3) in page.content.decode()  # the library's own list of what changed
    for record in ws.history.all():
        url = reverse("admin:tracker_workstream_simple_history", args=[ws.pk, record.pk])
        assert admin_client.get(url).status_code == 200


def test_links_changed_in_the_admin_are_one_entry_by_the_administrator(
    admin_client: Client, people: People
) -> None:
    ws = _transport()
    change = reverse("admin:tracker_workstream_change", args=[ws.pk])
    data = {
        "deal": ws.deal_id,
        "theme": ws.theme_id,
        "name": ws.name,
        "slug": ws.slug,
        "position": ws.position,
        "status": ws.status,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "missions": [_mission(3).pk, _mission(4).pk],
    }
    with _later(10):
        response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    entry = history_of(ws, people.admin)[0]
    assert (entry.kind, entry.who.email, _said(entry)) == (
        "Changed",
        "root@example.org",
        [f"Missions: added {_m(3)}, {_m(4)}"],
    )


def test_the_admin_history_pages_of_a_proposal_with_link_changes_load(
    admin_client: Client, people: People
) -> None:
    dft = _department(people, "Department for Transport", "DfT")
    with _later(10):
        proposal = _draft(people, departments=[dft], missions=[_mission(3)])
    with _later(20):
        services.proposal_update(proposal=proposal, acting_user=people.admin, departments=[])
    page = admin_client.get(reverse("admin:tracker_proposal_history", args=[proposal.pk]))
    assert page.status_code == 200
    for record in proposal.history.all():
        url = reverse("admin:tracker_proposal_simple_history", args=[proposal.pk, record.pk])
        assert admin_client.get(url).status_code == 200


def test_links_changed_through_the_service_outside_a_request_name_who_changed_them(
    people: People,
) -> None:
    """The service, not only a web request, says who: an API call, a command or a task too."""
    ws = _transport()
    services.workstream_links_set(
        workstream=ws,
        acting_user=people.lead,
        missions=[_mission(3)],
        metrics=[],
        indicators=[],
    )
    newest = history_of(ws, people.dsg)[0]
    assert newest.who == people.lead
    assert _said(newest) == [f"Missions: added {_m(3)}"]
