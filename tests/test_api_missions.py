"""The figures API: observations (read by anyone signed in, added through the import's rules by
administrators, one row or many, all or nothing), baselines and targets, and the indicators'
own fields. Role by role, the filters, refusals that write nothing, re-posting that changes
nothing, query counts at two sizes, and the schema.

The figures are the real ONS rows in data/ons_subnational_indicators_wmca_2022.csv (12
indicators by the 7 West Midlands districts); six of its indicators are not reference
indicators, so posting the whole file needs create_missing_indicators.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import User
from core.models import Deal
from missions.models import Area, Indicator, IndicatorFramework, Observation, Target

from .conftest import People

ONS_FILE = settings.BASE_DIR / "data" / "ons_subnational_indicators_wmca_2022.csv"
BULK = "/api/v1/observations/bulk/"
CREATE_MISSING = "?create_missing_indicators=true"
NOT_ADMINS = ["lead", "other_lead", "sponsor", "dsg", "partner", "nobody"]
BIRMINGHAM, COVENTRY = "E08000025", "E08000026"
DISTRICTS = [f"E080000{n}" for n in range(25, 32)]


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def ons_rows() -> list[dict[str, str]]:
    with ONS_FILE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def gva_rows() -> list[dict[str, str]]:
    """The 7 districts' GVA per hour worked in 2019: a reference indicator."""
    return [r for r in ons_rows() if r["indicator"] == "gva_per_hour_worked"]


def results(client: APIClient, url: str) -> list[dict[str, Any]]:
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def admin(people: People) -> APIClient:
    return client_for(people.admin)


@pytest.fixture
def imported(people: People, admin: APIClient) -> list[dict[str, str]]:
    """The whole ONS file, posted by the administrator."""
    rows = ons_rows()
    response = admin.post(BULK + CREATE_MISSING, rows, format="json")
    assert response.status_code == 201, response.content
    return rows


# --- Who may do what --------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "method,url",
    [
        ("get", "/api/v1/observations/"),
        ("get", "/api/v1/targets/"),
        ("post", "/api/v1/observations/"),
        ("post", BULK),
        ("post", "/api/v1/targets/"),
    ],
)
def test_anonymous_requests_are_refused(method: str, url: str) -> None:
    response = getattr(APIClient(), method)(url, {}, format="json")
    assert response.status_code == 401
    assert "Token" in response["WWW-Authenticate"]


def test_everyone_signed_in_reads_the_figures(people: People, imported: list) -> None:
    Target.objects.create(
        indicator=Indicator.objects.get(code="gva_per_hour_worked"),
        area=Area.objects.get(gss_code=BIRMINGHAM),
        kind="baseline",
        year=2019,
        value=Decimal("30.62"),
    )
    for role, user in people.all_roles().items():
        client = client_for(user)
        observations = client.get("/api/v1/observations/?page_size=200").json()
        assert observations["count"] == 84, role
        first = observations["results"][0]
        assert client.get(f"/api/v1/observations/{first['id']}/").json() == first
        assert client.get("/api/v1/targets/").json()["count"] == 1, role


@pytest.mark.parametrize("role", NOT_ADMINS)
def test_only_an_administrator_adds_figures(people: People, role: str) -> None:
    client = client_for(people.all_roles()[role])
    row = gva_rows()[0]
    for url, body in [("/api/v1/observations/", row), (BULK, [row])]:
        response = client.post(url, body, format="json")
        assert response.status_code == 403, (role, url)
        assert response.json()["detail"] == "Only an administrator can change the figures."
    # Refused before the values are read: a bad row is still a 403.
    assert client.post(BULK, [{"indicator": "nonsense"}], format="json").status_code == 403
    target = {"indicator": "gva_per_hour_worked", "area": BIRMINGHAM}
    target |= {"kind": "target", "year": 2030, "value": "40"}
    assert client.post("/api/v1/targets/", target, format="json").status_code == 403
    assert not Observation.objects.exists() and not Target.objects.exists()
    assert client_for(people.admin).post(BULK, [row], format="json").status_code == 201


def test_only_an_administrator_changes_or_deletes_a_target(people: People) -> None:
    target = Target.objects.create(
        indicator=Indicator.objects.get(code="gva_per_hour_worked"),
        area=Area.objects.get(gss_code=BIRMINGHAM),
        kind="target",
        year=2030,
        value=Decimal("40"),
    )
    url = f"/api/v1/targets/{target.pk}/"
    for role in NOT_ADMINS:
        client = client_for(people.all_roles()[role])
        assert client.get(url).status_code == 200
        assert client.patch(url, {"value": "1"}, format="json").status_code == 403, role
        assert client.delete(url).status_code == 403, role
    target.refresh_from_db()
    assert target.value == Decimal("40")


def test_an_administrator_of_another_deal_does_not_change_this_deals_own_indicators(
    people: People,
) -> None:
    """A deal's own framework is for its administrators: the import refuses the row (400, as
    for any row it refuses) and the target service refuses the target (403)."""
    other = Deal.objects.create(name="Greater Manchester", short_name="GM", slug="gm")
    outsider = User.objects.create_user(email="gm@example.org", password="x", full_name="G M")
    outsider.memberships.create(deal=other, role="admin")
    wm = IndicatorFramework.objects.get(deal=people.deal)
    own = Indicator.objects.create(
        framework=wm, code="wm_jobs", name="WM jobs", unit="count", direction="higher"
    )
    client = client_for(outsider)
    row = {"indicator": own.code, "unit": "count", "period": "2021", "area_code": BIRMINGHAM}
    response = client.post(BULK, [row | {"value": "12"}], format="json")
    assert response.status_code == 400
    assert "belongs to another deal's framework" in response.json()["rows"][0]["reason"]
    target = {"indicator": own.code, "area": BIRMINGHAM, "kind": "baseline", "year": 2021}
    response = client.post("/api/v1/targets/", target | {"value": "10"}, format="json")
    assert response.status_code == 403
    assert not Observation.objects.exists() and not Target.objects.exists()


# --- Adding figures ---------------------------------------------------------------------------


def test_an_administrator_posts_the_whole_ons_file_at_once(
    people: People, admin: APIClient
) -> None:
    rows = ons_rows()
    response = admin.post(BULK + CREATE_MISSING, rows, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["new"], body["corrected"], body["unchanged"]) == (84, 0, 0)
    assert body["new_indicators"] == 6  # the file's indicators that are not reference ones
    # The figures as held, one per row and in the rows' order.
    assert [(r["indicator"], r["area"], r["period"]) for r in body["rows"]] == [
        (r["indicator"], r["area_code"], r["period"]) for r in rows
    ]
    assert [Decimal(r["value"]) for r in body["rows"]] == [Decimal(r["value"]) for r in rows]
    assert Observation.objects.count() == 84
    dudley = Observation.objects.get(
        indicator__code="gva_per_hour_worked", area__gss_code="E08000027"
    )
    assert dudley.value == Decimal("26.60")
    assert dudley.history.get().history_user == people.admin


def test_one_bad_row_refuses_them_all_with_every_reason(admin: APIClient) -> None:
    rows = ons_rows()
    rows[3] = rows[3] | {"area_code": "E0800002"}
    rows[10] = rows[10] | {"value": "thirty"}
    rows[20] = rows[20] | {"unit": "GBP"}
    response = admin.post(BULK + CREATE_MISSING, rows, format="json")
    assert response.status_code == 400
    errors = response.json()["rows"]
    assert [e["row"] for e in errors] == [4, 11, 21]
    assert errors[0]["reason"] == "The area code 'E0800002' is not an area this app knows."
    assert errors[1]["reason"] == "The value 'thirty' is not a number."
    assert "contradicts" in errors[2]["reason"]
    assert not Observation.objects.exists()
    assert not Indicator.objects.filter(framework__slug="imported-indicators").exists()


def test_rows_are_checked_as_the_import_checks_a_file(admin: APIClient) -> None:
    """Unknown indicators are refused unless asked for; a repeated row is refused; a row that is
    not an object or holds something other than text or numbers never reaches the import."""
    rows = ons_rows()[-7:]  # schools_good_outstanding_pct: not a reference indicator
    response = admin.post(BULK, rows, format="json")
    assert response.status_code == 400
    assert len(response.json()["rows"]) == 7
    assert "is not one this app knows" in response.json()["rows"][0]["reason"]
    gva = gva_rows()
    response = admin.post(BULK, [*gva, gva[0]], format="json")
    assert response.json()["rows"] == [
        {"row": 8, "reason": "This repeats row 1 (the same indicator, area and period)."}
    ]
    response = admin.post(BULK, [gva[0], "a row", gva[1] | {"value": [1]}], format="json")
    assert response.status_code == 400
    assert response.json() == {
        "rows": [
            {"row": 2, "reason": "This row is not an object of column names and values."},
            {"row": 3, "reason": "The value must be text or a number."},
        ]
    }
    assert admin.post(BULK, gva[0], format="json").json() == {
        "non_field_errors": ["Send a JSON list of rows."]
    }
    assert admin.post(BULK, [], format="json").status_code == 400
    assert admin.post("/api/v1/observations/", [gva[0]], format="json").status_code == 400
    assert not Observation.objects.exists()


def test_a_figure_sent_as_a_json_number_is_read_as_written(admin: APIClient) -> None:
    row = gva_rows()[1] | {"value": 36.21}
    response = admin.post("/api/v1/observations/", row, format="json")
    assert response.status_code == 201, response.content
    assert Observation.objects.get().value == Decimal("36.21")


def test_posting_the_same_rows_again_changes_nothing(admin: APIClient, imported: list) -> None:
    before = {o.pk: (o.value, o.updated_at) for o in Observation.objects.all()}
    response = admin.post(BULK + CREATE_MISSING, imported, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["new"], body["corrected"], body["unchanged"], body["new_indicators"]) == (
        0,
        0,
        84,
        0,
    )
    assert len(body["rows"]) == 84
    assert {o.pk: (o.value, o.updated_at) for o in Observation.objects.all()} == before
    assert Observation.history.count() == 84


def test_a_corrected_figure_replaces_the_old_and_keeps_it_in_the_history(
    admin: APIClient, imported: list
) -> None:
    row = gva_rows()[0] | {"value": "30.75"}
    response = admin.post("/api/v1/observations/", row, format="json")
    assert response.status_code == 200
    assert (response.json()["corrected"], response.json()["new"]) == (1, 0)
    held = response.json()["rows"][0]
    assert (held["area"], Decimal(held["value"])) == (BIRMINGHAM, Decimal("30.75"))
    assert response["Location"].endswith(f"/api/v1/observations/{held['id']}/")
    observation = Observation.objects.get(pk=held["id"])
    assert [h.value for h in observation.history.order_by("history_date")] == [
        Decimal("30.62"),
        Decimal("30.75"),
    ]


def test_one_row_posted_is_added_and_can_be_read_back(admin: APIClient) -> None:
    row = {
        "indicator": "healthy_life_expectancy_female",
        "unit": "years",
        "period": "2017-2019",
        "area_code": "e08000026",
        "value": "62.4",
        "source": "ONS",
    }
    response = admin.post("/api/v1/observations/", row, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["undated"] == []
    read = admin.get(response["Location"]).json()
    assert (read["indicator"], read["area"], read["area_name"]) == (
        "healthy_life_expectancy_female",
        COVENTRY,
        "Coventry",
    )
    assert (read["period_start"], read["period_end"], read["unit"]) == (
        "2017-01-01",
        "2019-12-31",
        "years",
    )


def test_a_split_year_of_an_indicator_without_a_year_basis_is_kept_undated(
    admin: APIClient,
) -> None:
    rows = [r for r in ons_rows() if r["indicator"] == "net_additional_dwellings"]
    response = admin.post(BULK + CREATE_MISSING, rows, format="json")
    assert response.status_code == 201
    assert [u["row"] for u in response.json()["undated"]] == list(range(1, 8))
    assert {r["period_start"] for r in response.json()["rows"]} == {None}


# --- Reading and filtering --------------------------------------------------------------------


def test_observations_filter_by_indicator_area_period_level_and_mission(
    people: People, imported: list
) -> None:
    client = client_for(people.partner)
    url = "/api/v1/observations/?page_size=200&"
    gva = results(client, url + "indicator=gva_per_hour_worked")
    assert [r["area"] for r in gva] == DISTRICTS
    assert {r["indicator_name"] for r in gva} == {"GVA per hour"}
    birmingham = results(client, url + "area=e08000025")
    assert len(birmingham) == 12 and {r["area_name"] for r in birmingham} == {"Birmingham"}
    assert len(results(client, url + "period=2019")) == 7
    assert len(results(client, url + "level=metropolitan-district")) == 84
    assert not results(client, url + "level=region")
    assert {r["indicator"] for r in results(client, url + "mission=7")} == {
        "healthy_life_expectancy_female",
        "healthy_life_expectancy_male",
    }
    # Periods starting in 2020 or later: dated ones only, whatever their label's shape.
    since = results(client, url + "period_start_after=2020-01-01")
    assert since and all(r["period_start"] >= "2020-01-01" for r in since)
    before = results(client, url + "period_start_before=2019-12-31")
    assert before and all(r["period_start"] <= "2019-12-31" for r in before)
    assert len(since) + len(before) == sum(
        1 for o in Observation.objects.all() if o.period_start is not None
    )
    ordered = results(client, url + "indicator=gva_per_hour_worked&ordering=-value")
    assert [r["area_name"] for r in ordered][:2] == ["Solihull", "Coventry"]


def test_targets_filter_by_indicator_area_and_kind(people: People) -> None:
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    pay = Indicator.objects.get(code="gross_median_weekly_pay")
    for indicator in (gva, pay):
        for code in (BIRMINGHAM, COVENTRY):
            area = Area.objects.get(gss_code=code)
            Target.objects.create(
                indicator=indicator, area=area, kind="baseline", year=2019, value=1
            )
            Target.objects.create(indicator=indicator, area=area, kind="target", year=2030, value=2)
    client = client_for(people.lead)
    assert len(results(client, "/api/v1/targets/")) == 8
    rows = results(client, f"/api/v1/targets/?indicator=gva_per_hour_worked&area={COVENTRY}")
    assert [(r["kind"], r["year"], r["area_name"]) for r in rows] == [
        ("baseline", 2019, "Coventry"),
        ("target", 2030, "Coventry"),
    ]
    assert {r["indicator"] for r in results(client, "/api/v1/targets/?kind=target")} == {
        "gva_per_hour_worked",
        "gross_median_weekly_pay",
    }


# --- Baselines and targets --------------------------------------------------------------------


def test_an_administrator_sets_changes_and_deletes_baselines_and_targets(
    people: People, admin: APIClient
) -> None:
    base = {"indicator": "gva_per_hour_worked", "area": BIRMINGHAM, "kind": "baseline"}
    response = admin.post(
        "/api/v1/targets/",
        base | {"year": 2019, "value": "30.62", "rationale": "ONS 2022 release"},
        format="json",
    )
    assert response.status_code == 201, response.content
    baseline = response.json()
    assert response["Location"].endswith(f"/api/v1/targets/{baseline['id']}/")
    assert (baseline["value"], baseline["area_name"]) == ("30.6200", "Birmingham")
    # One baseline per indicator and area: setting it again moves it.
    response = admin.post("/api/v1/targets/", base | {"year": 2021, "value": "31"}, format="json")
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["year"]) == (baseline["id"], 2021)
    target = admin.post(
        "/api/v1/targets/",
        base | {"kind": "target", "year": 2030, "value": "36"},
        format="json",
    ).json()
    assert Target.objects.count() == 2
    url = f"/api/v1/targets/{target['id']}/"
    response = admin.patch(url, {"value": "37.5", "rationale": "The region's average"})
    assert response.status_code == 200
    assert (response.json()["value"], response.json()["year"]) == ("37.5000", 2030)
    stored = Target.objects.get(pk=target["id"])
    assert stored.value == Decimal("37.5") and stored.history.first().history_user == people.admin
    # A baseline's year may move; a target's year, indicator, area and kind say which it is.
    baseline_url = f"/api/v1/targets/{baseline['id']}/"
    assert admin.patch(baseline_url, {"year": 2020}).json()["year"] == 2020
    response = admin.patch(url, {"year": 2031})
    assert response.status_code == 400 and "year" in response.json()
    response = admin.patch(url, {"area": COVENTRY, "kind": "baseline"})
    assert response.status_code == 400 and set(response.json()) == {"area", "kind"}
    full = base | {"kind": "target", "year": 2030, "value": "38", "rationale": ""}
    assert admin.put(url, full, format="json").json()["value"] == "38.0000"
    assert admin.delete(url).status_code == 204
    assert list(Target.objects.values_list("kind", flat=True)) == ["baseline"]


def test_a_target_with_bad_values_is_refused_field_by_field(admin: APIClient) -> None:
    response = admin.post(
        "/api/v1/targets/",
        {"indicator": "no_such", "area": "E99999999", "kind": "goal", "year": 1800, "value": "x"},
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()
    assert errors["indicator"] == ["There is no indicator with the code no_such."]
    assert errors["area"] == ["There is no area with the GSS code E99999999."]
    assert set(errors) == {"indicator", "area", "kind", "year", "value"}
    assert not Target.objects.exists()


# --- Indicators -------------------------------------------------------------------------------


def test_an_indicator_is_found_by_its_code_or_its_id_with_its_publishing_details(
    people: People,
) -> None:
    client = client_for(people.partner)
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    by_code = client.get("/api/v1/indicators/gva_per_hour_worked/").json()
    assert client.get(f"/api/v1/indicators/{gva.pk}/").json() == by_code
    assert by_code["id"] == gva.pk
    assert (by_code["year_basis"], by_code["expected_frequency"]) == ("", 12)
    assert by_code["source_url"] == gva.source_url
    assert client.get("/api/v1/indicators/999999/").status_code == 404
    assert client.get("/api/v1/indicators/no_such_code/").status_code == 404


# --- An indicator's measures -------------------------------------------------------------------


def _measures(client: APIClient, indicator: str, query: str = "") -> dict[str, Any]:
    response = client.get(f"/api/v1/indicators/{indicator}/measures/{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_the_measures_of_a_mission_1_indicator_over_the_districts(
    people: People, admin: APIClient, imported: list
) -> None:
    """GVA per hour worked: the gap between the top district and the others' median, the
    freshness of its figures, and Birmingham's progress from its baseline to its target."""
    gva = gva_rows()
    admin.post(BULK, [gva[0] | {"area_code": "E47000007", "value": "31.05"}], format="json")
    base = {"indicator": "gva_per_hour_worked", "area": BIRMINGHAM}
    for kind, year, value in [
        ("baseline", 2015, "28"),
        ("target", 2024, "33"),
        ("target", 2030, "35"),
    ]:
        response = admin.post(
            "/api/v1/targets/", base | {"kind": kind, "year": year, "value": value}, format="json"
        )
        assert response.status_code == 201
    with time_machine.travel(dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC), tick=False):
        body = _measures(client_for(people.partner), "gva_per_hour_worked")
    assert (body["indicator"], body["level"], body["today"]) == (
        "gva_per_hour_worked",
        "metropolitan-district",
        "2026-05-20",
    )
    # Annual figures for 2019 were due two years after the period's end.
    freshness = body["freshness"]
    assert (freshness["latest_period"], freshness["latest_period_end"]) == ("2019", "2019-12-31")
    assert (freshness["due_by"], freshness["stale"]) == ("2021-12-31", True)
    [measure] = body["measures"]
    figures = {r["area_code"]: Decimal(r["value"]) for r in gva}
    top = max(figures, key=figures.__getitem__)
    others = [v for code, v in figures.items() if code != top]
    assert (measure["key"], measure["mission"], measure["too_few"]) == ("top-gap", 1, "")
    assert Decimal(measure["value"]) == figures[top] - statistics.median(others)
    assert measure["rows"][0] == {
        "area": top,
        "area_name": "Solihull",
        "value": "0.0000",
        "figure": f"{figures[top]:.4f}",
        "group": "top",
        "note": "",
    }
    # The combined authority's own figure is at another level: not ranked with the districts.
    assert {r["area"] for r in measure["rows"]} == set(DISTRICTS)
    progress = {row["area"]: row for row in body["progress"]}
    assert list(progress) == sorted(progress, key=lambda c: progress[c]["area_name"])
    assert set(progress) == set(DISTRICTS)
    birmingham = progress[BIRMINGHAM]
    # The first target whose year has not passed (2030; 2024 has).
    assert (birmingham["baseline"]["year"], birmingham["target"]["year"]) == (2015, 2030)
    assert birmingham["latest"]["value"] == "30.6200"
    assert Decimal(birmingham["share_of_way"]) == ((Decimal("30.62") - 28) / 7).quantize(
        Decimal("0.0001")
    )
    assert (birmingham["rag"], birmingham["trend"]) == ("green", "not enough figures")
    assert birmingham["reason"].startswith("On pace: 37% of the way to the target")
    coventry = progress[COVENTRY]
    assert (coventry["rag"], coventry["baseline"], coventry["target"]) == ("", None, None)
    assert coventry["reason"] == "There is no baseline for this area, so progress cannot be judged."
    assert body["rules"]["rag"].startswith("A figure counts for the year its period ends in")
    assert set(body["rules"]) == {"rag", "trend", "freshness", "target"}


def test_the_measures_follow_the_indicators_mission(people: People, imported: list) -> None:
    client = client_for(people.dsg)
    hle = Indicator.objects.get(code="healthy_life_expectancy_male")
    # Mission 7's decile gap needs ten areas; found by id as well as by code.
    [decile] = _measures(client, str(hle.pk))["measures"]
    assert (decile["key"], decile["mission"], decile["value"]) == ("decile-gap", 7, None)
    assert decile["too_few"] == "Needs at least 10 areas; there are 7."
    # An indicator with no mission metric has no gap measure, but its freshness and progress.
    smokers = _measures(client, "adult_smokers_pct")
    assert smokers["measures"] == [] and len(smokers["progress"]) == 7
    # One level only: no region figures are held, so there is nothing to measure there.
    region = _measures(client, "gva_per_hour_worked", "?level=region")
    assert region["progress"] == [] and region["measures"][0]["too_few"]
    assert region["freshness"]["latest_period"] == "2019"  # of the figures in every area
    response = client.get("/api/v1/indicators/gva_per_hour_worked/measures/?level=ward")
    assert response.status_code == 400 and "level" in response.json()
    assert client.get("/api/v1/indicators/no_such/measures/").status_code == 404
    assert APIClient().get("/api/v1/indicators/gva_per_hour_worked/measures/").status_code == 401


@pytest.mark.parametrize("years", [1, 20])
def test_the_measures_cost_a_bounded_number_of_queries(
    people: People, years: int, django_assert_max_num_queries: Any
) -> None:
    _observations(years)
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    for area in Area.objects.filter(gss_code__in=DISTRICTS):
        Target.objects.create(indicator=gva, area=area, kind="baseline", year=2000, value=0)
        for year in range(2030, 2030 + years):
            Target.objects.create(indicator=gva, area=area, kind="target", year=year, value=40)
    client = client_for(people.partner)
    # The indicator, its figures and targets, and the person's roles (which frameworks they
    # may see), whatever the number of years.
    with django_assert_max_num_queries(4):
        body = _measures(client, "gva_per_hour_worked")
    assert len(body["progress"]) == 7 and len(body["measures"][0]["rows"]) == 7
    assert {len(r["trend_values"]) for r in body["progress"]} == {min(years, 3)}


# --- Query counts -----------------------------------------------------------------------------


def _observations(count: int) -> None:
    """``count`` figures per district for GVA per hour worked, a year each."""
    gva = Indicator.objects.get(code="gva_per_hour_worked")
    areas = list(Area.objects.filter(gss_code__in=DISTRICTS))
    Observation.objects.bulk_create(
        Observation(
            indicator=gva,
            area=a,
            period=str(2000 + y),
            period_start=dt.date(2000 + y, 1, 1),
            period_end=dt.date(2000 + y, 12, 31),
            value=Decimal(y),
        )
        for a in areas
        for y in range(count)
    )


def _targets(count: int) -> None:
    indicators = list(Indicator.objects.filter(framework__deal__isnull=True)[:count])
    areas = list(Area.objects.filter(gss_code__in=DISTRICTS))
    Target.objects.bulk_create(
        Target(indicator=i, area=a, kind="target", year=2030, value=1)
        for i in indicators
        for a in areas
    )


@pytest.mark.parametrize("size", [1, 20])
def test_the_lists_cost_a_bounded_number_of_queries(
    people: People, size: int, django_assert_max_num_queries: Any
) -> None:
    _observations(size)
    _targets(size)
    client = client_for(people.partner)
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/observations/?page_size=200")
    assert response.json()["count"] == 7 * size
    with django_assert_max_num_queries(3):
        response = client.get("/api/v1/targets/?page_size=200")
    assert response.json()["count"] == 7 * size


def _district_rows(years: int) -> list[dict[str, str]]:
    names = dict(Area.objects.filter(gss_code__in=DISTRICTS).values_list("gss_code", "name"))
    return [
        {
            "indicator": "gva_per_hour_worked",
            "unit": "GBP",
            "period": str(2000 + y),
            "area_code": code,
            "area_name": names[code],
            "value": f"{30 + y}.5",
            "source": "Test figures",
        }
        for code in DISTRICTS
        for y in range(years)
    ]


@pytest.mark.parametrize("years", [1, 30])
def test_a_bulk_post_costs_a_bounded_number_of_queries(
    admin: APIClient, years: int, django_assert_max_num_queries: Any
) -> None:
    rows = _district_rows(years)
    with django_assert_max_num_queries(14):
        response = admin.post(BULK, rows, format="json")
    assert response.status_code == 201
    assert response.json()["new"] == len(rows) == Observation.objects.count()
    corrected = [r | {"value": "1"} for r in rows]
    with django_assert_max_num_queries(14):
        response = admin.post(BULK, corrected, format="json")
    assert response.json()["corrected"] == len(rows)


# --- Schema -----------------------------------------------------------------------------------


def test_the_schema_describes_the_figures_and_validates(people: People, tmp_path: Any) -> None:
    response = client_for(people.dsg).get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    paths = response.json()["paths"]
    assert set(paths["/api/v1/observations/"]) == {"get", "post"}
    assert set(paths["/api/v1/observations/{id}/"]) == {"get"}
    assert set(paths["/api/v1/observations/bulk/"]) == {"post"}
    assert set(paths["/api/v1/targets/{id}/"]) == {"get", "put", "patch", "delete"}
    bulk = paths["/api/v1/observations/bulk/"]["post"]
    assert {"200", "201", "400", "403"} <= set(bulk["responses"])
    assert "create_missing_indicators" in [p["name"] for p in bulk["parameters"]]
    filters = {p["name"] for p in paths["/api/v1/observations/"]["get"]["parameters"]}
    assert {"indicator", "area", "period", "period_start_after", "period_start_before"} <= filters
    measures = paths["/api/v1/indicators/{code}/measures/"]["get"]
    assert "level" in [p["name"] for p in measures["parameters"]]
    indicator = response.json()["components"]["schemas"]["Indicator"]["properties"]
    assert {"year_basis", "expected_frequency", "source_url"} <= set(indicator)
    out = io.StringIO()
    call_command(
        "spectacular",
        validate=True,
        fail_on_warn=True,
        file=str(tmp_path / "schema.yaml"),
        stdout=out,
        stderr=out,
    )
