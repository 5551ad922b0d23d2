"""The indicator frameworks pages: the missions' metrics, the West Midlands Outcomes Framework
and any framework added, each indicator with the work that claims to move it, so that the DSG
sees which ones nothing moves. What a person may not see is neither shown nor counted."""

from __future__ import annotations

import pytest
from django.test import Client

from core.choices import Classification
from core.models import Deal
from missions.choices import Direction, Unit
from missions.models import Indicator, IndicatorFramework, IndicatorTheme, Metric
from tracker.models import Proposal, Theme, Workstream

from .conftest import PASSWORD, People

MISSIONS = "levelling-up-missions-2024-headline-metrics"
WMOF = "west-midlands-outcomes-framework"


def _client(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def _framework(
    deal: Deal, indicators: int = 3, slug: str = "growth-outcomes"
) -> IndicatorFramework:
    framework = IndicatorFramework.objects.create(
        name=f"Outcomes {slug}", slug=slug, deal=deal, expected_theme_count=2
    )
    theme = IndicatorTheme.objects.create(framework=framework, name="Good jobs", position=1)
    IndicatorTheme.objects.create(framework=framework, name="Clean air", position=2)
    for n in range(indicators):
        Indicator.objects.create(
            framework=framework,
            theme=theme if n % 2 == 0 else None,
            code=f"{slug}-{n}",
            name=f"Indicator {n} of {slug}",
            unit=Unit.PERCENT,
            direction=Direction.HIGHER_IS_BETTER,
            position=n,
        )
    return framework


def test_the_list_shows_the_national_frameworks_and_those_of_the_person_s_deals(
    people: People,
) -> None:
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM", slug="gm-tdd")
    _framework(other, slug="gm-outcomes")
    page = _client(people.dsg).get("/frameworks/").content.decode()
    assert "Statement of Levelling Up Missions 2024: headline metrics" in page
    assert "West Midlands Outcomes Framework" in page
    assert "0 of 24" in page and "0 of 8" in page  # the WMOF's size, as the Prospectus gives it
    assert "gm-outcomes" not in page

    nobody = _client(people.nobody).get("/frameworks/").content.decode()
    assert "headline metrics" in nobody and "West Midlands Outcomes Framework" not in nobody


def test_someone_signed_out_is_sent_to_sign_in(client: Client, people: People) -> None:
    for url in ("/frameworks/", f"/frameworks/{MISSIONS}/"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_deal_s_framework_does_not_exist_for_the_person(people: People) -> None:
    other = Deal.objects.create(name="Greater Manchester TDD", short_name="GM", slug="gm-tdd")
    _framework(other, slug="gm-outcomes")
    assert _client(people.dsg).get("/frameworks/gm-outcomes/").status_code == 404
    assert _client(people.dsg).get("/frameworks/no-such-framework/").status_code == 404


def test_the_empty_outcomes_framework_says_nothing_is_entered_and_where_to_add_it(
    people: People,
) -> None:
    page = _client(people.dsg).get(f"/frameworks/{WMOF}/").content.decode()
    assert "No indicators have been entered for this framework yet." in page
    assert "/admin/missions/indicator/add/" not in page
    admin = _client(people.admin).get(f"/frameworks/{WMOF}/").content.decode()
    assert "/admin/missions/indicator/add/?framework=" in admin


def test_each_indicator_shows_what_claims_to_move_it_and_the_gaps_show(people: People) -> None:
    framework = _framework(people.deal)
    first, second, third = framework.indicators.order_by("position")
    metric = Metric.objects.order_by("pk").first()
    assert metric is not None
    third.metric = metric
    third.save()
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    transport.indicators.add(first)
    skills.indicators.add(first)
    skills.metrics.add(metric)  # claims the third through the metric it reports
    sensitive = Proposal.objects.create(
        deal=people.deal,
        workstream=transport,
        title="A sensitive ask",
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    sensitive.indicators.add(first)

    page = _client(people.dsg).get(f"/frameworks/{framework.slug}/").content.decode()
    assert "2 workstreams, 1 proposal" in page  # the first
    assert "1 workstream, 0 proposals" in page  # the third, through its metric
    assert page.count("Nothing yet") == 1  # the second
    assert "1 of 3 indicators" in page
    assert "Good jobs" in page and "Not in a theme" in page
    assert "No indicators in this theme yet." in page  # Clean air

    # A partner does not see the OFFICIAL-SENSITIVE proposal, and it is not counted for them.
    partner = _client(people.partner).get(f"/frameworks/{framework.slug}/").content.decode()
    assert "2 workstreams, 0 proposals" in partner


@pytest.mark.parametrize("size", [5, 40])
def test_the_pages_read_a_fixed_number_of_queries_however_big_the_framework(
    people: People, django_assert_max_num_queries, size: int
) -> None:
    framework = _framework(people.deal, indicators=size)
    indicators = list(framework.indicators.all())
    theme = Theme.objects.filter(deal=people.deal).first()
    for n, workstream in enumerate(Workstream.objects.filter(deal=people.deal)):
        workstream.indicators.add(*indicators[n % size :: 3])
        Proposal.objects.create(
            deal=people.deal, workstream=workstream, title=f"Ask {n} of {theme}"
        ).indicators.add(*indicators[:: n + 2])
    client = _client(people.dsg)
    with django_assert_max_num_queries(10):
        assert client.get(f"/frameworks/{framework.slug}/").status_code == 200
    with django_assert_max_num_queries(5):
        assert client.get("/frameworks/").status_code == 200


def test_the_missions_and_indicator_pages_lead_to_the_frameworks(people: People) -> None:
    client = _client(people.dsg)
    assert 'href="/frameworks/"' in client.get("/missions/").content.decode()
    indicator = Indicator.objects.filter(framework__slug=MISSIONS).first()
    assert indicator is not None
    page = client.get(f"/indicators/{indicator.code}/").content.decode()
    assert f'href="/frameworks/{MISSIONS}/"' in page
