"""Measure the dashboard pages under gunicorn against the database in DATABASE_URL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/dashboards.py [--scale 10] [--requests 200]

Migrates the database, loads the reference data and ``load_demo_data --scale N`` into it
(replacing any demo data there), starts the app under gunicorn on a free loopback port with
production settings (DEBUG off, a throwaway SECRET_KEY, static files collected), signs in as a
demo DSG member by creating a session for them, warms up, then requests each page of the
synthetic deal that ``--scale N`` makes (``?deal=``: the demo's people hold roles in the demo's
deal too) in turn, ``--requests`` rounds, all pages interleaved in the same run, and prints the
p50 and p95 latency of each page and its ratio to /health/'s. The dashboards are cached until
what they read changes, so each is also measured just after a change, in phases of their own:
"after an update" (a lead of the deal posts a status update through the service before each of
those requests, as the week's round of updates does) and "after a proposal" (a proposal of the
deal is saved before each request); the time each change took, its refresh of the pages in use
included, is printed too. The cache is Redis (REDIS_URL, else redis://127.0.0.1:6379/10), as
in production: this process, which makes the changes, and gunicorn's workers share it. A page
that does not answer 200 is reported as an error.
gunicorn is stopped at the end whatever happens. It refuses a database that holds data that
is not demo or reference data unless given --allow-real-data. See bench/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = (
    "/health/",
    "/dashboard/",
    "/dashboard/shared/",
    "/dashboard/pipeline/",
    "/dashboard/coverage/",
    "/dashboard/asks/",
)
# The dashboards again, each just after a change of one kind (a status update posted, a
# proposal saved): rebuilt as far as the change reaches, and read from the cache beyond it.
DASHBOARDS = PAGES[1:]
CHANGES = ("update", "proposal")
CHANGED = [f"{page} after {change}" for change in CHANGES for page in DASHBOARDS]
# Each change itself, as its maker waits for it: the write, and the refresh after its commit
# of the pages in use that read what it changed (tracker.freshness).
WRITES = [f"{change} itself" for change in CHANGES]
WARM_UP_ROUNDS = 5
READY_SECONDS = 60
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="load_demo_data --scale (10)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page (200)")
    parser.add_argument("--workers", type=int, default=1, help="gunicorn workers (1)")
    parser.add_argument(
        "--skip-load",
        action="store_true",
        help="Measure the data already loaded (after an earlier run at the same scale).",
    )
    parser.add_argument(
        "--allow-real-data",
        action="store_true",
        help="Run even if the database holds records that are not demo or reference data "
        "(they are kept, but the demo data is replaced and the figures include them).",
    )
    args = parser.parse_args()
    if args.scale < 1 or args.requests < 1:
        parser.error("--scale and --requests must be at least 1")
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the database to measure (it gets demo data loaded)")
    if not (ROOT / "static" / "dist" / "app.css").exists():
        parser.error("the styles are not built: run `make assets` first (every page links them)")

    var_dir = Path(os.environ.get("BENCH_VAR_DIR") or tempfile.mkdtemp(prefix="tracker-bench-"))
    (var_dir / "celery" / "queue").mkdir(parents=True, exist_ok=True)
    (var_dir / "celery" / "processed").mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "VAR_DIR": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(ROOT),
        # The cache production shares between its processes: gunicorn's workers, and this
        # process, which makes the changes measured and refreshes the pages they touch.
        "REDIS_URL": os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL,
    }
    os.environ.update(env)
    print(f"VAR_DIR (demo logins, collected static files): {var_dir}")

    manage(["migrate", "--noinput", "-v0"], env)
    refuse_real_data(allow=args.allow_real_data)
    if not args.skip_load:
        manage(["load_reference_data", "-v0"], env)
        started = time.perf_counter()
        manage(["load_demo_data", "--scale", str(args.scale)], env)
        print(f"load_demo_data --scale {args.scale}: {time.perf_counter() - started:.1f} s")
    analyze()
    manage(["collectstatic", "--noinput", "-v0"], env)
    deal = synthetic_deal()
    cookie = dsg_session_cookie(deal)
    print(data_size(deal))

    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            # Sync workers, as the earlier figures here were measured (gunicorn.conf.py gives
            # production threads).
            "--worker-class",
            "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        wait_until_ready(port, server)
        results = measure(port, cookie, args.requests, deal)
    finally:
        stop(server)
    report(results, args)
    return 1 if any(r["errors"] for r in results.values()) else 0


def analyze() -> None:
    """Refresh the planner's statistics, as autovacuum does after a bulk load in a running
    database; measured before it runs, PostgreSQL plans the fresh tables as if empty (the
    partner-safe overview took 2.5 s instead of 0.4 s)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def manage(command: list[str], env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True)  # noqa: S603


def django_setup() -> None:
    import django

    if not getattr(django_setup, "done", False):
        sys.path.insert(0, str(ROOT))
        django.setup()
        django_setup.done = True  # type: ignore[attr-defined]


def refuse_real_data(*, allow: bool) -> None:
    """Stop if the database holds records that neither the demo nor the reference data wrote:
    this script replaces the demo data and is meant for a database of its own."""
    django_setup()
    from accounts.models import User
    from missions.models import Observation
    from tracker.models import Decision, Meeting, Proposal, Risk, StatusUpdate

    found = {
        model._meta.verbose_name_plural: model.objects.filter(is_demo=False).count()
        for model in (User, StatusUpdate, Risk, Proposal, Decision, Meeting, Observation)
    }
    real = {name: count for name, count in found.items() if count}
    if not real:
        return
    listed = ", ".join(f"{count} {name}" for name, count in real.items())
    message = f"This database holds data that is not demo data ({listed})."
    if not allow:
        sys.exit(
            f"{message} Refusing to load demo data into it; use a database of its own, or "
            "--allow-real-data."
        )
    print(f"WARNING: {message} Going on (--allow-real-data): the demo data is replaced.")


def synthetic_deal() -> str:
    """The slug of the synthetic deal that ``load_demo_data --scale N`` makes: the big one,
    which the benchmarks measure (not the demo's own deal)."""
    django_setup()
    from core.models import Deal
    from tracker.demo_scale import DEAL_SLUG

    if not Deal.objects.filter(slug=DEAL_SLUG, is_demo=True).exists():
        sys.exit(
            f"No synthetic deal ({DEAL_SLUG}): load it with load_demo_data --scale N (run "
            "without --skip-load)."
        )
    return DEAL_SLUG


def in_deal(page: str, deal: str) -> str:
    """The page of the deal: the demo's people hold roles in several deals, and a page shows
    the first of them unless asked for another."""
    return page if page == "/health/" else f"{page}?deal={deal}"


def dsg_session_cookie(deal: str) -> str:
    """A signed-in session of a demo DSG member of the deal, created directly (no password
    needed)."""
    django_setup()
    from accounts.models import User
    from core.choices import Role

    user = (
        User.objects.filter(
            is_demo=True,
            is_active=True,
            memberships__role=Role.DSG,
            memberships__deal__slug=deal,
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        sys.exit(f"No demo DSG member in {deal}: load the demo data (run without --skip-load).")
    return verified_session_cookie(user)


def verified_session_cookie(user: Any) -> str:
    """A signed-in session whose second factor counts as given: what signing in with the
    password and then the authenticator's code leaves in the session (django-otp keeps the
    device that verified it under ``DEVICE_ID_SESSION_KEY``), and the record of it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from accounts.user_sessions import session_record_sign_in

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Load run", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = password_backend()
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    # Recorded as signing in records it, so that the person's sessions page lists it.
    request = RequestFactory().get("/", HTTP_USER_AGENT="Load run", REMOTE_ADDR="127.0.0.1")
    request.session = session
    session_record_sign_in(request=request, user=user)
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def password_backend() -> str:
    """The backend a password sign-in is recorded with: the first that can load a user (the
    sign-in throttle before it only refuses)."""
    from django.conf import settings
    from django.contrib.auth import load_backend

    return next(
        path for path in settings.AUTHENTICATION_BACKENDS if hasattr(load_backend(path), "get_user")
    )


def data_size(deal: str) -> str:
    """What the database holds, and what the measured deal holds of it."""
    django_setup()
    from missions.models import Observation
    from tracker.models import Proposal, Risk, StatusUpdate, Workstream

    counts = {
        "workstreams": (Workstream.objects, "deal__slug"),
        "status updates": (StatusUpdate.objects, "workstream__deal__slug"),
        "proposals": (Proposal.objects, "deal__slug"),
        "risks": (Risk.objects, "workstream__deal__slug"),
    }
    everything = [f"{manager.count():,} {name}" for name, (manager, _) in counts.items()]
    everything.append(f"{Observation.objects.count():,} observations")
    measured = [
        f"{manager.filter(**{path: deal}).count():,} {name}"
        for name, (manager, path) in counts.items()
    ]
    return f"Data: {', '.join(everything)}; in {deal}, measured: {', '.join(measured)}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(port: int, path: str, cookie: str) -> tuple[int, float]:
    """One request on a new connection, as gunicorn's sync workers close each; the headers
    are those a TLS-terminating proxy would send, so that production settings apply."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Cookie": cookie}
    started = time.perf_counter()
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        status = response.status
    finally:
        connection.close()
    return status, (time.perf_counter() - started) * 1000


def wait_until_ready(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {server.returncode}")
        try:
            if get(port, "/health/", "")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"gunicorn did not answer /health/ with 200 within {READY_SECONDS} s")


def after_a_change(deal: str, change: str, turn: int) -> None:
    """A committed change to a record of the deal, as people make it (tracker.freshness then
    moves the versions of what changed): a lead posts their workstream's update for the
    period (a new version), or a proposal is saved. The records are marked as demo data, so
    that the next run does not take them for real data."""
    django_setup()
    from core.choices import Role
    from core.models import Membership
    from tracker import services
    from tracker.choices import Direction, Rag
    from tracker.models import Proposal, StatusUpdate

    if change == "update":
        leads = Membership.objects.filter(
            deal__slug=deal, role=Role.LEAD, workstream__status="active"
        ).select_related("user", "workstream")
        lead = leads.order_by("pk")[turn % leads.count()]
        update = services.status_update_submit(
            workstream=lead.workstream,  # type: ignore[arg-type]
            acting_user=lead.user,
            rag=(Rag.GREEN, Rag.AMBER, Rag.RED)[turn % 3],
            direction=Direction.STABLE,
            summary=f"Benchmark update {turn}.",
            next_steps="Carry on.",
        )
        StatusUpdate.objects.filter(pk=update.pk).update(is_demo=True)
    else:
        proposals = Proposal.objects.filter(deal__slug=deal).order_by("pk")
        proposal = proposals[turn % proposals.count()]
        proposal.progress = f"Benchmark progress {turn}."
        proposal.save()


def measure(port: int, cookie: str, rounds: int, deal: str) -> dict[str, dict[str, object]]:
    """Every page of the deal in turn, ``rounds`` times; then, as phases of their own, each
    dashboard just after a change of each kind, ``rounds`` times."""
    results: dict[str, dict[str, object]] = {
        label: {"times": [], "errors": Counter()} for label in [*PAGES, *CHANGED, *WRITES]
    }

    def one(label: str, page: str) -> None:
        status, elapsed = get(port, in_deal(page, deal), cookie)
        if status == 200:
            results[label]["times"].append(elapsed)  # type: ignore[attr-defined]
        else:
            results[label]["errors"][status] += 1  # type: ignore[index]

    for _ in range(WARM_UP_ROUNDS):
        for page in PAGES:
            get(port, in_deal(page, deal), cookie)
    for _ in range(rounds):
        for page in PAGES:
            one(page, page)
    turn = 0
    for change in CHANGES:
        for _ in range(rounds):
            for page in DASHBOARDS:
                started = time.perf_counter()
                after_a_change(deal, change, turn)
                results[f"{change} itself"]["times"].append(  # type: ignore[attr-defined]
                    (time.perf_counter() - started) * 1000
                )
                turn += 1
                one(f"{page} after {change}", page)
    return results


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(results: dict[str, dict[str, object]], args: argparse.Namespace) -> None:
    health = results["/health/"]["times"]
    base = (percentile(health, 0.5), percentile(health, 0.95)) if health else None  # type: ignore[arg-type]
    print(
        f"\n{args.requests} requests per page, interleaved, sequential; gunicorn "
        f"{args.workers} worker(s), DEBUG off; scale {args.scale}; the synthetic deal's pages\n"
    )
    header = f"{'page':<34}{'p50 ms':>9}{'p95 ms':>9}{'x health p50':>14}{'x health p95':>14}"
    print(header)
    print("-" * len(header))
    for page, result in results.items():
        if page in WRITES:
            continue
        times: list[float] = result["times"]  # type: ignore[assignment]
        errors = result["errors"]
        if errors:
            statuses = ", ".join(f"{count} x HTTP {status}" for status, count in errors.items())  # type: ignore[attr-defined]
            print(f"{page:<34}ERROR: {statuses}")
            continue
        p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
        ratios = f"{p50 / base[0]:>14.1f}{p95 / base[1]:>14.1f}" if base else ""
        print(f"{page:<34}{p50:>9.1f}{p95:>9.1f}{ratios}")
    if health:
        print(f"\n/health/ mean {statistics.fmean(health):.1f} ms")  # type: ignore[arg-type]
    print("\nthe changes themselves (write, commit, refresh of the pages in use), in this process:")
    for write in WRITES:
        times = results[write]["times"]  # type: ignore[assignment]
        if times:
            print(f"{write:<34}{percentile(times, 0.5):>9.1f}{percentile(times, 0.95):>9.1f}")


def stop(server: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn (the process this script started, and its workers) and wait for it."""
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


if __name__ == "__main__":
    sys.exit(main())
