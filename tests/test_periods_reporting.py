"""Reporting periods by cadence, their due dates, and which period an overdue check looks at."""

from __future__ import annotations

import datetime as dt

import pytest

from core.choices import Cadence
from core.models import Deal
from tracker.periods import deal_period, last_due_period, period_for, previous_period

FRIDAY = 4
ANCHOR = dt.date(2022, 3, 7)  # a Monday


def test_fortnightly_periods_are_counted_from_the_anchor() -> None:
    period = period_for(
        dt.date(2026, 11, 25), cadence=Cadence.FORTNIGHTLY, due_weekday=FRIDAY, anchor=ANCHOR
    )
    assert (period.start, period.end) == (dt.date(2026, 11, 23), dt.date(2026, 12, 6))
    assert period.due_on == dt.date(2026, 12, 4)  # the second Friday
    assert (period.start - ANCHOR).days % 14 == 0


def test_a_day_before_the_anchor_still_falls_in_a_whole_period() -> None:
    period = period_for(
        dt.date(2022, 3, 6), cadence=Cadence.FORTNIGHTLY, due_weekday=FRIDAY, anchor=ANCHOR
    )
    assert (period.start, period.end) == (dt.date(2022, 2, 21), dt.date(2022, 3, 6))


def test_weekly_periods_fall_due_on_their_friday() -> None:
    period = period_for(
        dt.date(2026, 11, 23), cadence=Cadence.WEEKLY, due_weekday=FRIDAY, anchor=ANCHOR
    )
    assert (period.start, period.end, period.due_on) == (
        dt.date(2026, 11, 23),
        dt.date(2026, 11, 29),
        dt.date(2026, 11, 27),
    )


def test_monthly_periods_are_calendar_months_due_on_their_last_friday() -> None:
    period = period_for(dt.date(2026, 2, 10), cadence=Cadence.MONTHLY, due_weekday=FRIDAY)
    assert (period.start, period.end, period.due_on) == (
        dt.date(2026, 2, 1),
        dt.date(2026, 2, 28),
        dt.date(2026, 2, 27),
    )


@pytest.mark.parametrize("weekday", range(7))
def test_the_due_day_is_inside_the_period_whatever_the_weekday(weekday: int) -> None:
    for cadence in Cadence.values:
        period = period_for(dt.date(2026, 11, 23), cadence=cadence, due_weekday=weekday)
        assert period.start <= period.due_on <= period.end
        assert period.due_on.weekday() == weekday


def test_the_overdue_check_looks_at_the_previous_period_until_the_current_one_falls_due() -> None:
    deal = Deal(
        reporting_cadence=Cadence.FORTNIGHTLY, update_due_weekday=FRIDAY, reporting_starts_on=ANCHOR
    )
    current = deal_period(deal, dt.date(2026, 11, 25))
    assert last_due_period(deal, dt.date(2026, 11, 25)) == previous_period(deal, current)
    assert last_due_period(deal, current.due_on) == previous_period(deal, current)
    assert last_due_period(deal, current.due_on + dt.timedelta(days=1)) == current
