"""Reporting periods: which period a day falls in, when its update is due, what is overdue.

A deal reports weekly or fortnightly in blocks counted from its ``reporting_starts_on`` (a Monday
by convention), or monthly by calendar month. An update for a period falls due on the last day of
the period that is the deal's ``update_due_weekday``. A workstream is overdue when the newest
period whose due date has passed has no update.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.choices import Cadence

from .constants import DEFAULT_REPORTING_ANCHOR

if TYPE_CHECKING:
    from core.models import Deal

CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.FORTNIGHTLY: 14}


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    due_on: dt.date

    def label(self) -> str:
        if self.start.year == self.end.year:
            return f"{self.start:%-d %B} to {self.end:%-d %B %Y}"
        return f"{self.start:%-d %B %Y} to {self.end:%-d %B %Y}"


def _due_day(start: dt.date, end: dt.date, weekday: int) -> dt.date:
    """The last day of the period falling on the weekday (the end, if none does)."""
    back = (end.weekday() - weekday) % 7
    due = end - dt.timedelta(days=back)
    return due if due >= start else end


def period_for(
    day: dt.date, *, cadence: str, due_weekday: int, anchor: dt.date | None = None
) -> Period:
    if cadence == Cadence.MONTHLY:
        start = day.replace(day=1)
        end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    else:
        length = CADENCE_DAYS[Cadence(cadence)]
        anchor = anchor or DEFAULT_REPORTING_ANCHOR
        start = anchor + dt.timedelta(days=((day - anchor).days // length) * length)
        end = start + dt.timedelta(days=length - 1)
    return Period(start, end, _due_day(start, end, due_weekday))


def deal_period(deal: Deal, day: dt.date) -> Period:
    return period_for(
        day,
        cadence=deal.reporting_cadence,
        due_weekday=deal.update_due_weekday,
        anchor=deal.reporting_starts_on,
    )


def previous_period(deal: Deal, period: Period) -> Period:
    return deal_period(deal, period.start - dt.timedelta(days=1))


def last_due_period(deal: Deal, today: dt.date) -> Period:
    """The newest period whose due date has passed: the one an overdue check looks at."""
    current = deal_period(deal, today)
    return current if today > current.due_on else previous_period(deal, current)
