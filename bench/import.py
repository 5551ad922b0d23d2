"""Measure importing ONS's Explore Local Statistics directory, as published, twice.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench \\
        .venv/bin/python bench/import.py [--directory data/ons-explore-local-statistics] [--keep]

Migrates the database in ``DATABASE_URL`` (SQLite under ``var/`` without it) and loads the
reference data, removes any figures, missing figures, indicators and areas an earlier import of
these files made (unless ``--keep``, which measures against what is there), then runs
``manage.py import_observations DIRECTORY`` twice, each in a process of its own, and prints for
each run the wall-clock time, the peak memory of the process (its maximum resident set size) and
how many files it imported or left unchanged. The second run should write nothing.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup_django() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("DEBUG", "True")  # a development key is enough for a local run
    import django

    django.setup()


def _prepare(keep: bool) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_reference_data", verbosity=0)
    if keep:
        return
    from missions.models import Area, Indicator, IndicatorFramework, MissingFigure, Observation
    from missions.services import ONS_FRAMEWORK

    framework = IndicatorFramework.objects.filter(slug=ONS_FRAMEWORK["slug"]).first()
    if framework is not None:
        MissingFigure.objects.filter(indicator__framework=framework).delete()
        Observation.objects.filter(indicator__framework=framework).delete()
        Indicator.objects.filter(framework=framework).delete()
        framework.delete()
    # The areas only these files brought: not the reference data's, and holding nothing.
    from missions.reference import read_areas

    reference = {row["gss_code"] for row in read_areas()}
    Area.objects.exclude(gss_code__in=reference).filter(
        observations__isnull=True,
        targets__isnull=True,
        missing_figures__isnull=True,
        children__isnull=True,
    ).delete()


def _run(directory: Path) -> tuple[float, int, str]:
    """One import in its own process: seconds, its peak memory (KB) and its output."""
    started = time.perf_counter()
    with subprocess.Popen(  # noqa: S603 - our own interpreter and manage.py, arguments written here
        [sys.executable, str(ROOT / "manage.py"), "import_observations", str(directory)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        output = process.stdout.read()
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        sys.exit(f"The import failed:\n{output}")
    return seconds, usage.ru_maxrss, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--directory", type=Path, default=ROOT / "data" / "ons-explore-local-statistics"
    )
    parser.add_argument("--keep", action="store_true", help="Measure against what is held.")
    args = parser.parse_args()
    _setup_django()
    from django.db import connection

    _prepare(args.keep)
    print(f"Database: {connection.vendor}; directory: {args.directory}")
    print(f"{'run':<8}{'seconds':>10}{'peak MB':>10}{'imported':>10}{'unchanged':>11}")
    for name in ("first", "second"):
        seconds, peak_kb, output = _run(args.directory)
        imported = output.count(": imported:")
        unchanged = output.count(": unchanged:")
        print(f"{name:<8}{seconds:>10.1f}{peak_kb / 1024:>10.0f}{imported:>10}{unchanged:>11}")


if __name__ == "__main__":
    main()
