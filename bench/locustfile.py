"""The simulated people of the load run (bench/load.py starts locust with this file).

Kept free of Django: locust patches the standard library with gevent when it is imported, so
everything that needs the database (sessions, tokens, the check of the writes) happens in
bench/load.py, which passes what the users need in the JSON file named by ``LOAD_PLAN``:

    {"run": "<id>", "deal": "<slug>", "think": [min, max], "results": "<path>",
     "leads": [{"token": ..., "workstream": <id>}], "sessions": ["<cookie>"],
     "readers": ["<token>"]}

Three kinds of people, in the proportions of the class weights:
- leads post their workstream's update through the API (token auth), each post carrying a
  marker unique to the run so that bench/load.py can count it in the database afterwards;
- DSG members view the dashboards of the deal (the synthetic one, ``?deal=``: they hold roles
  in the demo's own deal too) with a signed-in, two-factor-verified session;
- API clients read lists (workstreams, proposals, risks, status updates) with a token.

Every request is named "<group> <path>" so that bench/load.py can report by group; at the end
the posts (sent, and the answer to each) and each group's figures, merged from locust's own
statistics, are written to the results file.
"""

from __future__ import annotations

import itertools
import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, events, task
from locust.stats import StatsEntry

PLAN: dict[str, Any] = json.loads(Path(os.environ["LOAD_PLAN"]).read_text())
GROUPS = ("dashboards", "api-read", "update-post")
DASHBOARDS = (
    "/dashboard/",
    "/dashboard/shared/",
    "/dashboard/pipeline/",
    "/dashboard/coverage/",
    "/dashboard/asks/",
)
API_LISTS = (
    "/api/v1/workstreams/",
    "/api/v1/proposals/",
    "/api/v1/risks/",
    "/api/v1/status-updates/",
)
# What a TLS-terminating proxy sends, so that production settings (HTTPS only) apply.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}
# Every post: its marker, workstream, answer status and the version the answer gave.
POSTS: list[dict[str, Any]] = []
# How many people of each kind have started.
STARTED: Counter[str] = Counter()


def _next(kind: str, pool: list[Any]) -> tuple[int, Any]:
    number = STARTED[kind]
    STARTED[kind] += 1
    return number, pool[number % len(pool)]


class Base(FastHttpUser):
    abstract = True
    wait_time = between(*PLAN["think"])
    # Connections are not reused: gunicorn's sync workers close each after its response.
    concurrency = 1

    def expect(self, group: str, path: str, status: int, *, query: str = "", **kwargs: Any) -> Any:
        """One request, named by its path without ``query``; anything but ``status`` (a
        redirect too) counts as an error."""
        method = kwargs.pop("method", "GET")
        with self.client.request(
            method,
            f"{path}?{query}" if query else path,
            name=f"{group} {path}",
            catch_response=True,
            allow_redirects=False,
            **kwargs,
        ) as response:
            if response.status_code != status:
                response.failure(f"HTTP {response.status_code}")
            return response


class Lead(Base):
    """A workstream lead posting their workstream's update for this period, again and again:
    each post is a new version of the period's update."""

    weight = 1

    def on_start(self) -> None:
        self.number, lead = _next("lead", PLAN["leads"])
        self.workstream = lead["workstream"]
        self.headers = PROXY_HEADERS | {"Authorization": f"Token {lead['token']}"}
        self.sequence = itertools.count()

    @task
    def post_update(self) -> None:
        marker = f"load-{PLAN['run']}-{self.number}-{next(self.sequence)}"
        record: dict[str, Any] = {"marker": marker, "workstream": self.workstream, "status": None}
        POSTS.append(record)  # sent: counted even if the run ends before the answer
        body = {
            "workstream": self.workstream,
            "rag": "amber",
            "direction": "improving",
            "summary": f"Business case with the department [{marker}].",
            "classification": "official",
        }
        response = self.expect(
            "update-post",
            "/api/v1/status-updates/",
            201,
            method="POST",
            json=body,
            headers=self.headers,
        )
        record["status"] = response.status_code
        if response.status_code == 201:
            record["version"] = json.loads(response.text)["version"]


class DsgMember(Base):
    """A DSG member looking through the dashboards."""

    weight = 3

    def on_start(self) -> None:
        _, cookie = _next("dsg", PLAN["sessions"])
        self.headers = PROXY_HEADERS | {"Cookie": cookie}

    def view(self, path: str) -> None:
        self.expect("dashboards", path, 200, query=f"deal={PLAN['deal']}", headers=self.headers)

    @task
    def overview(self) -> None:
        self.view("/dashboard/")

    @task
    def shared(self) -> None:
        self.view("/dashboard/shared/")

    @task
    def pipeline(self) -> None:
        self.view("/dashboard/pipeline/")

    @task
    def coverage(self) -> None:
        self.view("/dashboard/coverage/")

    @task
    def asks(self) -> None:
        self.view("/dashboard/asks/")


class ApiClient(Base):
    """A system reading lists through the API with a token."""

    weight = 1

    def on_start(self) -> None:
        number, token = _next("reader", PLAN["readers"])
        self.headers = PROXY_HEADERS | {"Authorization": f"Token {token}"}
        # Each client starts at another list, so that all of them are read from the start.
        self.paths = itertools.islice(itertools.cycle(API_LISTS), number % len(API_LISTS), None)

    @task
    def read(self) -> None:
        self.expect("api-read", next(self.paths), 200, headers=self.headers)


def _figures(entry: StatsEntry) -> dict[str, Any]:
    percentile = entry.get_response_time_percentile
    return {
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "rps": entry.total_rps,
        "p50": percentile(0.5),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "max": entry.max_response_time,
    }


@events.test_stop.add_listener
def write_results(environment: Any, **_: Any) -> None:
    """Each group's figures (its endpoints' statistics merged), each endpoint's, the errors,
    and every post, for bench/load.py."""
    stats = environment.stats
    groups: dict[str, Any] = {}
    for group in GROUPS:
        merged = StatsEntry(stats, group, "", use_response_times_cache=False)
        for entry in stats.entries.values():
            if entry.name.split(" ", 1)[0] == group:
                merged.extend(entry)
        groups[group] = _figures(merged)
    results = {
        "total": _figures(stats.total),
        "groups": groups,
        "endpoints": {entry.name: _figures(entry) for entry in stats.entries.values()},
        "errors": [
            {"name": error.name, "error": str(error.error), "count": error.occurrences}
            for error in stats.errors.values()
        ],
        "users": dict(STARTED),
        "posts": POSTS,
    }
    Path(PLAN["results"]).write_text(json.dumps(results, indent=1))
