"""Every URL of the site tried as every persona, compared with the table in permissions_matrix.

The table names each URL pattern by its name; a URL the resolver knows and the table does not
fails the first test, so a new page or endpoint cannot arrive without its row. The cells are
tried one persona per test (the records below are made once for the module, and what each
persona's writes change is rolled back after its test): reads first, then writes, deletions
last, so that a write cannot hide a later read's answer.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from pytest_django import DjangoDbBlocker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import User
from accounts.services import user_provision
from briefings import links
from briefings import services as briefing_services
from briefings.choices import Audience
from briefings.models import Delivery
from core.choices import Classification, Role
from core.models import Deal
from delivery import services as delivery_services
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision
from missions.models import Area, Indicator, Mission, Observation, Target
from papers import services as paper_services
from tracker import services
from tracker.choices import AskType, BodyKind, Direction, Rag
from tracker.demo import demo_data_load
from tracker.models import (
    Action,
    AgendaItem,
    AskResponse,
    Decision,
    EngagementEntry,
    GovernanceBody,
    Meeting,
    Milestone,
    NegotiationEntry,
    PropositionVersion,
    StatusUpdate,
    Theme,
    Workstream,
)
from tracker.periods import reportable_past_periods
from tracker.selectors.governance import next_meeting

from .conftest import People, load_reference, make_people, people_of
from .once import assert_inside_once, built_once
from .paper_files import PDF
from .permissions_matrix import ADMIN_SITE, MATRIX, PERSONAS, SECOND_DEAL, Cell

TODAY = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


def _papers_in(folder: Path) -> dict[str, Any]:
    """The storages, with papers kept in ``folder``."""
    return {
        **settings.STORAGES,
        "papers": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }


def _names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}{pattern.namespace}:"
            yield from _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or pattern.pattern}"


def url_names() -> set[str]:
    """Every URL pattern's name; the Django admin's own pages are one row (ADMIN_SITE)."""
    return {name for name in _names(get_resolver().url_patterns) if not name.startswith("admin:")}


def test_every_url_of_the_site_has_a_row_in_the_matrix() -> None:
    in_table = {cell.name for cell in MATRIX}
    assert url_names() - in_table == set(), "URLs without a row in tests/permissions_matrix.py"
    assert in_table - url_names() - {ADMIN_SITE} == set(), "rows for URLs that no longer exist"


def test_every_row_gives_a_result_for_every_persona() -> None:
    for cell in MATRIX:
        assert len(cell.expected.split()) == len(PERSONAS), cell


@dataclass
class Objects:
    values: dict[str, Any]


def _records(people: People) -> dict[str, Any]:
    """Records of both markings in Transport, which `lead` leads and `sponsor` sponsors, beside
    the demo data (which gives meetings, talks, decisions, the Proposition and figures)."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    official, sensitive = Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE

    def proposal(title: str, classification: str) -> Any:
        return services.proposal_create(
            workstream=transport,
            acting_user=people.admin,
            title=title,
            classification=classification,
            ask="Devolve the bus service operators grant.",
            ask_type=AskType.FUNDING,
        )

    def update(classification: str, period: Any = None) -> Any:
        return services.status_update_submit(
            workstream=transport,
            acting_user=people.lead,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="On track.",
            classification=classification,
            period=period,
        )

    def risk(title: str, classification: str) -> Any:
        return services.risk_create(
            workstream=transport,
            acting_user=people.lead,
            title=title,
            likelihood=2,
            impact=3,
            classification=classification,
        )

    def provision(reference: str, classification: str) -> Any:
        made = delivery_services.provision_create(
            deal=people.deal,
            acting_user=people.admin,
            reference=reference,
            chapter="Transport",
            title=f"Provision {reference}",
            text="Government will support the authority's franchising of bus services.",
            workstream=transport,
            kind=ProvisionKind.POWER,
            classification=classification,
        )
        report = delivery_services.report_submit(
            provision=made,
            acting_user=people.lead,
            state=DeliveryState.IN_PROGRESS,
            confidence=Confidence.GREEN,
            narrative="On track.",
        )
        return made.pk, report.pk

    official_provision, official_report = provision("4.12", official)
    sensitive_provision, sensitive_report = provision("4.13", sensitive)
    subscription = briefing_services.subscription_create(
        deal=people.deal, acting_user=people.lead, audience=Audience.INTERNAL
    )
    # A partner subscribed by address, with no account: the signed links of their digest.
    partner_subscription = briefing_services.subscription_create(
        deal=people.deal, acting_user=people.admin, email="partner@example.com"
    )
    meeting = Meeting.objects.filter(body__deal=people.deal).order_by("pk").first()
    indicator = Indicator.objects.order_by("pk").first()
    area = Area.objects.order_by("pk").first()
    target, api_target = (
        Target.objects.create(indicator=indicator, area=area, kind="target", year=y, value=1)
        for y in (2030, 2031)
    )
    now = dt.datetime.now(dt.UTC)
    # A past period Transport missed (the demo reports them all), which its lead may still
    # report, late.
    missed = reportable_past_periods(people.deal, TODAY.date())[0]
    StatusUpdate.objects.filter(workstream=transport, period_start=missed.start).delete()
    official_proposal = proposal("Bus franchising powers", official)
    sensitive_proposal = proposal("Fallback position", sensitive)
    # An OFFICIAL meeting of our own for the papers, whatever the demo's are marked.
    paper_meeting = services.meeting_create(
        body=GovernanceBody.objects.filter(deal=people.deal).order_by("pk").first(),
        acting_user=people.admin,
        starts_at=TODAY + dt.timedelta(days=40, minutes=17),
        classification=official,
    )

    def paper(classification: str = "", **record: Any) -> int:
        return paper_services.paper_attach(
            acting_user=people.admin,
            upload=SimpleUploadedFile("paper.pdf", PDF),
            title="A paper",
            classification=classification,
            **record,
        ).pk

    # An ask of the DSG on its next agenda, for recording its answer; an answer and an action
    # of the demo's, OFFICIAL, for reading them.
    asking = services.status_update_submit(
        workstream=Workstream.objects.get(deal=people.deal, slug="skills"),
        acting_user=people.admin,
        rag=Rag.AMBER,
        direction=Direction.STABLE,
        summary="Slipping.",
        asks_of_dsg="Agree the adult skills ask before the bilateral.",
    )
    dsg = GovernanceBody.objects.get(deal=people.deal, kind=BodyKind.STRATEGY_GROUP)
    page = links.PartnerPage
    return {
        "dsg_meeting": next_meeting(dsg).pk,
        "ask_update": asking.pk,
        "action": Action.objects.filter(classification=official).order_by("pk").first().pk,
        "ask_response": AskResponse.objects.filter(classification=official)
        .order_by("pk")
        .first()
        .pk,
        "slug": "transport",
        "workstream": transport.pk,
        "proposal": official_proposal.pk,
        "sensitive_proposal": sensitive_proposal.pk,
        "paper_meeting": paper_meeting.pk,
        "paper": paper(meeting=paper_meeting),
        "sensitive_paper": paper(sensitive, meeting=paper_meeting),
        "proposal_paper": paper(proposal=official_proposal),
        "sensitive_proposal_paper": paper(proposal=sensitive_proposal),
        "partner_page_token": links.partner_token(
            partner_subscription, page.PROPOSAL, official_proposal.pk
        ),
        "sensitive_partner_page_token": links.partner_token(
            partner_subscription, page.PROPOSAL, sensitive_proposal.pk
        ),
        "briefing_session_token": links.partner_token(
            partner_subscription, page.BRIEFING_SESSION, people.deal.pk
        ),
        "update": update(official).pk,
        "risk": risk("Delay to the tram extension", official).pk,
        "sensitive_risk": risk("Negotiating red line", sensitive).pk,
        "entry": EngagementEntry.objects.filter(workstream=transport).order_by("pk").first().pk,
        "negotiation": NegotiationEntry.objects.order_by("pk").first().pk,
        "meeting": meeting.pk,
        "item": AgendaItem.objects.order_by("pk").first().pk,
        "milestone": Milestone.objects.order_by("pk").first().pk,
        "number": PropositionVersion.objects.order_by("pk").first().number,
        # The API names a version by its id, the pages by its number.
        "version": PropositionVersion.objects.order_by("pk").first().pk,
        "code": indicator.code,
        # The deal's own framework: a person with no role in the deal may not read it.
        "framework": "west-midlands-outcomes-framework",
        "target": target.pk,
        "api_target": api_target.pk,
        "subscription": subscription.pk,
        "provision": official_provision,
        "sensitive_provision": sensitive_provision,
        # The public progress page's: the demo publishes some of its provisions.
        "deal_slug": people.deal.slug,
        "published_provision": Provision.objects.filter(deal=people.deal, is_published=True)
        .order_by("pk")
        .first()
        .pk,
        "provision_report": official_report,
        "sensitive_provision_report": sensitive_report,
        "view_token": links.view_token(subscription, now - dt.timedelta(days=7), now),
        "unsubscribe_token": links.unsubscribe_token(subscription),
        "deal": people.deal.pk,
        "theme": Theme.objects.order_by("pk").first().pk,
        "body": GovernanceBody.objects.order_by("pk").first().pk,
        "decision": Decision.objects.order_by("pk").first().pk,
        "mission": Mission.objects.order_by("number").first().number,
        "gss": area.gss_code,
        "observation": Observation.objects.order_by("pk").first().pk,
        "delivery": getattr(Delivery.objects.order_by("pk").first(), "pk", 1),
        "session": 99999,  # no session of theirs: one cannot end what is not one's own
        "missed_period": missed.start.isoformat(),
    }


def _client(user: User | None, api: bool) -> APIClient:
    client = APIClient()
    if user is not None:
        if api:
            client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user)}")
        else:
            client.force_login(user)
    return client


def _second_deal_person(role: str) -> User:
    """Someone holding ``role`` in Northfold, a second deal, and none in the West Midlands."""
    deal = Deal.objects.create(
        name="Northfold Trailblazer Deal", short_name="NTD", slug="northfold"
    )
    theme = Theme.objects.create(deal=deal, name="Prosperity", slug="prosperity")
    harbour = Workstream.objects.create(
        deal=deal, theme=theme, name="Harbour Skills", slug="harbour-skills"
    )
    return user_provision(
        email=f"{role}@northfold.example.org",
        role=role,
        deal=deal,
        workstreams=[harbour] if role == Role.LEAD else [],
    )


@pytest.fixture(scope="module")
def world(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: Any
) -> Iterator[tuple[int, dict[str, Any], Path]]:
    """The reference data, the personas, the demo data and the records above, made once for the
    module's tests (tests/once.py): each persona's test runs in a savepoint rolled back after
    it, so what its writes change is gone for the next persona. Yields the deal's id, the
    records' values and the folder their papers' files are kept in."""
    held = tmp_path_factory.mktemp("matrix")

    def build() -> tuple[int, dict[str, Any]]:
        with (
            time_machine.travel(TODAY, tick=True),
            override_settings(STORAGES=_papers_in(held / "papers")),
        ):
            people = make_people(load_reference())
            demo_data_load(logins_path=held / "logins.txt", today=TODAY.date())
            return people.deal.pk, _records(people)

    with built_once(django_db_blocker, build) as (deal_id, values):
        yield deal_id, values, held / "papers"


@pytest.fixture
def people(world: tuple[int, dict[str, Any], Path], db: None) -> People:
    assert_inside_once()
    return people_of(world[0])


@pytest.fixture
def papers_in_tmp(
    world: tuple[int, dict[str, Any], Path], settings: Any, tmp_path: Path
) -> dict[str, Any]:
    """A copy of the records' papers in the test's own folder, where it reads, replaces and
    deletes them (the files are not rolled back with the database); the records' values."""
    shutil.copytree(world[2], tmp_path / "papers")
    settings.STORAGES = _papers_in(tmp_path / "papers")
    return world[1]


def _try(people: People, persona: str, values: dict[str, Any]) -> list[str]:
    if persona in SECOND_DEAL:
        user: User | None = _second_deal_person(SECOND_DEAL[persona])
    else:
        user = None if persona == "anonymous" else getattr(people, persona)
    pages, api = _client(user, api=False), _client(user, api=True)
    column = PERSONAS.index(persona)
    mismatches = []
    # An API write names Transport and its OFFICIAL proposal, so that the answer is about who
    # may write there rather than about a body that names nothing.
    body = {"workstream": values["workstream"], "proposal": values["proposal"]}
    for cell in sorted(MATRIX, key=_order):
        url = cell.path.format(**values)
        client = api if url.startswith("/api/") else pages
        call = getattr(client, cell.method.lower())
        if cell.method == "GET":
            response = call(url)
        else:
            response = call(url, body if client is api else {}, format="json")
        got = _result(response)
        want = cell.expected.split()[column]
        if got != want:
            mismatches.append(f"{cell.method} {url} ({cell.name}) as {persona}: {got}, not {want}")
    return mismatches


def _order(cell: Cell) -> tuple[int, bool]:
    """Reads, then writes, deletions last; signing out after everything else."""
    return (METHOD_ORDER[cell.method], cell.name == "logout")


def _result(response: Any) -> str:
    """A status code; a redirect to the sign-in page reads `login`."""
    if response.status_code == 302 and response["Location"].startswith("/accounts/login/"):
        return "login"
    return str(response.status_code)


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_gets_what_the_matrix_says(
    people: People, persona: str, papers_in_tmp: dict[str, Any]
) -> None:
    mismatches = _try(people, persona, papers_in_tmp)
    assert not mismatches, "\n".join(mismatches)
