"""A partner subscribed by address, with no account: every link in their digest opens a page
without signing in; the pages show what a partner may see and nothing else; links expire, stop
with the subscription and refuse being altered; and the partner can ask for a briefing
session, which the core team gets once, as a task and an email."""

from __future__ import annotations

import datetime as dt
import html
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from accounts.models import User
from briefings import links, sending, services
from briefings.choices import Audience, BriefingFormat, BriefingRequestStatus, DeliveryKind
from briefings.digest import compose
from briefings.models import BriefingRequest, Delivery, Subscription
from core.choices import Classification, OrganisationKind
from core.models import Organisation
from delivery import services as delivery_services
from delivery.choices import Confidence, DeliveryState
from tracker import services as tracker_services
from tracker.choices import AskType
from tracker.models import GovernanceBody, Proposal, Risk, StatusUpdate, Workstream

from . import test_briefings_digest as digest_tests
from .conftest import People
from .provisions import provision
from .test_briefings_digest import OPEN_WORDS, SECRET_WORDS, Period, parts, subscribe

period = digest_tests.period
records = digest_tests.records

SITE = "https://tracker.example.org"
CONTACT = "core-team@example.org"
URL = re.compile(r"https?://[^\s\"'<>]+")


@pytest.fixture(autouse=True)
def _site(settings, people: People) -> None:
    settings.SITE_URL = SITE
    people.deal.contact_email = CONTACT
    people.deal.save(update_fields=["contact_email"])
    cache.clear()  # the briefing request throttle counts in the cache


@pytest.fixture
def everything(people: People, records: None, period: Period) -> None:
    """Beyond the records: a meeting in the coming period, a provision reported on in the
    period, and the leads' organisations. The reference timeline's milestones are overdue."""
    body = GovernanceBody.objects.filter(deal=people.deal).order_by("position").first()
    tracker_services.meeting_create(
        body=body, acting_user=people.admin, starts_at=period.end + dt.timedelta(days=3)
    )
    reported = provision(people, title="Bus franchising powers")
    delivery_services.report_submit(
        provision=reported,
        acting_user=people.lead,
        state=DeliveryState.IN_PROGRESS,
        confidence=Confidence.AMBER,
        narrative="Consultation under way.",
    )
    tfwm = Organisation.objects.create(name="Transport for West Midlands", kind=_kind())
    User.objects.filter(pk=people.lead.pk).update(organisation=tfwm)


def _kind() -> str:
    return OrganisationKind.values[0]


def _partner(people: People) -> Subscription:
    subscription = subscribe(people.deal, email="partner@example.com")
    subscription.name, subscription.organisation = "Priya Partner", "Coventry City Council"
    subscription.save(update_fields=["name", "organisation"])
    return subscription


def _links(part: str) -> list[str]:
    return sorted({html.unescape(url).rstrip(".,)") for url in URL.findall(part)})


def _path(url: str) -> str:
    assert url.startswith(SITE), f"{url} is not on this site"
    parsed = urlsplit(url)
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def _email(subscription: Subscription, period: Period):
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    return email


# --- Every link opens ---------------------------------------------------------------------------


def test_every_link_in_a_partner_digest_opens_without_an_account(
    people: People, everything: None, period: Period
) -> None:
    subscription = _partner(people)
    _, text, body = parts(_email(subscription, period))
    found = {"text": _links(text), "html": _links(body)}
    assert found["text"] == found["html"]  # both parts carry the same links
    kinds = {urlsplit(url).path.split("/")[2] for url in found["html"]}
    # The browser view, unsubscribe, partner-safe pages and the briefing session form.
    assert kinds == {"view", "unsubscribe", "partner"}
    assert any(url.endswith("/briefing-session/") for url in found["html"])
    anonymous = Client()
    assert len(found["html"]) > 20  # every section of the digest, each with its links
    for url in found["html"]:
        response = anonymous.get(_path(url))
        assert response.status_code == 200, url
        assert "/accounts/login/" not in response.get("Location", "")
    assert f"mailto:{CONTACT}" in body and CONTACT in text


def test_the_digest_names_whom_to_contact(people: People, everything: None, period: Period) -> None:
    _, text, body = parts(_email(_partner(people), period))
    for part in (text, body):
        assert "Whom to contact".upper() in part.upper()
        assert CONTACT in part
        assert re.search(r"Transport(</a>)?: Transport for West Midlands", part)
        assert "Ask for a briefing session" in part


def test_a_partner_with_an_account_keeps_the_normal_links(
    people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, user=people.partner)
    _, text, body = parts(_email(subscription, period))
    assert f"{SITE}/proposals/" in body and f"{SITE}/proposals/" in text
    assert f"{SITE}/workstreams/" in body
    # Where a workstream or proposal is named, it is the signed-in page, not a partner one.
    assert not [
        u for u in _links(body) if "/briefings/partner/" in u and "briefing-session" not in u
    ]


def test_an_internal_digest_offers_no_partner_links(
    people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL)
    _, _, body = parts(_email(subscription, period))
    assert "/briefings/partner/" not in body
    assert "Whom to contact" not in body


# --- The partner-safe pages -------------------------------------------------------------------


def _open(client: Client, subscription: Subscription, kind: str, pk: int):
    return client.get(_path(links.partner_url(subscription, kind, pk)))


def test_a_workstream_page_shows_official_records_only_and_leads_nowhere(
    people: People, everything: None
) -> None:
    subscription = _partner(people)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    response = _open(Client(), subscription, links.PartnerPage.WORKSTREAM, transport.pk)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Transport" in page and "Transport for West Midlands" in page
    assert "Rail devolution" in page and "Operators&#x27; data late" in page
    for word in SECRET_WORDS:
        assert word not in page
    # An OFFICIAL update written before the sensitive revision is the one a partner sees.
    assert "Bus franchising consultation closed late." in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert response["Cache-Control"].startswith("private")
    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex, nofollow">' in page
    for signed_in_page in ("/workstreams/", "/dashboard/", "/proposals/", "/accounts/profile/"):
        assert f'href="{signed_in_page}' not in page


def test_a_proposal_page_shows_an_official_proposal_and_its_decisions(
    people: People, records: None
) -> None:
    subscription = _partner(people)
    rail = Proposal.objects.get(deal=people.deal, title="Rail devolution")
    response = _open(Client(), subscription, links.PartnerPage.PROPOSAL, rail.pk)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Rail devolution" in page and "A ten-year settlement." in page
    for word in SECRET_WORDS:
        assert word not in page


def test_a_sensitive_proposal_is_not_shown_even_through_a_genuine_link(
    people: People, records: None
) -> None:
    subscription = _partner(people)
    quokka = Proposal.objects.get(deal=people.deal, title="Quokka settlement for buses")
    assert quokka.classification == Classification.OFFICIAL_SENSITIVE
    response = _open(Client(), subscription, links.PartnerPage.PROPOSAL, quokka.pk)
    assert response.status_code == 404
    assert "Quokka" not in response.content.decode()
    assert "This page is not available" in response.content.decode()


def test_a_proposal_marked_sensitive_after_the_digest_went_is_no_longer_shown(
    people: People, records: None
) -> None:
    subscription = _partner(people)
    rail = Proposal.objects.get(deal=people.deal, title="Rail devolution")
    url = _path(links.partner_url(subscription, links.PartnerPage.PROPOSAL, rail.pk))
    assert Client().get(url).status_code == 200
    Proposal.objects.filter(pk=rail.pk).update(classification=Classification.OFFICIAL_SENSITIVE)
    assert Client().get(url).status_code == 404


def test_a_page_of_another_deal_is_not_shown(people: People, records: None) -> None:
    from core.models import Deal

    other = Deal.objects.create(name="Another deal", short_name="Other", slug="other")
    subscription = subscribe(other, email="partner@example.com")
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    response = _open(Client(), subscription, links.PartnerPage.WORKSTREAM, transport.pk)
    assert response.status_code == 404


# --- Links that do not open -------------------------------------------------------------------


def test_an_expired_link_says_so_and_how_to_get_a_fresh_one(
    people: People, records: None, settings
) -> None:
    settings.PARTNER_LINK_MAX_AGE_DAYS = 30
    subscription = _partner(people)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    with time_machine.travel(timezone.now() - dt.timedelta(days=29), tick=False):
        fresh_enough = links.partner_url(subscription, links.PartnerPage.WORKSTREAM, transport.pk)
    with time_machine.travel(timezone.now() - dt.timedelta(days=31), tick=False):
        too_old = links.partner_url(subscription, links.PartnerPage.WORKSTREAM, transport.pk)
    assert Client().get(_path(fresh_enough)).status_code == 200
    response = Client().get(_path(too_old))
    assert response.status_code == 410
    page = response.content.decode()
    assert "This link has expired" in page
    assert "next one brings fresh links" in page
    assert CONTACT in page  # the deal's contact address, read from the genuine old link
    assert response["Referrer-Policy"] == "no-referrer"


def test_a_tampered_link_is_refused_without_the_sign_in_page(people: People, records: None) -> None:
    subscription = _partner(people)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    token = links.partner_token(subscription, links.PartnerPage.WORKSTREAM, transport.pk)
    other = Workstream.objects.get(deal=people.deal, slug="skills")
    forged = links.partner_token(subscription, links.PartnerPage.WORKSTREAM, other.pk)
    # The payload of one link with the signature of another.
    spliced = forged.split(":")[0] + ":" + ":".join(token.split(":")[1:])
    for bad in (token[:-3] + "abc", spliced, "nonsense"):
        response = Client().get(f"/briefings/partner/{bad}/")
        assert response.status_code == 404
        assert "This link does not work" in response.content.decode()
    # A view link's token is not a partner page's.
    view_token = links.view_token(subscription, timezone.now(), timezone.now())
    assert Client().get(f"/briefings/partner/{view_token}/").status_code == 404
    # A page's token does not open the briefing session form, nor the reverse.
    assert Client().get(f"/briefings/partner/{token}/briefing-session/").status_code == 404
    session = links.partner_token(subscription, links.PartnerPage.BRIEFING_SESSION, people.deal.pk)
    assert Client().get(f"/briefings/partner/{session}/").status_code == 404


def test_the_links_of_a_stopped_or_erased_subscription_stop_working(
    people: People, records: None
) -> None:
    subscription = _partner(people)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    page = _path(links.partner_url(subscription, links.PartnerPage.WORKSTREAM, transport.pk))
    form = _path(
        links.partner_url(subscription, links.PartnerPage.BRIEFING_SESSION, people.deal.pk)
    )
    links.unsubscribe(subscription, now=timezone.now())
    for url in (page, form):
        response = Client().get(url)
        assert response.status_code == 410
        assert "This link no longer works" in response.content.decode()
    services.subscriber_erase(subscription=subscription, acting_user=people.admin)
    assert Client().get(page).status_code == 410


# --- Asking for a briefing session ------------------------------------------------------------

ANSWERS = {
    "name": "Priya Partner",
    "organisation": "Coventry City Council",
    "email": "priya@example.com",
    "topics": "The transport workstream's asks of government.",
    "format": BriefingFormat.ONLINE,
    "preferred_dates": "Any Tuesday in March",
}


def _form_url(subscription: Subscription, people: People) -> str:
    return _path(
        links.partner_url(subscription, links.PartnerPage.BRIEFING_SESSION, people.deal.pk)
    )


@pytest.fixture
def sends_now(monkeypatch) -> list[str]:
    """The Celery task queued after commit, run here: the delivery sent as a worker would."""
    sent: list[str] = []

    def delay(delivery_id: int) -> None:
        sent.append(sending.deliver(delivery_id).status)

    from briefings import tasks

    monkeypatch.setattr(tasks.send_delivery, "delay", delay)
    return sent


def test_the_form_starts_from_the_subscription(people: People) -> None:
    subscription = _partner(people)
    response = Client().get(_form_url(subscription, people))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Priya Partner"' in page
    assert 'value="Coventry City Council"' in page
    assert 'value="partner@example.com"' in page
    # Not "no-referrer", under which a browser posts the form with "Origin: null" and the CSRF
    # check refuses it; still nothing for any other site.
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"].startswith("private")


def test_a_request_is_stored_once_and_emailed_to_the_core_team_once(
    people: People, django_capture_on_commit_callbacks, sends_now: list[str]
) -> None:
    subscription = _partner(people)
    client = Client(enforce_csrf_checks=True)
    url = _form_url(subscription, people)
    client.get(url)
    token = client.cookies["csrftoken"].value
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {**ANSWERS, "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert "Request sent" in response.content.decode()
    request = BriefingRequest.objects.get()
    assert (request.name, request.email, request.format) == (
        "Priya Partner",
        "priya@example.com",
        BriefingFormat.ONLINE,
    )
    assert request.status == BriefingRequestStatus.OPEN
    assert request.deal_id == people.deal.pk and request.subscription_id == subscription.pk
    assert sends_now == ["sent"]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [CONTACT]
    assert message.reply_to == ["priya@example.com"]
    assert "Priya Partner" in message.subject
    assert "Any Tuesday in March" in message.body
    # A retried task, or a second worker, does not send it again.
    delivery = Delivery.objects.get(kind=DeliveryKind.BRIEFING_REQUEST)
    assert sending.deliver(delivery.pk).status == "sent"
    assert len(mail.outbox) == 1


def test_the_request_is_on_the_administrators_list_until_arranged(
    people: People, django_capture_on_commit_callbacks, sends_now: list[str]
) -> None:
    subscription = _partner(people)
    with django_capture_on_commit_callbacks(execute=True):
        made = services.briefing_request_create(subscription=subscription, **ANSWERS)
    admin = Client()
    admin.force_login(people.admin)
    listed = admin.get("/subscriptions/briefing-requests/")
    assert listed.status_code == 200
    assert "The transport workstream&#x27;s asks of government." in listed.content.decode()
    with pytest.raises(Exception, match="administrators"):
        services.briefing_request_set_status(
            briefing_request=made, status=BriefingRequestStatus.ARRANGED, acting_user=people.lead
        )
    services.briefing_request_set_status(
        briefing_request=made, status=BriefingRequestStatus.ARRANGED, acting_user=people.admin
    )
    assert "No request is open." in admin.get("/subscriptions/briefing-requests/").content.decode()
    for who in (people.lead, people.partner, people.dsg):
        other = Client()
        other.force_login(who)
        assert other.get("/subscriptions/briefing-requests/").status_code == 403


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"name": ""}, "name", "Enter your name"),
        ({"email": "not an address"}, "email", "Enter an email address in the correct format"),
        ({"topics": "  "}, "topics", "Say what you would like to be briefed on"),
        ({"topics": "x" * 2001}, "topics", "2,000 characters or fewer"),
        ({"format": "by carrier pigeon"}, "format", "Choose in person, online or either"),
    ],
)
def test_a_request_with_bad_answers_is_refused_field_by_field(
    people: People, change: dict[str, str], field: str, message: str
) -> None:
    subscription = _partner(people)
    response = Client().post(_form_url(subscription, people), {**ANSWERS, **change})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert not BriefingRequest.objects.exists()
    assert not Delivery.objects.filter(kind=DeliveryKind.BRIEFING_REQUEST).exists()


def test_requests_are_throttled_per_subscription(
    people: People, settings, django_capture_on_commit_callbacks, sends_now: list[str]
) -> None:
    settings.BRIEFING_REQUEST_RATE = "2/d"
    subscription = _partner(people)
    url = _form_url(subscription, people)
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert Client().post(url, ANSWERS).status_code == 200
        refused = Client().post(url, ANSWERS)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert BriefingRequest.objects.count() == 2
    assert len(mail.outbox) == 2
    # Another partner's link is counted apart.
    other = subscribe(people.deal, email="other@example.com")
    assert Client().post(_form_url(other, people), ANSWERS).status_code == 200


def test_without_a_contact_address_the_request_is_still_recorded(people: People) -> None:
    people.deal.contact_email = ""
    people.deal.save(update_fields=["contact_email"])
    subscription = _partner(people)
    response = Client().post(_form_url(subscription, people), ANSWERS)
    assert response.status_code == 200
    assert "has no contact address yet" in response.content.decode()
    assert BriefingRequest.objects.count() == 1
    assert not Delivery.objects.filter(kind=DeliveryKind.BRIEFING_REQUEST).exists()


def test_erasing_the_subscriber_erases_their_requests(
    people: People, django_capture_on_commit_callbacks, sends_now: list[str]
) -> None:
    subscription = _partner(people)
    made = services.briefing_request_create(subscription=subscription, **ANSWERS)
    services.subscriber_erase(subscription=subscription, acting_user=people.admin)
    made.refresh_from_db()
    assert (made.name, made.organisation, made.email) == ("", "", "")
    assert made.erased_at is not None
    assert made.topics  # what was asked stays, unnamed, as the core team's record


def test_the_open_requests_list_costs_the_same_however_many(
    people: People, django_assert_max_num_queries
) -> None:
    subscription = _partner(people)
    admin = Client()
    admin.force_login(people.admin)
    for count in (2, 30):
        while BriefingRequest.objects.count() < count:
            services.briefing_request_create(subscription=subscription, **ANSWERS)
        with django_assert_max_num_queries(12):
            response = admin.get("/subscriptions/briefing-requests/")
        assert response.status_code == 200
        assert f"{min(count, 50)} open requests" in response.content.decode()


def test_the_words_partners_see_are_the_open_ones(
    people: People, records: None, period: Period
) -> None:
    _, text, body = parts(_email(_partner(people), period))
    assert any(word in body for word in OPEN_WORDS)
    for word in SECRET_WORDS:
        assert word not in text and word not in body


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [2, 25])
def test_the_partner_pages_cost_the_same_however_much_they_show(
    people: People, django_assert_max_num_queries, size: int
) -> None:
    subscription = _partner(people)
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    first = None
    for n in range(size):
        made = tracker_services.proposal_create(
            workstream=transport,
            acting_user=people.admin,
            title=f"Proposal {n}",
            classification=Classification.OFFICIAL,
            ask="An ask.",
            ask_type=AskType.POWER,
        )
        first = first or made
        tracker_services.proposal_submit(proposal=made, acting_user=people.admin)
        tracker_services.risk_create(
            workstream=transport,
            acting_user=people.admin,
            title=f"Risk {n}",
            likelihood=2,
            impact=3,
            classification=Classification.OFFICIAL,
        )
    assert first is not None
    for kind, pk in [
        (links.PartnerPage.WORKSTREAM, transport.pk),
        (links.PartnerPage.PROPOSAL, first.pk),
    ]:
        url = _path(links.partner_url(subscription, kind, pk))
        with django_assert_max_num_queries(8):
            response = Client().get(url)
        assert response.status_code == 200


# --- The rule is the partner's ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "deal_path"),
    [(Proposal, "deal"), (StatusUpdate, "workstream__deal"), (Risk, "workstream__deal")],
)
def test_a_reader_with_no_account_sees_exactly_what_a_partner_of_the_deal_sees(
    people: People, records: None, model, deal_path: str
) -> None:
    from core import policy

    by_link = set(model.objects.filter(policy.partner_filter(people.deal.pk, deal_path)))
    as_partner = set(model.objects.filter(policy.classified_filter(people.partner, deal_path)))
    assert by_link == as_partner
    assert by_link and len(by_link) < model.objects.count()  # some, not all
