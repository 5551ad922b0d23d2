"""The API fuzzed against its own OpenAPI schema, as an administrator and as a partner.

Schemathesis generates requests for every operation the schema describes (reads and writes,
valid and invalid values, the ids of real records and made-up ones) and checks each response:
never a server error, always the status codes, content types and bodies the schema promises,
and, for the partner, never an OFFICIAL-SENSITIVE record or a word that only sensitive records
hold. The run is seeded and small per operation so that it stays well inside CI's time.

One test per persona: the records made below are made once for the module, and the database is
rolled back after each test, so whatever the fuzzed writes create persists through every
operation of that persona's run and is gone for the next.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import schemathesis
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import strategies as st
from pytest_django import DjangoDbBlocker
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import User
from briefings.models import Subscription
from core.choices import Classification
from delivery.models import Provision, ProvisionReport
from missions import services as figures
from missions.models import Area, Indicator, Mission, Observation
from papers import services as paper_services
from papers.models import Paper
from tracker import services
from tracker.choices import AskType, Direction, Rag
from tracker.demo import demo_data_load
from tracker.models import (
    Action,
    AskResponse,
    Decision,
    EngagementEntry,
    GovernanceBody,
    Meeting,
    Milestone,
    NegotiationEntry,
    Proposal,
    PropositionVersion,
    Risk,
    StatusUpdate,
    Theme,
    Workstream,
)
from tracker.periods import deal_period, previous_period

from .conftest import People, load_reference, make_people, people_of
from .once import assert_inside_once, built_once
from .paper_files import PDF

# A working day in the middle of a reporting period, so that "this period" is stable.
TODAY = dt.datetime(2026, 5, 20, 10, 0, tzinfo=dt.UTC)
ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"
MAX_EXAMPLES = 6

# Words that only OFFICIAL-SENSITIVE records hold: none may reach a partner by any route.
SENSITIVE_WORDS = ("Quillfeather", "Marrowgate", "Obsidianvale", "Thistlecombe")
# Their OFFICIAL counterparts, which a partner does see (so the partner's run reads real rows).
OFFICIAL_WORDS = ("Lanternbrook", "Copperfield", "Willowmere")

# Bodies that are not JSON a client meant to send: cut short, not UTF-8, nested too deep.
MALFORMED_BODIES = [
    b'{"title": "Bus franchising", "ask": ',
    b'{"title": "\xff\xfe"}',
    b"[" * 5_000,
    b'{"a":' * 1_000 + b"1" + b"}" * 1_000,
    b'{"title": ["a", ["b\\u0000"]]}',
]

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(autouse=True)
def connection_kept() -> Iterator[None]:
    """The app is called through its WSGI handler, not Django's test client: like the test
    client, keep each request from closing the database connection, which holds the test's
    transaction (on PostgreSQL, with persistent connections, it would be closed)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=True):
        yield


@dataclass
class World:
    """The ids of real records, by the name the schema gives each path parameter."""

    path_values: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


def _records(people: People) -> None:
    """Records of both markings with distinctive words, beside the demo data."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    official, sensitive = Classification.OFFICIAL, Classification.OFFICIAL_SENSITIVE
    for classification, title, ask in [
        (official, "Lanternbrook bus franchising", "Copperfield grant devolved"),
        (sensitive, "Quillfeather fallback position", "Marrowgate red line"),
    ]:
        services.proposal_create(
            workstream=transport,
            acting_user=people.admin,
            title=title,
            classification=classification,
            ask=ask,
            ask_type=AskType.FUNDING,
        )
    period = previous_period(people.deal, deal_period(people.deal, TODAY.date()))
    for workstream, classification, summary in [
        (transport, official, "Willowmere corridor on track"),
        (skills, sensitive, "Obsidianvale talks stalled"),
    ]:
        services.status_update_submit(
            workstream=workstream,
            acting_user=people.admin,
            rag=Rag.AMBER,
            direction=Direction.STABLE,
            summary=summary,
            classification=classification,
            period=period,
        )
    meeting = Meeting.objects.filter(body__deal=people.deal).order_by("pk").first()
    for classification, title in [
        (official, "Lanternbrook agenda"),
        (sensitive, "Quillfeather briefing note"),
    ]:
        paper_services.paper_attach(
            acting_user=people.admin,
            upload=SimpleUploadedFile("paper.pdf", PDF),
            title=title,
            classification=classification,
            meeting=meeting,
        )
    for classification, title in [
        (official, "Lanternbrook delay"),
        (sensitive, "Thistlecombe leak"),
    ]:
        services.risk_create(
            workstream=transport,
            acting_user=people.admin,
            title=title,
            likelihood=3,
            impact=4,
            classification=classification,
        )


def _path_values(people: People) -> dict[str, list[Any]]:
    """A few real ids per resource, newest first, sensitive and official alike."""

    def newest(model: type, **filters: Any) -> list[Any]:
        return list(
            model.objects.filter(**filters).order_by("-pk").values_list("pk", flat=True)[:4]
        )

    return {
        "deals": [people.deal.pk],
        "themes": newest(Theme),
        "workstreams": newest(Workstream, deal=people.deal),
        "bodies": newest(GovernanceBody),
        "status-updates": newest(StatusUpdate),
        "risks": newest(Risk),
        "engagement-plans": newest(EngagementEntry),
        "proposals": newest(Proposal),
        "decisions": newest(Decision),
        "negotiations": newest(NegotiationEntry),
        "meetings": newest(Meeting),
        "papers": newest(Paper),
        "milestones": newest(Milestone),
        "propositions": newest(PropositionVersion),
        "ask-responses": newest(AskResponse),
        "actions": newest(Action),
        "missions": list(Mission.objects.values_list("number", flat=True)[:3]),
        # Two of the demo's, and one imported from ONS's files with the Statement's own gap
        # measure, so that every field of the measures is checked against the schema.
        "indicators": [
            *Indicator.objects.values_list("code", flat=True)[:2],
            "female-healthy-life-expectancy",
        ],
        "areas": list(Area.objects.values_list("gss_code", flat=True)[:3]),
        "observations": newest(Observation),
        "targets": [],
        "subscriptions": newest(Subscription),
        "provisions": newest(Provision),
        "provision-reports": newest(ProvisionReport),
        "deliveries": [],
    }


def _withheld(record: dict[str, Any]) -> bool:
    """A meeting is seen by everyone in its deal; its marking is its record's (the minutes and
    attendance), which a partner receives as null. Only that record is sensitive."""
    return "minutes" in record and record["minutes"] is None and record.get("attendees") is None


def _leaks(value: Any) -> list[str]:
    """Every OFFICIAL-SENSITIVE marking found anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(value, dict):
        if value.get("classification") == Classification.OFFICIAL_SENSITIVE and not _withheld(
            value
        ):
            found.append(f"a record marked official-sensitive: {value.get('id')!r}")
        for item in value.values():
            found.extend(_leaks(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_leaks(item))
    return found


def nothing_sensitive(ctx: Any, response: Any, case: Any) -> None:
    """The partner's check: no sensitive word, no record marked official-sensitive."""
    text = response.text or ""
    words = [word for word in SENSITIVE_WORDS if word.lower() in text.lower()]
    assert not words, f"{case.method} {case.formatted_path} returned {words} to a partner"
    if "json" in response.headers.get("content-type", [""])[0]:
        leaks = _leaks(json.loads(text)) if text else []
        assert not leaks, f"{case.method} {case.formatted_path} returned {leaks} to a partner"


def _resource(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/")[0]


# Reads first, so they see the records before the fuzzed writes change them.
METHOD_ORDER = {"GET": 0, "POST": 1, "PUT": 2, "PATCH": 3, "DELETE": 4}


def _operations(schema: Any) -> list[Any]:
    operations = [result.ok() for result in schema.get_all_operations()]
    return sorted(operations, key=lambda op: (METHOD_ORDER[op.method.upper()], op.path))


def _strategy(
    operation: Any, values: dict[str, list[Any]], mode: GenerationMode = GenerationMode.POSITIVE
) -> Any:
    """Generated cases, and where the path names a record, the same with real records' ids."""
    generated = operation.as_strategy(generation_mode=mode)
    names = [p.name for p in operation.path_parameters]
    real = values.get(_resource(operation.path), [])
    if not names or not real:
        return generated
    with_real_ids = st.sampled_from(real).flatmap(
        lambda pk: operation.as_strategy(generation_mode=mode, path_parameters={names[0]: pk})
    )
    return st.one_of(with_real_ids, generated)


@dataclass
class Tally:
    operations: int = 0
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)


def _schema(user: User) -> tuple[Any, dict[str, str]]:
    token = Token.objects.get_or_create(user=user)[0].key
    headers = {"Authorization": f"Token {token}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler(), headers=headers)
    return schema, headers


def _fuzz(
    user: User,
    values: dict[str, list[Any]],
    extra_checks: list[Any],
    *,
    mode: GenerationMode = GenerationMode.POSITIVE,
    checks: list[Any] = CHECKS,
) -> Tally:
    schema, headers = _schema(user)
    tally = Tally()
    for operation in _operations(schema):
        if mode == GenerationMode.NEGATIVE and not operation.body:
            continue  # a malformed body needs an operation that takes one
        tally.operations += 1

        @hypothesis.settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            # Only about speed and size of generated data, not about what the API does.
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.filter_too_much,
                HealthCheck.data_too_large,
                HealthCheck.large_base_example,
            ],
            phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate],
        )
        @given(case=_strategy(operation, values, mode))
        def run(case: Any) -> None:
            tally.cases += 1
            response = case.call(headers=headers)
            tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
            case.validate_response(response, checks=checks, additional_checks=extra_checks)

        # Every operation is tried, and every failure reported together at the end.
        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # reported below, with the operation
            tally.failures.append(f"{operation.label}: {error}")
    return tally


def _papers_in(folder: Path) -> dict[str, Any]:
    """The storages, with papers kept in ``folder``."""
    return {
        **settings.STORAGES,
        "papers": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(folder)},
        },
    }


@pytest.fixture(scope="module")
def built(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: Any
) -> Iterator[tuple[int, dict[str, list[Any]], Path]]:
    """The reference data, the personas, the demo data, the records above and a published ONS
    file, made once for the module's tests (tests/once.py): each test runs in a savepoint
    rolled back after it, so what one persona's fuzzed writes create is gone for the next.
    Yields the deal's id, the records' ids and the folder their papers' files are kept in."""
    held = tmp_path_factory.mktemp("fuzz")

    def build() -> tuple[int, dict[str, list[Any]]]:
        with (
            time_machine.travel(TODAY, tick=True),
            override_settings(STORAGES=_papers_in(held / "papers")),
        ):
            people = make_people(load_reference())
            demo_data_load(logins_path=held / "logins.txt", today=TODAY.date())
            _records(people)
            shutil.copytree(
                ONS / "healthy-life-expectancy", held / "ons" / "healthy-life-expectancy"
            )
            figures.import_ons_directory(held / "ons", acting_user=None)
            return people.deal.pk, _path_values(people)

    with built_once(django_db_blocker, build) as (deal_id, values):
        yield deal_id, values, held / "papers"


@pytest.fixture
def people(built: tuple[int, dict[str, list[Any]], Path], db: None) -> People:
    assert_inside_once()
    return people_of(built[0])


@pytest.fixture
def world(
    built: tuple[int, dict[str, list[Any]], Path], people: People, tmp_path: Path, settings: Any
) -> dict[str, list[Any]]:
    """The records' ids, with a copy of their papers in the test's own folder, which the fuzzed
    writes may replace or delete (files are not rolled back with the database)."""
    shutil.copytree(built[2], tmp_path / "papers")
    settings.STORAGES = _papers_in(tmp_path / "papers")
    return built[1]


def _report(persona: str, tally: Tally) -> None:
    print(
        f"\nAPI fuzzing as {persona}: {tally.operations} operations, {tally.cases} cases, "
        f"statuses {dict(sorted(tally.statuses.items()))}"
    )


def test_the_api_holds_for_an_administrator(people: People, world: dict[str, list[Any]]) -> None:
    tally = _fuzz(people.admin, world, [])
    _report("an administrator", tally)
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.operations >= 70


def test_the_api_holds_and_leaks_nothing_sensitive_to_a_partner(
    people: People, world: dict[str, list[Any]]
) -> None:
    tally = _fuzz(people.partner, world, [nothing_sensitive])
    _report("a partner", tally)
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.operations >= 70


def test_no_malformed_body_is_a_server_error(
    people: People, world: dict[str, list[Any]], api: APIClient
) -> None:
    """Every operation that takes a body: schemathesis's negative cases (a body that breaks the
    schema: wrong types, missing fields, values out of range) and bodies that are not JSON at
    all, or nested too deep to decode, are refused, never a server error."""
    tally = _fuzz(
        people.admin, world, [], mode=GenerationMode.NEGATIVE, checks=[not_a_server_error]
    )
    _report("an administrator, with malformed bodies", tally)
    assert not tally.failures, "\n\n".join(tally.failures)
    assert tally.operations >= 20

    schema, _ = _schema(people.admin)
    api.force_authenticate(people.admin)
    sent = 0
    for operation in _operations(schema):
        if not operation.body:
            continue
        path = operation.path
        for parameter in operation.path_parameters:
            real = world.get(_resource(operation.path)) or [1]
            path = path.replace(f"{{{parameter.name}}}", str(real[0]))
        for body in MALFORMED_BODIES:
            response = api.generic(operation.method.upper(), path, body, "application/json")
            assert response.status_code < 500, (operation.label, body[:40], response.content)
            sent += 1
    assert sent >= 20 * len(MALFORMED_BODIES)
