"""The Statement of Levelling Up Missions' own gap measures, over the geography it names and
from ONS's published files: mission 7's decile gap in healthy life expectancy over the UK's
upper-tier areas, against the 2017-2019 baseline, and mission 8's worst third of lower-tier
areas, on the related figures the files give."""

from __future__ import annotations

import csv
import statistics
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from pytest_django import DjangoDbBlocker
from rest_framework.test import APIClient

from core.models import Deal

from .conftest import People, sign_in_verified
from .ons_world import ONS, imported_once, the_deal
from .test_api_missions import client_for

HLE = ONS / "healthy-life-expectancy" / "healthy-life-expectancy.csv"
FEMALE = "Female healthy life expectancy"
BASELINE, NEWEST = "2017-01-01/P3Y", "2022-01-01/P3Y"
FOLDERS = ("healthy-life-expectancy", "personal-wellbeing-estimates", "gigabit-capable-broadband")


@pytest.fixture(scope="module")
def published(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[int]:
    """The reference data and the published files the measures are computed from, imported as
    the command imports them, once for the module's tests."""
    with imported_once(django_db_blocker, *FOLDERS) as deal_id:
        yield deal_id


@pytest.fixture
def reference(published: int, db: None) -> Deal:
    return the_deal(published)


def _by_hand(period: str) -> tuple[Decimal, int]:
    """Mission 7's gap as the Statement defines it, worked out from the published file with
    nothing but the csv module: every upper-tier area of the UK (GSS E06, E08, E09, E10, W06,
    S12, N09) with a female HLE figure for the period, once each (an area listed twice is one
    area); ranked from the highest to the lowest; the top and bottom deciles a whole tenth
    each; the gap the top decile's median minus the bottom decile's."""
    upper_tier = ("E06", "E08", "E09", "E10", "W06", "S12", "N09")
    figures: dict[str, Decimal] = {}
    with HLE.open(encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            if (
                row["indicator"] == FEMALE
                and row["period"] == period
                and row["areacd"][:3] in upper_tier
                and row["observation"]
            ):
                figures[row["areacd"]] = Decimal(row["observation"])
    highest_first = sorted(figures.values(), reverse=True)
    tenth = len(highest_first) // 10
    top, bottom = highest_first[:tenth], highest_first[-tenth:]
    return statistics.median(top) - statistics.median(bottom), len(highest_first)


def _measures(client: APIClient, code: str) -> dict[str, Any]:
    response = client.get(f"/api/v1/indicators/{code}/measures/")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.django_db
def test_mission_7_decile_gap_for_female_hle_is_the_hand_computation(people: People) -> None:
    # Written out: 216 areas, so deciles of 21. In 2017-2019 the top decile's median is 68.7
    # years and the bottom's 57.7: a gap of 11.0 years. In 2022-2024, 67.0 and 53.5: 13.5.
    assert _by_hand(BASELINE) == (Decimal("11.0"), 216)
    assert _by_hand(NEWEST) == (Decimal("13.5"), 216)

    body = _measures(client_for(people.partner), "female-healthy-life-expectancy")
    [gap] = body["statement"]
    assert gap["key"] == "decile-gap" and gap["mission"] == 7
    assert gap["geography"]["entity_codes"] == ["E06", "E08", "E09", "E10", "N09", "S12", "W06"]
    assert gap["period"] == NEWEST
    assert Decimal(gap["value"]) == _by_hand(NEWEST)[0]
    assert gap["area_count"] == 216
    assert gap["baseline"]["period"] == BASELINE
    assert Decimal(gap["baseline"]["value"]) == _by_hand(BASELINE)[0]
    assert Decimal(gap["change"]) == Decimal("2.5")
    assert gap["related_only"] is False
    places = gap["places"]
    assert len(places) == 216 and [p["rank"] for p in places] == list(range(1, 217))
    assert {p["decile"] for p in places[:21]} == {1} and {p["decile"] for p in places[-21:]} == {10}
    assert [p["decile"] for p in places] == sorted(p["decile"] for p in places)
    # The counties, the districts' upper tier in two-tier England, are ranked; the districts
    # within them, combined authorities, regions and nations are not.
    ranked = {p["area"][:3] for p in places}
    assert ranked == {"E06", "E08", "E09", "E10", "N09", "S12", "W06"}
    # The file labels metropolitan districts "Local Authority District"; they are upper-tier
    # authorities, and ranked.
    [birmingham] = [p for p in places if p["area"] == "E08000025"]
    assert birmingham["of"] == 216 and 1 <= birmingham["decile"] <= 10
    assert Decimal(birmingham["figure"]) == Decimal(
        next(
            row["observation"]
            for row in csv.DictReader(HLE.open(encoding="utf-8-sig", newline=""))
            if (row["areacd"], row["indicator"], row["period"]) == ("E08000025", FEMALE, NEWEST)
        )
    )


@pytest.mark.django_db
def test_mission_8_worst_third_runs_on_the_related_ratings_and_says_so(
    people: People, django_assert_max_num_queries: Any
) -> None:
    client = client_for(people.dsg)
    # The indicator, its figures and targets, the person's roles, mission 8's indicators and
    # their lower tier's figures, whatever the number of areas and periods.
    with django_assert_max_num_queries(6):
        body = _measures(client, "anxiety")
    [third] = body["statement"]
    assert third["key"] == "worst-third" and third["mission"] == 8
    assert sorted(third["indicators"]) == ["anxiety", "happiness", "satisfaction", "worthwhile"]
    assert third["related_only"] is True and "not the Statement's metrics" in third["note"]
    assert third["period"] == "2022-04-01/P1Y"
    assert third["baseline"]["period"] == "2018-04-01/P1Y"
    assert third["value"] is not None and Decimal(third["value"]) > 0
    count = third["area_count"]
    assert {p["area"][:3] for p in third["places"]} <= {
        "E06",
        "E07",
        "E08",
        "E09",
        "W06",
        "S12",
        "N09",
    }
    worst = [p for p in third["places"] if p["group"] == "worst third"]
    assert len(worst) == count // 3 and third["places"][-len(worst) :] == worst


@pytest.mark.django_db
def test_an_indicator_of_no_statement_measure_has_none(people: People, client: Any) -> None:
    assert _measures(client_for(people.partner), "gigabit-capable-broadband")["statement"] == []
    sign_in_verified(client, people.partner)
    text = client.get("/indicators/gigabit-capable-broadband/").content.decode()
    assert "The metric</strong> “premises coverage of gigabit broadband” of" in text
    assert "this figure is not one they are measured by" in text


@pytest.mark.django_db
def test_the_indicator_page_shows_the_gap_and_where_the_deals_areas_sit(
    people: People, client: Any, django_assert_max_num_queries: Any
) -> None:
    # The indicator, its figures and targets, the person's roles, and the upper tier's figures.
    with django_assert_max_num_queries(5):
        _measures(client_for(people.partner), "female-healthy-life-expectancy")
    sign_in_verified(client, people.partner)
    response = client.get("/indicators/female-healthy-life-expectancy/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "as the Statement measures it (mission 7)" in text
    assert "Gap, 2022 to 2024" in text and "13.5 years" in text
    assert "Baseline, 2017 to 2019" in text and "11.0 years" in text
    assert "The gap has widened by 2.5 years." in text
    assert "All 216 areas ranked, 2022 to 2024" in text
    # The deal's districts, each with its rank of 216 and its decile.
    birmingham = response.context["statement_measures"][0].deal_places
    assert {p.place.area.gss_code for p in birmingham} >= {"E08000025", "E08000026"}
    assert all(p.place.of == 216 for p in birmingham)
    assert "The metric</strong> “HLE at birth” of" in text
    # The figures are national: everyone signed in reads the measure, role by role, and no one
    # signed out does.
    for person in people.all_roles().values():
        assert len(_measures(client_for(person), "female-healthy-life-expectancy")["statement"])
    url = "/api/v1/indicators/female-healthy-life-expectancy/measures/"
    assert APIClient().get(url).status_code == 401
    client.logout()
    page = client.get("/indicators/female-healthy-life-expectancy/")
    assert page.status_code == 302 and page["Location"].startswith("/accounts/login/")
