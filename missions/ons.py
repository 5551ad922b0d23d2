"""Reading ONS's Explore Local Statistics files as they are published.

Each indicator folder holds ``<slug>.csv`` (one row per area, indicator and period) and
``<slug>.json`` (the metadata). The CSV's header is recognised by its columns, in whatever order
they come (``is_ons_header``); the quirks of the published files are read as follows, and each
decision is in the README ("Importing ONS's Explore Local Statistics files"):

- A UTF-8 byte-order mark, present or not, is not part of the first column's name.
- A column named twice (``notes``) is one column: its non-empty cells joined with "; ".
- A period is ISO 8601, a day (``2025-04-30``) or a start and a duration (``2017-01-01/P3Y``);
  it keeps its wording, with the first and last day it covers (``missions.periods``).
- An empty observation is a missing figure: it keeps its status (``x``, ``u``, ``c``, ``z`` or
  words) and is never a zero. Where the file gives no status either, the status says so
  (``NO_STATUS_GIVEN``). A status beside a figure (``Value for Hackney and City of London
  combined``) is kept with it.
- The 95% confidence interval is kept where given, and refused if its lower bound is above its
  upper bound.
- An area listed twice under two geography labels (a combined authority also listed as an ITL
  region) with the same figure is one figure; listed twice with different figures, the file is
  refused naming both rows.
- A row whose area code is ``na`` (Scottish city regions, which have no GSS code) cannot be
  tied to an area: it is left out and reported with its row number, never dropped silently.
- An area's level comes from its code (the GSS entity code, or an ITL code's length), not from
  the file's geography label, which calls metropolitan districts and London boroughs "Local
  Authority District" although they are upper-tier authorities.
- An indicator's code is the slug of its name in the file (``female-healthy-life-expectancy``).

Nothing here touches the database: ``read_figures``, ``read_metadata`` and ``metadata_for``
return what the files say, with every problem and its row number, for ``missions.services`` to
check and write.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any, TextIO

from django.utils.text import slugify

from .choices import AreaLevel, Unit
from .periods import parse_period

COLUMNS = (
    "areacd",
    "areanm",
    "geography",
    "indicator",
    "period",
    "observation",
    "measure",
    "unit",
    "lci_95",
    "uci_95",
    "status",
    "notes",
)
REQUIRED = ("areacd", "areanm", "indicator", "period", "observation", "unit", "status")
NO_AREA_CODE = "na"
NO_STATUS_GIVEN = "no figure, and no reason given in the file"
ITL_CODE = re.compile(r"^TL[A-N][0-9A-Z]{0,2}$")

# The level of an area by its GSS entity code (the first three characters of its code).
LEVEL_BY_ENTITY: dict[str, AreaLevel] = {
    **dict.fromkeys(("K02", "K03", "K04", "E92", "W92", "S92", "N92"), AreaLevel.COUNTRY),
    "E12": AreaLevel.REGION,
    "E47": AreaLevel.COMBINED_AUTHORITY,
    "E61": AreaLevel.COMBINED_AUTHORITY,  # the Greater London Authority
    **dict.fromkeys(("N34", "W42"), AreaLevel.CITY_REGION),
    "E10": AreaLevel.COUNTY,
    "E11": AreaLevel.METROPOLITAN_COUNTY,
    **dict.fromkeys(("E06", "W06"), AreaLevel.UNITARY_AUTHORITY),
    "E08": AreaLevel.METROPOLITAN_DISTRICT,
    "E09": AreaLevel.LONDON_BOROUGH,
    "E07": AreaLevel.DISTRICT,
    "S12": AreaLevel.COUNCIL_AREA,
    "N09": AreaLevel.LOCAL_GOVERNMENT_DISTRICT,
    # Inner and Outer London, areas reported together, and "UK less Extra-Regio".
    **dict.fromkeys(("E13", "E67", "K99"), AreaLevel.GROUPING),
}
ITL_LEVEL_BY_LENGTH = {3: AreaLevel.ITL1, 4: AreaLevel.ITL2, 5: AreaLevel.ITL3}

# The file's unit, as the app's unit for formatting; anything else is the source's own words.
UNIT_BY_LABEL = {
    "%": Unit.PERCENT,
    "£": Unit.GBP,
    "yrs": Unit.YEARS,
    "Score out of 10": Unit.SCORE_0_10,
}


@dataclass(frozen=True)
class Problem:
    row: int  # the line in the file, the header being row 1
    reason: str


@dataclass(frozen=True)
class Figure:
    """One row of a file, read: a figure, or a missing one with its status."""

    row: int
    area_code: str
    area_name: str
    area_level: AreaLevel
    indicator: str  # the name as the file gives it
    period: str
    period_start: dt.date
    period_end: dt.date
    value: Decimal | None
    lower: Decimal | None
    upper: Decimal | None
    status: str
    unit: str
    measure: str
    notes: str

    @property
    def indicator_code(self) -> str:
        return _indicator_code(self.indicator)

    @property
    def key(self) -> tuple[str, str, str]:
        """What a file gives once: an area's figure for an indicator and period."""
        return (self.area_code, self.indicator_code, self.period)

    def same_figure(self, other: Figure) -> bool:
        return (self.value, self.status, self.lower, self.upper) == (
            other.value,
            other.status,
            other.lower,
            other.upper,
        )


@dataclass
class FigureFile:
    figures: list[Figure] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Rows that cannot be tied to an area (code "na"): reported, not imported.
    left_out: list[Problem] = field(default_factory=list)
    # A second row for the same area, indicator and period with the same figure: (row, first).
    repeats: list[tuple[int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# Which rows to read, by their area's code and their indicator's code.
Keep = Callable[[str, str], bool]


@dataclass
class FigureCheck:
    """What reading a figures file through found, without its figures (``check_figures``)."""

    problems: list[Problem] = field(default_factory=list)
    left_out: list[Problem] = field(default_factory=list)
    repeats: list[tuple[int, int]] = field(default_factory=list)
    # The rows that are not figures of their own: the repeats, and rows contradicting another.
    skip: set[int] = field(default_factory=set)
    # Each indicator's name and unit, and each area's name and level, from its first row.
    indicators: dict[str, tuple[str, str]] = field(default_factory=dict)
    areas: dict[str, tuple[str, AreaLevel]] = field(default_factory=dict)
    # How many figures each area has of each indicator (repeats not counted).
    figures_by_area: Counter[tuple[str, str]] = field(default_factory=Counter)
    keep: Keep | None = None  # the rows read, when not all of them
    outside: int = 0  # rows not kept, and so not read

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def figures(self) -> int:
        """How many figures ``figures`` gives."""
        return self.figures_by_area.total()


# A figures file: its bytes, its text, its path, or a binary file open on it (read from its start).
FigureSource = bytes | str | os.PathLike[str] | IO[bytes]


@dataclass(frozen=True)
class IndicatorMeta:
    name: str  # the block's key: the indicator's name in the figures file
    label: str
    subtitle: str = ""
    description: str = ""
    caveats: str = ""
    source_url: str = ""
    source_org: str = ""
    source_date: dt.date | None = None
    decimal_places: int | None = None
    prefix: str = ""
    suffix: str = ""


def indicator_code(name: str) -> str:
    """An indicator's code: the slug of its name in the file."""
    return slugify(name)


def is_ons_header(names: Iterable[str]) -> bool:
    """Whether a header row is this format's: every required column, in any order."""
    present = {name.strip().lower().removeprefix("\ufeff") for name in names}
    return set(REQUIRED) <= present


def area_level(code: str) -> AreaLevel | None:
    """An area's level from its code; None for a code of no kind known here."""
    if ITL_CODE.match(code):
        return ITL_LEVEL_BY_LENGTH.get(len(code))
    return LEVEL_BY_ENTITY.get(code[:3])


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


# A file's indicators and periods are few and repeated on every row: each is worked out once.
_indicator_code = functools.lru_cache(maxsize=1024)(indicator_code)
_period = functools.lru_cache(maxsize=4096)(parse_period)


@contextmanager
def _opened(source: FigureSource) -> Iterator[TextIO]:
    """The file as a text stream, read as it goes rather than decoded whole."""
    if isinstance(source, str):
        yield io.StringIO(source.removeprefix("\ufeff"), newline="")
    elif isinstance(source, bytes | bytearray | memoryview):
        yield io.TextIOWrapper(io.BytesIO(source), encoding="utf-8-sig", newline="")
    elif isinstance(source, os.PathLike):
        with open(source, encoding="utf-8-sig", newline="") as stream:
            yield stream
    else:  # a binary file object, read from its start each time (it is read more than once)
        source.seek(0)
        stream = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
        try:
            yield stream
        finally:
            stream.detach()  # the caller's file stays open


@dataclass(frozen=True)
class _LeftOut:
    problem: Problem


class _Outside:
    """A row of an area, or indicator, that the reading does not keep."""


OUTSIDE = _Outside()

_Read = Figure | list[Problem] | _LeftOut | _Outside


def _scan(source: FigureSource, keep: Keep | None = None) -> Iterator[_Read]:
    """Each row of a figures file, read on its own: a figure, its problems, or a row left out.
    A problem with the file as a whole (its header, its encoding) is a list of one problem.
    With ``keep``, a row it does not keep (by its area's code and its indicator's) is passed
    over unread, as ``OUTSIDE``."""
    with _opened(source) as stream:
        reader = csv.reader(stream)
        try:
            header = next(reader, None)
        except UnicodeDecodeError:
            yield [Problem(1, "The file is not UTF-8 text.")]
            return
        if header is None:
            yield [Problem(1, "The file is empty.")]
            return
        names = [name.strip().lower() for name in header]
        if not is_ons_header(names):
            missing = [name for name in REQUIRED if name not in names]
            yield [Problem(1, f"The header row lacks the column(s): {', '.join(missing)}.")]
            return
        positions: dict[str, list[int]] = {}
        for index, name in enumerate(names):
            positions.setdefault(name, []).append(index)
        single = [(name, places[0]) for name, places in positions.items() if len(places) == 1]
        joined = [(name, places) for name, places in positions.items() if len(places) > 1]
        width = len(names)
        code_at, indicator_at = positions["areacd"][0], positions["indicator"][0]
        number = 1
        try:
            for cells in reader:
                number = reader.line_num
                if len(cells) != width:
                    if not any(cell.strip() for cell in cells):
                        continue  # a blank line, as some editors leave at the end
                    yield [
                        Problem(number, f"The row has {len(cells)} cells; the header has {width}.")
                    ]
                    continue
                if keep is not None and not keep(
                    cells[code_at].strip().upper(), _indicator_code(cells[indicator_at].strip())
                ):
                    yield OUTSIDE
                    continue
                row = {name: cells[i].strip() for name, i in single}
                for name, places in joined:
                    row[name] = "; ".join(c for i in places if (c := cells[i].strip()))
                if not any(row.values()):
                    continue
                yield _read_row(number, row)
        except csv.Error as error:
            yield [Problem(number + 1, f"This row cannot be read as CSV: {error}.")]
        except UnicodeDecodeError:
            yield [Problem(number + 1, "The file is not UTF-8 text (from this row or soon after).")]


def _read_row(number: int, row: dict[str, str]) -> _Read:
    reasons: list[str] = []
    code, name = row["areacd"].upper(), row["areanm"]
    if code.lower() == NO_AREA_CODE:
        return _LeftOut(
            Problem(number, f"{name or 'The area'} has no GSS code ({row['areacd']!r}).")
        )
    level = area_level(code)
    if not code:
        reasons.append("There is no area code.")
    elif level is None:
        reasons.append(f"The area code {code!r} is not of a kind this app knows.")
    if not name:
        reasons.append("There is no area name.")
    indicator = row["indicator"]
    if not _indicator_code(indicator):
        reasons.append("There is no indicator name.")
    period = row["period"]
    dates: tuple[dt.date, dt.date] | None = None
    try:
        dates = _period(period) if period else None
    except ValueError as error:
        reasons.append(str(error))
    if not period:
        reasons.append("There is no period.")
    value = lower = upper = None
    text, status = row["observation"], row["status"]
    if text:
        value = _decimal(text)
        if value is None:
            reasons.append(f"The observation {text!r} is not a number.")
    elif not status:
        # Published so (12 rows of first-time buyer mortgage sales): kept as missing, saying so.
        status = NO_STATUS_GIVEN
    lower_text, upper_text = row.get("lci_95", ""), row.get("uci_95", "")
    lower = _decimal(lower_text) if lower_text else None
    upper = _decimal(upper_text) if upper_text else None
    if lower_text and lower is None:
        reasons.append(f"The lci_95 {lower_text!r} is not a number.")
    if upper_text and upper is None:
        reasons.append(f"The uci_95 {upper_text!r} is not a number.")
    if lower is not None and upper is not None and lower > upper:
        reasons.append(f"The confidence interval's lower bound {lower} is above its upper {upper}.")
    if not row["unit"]:
        reasons.append("There is no unit.")
    if reasons:
        return [Problem(number, reason) for reason in reasons]
    assert level is not None and dates is not None
    return Figure(
        row=number,
        area_code=code,
        area_name=name,
        area_level=level,
        indicator=indicator,
        period=period,
        period_start=dates[0],
        period_end=dates[1],
        value=value,
        lower=lower,
        upper=upper,
        status=status,
        unit=row["unit"],
        measure=row.get("measure", ""),
        notes=row.get("notes", ""),
    )


def check_figures(source: FigureSource, keep: Keep | None = None) -> FigureCheck:
    """Read a figures file through once and check every row, holding no figure: the problems,
    the rows left out, the repeats, and the file's indicators and areas. What the import then
    writes, ``figures`` reads again. With ``keep``, only the rows it keeps are read and checked
    (a slice of the file); the others are counted as outside.

    Finding repeats holds a hash of each row's area, indicator and period (a few dozen bytes a
    row, where a figure is about a kilobyte); only if a hash comes twice is the file read again,
    holding the rows of those hashes alone, to compare them exactly."""
    check = FigureCheck(keep=keep)
    seen: set[int] = set()
    twice: set[int] = set()
    for read in _scan(source, keep):
        if read is OUTSIDE:
            check.outside += 1
        elif isinstance(read, Figure):
            check.figures_by_area[read.area_code, read.indicator_code] += 1
            check.indicators.setdefault(read.indicator_code, (read.indicator, read.unit))
            check.areas.setdefault(read.area_code, (read.area_name, read.area_level))
            key = hash(read.key)
            if key in seen:
                twice.add(key)
            else:
                seen.add(key)
        elif isinstance(read, _LeftOut):
            check.left_out.append(read.problem)
        elif isinstance(read, list):
            check.problems.extend(read)
    del seen
    if twice:
        _compare_repeats(source, twice, check)
        check.problems.sort(key=lambda problem: problem.row)
    return check


def _compare_repeats(source: FigureSource, hashes: set[int], check: FigureCheck) -> None:
    """The rows whose key's hash came twice, compared exactly with the first of their key: the
    same figure is a repeat, another one a problem naming both rows."""
    first_row: dict[tuple[str, str, str], Figure] = {}
    for read in _scan(source, check.keep):
        if not isinstance(read, Figure) or hash(read.key) not in hashes:
            continue
        first = first_row.setdefault(read.key, read)
        if first is read:
            continue
        check.skip.add(read.row)
        check.figures_by_area[read.area_code, read.indicator_code] -= 1
        if first.same_figure(read):
            check.repeats.append((read.row, first.row))
        else:
            check.problems.append(
                Problem(
                    read.row,
                    f"Row {first.row} gives {first.area_name} another figure for the same "
                    "indicator and period.",
                )
            )


def figures(source: FigureSource, check: FigureCheck) -> Iterator[Figure]:
    """The figures of a file ``check_figures`` has checked, one at a time: every row that is a
    figure, less the repeats (and the rows refused for contradicting another), of the rows the
    check kept."""
    for read in _scan(source, check.keep):
        if isinstance(read, Figure) and read.row not in check.skip:
            yield read


def read_figures(data: FigureSource) -> FigureFile:
    """Every row of a figures file, read and checked on its own (areas, indicators and figures
    already held are the services' to compare), all held in memory: for a file small enough to
    hold, or a test. The import reads with ``check_figures`` and ``figures``."""
    check = check_figures(data)
    return FigureFile(
        figures=list(figures(data, check)),
        problems=check.problems,
        left_out=check.left_out,
        repeats=check.repeats,
    )


# --- Metadata ---------------------------------------------------------------------------------


def _date(text: Any) -> dt.date | None:
    if not isinstance(text, str) or not text:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    return None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _several(value: Any) -> list[str]:
    """A metadata value that may name several sources, joined by "|"."""
    return [part.strip() for part in _text(value).split("|") if part.strip()]


def read_metadata(data: bytes | str) -> list[IndicatorMeta]:
    """Each indicator's metadata by its code: a file of several indicators has a ``shared``
    block and one block each (its own values win); a file of one has the block alone. Raises
    ``ValueError`` for a file that is not this metadata."""
    try:
        document = json.loads(data)
        blocks = document["ess-beta-metadata"]
    except (ValueError, KeyError, TypeError) as error:
        raise ValueError(
            f"The metadata is not Explore Local Statistics metadata ({error})."
        ) from None
    if not isinstance(blocks, dict):
        raise ValueError("The metadata is not Explore Local Statistics metadata.")
    if "label" in blocks:  # a file of one indicator: its metadata is the block itself
        blocks = {str(blocks["label"]): blocks}
    shared = blocks.get("shared") or {}
    found = []
    for name, own in blocks.items():
        if name == "shared" or not isinstance(own, dict):
            continue
        merged = {**shared, **{k: v for k, v in own.items() if v not in (None, "")}}
        places = merged.get("decimalPlaces")
        meta = IndicatorMeta(
            name=name,
            label=_text(merged.get("label")) or name,
            subtitle=_text(merged.get("subtitle")),
            description=_text(merged.get("longDescription")),
            caveats=_text(merged.get("caveats")),
            # Figures from several publishers give each one's URL, name and date, joined by
            # "|": the first URL is linked, every name is kept, and the newest date is when the
            # figures were last published.
            source_url=next(iter(_several(merged.get("sourceURL"))), ""),
            source_org="; ".join(_several(merged.get("sourceOrg"))),
            source_date=max(
                (d for d in map(_date, _several(merged.get("sourceDate"))) if d), default=None
            ),
            decimal_places=int(str(places)) if str(places).isdigit() else None,
            prefix=_text(merged.get("prefix")),
            suffix=_text(merged.get("suffix")) or _text(merged.get("subText")),
        )
        found.append(meta)
    return found


def metadata_for(names: Iterable[str], metadata: list[IndicatorMeta]) -> dict[str, IndicatorMeta]:
    """Each indicator of a figures file (by code) with its metadata: the block named as the
    indicator is (its label may differ: "Cycle to work" is "Travel time to employment centre by
    bicycle"), else the one labelled so; in a file of one indicator, the one block, whatever it
    is called ("Electricity consumption" has "Domestic electricity consumption")."""
    codes = sorted({indicator_code(name) for name in names})
    if len(codes) == 1 and len(metadata) == 1:
        return {codes[0]: metadata[0]}
    by_code = {indicator_code(meta.label): meta for meta in metadata}
    by_code.update({indicator_code(meta.name): meta for meta in metadata})
    return {code: by_code[code] for code in codes if code in by_code}


def app_unit(unit: str) -> Unit | None:
    """The app's unit for a file's unit, where one matches; else the file's words stand."""
    return UNIT_BY_LABEL.get(unit)
