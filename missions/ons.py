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
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

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
        return indicator_code(self.indicator)


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


def _rows(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    for cells in reader:
        yield reader.line_num, cells


def read_figures(data: bytes | str) -> FigureFile:
    """Every row of a figures file, read and checked on its own (areas, indicators and figures
    already held are the services' to compare)."""
    result = FigureFile()
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            result.problems.append(Problem(1, "The file is not UTF-8 text."))
            return result
    rows = _rows(data.removeprefix("\ufeff"))
    try:
        _, header = next(rows)
    except StopIteration:
        result.problems.append(Problem(1, "The file is empty."))
        return result
    names = [name.strip().lower() for name in header]
    if not is_ons_header(names):
        missing = [name for name in REQUIRED if name not in names]
        result.problems.append(
            Problem(1, f"The header row lacks the column(s): {', '.join(missing)}.")
        )
        return result
    positions: dict[str, list[int]] = {}
    for index, name in enumerate(names):
        positions.setdefault(name, []).append(index)
    first_row: dict[tuple[str, str, str], Figure] = {}
    try:
        for number, cells in rows:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line, as some editors leave at the end
            if len(cells) != len(names):
                result.problems.append(
                    Problem(number, f"The row has {len(cells)} cells; the header has {len(names)}.")
                )
                continue
            row = {
                name: "; ".join(c for i in places if (c := cells[i].strip()))
                for name, places in positions.items()
            }
            _read_row(result, first_row, number, row)
    except csv.Error as error:
        result.problems.append(Problem(number + 1, f"This row cannot be read as CSV: {error}."))
    return result


def _read_row(
    result: FigureFile,
    first_row: dict[tuple[str, str, str], Figure],
    number: int,
    row: dict[str, str],
) -> None:
    reasons: list[str] = []
    code, name = row["areacd"].upper(), row["areanm"]
    if code.lower() == NO_AREA_CODE:
        result.left_out.append(
            Problem(number, f"{name or 'The area'} has no GSS code ({row['areacd']!r}).")
        )
        return
    level = area_level(code)
    if not code:
        reasons.append("There is no area code.")
    elif level is None:
        reasons.append(f"The area code {code!r} is not of a kind this app knows.")
    if not name:
        reasons.append("There is no area name.")
    indicator = row["indicator"]
    if not indicator_code(indicator):
        reasons.append("There is no indicator name.")
    period = row["period"]
    dates: tuple[dt.date, dt.date] | None = None
    try:
        dates = parse_period(period) if period else None
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
    for column in ("lci_95", "uci_95"):
        if row.get(column) and _decimal(row[column]) is None:
            reasons.append(f"The {column} {row[column]!r} is not a number.")
    lower, upper = _decimal(row.get("lci_95", "")), _decimal(row.get("uci_95", ""))
    if lower is not None and upper is not None and lower > upper:
        reasons.append(f"The confidence interval's lower bound {lower} is above its upper {upper}.")
    if not row["unit"]:
        reasons.append("There is no unit.")
    if reasons:
        result.problems.extend(Problem(number, reason) for reason in reasons)
        return
    assert level is not None and dates is not None
    figure = Figure(
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
    key = (code, figure.indicator_code, period)
    first = first_row.get(key)
    if first is None:
        first_row[key] = figure
        result.figures.append(figure)
    elif (first.value, first.status, first.lower, first.upper) == (value, status, lower, upper):
        result.repeats.append((number, first.row))
    else:
        result.problems.append(
            Problem(
                number,
                f"Row {first.row} gives {first.area_name} another figure for the same "
                "indicator and period.",
            )
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
            source_url=_text(merged.get("sourceURL")),
            source_org=_text(merged.get("sourceOrg")),
            source_date=_date(merged.get("sourceDate")),
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
