"""The lead's delivery reports in the same visit as the workstream's update, and the sponsor's
sign-off of them: the pages, as each persona would use them.

"Today" is fixed at Wednesday 25 November 2026, as in tests/test_update_pages.py: the period now
open runs from 23 November to 6 December 2026; the one before ran from 9 to 22 November.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client

from core.choices import Classification
from delivery import services
from delivery.choices import Confidence, DeliveryState
from delivery.models import Provision, ProvisionReport, ProvisionReportReview
from tracker.choices import Rag
from tracker.periods import Period

from .conftest import People
from .provisions import provision

TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)
THIS = Period(dt.date(2026, 11, 23), dt.date(2026, 12, 6), dt.date(2026, 12, 4))
LAST = Period(dt.date(2026, 11, 9), dt.date(2026, 11, 22), dt.date(2026, 11, 20))
REPORT = "/workstreams/transport/provisions/report/"
PROVISIONS = "/workstreams/transport/provisions/"
SIGN_OFF = "/workstreams/transport/provisions/sign-off/"


@pytest.fixture(autouse=True)
def today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def reported(people: People, p: Provision, period: Period = LAST, **fields: Any) -> ProvisionReport:
    values = {
        "state": DeliveryState.IN_PROGRESS,
        "confidence": Confidence.AMBER,
        "narrative": "Waiting on the department's consultation.",
        "forecast_on": dt.date(2027, 3, 31),
        "period": period,
    } | fields
    return services.report_submit(provision=p, acting_user=people.lead, **values)


def answers(p: Provision, **fields: Any) -> dict[str, str]:
    """A report's answers as the form posts them."""
    values = {
        "state": DeliveryState.IN_PROGRESS,
        "confidence": Confidence.GREEN,
        "narrative": "On track.",
        "forecast_on": "",
        "forecast_reason": "",
        "based_on_revision": "0",
    } | fields
    data = {}
    for name, value in values.items():
        if name == "forecast_on":
            date = value or None
            parts = (date.day, date.month, date.year) if date else ("", "", "")
            for part, number in zip(("day", "month", "year"), parts, strict=True):
                data[f"p{p.pk}-forecast_on_{part}"] = str(number)
        else:
            data[f"p{p.pk}-{name}"] = str(value)
    return data


UPDATE = {
    "rag": Rag.GREEN,
    "direction": "stable",
    "summary": "On track.",
    "progress": "",
    "next_steps": "",
    "risks_and_issues": "",
    "asks_of_dsg": "",
    "classification": Classification.OFFICIAL,
    "based_on_version": "0",
}


# --- The visit --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_after_posting_the_update_the_lead_goes_on_to_report_on_the_provisions(
    people: People,
) -> None:
    provision(people, "4.12")
    provision(people, "4.13")
    client = client_for(people.lead)
    form = client.get("/workstreams/transport/updates/new/")
    assert "report on the delivery of this workstream&#x27;s 2 provisions" in form.text
    response = client.post("/workstreams/transport/updates/new/", UPDATE)
    assert response.status_code == 302
    assert response["Location"] == REPORT


@pytest.mark.django_db
def test_a_workstream_without_provisions_keeps_the_visit_as_it_was(people: People) -> None:
    client = client_for(people.lead)
    assert "provision" not in client.get("/workstreams/transport/updates/new/").text
    response = client.post("/workstreams/transport/updates/new/", UPDATE)
    assert response["Location"] == "/workstreams/transport/"


@pytest.mark.django_db
def test_the_report_form_starts_from_the_last_report_and_shows_what_each_rating_means(
    people: People,
) -> None:
    p = provision(people, "4.12")
    reported(people, p)
    page = client_for(people.lead).get(REPORT)
    assert page.status_code == 200
    body = page.text
    assert "4.12 Provision 4.12" in body
    assert re.search(rf'name="p{p.pk}-confidence" value="amber"[^>]*checked', body)
    assert re.search(rf'name="p{p.pk}-state" value="in-progress"[^>]*checked', body)
    assert "Waiting on the department&#x27;s consultation." in body
    assert f'name="p{p.pk}-forecast_on_year" type="text" inputmode="numeric" value="2027"' in body
    assert "appear on the public progress page" not in body
    p.is_published = True
    p.save()
    published = client_for(people.lead).get(REPORT).text
    assert "This provision is published: the report's state" in published
    # Every level of the scale with its definition, on the page.
    assert "Successful delivery appears probable" in body
    assert "appears to be unachievable" in body


@pytest.mark.django_db
def test_the_lead_saves_every_report_at_once_and_unchanged_ones_are_not_saved_again(
    people: People,
) -> None:
    a, b = provision(people, "4.12"), provision(people, "4.13")
    client = client_for(people.lead)
    response = client.post(REPORT, answers(a) | answers(b, state=DeliveryState.NOT_STARTED))
    assert response.status_code == 302 and response["Location"] == PROVISIONS
    first = {r.provision_id: r for r in ProvisionReport.objects.all()}
    assert first[a.pk].period_start == THIS.start and first[b.pk].state == "not-started"
    assert first[a.pk].author == people.lead
    # The same answers again (now based on the saved revision): nothing new to save, but a
    # changed one is revised.
    again = answers(a, based_on_revision="1") | answers(
        b, state=DeliveryState.IN_PROGRESS, based_on_revision="1"
    )
    response = client.post(REPORT, again, follow=True)
    assert "1 delivery report saved for" in response.text and "1 unchanged" in response.text
    revisions = dict(ProvisionReport.objects.values_list("provision_id", "revision"))
    assert revisions == {a.pk: 1, b.pk: 2}


@pytest.mark.django_db
def test_a_rating_below_green_needs_its_narrative_and_then_nothing_is_saved(
    people: People,
) -> None:
    a, b = provision(people, "4.12"), provision(people, "4.13")
    data = answers(a) | answers(b, confidence=Confidence.AMBER_RED, narrative="")
    page = client_for(people.lead).post(REPORT, data)
    assert page.status_code == 200
    assert "<title>Error: Report on delivery" in page.text
    assert f'<a href="#id_p{b.pk}-narrative">4.13: Explain why delivery confidence is ' in page.text
    assert "Amber/Red</a>" in page.text
    assert "Nothing was saved" in page.text
    assert not ProvisionReport.objects.exists()


@pytest.mark.django_db
def test_a_moved_forecast_needs_its_reason(people: People) -> None:
    p = provision(people, "4.12")
    reported(people, p)
    data = answers(
        p, confidence=Confidence.AMBER, narrative="Late.", forecast_on=dt.date(2027, 9, 30)
    )
    page = client_for(people.lead).post(REPORT, data)
    assert "Say why the forecast moved from 31 March 2027 to 30 September 2027" in page.text
    assert ProvisionReport.objects.count() == 1
    data[f"p{p.pk}-forecast_reason"] = "The consultation closes later."
    assert client_for(people.lead).post(REPORT, data).status_code == 302
    report = ProvisionReport.objects.get(period_start=THIS.start)
    assert report.baseline_on == dt.date(2027, 3, 31) and report.forecast_on == dt.date(2027, 9, 30)


@pytest.mark.django_db
def test_a_report_changed_meanwhile_is_refused_with_the_form_kept(people: People) -> None:
    p = provision(people, "4.12")
    stale = answers(p, narrative="Mine.")  # started from no report
    reported(people, p, period=THIS, narrative="Theirs.", confidence=Confidence.GREEN)
    page = client_for(people.lead).post(REPORT, stale)
    assert "was changed by Alice Lead while you were writing yours" in page.text
    assert "Mine." in page.text
    assert f'name="p{p.pk}-based_on_revision" value="1"' in page.text
    assert ProvisionReport.objects.get().narrative == "Theirs."


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["sponsor", "dsg", "partner", "other_lead", "nobody"])
def test_only_the_lead_or_an_administrator_may_report(people: People, role: str) -> None:
    p = provision(people, "4.12")
    client = client_for(getattr(people, role))
    status = client.post(REPORT, answers(p)).status_code
    assert status in (403, 404)
    assert not ProvisionReport.objects.exists()


@pytest.mark.django_db
def test_a_partner_never_sees_a_sensitive_provision_on_the_workstream_or_its_reports(
    people: People,
) -> None:
    provision(people, "4.12", title="Bus franchising")
    provision(people, "4.99", title="Our fallback position", classification="official-sensitive")
    partner = client_for(people.partner)
    for url in ("/workstreams/transport/", PROVISIONS):
        body = partner.get(url).text
        assert "Bus franchising" in body
        assert "Our fallback position" not in body and "4.99" not in body
    lead = client_for(people.lead).get(PROVISIONS).text
    assert "Our fallback position" in lead


# --- Sign-off -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sponsor_signs_off_the_periods_reports_and_a_revision_needs_it_again(
    people: People,
) -> None:
    a, b = provision(people, "4.12"), provision(people, "4.13")
    ra, rb = reported(people, a, THIS), reported(people, b, THIS)
    sponsor = client_for(people.sponsor)
    page = sponsor.get(PROVISIONS).text
    assert "Sign off this period's reports" in page and "Awaiting sign-off" in page
    response = sponsor.post(
        SIGN_OFF,
        {"reports": [ra.pk, rb.pk], f"revision-{ra.pk}": 1, f"revision-{rb.pk}": 1},
        follow=True,
    )
    assert "You signed off 2 delivery reports" in response.text
    assert ProvisionReportReview.objects.filter(decision="signed-off").count() == 2
    assert "Sign off this period" not in response.text
    # The lead revises one: it awaits sign-off again, the other stays signed off.
    reported(people, a, THIS, narrative="Revised.")
    page = sponsor.get(PROVISIONS).text
    assert page.count("Awaiting sign-off") == 1 and page.count(">Signed off<") == 1
    assert f'name="reports" value="{ra.pk}"' in page
    assert f'name="reports" value="{rb.pk}"' not in page


@pytest.mark.django_db
def test_a_sign_off_of_a_revision_the_sponsor_did_not_read_is_refused(people: People) -> None:
    p = provision(people, "4.12")
    report = reported(people, p, THIS)
    reported(people, p, THIS, narrative="Changed after the page was opened.")
    page = client_for(people.sponsor).post(
        SIGN_OFF, {"reports": [report.pk], f"revision-{report.pk}": 1}
    )
    assert page.status_code == 200
    assert "has been revised since you read it" in page.text
    assert not ProvisionReportReview.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["lead", "admin", "dsg", "partner", "other_lead"])
def test_only_the_sponsor_signs_off(people: People, role: str) -> None:
    p = provision(people, "4.12")
    report = reported(people, p, THIS)
    client = client_for(getattr(people, role))
    assert "Sign off this period" not in client.get(PROVISIONS).text
    response = client.post(SIGN_OFF, {"reports": [report.pk], f"revision-{report.pk}": 1})
    assert response.status_code == 403
    assert not ProvisionReportReview.objects.exists()


# --- The workstream page, and what the pages cost -----------------------------------------------


@pytest.mark.django_db
def test_the_workstream_page_lists_its_provisions_and_what_this_period_lacks(
    people: People,
) -> None:
    a, b = provision(people, "4.12"), provision(people, "4.13")
    reported(people, a, THIS, confidence=Confidence.RED, narrative="Blocked.")
    reported(people, b, LAST)
    body = client_for(people.lead).get("/workstreams/transport/").text
    assert "Provisions of the deal" in body
    assert "1 has no report for" in body
    assert 'govuk-tag--red">Red<' in body and 'govuk-tag--yellow">Amber<' in body
    assert f'href="{REPORT}"' in body
    assert "Provisions of the deal" not in client_for(people.lead).get("/workstreams/skills/").text


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 12])
def test_the_report_pages_cost_the_same_whatever_the_number_of_provisions(
    people: People, count: int, django_assert_max_num_queries: Any
) -> None:
    for i in range(count):
        p = provision(people, f"4.{i + 10}")
        reported(people, p, LAST)
        reported(people, p, THIS)
    lead, sponsor = client_for(people.lead), client_for(people.sponsor)
    with django_assert_max_num_queries(14):
        assert lead.get(REPORT).status_code == 200
    with django_assert_max_num_queries(14):
        assert sponsor.get(PROVISIONS).status_code == 200
