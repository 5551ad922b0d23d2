"""The page where a workstream's lead or an administrator says which missions, metrics and
outcome indicators the workstream moves, and the service behind it: tried as every persona,
saved and shown again, an indicator of another deal refused, a workstream that has stopped left
as it was, and the queries the page costs with few and many choices."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core.models import Deal
from missions.models import Indicator, IndicatorFramework, Metric, Mission
from tracker import services
from tracker.models import Workstream

from .conftest import People

URL = "/workstreams/transport/links/"
WRITERS = ["lead", "admin"]
NOT_WRITERS = ["other_lead", "sponsor", "dsg", "partner"]


def _transport() -> Workstream:
    return Workstream.objects.get(slug="transport")


def _metric(mission: int, name: str) -> Metric:
    return Metric.objects.get(mission__number=mission, name=name)


def _own_indicator(deal: Deal, code: str = "wm_bus_patronage") -> Indicator:
    """An indicator of a deal's own outcomes framework."""
    framework, _ = IndicatorFramework.objects.get_or_create(
        deal=deal, defaults={"name": f"{deal.short_name} outcomes", "slug": f"{deal.slug}-out"}
    )
    return Indicator.objects.create(
        framework=framework,
        code=code,
        name=code.replace("_", " ").capitalize(),
        unit="count",
        direction="higher",
    )


def _other_deal() -> Deal:
    return Deal.objects.create(
        name="Greater Manchester Trailblazer", short_name="GM TDD", slug="gm-tdd"
    )


def _checked(html: str, name: str) -> set[str]:
    """The values of the checked boxes named ``name``."""
    inputs = re.findall(r"<input[^>]*>", html)
    return {
        re.search(r'value="([^"]*)"', i).group(1)  # type: ignore[union-attr]
        for i in inputs
        if f'name="{name}"' in i and " checked" in i
    }


def _post(client: Client, url: str = URL, **links: list[Any]) -> Any:
    return client.post(url, {name: [o.pk for o in objs] for name, objs in links.items()})


# --- Who may -----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRITERS)
def test_the_lead_and_an_administrator_open_the_page(
    client: Client, people: People, role: str
) -> None:
    client.force_login(people.all_roles()[role])
    response = client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "What this workstream moves" in html
    assert "Mission 3: Transport" in html  # a mission, as it reads everywhere
    assert "Mission 1: GVA per hour" in html  # a metric: its mission and name
    assert "The missions' metrics and the outcome indicators it moves" in html


@pytest.mark.parametrize("role", NOT_WRITERS)
def test_anyone_else_in_the_deal_is_refused(client: Client, people: People, role: str) -> None:
    client.force_login(people.all_roles()[role])
    assert client.get(URL).status_code == 403
    assert _post(client, missions=[Mission.objects.get(number=3)]).status_code == 403
    assert not _transport().missions.exists()


def test_a_lead_changes_only_the_workstream_they_lead(client: Client, people: People) -> None:
    client.force_login(people.lead)
    assert client.get("/workstreams/skills/links/").status_code == 403
    client.force_login(people.other_lead)
    assert client.get("/workstreams/skills/links/").status_code == 200


def test_someone_without_a_role_or_an_unknown_workstream_gets_not_found(
    client: Client, people: People
) -> None:
    client.force_login(people.nobody)
    assert client.get(URL).status_code == 404
    client.force_login(people.admin)
    assert client.get("/workstreams/no-such-workstream/links/").status_code == 404


def test_someone_signed_out_is_sent_to_sign_in(client: Client, people: People) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- Saving and showing ------------------------------------------------------------------------


def test_a_lead_saves_what_the_workstream_moves_and_sees_it_again(
    client: Client, people: People
) -> None:
    transport = Mission.objects.get(number=3)
    living = Mission.objects.get(number=1)
    trips = _metric(3, "public transport trips as a proportion of total trips per year")
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    own = _own_indicator(people.deal)
    client.force_login(people.lead)
    response = _post(client, missions=[transport, living], metrics=[trips], indicators=[gva, own])
    assert response.status_code == 302
    assert response["Location"] == "/workstreams/transport/"
    ws = _transport()
    assert set(ws.missions.all()) == {transport, living}
    assert list(ws.metrics.all()) == [trips]
    assert set(ws.indicators.all()) == {gva, own}
    page = client.get(response["Location"]).content.decode()
    assert "Saved what Transport moves" in page
    assert "Mission 1: Living Standards" in page and "Mission 3: Transport" in page
    assert f"Mission 3: {trips.name}" in page and gva.name in page and own.name in page
    form = client.get(URL).content.decode()
    assert _checked(form, "missions") == {str(transport.pk), str(living.pk)}
    assert _checked(form, "metrics") == {str(trips.pk)}
    assert _checked(form, "indicators") == {str(gva.pk), str(own.pk)}
    assert '<details class="govuk-details" open>' in form  # folded choices made are shown
    # The indicators under their frameworks' headings, the deal's own first.
    headings = re.findall(r'<h3 class="govuk-heading-s[^"]*">([^<]*)</h3>', form)
    assert headings[0] == own.framework.name
    assert "Statement of Levelling Up Missions 2024: headline metrics" in headings


@pytest.mark.parametrize("role", ["lead", "admin", "other_lead", "sponsor", "dsg", "partner"])
def test_the_workstream_page_links_here_for_those_who_may_change_it(
    client: Client, people: People, role: str
) -> None:
    client.force_login(getattr(people, role))
    page = client.get("/workstreams/transport/").content.decode()
    assert (f'href="{URL}"' in page) == (role in WRITERS)


def test_saving_nothing_clears_the_links(client: Client, people: People) -> None:
    ws = _transport()
    ws.missions.set([Mission.objects.get(number=3)])
    client.force_login(people.admin)
    assert client.post(URL, {}).status_code == 302
    assert not ws.missions.exists()
    form = client.get(URL).content.decode()
    assert _checked(form, "missions") == set()
    assert '<details class="govuk-details">' in form  # nothing chosen: folded away


def test_an_indicator_of_another_deal_is_refused_on_the_page(
    client: Client, people: People
) -> None:
    foreign = _own_indicator(_other_deal(), "gm_bus_patronage")
    client.force_login(people.admin)
    response = _post(client, missions=[Mission.objects.get(number=3)], indicators=[foreign])
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Choose indicators of this deal&#x27;s frameworks or national ones" in html
    assert 'href="#id_indicators_0"' in html
    assert "gm_bus_patronage" not in html and "Gm bus patronage" not in html
    assert not _transport().missions.exists() and not _transport().indicators.exists()


# --- The service -------------------------------------------------------------------------------


def test_the_service_refuses_an_indicator_of_another_deal(people: People) -> None:
    foreign = _own_indicator(_other_deal(), "gm_bus_patronage")
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    with pytest.raises(ValidationError) as refused:
        services.workstream_links_set(
            workstream=_transport(),
            acting_user=people.admin,
            missions=[],
            metrics=[],
            indicators=[gva, foreign],
        )
    assert refused.value.message_dict == {
        "indicators": ["Choose indicators of this deal's frameworks or national ones"]
    }
    assert not _transport().indicators.exists()


@pytest.mark.parametrize("role", [*NOT_WRITERS, "nobody"])
def test_the_service_refuses_anyone_but_the_lead_or_an_administrator(
    people: People, role: str
) -> None:
    with pytest.raises(PermissionDenied):
        services.workstream_links_set(
            workstream=_transport(),
            acting_user=people.all_roles()[role],
            missions=[Mission.objects.get(number=3)],
            metrics=[],
            indicators=[],
        )
    assert not _transport().missions.exists()


def test_a_ceased_workstream_keeps_what_it_moved(client: Client, people: People) -> None:
    ws = _transport()
    ws.missions.set([Mission.objects.get(number=3)])
    services.workstream_cease(workstream=ws, acting_user=people.admin, reason="Done")
    with pytest.raises(services.TrackerError):
        services.workstream_links_set(
            workstream=ws, acting_user=people.admin, missions=[], metrics=[], indicators=[]
        )
    client.force_login(people.admin)
    html = client.get(URL).content.decode()
    assert "what it moves stays as it was" in html
    assert "<form" not in html.split("<main")[1]
    assert "Mission 3: Transport" in html
    assert _post(client, missions=[]).status_code == 200
    assert list(_transport().missions.values_list("number", flat=True)) == [3]


# --- Queries -----------------------------------------------------------------------------------


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_with_many_more_choices_and_links(
    client: Client, people: People, django_assert_max_num_queries: Any
) -> None:
    ws = _transport()
    ws.missions.set([Mission.objects.get(number=3)])
    ws.metrics.set([_metric(3, "public transport trips as a proportion of total trips per year")])
    client.force_login(people.lead)
    small = _queries(client, URL)
    extra = [_own_indicator(people.deal, f"wm_indicator_{n}") for n in range(30)]
    ws.missions.set(Mission.objects.all())
    ws.metrics.set(Metric.objects.all())
    ws.indicators.set([*extra, *Indicator.objects.filter(framework__deal__isnull=True)])
    with django_assert_max_num_queries(small):
        response = client.get(URL)
    html = response.content.decode()
    assert (
        len(_checked(html, "indicators"))
        == 30 + Indicator.objects.filter(framework__deal__isnull=True).count()
    )
    assert len(_checked(html, "metrics")) == Metric.objects.count()
    # The save's own writes and re-reads, and its history: each add or remove of a kind of link
    # writes a history entry with a copy of the links (6 queries, whatever their number), and
    # this save removes the metrics and changes the indicators (2 entries).
    with django_assert_max_num_queries(small + 22):
        response = client.post(
            URL,
            {
                "missions": [m.pk for m in Mission.objects.all()],
                "indicators": [i.pk for i in extra],
            },
        )
    assert response.status_code == 302
    assert ws.indicators.count() == 30 and not ws.metrics.exists()
