"""The cached pages' data versions are as narrow as the deal: a change in one deal leaves every
other deal's cached pages as they were, and a change that belongs to no one deal (a person)
makes every page stale (tracker.freshness)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client

from accounts.models import User
from core.models import Deal
from tracker import freshness, services
from tracker.choices import Direction, Rag, ReviewDecision
from tracker.models import DataVersion, DealDataVersion, StatusUpdate, UpdateReview, Workstream

from .conftest import People
from .test_dashboard_overview import current_rag

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 10, 9, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> object:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _post(author: User, deal: Deal, slug: str, rag: str = Rag.AMBER, **fields: str) -> StatusUpdate:
    workstream = Workstream.objects.get(deal=deal, slug=slug)
    return services.status_update_submit(
        workstream=workstream,
        acting_user=author,
        rag=rag,
        **{
            "direction": Direction.STABLE,
            "summary": f"{slug} {rag}",
            "next_steps": "Keep going.",
        }
        | fields,
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


def test_the_other_deals_cached_overview_is_not_built_again_and_a_change_rebuilds_one_row(
    people: People,
    northfold: Deal,
    second: dict[str, User],
    django_capture_on_commit_callbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tracker.selectors import dashboards

    built: list[tuple[int, list[str]]] = []
    rows = dashboards.workstream_rows

    def counting(user, deal, workstreams, **kwargs):  # type: ignore[no-untyped-def]
        built.append((deal.pk, sorted(w.slug for w in workstreams)))
        return rows(user, deal, workstreams, **kwargs)

    monkeypatch.setattr(dashboards, "workstream_rows", counting)
    every = sorted(
        Workstream.objects.filter(deal=people.deal, status="active").values_list("slug", flat=True)
    )
    client = Client()
    client.force_login(people.admin)
    assert client.get("/dashboard/").status_code == 200
    assert built == [(people.deal.pk, every)]

    with django_capture_on_commit_callbacks(execute=True):
        _post(second["lead"], northfold, "harbour-skills")
    assert client.get("/dashboard/").status_code == 200
    assert len(built) == 1, "a change in Northfold leaves the West Midlands' page"

    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    page = client.get("/dashboard/").content.decode()
    assert built[1:] == [(people.deal.pk, ["transport"])], "only the row that changed is read"
    assert current_rag(page, "transport") == "Red"
    assert re.search(r"rag=red#results\">[1-9]\d* red<", page), "and the deal's totals"

    with django_capture_on_commit_callbacks(execute=True):
        people.sponsor.full_name = "Sam Sponsor-Renamed"
        people.sponsor.save()
    page = client.get("/dashboard/")
    assert built[2:] == [(people.deal.pk, every)], "a change every row shows rebuilds them all"
    assert "Sam Sponsor-Renamed" in page.content.decode()


def test_the_cache_keeps_the_newest_version_of_a_value_only(
    people: People, django_capture_on_commit_callbacks
) -> None:
    deal = people.deal

    def key(name: str, version: int) -> str:
        return f"{freshness.SHAPE}:{name}:d{deal.pk}:v{version}"

    first = freshness.current_version(deal)
    assert freshness.cached(["a-page"], lambda: "first", deal=deal) == "first"
    assert freshness.cached(["another-page"], lambda: "other", deal=deal) == "other"
    assert cache.get(key("a-page", first)) == "first"

    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, deal, "transport")
    second = freshness.current_version(deal)
    assert second > first
    assert freshness.cached(["a-page"], lambda: "second", deal=deal) == "second"
    assert cache.get(key("a-page", second)) == "second"
    assert cache.get(key("a-page", first)) is None, "superseded, so dropped"
    assert cache.get(key("another-page", first)) == "other", "another value's is kept"


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


# --- The dashboards keep what a change does not touch ------------------------------------------

DASHBOARDS = {
    "/dashboard/pipeline/": "pipeline",
    "/dashboard/coverage/": "coverage",
    "/dashboard/asks/": "asks_of_dsg",
}


@pytest.fixture
def builds(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The dashboards built (not read from the cache), by selector, in order."""
    from tracker.selectors import pipeline

    built: list[str] = []
    for name in DASHBOARDS.values():
        original = getattr(pipeline, name)

        def counting(*args, _name=name, _original=original, **kwargs):  # type: ignore[no-untyped-def]
            built.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(pipeline, name, counting)
    return built


def _see_every_dashboard(client: Client) -> None:
    for url in DASHBOARDS:
        assert client.get(url).status_code == 200


def test_a_status_update_rebuilds_the_asks_only_and_a_proposal_the_pipeline_and_coverage(
    people: People, builds: list[str], django_capture_on_commit_callbacks
) -> None:
    client = Client()
    client.force_login(people.dsg)
    _see_every_dashboard(client)
    assert builds == ["pipeline", "coverage", "asks_of_dsg"]
    _see_every_dashboard(client)
    assert len(builds) == 3, "read from the cache"

    with django_capture_on_commit_callbacks(execute=True):
        _post(people.admin, people.deal, "transport", Rag.RED)
    _see_every_dashboard(client)
    assert builds[3:] == ["asks_of_dsg"], "a status update leaves the pipeline and coverage"

    with django_capture_on_commit_callbacks(execute=True):
        proposal = services.proposal_create(
            workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
            acting_user=people.lead,
            title="A new proposal",
            ask="A ten-year settlement.",
            ask_type="funding",
            classification="official",
        )
    _see_every_dashboard(client)
    assert builds[4:] == ["pipeline", "coverage"]

    # A proposal's missions are part of it: naming one changes the coverage.
    from missions.models import Mission

    with django_capture_on_commit_callbacks(execute=True):
        proposal.missions.add(Mission.objects.order_by("number").first())
    assert builds[6:] == ["pipeline", "coverage"], "both read proposals, built again at once"
    page = client.get("/dashboard/coverage/").content.decode()
    assert len(builds) == 8, "the next view finds the coverage built"
    row = page[page.index(f'href="/proposals/{proposal.pk}/"') :]
    cells = row[row.index("</th>") + len("</th>") : row.index("</tr>")]
    assert cells.startswith('<td class="govuk-table__cell">Yes</td>'), "its first mission"


def test_a_cached_dashboard_never_reaches_someone_who_may_see_less(
    people: People, django_capture_on_commit_callbacks
) -> None:
    from core.choices import Classification

    with django_capture_on_commit_callbacks(execute=True):
        _post(
            people.lead,
            people.deal,
            "transport",
            Rag.RED,
            summary="Sensitive.",
            asks_of_dsg="A sensitive ask of the DSG",
            classification=Classification.OFFICIAL_SENSITIVE,
        )
    dsg, partner = Client(), Client()
    dsg.force_login(people.dsg)
    partner.force_login(people.partner)
    for first in (dsg, partner):
        freshness.forget_cached()
        first.get("/dashboard/asks/")
        assert "A sensitive ask" in dsg.get("/dashboard/asks/").content.decode()
        assert "A sensitive ask" not in partner.get("/dashboard/asks/").content.decode()


def test_a_record_moved_to_another_workstream_moves_both_rows(
    people: People, django_capture_on_commit_callbacks
) -> None:
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    proposal = services.proposal_create(
        workstream=transport,
        acting_user=people.lead,
        title="Moving",
        ask="A ten-year settlement.",
        ask_type="funding",
        classification="official",
    )
    before = freshness.workstream_versions(people.deal)
    with django_capture_on_commit_callbacks(execute=True):
        proposal.workstream = skills
        proposal.save()
    after = freshness.workstream_versions(people.deal)
    moved = {pk for pk in after if after[pk] != before.get(pk, 0)}
    assert moved == {transport.pk, skills.pk}
    with django_capture_on_commit_callbacks(execute=True):
        proposal.title = "Moved"
        proposal.save()
    again = freshness.workstream_versions(people.deal)
    assert {pk for pk in again if again[pk] != after.get(pk, 0)} == {skills.pk}


def test_a_bulk_change_moves_every_kind_and_reading_them_is_one_query(
    people: People, django_assert_num_queries
) -> None:
    kinds = ("tracker.Proposal", "tracker.StatusUpdate")
    before = freshness.versions(people.deal, kinds)
    freshness.data_changed(people.deal, "tracker.Proposal")
    middle = freshness.versions(people.deal, kinds)
    assert [a - b for a, b in zip(middle, before, strict=True)] == [1, 0, 0]
    freshness.data_changed()  # a bulk load: every kind of every deal
    with django_assert_num_queries(1):
        after = freshness.versions(people.deal, kinds)
    assert after[-1] == middle[-1] + 1, "the version of everything at once moved"


def test_after_an_update_the_asks_page_renders_only_the_new_ask(
    people: People, django_capture_on_commit_callbacks, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tracker.views import pipeline as views

    rendered: list[str] = []
    original = views.render_to_string

    def counting(template, context=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        if template.endswith("_ask_item.html"):
            rendered.append(context["ask"].text)
        return original(template, context, *args, **kwargs)

    monkeypatch.setattr(views, "render_to_string", counting)
    with django_capture_on_commit_callbacks(execute=True):
        for slug in ("transport", "skills"):
            _post(
                people.admin,
                people.deal,
                slug,
                Rag.AMBER,
                summary="Where we are.",
                asks_of_dsg=f"First ask of {slug}",
            )
    client = Client()
    client.force_login(people.dsg)
    client.get("/dashboard/asks/")
    assert sorted(rendered) == ["First ask of skills", "First ask of transport"]
    with django_capture_on_commit_callbacks(execute=True):
        _post(
            people.admin,
            people.deal,
            "transport",
            Rag.RED,
            summary="Worse.",
            asks_of_dsg="Second ask of transport",
            direction=Direction.WORSENING,
        )
    html = client.get("/dashboard/asks/").content.decode()
    assert rendered[2:] == ["Second ask of transport"], "skills' ask came from the cache"
    assert "First ask of skills" in html and "Second ask of transport" in html
    assert "First ask of transport" not in html
