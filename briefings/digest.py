"""What a subscriber's digest says: built in bulk for a period, within scope and audience.

Interface (used by the sending code and the preview page):

- ``compose(subscription, *, period_start, period_end, now=None) -> DigestEmail | None``: the
  email the subscription receives for the period, or ``None`` when there is nothing to say.

What it says, for the workstreams in the subscription's scope:
- what changed in [period_start, period_end): new status updates, with the RAG before them;
  proposals that moved (stage or body) and the outcomes recorded; the governance bodies'
  decisions; risks escalated to the DSG; the provisions whose delivery was reported on, with
  their delivery state and confidence before the period and now (``delivery.dashboard``);
- what is coming from period_end to the following slot: meetings of the deal's bodies,
  milestones, the updates that fall due;
- what is overdue now: workstreams whose update is late, milestones past their end.

There is something to say when something changed or a meeting or milestone is coming. What is
overdue, and the updates falling due, come with it but are never news on their own: otherwise
a deal with one late workstream would send the same email every week.

Who it is written for (``Reader``): a partner digest holds OFFICIAL records only, whoever it
goes to; an internal one what its subscriber may see, asked of ``core.policy`` (so someone
who has become a partner, or lost their role, gets only what that now allows); a provision
carries its own marking, which its reports follow. Meetings and
milestones carry no marking of their own here: only their body, date and title are shown.

Links (``Links``): a subscriber with an account gets the signed-in pages; a partner subscribed by
address, who has no account, gets signed links to partner-safe pages of the workstreams and
proposals named (``briefings.links``), and no link to a page they could not open (meetings and
milestones are named without one).

Whom to contact: a partner digest names the core team's address (``Deal.contact_email``), the
organisations of the leads of the workstreams it names, and offers a signed link to ask for a
briefing session.

Queries: a fixed number (twelve: one of them the provisions', one the named workstreams' lead
organisations), whatever the number of workstreams, updates, proposals or provisions. Built
with a ``DealReads`` that many builds share, those reads are made once for each reader and
period and the scope takes its rows from them: a build then queries only for the workstreams
of a missions or engagement scope.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape

from core import policy
from core.choices import Classification
from core.models import Deal
from core.querysets import DealScopedQuerySet
from core.text import printable
from core.views import query_for_deal
from delivery import dashboard as delivery
from delivery.models import Provision
from tracker.choices import (
    MeetingStatus,
    MilestoneStatus,
    ProposalStage,
    RiskStatus,
    WorkstreamStatus,
)
from tracker.models import (
    Decision,
    EngagementEntry,
    Meeting,
    Milestone,
    Proposal,
    Risk,
    StatusUpdate,
    Workstream,
)
from tracker.periods import Period, deal_period
from tracker.selectors.reporting import reporting_state

from . import links, selectors
from .choices import Audience, Frequency, Scope
from .emails import CopyEmail, absolute, build_message, render_parts
from .models import Subscription
from .schedule import UK, following_slot

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE


@dataclass
class DigestEmail:
    message: EmailMultiAlternatives
    context: dict[str, Any]


# --- Who the digest is written for -------------------------------------------------------------


@dataclass(frozen=True)
class Reader:
    """The eyes a digest is written for, as far as what it shows depends on them: one deal,
    whether the reader may see that deal at all, and whether only OFFICIAL material may be shown.

    Both are asked of ``core.policy`` once, here; the reads below use nothing else of the
    person. So two subscriptions with equal readers (and equal scope and period) are shown the
    same records, which is what lets one build serve them all (``content_key``): anything that
    comes to change what a reader sees must be a field of this class, and so part of the key."""

    deal_id: int
    sees_deal: bool
    official_only: bool

    @classmethod
    def of(cls, subscription: Subscription) -> Reader:
        user = subscription.user if subscription.user_id else None
        if user is None:
            # An external partner address: the administrators who added it decided it may read
            # the deal's OFFICIAL material.
            return cls(subscription.deal_id, sees_deal=True, official_only=True)
        deal_ids = policy.deal_ids_visible_to(user)
        official_only = subscription.audience == Audience.PARTNER or (
            not policy.can_see_sensitive(user, subscription.deal_id)
        )
        return cls(
            subscription.deal_id,
            sees_deal=deal_ids is None or subscription.deal_id in deal_ids,
            official_only=official_only,
        )

    def classified(self, deal_path: str, prefix: str = "") -> Q:
        """Rows with a marking (their own, or their proposal's with ``prefix``) it may show: the
        deal's rows, only the OFFICIAL ones for an OFFICIAL-only reader, none for a reader who
        may not see the deal (``policy.classified_filter`` for one deal)."""
        q = Q(**{f"{prefix}{deal_path}": self.deal_id})
        if not self.sees_deal:
            return q & Q(pk__in=[])
        if self.official_only:
            q &= policy.partner_filter(self.deal_id, deal_path, prefix)
        return q

    def meetings(self, qs: QuerySet[Meeting]) -> QuerySet[Meeting]:
        """A meeting is seen by everyone who sees its deal (``policy.visible_meetings``)."""
        qs = qs.filter(body__deal=self.deal_id)
        return qs if self.sees_deal else qs.none()

    def milestones(self, qs: DealScopedQuerySet[Milestone]) -> QuerySet[Milestone]:
        """Milestones carry no marking: seen by everyone who sees the deal."""
        qs = qs.filter(deal=self.deal_id)
        return qs if self.sees_deal else qs.none()


# --- The parts of a digest ---------------------------------------------------------------------


@dataclass(frozen=True)
class UpdateItem:
    update: StatusUpdate  # with its workstream
    # The RAG of the newest update the reader may see from before the digest's period, of this
    # update's reporting period or an earlier one: a late update is compared with the period
    # before it, not with a newer period's.
    rag_before: str | None
    url: str

    @property
    def period_label(self) -> str:
        return Period(
            self.update.period_start, self.update.period_end, self.update.period_end
        ).label()

    @property
    def rag_changed(self) -> bool:
        return self.rag_before is not None and self.rag_before != self.update.rag

    @property
    def rag_before_label(self) -> str:
        return StatusUpdate(rag=self.rag_before).get_rag_display() if self.rag_before else ""


@dataclass(frozen=True)
class Linked:
    """A record and the address of its page."""

    obj: Any
    url: str


@dataclass(frozen=True)
class DueItem:
    period: Period
    workstreams: list[Linked]  # active workstreams in scope that have not reported for it


@dataclass(frozen=True)
class WorkstreamLeads:
    workstream: Workstream
    url: str
    organisations: list[str]


@dataclass
class Digest:
    updates: list[UpdateItem] = field(default_factory=list)
    moved: list[Linked] = field(default_factory=list)  # proposals, not concluded
    outcomes: list[Linked] = field(default_factory=list)  # proposals concluded in the period
    decisions: list[Linked] = field(default_factory=list)
    risks: list[Linked] = field(default_factory=list)
    provisions: list[Linked] = field(default_factory=list)  # delivery.dashboard.Change
    meetings: list[Linked] = field(default_factory=list)
    milestones: list[Linked] = field(default_factory=list)
    due: list[DueItem] = field(default_factory=list)
    overdue_workstreams: list[Linked] = field(default_factory=list)
    overdue_milestones: list[Linked] = field(default_factory=list)
    # For a partner: each workstream named above, with its leads' organisations (names).
    leads: list[WorkstreamLeads] = field(default_factory=list)

    def named_workstreams(self) -> list[Workstream]:
        """Every workstream the digest names, once each, in the order they first appear."""
        found: dict[int, Workstream] = {}
        named = [i.update.workstream for i in self.updates]
        named += [item.obj.workstream for item in (*self.moved, *self.outcomes, *self.risks)]
        named += [item.obj.proposal.workstream for item in self.decisions]
        named += [item.obj.line.provision.workstream for item in self.provisions]
        named += [item.obj for due in self.due for item in due.workstreams]
        named += [item.obj for item in self.overdue_workstreams]
        for workstream in named:
            found.setdefault(workstream.pk, workstream)
        return list(found.values())

    @property
    def changes(self) -> int:
        return (
            len(self.updates)
            + len(self.moved)
            + len(self.outcomes)
            + len(self.decisions)
            + len(self.risks)
            + len(self.provisions)
        )

    @property
    def coming(self) -> int:
        return len(self.meetings) + len(self.milestones)

    @property
    def has_news(self) -> bool:
        return bool(self.changes or self.coming)

    @property
    def sensitive(self) -> bool:
        """Whether anything shown is OFFICIAL-SENSITIVE: the digest is then marked so."""
        records = [i.update for i in self.updates] + [
            item.obj for item in (*self.moved, *self.outcomes, *self.risks)
        ]
        records += [item.obj.proposal for item in self.decisions]
        records += [item.obj.line.provision for item in self.provisions]
        return any(r.classification == SENSITIVE for r in records)


# --- Reads (one query each) --------------------------------------------------------------------


def _scope_workstreams(subscription: Subscription, reader: Reader) -> QuerySet[Workstream]:
    """Every workstream in scope, whatever its status.

    Chosen missions cover the workstreams linked to them and those with a proposal linked to
    them. The engagement scope covers the workstreams whose engagement plan names the
    organisation, in an entry the reader may see (a sensitive entry does not put its workstream
    in a partner's digest: that would tell them it exists)."""
    qs = Workstream.objects.filter(deal=subscription.deal_id)
    if subscription.scope == Scope.THEME:
        qs = qs.filter(theme=subscription.theme_id)
    elif subscription.scope == Scope.WORKSTREAMS:
        qs = qs.filter(pk__in=subscription.workstreams.values("pk"))
    elif subscription.scope == Scope.MISSIONS:
        missions = subscription.missions.values("pk")
        linked = Workstream.objects.filter(
            Q(missions__in=missions) | Q(proposals__missions__in=missions)
        )
        qs = qs.filter(pk__in=linked.values("pk"))
    elif subscription.scope == Scope.ENGAGEMENT:
        engaging = EngagementEntry.objects.filter(
            reader.classified("workstream__deal"),
            organisation=subscription.engaged_organisation_id,
        )
        qs = qs.filter(pk__in=engaging.values("workstream"))
    return qs


def _workstreams(subscription: Subscription, reader: Reader) -> list[Workstream]:
    """The workstreams in scope, each with ``last_reported_start``: the newest period it has
    reported, late or not (a late update counts for the period it is for)."""
    return list(
        _scope_workstreams(subscription, reader)
        .select_related("deal", "theme")
        .annotate(
            # Whether a workstream has reported is a process fact: every update counts.
            last_reported_start=Max("status_updates__period_start"),
        )
        .order_by("theme__position", "position", "name")
    )


def _updates(reader: Reader, ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Any]:
    """The newest update of each workstream posted in the period that the reader may see, and
    each late one posted in it for an earlier period than that (reporting a missed period is
    news too), each with ``rag_before``."""
    before = (
        StatusUpdate.objects.filter(
            reader.classified("workstream__deal"),
            workstream=OuterRef("workstream"),
            period_start__lte=OuterRef("period_start"),
            created_at__lt=start,
        )
        .order_by("-period_start", "-version")
        .values("rag")[:1]
    )
    rows = (
        StatusUpdate.objects.filter(
            reader.classified("workstream__deal"),
            workstream__in=ids,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("workstream")
        .annotate(rag_before=Subquery(before))
        .order_by("workstream_id", "period_start", "version")
    )
    newest: dict[tuple[int, dt.date], StatusUpdate] = {}
    for update in rows:
        newest[(update.workstream_id, update.period_start)] = update  # the last written wins
    last_period = {ws: start for ws, start in newest}  # ordered: each one's newest period
    return [
        update
        for (ws, period), update in newest.items()
        if period == last_period[ws] or update.late
    ]


def _proposals(reader: Reader, ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Any]:
    return list(
        Proposal.objects.filter(
            reader.classified("deal"), workstream__in=ids, moved_at__gte=start, moved_at__lt=end
        )
        .select_related("workstream", "awaiting_body")
        .order_by("moved_at", "pk")
    )


def _decisions(reader: Reader, ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Any]:
    return list(
        Decision.objects.filter(
            reader.classified("deal", prefix="proposal__"),
            proposal__workstream__in=ids,
            created_at__gte=start,
            created_at__lt=end,
        )
        .select_related("proposal", "proposal__workstream", "body")
        .order_by("created_at", "pk")
    )


def _risks(reader: Reader, ids: list[int], start: dt.datetime, end: dt.datetime) -> list[Any]:
    """Open risks first escalated to the DSG in the period (from their history)."""
    history = Risk.history.model
    first_escalated = (
        history.objects.filter(id=OuterRef("pk"), escalated_to_dsg=True)
        .order_by("history_date")
        .values("history_date")[:1]
    )
    return list(
        Risk.objects.filter(
            reader.classified("workstream__deal"),
            workstream__in=ids,
            escalated_to_dsg=True,
            status=RiskStatus.OPEN,
        )
        .annotate(escalated_at=Subquery(first_escalated))
        .filter(escalated_at__gte=start, escalated_at__lt=end)
        .select_related("workstream")
        .order_by("-score", "title")
    )


def _provisions(
    reader: Reader, deal: Deal, ids: list[int], start: dt.datetime, end: dt.datetime
) -> list[delivery.Change]:
    """The provisions of the workstreams in scope that the reader may see whose delivery was
    reported on in the period, with their ratings before it and now."""
    provisions = Provision.objects.filter(reader.classified("deal"), workstream__in=ids)
    period = deal_period(deal, _local_day(end))
    return delivery.changes(provisions, start, period, until=end)


def _meetings(reader: Reader, start: dt.datetime, end: dt.datetime) -> list[Meeting]:
    return list(
        reader.meetings(
            Meeting.objects.filter(starts_at__gte=start, starts_at__lt=end).exclude(
                status=MeetingStatus.CLOSED
            )
        )
        .select_related("body")
        .order_by("starts_at", "body__position")
    )


def _milestones(
    reader: Reader, today: dt.date, ahead_from: dt.date, ahead_to: dt.date
) -> tuple[list[Milestone], list[Milestone]]:
    """Milestones under way or starting before ``ahead_to``, and those past their end while
    still planned (one query)."""
    rows = list(
        reader.milestones(Milestone.objects.filter(status=MilestoneStatus.PLANNED))
        .filter(Q(ends_on__lt=today) | Q(starts_on__lt=ahead_to, ends_on__gte=ahead_from))
        .order_by("starts_on", "position")
    )
    overdue = [m for m in rows if m.ends_on < today]
    ahead = [m for m in rows if m.starts_on < ahead_to and m.ends_on >= ahead_from]
    return ahead, overdue


# --- Links -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Links:
    """The address of each record's page for one subscription: the signed-in pages, or, for a
    subscriber with no account, signed links to the partner-safe pages (an empty address where
    there is no page they may open: the record is then named without a link)."""

    subscription: Subscription
    deal: Deal
    # For a render shared by many subscriptions: the personal links become its placeholders.
    personal: Personal | None = None
    partner_links: links.PartnerLinks = field(default_factory=links.PartnerLinks, compare=False)

    @property
    def partner(self) -> bool:
        return links.uses_partner_links(self.subscription)

    def _partner_url(self, kind: str, object_id: int) -> str:
        if self.personal is not None:
            return self.personal.placeholder(kind, object_id)
        return self.partner_links.url(self.subscription, kind, object_id)

    def workstream(self, workstream: Workstream) -> str:
        if self.partner:
            return self._partner_url(links.PartnerPage.WORKSTREAM, workstream.pk)
        path = reverse("workstream-detail", args=[workstream.slug])
        return absolute(path + query_for_deal(self.deal.slug))

    def update(self, update: StatusUpdate) -> str:
        if self.partner:
            return self.workstream(update.workstream)
        path = reverse("update-detail", args=[update.workstream.slug, update.pk])
        return absolute(path + query_for_deal(self.deal.slug))

    def risk(self, risk: Risk) -> str:
        if self.partner:
            return self.workstream(risk.workstream)
        path = reverse("risk-detail", args=[risk.workstream.slug, risk.pk])
        return absolute(path + query_for_deal(self.deal.slug))

    def proposal(self, proposal: Proposal) -> str:
        if self.partner:
            return self._partner_url(links.PartnerPage.PROPOSAL, proposal.pk)
        return absolute(reverse("proposal-detail", args=[proposal.pk]))

    def provision(self, provision: Provision) -> str:
        if self.partner:
            return self.workstream(provision.workstream)
        path = reverse("provision-detail", args=[provision.pk])
        return absolute(path + query_for_deal(self.deal.slug))

    def meeting(self, meeting: Meeting) -> str:
        return "" if self.partner else absolute(reverse("meeting-detail", args=[meeting.pk]))

    def timeline(self) -> str:
        return "" if self.partner else absolute(reverse("timeline"))

    def home(self) -> str:
        return "" if self.partner else absolute("/")

    def briefing_session(self) -> str:
        """The form that asks the core team for a briefing session: in every partner digest."""
        if self.subscription.audience != Audience.PARTNER:
            return ""
        return self._partner_url(links.PartnerPage.BRIEFING_SESSION, self.deal.pk)


# --- Building --------------------------------------------------------------------------------


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(UK).date()


def _due_periods(deal: Deal, first: dt.date, last: dt.date) -> list[Period]:
    """The deal's reporting periods whose update falls due in [first, last)."""
    periods: list[Period] = []
    period = deal_period(deal, first)
    # A period's due day can come before its end, so begin with the period before ``first``.
    period = deal_period(deal, period.start - dt.timedelta(days=1))
    while period.start < last:
        if first <= period.due_on < last:
            periods.append(period)
        period = deal_period(deal, period.end + dt.timedelta(days=1))
    return periods


class DealReads:
    """The records of a whole deal for one reader and period, read once and shared by the builds
    of many scopes (a batch's digests of single workstreams, themes and the whole deal): each
    scope's digest takes the rows of its own workstreams from them.

    Each read below is of the scope's workstreams' rows, row by row (a row belongs to one
    workstream), and keeps the read's order; so the rows of a scope, taken from the deal's in
    order, are those its own read finds. Every read is kept under the ``Reader`` it was made
    for, which is part of its key: rows read for one visibility are never shown to another.
    Make one for a batch, not one for ever: it holds what the database said when it read."""

    def __init__(self) -> None:
        self._found: dict[tuple[Any, ...], Any] = {}

    def read(self, key: tuple[Any, ...], make: Any) -> Any:
        if key not in self._found:
            self._found[key] = make()
        return self._found[key]


def _of_workstreams(rows: list[Any], workstream_of: Any, ids: set[int]) -> list[Any]:
    return [row for row in rows if workstream_of(row) in ids]


class _Reads:
    """The reads of one build: of the scope's workstreams (a query each), or with ``shared``,
    of the whole deal's once for every scope (``DealReads``)."""

    def __init__(
        self,
        subscription: Subscription,
        reader: Reader,
        start: dt.datetime,
        end: dt.datetime,
        shared: DealReads | None,
    ) -> None:
        self.subscription, self.reader, self.start, self.end = subscription, reader, start, end
        self.shared = shared
        if shared is None:
            self.workstreams = _workstreams(subscription, reader)
            self.ids = [w.pk for w in self.workstreams]
            return
        everything = shared.read(
            ("workstreams", reader), lambda: _workstreams(_whole_deal(subscription), reader)
        )
        in_scope = _in_scope(subscription, reader, everything)
        self.workstreams = [w for w in everything if w.pk in in_scope]
        self.ids = [w.pk for w in self.workstreams]
        self._deal_ids = [w.pk for w in everything]
        self._in_scope = set(self.ids)

    def _rows(self, name: str, read: Any, workstream_of: Any, *args: Any) -> list[Any]:
        if self.shared is None:
            return list(read(self.reader, self.ids, *args))
        key = (name, self.reader, *args)
        rows = self.shared.read(key, lambda: read(self.reader, self._deal_ids, *args))
        return _of_workstreams(rows, workstream_of, self._in_scope)

    def updates(self) -> list[Any]:
        return self._rows("updates", _updates, _ws, self.start, self.end)

    def proposals(self) -> list[Any]:
        return self._rows("proposals", _proposals, _ws, self.start, self.end)

    def decisions(self) -> list[Any]:
        return self._rows("decisions", _decisions, _proposal_ws, self.start, self.end)

    def risks(self) -> list[Any]:
        return self._rows("risks", _risks, _ws, self.start, self.end)

    def provisions(self) -> list[delivery.Change]:
        def read(reader: Reader, ids: list[int], start: Any, end: Any) -> list[delivery.Change]:
            return _provisions(reader, self.subscription.deal, ids, start, end)

        return self._rows("provisions", read, _provision_ws, self.start, self.end)

    def meetings(self, start: dt.datetime, end: dt.datetime) -> list[Meeting]:
        if self.shared is None:
            return _meetings(self.reader, start, end)
        key = ("meetings", self.reader, start, end)
        return list(self.shared.read(key, lambda: _meetings(self.reader, start, end)))

    def milestones(
        self, today: dt.date, ahead_from: dt.date, ahead_to: dt.date
    ) -> tuple[list[Milestone], list[Milestone]]:
        if self.shared is None:
            return _milestones(self.reader, today, ahead_from, ahead_to)
        key = ("milestones", self.reader, today, ahead_from, ahead_to)
        ahead, overdue = self.shared.read(
            key, lambda: _milestones(self.reader, today, ahead_from, ahead_to)
        )
        return list(ahead), list(overdue)

    def lead_organisations(self, named: list[int]) -> dict[int, list[str]]:
        if self.shared is None:
            return selectors.lead_organisations(named)
        found = self.shared.read(
            ("leads", self.reader),
            lambda: selectors.lead_organisations(self._deal_ids),
        )
        return {pk: found[pk] for pk in named if pk in found}


def _in_scope(subscription: Subscription, reader: Reader, deal: list[Workstream]) -> set[int]:
    """The ids of the workstreams in scope, as ``_scope_workstreams`` finds them: without a
    query for the whole deal, a theme, or chosen workstreams (prefetch them for many)."""
    if subscription.scope == Scope.DEAL:
        return {w.pk for w in deal}
    if subscription.scope == Scope.THEME:
        return {w.pk for w in deal if w.theme_id == subscription.theme_id}
    if subscription.scope == Scope.WORKSTREAMS:
        chosen = {w.pk for w in subscription.workstreams.all()}
        return {w.pk for w in deal if w.pk in chosen}
    return set(_scope_workstreams(subscription, reader).values_list("pk", flat=True))


def _ws(row: Any) -> int:
    return int(row.workstream_id)


def _proposal_ws(decision: Decision) -> int:
    return int(decision.proposal.workstream_id)


def _provision_ws(change: delivery.Change) -> int:
    return int(change.line.provision.workstream_id)


def _whole_deal(subscription: Subscription) -> Subscription:
    """The subscription's deal as a whole-deal scope, for reading every workstream of it."""
    return Subscription(deal=subscription.deal, scope=Scope.DEAL)


def build(
    subscription: Subscription,
    *,
    period_start: dt.datetime,
    period_end: dt.datetime,
    now: dt.datetime,
    personal: Personal | None = None,
    shared: DealReads | None = None,
) -> Digest:
    """Everything a subscription's digest for the period shows (a fixed number of queries).
    With ``personal``, its personal links are placeholders (``compose_shared``); with
    ``shared``, its records are taken from the whole deal's, read once for many builds."""
    reader = Reader.of(subscription)
    if not reader.sees_deal:
        return Digest()
    deal = subscription.deal
    reads = _Reads(subscription, reader, period_start, period_end, shared)
    workstreams = reads.workstreams
    today = _local_day(now)
    ahead_end = following_slot(
        subscription.frequency, subscription.day, subscription.send_at, period_end
    )
    link = Links(subscription, deal, personal)
    digest = Digest()
    digest.updates = [UpdateItem(u, u.rag_before, link.update(u)) for u in reads.updates()]
    for proposal in reads.proposals():
        item = Linked(proposal, link.proposal(proposal))
        (digest.outcomes if proposal.stage == ProposalStage.CONCLUDED else digest.moved).append(
            item
        )
    digest.decisions = [Linked(d, link.proposal(d.proposal)) for d in reads.decisions()]
    digest.risks = [Linked(r, link.risk(r)) for r in reads.risks()]
    digest.provisions = [Linked(c, link.provision(c.line.provision)) for c in reads.provisions()]
    digest.meetings = [Linked(m, link.meeting(m)) for m in reads.meetings(period_end, ahead_end)]
    timeline = link.timeline()
    ahead, overdue = reads.milestones(today, _local_day(period_end), _local_day(ahead_end))
    digest.milestones = [Linked(m, timeline) for m in ahead]
    digest.overdue_milestones = [Linked(m, timeline) for m in overdue]
    active = [w for w in workstreams if w.status == WorkstreamStatus.ACTIVE]
    digest.overdue_workstreams = [
        Linked(w, link.workstream(w)) for w in active if reporting_state(w, today).overdue
    ]
    for period in _due_periods(deal, _local_day(period_end), _local_day(ahead_end)):
        waiting = [
            Linked(w, link.workstream(w))
            for w in active
            if w.last_reported_start is None or w.last_reported_start < period.start  # type: ignore[attr-defined]
        ]
        if waiting:
            digest.due.append(DueItem(period, waiting))
    if subscription.audience == Audience.PARTNER:
        named = digest.named_workstreams()
        organisations = reads.lead_organisations([w.pk for w in named]) if named else {}
        digest.leads = [
            WorkstreamLeads(w, link.workstream(w), organisations.get(w.pk, [])) for w in named
        ]
    return digest


def _scope_label(subscription: Subscription) -> str:
    if subscription.scope == Scope.THEME:
        return f"the {subscription.theme} theme"
    if subscription.scope == Scope.WORKSTREAMS:
        return "the workstreams chosen for this briefing"
    if subscription.scope == Scope.MISSIONS:
        return "the workstreams and proposals of the missions chosen for this briefing"
    if subscription.scope == Scope.ENGAGEMENT and subscription.engaged_organisation:
        return f"the workstreams whose engagement plan names {subscription.engaged_organisation}"
    return "all workstreams"


def _period_label(start: dt.datetime, end: dt.datetime) -> str:
    first, last = _local_day(start), _local_day(end)
    if first == last:
        return f"{last:%-d %B %Y}"
    if first.year == last.year:
        return f"{first:%-d %B} to {last:%-d %B %Y}"
    return f"{first:%-d %B %Y} to {last:%-d %B %Y}"


def context_for(
    subscription: Subscription,
    digest: Digest,
    *,
    period_start: dt.datetime,
    period_end: dt.datetime,
    personal: Personal | None = None,
) -> dict[str, Any]:
    """The templates' context. With ``personal`` (a render shared by many subscriptions), what
    differs between them is a placeholder, and the subscription is seen only through what they
    share (``SharedSubscription``)."""
    sensitive = subscription.audience == Audience.INTERNAL and digest.sensitive
    link = Links(subscription, subscription.deal, personal)
    if personal is None:
        recipient_name = subscription.display_name
        view_url = links.view_url(subscription, period_start, period_end)
        unsubscribe_url = links.unsubscribe_url(subscription)
        shown: Subscription | SharedSubscription = subscription
    else:
        recipient_name = personal.placeholder(Personal.NAME)
        view_url = personal.placeholder(Personal.VIEW)
        unsubscribe_url = personal.placeholder(Personal.UNSUBSCRIBE)
        shown = SharedSubscription(subscription.frequency)
    return {
        "subscription": shown,
        "deal": subscription.deal,
        "digest": digest,
        "recipient_name": recipient_name,
        "partner": subscription.audience == Audience.PARTNER,
        "marking": (SENSITIVE if sensitive else OFFICIAL).label,
        "sensitive": sensitive,
        "period_start": period_start,
        "period_end": period_end,
        "period_label": _period_label(period_start, period_end),
        "scope_label": _scope_label(subscription),
        "view_url": view_url,
        "unsubscribe_url": unsubscribe_url,
        "home_url": link.home(),
        "contact_email": subscription.deal.contact_email,
        "briefing_session_url": link.briefing_session(),
    }


def _headers(unsubscribe_url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def compose(
    subscription: Subscription,
    *,
    period_start: dt.datetime,
    period_end: dt.datetime,
    now: dt.datetime | None = None,
) -> DigestEmail | None:
    now = now or timezone.now()
    digest = build(subscription, period_start=period_start, period_end=period_end, now=now)
    if not digest.has_news:
        return None
    context = context_for(subscription, digest, period_start=period_start, period_end=period_end)
    headers = _headers(context["unsubscribe_url"])
    message = build_message("digest", context, to=subscription.address, headers=headers)
    return DigestEmail(message=message, context=context)


# --- One build for many subscribers ------------------------------------------------------------
#
# Subscriptions with the same content key are shown exactly the same records: one build and one
# render serve them all, and each gets a copy with its own address and personal parts. The key
# holds everything ``build`` and ``context_for`` read of a subscription apart from those
# personal parts; the reader's visibility enters as the ``Reader`` itself, which is all the
# reads know of the person.


def content_key(
    subscription: Subscription,
    *,
    period_start: dt.datetime,
    period_end: dt.datetime,
    chosen: tuple[tuple[int, ...], tuple[int, ...]] | None = None,
) -> tuple[Any, ...]:
    """What a subscription's digest for the period depends on, besides its personal parts.

    Reads the subscription's chosen workstreams and missions (prefetch them for many, or give
    their ids, each sorted, as ``chosen``) and, for a subscriber with an account, their roles
    (``policy``: read once per person)."""
    if chosen is None:
        chosen = (
            tuple(sorted(w.pk for w in subscription.workstreams.all())),
            tuple(sorted(m.pk for m in subscription.missions.all())),
        )
    return (
        subscription.deal_id,
        subscription.audience,
        links.uses_partner_links(subscription),
        Reader.of(subscription),
        subscription.scope,
        subscription.theme_id,
        subscription.engaged_organisation_id,
        *chosen,
        subscription.frequency,
        subscription.day,
        subscription.send_at,
        period_start,
        period_end,
    )


@dataclass(frozen=True)
class SharedSubscription:
    """What a shared render may show of the subscription: only what every subscriber sharing it
    has in common (the content key), never a name or an address."""

    frequency: str

    def get_frequency_display(self) -> str:
        return str(Frequency(self.frequency).label)


@dataclass(frozen=True)
class Personal:
    """The placeholders of a shared render: each names a personal part (the recipient's name,
    their signed links) and is made with a random nonce, so no text from the database can
    forge one. Each subscriber's copy has them replaced with their own."""

    nonce: str = field(default_factory=lambda: "dgp" + secrets.token_hex(12))

    NAME: ClassVar[str] = "name"
    VIEW: ClassVar[str] = "view"
    UNSUBSCRIBE: ClassVar[str] = "unsubscribe"

    def placeholder(self, part: str, object_id: int = 0) -> str:
        return f"{self.nonce}.{part}.{object_id}."

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(re.escape(self.nonce) + r"\.([a-z]+)\.([0-9]+)\.")


@dataclass
class SharedEmail:
    """A digest rendered once for every subscription of one content key."""

    personal: Personal
    subject: str
    text: str
    html: str
    period_start: dt.datetime
    period_end: dt.datetime
    # One signer and one address per kind of page for every copy's links.
    partner_links: links.PartnerLinks = field(
        default_factory=links.PartnerLinks, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Each part cut once at its placeholders, so a copy is a join of the pieces.
        pattern = self.personal.pattern
        self._subject, self._text, self._html = (
            _Filling.of(pattern, part) for part in (self.subject, self.text, self.html)
        )

    def message_for(self, subscription: Subscription) -> EmailMultiAlternatives:
        """The copy for one subscription of the key: its address, name and signed links (each
        made once for the copy, however often the digest names it)."""
        wanted = {(Personal.UNSUBSCRIBE, 0)}
        wanted.update(self._subject.keys, self._text.keys, self._html.keys)
        values = {key: printable(self._personal(subscription, *key)) for key in wanted}
        escaped = {key: str(conditional_escape(value)) for key, value in values.items()}
        message = CopyEmail(
            subject=self._subject.fill(values),
            body=self._text.fill(values),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[subscription.address],
            headers=_headers(values[Personal.UNSUBSCRIBE, 0]),
        )
        message.attach_alternative(self._html.fill(escaped), "text/html")
        return message

    def _personal(self, subscription: Subscription, part: str, object_id: int) -> str:
        if part == Personal.NAME:
            return subscription.display_name
        if part == Personal.VIEW:
            return links.view_url(subscription, self.period_start, self.period_end)
        if part == Personal.UNSUBSCRIBE:
            return links.unsubscribe_url(subscription)
        return self.partner_links.url(subscription, part, object_id)


@dataclass(frozen=True)
class _Filling:
    """A rendered part cut at its placeholders: the text between them, and the personal part
    (and object) each one stands for."""

    between: list[str]
    slots: list[tuple[str, int]]

    @classmethod
    def of(cls, pattern: re.Pattern[str], rendered: str) -> _Filling:
        pieces = pattern.split(rendered)  # text, part, object, text, part, object, ..., text
        slots = [
            (part, int(number)) for part, number in zip(pieces[1::3], pieces[2::3], strict=True)
        ]
        return cls(pieces[0::3], slots)

    @property
    def keys(self) -> set[tuple[str, int]]:
        return set(self.slots)

    def fill(self, values: dict[tuple[str, int], str]) -> str:
        pieces = [self.between[0]]
        for slot, after in zip(self.slots, self.between[1:], strict=True):
            pieces += (values[slot], after)
        return "".join(pieces)


def compose_shared(
    subscription: Subscription,
    *,
    period_start: dt.datetime,
    period_end: dt.datetime,
    now: dt.datetime,
    shared: DealReads | None = None,
) -> SharedEmail | None:
    """The digest for every subscription with this one's content key, rendered once; ``None``
    when there is nothing to say. ``message_for`` makes each one's copy, the same email as
    ``compose`` makes for it."""
    personal = Personal()
    digest = build(
        subscription,
        period_start=period_start,
        period_end=period_end,
        now=now,
        personal=personal,
        shared=shared,
    )
    if not digest.has_news:
        return None
    context = context_for(
        subscription,
        digest,
        period_start=period_start,
        period_end=period_end,
        personal=personal,
    )
    subject, text, html = render_parts("digest", context)
    return SharedEmail(personal, subject, text, html, period_start, period_end)
