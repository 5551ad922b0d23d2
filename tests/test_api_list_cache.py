"""The status updates' and risks' API lists are cached per person until something they show
changes (tracker.api.caching): a repeat read is served without rebuilding, two people never
share an entry, and a change to each record a list reads serves the next read afresh."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import time_machine
from django.db.models import ForeignKey
from rest_framework import serializers
from rest_framework.test import APIClient

from accounts.models import User
from core.choices import Classification, Role
from core.models import Deal, Membership
from tracker import freshness, services
from tracker.api.records import RiskViewSet
from tracker.api.updates import StatusUpdateViewSet
from tracker.choices import Direction, Rag, ReviewDecision
from tracker.models import Risk, StatusUpdate, Theme, Workstream

from .conftest import People

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
TODAY = dt.datetime(2026, 11, 25, 10, 0, tzinfo=dt.UTC)
CACHED = [StatusUpdateViewSet, RiskViewSet]
UPDATES = "/api/v1/status-updates/"
RISKS = "/api/v1/risks/"


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY):
        yield


@pytest.fixture
def transport(people: People) -> Workstream:
    return Workstream.objects.select_related("deal").get(deal=people.deal, slug="transport")


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[[Callable[[], Any]], Any]:
    """Run a change as a committed transaction would: its data version moves on."""

    def run(change: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return change()

    return run


def client_for(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def post(workstream: Workstream, user: User, classification: str = OFFICIAL) -> StatusUpdate:
    return services.status_update_submit(
        workstream=workstream,
        acting_user=user,
        rag=Rag.AMBER,
        direction=Direction.STABLE,
        summary=f"A {classification} update",
        classification=classification,
    )


def risk(workstream: Workstream, user: User, classification: str = OFFICIAL) -> Risk:
    return services.risk_create(
        workstream=workstream,
        acting_user=user,
        classification=classification,
        title=f"A {classification} risk",
        likelihood=3,
        impact=4,
        owner=user,
    )


# --- Correct by construction ------------------------------------------------------------------


@pytest.mark.parametrize("viewset", CACHED)
def test_every_record_a_cached_list_reads_moves_the_data_version(viewset: Any) -> None:
    """Each model the list names is watched, and the names cover the serializer's model and
    every model its fields reach through a relation (its own or a dotted source)."""
    reads = set(viewset.list_reads)
    assert reads <= set(freshness.WATCHED)
    model = viewset.serializer_class.Meta.model
    reached = {model._meta.label}
    for name, field in viewset.serializer_class().fields.items():
        if isinstance(field, serializers.SerializerMethodField) or field.write_only:
            continue
        first = (field.source if field.source != "*" else name).split(".")[0]
        names = {f.name for f in model._meta.get_fields()}
        if first in names:
            related = model._meta.get_field(first)
            if isinstance(related, ForeignKey):
                reached.add(related.related_model._meta.label)
    assert reached <= reads
    # The workstream's deal decides who sees a row; who the person is, their roles.
    assert {"tracker.Workstream", "core.Deal", "core.Membership"} <= reads


# --- Served from the cache ----------------------------------------------------------------------


@pytest.mark.parametrize("url", [UPDATES, RISKS, UPDATES + "?rag=amber"])
def test_a_repeat_read_with_no_change_is_served_from_the_cache(
    people: People,
    transport: Workstream,
    url: str,
    django_assert_max_num_queries: Any,
    commit: Any,
) -> None:
    commit(lambda: (post(transport, people.lead), risk(transport, people.lead)))
    client = client_for(people.dsg)
    first = client.get(url)
    # The person's roles and their deals' versions; no count, no page.
    with django_assert_max_num_queries(2):
        second = client.get(url)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert first.json()["count"] == 1


def test_two_people_never_share_an_entry(
    people: People, transport: Workstream, commit: Any
) -> None:
    commit(lambda: post(transport, people.lead, SENSITIVE))
    for url in (UPDATES, RISKS):
        commit(lambda: risk(transport, people.lead, SENSITIVE))
        assert client_for(people.dsg).get(url).json()["count"] >= 1
        assert client_for(people.partner).get(url).json()["count"] == 0
        assert client_for(people.dsg).get(url).json()["count"] >= 1


def test_each_address_has_its_own_entry(people: People, transport: Workstream, commit: Any) -> None:
    commit(lambda: post(transport, people.lead))
    client = client_for(people.dsg)
    assert client.get(UPDATES + "?rag=amber").json()["count"] == 1
    assert client.get(UPDATES + "?rag=red").json()["count"] == 0
    assert client.get(UPDATES + "?rag=amber&page_size=1").json()["count"] == 1


# --- A change to each record a list reads serves the next read afresh --------------------------


def _changes(people: People, transport: Workstream) -> dict[str, Callable[[], Any]]:
    """One change to each record the lists read, and what the next read must show."""

    def sign_off() -> None:
        services.status_update_review(
            status_update=StatusUpdate.objects.order_by("-version").first(),
            acting_user=people.sponsor,
            decision=ReviewDecision.SIGNED_OFF,
        )

    def rename_lead() -> None:
        people.lead.full_name = "Alice Renamed"
        people.lead.save()

    def move_workstream_first() -> None:
        transport.position = 0
        transport.theme.position = 0
        transport.theme.save()
        transport.save()

    def rename_deal() -> None:
        Deal.objects.filter(pk=people.deal.pk).get().save()

    return {
        "tracker.StatusUpdate": lambda: post(transport, people.lead),
        "tracker.UpdateReview": sign_off,
        "tracker.Risk": lambda: services.risk_update(
            risk=Risk.objects.get(), acting_user=people.lead, title="A retitled risk"
        ),
        "accounts.User": rename_lead,
        "tracker.Workstream": move_workstream_first,
        "tracker.Theme": move_workstream_first,
        "core.Deal": rename_deal,
    }


@pytest.mark.parametrize("viewset", CACHED)
def test_a_change_to_each_record_a_list_reads_is_served_at_once(
    people: People, transport: Workstream, viewset: Any, commit: Any
) -> None:
    url = UPDATES if viewset is StatusUpdateViewSet else RISKS
    commit(lambda: (post(transport, people.lead), risk(transport, people.lead)))
    client = client_for(people.dsg)
    changes = _changes(people, transport)
    for label in viewset.list_reads:
        if label == "core.Membership":
            continue  # below: a change of role
        before = client.get(url).content
        assert client.get(url).content == before  # cached
        commit(changes[label])
        fresh = client_for(people.dsg).get(url).content
        # What a list built with no cache shows now.
        freshness.forget_cached()
        assert client.get(url).content == fresh, label
        shown = label in {"tracker.StatusUpdate", "tracker.UpdateReview", "accounts.User"}
        if label == "tracker.Risk" or (shown and viewset is StatusUpdateViewSet):
            assert fresh != before, label
    # Each change above that the list shows was shown.
    body = client.get(url).json()["results"]
    if viewset is StatusUpdateViewSet:
        assert body[0]["version"] == 2 and body[0]["signed_off"] is True
        assert body[1]["signed_off"] is False
        assert body[0]["author"]["name"] == "Alice Renamed"
    else:
        assert body[0]["title"] == "A retitled risk"
        assert body[0]["owner_name"] == "Alice Renamed"


@pytest.mark.parametrize("url", [UPDATES, RISKS])
def test_a_change_of_role_is_served_at_once(
    people: People, transport: Workstream, url: str, commit: Any
) -> None:
    commit(
        lambda: (post(transport, people.lead, SENSITIVE), risk(transport, people.lead, SENSITIVE))
    )
    client = client_for(people.dsg)
    assert client.get(url).json()["count"] == 1
    membership = Membership.objects.get(user=people.dsg, deal=people.deal)
    membership.role = Role.PARTNER
    commit(membership.save)
    # As the next request would: the person read afresh, with their roles now.
    assert client_for(User.objects.get(pk=people.dsg.pk)).get(url).json()["count"] == 0


def test_a_change_in_another_deal_keeps_the_entry(
    people: People,
    transport: Workstream,
    northfold: Deal,
    commit: Any,
    django_assert_max_num_queries: Any,
) -> None:
    commit(lambda: post(transport, people.lead))
    client = client_for(people.dsg)
    client.get(UPDATES)
    commit(lambda: Theme.objects.filter(deal=northfold).get().save())
    with django_assert_max_num_queries(2):
        assert client.get(UPDATES).json()["count"] == 1
