"""Measure how many requests a second the app serves at saturation, against a bare Django view.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/capacity.py [--scale 10] [--skip-load] [--duration 30] \\
        [--concurrency 1,4,16,64] [--config sync:3] [--config gthread:2:4]

Prepares the database as bench/load.py does (migrate, the reference data, ``load_demo_data
--scale N``, ANALYZE, collectstatic), starts gunicorn with production settings for each
``--config`` (``sync:WORKERS`` or ``gthread:WORKERS:THREADS``), and drives it with wrk, a load
generator written in C (Debian's package ``wrk``), in a closed loop with no think time: each
of the concurrency's connections sends its next request as soon as the last is answered. For
each profile and concurrency it prints req/s, p50 and p99 latency, errors (refused, timed out,
or answered with anything but 2xx/3xx), and req/s as a share of the bare view's at the same
concurrency in the same run. The profiles:

- ``bare``: a Django view that does nothing (bench/capacity_urls.py): the ceiling here;
- ``bare-page``: the same with a page as large as the cached overview (970 kB): what sending
  the overview costs by itself;
- ``health``: ``/health/``, which asks the database and the broker;
- ``overview``: the synthetic deal's ``/dashboard/``, signed in as a DSG member (cached);
- ``workstreams``: ``/api/v1/workstreams/`` with a DSG member's token;
- ``updates``: ``/api/v1/status-updates/?rag=red`` with the same token;
- ``mixed``: nine reads (the overview, the two lists, the proposals) to one write (a lead
  posting their workstream's update through the API, a new version each time); after it, the
  writes are checked: as many new updates as answers of 201, and no period with a gap in its
  versions. The run's updates are then marked as demo data.

A closed loop on one machine shares its 2 cores between wrk and gunicorn: wrk is given one
thread (two from concurrency 16), which is what it needs to keep the server busy here. The
numbers are this machine's: compare them within a run (the ``x bare`` column), not across
machines. See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dashboards import (  # noqa: E402 - the helpers of the dashboards' benchmark
    ROOT,
    data_size,
    django_setup,
    free_port,
    in_deal,
    stop,
    synthetic_deal,
    wait_until_ready,
)
from load import MARKER, people, prepare_database, production_env, version_gaps  # noqa: E402

PROFILES = ("bare", "bare-page", "health", "overview", "workstreams", "updates", "mixed")
# A request of a profile: method, path, who asks ("session", "token" or "lead"), and whether
# it writes.
READS = {
    "bare": ("GET", "/bench/bare/", None),
    "bare-page": ("GET", "/bench/bare-page/", None),
    "health": ("GET", "/health/", None),
    "overview": ("GET", "/dashboard/", "session"),
    "workstreams": ("GET", "/api/v1/workstreams/", "token"),
    "updates": ("GET", "/api/v1/status-updates/?rag=red", "token"),
}
MIXED_READS = ("overview", "workstreams", "updates", "overview", "workstreams", "updates")
MIXED_READS += ("overview", "workstreams", "proposals")
WARM_UP_SECONDS = 3
TIMEOUT = "30s"  # a request queued this long at concurrency 64 is slow, not lost


@dataclass(frozen=True)
class Config:
    worker_class: str
    workers: int
    threads: int

    @classmethod
    def parse(cls, text: str) -> Config:
        parts = text.split(":")
        try:
            if parts[0] == "sync" and len(parts) == 2:
                return cls("sync", int(parts[1]), 1)
            if parts[0] == "gthread" and len(parts) == 3:
                return cls("gthread", int(parts[1]), int(parts[2]))
        except ValueError:
            pass
        raise argparse.ArgumentTypeError(f"{text!r}: use sync:WORKERS or gthread:WORKERS:THREADS")

    def __str__(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.worker_class}, {self.workers} workers{threads}"


def main() -> int:
    args = parse_args()
    var_dir, env = production_env("tracker-capacity-")
    print(f"VAR_DIR (logs, wrk's scripts, collected static files): {var_dir}")
    prepare_database(args, env)
    deal = synthetic_deal()
    plan = people(5, deal) | {"run": secrets.token_hex(4), "deal": deal}
    print(data_size(deal))
    failures = 0
    for config in args.config:
        failures += run_config(config, args, plan, env, var_dir)
    return 1 if failures else 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10, help="load_demo_data --scale (10)")
    parser.add_argument("--duration", type=int, default=30, help="seconds per measurement (30)")
    parser.add_argument(
        "--concurrency", default="1,4,16,64", help="connections, comma-separated (1,4,16,64)"
    )
    parser.add_argument(
        "--config",
        type=Config.parse,
        action="append",
        help="sync:WORKERS or gthread:WORKERS:THREADS; repeat to compare (sync:3)",
    )
    parser.add_argument("--profile", action="append", choices=PROFILES, help="(all)")
    parser.add_argument(
        "--skip-load", action="store_true", help="Use the data an earlier run loaded."
    )
    parser.add_argument(
        "--allow-real-data",
        action="store_true",
        help="Run even if the database holds records that are not demo or reference data.",
    )
    args = parser.parse_args()
    args.config = args.config or [Config("sync", 3, 1)]
    args.profile = args.profile or list(PROFILES)
    if "bare" not in args.profile:
        args.profile.insert(0, "bare")  # every figure is a share of it
    try:
        args.concurrency = [int(c) for c in args.concurrency.split(",")]
    except ValueError:
        parser.error("--concurrency is a list of numbers: 1,4,16,64")
    if min(args.concurrency) < 1 or args.duration < 1 or args.scale < 1:
        parser.error("--concurrency, --duration and --scale must be at least 1")
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to the database to load (it gets demo data loaded)")
    if shutil.which("wrk") is None:
        parser.error("wrk is not installed: `apt-get install wrk` (Debian's package)")
    if not (ROOT / "static" / "dist" / "app.css").exists():
        parser.error("the styles are not built: run `make assets` first (every page links them)")
    return args


def run_config(
    config: Config, args: argparse.Namespace, plan: dict[str, Any], env: dict[str, str], var: Path
) -> int:
    port = free_port()
    server = start_gunicorn(port, config, env, var / f"gunicorn-{config.worker_class}.log")
    results: dict[tuple[str, int], dict[str, Any]] = {}
    plan = plan | {"run": secrets.token_hex(4)}  # the marker of this configuration's writes
    try:
        wait_until_ready(port, server)
        for profile in args.profile:
            if profile != "mixed":  # its reads are warm by then; its writes are all counted
                wrk(port, script_of(var, profile, plan, 0), 4, WARM_UP_SECONDS)
            for number, concurrency in enumerate(args.concurrency, start=1):
                script = script_of(var, profile, plan, number)
                results[(profile, concurrency)] = wrk(port, script, concurrency, args.duration)
    finally:
        stop(server)
    report(config, args, results)
    problems = check_writes(plan["run"], results)
    errors = sum(r["errors"] for r in results.values())
    return problems + errors


def start_gunicorn(
    port: int, config: Config, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--worker-class",
        config.worker_class,
        "--workers",
        str(config.workers),
        "--threads",
        str(config.threads),
        "--log-level",
        "warning",
    ]
    with log.open("wb") as output:
        return subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
            command,
            cwd=ROOT,
            env=env
            | {
                "DJANGO_SETTINGS_MODULE": "capacity_settings",
                "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
            },
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string of ASCII text reads the same in Lua


def script_of(var: Path, profile: str, plan: dict[str, Any], number: int) -> Path:
    """wrk's script for one measurement: its writes' markers name the run and the measurement
    (each wrk numbers its threads and counts its requests from 1 again)."""
    script = var / f"{profile}-{number}.lua"
    script.write_text(lua_script(profile, plan | {"run": f"{plan['run']}{number:02x}"}))
    return script


def lua_script(profile: str, plan: dict[str, Any]) -> str:
    """wrk's script for the profile: its requests in turn, each connection's headers those a
    TLS-terminating proxy sends (production settings require HTTPS), with the credentials of
    who asks. The mixed profile's writes carry a marker of the run, counted afterwards."""
    session = plan["sessions"][0]
    token = plan["readers"][-1]  # a DSG member's
    names = [profile] if profile != "mixed" else [*MIXED_READS, "write"]
    entries = []
    for name in names:
        method, path, who = READS.get(name) or (
            ("GET", "/api/v1/proposals/", "token") if name == "proposals" else ("POST", "", "lead")
        )
        if who == "session":
            path = in_deal(path, plan["deal"])
        auth = {"session": f"Cookie: {session}", "token": f"Authorization: Token {token}"}
        entries.append(
            "{"
            + f"method={lua_string(method)}, path={lua_string(path)}, "
            + f"auth={lua_string(auth.get(who or '', ''))}, write={str(name == 'write').lower()}"
            + "}"
        )
    leads = ", ".join(
        "{" + f"token={lua_string(lead['token'])}, workstream={int(lead['workstream'])}" + "}"
        for lead in plan["leads"]
    )
    script = LUA if profile == "mixed" else LUA.replace(COUNT_ANSWERS, "")
    return (
        script.replace("__ENTRIES__", ",\n  ".join(entries))
        .replace("__LEADS__", leads)
        .replace("__RUN__", lua_string(plan["run"]))
    )


# Counting answers costs wrk time: only the mixed profile, whose writes are checked, does.
COUNT_ANSWERS = """function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
"""

# One Lua state per wrk thread: ``setup`` numbers the threads, ``request`` takes the entries
# in turn, ``response`` counts the answers by status (for the writes' check), ``done`` prints
# one JSON line for bench/capacity.py.
LUA = """
local entries = {
  __ENTRIES__
}
local leads = { __LEADS__ }
local run = __RUN__
local threads = {}
local counter = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function request()
  counter = counter + 1
  local entry = entries[(counter % #entries) + 1]
  local headers = {["X-Forwarded-Proto"] = "https", ["Host"] = "127.0.0.1"}
  if entry.write then
    local lead = leads[(counter % #leads) + 1]
    headers["Authorization"] = "Token " .. lead.token
    headers["Content-Type"] = "application/json"
    local marker = "load-" .. run .. "-" .. number .. "-" .. counter
    local body = '{"workstream": ' .. lead.workstream .. ', "rag": "amber", ' ..
      '"direction": "improving", "classification": "official", ' ..
      '"summary": "Business case with the department [' .. marker .. ']."}'
    return wrk.format("POST", "/api/v1/status-updates/", headers, body)
  end
  if entry.auth ~= "" then
    local name, value = entry.auth:match("^([^:]+): (.*)$")
    headers[name] = value
  end
  return wrk.format(entry.method, entry.path, headers)
end

statuses = {}
__COUNT_ANSWERS__
function done(summary, latency, requests)
  local answered = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      answered[tostring(status)] = (answered[tostring(status)] or 0) + count
    end
  end
  local e = summary.errors
  local parts = {}
  for status, count in pairs(answered) do
    table.insert(parts, string.format('"%s": %d', status, count))
  end
  io.write(string.format(
    'CAPACITY {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, ' ..
    '"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "answers": {%s}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3,
    latency:percentile(99) / 1e3, e.connect, e.read, e.write, e.status, e.timeout,
    table.concat(parts, ", ")))
end
""".replace("__COUNT_ANSWERS__", COUNT_ANSWERS)


def wrk(port: int, script: Path, concurrency: int, seconds: int) -> dict[str, Any]:
    threads = 1 if concurrency < 16 else 2
    command = [
        "wrk",
        f"--threads={threads}",
        f"--connections={concurrency}",
        f"--duration={seconds}s",
        f"--timeout={TIMEOUT}",
        f"--script={script}",
        f"http://127.0.0.1:{port}",
    ]
    output = subprocess.run(  # noqa: S603 - fixed arguments
        command, capture_output=True, text=True, check=True, timeout=seconds + 120
    ).stdout
    line = next((x for x in output.splitlines() if x.startswith("CAPACITY ")), None)
    if line is None:
        sys.exit(f"wrk printed no result:\n{output}")
    result: dict[str, Any] = json.loads(line.removeprefix("CAPACITY "))
    # Reads and writes on a connection that gunicorn closed after answering are reconnected by
    # wrk; a refused connection, a timeout or a 4xx/5xx answer is an error.
    result["errors"] = result["connect"] + result["timeout"] + result["status"]
    result["rps"] = result["requests"] / result["seconds"] if result["seconds"] else 0.0
    return result


def report(
    config: Config, args: argparse.Namespace, results: dict[tuple[str, int], dict[str, Any]]
) -> None:
    print(f"\n{config}; {args.duration} s per row, closed loop, no think time; wrk")
    header = f"{'profile':<12} {'conc':>5} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}"
    print(f"{header} {'errors':>7} {'x bare':>7}")
    print("-" * (len(header) + 16))
    for (profile, concurrency), result in results.items():
        bare = results[("bare", concurrency)]["rps"]
        share = result["rps"] / bare if bare else 0.0
        print(
            f"{profile:<12} {concurrency:>5} {result['rps']:>8.1f} {result['p50_ms']:>8.1f} "
            f"{result['p99_ms']:>8.1f} {result['errors']:>7} {share:>7.2f}"
        )


def check_writes(run: str, results: dict[tuple[str, int], dict[str, Any]]) -> int:
    """No write lost: at least as many updates of the run stored as answers of 201 (a few more
    when the run ended while posts were on their way: at most one per connection), every
    period's versions 1, 2, 3... with no gap; and none duplicated: each post's marker stored
    once. The run's updates become demo data."""
    mixed = {c: r for (p, c), r in results.items() if p == "mixed"}
    created = sum(int(r["answers"].get("201", 0)) for r in mixed.values())
    in_flight = sum(mixed)  # at most one unanswered post per connection when a run ended
    if not mixed:
        return 0
    django_setup()
    from tracker.models import StatusUpdate

    rows = StatusUpdate.objects.filter(summary__contains=f"[load-{run}")
    try:
        markers = [MARKER.search(s).group(1) for s in rows.values_list("summary", flat=True)]  # type: ignore[union-attr]
        duplicated = len(markers) - len(set(markers))
        gaps = version_gaps(set(rows.values_list("workstream_id", "period_start")))
        for gap in gaps:
            print(f"WRITE ERROR: {gap}")
        lost = max(0, created - len(markers))
        unexplained = max(0, len(markers) - created - in_flight)
        print(
            f"Writes check: {created} answered 201, {len(markers)} stored (up to {in_flight} "
            f"more may have been on their way when a run ended); {lost} lost, {duplicated} "
            f"duplicated, {unexplained} unexplained, {len(gaps)} periods with a gap"
        )
        return lost + duplicated + unexplained + len(gaps)
    finally:
        # Demo data from now on, as bench/load.py leaves its own: the next run (and
        # load_demo_data) replaces them rather than refusing the database.
        rows.update(is_demo=True)


if __name__ == "__main__":
    sys.exit(main())
