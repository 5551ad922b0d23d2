"""Merging a workstream moves its open work to the survivor and keeps its history: the engagement
plan, what it moves (missions, metrics, indicators), its items on agendas still to come, and the
digests of chosen workstreams that named it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from briefings import services as briefings
from briefings.choices import Scope
from briefings.models import Subscription
from core.choices import Classification, OrganisationKind
from core.models import Deal, Organisation
from missions.models import Indicator, IndicatorFramework, Metric, Mission
from tracker import services
from tracker.choices import BodyKind, EngagementFrequency, MeetingStatus, Rag, WorkstreamStatus
from tracker.models import AgendaItem, EngagementEntry, GovernanceBody, Meeting, Workstream

from .conftest import People


def _ws(slug: str) -> Workstream:
    return Workstream.objects.get(slug=slug)


def _merge(people: People, slug: str = "transport", into: str = "skills") -> Workstream:
    return services.workstream_merge(workstream=_ws(slug), into=_ws(into), acting_user=people.admin)


def _organisation(name: str) -> Organisation:
    return Organisation.objects.get_or_create(
        name=name, defaults={"kind": OrganisationKind.BUSINESS}
    )[0]


def _entry(people: People, ws: str, organisation: str, **fields: Any) -> EngagementEntry:
    values = {
        "organisation": _organisation(organisation),
        "frequency": EngagementFrequency.MONTHLY,
        "classification": Classification.OFFICIAL,
    } | fields
    return services.engagement_entry_create(workstream=_ws(ws), acting_user=people.admin, **values)


def _indicator(deal: Deal, code: str) -> Indicator:
    framework, _ = IndicatorFramework.objects.get_or_create(
        deal=deal, defaults={"name": f"{deal.short_name} outcomes", "slug": f"{deal.slug}-out"}
    )
    return Indicator.objects.create(
        framework=framework, code=code, name=code, unit="count", direction="higher"
    )


def _link(people: People, ws: str, missions=(), metrics=(), indicators=()) -> None:
    services.workstream_links_set(
        workstream=_ws(ws),
        acting_user=people.admin,
        missions=missions,
        metrics=metrics,
        indicators=indicators,
    )


def _chosen(people: People, *slugs: str, **fields: Any) -> Subscription:
    fields.setdefault("email", f"{'-'.join(slugs)}@partner.example")
    return briefings.subscription_create(
        deal=people.deal,
        acting_user=people.admin,
        scope=Scope.WORKSTREAMS,
        workstreams=[_ws(s) for s in slugs],
        **fields,
    )


def _slugs(sub: Subscription) -> set[str]:
    return set(sub.workstreams.values_list("slug", flat=True))


def _dsg(people: People) -> GovernanceBody:
    body = GovernanceBody.objects.filter(deal=people.deal, kind=BodyKind.STRATEGY_GROUP).first()
    assert body is not None
    return body


def _meeting(people: People, days: float) -> Meeting:
    return services.meeting_create(
        body=_dsg(people),
        acting_user=people.admin,
        starts_at=timezone.now() + dt.timedelta(days=days),
    )


# --- The engagement plan ----------------------------------------------------------------------


def test_the_engagement_plan_moves_but_an_organisation_the_survivor_engages_stays(
    people: People,
) -> None:
    moving = _entry(people, "transport", "Bus operators", last_engaged_on=dt.date(2026, 1, 5))
    unseen = _entry(people, "transport", "Rail partners")  # never engaged yet: still planned
    shared_here = _entry(people, "transport", "Chamber of Commerce", notes="Transport's line")
    shared_there = _entry(people, "skills", "Chamber of Commerce", notes="Skills' line")

    _merge(people)

    for entry, owner in [
        (moving, "skills"),
        (unseen, "skills"),
        (shared_here, "transport"),
        (shared_there, "skills"),
    ]:
        entry.refresh_from_db()
        assert entry.workstream.slug == owner, entry
    # A moved line is a new revision (an edit started before the merge is stale), its history
    # says who moved it and keeps where it was.
    assert (moving.revision, moving.last_engaged_on) == (2, dt.date(2026, 1, 5))
    assert moving.history.first().history_user == people.admin
    assert moving.history.last().workstream.slug == "transport"
    assert (shared_here.revision, shared_there.notes) == (1, "Skills' line")
    assert _ws("skills").engagement_entries.count() == 3
    assert list(_ws("transport").engagement_entries.all()) == [shared_here]


# --- Missions, metrics and indicators ---------------------------------------------------------


def test_the_survivor_gains_what_the_merged_workstream_moved_once(people: People) -> None:
    transport, living, health = (Mission.objects.get(number=n) for n in (3, 1, 7))
    metric_a, metric_b = Metric.objects.filter(mission=transport)[:2]
    own = _indicator(people.deal, "wm_bus_patronage")
    national = Indicator.objects.filter(framework__deal__isnull=True).first()
    assert national is not None
    _link(people, "transport", [transport, living], [metric_a, metric_b], [own, national])
    _link(people, "skills", [living, health], [metric_a], [own])

    _merge(people)

    skills, merged = _ws("skills"), _ws("transport")
    assert set(skills.missions.all()) == {transport, living, health}
    assert set(skills.metrics.all()) == {metric_a, metric_b}
    assert set(skills.indicators.all()) == {own, national}
    # The merged workstream keeps what it moved as it was when it stopped.
    assert set(merged.missions.all()) == {transport, living}
    assert set(merged.metrics.all()) == {metric_a, metric_b}
    assert set(merged.indicators.all()) == {own, national}
    through = Workstream.missions.through.objects.filter(workstream=skills)
    assert through.count() == 3


def test_a_merge_with_nothing_linked_leaves_the_survivors_links_alone(people: People) -> None:
    living = Mission.objects.get(number=1)
    _link(people, "skills", [living])
    _merge(people)
    assert list(_ws("skills").missions.all()) == [living]


# --- Digest subscriptions ---------------------------------------------------------------------


def test_digests_of_chosen_workstreams_follow_to_the_survivor(people: People) -> None:
    alone = _chosen(people, "transport")
    with_other = _chosen(people, "transport", "digital")
    with_survivor = _chosen(people, "transport", "skills")
    survivor_only = _chosen(people, "skills")
    turned_off = _chosen(people, "transport", email="off@partner.example")
    briefings.subscription_set_active(
        subscription=turned_off, acting_user=people.admin, active=False
    )
    erased = _chosen(people, "transport", email="erased@partner.example")
    briefings.subscriber_erase(subscription=erased, acting_user=people.admin)
    whole_deal = briefings.subscription_create(
        deal=people.deal, acting_user=people.admin, email="all@partner.example"
    )
    before = Subscription.objects.get(pk=alone.pk).updated_at

    assert _ws("transport").pk in {w.pk for w in alone.workstreams.all()}
    _merge(people)

    assert _slugs(alone) == {"skills"}
    assert _slugs(with_other) == {"skills", "digital"}
    assert _slugs(with_survivor) == {"skills"}
    assert _slugs(survivor_only) == {"skills"}
    assert _slugs(turned_off) == {"skills"}
    assert _slugs(erased) == {"transport"}  # off for good: left as it was
    assert _slugs(whole_deal) == set()
    through = Subscription.workstreams.through.objects
    assert through.filter(subscription=with_survivor).count() == 1
    assert Subscription.objects.get(pk=alone.pk).updated_at > before
    assert Subscription.objects.get(pk=survivor_only.pk).updated_at == survivor_only.updated_at


def test_only_an_administrator_moves_subscriptions_and_only_after_the_merge(
    people: People,
) -> None:
    _chosen(people, "transport")
    with pytest.raises(PermissionDenied):
        briefings.subscriptions_follow_merge(
            merged=_ws("transport"), survivor=_ws("skills"), acting_user=people.lead
        )
    with pytest.raises(ValidationError):
        briefings.subscriptions_follow_merge(
            merged=_ws("transport"), survivor=_ws("skills"), acting_user=people.admin
        )


# --- Agendas ----------------------------------------------------------------------------------


def test_items_on_agendas_still_to_come_follow_and_held_ones_stay(people: People) -> None:
    past = _meeting(people, -3)
    held_item = services.agenda_item_add(
        meeting=past, acting_user=people.admin, title="Bus plan", workstream=_ws("transport")
    )
    services.meeting_advance(meeting=past, acting_user=people.admin, status=MeetingStatus.HELD)
    coming = _meeting(people, 5)
    coming_item = services.agenda_item_add(
        meeting=coming, acting_user=people.admin, title="Bus plan", workstream=_ws("transport")
    )
    services.status_update_submit(
        workstream=_ws("transport"),
        acting_user=people.lead,
        rag=Rag.RED,
        direction="worsening",
        summary="Stalled.",
        asks_of_dsg="Unblock the franchising decision.",
    )
    ask = AgendaItem.objects.get(meeting=coming, generated=True, workstream=_ws("transport"))

    _merge(people)

    held_item.refresh_from_db()
    coming_item.refresh_from_db()
    assert held_item.workstream_id == _ws("transport").pk
    assert coming_item.workstream_id == _ws("skills").pk
    # The merged workstream is no longer active: its ask leaves the agenda, as the next
    # sync would take it off; the update that asked stays with the merged workstream.
    assert not AgendaItem.objects.filter(pk=ask.pk).exists()
    assert _ws("transport").status_updates.get().asks_of_dsg.startswith("Unblock")


# --- What stays, all or nothing, and the cost ---------------------------------------------------


def test_a_refused_merge_moves_nothing(people: People) -> None:
    """An indicator of another deal (data that predates the rule) is refused by the links
    service: the whole merge is undone, not half of it."""
    entry = _entry(people, "transport", "Bus operators")
    sub = _chosen(people, "transport")
    risk = services.risk_create(
        workstream=_ws("transport"), acting_user=people.admin, title="Open", likelihood=2, impact=2
    )
    other = Deal.objects.create(name="Another deal", short_name="Other", slug="other")
    _ws("transport").indicators.add(_indicator(other, "foreign"))

    with pytest.raises(ValidationError):
        _merge(people)

    for obj in (entry, risk):
        obj.refresh_from_db()
        assert obj.workstream.slug == "transport"
    assert _slugs(sub) == {"transport"}
    assert _ws("transport").status == WorkstreamStatus.ACTIVE
    assert not _ws("skills").indicators.exists()


def _count_merge(people: People, slug: str, subscriptions: int, missions: int) -> int:
    for n in range(subscriptions):
        _chosen(people, slug, email=f"{slug}{n}@partner.example")
    _link(people, slug, Mission.objects.order_by("number")[:missions])
    with CaptureQueriesContext(connection) as queries:
        _merge(people, slug, "skills")
    return len(queries)


def test_following_subscriptions_and_links_costs_the_same_however_many(people: People) -> None:
    few = _count_merge(people, "transport", subscriptions=1, missions=1)
    many = _count_merge(people, "digital", subscriptions=8, missions=6)
    assert many == few
