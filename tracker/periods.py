"""Reporting periods: which period a day falls in, when its update is due, what is overdue.

A deal reports weekly or fortnightly in blocks counted from its ``reporting_starts_on`` (a Monday
by convention), or monthly by calendar month. An update for a period falls due on the last day of
the period that is the deal's ``update_due_weekday``. A workstream is overdue when the newest
period whose due date has passed has no update.

A missed period can still be reported for a while (``reportable_past_periods``): the update is
late, counts for the period it is for, and so fills the gap in the workstream's RAG history.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.choices import Cadence

from .constants import DEFAULT_REPORTING_ANCHOR, LATE_REPORTING_PERIODS

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


def is_late(period: Period, day: dt.date) -> bool:
    """Whether an update first posted on ``day`` for the period is late."""
    return day > period.due_on


def reportable_past_periods(deal: Deal, today: dt.date) -> list[Period]:
    """The periods before the current one that a lead may still report if they were missed,
    oldest first: at most LATE_REPORTING_PERIODS back, none before the deal's reporting began.
    Each has passed its due date, so an update for one is late."""
    periods: list[Period] = []
    period = deal_period(deal, today)
    for _ in range(LATE_REPORTING_PERIODS):
        period = previous_period(deal, period)
        if deal.reporting_starts_on and period.end < deal.reporting_starts_on:
            break
        periods.append(period)
    return periods[::-1]


def period_refusal(deal: Deal, start: dt.date, today: dt.date) -> str | None:
    """Why a lead may not report the period starting on ``start`` today (None if they may):
    it must be a period of the deal, the current one or a reportable past one."""
    period = deal_period(deal, start)
    if period.start != start:
        return (
            f"{start:%-d %B %Y} is not the first day of a reporting period: the period it falls "
            f"in starts on {period.start:%-d %B %Y} ({period.start.isoformat()})"
        )
    current = deal_period(deal, today)
    if start > current.start:
        return "That period has not started yet: report it when it is open"
    if start < current.start and period not in reportable_past_periods(deal, today):
        return (
            f"That period is too long ago to report: only the last {LATE_REPORTING_PERIODS} "
            "periods may still be reported late"
        )
    return None
