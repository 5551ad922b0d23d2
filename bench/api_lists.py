"""Time warm single requests to the API lists, in process, against the database in DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/api_lists.py [--requests 50] [--as dsg partner] [--sql]

Measures the synthetic deal that ``load_demo_data --scale N`` makes, already loaded (run
bench/dashboards.py once, or load_demo_data --scale 10 and ANALYZE): it loads nothing and
changes nothing but the API tokens it creates for the people it reads as. It runs Django in
this process with production settings (DEBUG off, a throwaway SECRET_KEY), so that the figures
are the cost of building each list (queries, serializing, rendering JSON) without a server or a
network in between; bench/capacity.py measures the same lists under gunicorn.

For each person (by default a DSG member of the synthetic deal, who sees OFFICIAL-SENSITIVE
material, and a partner of it, who sees OFFICIAL records only; both hold roles in the demo's
own deal too, so their lists show both deals), each list is requested a few times to warm up,
then ``--requests`` times, the lists interleaved, with the person's API token. It prints each
list's p50 and p95 in milliseconds, its queries per request (counted on one more request) and
the rows it holds, with the fastest request and the p50 of this process's CPU time (the
Python side: serializing, rendering; not the database's), which a busy machine disturbs less
than the elapsed times. ``--sql`` prints each query of that counted request with its time.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LISTS = (
    "/api/v1/workstreams/",
    "/api/v1/status-updates/?rag=red",
    "/api/v1/status-updates/",
    "/api/v1/proposals/",
    "/api/v1/risks/",
)
WARM_UP_ROUNDS = 3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=50, help="requests per list (50)")
    parser.add_argument(
        "--as",
        dest="roles",
        nargs="+",
        default=["dsg", "partner"],
        choices=["dsg", "partner", "sponsor", "lead", "admin"],
        help="whose lists to measure: a demo person with this role in the synthetic deal",
    )
    parser.add_argument("--sql", action="store_true", help="print the counted request's queries")
    parser.add_argument("--only", nargs="+", help="measure only these lists (paths)")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a database with the synthetic deal loaded")
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    setup()
    from django.db import connection

    lists = tuple(args.only or LISTS)
    print(data_size())
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    failures = 0
    for role in args.roles:
        token = token_of(role)
        print(f"\nas a {role} of the synthetic deal; {args.requests} requests per list\n")
        header = (
            f"{'list':<34}{'p50 ms':>8}{'p95 ms':>8}{'min ms':>8}{'cpu p50':>8}"
            f"{'queries':>8}{'rows':>6}{'count':>7}"
        )
        print(header)
        print("-" * len(header))
        times: dict[str, list[float]] = {path: [] for path in lists}
        cpu: dict[str, list[float]] = {path: [] for path in lists}
        for _ in range(WARM_UP_ROUNDS):
            for path in lists:
                get(path, token)
        for _ in range(args.requests):
            for path in lists:
                started, started_cpu = time.perf_counter(), time.process_time()
                get(path, token)
                times[path].append((time.perf_counter() - started) * 1000)
                cpu[path].append((time.process_time() - started_cpu) * 1000)
        for path in lists:
            queries, body = counted(path, token, connection)
            p50, p95 = percentile(times[path], 0.5), percentile(times[path], 0.95)
            print(
                f"{path:<34}{p50:>8.1f}{p95:>8.1f}{min(times[path]):>8.1f}"
                f"{percentile(cpu[path], 0.5):>8.1f}{len(queries):>8}"
                f"{len(body['results']):>6}{body['count']:>7}"
            )
            if args.sql:
                for query in queries:
                    print(f"    {float(query['time']) * 1000:7.1f} ms  {query['sql'][:2000]}")
        print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 1 if failures else 0


def setup() -> None:
    """Django with production settings in this process (the test client needs a host)."""
    os.environ.update(
        {
            "DEBUG": "False",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver",
            "VAR_DIR": os.environ.get("BENCH_VAR_DIR") or tempfile.mkdtemp(prefix="tracker-api-"),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def token_of(role: str) -> str:
    """The API token of the first demo person (by id) with this role in the synthetic deal."""
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from tracker.demo_scale import DEAL_SLUG

    user = (
        User.objects.filter(
            is_demo=True,
            is_active=True,
            memberships__role=role,
            memberships__deal__slug=DEAL_SLUG,
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        sys.exit(f"No demo {role} in {DEAL_SLUG}: load it with load_demo_data --scale N.")
    return Token.objects.get_or_create(user=user)[0].key


CLIENT: Any = None


def get(path: str, token: str) -> dict[str, Any]:
    global CLIENT  # noqa: PLW0603 - one client for the run
    from django.test import Client

    if CLIENT is None:
        CLIENT = Client()
    response = CLIENT.get(path, secure=True, HTTP_AUTHORIZATION=f"Token {token}")
    if response.status_code != 200:
        sys.exit(f"{path}: HTTP {response.status_code}: {response.content[:500]!r}")
    return response.json()  # type: ignore[no-any-return]


def counted(path: str, token: str, connection: Any) -> tuple[list[dict[str, str]], dict[str, Any]]:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        body = get(path, token)
    return list(context.captured_queries), body


def data_size() -> str:
    from tracker.demo_scale import DEAL_SLUG
    from tracker.models import Proposal, Risk, StatusUpdate, Workstream

    counts = {
        "workstreams": Workstream.objects.filter(deal__slug=DEAL_SLUG),
        "status updates": StatusUpdate.objects.filter(workstream__deal__slug=DEAL_SLUG),
        "proposals": Proposal.objects.filter(deal__slug=DEAL_SLUG),
        "risks": Risk.objects.filter(workstream__deal__slug=DEAL_SLUG),
    }
    if not counts["workstreams"].exists():
        sys.exit(f"No synthetic deal ({DEAL_SLUG}): load it with load_demo_data --scale N.")
    return f"In {DEAL_SLUG}: " + ", ".join(f"{qs.count():,} {name}" for name, qs in counts.items())


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


if __name__ == "__main__":
    sys.exit(main())
