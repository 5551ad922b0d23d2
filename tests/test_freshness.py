"""The cached pages' data versions are as narrow as the deal: a change in one deal leaves every
other deal's cached pages as they were, and a change that belongs to no one deal (a person)
makes every page stale (tracker.freshness)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from core.models import Deal
from tracker import freshness, services
from tracker.choices import Direction, Rag, ReviewDecision
from tracker.models import DataVersion, DealDataVersion, StatusUpdate, UpdateReview, Workstream

from .conftest import People

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _post(author: User, deal: Deal, slug: str, rag: str = Rag.AMBER) -> StatusUpdate:
    workstream = Workstream.objects.get(deal=deal, slug=slug)
    return services.status_update_submit(
        workstream=workstream,
        acting_user=author,
        rag=rag,
        direction=Direction.STABLE,
        summary=f"{slug} {rag}",
        next_steps="Keep going.",
    )


def _versions(*deals: Deal) -> tuple[int, ...]:
    return (freshness.current_version(), *(freshness.current_version(d) for d in deals))


def test_a_change_in_one_deal_moves_its_version_and_the_all_deals_one_only(
    people: People, northfold: Deal, second: dict[str, User], django_capture_on_commit_callbacks
) -> None:
    west_midlands = people.deal
    before = _versions(west_midlands, northfold)
    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, west_midlands, "transport")
    everything, ours, theirs = _versions(west_midlands, northfold)
    assert everything == before[0] + 1
    assert ours == before[1] + 1
    assert theirs == before[2], "the other deal's cached pages stay"


def test_a_change_three_links_from_its_deal_is_counted_in_that_deal(
    people: People, northfold: Deal, second: dict[str, User], django_capture_on_commit_callbacks
) -> None:
    update = _post(people.admin, people.deal, "transport")
    before = _versions(people.deal, northfold)
    with django_capture_on_commit_callbacks(execute=True):
        UpdateReview.objects.create(
            status_update=update,
            reviewer=people.sponsor,
            decision=ReviewDecision.SIGNED_OFF,
        )
    assert freshness.deal_of(UpdateReview.objects.get()) == people.deal.pk
    after = _versions(people.deal, northfold)
    assert (after[1] - before[1], after[2] - before[2]) == (1, 0)


def test_a_change_of_no_one_deal_moves_every_version(
    people: People, northfold: Deal, second: dict[str, User], django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _post(second["lead"], northfold, "harbour-skills")  # makes Northfold's own row
    before = _versions(people.deal, northfold)
    assert freshness.deal_of(people.partner) is None, "a person may belong to several deals"
    with django_capture_on_commit_callbacks(execute=True):
        people.partner.full_name = "Pat Partner-Jones"
        people.partner.save()
    after = _versions(people.deal, northfold)
    assert [a - b for a, b in zip(after, before, strict=True)] == [1, 1, 1]


def test_the_other_deals_cached_overview_is_not_built_again(
    people: People,
    northfold: Deal,
    second: dict[str, User],
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tracker.selectors import dashboards

    built: list[int] = []
    overview = dashboards.portfolio_overview

    def counting(user, deal, **kwargs):  # type: ignore[no-untyped-def]
        built.append(deal.pk)
        return overview(user, deal, **kwargs)

    monkeypatch.setattr(dashboards, "portfolio_overview", counting)
    client = Client()
    client.force_login(people.admin)
    assert client.get("/dashboard/").status_code == 200
    assert built == [people.deal.pk]

    with django_capture_on_commit_callbacks(execute=True):
        _post(second["lead"], northfold, "harbour-skills")
    assert client.get("/dashboard/").status_code == 200
    assert built == [people.deal.pk], "a change in Northfold leaves the West Midlands' page"

    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    page = client.get("/dashboard/")
    assert built == [people.deal.pk, people.deal.pk]
    assert "transport" in page.content.decode()


def test_deleting_a_deal_moves_every_version_and_takes_its_own_row(
    people: People, django_capture_on_commit_callbacks
) -> None:
    eastmoor = Deal.objects.create(name="Eastmoor Deal", short_name="EMD", slug="eastmoor")
    with django_capture_on_commit_callbacks(execute=True):
        eastmoor.description = "A deal in the making."
        eastmoor.save()
    assert freshness.current_version(eastmoor) == 1
    before = _versions(people.deal)
    with django_capture_on_commit_callbacks(execute=True):
        eastmoor.delete()
    assert not DealDataVersion.objects.filter(deal_id=eastmoor.pk).exists()
    assert [a - b for a, b in zip(_versions(people.deal), before, strict=True)] == [1, 1]


def test_a_deals_version_is_read_in_one_query_and_is_0_before_any_change(
    people: People, django_assert_num_queries
) -> None:
    eastmoor = Deal.objects.create(name="Eastmoor Deal", short_name="EMD", slug="eastmoor")
    with django_assert_num_queries(1):
        assert freshness.current_version(eastmoor) == 0
    with django_assert_num_queries(1):
        assert freshness.current_version(people.deal) >= 1, "the reference data's load moved it"
    with django_assert_num_queries(1):
        assert freshness.current_version() >= 0


def test_the_version_of_every_change_is_one_row(people: People) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        DataVersion.objects.create(pk=2)
