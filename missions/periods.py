"""Turn the period labels that statistical publishers use into the dates they cover.

Only the shapes that our sources use are understood; anything else is a ``ValueError``, so a new
shape is noticed rather than guessed. A label keeps its wording in ``Observation.period``; the
dates are for sorting and charting.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from .choices import YearBasis

_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9

_MONTH = r"([A-Za-z]{3,9})"
_DASH = r"\s*[-–]\s*"  # a hyphen or an en dash, spaced or not
# A trailing qualifier that does not change the period: "2021 (provisional)", "2019 (r)".
_QUALIFIER = re.compile(r"\s*\([^()]*\)$")

_YEAR = re.compile(r"^(\d{4})$")
_YEAR_RANGE = re.compile(rf"^(\d{{4}}){_DASH}(\d{{4}})$")
_FINANCIAL_YEAR = re.compile(r"^(\d{4})/(\d{2}|\d{4})$")
_SPLIT_YEAR = re.compile(rf"^(\d{{4}}){_DASH}(\d{{2}})$")
_MONTH_YEAR = re.compile(rf"^{_MONTH}\s+(\d{{4}})$")
_MONTH_RANGE = re.compile(rf"^{_MONTH}\s+(\d{{4}}){_DASH}{_MONTH}\s+(\d{{4}})$")
_MONTH_RANGE_ONE_YEAR = re.compile(rf"^{_MONTH}{_DASH}{_MONTH}\s+(\d{{4}})$")
# ISO 8601, as ONS's Explore Local Statistics files write periods: a day (2025-04-30), or a
# start and a duration (2017-01-01/P3Y: the three years from 1 January 2017).
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_ISO_INTERVAL = re.compile(r"^(\d{4}-\d{2}-\d{2})/P(\d{1,3})([YMWD])$")


class AmbiguousPeriod(ValueError):
    """A split year (2019-20) for which no year basis was given."""


def parse_period(label: str, year_basis: str = "") -> tuple[date, date]:
    """The first and last day of the period a label names.

    ``2019``; ``2017-2019`` (whole calendar years); ISO 8601 days and intervals
    (``2025-04-30``; ``2017-01-01/P3Y``, ``2024-03-01/P1M``: from the start for the duration);
    ``2020/21`` (a financial year, April to March); ``May 2021``; ``Apr 2020-Mar 2021``;
    ``Apr-Dec 2020``; a trailing qualifier in brackets is ignored (``2021 (provisional)``).
    ``2019-20`` means a financial year (April to March) or an academic year (September to
    August), as ``year_basis`` says (the indicator's); without one it is refused, since
    publishers use it for both.
    """
    text = _QUALIFIER.sub("", label.strip())
    if _ISO_DATE.match(text):
        day = _iso_day(label, text)
        return day, day
    if match := _ISO_INTERVAL.match(text):
        return _iso_interval(label, _iso_day(label, match[1]), int(match[2]), match[3])
    if match := _YEAR.match(text):
        year = int(match[1])
        return date(year, 1, 1), date(year, 12, 31)
    if match := _YEAR_RANGE.match(text):
        first, last = int(match[1]), int(match[2])
        _check_order(label, first, last)
        return date(first, 1, 1), date(last, 12, 31)
    if match := _FINANCIAL_YEAR.match(text):
        first = int(match[1])
        if not _is_next_year(first, match[2]):
            raise ValueError(f"{label!r} is not a financial year: the years are not consecutive.")
        return date(first, 4, 1), date(first + 1, 3, 31)
    if match := _SPLIT_YEAR.match(text):
        first = int(match[1])
        if year_basis in (YearBasis.FINANCIAL, YearBasis.ACADEMIC):
            if not _is_next_year(first, match[2]):
                raise ValueError(f"{label!r} is not a split year: the years are not consecutive.")
            month = 4 if year_basis == YearBasis.FINANCIAL else 9
            return date(first, month, 1), _month_end(first + 1, month - 1)
        raise AmbiguousPeriod(
            f"{label!r} is ambiguous: a financial year (April to March) or an academic year "
            "(September to August). Set the indicator's year basis, write a financial year as "
            "2020/21, or give the months."
        )
    if match := _MONTH_YEAR.match(text):
        month, year = _month(label, match[1]), int(match[2])
        return date(year, month, 1), _month_end(year, month)
    if match := _MONTH_RANGE.match(text):
        start = date(int(match[2]), _month(label, match[1]), 1)
        end_year, end_month = int(match[4]), _month(label, match[3])
        return _checked_range(label, start, _month_end(end_year, end_month))
    if match := _MONTH_RANGE_ONE_YEAR.match(text):
        year = int(match[3])
        start = date(year, _month(label, match[1]), 1)
        return _checked_range(label, start, _month_end(year, _month(label, match[2])))
    raise ValueError(f"{label!r} is not a period label this app understands.")


def _month(label: str, name: str) -> int:
    try:
        return _MONTHS[name.lower()]
    except KeyError:
        raise ValueError(f"{label!r}: {name!r} is not a month.") from None


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _is_next_year(first: int, second: str) -> bool:
    if len(second) == 4:
        return int(second) == first + 1
    return int(second) == (first + 1) % 100


def _check_order(label: str, first: int, last: int) -> None:
    if last < first:
        raise ValueError(f"{label!r} ends before it starts.")


def _checked_range(label: str, start: date, end: date) -> tuple[date, date]:
    if end < start:
        raise ValueError(f"{label!r} ends before it starts.")
    return start, end


def _iso_day(label: str, text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{label!r}: {text!r} is not a date.") from None


def _iso_interval(label: str, start: date, count: int, unit: str) -> tuple[date, date]:
    """The days from ``start`` for ``count`` years, months, weeks or days (the last included)."""
    if count == 0:
        raise ValueError(f"{label!r} lasts no time.")
    if unit in "YM":
        months = count * 12 if unit == "Y" else count
        index = start.month - 1 + months
        year, month = start.year + index // 12, index % 12 + 1
        day = min(start.day, calendar.monthrange(year, month)[1])
        return start, date(year, month, day) - timedelta(days=1)
    return start, start + timedelta(days=count * (7 if unit == "W" else 1) - 1)


def _day_text(day: date) -> str:
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _month_text(day: date) -> str:
    return f"{calendar.month_name[day.month]} {day.year}"


def describe(label: str) -> str:
    """An ISO 8601 period as a person reads it: ``2017-01-01/P3Y`` is "2017 to 2019",
    ``2022-04-01/P1Y`` "April 2022 to March 2023", ``2025-04-30`` "30 April 2025". Any other
    label is already in words, and is returned as it is."""
    text = _QUALIFIER.sub("", label.strip())
    if not (_ISO_DATE.match(text) or _ISO_INTERVAL.match(text)):
        return label
    try:
        start, end = parse_period(text)
    except ValueError:
        return label
    if start == end:
        return _day_text(start)
    whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if whole_months and start.month == 1 and end.month == 12:
        return str(start.year) if start.year == end.year else f"{start.year} to {end.year}"
    if whole_months:
        if (start.year, start.month) == (end.year, end.month):
            return _month_text(start)
        return f"{_month_text(start)} to {_month_text(end)}"
    return f"{_day_text(start)} to {_day_text(end)}"
