"""/api/v1/provisions/ and /api/v1/provision-reports/: who reads and writes what, the ratings of
the latest report, the reporting rules as 400s, If-Match as 412, and bounded query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import User
from core.choices import Classification
from delivery import services
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision, ProvisionReport
from tracker.models import Workstream
from tracker.periods import deal_period

from .conftest import People

TODAY = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_today() -> Any:
    with time_machine.travel(TODAY, tick=True):
        yield


def client_for(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def make(people: People, reference: str = "4.12", **fields: Any) -> Provision:
    values = {
        "reference": reference,
        "chapter": "Transport",
        "title": f"Provision {reference}",
        "text": "Government will support the authority's franchising of bus services.",
        "workstream": Workstream.objects.get(deal=people.deal, slug="transport"),
        "kind": ProvisionKind.POWER,
        "classification": Classification.OFFICIAL,
    } | fields
    return services.provision_create(deal=people.deal, acting_user=people.admin, **values)


def report(people: People, provision: Provision, **fields: Any) -> ProvisionReport:
    values = {
        "state": DeliveryState.IN_PROGRESS,
        "confidence": Confidence.AMBER,
        "narrative": "The consultation is late.",
    } | fields
    return services.report_submit(provision=provision, acting_user=people.lead, **values)


@pytest.mark.django_db
def test_a_provision_shows_its_latest_reports_state_and_confidence(people: People) -> None:
    provision = make(people)
    untouched = make(people, "4.13")
    report(people, provision)
    response = client_for(people.partner).get("/api/v1/provisions/")
    rows = {row["reference"]: row for row in response.json()["results"]}
    assert (rows["4.12"]["state"], rows["4.12"]["confidence"]) == ("in-progress", "amber")
    assert (rows["4.13"]["state"], rows["4.13"]["confidence"]) == (None, None)
    assert rows["4.12"]["kind"] == "power" and rows["4.12"]["is_published"] is False
    filtered = client_for(people.partner).get("/api/v1/provisions/?confidence=amber").json()
    assert [row["id"] for row in filtered["results"]] == [provision.pk]
    assert untouched.pk not in [row["id"] for row in filtered["results"]]


@pytest.mark.django_db
def test_a_partner_never_receives_a_sensitive_provision_or_its_report(people: People) -> None:
    sensitive = make(people, classification=Classification.OFFICIAL_SENSITIVE)
    sensitive_report = report(people, sensitive)
    partner = client_for(people.partner)
    assert partner.get("/api/v1/provisions/").json()["count"] == 0
    assert partner.get(f"/api/v1/provisions/{sensitive.pk}/").status_code == 404
    assert partner.get("/api/v1/provision-reports/").json()["count"] == 0
    assert partner.get(f"/api/v1/provision-reports/{sensitive_report.pk}/").status_code == 404
    dsg = client_for(people.dsg)
    assert dsg.get(f"/api/v1/provision-reports/{sensitive_report.pk}/").status_code == 200


@pytest.mark.django_db
def test_an_administrator_adds_and_changes_a_provision_with_if_match(people: People) -> None:
    admin = client_for(people.admin)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    body = {
        "reference": "7.1",
        "chapter": "Transport",
        "title": "Bus franchising",
        "text": "Government will support it.",
        "workstream": transport.pk,
        "kind": "power",
        "classification": "official",
    }
    created = admin.post("/api/v1/provisions/", body, format="json")
    assert created.status_code == 201, created.json()
    assert created["ETag"] == '"1"' and created.json()["deal"] == people.deal.pk
    url = f"/api/v1/provisions/{created.json()['id']}/"
    assert admin.post("/api/v1/provisions/", body, format="json").status_code == 400
    changed = admin.patch(url, {"is_published": True}, format="json", HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200 and changed.json()["is_published"] is True
    stale = admin.patch(url, {"title": "Old copy"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    lead = client_for(people.lead)
    assert lead.patch(url, {"title": "Mine"}, format="json").status_code == 403
    assert (
        lead.post("/api/v1/provisions/", body | {"reference": "7.2"}, format="json").status_code
        == 403
    )


@pytest.mark.django_db
def test_a_sensitive_provision_cannot_be_published(people: People) -> None:
    provision = make(people, classification=Classification.OFFICIAL_SENSITIVE)
    response = client_for(people.admin).patch(
        f"/api/v1/provisions/{provision.pk}/", {"is_published": True}, format="json"
    )
    assert response.status_code == 400
    assert "Only an OFFICIAL provision can be published." in str(response.json())


@pytest.mark.django_db
def test_the_lead_reports_and_the_rules_are_400s(people: People) -> None:
    provision = make(people)
    lead = client_for(people.lead)
    body = {"provision": provision.pk, "state": "in-progress", "confidence": "red"}
    refused = lead.post("/api/v1/provision-reports/", body | {"narrative": " "}, format="json")
    assert refused.status_code == 400
    assert refused.json() == {"narrative": ["Explain why delivery confidence is Red"]}
    made = lead.post(
        "/api/v1/provision-reports/",
        body | {"narrative": "The funding route is not agreed.", "forecast_on": "2027-03-31"},
        format="json",
        HTTP_IF_NONE_MATCH="*",
    )
    assert made.status_code == 201, made.json()
    data = made.json()
    period = deal_period(people.deal, TODAY.date()).start.isoformat()
    assert (data["period"], data["baseline_on"], data["classification"]) == (
        period,
        "2027-03-31",
        "official",
    )
    assert made["ETag"] == f'"{provision.pk}.{period}.1"'
    again = lead.post(
        "/api/v1/provision-reports/",
        body | {"narrative": "Too late."},
        format="json",
        HTTP_IF_NONE_MATCH="*",
    )
    assert again.status_code == 412
    revised = lead.post(
        "/api/v1/provision-reports/",
        body | {"narrative": "Revised.", "forecast_on": "2027-03-31"},
        format="json",
        HTTP_IF_MATCH=made["ETag"],
    )
    assert revised.status_code == 201 and revised.json()["revision"] == 2
    assert ProvisionReport.objects.count() == 1
    other = client_for(people.other_lead).post(
        "/api/v1/provision-reports/", body | {"narrative": "Not mine."}, format="json"
    )
    assert other.status_code == 403
    provision.refresh_from_db()
    listed = client_for(people.partner).get(f"/api/v1/provisions/{provision.pk}/").json()
    assert (listed["state"], listed["confidence"], listed["forecast_on"]) == (
        "in-progress",
        "red",
        "2027-03-31",
    )


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/api/v1/provisions/", "/api/v1/provision-reports/"])
def test_the_lists_take_a_bounded_number_of_queries(
    people: People, url: str, django_assert_max_num_queries: Any
) -> None:
    for number in range(30):
        provision = make(
            people,
            f"9.{number}",
            classification=Classification.OFFICIAL_SENSITIVE if number % 3 else "official",
        )
        report(people, provision)
    # Four, and for provisions one more for each of their three kinds of link to the missions.
    limit = 7 if url == "/api/v1/provisions/" else 4
    for user, rows in [(people.admin, 30), (people.partner, 10)]:
        with django_assert_max_num_queries(limit):
            response = client_for(user).get(url + "?page_size=200")
        assert response.json()["count"] == len(response.json()["results"]) == rows


@pytest.mark.django_db
def test_a_report_says_whether_its_sponsor_signed_off_this_revision(people: People) -> None:
    provision = make(people)
    first = report(people, provision)
    url = f"/api/v1/provision-reports/{first.pk}/"
    assert client_for(people.lead).get(url).json()["signed_off"] is False
    services.report_review(report=first, acting_user=people.sponsor, decision="signed-off")
    assert client_for(people.partner).get(url).json()["signed_off"] is True
    listed = client_for(people.dsg).get("/api/v1/provision-reports/").json()["results"]
    assert [row["signed_off"] for row in listed] == [True]
    # Revised: the new revision awaits the sponsor again.
    report(people, provision, narrative="Revised.")
    assert client_for(people.lead).get(url).json()["signed_off"] is False


@pytest.mark.django_db
def test_a_provision_names_the_missions_metrics_and_indicators_it_should_move(
    people: People,
) -> None:
    from core.models import Deal
    from missions.models import Indicator, IndicatorFramework, Metric, Mission
    from missions.selectors import indicators_of_deal

    mission = Mission.objects.get(number=3)
    metric = Metric.objects.filter(mission=mission).first()
    ours = indicators_of_deal(people.deal.pk).first()
    other = Deal.objects.create(name="Greater Manchester", short_name="GM", slug="gm")
    framework = IndicatorFramework.objects.create(deal=other, name="GM outcomes", slug="gm-out")
    foreign = Indicator.objects.create(
        framework=framework, code="gm_jobs", name="GM jobs", unit="count", direction="higher"
    )
    assert metric is not None and ours is not None
    admin = client_for(people.admin)
    body = {
        "reference": "7.1",
        "chapter": "Transport",
        "title": "Bus franchising",
        "text": "Government will support it.",
        "workstream": Workstream.objects.get(deal=people.deal, slug="transport").pk,
        "kind": "power",
        "classification": "official",
        "missions": [mission.pk],
        "metrics": [metric.pk],
        "indicators": [ours.pk],
    }
    created = admin.post("/api/v1/provisions/", body, format="json")
    assert created.status_code == 201, created.json()
    row = client_for(people.partner).get(f"/api/v1/provisions/{created.json()['id']}/").json()
    assert (row["missions"], row["metrics"], row["indicators"]) == (
        [mission.pk],
        [metric.pk],
        [ours.pk],
    )
    refused = admin.post(
        "/api/v1/provisions/",
        body | {"reference": "7.2", "indicators": [foreign.pk]},
        format="json",
    )
    assert refused.status_code == 400
    assert "indicators" in refused.json()
