"""The run's clock (tests/clock.py): ``pytest --now "YYYY-MM-DD HH:MM"`` starts the whole run at
that UK time, and the clock ticks on from there in every thread of every test process."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.clock import UK, parse_moment

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("value", "utc"),
    [
        ("2027-01-10 03:30", "2027-01-10 03:30"),  # winter: GMT is UTC
        ("2027-07-01 09:00", "2027-07-01 08:00"),  # summer: BST is an hour ahead
        ("2027-03-28 00:59", "2027-03-28 00:59"),  # a minute before the clocks go forward
        ("2027-03-28 02:00", "2027-03-28 01:00"),  # the first minute after
        ("2027-10-31 01:59", "2027-10-31 00:59"),  # a minute before they go back: the first 01:59
        ("2028-02-29 23:58", "2028-02-29 23:58"),
    ],
)
def test_a_moment_is_read_as_uk_time(value: str, utc: str) -> None:
    moment = parse_moment(value)
    assert moment.tzinfo == UK
    assert moment.astimezone(dt.UTC) == dt.datetime.fromisoformat(utc).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2027-03-28 01:30", "the clocks go forward over it"),
        ("2027-02-29 12:00", "YYYY-MM-DD HH:MM"),  # no such day
        ("2027-01-10", "YYYY-MM-DD HH:MM"),
        ("10/01/2027 03:30", "YYYY-MM-DD HH:MM"),
        ("2027-01-10 25:00", "YYYY-MM-DD HH:MM"),
    ],
)
def test_a_moment_that_is_no_uk_time_stops_the_run_with_the_reason(value: str, reason: str) -> None:
    with pytest.raises(pytest.UsageError, match=reason):
        parse_moment(value)


PROBE = """
import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

from django.utils import timezone

UK = ZoneInfo("Europe/London")
START = dt.datetime(2028, 2, 29, 23, 58, tzinfo=UK)


def test_the_run_starts_at_the_moment_and_the_clock_ticks_in_every_thread():
    first = timezone.now()
    assert START <= first < START + dt.timedelta(seconds=30)
    assert timezone.localdate() == dt.date(2028, 2, 29)
    assert abs(time.time() - first.timestamp()) < 1
    seen = []
    thread = threading.Thread(target=lambda: seen.append(dt.datetime.now(UK)))
    thread.start()
    thread.join()
    time.sleep(0.01)
    assert first < seen[0] < timezone.now()
"""


def run_pytest(folder: Path, *args: str, workers: bool = False) -> subprocess.CompletedProcess[str]:
    """pytest in a process of its own, in ``folder``, with the clock plugin and none of the
    suite's own settings (parallel workers only if ``workers``)."""
    (folder / "pytest.ini").write_text("[pytest]\n")
    options = ["-p", "tests.clock", "-p", "no:cacheprovider"]
    options += [] if workers else ["-p", "no:xdist"]
    options += ["-c", str(folder / "pytest.ini"), "--rootdir", str(folder)]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "config.settings_test"}
    return subprocess.run(  # noqa: S603 - our own interpreter, arguments written here
        [sys.executable, "-m", "pytest", *options, *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_now_starts_a_run_at_the_moment_in_every_thread(tmp_path: Path) -> None:
    """A run of its own, on one test file, with the option as a person types it."""
    (tmp_path / "test_probe.py").write_text(textwrap.dedent(PROBE))
    run = run_pytest(tmp_path, "--now", "2028-02-29 23:58", "test_probe.py")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "now: Tuesday 29 February 2028 23:58 GMT UK time (--now)" in run.stdout
    assert "1 passed" in run.stdout


def test_a_run_at_no_uk_time_is_refused_before_any_test(tmp_path: Path) -> None:
    run = run_pytest(tmp_path, "--now", "2027-03-28 01:30")
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "the clocks go forward over it" in run.stderr


MOMENTS_PROBE = """
import datetime as dt

from django.utils import timezone


def test_the_worker_runs_at_one_of_the_moments():
    assert timezone.localdate() in (dt.date(2027, 1, 10), dt.date(2028, 2, 29))


def test_fails_on_the_tenth_of_january():
    assert timezone.localdate() != dt.date(2027, 1, 10)
"""


def test_now_given_twice_runs_every_test_at_each_moment_and_names_a_failures_moment(
    tmp_path: Path,
) -> None:
    """``make test-dates`` runs several moments at once, one worker each."""
    (tmp_path / "test_probe.py").write_text(textwrap.dedent(MOMENTS_PROBE))
    now = ["--now", "2027-01-10 03:30", "--now", "2028-02-29 23:58"]
    run = run_pytest(tmp_path, *now, "-n", "2", "--dist", "each", "test_probe.py", workers=True)
    assert run.returncode == pytest.ExitCode.TESTS_FAILED, run.stdout + run.stderr
    assert "1 failed, 3 passed" in run.stdout
    failures = [line for line in run.stdout.splitlines() if line.startswith("FAILED at --now")]
    assert failures == [
        'FAILED at --now "2027-01-10 03:30": test_probe.py::test_fails_on_the_tenth_of_january'
        " (call)"
    ]


def test_now_given_twice_without_a_worker_for_each_moment_is_refused(tmp_path: Path) -> None:
    now = ["--now", "2027-01-10 03:30", "--now", "2028-02-29 23:58"]
    run = run_pytest(tmp_path, *now, "-n", "2", workers=True)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR
    assert "run them with one worker each, `-n 2 --dist each`" in run.stderr
