"""Load the app under gunicorn with simulated people (locust, headless), then check the writes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_load \\
        .venv/bin/python bench/load.py [--users 50] [--duration 60] [--workers 4] [--scale 1]

Prepares the database as bench/dashboards.py does (migrate, reference data, ``load_demo_data
--scale N`` replacing any demo data, ANALYZE, collectstatic; it refuses a database holding data
that is not demo data unless given --allow-real-data), then creates what the simulated people
of the synthetic deal that ``--scale N`` makes sign in with, directly in the database: an API
token for each of its workstreams' leads and for the API readers, and a session for each DSG
member that counts as verified by their authenticator app (django-otp keeps the verified device
in the session), so production's two-factor rule stays on. The leads post to the synthetic
deal's workstreams and the DSG members view its dashboards (``?deal=``: the demo's people hold
roles in the demo's own deal too).

Starts gunicorn (``--workers``) on a free loopback port with production settings, runs locust
headless with bench/locustfile.py for ``--duration`` seconds with ``--users`` people (leads
posting updates, DSG members viewing dashboards, API clients reading lists), stops gunicorn
whatever happens, and prints requests per second, p50/p95/p99 and errors overall, per group and
per endpoint. Then it checks the database: every post answered 201 is there exactly once, with
the version its answer gave; no post of the run is there that was not sent; each period's
versions run 1, 2, 3... without a gap. Exits 1 on any error or lost or duplicated write.
See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboards import (  # noqa: E402 - the helpers of the dashboards' benchmark
    ROOT,
    analyze,
    data_size,
    django_setup,
    free_port,
    in_deal,
    manage,
    refuse_real_data,
    stop,
    synthetic_deal,
    verified_session_cookie,
    wait_until_ready,
)

GROUPS = ("dashboards", "api-read", "update-post")
# What bench/locustfile.py requests, warmed up before the run.
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
WARM_UP_ROUNDS = 3
DASHBOARD_P95_TARGET_MS = 300
# Leave the users this long to finish what they are doing when the time is up.
STOP_TIMEOUT_SECONDS = 10
MARKER = re.compile(r"\[(load-[0-9a-f]+-[0-9]+-[0-9]+)\]")


def production_env(prefix: str) -> tuple[Path, dict[str, str]]:
    """A var directory of the run's own (or ``BENCH_VAR_DIR``) and the environment of
    production settings the app runs with, set in this process too."""
    var_dir = Path(os.environ.get("BENCH_VAR_DIR") or tempfile.mkdtemp(prefix=prefix))
    for folder in ("queue", "processed"):
        (var_dir / "celery" / folder).mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
    }
    os.environ.update(env)
    return var_dir, env


def main() -> int:
    args = parse_args()
    var_dir, env = production_env("tracker-load-")
    print(f"VAR_DIR (logs, locust's CSV files, collected static files): {var_dir}")
    prepare_database(args, env)
    run = secrets.token_hex(4)
    plan_path = var_dir / "plan.json"
    results_path = var_dir / "results.json"
    deal = synthetic_deal()
    plan = people(args.users, deal) | {
        "run": run,
        "deal": deal,
        "think": [args.think_min, args.think_max],
        "results": str(results_path),
    }
    plan_path.write_text(json.dumps(plan))
    print(data_size(deal))

    port = free_port()
    server = start_gunicorn(port, args.workers, env, var_dir / "gunicorn.log")
    try:
        wait_until_ready(port, server)
        warm_up(port, plan, args.workers)
        started = time.monotonic()
        run_locust(port, args, env | {"LOAD_PLAN": str(plan_path)}, var_dir)
        elapsed = time.monotonic() - started
    finally:
        stop(server)
    if not results_path.exists():
        sys.exit(f"locust wrote no results: see {var_dir / 'locust.log'}")
    results = json.loads(results_path.read_text())
    report(results, args, elapsed, var_dir)
    try:
        failures = check_writes(run, results["posts"])
    finally:
        mark_as_demo(run)
    return 1 if results["total"]["failures"] or failures else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50, help="simulated people (50)")
    parser.add_argument("--duration", type=int, default=60, help="seconds of load (60)")
    parser.add_argument("--spawn-rate", type=float, default=10, help="people started a second")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (4)")
    parser.add_argument("--scale", type=int, default=1, help="load_demo_data --scale (1)")
    parser.add_argument("--think-min", type=float, default=1, help="least wait between requests")
    parser.add_argument("--think-max", type=float, default=3, help="most wait between requests")
    parser.add_argument(
        "--skip-load", action="store_true", help="Use the data an earlier run loaded."
    )
    parser.add_argument(
        "--allow-real-data",
        action="store_true",
        help="Run even if the database holds records that are not demo or reference data.",
    )
    args = parser.parse_args()
    if args.users < 5 or args.duration < 1 or args.workers < 1 or args.scale < 1:
        parser.error("--users must be at least 5; --duration, --workers, --scale at least 1")
    if not 0 <= args.think_min <= args.think_max:
        parser.error("--think-min must be between 0 and --think-max")
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the database to load (it gets demo data loaded)")
    if not (ROOT / "static" / "dist" / "app.css").exists():
        parser.error("the styles are not built: run `make assets` first (every page links them)")
    return args


def prepare_database(args: argparse.Namespace, env: dict[str, str]) -> None:
    manage(["migrate", "--noinput", "-v0"], env)
    refuse_real_data(allow=args.allow_real_data)
    if not args.skip_load:
        manage(["load_reference_data", "-v0"], env)
        manage(["load_demo_data", "--scale", str(args.scale)], env)
    analyze()
    manage(["collectstatic", "--noinput", "-v0"], env)


def people(users: int, deal: str) -> dict[str, Any]:
    """What the simulated people of the deal sign in with: a token for each of its workstreams'
    lead (one lead user per active workstream, so that each posts to a workstream of their
    own), a verified session for each of its DSG member users, and tokens of a sponsor, a
    partner and a DSG member of it for the API readers."""
    django_setup()
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from core.choices import Role
    from core.models import Membership
    from tracker.choices import WorkstreamStatus

    lead_of = {
        membership.workstream_id: membership.user
        for membership in Membership.objects.filter(
            role=Role.LEAD,
            deal__slug=deal,
            user__is_demo=True,
            user__is_active=True,
            workstream__status=WorkstreamStatus.ACTIVE,
        )
        .select_related("user")
        .order_by("-pk")
    }
    leads = [
        {"token": Token.objects.get_or_create(user=user)[0].key, "workstream": workstream}
        for workstream, user in sorted(lead_of.items())
    ]
    demo = User.objects.filter(is_demo=True, is_active=True).order_by("pk")
    dsg = list(demo.filter(memberships__role=Role.DSG, memberships__deal__slug=deal).distinct())
    readers = [
        Token.objects.get_or_create(user=user)[0].key
        for role in (Role.SPONSOR, Role.PARTNER, Role.DSG)
        if (user := demo.filter(memberships__role=role, memberships__deal__slug=deal).first())
        is not None
    ]
    if not leads or not dsg or not readers:
        sys.exit("The demo leads, DSG members or readers are missing: run without --skip-load.")
    sessions = [verified_session_cookie(dsg[i % len(dsg)]) for i in range(users)]
    return {"leads": leads, "sessions": sessions, "readers": readers}


def start_gunicorn(
    port: int, workers: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                # Sync workers, as the earlier figures here were measured (gunicorn.conf.py
                # gives production threads).
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def warm_up(port: int, plan: dict[str, Any], workers: int) -> None:
    """Every page and list a few times per worker, concurrently so that each worker gets its
    share, before the clock starts: a worker's first request for a page loads its code and
    templates (about 2 s here), which is start-up, not load."""
    session = {"Cookie": plan["sessions"][0]}
    token = {"Authorization": f"Token {plan['readers'][0]}"}
    requests = [(in_deal(path, plan["deal"]), session) for path in DASHBOARDS]
    requests += [(path, token) for path in API_LISTS]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        statuses = list(
            pool.map(lambda request: status_of(port, *request), requests * WARM_UP_ROUNDS * workers)
        )
    if set(statuses) != {200}:
        sys.exit(f"Warming up, the app answered {sorted(Counter(statuses).items())}.")


def status_of(port: int, path: str, headers: dict[str, str]) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers=headers | {"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def run_locust(port: int, args: argparse.Namespace, env: dict[str, str], var_dir: Path) -> None:
    """locust, headless, in a process of its own (it patches the standard library with
    gevent); it is given the time it runs for and its users' time to stop, and no more."""
    command = [
        str(Path(sys.executable).with_name("locust")),
        "--locustfile",
        str(ROOT / "bench" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{args.duration}s",
        "--stop-timeout",
        str(STOP_TIMEOUT_SECONDS),
        "--host",
        f"http://127.0.0.1:{port}",
        "--csv",
        str(var_dir / "locust"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print(f"\nlocust: {args.users} users for {args.duration} s, gunicorn {args.workers} workers")
    with (var_dir / "locust.log").open("wb") as log:
        locust = subprocess.run(  # noqa: S603 - fixed arguments
            command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            timeout=args.duration + STOP_TIMEOUT_SECONDS + 120,
            check=False,
        )
    # 1 is locust's answer when a request failed; the report below says which.
    if locust.returncode not in (0, 1):
        sys.exit(f"locust exited with status {locust.returncode}: see {var_dir / 'locust.log'}")


def report(results: dict[str, Any], args: argparse.Namespace, elapsed: float, var: Path) -> None:
    print(
        f"\n{args.users} users ({users_mix(results['users'])}), {args.duration} s, think time "
        f"{args.think_min:g}-{args.think_max:g} s; gunicorn {args.workers} workers, DEBUG off; "
        f"scale {args.scale}; locust ran {elapsed:.0f} s in all\n"
    )
    header = f"{'':<42}{'requests':>9}{'errors':>7}{'req/s':>7}{'p50':>6}{'p95':>6}{'p99':>6}"
    print(header + f"{'max':>7}  (ms)")
    print("-" * (len(header) + 12))
    rows = [("all", results["total"])]
    rows += [(group, results["groups"][group]) for group in GROUPS]
    rows += sorted(results["endpoints"].items())
    for name, row in rows:
        if name == GROUPS[0] or name == sorted(results["endpoints"])[0]:
            print()
        print(
            f"{name:<42}{row['requests']:>9}{row['failures']:>7}{row['rps']:>7.1f}"
            f"{row['p50']:>6}{row['p95']:>6}{row['p99']:>6}{row['max']:>7.0f}"
        )
    for error in results["errors"]:
        print(f"ERROR {error['count']} x {error['name']}: {error['error']}")
    dashboards = results["groups"]["dashboards"]["p95"]
    verdict = "met" if dashboards < DASHBOARD_P95_TARGET_MS else "MISSED"
    print(f"\nDashboard p95 {dashboards} ms: target under {DASHBOARD_P95_TARGET_MS} ms {verdict}")
    server_log = (var / "gunicorn.log").read_text(errors="replace")
    if server_log.strip():
        print(f"gunicorn logged {len(server_log.splitlines())} lines: see {var / 'gunicorn.log'}")
    if "CPU usage above" in (var / "locust.log").read_text(errors="replace"):
        print("locust warned that its own CPU usage was high: the figures include its waits")


def users_mix(started: dict[str, int]) -> str:
    return (
        f"{started.get('lead', 0)} leads posting, {started.get('dsg', 0)} DSG members viewing "
        f"dashboards, {started.get('reader', 0)} API clients reading"
    )


def check_writes(run: str, posts: list[dict[str, Any]]) -> int:
    """Compare the posts with the database; print what is wrong and return how many are."""
    django_setup()
    from tracker.models import StatusUpdate

    rows: list[dict[str, Any]] = [
        dict(row)
        for row in StatusUpdate.objects.filter(summary__contains=f"[load-{run}-").values(
            "summary", "workstream_id", "period_start", "version"
        )
    ]
    found: defaultdict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        match = MARKER.search(row["summary"])
        found[match[1] if match else "?"].append(row)
    sent = {post["marker"]: post for post in posts}
    acknowledged = [post for post in posts if post["status"] == 201]
    unanswered = [post for post in posts if post["status"] is None]
    problems: list[str] = []
    for post in acknowledged:
        copies = found.get(post["marker"], [])
        if len(copies) != 1:
            problems.append(f"{post['marker']} answered 201, found {len(copies)} times")
        elif (copies[0]["workstream_id"], copies[0]["version"]) != (
            post["workstream"],
            post["version"],
        ):
            problems.append(f"{post['marker']} is not the workstream and version answered")
    for marker, copies in found.items():
        if marker not in sent:
            problems.append(f"{marker} is in the database but was never sent")
        elif sent[marker]["status"] not in (201, None):
            problems.append(f"{marker} was refused ({sent[marker]['status']}) but is saved")
        elif len(copies) > 1:
            problems.append(f"{marker} is saved {len(copies)} times")
    problems += version_gaps({(row["workstream_id"], row["period_start"]) for row in rows})
    saved_unanswered = sum(1 for post in unanswered if post["marker"] in found)
    periods = Counter((row["workstream_id"], row["period_start"]) for row in rows)
    print(
        f"\nWrites: {len(posts)} posts sent, {len(acknowledged)} answered 201, "
        f"{len(unanswered)} cut off by the end of the run ({saved_unanswered} of them saved); "
        f"{len(rows)} of the run's updates in the database, in {len(periods)} workstream "
        f"periods, at most {max(periods.values(), default=0)} new versions in one"
    )
    for problem in problems[:20]:
        print(f"WRITE ERROR: {problem}")
    verdict = "none lost, none duplicated" if not problems else f"{len(problems)} problems"
    print(f"Writes check: {verdict}")
    return len(problems)


def mark_as_demo(run: str) -> None:
    """The run's updates are demo data from now on: the next run (and ``load_demo_data``)
    replaces them rather than refusing the database for holding data that is not demo data."""
    from tracker.models import StatusUpdate

    StatusUpdate.objects.filter(summary__contains=f"[load-{run}-").update(is_demo=True)


def version_gaps(periods: set[tuple[int, Any]]) -> list[str]:
    """Each period's versions must be 1, 2, 3... to the latest: a gap is a lost version."""
    from tracker.models import StatusUpdate

    problems = []
    for workstream, start in sorted(periods):
        versions = sorted(
            StatusUpdate.objects.filter(workstream_id=workstream, period_start=start).values_list(
                "version", flat=True
            )
        )
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"workstream {workstream}, period {start}: versions {versions}")
    return problems


if __name__ == "__main__":
    sys.exit(main())
