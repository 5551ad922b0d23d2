"""Reads for the Devolution Strategy Group's view of delivery: the delivery dashboard, the list
of provisions its numbers link to, a provision's own page, the briefing pack's delivery section,
the provisions export and the digest's delivery news.

Every read starts from what the person may see (``Provision.objects.visible_to``), so a partner
never counts, lists or receives an OFFICIAL-SENSITIVE provision. A provision stands where its
latest report (by period) puts it:

- its **state** and **confidence**, or none before its first report;
- **slipped**: the latest report forecasts delivery later than its baseline, by so many days;
- **unreported**: it has no report for the reporting period open now (the deal's periods, as
  ``services.report_period`` gives them), unless it is finished (delivered or superseded), and
  so due no more reports;
- **changed** since a moment (the last meeting of the DSG): a report on it was written or
  revised since, and its state and confidence then are read from the reports' history.

Every count and every list comes from the same lines and the same tests of them, so a number on
the dashboard is always the length of the list it links to.

Queries: the provisions with their latest reports (one), what changed since the moment (one),
the last meeting (one); a provision's page reads a fixed few.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from core.choices import Classification
from core.models import Deal
from tracker.choices import BodyKind
from tracker.models import Meeting
from tracker.periods import Period, deal_period, previous_period
from tracker.selectors.proposals import proposals_for

from .choices import Confidence, DeliveryState
from .models import Provision, ProvisionReport
from .selectors import FINISHED, report_due  # the leads' rule of what is due

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from tracker.models import Proposal

    AnyUser = User | AnonymousUser

# The key of "no report yet", beside the states (and, for a filter, the confidence levels).
NO_REPORT = "none"
# The key of "no government department".
NO_DEPARTMENT = "none"
STATE_KEYS = [*DeliveryState.values, NO_REPORT]
CONFIDENCE_KEYS = list(Confidence.values)


def state_label(value: str | None) -> str:
    return DeliveryState(value).label if value else "No report yet"


def confidence_label(value: str | None) -> str:
    return Confidence(value).label if value else "Not rated"


def _natural(reference: str) -> tuple[Any, ...]:
    """A reference's sort key, numbers by value: 4.2 before 4.12."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", reference))


def _order(provision: Provision) -> tuple[Any, ...]:
    ws = provision.workstream
    return (ws.theme.position, ws.theme.name, ws.position, ws.name, _natural(provision.reference))


# --- One provision where its latest report puts it ---------------------------------------------


@dataclass(frozen=True)
class Line:
    """A provision (with its workstream, theme and department) and its latest report's
    ratings and dates; ``current_start`` is the start of the period open now."""

    provision: Provision
    state: str | None
    confidence: str | None
    baseline_on: dt.date | None
    forecast_on: dt.date | None
    period_start: dt.date | None  # of the latest report
    current_start: dt.date

    @property
    def state_key(self) -> str:
        return self.state or NO_REPORT

    @property
    def state_label(self) -> str:
        return state_label(self.state)

    @property
    def confidence_label(self) -> str:
        return confidence_label(self.confidence)

    @property
    def slip_days(self) -> int | None:
        """How many days the forecast is past the baseline; None when it is not."""
        if self.baseline_on is None or self.forecast_on is None:
            return None
        days = (self.forecast_on - self.baseline_on).days
        return days if days > 0 else None

    @property
    def slip_text(self) -> str:
        """How far the forecast slipped: "43 days (6 weeks)", or days alone under two weeks."""
        days = self.slip_days or 0
        in_days = f"{days} day{'s' if days != 1 else ''}"
        return f"{in_days} ({days // 7} weeks)" if days >= 14 else in_days

    @property
    def slipped(self) -> bool:
        return self.slip_days is not None

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def reported_this_period(self) -> bool:
        return self.period_start is not None and self.period_start >= self.current_start

    @property
    def unreported(self) -> bool:
        return report_due(self.state, self.period_start, self.current_start)

    @property
    def sensitive(self) -> bool:
        return self.provision.classification == Classification.OFFICIAL_SENSITIVE


def _latest(provisions: QuerySet[Provision]) -> QuerySet[Provision]:
    """Provisions with their latest report's ratings and dates (one query for them all)."""
    latest = ProvisionReport.objects.filter(provision=OuterRef("pk")).order_by("-period_start")
    return provisions.select_related("workstream__theme", "department").annotate(
        line_state=Subquery(latest.values("state")[:1]),
        line_confidence=Subquery(latest.values("confidence")[:1]),
        line_baseline_on=Subquery(latest.values("baseline_on")[:1]),
        line_forecast_on=Subquery(latest.values("forecast_on")[:1]),
        line_period=Subquery(latest.values("period_start")[:1]),
    )


def _line(provision: Any, current_start: dt.date) -> Line:
    return Line(
        provision=provision,
        state=provision.line_state,
        confidence=provision.line_confidence,
        baseline_on=provision.line_baseline_on,
        forecast_on=provision.line_forecast_on,
        period_start=provision.line_period,
        current_start=current_start,
    )


def lines(provisions: QuerySet[Provision], period: Period) -> list[Line]:
    """Each provision's line, in the deal's order: theme, workstream, then reference."""
    found = [_line(p, period.start) for p in _latest(provisions)]
    return sorted(found, key=lambda line: _order(line.provision))


def visible_provisions(user: AnyUser, deal: Deal | int) -> QuerySet[Provision]:
    deal_id = deal if isinstance(deal, int) else deal.pk
    return Provision.objects.visible_to(user).filter(deal_id=deal_id)


def current_period(deal: Deal, today: dt.date | None = None) -> Period:
    """The reporting period open today: the one a report made today is for."""
    return deal_period(deal, today or timezone.localdate())


# --- Since the last meeting --------------------------------------------------------------------


@dataclass(frozen=True)
class Since:
    """The moment "what changed" counts from: a meeting's start, or, before a first meeting,
    the start of the reporting period before the one open then."""

    moment: dt.datetime
    meeting: Meeting | None = None

    @property
    def key(self) -> str:
        """The moment as the provisions list's ``since`` filter takes it (local time)."""
        return timezone.localtime(self.moment).strftime("%Y-%m-%dT%H:%M")


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def last_meeting(
    user: AnyUser, deal: Deal, before: dt.datetime, body_id: int | None = None
) -> Meeting | None:
    """The newest meeting that started before ``before``: of the body ``body_id``, or by
    default of the deal's Devolution Strategy Group (its strategy group bodies). One query."""
    meetings = Meeting.objects.visible_to(user).filter(body__deal=deal, starts_at__lt=before)
    if body_id is not None:
        meetings = meetings.filter(body_id=body_id)
    else:
        meetings = meetings.filter(body__kind=BodyKind.STRATEGY_GROUP)
    return meetings.select_related("body").order_by("-starts_at").first()


def since_last_meeting(
    user: AnyUser,
    deal: Deal,
    now: dt.datetime | None = None,
    body_id: int | None = None,
) -> Since:
    """Since the last meeting before ``now`` (of the DSG, or of ``body_id``); with none yet,
    since the start of the reporting period before the one open ``now``."""
    now = now or timezone.now()
    meeting = last_meeting(user, deal, now, body_id)
    if meeting is not None:
        return Since(meeting.starts_at, meeting)
    period = deal_period(deal, timezone.localdate(now))
    return Since(_start_of(previous_period(deal, period).start))


@dataclass(frozen=True)
class Change:
    """A provision reported on since a moment: where it stands now and where it stood then."""

    line: Line
    state_before: str | None
    confidence_before: str | None
    forecast_before: dt.date | None

    @property
    def state_before_label(self) -> str:
        return state_label(self.state_before)

    @property
    def confidence_before_label(self) -> str:
        return confidence_label(self.confidence_before)

    @property
    def state_changed(self) -> bool:
        return self.state_before != self.line.state

    @property
    def confidence_changed(self) -> bool:
        return self.confidence_before != self.line.confidence

    @property
    def forecast_moved(self) -> bool:
        return self.forecast_before is not None and self.forecast_before != self.line.forecast_on

    @property
    def first_report(self) -> bool:
        return self.state_before is None


def changes(
    provisions: QuerySet[Provision],
    since: dt.datetime,
    period: Period,
    until: dt.datetime | None = None,
) -> list[Change]:
    """The provisions with a report written or revised from ``since`` (to ``until``), with
    their ratings now and as they stood at ``since``, read from the reports' history (one
    query). Ordered as the deal is."""
    touched = ProvisionReport.objects.filter(provision=OuterRef("pk"), updated_at__gte=since)
    if until is not None:
        touched = touched.filter(updated_at__lt=until)
    then = (
        ProvisionReport.history.model.objects.filter(
            provision_id=OuterRef("pk"), history_date__lt=since
        )
        .exclude(history_type="-")
        .order_by("-period_start", "-history_date")
    )
    found = _latest(provisions.filter(Exists(touched))).annotate(
        then_state=Subquery(then.values("state")[:1]),
        then_confidence=Subquery(then.values("confidence")[:1]),
        then_forecast_on=Subquery(then.values("forecast_on")[:1]),
    )
    rows = [
        Change(
            line=_line(p, period.start),
            state_before=p.then_state,
            confidence_before=p.then_confidence,
            forecast_before=p.then_forecast_on,
        )
        for p in found
    ]
    return sorted(rows, key=lambda c: _order(c.line.provision))


# --- Filters: what the dashboard's numbers link to ---------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """A subset of the lines, as the provisions list's filters name it. Empty means any."""

    state: str = ""  # a DeliveryState value, or NO_REPORT
    confidence: str = ""  # a Confidence value, or NO_REPORT
    theme: str = ""  # a theme's slug
    workstream: str = ""  # a workstream's slug
    department: str = ""  # a department's id, or NO_DEPARTMENT
    slipped: bool = False
    unreported: bool = False

    def matches(self, line: Line) -> bool:
        provision = line.provision
        return (
            (not self.state or line.state_key == self.state)
            and (not self.confidence or (line.confidence or NO_REPORT) == self.confidence)
            and (not self.theme or provision.workstream.theme.slug == self.theme)
            and (not self.workstream or provision.workstream.slug == self.workstream)
            and (not self.department or _department_key(provision) == self.department)
            and (not self.slipped or line.slipped)
            and (not self.unreported or line.unreported)
        )


def _department_key(provision: Provision) -> str:
    return str(provision.department_id) if provision.department_id else NO_DEPARTMENT


def select(found: Iterable[Line], criteria: Criteria) -> list[Line]:
    return [line for line in found if criteria.matches(line)]


# --- The dashboard -----------------------------------------------------------------------------


@dataclass
class Tally:
    """A group of provisions (a theme, a workstream, a department, or the whole deal) counted
    by state, by confidence, slipped and unreported; ``criteria`` names the group's lines."""

    label: str
    criteria: Criteria
    total: int = 0
    states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATE_KEYS, 0))
    confidences: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CONFIDENCE_KEYS, 0))
    slipped: int = 0
    unreported: int = 0

    @property
    def state_counts(self) -> list[tuple[str, int]]:
        """(state or NO_REPORT, count), in the order of the states."""
        return [(key, self.states[key]) for key in STATE_KEYS]

    @property
    def confidence_counts(self) -> list[tuple[str, int]]:
        return [(key, self.confidences[key]) for key in CONFIDENCE_KEYS]

    def add(self, line: Line) -> None:
        self.total += 1
        self.states[line.state_key] += 1
        if line.confidence:
            self.confidences[line.confidence] += 1
        self.slipped += line.slipped
        self.unreported += line.unreported


def _tallies(
    found: Sequence[Line],
    key: Callable[[Line], tuple[str, str]],
    criteria: Callable[[str], Criteria],
) -> list[Tally]:
    """One tally per group, in the order the lines first name them."""
    groups: dict[str, Tally] = {}
    for line in found:
        value, label = key(line)
        tally = groups.get(value)
        if tally is None:
            tally = groups[value] = Tally(label, criteria(value))
        tally.add(line)
    return list(groups.values())


def _by_theme(line: Line) -> tuple[str, str]:
    theme = line.provision.workstream.theme
    return theme.slug, theme.name


def _by_workstream(line: Line) -> tuple[str, str]:
    workstream = line.provision.workstream
    return workstream.slug, workstream.name


def _by_department(line: Line) -> tuple[str, str]:
    department = line.provision.department
    if department is None:
        return NO_DEPARTMENT, "No government department"
    return str(department.pk), department.name


@dataclass(frozen=True)
class DeliveryDashboard:
    period: Period  # open now
    since: Since
    total: Tally
    themes: list[Tally]
    workstreams: list[Tally]
    departments: list[Tally]
    slipped: list[Line]  # the most slipped first
    unreported: list[Line]
    changes: list[Change]
    includes_sensitive: bool  # an OFFICIAL-SENSITIVE provision counts somewhere

    @property
    def state_changes(self) -> int:
        return sum(c.state_changed for c in self.changes)

    @property
    def confidence_changes(self) -> int:
        return sum(c.confidence_changed for c in self.changes)


def delivery_dashboard(
    user: AnyUser, deal: Deal, *, since: Since, today: dt.date | None = None
) -> DeliveryDashboard:
    """Everything the delivery dashboard shows, of the provisions the person may see (two
    queries, whatever their number)."""
    period = current_period(deal, today)
    visible = visible_provisions(user, deal)
    found = lines(visible, period)
    departments = sorted(
        _tallies(found, _by_department, lambda v: Criteria(department=v)),
        key=lambda t: (t.criteria.department == NO_DEPARTMENT, t.label.lower()),
    )
    total = Tally("All provisions", Criteria())
    for line in found:
        total.add(line)
    return DeliveryDashboard(
        period=period,
        since=since,
        total=total,
        themes=_tallies(found, _by_theme, lambda v: Criteria(theme=v)),
        workstreams=_tallies(found, _by_workstream, lambda v: Criteria(workstream=v)),
        departments=departments,
        slipped=slipped_first(select(found, Criteria(slipped=True))),
        unreported=select(found, Criteria(unreported=True)),
        changes=changes(visible, since.moment, period),
        includes_sensitive=any(line.sensitive for line in found),
    )


def slipped_first(found: Iterable[Line]) -> list[Line]:
    """The lines whose forecast slipped the most first."""
    return sorted(found, key=lambda line: -(line.slip_days or 0))


# --- A provision's own page --------------------------------------------------------------------


def provision_for_page(user: AnyUser, pk: int) -> Provision:
    """A provision the person may see, with what its page shows (a 404 for one they may not):
    its deal, workstream, theme, department and lead organisation, and its mission, metric and
    indicator links (reference data, seen by everyone signed in)."""
    provision = (
        Provision.objects.visible_to(user)
        .select_related("deal", "workstream__theme", "department", "lead_organisation")
        .prefetch_related("missions", "metrics__mission", "indicators")
        .filter(pk=pk)
        .first()
    )
    if provision is None:
        raise Http404("No such provision.")
    return provision


def provision_proposals(user: AnyUser, provision: Provision) -> list[Proposal]:
    """The proposals the provision came from that the person may see: an OFFICIAL provision
    may have come from an OFFICIAL-SENSITIVE proposal, which a partner never sees."""
    return list(
        proposals_for(user)
        .filter(provisions=provision)
        .select_related("workstream")
        .order_by("title", "pk")
    )


def provision_reports(provision: Provision) -> list[ProvisionReport]:
    """The provision's reports, newest period first, each with its author (one query); seen by
    whoever may see the provision, since a report carries its provision's marking."""
    return list(provision.reports.select_related("author").order_by("-period_start"))
