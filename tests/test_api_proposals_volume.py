"""The proposals API's lists cost the same few queries at ten times the data.

Building the data (up to 30 proposals each walked through the whole chain to government, with
answers and talks) is nearly all such a test costs, so each size is built once for its class's
tests (tests/once.py), not once for each of them: a class is held in one transaction rolled back
after it, and each test in a savepoint rolled back after it. The tests only read; a test that
wrote would still leave nothing for the next.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from pytest_django import DjangoDbBlocker

from missions.models import Mission
from tracker import services
from tracker.models import GovernanceBody, GovernmentDepartment, Principle, Workstream
from tracker.selectors.governance import chain_of

from .conftest import People, load_reference, make_people, people_of
from .once import assert_inside_once, built_once
from .test_api_proposals import (
    OFFICIAL,
    SENSITIVE,
    TODAY,
    client_for,
    draft,
    talk,
    with_government,
)


@pytest.fixture(autouse=True)
def frozen_today() -> Iterator[None]:
    with time_machine.travel(TODAY, tick=False):
        yield


def _volume(people: People, chain: list[GovernanceBody], size: int) -> None:
    """``size`` proposals across two workstreams, every other one sensitive, each with its
    principles partly answered, every body's decision, and two talks with government."""
    department = GovernmentDepartment.objects.get(deal=people.deal, abbreviation="HMT")
    mission = Mission.objects.get(number=1)
    principle = Principle.objects.filter(deal=people.deal).first()
    assert principle is not None
    for n in range(size):
        slug = "transport" if n % 2 else "skills"
        workstream = Workstream.objects.get(deal=people.deal, slug=slug)
        proposal = draft(
            people,
            workstream,
            title=f"Proposal {n}",
            classification=SENSITIVE if n % 2 else OFFICIAL,
            departments=[department],
            missions=[mission],
        )
        services.principles_answer(
            proposal=proposal, acting_user=people.admin, answers={principle: ("yes", "")}
        )
        with_government(people, proposal, chain)
        talk(people, proposal, department, OFFICIAL)
        talk(people, proposal, department, SENSITIVE)


@pytest.fixture(scope="class")
def volume(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: DjangoDbBlocker
) -> Iterator[int]:
    """The reference data, the personas and the class's ``size`` of proposals, built once for
    the class's tests on the day they run on; yields the deal's id."""

    def build() -> int:
        with time_machine.travel(TODAY, tick=False):
            people = make_people(load_reference())
            _volume(people, chain_of(people.deal), request.cls.size)
            return people.deal.pk

    with built_once(django_db_blocker, build) as deal_id:
        yield deal_id


@pytest.fixture
def people(volume: int, db: None) -> People:
    assert_inside_once()
    return people_of(volume)


@pytest.fixture
def chain(people: People) -> list[GovernanceBody]:
    return chain_of(people.deal)


# The person's roles, the count and the page; proposals add their departments, missions,
# metrics, indicators, answers and the deal's principles.
LIST_QUERIES = {
    "/api/v1/proposals/": 9,
    "/api/v1/decisions/": 3,
    "/api/v1/negotiations/": 3,
}


class Lists:
    size: int

    @pytest.mark.parametrize("url", list(LIST_QUERIES))
    @pytest.mark.parametrize("role", ["partner", "admin"])
    def test_proposal_lists_cost_the_same_few_queries_at_ten_times_the_data(
        self,
        people: People,
        chain: list[GovernanceBody],
        url: str,
        role: str,
        django_assert_max_num_queries: Any,
    ) -> None:
        size = self.size
        client = client_for(people.all_roles()[role])
        with django_assert_max_num_queries(LIST_QUERIES[url]):
            response = client.get(url + "?page_size=200")
        assert response.status_code == 200
        official = (size + 1) // 2
        rows = {
            "/api/v1/proposals/": (size, official),
            "/api/v1/decisions/": (size * len(chain), official * len(chain)),
            "/api/v1/negotiations/": (size * 2, official),
        }[url]
        expected = rows[0] if role == "admin" else rows[1]
        assert response.json()["count"] == len(response.json()["results"]) == expected


class TestAtThree(Lists):
    size = 3


class TestAtThirty(Lists):
    size = 30
