"""When a subscription is due: its slots, in UK time, whatever the clocks do.

Pure functions of the subscription's frequency, day and time. A slot is an aware datetime; the
digest for a slot reports on what changed between the previous slot and this one.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from .choices import Frequency

UK = ZoneInfo("Europe/London")


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    """The UK wall-clock time on a day, as an aware datetime (a time the spring change skips is
    read as after it)."""
    return dt.datetime.combine(day, time).replace(tzinfo=UK)


def _add_months(day: dt.date, months: int, day_of_month: int) -> dt.date:
    month_index = day.month - 1 + months
    return dt.date(day.year + month_index // 12, month_index % 12 + 1, day_of_month)


def first_slot_after(frequency: str, day: int, time: dt.time, moment: dt.datetime) -> dt.datetime:
    """The first slot strictly after ``moment`` for a schedule that starts now."""
    local = moment.astimezone(UK)
    if frequency == Frequency.MONTHLY:
        candidate = _at(dt.date(local.year, local.month, day), time)
        if candidate <= moment:
            candidate = _at(_add_months(local.date(), 1, day), time)
        return candidate
    ahead = (day - local.weekday()) % 7
    candidate = _at(local.date() + dt.timedelta(days=ahead), time)
    if candidate <= moment:
        candidate = _at(candidate.date() + dt.timedelta(days=7), time)
    return candidate


def following_slot(frequency: str, day: int, time: dt.time, slot: dt.datetime) -> dt.datetime:
    """The slot after ``slot`` in the same series."""
    local = slot.astimezone(UK).date()
    if frequency == Frequency.MONTHLY:
        return _at(_add_months(local, 1, day), time)
    step = 14 if frequency == Frequency.FORTNIGHTLY else 7
    return _at(local + dt.timedelta(days=step), time)


def next_slot(
    frequency: str, day: int, time: dt.time, slot: dt.datetime, now: dt.datetime
) -> dt.datetime:
    """The slot to be due after ``slot`` has been claimed at ``now``.

    Normally the following slot in the series. After an outage that missed several slots, the
    series moves on to the first slot after ``now``: one digest covers the whole gap, rather than
    a burst of stale ones.
    """
    candidate = following_slot(frequency, day, time, slot)
    while candidate <= now:
        candidate = following_slot(frequency, day, time, candidate)
    return candidate


def previous_slot(frequency: str, day: int, time: dt.time, slot: dt.datetime) -> dt.datetime:
    """The slot before ``slot``: where a first digest's period starts."""
    local = slot.astimezone(UK).date()
    if frequency == Frequency.MONTHLY:
        return _at(_add_months(local, -1, day), time)
    step = 14 if frequency == Frequency.FORTNIGHTLY else 7
    return _at(local - dt.timedelta(days=step), time)
