"""Measure sending digests: N subscriptions claimed, batched and delivered by real Celery workers
to a local SMTP sink.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/digests.py [--scale N] [--subscriptions 1000] [--workers 2] [--keep]

Migrates the database in ``DATABASE_URL`` (SQLite under ``var/`` without it) and loads the
reference data. It measures the synthetic deal that ``load_demo_data --scale N`` makes (the big
one, not the demo's own deal): ``--scale N`` loads it first (replacing the demo data there, and
its logins); without it, the synthetic deal an earlier load made is measured, and the script
stops if there is none. It adds ``--subscriptions`` subscriptions to that deal due now: three in
four for external partner addresses at ``bench.invalid`` (the whole deal, a theme, or one
workstream), the rest internal ones for the demo's people who hold roles in it, so the digests
are built for every audience, scope and visibility.

It starts an SMTP sink (``SinkProtocol``, in a thread) on a free loopback port that counts what
it receives by Message-ID, and a Celery worker as production runs one (``celery -A config
worker``, prefork, ``--concurrency`` from ``--workers``) on a Redis broker (``REDIS_URL``, else
Redis database 11 on loopback) and a queue of its own, with production settings
(``load.production_env``: DEBUG off, a var directory of the run's own or ``BENCH_VAR_DIR``) and
its email pointed at the sink (``EMAIL_URL``). Once the worker is up, it times what the beat's
tick does and the workers then do: claiming every due digest and queueing them in batches
(``briefings.tasks.tick``), then the workers sending every batch, until every delivery is final
and the sink has them all. It prints the total time, digests per second, the distinct digests
built (from the worker's task results), the database queries of the tick, and how many messages
the sink received once and how many more than once. The bench's subscriptions and their
deliveries are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH_DOMAIN = "bench.invalid"  # reserved (RFC 2606): never a real mailbox
BENCH_REDIS = "redis://127.0.0.1:6379/11"
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)
BUILT = re.compile(r"digest batch: (\d+) deliveries, (\d+) sent, (\d+) digests built")


class Sink:
    """Accepts every message and counts it by Message-ID, once for each recipient."""

    def __init__(self) -> None:
        self.copies: Counter[str] = Counter()
        self.lock = threading.Lock()

    def count(self, content: bytes, recipients: int) -> None:
        head = content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        key = found.group(1).decode() if found else "(none)"
        with self.lock:
            self.copies[key] += recipients

    @property
    def received(self) -> int:
        with self.lock:
            return sum(self.copies.values())


class SinkProtocol(asyncio.Protocol):
    """The SMTP a mail client needs to deliver to the sink (RFC 5321: greeting, EHLO or HELO,
    MAIL, RCPT, DATA, RSET, NOOP, QUIT), answering as a server that accepts everything.

    Written for the bench rather than aiosmtpd, which reads a message's data line by line in a
    coroutine: some 4,000 steps for a 270 kB digest, which took more of the two cores than the
    workers' sending did. This finds the end of the data (CRLF . CRLF) in what has arrived,
    and reads only the headers for the Message-ID."""

    def __init__(self, sink: Sink) -> None:
        self.sink = sink
        self.buffer = bytearray()
        self.in_data = False
        self.scanned = 0  # how much of the buffer is known to hold no end of data
        self.recipients = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.write(b"220 bench sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while not self.transport.is_closing():
            if self.in_data:
                end = self.buffer.find(b"\r\n.\r\n", self.scanned)
                if end < 0:
                    self.scanned = max(0, len(self.buffer) - 4)
                    return
                self.sink.count(bytes(self.buffer[2 : end + 2]), self.recipients)
                del self.buffer[: end + 5]
                self.in_data, self.scanned, self.recipients = False, 0, 0
                self.transport.write(b"250 Message accepted\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line = bytes(self.buffer[:end])
            del self.buffer[: end + 2]
            self.transport.write(self.answer(line))

    def answer(self, line: bytes) -> bytes:
        verb = line[:4].upper()
        if verb == b"EHLO":
            return b"250-bench sink\r\n250 8BITMIME\r\n"
        if verb == b"RCPT":
            self.recipients += 1
        if verb == b"DATA":
            self.in_data = True
            # The data begins with its own first line: CRLF before the end is the last line's.
            self.buffer[:0] = b"\r\n"
            return b"354 End data with <CR><LF>.<CR><LF>\r\n"
        if verb == b"QUIT":
            self.transport.write(b"221 Bye\r\n")
            self.transport.close()
            return b""
        if verb in (b"RSET", b"MAIL"):
            if verb == b"RSET":
                self.recipients = 0
            return b"250 OK\r\n"
        if verb in (b"HELO", b"NOOP", b"RCPT"):
            return b"250 OK\r\n"
        return b"502 Command not implemented\r\n"


class SinkServer:
    """The sink on a loopback port, its event loop in a thread of its own."""

    def __init__(self, sink: Sink, port: int) -> None:
        self.sink, self.port = sink, port
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> None:
        self.thread.start()
        serve = self.loop.create_server(lambda: SinkProtocol(self.sink), "127.0.0.1", self.port)
        self.server = asyncio.run_coroutine_threadsafe(serve, self.loop).result(10)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


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
                # Due now: the period is the week before, whose updates and decisions the
                # synthetic deal dates in it (load_demo_data --scale), as a real deal's week.
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


def _start_worker(workers: int, queue: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """A Celery worker as production runs one, with its email pointed at the sink."""
    env = {**os.environ, "EMAIL_URL": f"smtp://127.0.0.1:{port}"}
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "--concurrency",
        str(workers),
        "-Q",
        queue,
        "-l",
        "info",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{queue}@%h",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)  # noqa: S603
    from config.celery import app

    deadline = time.monotonic() + 120
    while not app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            sys.exit(f"The Celery worker did not start: see {log}")
    return process


def _measure(sink: Sink, queue: str, timeout: float) -> dict[str, Any]:
    from django.db import connection

    from briefings import sending
    from briefings.choices import FINAL_STATUSES
    from briefings.tasks import BATCH_SIZE, send_batch

    claim_queries, plan_queries = QueryCounter(), QueryCounter()
    started = time.perf_counter()
    cpu = time.process_time()
    with connection.execute_wrapper(claim_queries):
        ids = sending.claim_due()
    claimed = time.perf_counter()
    with connection.execute_wrapper(plan_queries):
        batches = sending.plan_batches(ids, BATCH_SIZE)
    planned = time.perf_counter()
    plan = uuid.uuid4().hex
    for batch in batches:  # as the tick queues them (it does so once its transaction commits)
        send_batch.apply_async((batch, plan), queue=queue)
    mine = _deliveries(ids)
    deadline = time.monotonic() + timeout
    while mine.exclude(status__in=FINAL_STATUSES).exists() or sink.received < (
        mine.filter(status="sent").count()
    ):
        if time.monotonic() > deadline:
            print(f"Timed out after {timeout:.0f} s", file=sys.stderr)
            break
        time.sleep(0.1)
    finished = time.perf_counter()
    return {
        "cpu_seconds": time.process_time() - cpu,
        "claimed": len(ids),
        "batches": len(batches),
        "claim_seconds": claimed - started,
        "plan_seconds": planned - claimed,
        "send_seconds": finished - planned,
        "total_seconds": finished - started,
        "claim_queries": claim_queries.count,
        "plan_queries": plan_queries.count,
        "ids": ids,
    }


def _deliveries(ids: list[int]) -> Any:
    """The claimed deliveries, as a query cheap enough to ask ten times a second while the
    workers send: as a range when they are one (as claiming 10,000 makes them), for a list of
    10,000 ids costs this process tens of milliseconds to write out each time, which took
    most of a core of the two the workers share."""
    from briefings.models import Delivery

    if ids and max(ids) - min(ids) + 1 == len(set(ids)):
        return Delivery.objects.filter(pk__range=(min(ids), max(ids)))
    return Delivery.objects.filter(pk__in=ids)


def _outcomes(result: dict[str, Any]) -> None:
    """What the deliveries hold once the worker has stopped (it may have gone on sending after
    a timeout)."""
    from briefings.models import Delivery

    mine = Delivery.objects.filter(pk__in=result["ids"])
    result["statuses"] = Counter(mine.values_list("status", flat=True))
    result["message_ids"] = set(mine.exclude(message_id="").values_list("message_id", flat=True))


class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def _report(result: dict[str, Any], sink: Sink, log: Path, workers: int) -> bool:
    n = max(1, result["claimed"])
    built = deliveries_logged = 0
    for line in log.read_text(errors="replace").splitlines():
        if found := BUILT.search(line):
            deliveries_logged += int(found.group(1))
            built += int(found.group(3))
    with sink.lock:
        copies = dict(sink.copies)
    ours = {mid: copies.get(mid, 0) for mid in result["message_ids"]}
    once = sum(1 for c in ours.values() if c == 1)
    missing = sum(1 for c in ours.values() if c == 0)
    duplicates = sum(c - 1 for c in copies.values() if c > 1)
    sent = result["statuses"].get("sent", 0)
    total = result["total_seconds"]
    print(
        f"\n{result['claimed']} digests, {result['batches']} batches, {workers} worker processes\n"
    )
    rows = [
        ("claim_due", result["claim_seconds"], f"{result['claim_queries'] / n:.1f}"),
        ("plan batches", result["plan_seconds"], f"{result['plan_queries']} in all"),
        ("send (workers)", result["send_seconds"], ""),
        ("total", total, ""),
    ]
    print(f"{'step':<16} {'seconds':>9}  {'queries per digest':>18}")
    for name, seconds, queries in rows:
        print(f"{name:<16} {seconds:>9.2f}  {queries:>18}")
    print(f"\ndigests per second: {result['claimed'] / total if total else 0:.1f}")
    send = result["send_seconds"]
    print(f"digests per second of the send: {result['claimed'] / send if send else 0:.1f}")
    print(f"this process's CPU (claim, plan, sink, polling): {result['cpu_seconds']:.1f} s")
    print(f"distinct digests built and rendered: {built} (for {deliveries_logged} deliveries)")
    print("outcomes: " + ", ".join(f"{v} {k}" for k, v in sorted(result["statuses"].items())))
    print(f"received by the sink: {sum(copies.values())} messages")
    print(f"sent and received once: {once} of {sent}; not received: {missing}")
    print(f"duplicates (copies beyond the first of a Message-ID): {duplicates}")
    return once == sent and duplicates == 0 and missing == 0


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
    parser.add_argument("--workers", type=int, default=2, help="the worker's processes")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds to wait at most")
    parser.add_argument("--keep", action="store_true", help="keep the bench's subscriptions")
    args = parser.parse_args()
    os.environ.setdefault("REDIS_URL", BENCH_REDIS)  # the worker and this script share it
    sys.path.insert(0, str(ROOT / "bench"))
    from load import production_env

    var_dir, _ = production_env("tracker-digests-")  # the worker runs as production does
    _setup_django()
    from config.celery import app
    from tests.smtp import free_port

    _load(args.scale)
    _subscriptions(args.subscriptions)
    sink = Sink()
    controller = SinkServer(sink, free_port())
    controller.start()
    queue = f"bench-digests-{os.getpid()}"
    log = var_dir / f"{queue}.log"
    worker = _start_worker(args.workers, queue, controller.port, log)
    result: dict[str, Any] | None = None
    try:
        result = _measure(sink, queue, args.timeout)
        time.sleep(1)  # time for a late duplicate to arrive
    finally:
        worker.terminate()  # a warm shutdown: a batch ends after the send under way
        worker.wait(120)
        if result is not None:
            _outcomes(result)
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)
        controller.stop()
        if not args.keep:
            _delete_bench()
    ok = _report(result, sink, log, args.workers)
    print(f"worker log: {log}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
