"""The iCalendar feed a person subscribes to: the meetings they may see and their deals'
milestones.

A calendar app fetches it without signing in, so it says no more than the person may see and
never carries minutes or attendance: a meeting is its body, time, place and status, with a link
to its page (behind sign-in) for the agenda and the record.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from . import selectors
from .choices import MilestoneStatus
from .models import Meeting, Milestone

if TYPE_CHECKING:
    from accounts.models import User

# Stable identities: the same meeting keeps its UID however often the feed is fetched, so
# calendar apps update the event rather than adding it again.
UID_DOMAIN = "devolution-deal-tracker"
DEFAULT_LENGTH = dt.timedelta(hours=2)  # a meeting with no end time (as the model says)
CALENDAR_NAME = "Devolution deal tracker"


def _meeting_event(meeting: Meeting, base_url: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"meeting-{meeting.pk}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    event.add("dtstart", meeting.starts_at)
    event.add("dtend", meeting.ends_at or meeting.starts_at + DEFAULT_LENGTH)
    summary = f"{meeting.body.name} ({meeting.body.deal.short_name})"
    event.add("summary", summary)
    if meeting.location:
        event.add("location", meeting.location)
    # Planned, held and closed meetings all happen; the tracker has no cancelled meetings.
    event.add("status", "CONFIRMED")
    url = base_url + reverse("meeting-detail", args=[meeting.pk])
    event.add("url", url)
    event.add(
        "description",
        f"Meeting of the {meeting.body.name}, {meeting.get_status_display().lower()}. "
        f"The agenda and the record: {url}",
    )
    return event


def _milestone_event(milestone: Milestone, base_url: str, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", f"milestone-{milestone.pk}@{UID_DOMAIN}")
    event.add("dtstamp", stamp)
    # All-day, over the milestone's whole period: DTEND is the day after the last one.
    event.add("dtstart", milestone.starts_on)
    event.add("dtend", milestone.ends_on + dt.timedelta(days=1))
    event.add("summary", f"{milestone.deal.short_name} milestone: {milestone.title}")
    event.add("transp", "TRANSPARENT")
    event.add("status", "CANCELLED" if milestone.status == MilestoneStatus.MISSED else "CONFIRMED")
    url = base_url + reverse("timeline") + f"?deal={milestone.deal.slug}"
    event.add("url", url)
    event.add(
        "description",
        f"{milestone.when_label}. Status: {milestone.get_status_display().lower()}. {url}",
    )
    return event


def build(user: User, base_url: str, now: dt.datetime | None = None) -> bytes:
    """The person's feed as iCalendar bytes; ``base_url`` is the site's address, for links."""
    stamp = now or timezone.now()
    calendar = Calendar()
    calendar.add("prodid", "-//Devolution deal tracker//Meetings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    meetings = selectors.governance.meetings_for(user).order_by("starts_at")
    for meeting in meetings:
        calendar.add_component(_meeting_event(meeting, base_url, stamp))
    for milestone in selectors.governance.milestones_for(user):
        calendar.add_component(_milestone_event(milestone, base_url, stamp))
    return calendar.to_ical()
