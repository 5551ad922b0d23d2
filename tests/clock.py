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
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

UK = ZoneInfo("Europe/London")
FORMAT = "%Y-%m-%d %H:%M"

_traveller = pytest.StashKey[time_machine.travel]()
_moment = pytest.StashKey[dt.datetime]()


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
        default=None,
        help="Start the whole run at this UK time, the clock ticking on from there "
        "(time-machine); without it, tests run on the real clock.",
    )


def pytest_configure(config: pytest.Config) -> None:
    value = config.getoption("--now")
    if not value:
        return
    moment = parse_moment(value)
    traveller = time_machine.travel(moment, tick=True)
    traveller.start()
    config.stash[_traveller] = traveller
    config.stash[_moment] = moment


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_traveller, None)
    if traveller is not None:
        traveller.stop()
        del config.stash[_traveller]


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = config.stash.get(_moment, None)
    if moment is None:
        return None
    return f"now: {moment:%A %-d %B %Y %H:%M %Z} UK time (--now), the clock ticking on"
