"""The test run's clock: ``pytest --now "YYYY-MM-DD HH:MM"`` starts the whole run at that moment.

The moment is UK wall-clock time (Europe/London), as the people using the tracker read it. The
clock ticks on from there: time-machine travels for the whole session, in every process pytest
starts (each xdist worker travels in its own ``pytest_configure``), so it reaches everything that
runs in the test process and asks Python for the time: Django, the in-process Celery worker and
its tasks, the live server the browser tests talk to, the SMTP sink, two-factor codes.

What runs outside the test process keeps the real clock: PostgreSQL's and SQLite's own ``now()``
(the code never asks the database for the time), Redis's key expiry (always relative, in
seconds) and Chromium's own clock (the session cookie has no expiry date; a page's scripts that
read the date say so in their test).

Without ``--now`` the run uses the real clock, and a test whose result depends on the date or the
hour pins "now" itself (time-machine, or an explicit argument).

``--now`` given N times, with ``-n N --dist each`` (pytest-xdist), runs every test once at each
moment in one run: worker ``gw<i>`` starts at the i-th moment and runs all the tests there, so the
moments share the run's start-up and collection, and run side by side on the cores. A test that
fails is named with the moment it failed at, at the end of the run.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

UK = ZoneInfo("Europe/London")
FORMAT = "%Y-%m-%d %H:%M"

_traveller = pytest.StashKey[time_machine.travel]()
_moment = pytest.StashKey[dt.datetime]()
_moments = pytest.StashKey[list[dt.datetime]]()


def parse_moment(value: str) -> dt.datetime:
    """A UK wall-clock time as an aware datetime; a time the clocks skip is refused, and a time
    they repeat (the autumn change) is the first of the two, before the clocks go back."""
    try:
        naive = dt.datetime.strptime(value.strip(), FORMAT)
    except ValueError:
        raise pytest.UsageError(
            f'--now expects "YYYY-MM-DD HH:MM" in UK time, for example "2027-03-28 00:59";'
            f" got {value!r}."
        ) from None
    moment = naive.replace(tzinfo=UK)
    if moment.astimezone(dt.UTC).astimezone(UK).replace(tzinfo=None) != naive:
        raise pytest.UsageError(
            f"--now {value!r} is not a time in the UK: the clocks go forward over it."
        )
    return moment


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--now",
        metavar="YYYY-MM-DD HH:MM",
        action="append",
        default=[],
        help="Start the whole run at this UK time, the clock ticking on from there "
        "(time-machine); without it, tests run on the real clock. Given N times, with "
        "`-n N --dist each`, each of the N workers runs every test at one of the moments.",
    )


def pytest_configure(config: pytest.Config) -> None:
    moments = [parse_moment(value) for value in config.getoption("--now")]
    if not moments:
        return
    if len(moments) > 1:
        worker = getattr(config, "workerinput", None)
        if worker is None:
            _check_one_worker_each(config, len(moments))
            # The controller runs no test: it only names each failure's moment.
            config.stash[_moments] = moments
            config.pluginmanager.register(_FailuresByMoment(moments), "clock-failures-by-moment")
            return
        moment = moments[_worker_index(worker["workerid"], len(moments))]
    else:
        moment = moments[0]
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.stash[_traveller] = traveller
    config.stash[_moment] = moment


def _check_one_worker_each(config: pytest.Config, count: int) -> None:
    workers = config.getoption("numprocesses", None)
    if config.getoption("dist", "no") != "each" or workers != count:
        raise pytest.UsageError(
            f"--now is given {count} times: run them with one worker each, "
            f"`-n {count} --dist each` (got -n {workers}, --dist {config.getoption('dist', 'no')})."
        )


def _worker_index(worker_id: str, count: int) -> int:
    index = int(worker_id.removeprefix("gw"))
    if not 0 <= index < count:
        # pytest-xdist numbers a worker that replaces a crashed one on from the last.
        raise pytest.UsageError(f"Worker {worker_id} has no --now moment of its own.")
    return index


class _FailuresByMoment:
    """The controller of a run at several moments: names, at the end, the moment each test
    that failed was running at (a worker's report says which worker ran it)."""

    def __init__(self, moments: list[dt.datetime]) -> None:
        self.moments = moments
        self.failed: dict[dt.datetime, list[str]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        node = getattr(report, "node", None)
        if report.failed and node is not None:
            moment = self.moments[_worker_index(node.gateway.id, len(self.moments))]
            self.failed.setdefault(moment, []).append(f"{report.nodeid} ({report.when})")

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        for moment in self.moments:
            for test in self.failed.get(moment, []):
                terminalreporter.write_line(f'FAILED at --now "{moment:{FORMAT}}": {test}')


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_traveller, None)
    if traveller is not None:
        traveller.stop()
        del config.stash[_traveller]


def pytest_report_header(config: pytest.Config) -> str | None:
    moments = config.stash.get(_moments, None)
    if moments is not None:
        return "now: each worker at one moment, UK time (--now), the clock ticking on: " + (
            "; ".join(f"gw{i} {m:%a %-d %b %Y %H:%M %Z}" for i, m in enumerate(moments))
        )
    moment = config.stash.get(_moment, None)
    if moment is None:
        return None
    return f"now: {moment:%A %-d %B %Y %H:%M %Z} UK time (--now), the clock ticking on"
