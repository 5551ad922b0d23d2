"""Where a request's time goes: profile pages in process, as gunicorn's worker would serve them.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/profile_requests.py [--requests 200] [--top 15] [PATH ...]

Against the synthetic deal an earlier ``load_demo_data --scale N`` loaded (it loads nothing),
with production settings (static files collected into a temporary ``VAR_DIR``, or
``BENCH_VAR_DIR``) and bench/capacity.py's URLs (so ``/bench/bare/`` is there), it calls
Django's WSGI handler directly for each path (default: the bare view, ``/health/``, the
overview, ``/api/v1/workstreams/`` and ``/api/v1/status-updates/?rag=red``): the dashboards
as a verified DSG member's session, of the synthetic deal (``?deal=synthetic-demo``), ``/api/``
with a DSG member's token, as bench/capacity.py asks.
After a warm-up it times ``--requests`` requests (elapsed and this process's CPU), then runs them
again under ``cProfile`` and prints, per request:

- the time by where it is spent (the functions' own time, by the package they are in): the
  database driver (with its waits for PostgreSQL's answers) and the ORM, the cache, templates,
  DRF, the middleware's sessions, sign-in and second factor, the app's own code;
- the ``--top`` functions by their own time.

The profiler slows Python down (about twice): read its figures as shares, and the first table
for the time itself. The server's other costs (gunicorn, the socket to the client) are not
here: bench/capacity.py measures them whole.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboards import ROOT, django_setup, in_deal, manage, synthetic_deal  # noqa: E402
from load import people, production_env  # noqa: E402

PATHS = (
    "/bench/bare/",
    "/health/",
    "/dashboard/",
    "/api/v1/workstreams/",
    "/api/v1/status-updates/?rag=red",
)
WARM_UP = 20
# Where a function's own time goes, by the first of these its file's path holds (or, for
# built-in functions, its name); the rest is "other Python".
PLACES = (
    # Its time includes waiting for PostgreSQL's answers (psycopg's ``wait``).
    ("database driver", ("/psycopg/", "/psycopg_pool/")),
    ("ORM", ("/django/db/",)),
    ("cache (Redis)", ("/redis/", "/django/core/cache/")),
    ("templates", ("/django/template/", "/django/templatetags/")),
    ("DRF", ("/rest_framework/",)),
    (
        "sessions, sign-in, second factor",
        ("/django/contrib/sessions/", "/django/contrib/auth/", "/django_otp/", "/axes/"),
    ),
    ("other middleware", ("/django/middleware/", "/csp/", "/whitenoise/", "/simple_history/")),
    ("the app", tuple(f"{ROOT}/{app}/" for app in ("accounts", "core", "tracker", "config"))),
    ("Django (other)", ("/django/",)),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=list(PATHS))
    parser.add_argument("--requests", type=int, default=200, help="requests per path (200)")
    parser.add_argument("--top", type=int, default=15, help="functions listed per path (15)")
    args = parser.parse_args()
    _var_dir, env = production_env("tracker-profile-")
    manage(["collectstatic", "--noinput", "-v0"], env)  # production settings' static files
    os.environ["DJANGO_SETTINGS_MODULE"] = "capacity_settings"
    django_setup()
    from django.core.handlers.wsgi import WSGIHandler

    deal = synthetic_deal()
    plan = people(1, deal)
    handler = WSGIHandler()
    for path in args.paths:
        environ = _environ(in_deal(path, deal) if path.startswith("/dashboard/") else path, plan)
        status, size = _call(handler, environ)
        if not status.startswith("200"):
            sys.exit(f"{path}: {status}")
        for _ in range(WARM_UP):
            _call(handler, environ)
        wall, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.requests):
            _call(handler, environ)
        wall = (time.perf_counter() - wall) * 1000 / args.requests
        cpu = (time.process_time() - cpu) * 1000 / args.requests
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.requests):
            _call(handler, environ)
        profile.disable()
        _report(path, size, wall, cpu, pstats.Stats(profile), args)
    return 0


def _environ(path: str, plan: dict[str, Any]) -> dict[str, Any]:
    path_info, _, query = path.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path_info,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "443",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_X_FORWARDED_PROTO": "https",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": sys.stderr,
    }
    if path.startswith("/api/"):
        environ["HTTP_AUTHORIZATION"] = f"Token {plan['readers'][-1]}"
    elif path.startswith(("/dashboard/",)):
        environ["HTTP_COOKIE"] = plan["sessions"][0]
    return environ


def _call(handler: Any, environ: dict[str, Any]) -> tuple[str, int]:
    answer: list[str] = []
    body = handler(dict(environ, **{"wsgi.input": io.BytesIO()}), lambda s, h: answer.append(s))
    try:
        size = sum(len(chunk) for chunk in body)
    finally:
        body.close()
    return answer[0], size


def _place(filename: str) -> str:
    for place, marks in PLACES:
        if any(m in filename for m in marks):
            return place
    return "other Python"


def _report(
    path: str, size: int, wall: float, cpu: float, stats: pstats.Stats, args: argparse.Namespace
) -> None:
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    places: dict[str, float] = defaultdict(float)
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in raw.items():
        places[_place(filename)] += own
    total = sum(places.values())
    print(f"\n{path}: {size:,} bytes; {wall:.2f} ms a request, {cpu:.2f} ms of this process's CPU")
    print(f"  under the profiler, {1000 * total / args.requests:.2f} ms a request:")
    for place, own in sorted(places.items(), key=lambda item: -item[1]):
        share = 100 * own / total if total else 0.0
        print(f"  {place:<34} {1000 * own / args.requests:>7.2f} ms  {share:>5.1f}%")
    print(f"  the {args.top} functions with the most time of their own (ms a request):")
    for (filename, line, name), (_cc, calls, own, _cum, _callers) in sorted(
        raw.items(), key=lambda item: -item[1][2]
    )[: args.top]:
        where = filename.split("site-packages/")[-1].replace(f"{ROOT}/", "")
        per_call = calls / args.requests
        print(f"  {1000 * own / args.requests:>7.3f}  {per_call:>6.0f}x  {name} ({where}:{line})")


if __name__ == "__main__":
    sys.exit(main())
