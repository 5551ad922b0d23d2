"""Importing an ONS file takes memory that does not grow with the file: its rows are read as a
stream, checked holding only what finding repeats needs, and written ``ONS_BATCH`` at a time."""

from __future__ import annotations

import csv
import io
import tracemalloc
from pathlib import Path

import pytest
from django.conf import settings

from missions import services

ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"
SOURCE = ONS / "healthy-life-expectancy" / "healthy-life-expectancy.csv"
AREAS = 200  # real rows: one figure each for 200 areas, repeated for as many periods as needed


def _real_rows() -> tuple[list[str], list[list[str]]]:
    """The published header, and the first indicator and period's rows for AREAS areas."""
    with SOURCE.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = list(reader)
    at = {name: header.index(name) for name in ("areacd", "indicator", "period")}
    first = rows[0]
    chosen: dict[str, list[str]] = {}
    for row in rows:
        same = all(row[at[c]] == first[at[c]] for c in ("indicator", "period"))
        if same and row[at["areacd"]] != "na":
            chosen.setdefault(row[at["areacd"]], row)
    assert len(chosen) >= AREAS, len(chosen)
    return header, list(chosen.values())[:AREAS]


def _file(path: Path, indicator: str, rows: int) -> Path:
    """A file of ``rows`` rows: the real rows, under another indicator's name, for one year
    after another (1001, 1002...), as a long time series would be."""
    header, real = _real_rows()
    at = {name: header.index(name) for name in ("indicator", "period")}
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for n in range(rows):
        row = list(real[n % AREAS])
        row[at["indicator"]] = indicator
        row[at["period"]] = f"{1001 + n // AREAS}-01-01/P1Y"
        writer.writerow(row)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _peak(path: Path) -> int:
    """The most memory (bytes, as Python allocated it) importing the file took at once."""
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    report = services.import_ons_file(path, None, name=path.stem, acting_user=None)
    _, peak = tracemalloc.get_traced_memory()
    assert report.outcome == services.IMPORTED, report.problems
    return peak - before


@pytest.mark.django_db
def test_the_memory_an_import_takes_does_not_grow_with_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What bounds the memory is the batch, not the file: a batch of 100 shows it with files
    # small enough to import in a few seconds under tracemalloc (which slows every allocation).
    monkeypatch.setattr(services, "ONS_BATCH", 100)
    warm_up = _file(tmp_path / "warm-up.csv", "Warm up", AREAS)
    small = _file(tmp_path / "small.csv", "Small", 500)
    big = _file(tmp_path / "big.csv", "Big", 5_000)
    tracemalloc.start()
    try:
        # First a file of one period, so that what an import allocates only once (the areas,
        # Django's compiled queries, the period parser's cache) is not counted in either peak.
        _peak(warm_up)
        small_peak = _peak(small)
        big_peak = _peak(big)
    finally:
        tracemalloc.stop()
    # Holding the file, or its figures (about a kilobyte each), would take about ten times the
    # memory for ten times the rows. Streamed, the peak is one batch of figures and what they
    # are written with, plus a hash of each row's key for finding repeats (under 100 bytes a
    # row). Measured: about 0.6 MB for the small file and 0.9 MB for the big one (and with the
    # batch of 1,000 the import uses, 3.2 MB for 2,000 rows and 3.3 MB for 20,000). Three times
    # leaves room for the allocator and the database driver, and none for a copy of the file.
    assert big_peak < 3 * small_peak, (small_peak, big_peak)
