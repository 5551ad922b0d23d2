"""Measure sending digests: 1,000 subscriptions claimed and delivered to a local SMTP sink.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/digests.py [--scale N] [--subscriptions 1000] [--keep]

Migrates the database in ``DATABASE_URL`` (SQLite under ``var/`` without it) and loads the
reference data. It measures the synthetic deal that ``load_demo_data --scale N`` makes (the big
one, not the demo's own deal): ``--scale N`` loads it first (replacing the demo data there, and
its logins); without it, the synthetic deal an earlier load made is measured, and the script
stops if there is none. It adds ``--subscriptions`` subscriptions to that deal due now: three in
four for external partner addresses at ``bench.invalid`` (the whole deal, a theme, or two
workstreams), the rest internal ones for the demo's people who hold roles in it, so the digests
are built for every audience and scope. It starts an SMTP sink (aiosmtpd) on a free loopback
port, points Django's SMTP email backend at it, then times the two steps the beat's tick and the
workers run: ``sending.claim_due`` for all, and ``sending.deliver`` for each over one SMTP
connection. It prints a table of the total time, the time per digest (mean, p50, p95) and the
database queries per digest, and checks that the sink received one message per digest sent.
The bench's subscriptions and their deliveries are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DOMAIN = "bench.invalid"  # reserved (RFC 2606): never a real mailbox


class Sink:
    """Accepts every message and counts it."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.lock:
            self.count += len(envelope.rcpt_tos)
        return "250 Message accepted"


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "True")  # a development key is enough for a local run
    import django

    django.setup()


def _load(scale: int | None) -> None:
    from django.core.management import call_command

    from core.models import Deal
    from tracker.demo_scale import DEAL_SLUG

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    if scale is not None:
        call_command("load_demo_data", "--scale", str(scale), verbosity=0)
    if not Deal.objects.filter(slug=DEAL_SLUG, is_demo=True).exists():
        sys.exit(
            f"No synthetic deal ({DEAL_SLUG}) to measure: give --scale N to load it (it "
            "replaces the demo data), or load it with load_demo_data --scale N."
        )


def _subscriptions(count: int) -> list[int]:
    """Bench subscriptions due now, written in bulk (a loader, not a workflow)."""
    import datetime as dt

    from django.utils import timezone

    from accounts.models import User
    from briefings.choices import Audience, Frequency, Scope
    from briefings.models import Subscription
    from core.models import Deal
    from tracker.demo_scale import DEAL_SLUG
    from tracker.models import Theme, Workstream

    _delete_bench()
    deal = Deal.objects.get(slug=DEAL_SLUG)
    themes = list(Theme.objects.filter(deal=deal))
    workstreams = list(Workstream.objects.filter(deal=deal))
    people = list(User.objects.filter(is_demo=True, memberships__deal=deal).distinct())
    now = timezone.now()
    common = {"deal": deal, "frequency": Frequency.WEEKLY, "day": now.weekday()}
    rows, chosen = [], []
    for n in range(count):
        internal = n % 4 == 3 and people
        scope = (Scope.DEAL, Scope.THEME, Scope.WORKSTREAMS)[n % 3]
        rows.append(
            Subscription(
                **common,
                user=people[n % len(people)] if internal else None,
                email="" if internal else f"reader{n}@{BENCH_DOMAIN}",
                name="" if internal else f"Bench reader {n}",
                organisation="bench",
                audience=Audience.INTERNAL if internal else Audience.PARTNER,
                scope=scope,
                theme=themes[n % len(themes)] if scope == Scope.THEME else None,
                send_at=dt.time(0, 0),
                # Due now, not earlier: the period ends after the data just loaded was written
                # (synthetic rows are stamped with the time of loading), so the digests tell it.
                next_due_at=now,
            )
        )
        chosen.append(workstreams[n % len(workstreams)] if scope == Scope.WORKSTREAMS else None)
    created = Subscription.objects.bulk_create(rows)
    links = Subscription.workstreams.through
    links.objects.bulk_create(
        links(subscription_id=sub.pk, workstream_id=ws.pk)
        for sub, ws in zip(created, chosen, strict=True)
        if ws is not None
    )
    return [sub.pk for sub in created]


def _delete_bench() -> None:
    from briefings.models import Subscription

    Subscription.objects.filter(organisation="bench").delete()


def _measure(port: int) -> dict[str, Any]:
    from django.conf import settings
    from django.core.mail import get_connection
    from django.db import connection

    from briefings import sending

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    claim_queries, send_queries = QueryCounter(), QueryCounter()
    with connection.execute_wrapper(claim_queries):
        started = time.perf_counter()
        ids = sending.claim_due()
        claim_seconds = time.perf_counter() - started
    times, statuses = [], []
    smtp = get_connection()
    smtp.open()  # one SMTP connection for the batch, as a worker keeps one per process
    with connection.execute_wrapper(send_queries):
        for pk in ids:
            one = time.perf_counter()
            statuses.append(sending.deliver(pk, connection=smtp).status)
            times.append(time.perf_counter() - one)
    smtp.close()
    return {
        "claimed": len(ids),
        "claim_seconds": claim_seconds,
        "claim_queries": claim_queries.count,
        "send_times": times,
        "send_queries": send_queries.count,
        "statuses": statuses,
    }


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _report(result: dict[str, Any], received: int) -> None:
    times = result["send_times"]
    n = max(1, result["claimed"])
    ms = [t * 1000 for t in times]
    p95 = statistics.quantiles(ms, n=20)[-1] if len(ms) >= 2 else (ms[0] if ms else 0.0)
    rows = [
        ("claim_due", result["claim_seconds"], result["claim_seconds"] * 1000 / n, "", ""),
        (
            "deliver",
            sum(times),
            statistics.fmean(ms) if ms else 0.0,
            f"{statistics.median(ms) if ms else 0:.1f} / {p95:.1f}",
            "",
        ),
    ]
    print(f"\n{result['claimed']} digests claimed and delivered\n")
    header = ("step", "total s", "ms/digest", "p50 / p95 ms", "queries/digest")
    print(f"{header[0]:<10} {header[1]:>8} {header[2]:>10} {header[3]:>14} {header[4]:>15}")
    queries = (result["claim_queries"] / n, result["send_queries"] / n)
    for (name, total, per, spread, _), q in zip(rows, queries, strict=True):
        print(f"{name:<10} {total:>8.2f} {per:>10.2f} {spread:>14} {q:>15.1f}")
    counts: dict[str, int] = {}
    for status in result["statuses"]:
        counts[status] = counts.get(status, 0) + 1
    print("\noutcomes: " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    print(f"messages received by the sink: {received}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scale",
        type=int,
        default=None,
        help="load_demo_data --scale N first (replaces the demo data); without it, measure the "
        "synthetic deal already loaded",
    )
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--keep", action="store_true", help="keep the bench's subscriptions")
    args = parser.parse_args()
    _setup_django()
    import logging

    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command

    from tests.smtp import free_port

    _load(args.scale)
    _subscriptions(args.subscriptions)
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        result = _measure(controller.port)
    finally:
        controller.stop()
        if not args.keep:
            _delete_bench()
    _report(result, sink.count)
    sent = result["statuses"].count("sent")
    return 0 if sink.count == sent else 1


if __name__ == "__main__":
    sys.exit(main())
