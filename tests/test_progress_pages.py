"""The public progress page: an anonymous visitor reads a deal's published OFFICIAL provisions,
searches and filters them and opens each one's page, and never meets an unpublished or
OFFICIAL-SENSITIVE provision, nor anyone's name; the pages are cached until a provision or a
report changes, answer in a fixed number of queries, and are rate limited by address."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from core.models import Deal
from delivery import services
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision
from tracker.models import Theme, Workstream

from .conftest import People
from .public_progress import (
    SENSITIVE_TITLE,
    TODAY,
    UNPUBLISHED_TITLE,
    World,
    hidden_words,
    make,
    report,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def w(people: People) -> World:
    return world(people)


def text(response: Any) -> str:
    return response.content.decode()


def page_url(w: World, provision: Provision) -> str:
    return reverse("progress-provision", args=[provision.deal.slug, provision.pk])


# --- What an anonymous visitor sees ----------------------------------------------------------


def test_an_anonymous_visitor_sees_the_published_provisions_by_theme(
    client: Client, w: World
) -> None:
    response = client.get("/progress/")
    assert response.status_code == 200
    body = text(response)
    assert "Progress on the West Midlands Trailblazer Devolution Deal" in body
    assert "4.12 Bus franchising powers" in body and "5.2 Adult skills funding devolved" in body
    # Each under its theme, with its latest state, confidence, forecast and report date.
    assert body.index("Connecting communities") < body.index("4.12 Bus franchising powers")
    assert body.index("Building human capital") < body.index("5.2 Adult skills")
    assert "In progress" in body and "Amber" in body
    assert "30 Jun 2027" in body and "20 May 2026" in body
    assert "Regional Transport Executive" in body and "Department for Transport" in body
    # The confidence scale explains itself.
    assert "Successful delivery appears feasible, but significant issues" in body
    # The deal's own address shows the same list.
    own = client.get("/progress/wmca-tdd/")
    assert own.status_code == 200 and [p.pk for p in own.context["shown"]] == [
        p.pk for p in response.context["shown"]
    ]


def test_a_provision_has_its_own_page_with_its_latest_narrative_and_its_reports(
    client: Client, w: World
) -> None:
    response = client.get(page_url(w, w.bus))
    assert response.status_code == 200
    body = text(response)
    for words in (
        "Bus franchising powers",
        "Government will support the franchising of bus services",
        "Regional Transport Executive",
        "Department for Transport",
        "Power",
        "Transport",  # its chapter and workstream
        "Connecting communities",
        # The latest report's narrative, and why the forecast moved.
        "the department&#x27;s response is a month late",
        "The department&#x27;s response to the consultation is late.",
        "31 March 2027",  # the baseline: the first forecast
        "30 June 2027",
        # The confidence level with its definition.
        "Successful delivery appears feasible",
    ):
        assert words in body, words
    # Both periods, newest first, each with its state and confidence.
    reports = response.context["reports"]
    assert [(r.period_start, r.confidence) for r in reports] == [
        (dt.date(2026, 5, 1), Confidence.AMBER),
        (dt.date(2026, 4, 1), Confidence.GREEN),
    ]
    assert "1 May 2026 to 31 May 2026" in body and "1 Apr 2026 to 30 Apr 2026" in body
    # Only the latest report's narrative.
    assert "The consultation opened on time." not in body


def test_a_provision_not_yet_reported_on_says_so(client: Client, w: World) -> None:
    body = text(client.get(page_url(w, w.skills)))
    assert "No report yet" in body and "has not reported on this provision yet" in body
    assert "No reports yet." in body


# --- What nobody sees -------------------------------------------------------------------------


def test_unpublished_and_sensitive_provisions_are_in_no_list_count_or_search(
    client: Client, w: World
) -> None:
    pages = [
        client.get("/progress/"),
        client.get("/progress/wmca-tdd/"),
        client.get("/progress/", {"q": "airport"}),
        client.get("/progress/", {"q": "fallback rail"}),
        client.get("/progress/", {"q": "4.13"}),
        client.get("/progress/", {"state": DeliveryState.STALLED}),
        client.get("/progress/", {"confidence": Confidence.AMBER_RED}),
        client.get("/progress/", {"kind": ProvisionKind.PARTNERSHIP}),
    ]
    for response in pages:
        assert response.status_code == 200
        # What the visitor typed is shown back to them, in the box and in the empty state.
        asked = response.wsgi_request.GET.get("q", "")
        body = text(response).replace(f'value="{asked}"', "").replace(f"“{asked}”", "")
        for words in hidden_words(w):
            assert words not in body, (response.request, words)
        assert {p.pk for p in response.context["shown"]} <= {w.bus.pk, w.skills.pk}
    # The searches and filters that only the hidden provisions would match find nothing.
    assert all(r.context["shown"] == [] for r in pages[2:])
    assert "No published provision matches “airport”" in text(pages[2])
    # The counts count the two published provisions only.
    counts = pages[0].context["counts"]
    assert dict((v, n) for v, _, n in counts["state"]) == {
        DeliveryState.NOT_STARTED: 0,
        DeliveryState.IN_PROGRESS: 1,
        DeliveryState.DELIVERED: 0,
        DeliveryState.STALLED: 0,
        DeliveryState.SUPERSEDED: 0,
        "none": 1,
    }
    assert dict((v, n) for v, _, n in counts["confidence"]) == {
        Confidence.GREEN: 0,
        Confidence.AMBER_GREEN: 0,
        Confidence.AMBER: 1,
        Confidence.AMBER_RED: 0,
        Confidence.RED: 0,
        "none": 1,
    }
    assert "published, 2 of them" in text(pages[0])


@pytest.mark.parametrize("persona", [None, "admin", "lead", "dsg"])
def test_an_unpublished_or_sensitive_provision_has_no_public_page_even_for_its_own_people(
    client: Client, people: People, w: World, persona: str | None
) -> None:
    if persona:
        client.force_login(people.all_roles()[persona])
    for provision in (w.unpublished, w.sensitive):
        assert client.get(page_url(w, provision)).status_code == 404
    # Nor under another deal's address, nor with an id that is no provision.
    assert client.get(f"/progress/wmca-tdd/provisions/{w.bus.pk + 1000}/").status_code == 404
    assert client.get(f"/progress/northfold/provisions/{w.bus.pk}/").status_code == 404


def test_no_page_names_a_person(client: Client, people: People, w: World) -> None:
    """The reports' authors and every other persona appear nowhere, signed in or not; the lead
    organisation is the most a page names."""
    urls = ["/progress/", page_url(w, w.bus), page_url(w, w.skills)]
    names = [(u.full_name, u.email) for u in people.all_roles().values()]
    for signed_in in (None, people.lead):
        if signed_in:
            client.force_login(signed_in)
        for url in urls:
            body = text(client.get(url))
            for name, email in names:
                assert email not in body, (url, email)
                assert not re.search(rf"\b{name.split()[0]}\b", body), (url, name)


def test_a_signed_in_person_gets_the_same_page_without_their_navigation(
    client: Client, people: People, w: World
) -> None:
    anonymous = text(client.get("/progress/"))
    client.force_login(people.admin)
    response = client.get("/progress/")
    body = text(response)
    assert body == anonymous
    for internal in ("Signed in as", "Sign out", "csrfmiddlewaretoken", "/dashboard/", "/admin/"):
        assert internal not in body
    # Their session's cookie may come back with the page: no shared cache may keep it.
    assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]


def test_the_footer_of_every_page_leads_to_the_progress_page(client: Client, w: World) -> None:
    assert 'href="/progress/">Progress on the deal<' in text(client.get("/accounts/login/"))


# --- Search and filters -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({}, ["5.2", "4.12"]),  # Building human capital comes first
        ({"q": "FRANCHISING"}, ["4.12"]),  # the title, in any case
        ({"q": "devolved full"}, ["5.2"]),  # every word, in the text
        ({"q": "5.2"}, ["5.2"]),  # the reference
        ({"q": "franchising adult"}, []),
        ({"theme": "building-human-capital"}, ["5.2"]),
        ({"state": DeliveryState.IN_PROGRESS}, ["4.12"]),
        ({"state": "none"}, ["5.2"]),
        ({"confidence": Confidence.AMBER}, ["4.12"]),
        ({"confidence": "none"}, ["5.2"]),
        ({"kind": ProvisionKind.FUNDING}, ["5.2"]),
        ({"kind": ProvisionKind.FUNDING, "state": DeliveryState.IN_PROGRESS}, []),
    ],
)
def test_search_and_filters_narrow_the_list_without_javascript(
    client: Client, w: World, query: dict[str, str], found: list[str]
) -> None:
    response = client.get("/progress/", query)
    assert response.status_code == 200
    assert [p.reference for p in response.context["shown"]] == found
    body = text(response)
    if query:
        assert f"{len(found)} of 2 provisions match" in body
        assert "Clear search and filters" in body
    if not found:
        assert "No published provision matches" in body
    # The form keeps what was asked, so the visitor can change it.
    for value in query.values():
        assert f'value="{value}"' in body


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"state": "finished"}, "Choose a delivery state from the list"),
        ({"confidence": "purple"}, "Choose a delivery confidence from the list"),
        ({"kind": "wish"}, "Choose a kind of provision from the list"),
        ({"theme": "no-such-theme"}, "Choose a theme from the list"),
        ({"q": "x" * 201}, "Search for 200 characters or fewer"),
    ],
)
def test_a_bad_search_or_filter_is_refused_in_words(
    client: Client, w: World, query: dict[str, str], message: str
) -> None:
    response = client.get("/progress/", query)
    assert response.status_code == 400
    body = text(response)
    assert "There is a problem" in body and message in body
    assert "<title>Error: " in body


# --- Deals and their addresses ----------------------------------------------------------------


def test_progress_says_so_when_nothing_is_published(client: Client, people: People) -> None:
    make(people, "4.12")  # not published
    response = client.get("/progress/")
    assert response.status_code == 200 and "Nothing has been published yet" in text(response)
    assert client.get("/progress/wmca-tdd/").status_code == 404
    assert client.get("/progress/provisions.csv").status_code == 404


def test_each_deal_that_publishes_has_its_own_address(
    client: Client, people: People, w: World, northfold: Deal, second: dict[str, Any]
) -> None:
    harbour = Workstream.objects.get(deal=northfold, slug="harbour-skills")
    theirs = services.provision_create(
        deal=northfold,
        acting_user=second["admin"],
        reference="1.1",
        chapter="Skills",
        title="A harbour skills academy",
        text="Government will fund a skills academy at the harbour.",
        workstream=harbour,
        kind=ProvisionKind.FUNDING,
        is_published=True,
    )
    listing = client.get("/progress/")
    assert listing.status_code == 200
    body = text(listing)
    assert 'href="/progress/wmca-tdd/"' in body and 'href="/progress/northfold/"' in body
    assert "2 published provisions" in body and "1 published provision" in body
    own = client.get("/progress/northfold/")
    assert [p.reference for p in own.context["shown"]] == ["1.1"]
    assert "Bus franchising" not in text(own)
    assert client.get(f"/progress/northfold/provisions/{theirs.pk}/").status_code == 200
    # A provision is at its own deal's address only.
    assert client.get(f"/progress/wmca-tdd/provisions/{theirs.pk}/").status_code == 404
    assert client.get(f"/progress/northfold/provisions/{w.bus.pk}/").status_code == 404
    # The default open data stays the first deal's.
    assert "Bus franchising" in client.get("/progress/provisions.csv").content.decode()


def test_a_deal_that_has_published_nothing_has_no_public_address(
    client: Client, w: World, northfold: Deal
) -> None:
    assert client.get("/progress/northfold/").status_code == 404
    assert client.get("/progress/northfold/provisions.json").status_code == 404


# --- Caching ----------------------------------------------------------------------------------


def test_an_anonymous_response_may_be_cached_and_a_repeat_is_not_modified(
    client: Client, w: World, settings: Any
) -> None:
    settings.PUBLIC_CACHE_SECONDS = 120
    response = client.get("/progress/")
    assert response["Cache-Control"] == "public, max-age=120"
    assert "Cookie" in response["Vary"] and not response.cookies
    again = client.get("/progress/", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert client.get(page_url(w, w.bus), HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 200


def test_the_pages_follow_a_change_to_a_report_or_a_provision(
    client: Client, people: People, w: World, django_capture_on_commit_callbacks: Any
) -> None:
    def bus(response: Any) -> Any:
        return next(p for p in response.context["shown"] if p.pk == w.bus.pk)

    before = client.get("/progress/")
    assert bus(before).state == DeliveryState.IN_PROGRESS
    with django_capture_on_commit_callbacks(execute=True):
        report(
            people,
            w.bus,
            state=DeliveryState.DELIVERED,
            confidence=Confidence.GREEN,
            narrative="Franchising began in May.",
            forecast_on=dt.date(2027, 6, 30),
            forecast_reason="The department's response to the consultation is late.",
        )
    after = client.get("/progress/", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert bus(after).state == DeliveryState.DELIVERED
    assert "Franchising began in May." in text(client.get(page_url(w, w.bus)))

    # Unpublished, it leaves the list and its page.
    with django_capture_on_commit_callbacks(execute=True):
        services.provision_update(provision=w.bus, acting_user=people.admin, is_published=False)
    assert [p.pk for p in client.get("/progress/").context["shown"]] == [w.skills.pk]
    assert client.get(page_url(w, w.bus)).status_code == 404

    # A theme renamed shows under its new name.
    with django_capture_on_commit_callbacks(execute=True):
        theme = Theme.objects.get(deal=people.deal, slug="building-human-capital")
        theme.name = "Skills for everyone"
        theme.save()
    assert "Skills for everyone" in text(client.get("/progress/"))


def test_the_queries_stay_the_same_whatever_the_number_of_provisions(
    client: Client, people: People, w: World, django_assert_max_num_queries: Any
) -> None:
    for number in range(40):
        provision = make(people, f"9.{number}", is_published=True)
        report(people, provision, narrative=f"Report {number}.")
    # Built afresh: the data version and the deals (2 queries), the data version and the
    # provisions with their latest reports (2 queries); then from the cache, the data
    # version for each.
    with django_assert_max_num_queries(4):
        response = client.get("/progress/")
    assert len(response.context["shown"]) == 42
    with django_assert_max_num_queries(2):
        client.get("/progress/", {"q": "report", "state": DeliveryState.IN_PROGRESS})
    with django_assert_max_num_queries(4):
        client.get(page_url(w, w.bus))
    with django_assert_max_num_queries(3):
        client.get(page_url(w, w.bus))


# --- Rate limit -------------------------------------------------------------------------------


def test_an_address_that_asks_too_often_is_answered_429_until_the_period_passes(
    client: Client, w: World, settings: Any
) -> None:
    settings.PUBLIC_RATE_LIMIT = "3/m"
    urls = ["/progress/", page_url(w, w.bus), "/progress/provisions.csv"]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    refused = client.get("/progress/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "Too many requests" in text(refused) and "no-store" in refused["Cache-Control"]
    # The open data counts against the same limit, and says so in its own format.
    data = client.get("/progress/provisions.json")
    assert data.status_code == 429 and "Too many requests" in data.json()["detail"]
    # Another address is not held back.
    assert client.get("/progress/", REMOTE_ADDR="192.0.2.7").status_code == 200
    # A minute later the address may ask again.
    with time_machine.travel(TODAY + dt.timedelta(seconds=61), tick=False):
        assert client.get("/progress/").status_code == 200


def test_the_rate_limit_counts_the_address_the_trusted_proxy_reports(
    client: Client, w: World, settings: Any
) -> None:
    settings.PUBLIC_RATE_LIMIT = "1/m"
    settings.AXES_IPWARE_PROXY_COUNT = 1
    assert client.get("/progress/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert client.get("/progress/", HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert client.get("/progress/", HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_only_reading_is_allowed(client: Client, w: World) -> None:
    assert client.post("/progress/").status_code == 405
    assert client.head("/progress/").status_code == 200


def test_the_words_of_hidden_provisions_are_not_the_ones_tested_for_by_chance(w: World) -> None:
    """A check of the checks above: the hidden provisions exist, with the words they look for."""
    titles = set(Provision.objects.values_list("title", flat=True))
    assert {UNPUBLISHED_TITLE, SENSITIVE_TITLE} <= titles


def test_the_privacy_notice_says_what_reading_the_page_keeps(client: Client, w: World) -> None:
    page = text(client.get("/privacy/"))
    assert "If you read the public progress page" in page
    assert "sets no cookie" in page and "your internet address" in page
