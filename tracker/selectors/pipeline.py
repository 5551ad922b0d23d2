"""Reads for the DSG's pipeline, mission coverage and asks pages, and the timeline ahead.

Each read is a fixed number of queries, whatever the number of proposals, workstreams, updates
or risks. Everything classified goes through ``core.policy``: a partner's page is built from
OFFICIAL records only, so no list, count or flag includes an OFFICIAL-SENSITIVE one.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, F, OuterRef, Prefetch, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from core import policy
from core.models import Deal
from missions.models import Metric, Mission

from ..choices import (
    CLOSED_STAGES,
    MeetingStatus,
    MilestoneStatus,
    Outcome,
    ProposalStage,
    RiskStatus,
    WorkstreamStatus,
)
from ..models import (
    AgendaItem,
    GovernanceBody,
    Meeting,
    Milestone,
    PrincipleResponse,
    Proposal,
    Risk,
    StatusUpdate,
    Workstream,
)
from ..periods import last_due_period
from .asks import answered as ask_answered
from .governance import bodies_for, chain_of, milestones_for, upcoming_meetings
from .links import mission_links
from .proposals import principles_of, proposals_for
from .reporting import risks_for, status_updates_for

if TYPE_CHECKING:
    from .base import AnyUser


# A proposal not closed that has not changed stage or body for this many weeks is stuck.
STUCK_AFTER_WEEKS = 6
STUCK_WEEKS_MAX = 104
# The most stuck proposals, and proposals awaiting one body, listed by name on the page.
STUCK_SHOWN = 50
AWAITING_SHOWN = 10
# How far ahead the timeline looks.
TIMELINE_WEEKS = 8
# What the dashboards show of a proposal they list by name: its long texts (the ask, the
# challenge...) are not read, which at scale took most of the time of these reads.
LISTED = (
    "deal",
    "title",
    "stage",
    "outcome",
    "classification",
    "awaiting_body",
    "moved_at",
    "created_at",
    "workstream__name",
    "workstream__slug",
)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


# --- The pipeline -----------------------------------------------------------------------------


@dataclass
class BodyColumn:
    body: GovernanceBody
    count: int = 0
    proposals: list[Proposal] = field(default_factory=list)

    @property
    def more(self) -> int:
        return self.count - len(self.proposals)


@dataclass(frozen=True)
class Tally:
    key: str  # a stage or an outcome
    label: str
    count: int


@dataclass(frozen=True)
class Pipeline:
    chain: list[BodyColumn]
    stages: list[Tally]
    outcomes: list[Tally]
    total: int


def pipeline(user: AnyUser, deal: Deal) -> Pipeline:
    """The proposals the person may see by body of the chain, by stage and, once concluded, by
    outcome (3 queries)."""
    visible = proposals_for(user).filter(deal=deal)
    pairs = {
        (row["stage"], row["outcome"]): row["n"]
        for row in visible.order_by().values("stage", "outcome").annotate(n=Count("pk"))
    }
    stages = [
        Tally(s.value, s.label, sum(n for (stage, _), n in pairs.items() if stage == s.value))
        for s in ProposalStage
    ]
    outcomes = [
        Tally(
            o.value,
            o.label,
            sum(
                n
                for (stage, outcome), n in pairs.items()
                if stage == ProposalStage.CONCLUDED and outcome == o.value
            ),
        )
        for o in Outcome
    ]
    columns = {b.pk: BodyColumn(b) for b in chain_of(deal)}
    # The first few awaiting each body, each with how many await it: not every proposal.
    awaiting = (
        visible.filter(stage=ProposalStage.IN_GOVERNANCE)
        .select_related("workstream")
        .only(*LISTED)
        .annotate(last_moved=Coalesce("moved_at", "created_at"))
        .annotate(
            place=Window(
                RowNumber(), partition_by=F("awaiting_body"), order_by=[F("last_moved"), F("pk")]
            ),
            awaiting=Window(Count("pk"), partition_by=F("awaiting_body")),
        )
        .filter(place__lte=AWAITING_SHOWN)
        .order_by("awaiting_body", "last_moved", "pk")
    )
    for proposal in awaiting:
        column = columns.get(proposal.awaiting_body_id or 0)
        if column is None:
            continue
        column.count = proposal.awaiting
        column.proposals.append(proposal)
    return Pipeline(
        chain=list(columns.values()),
        stages=stages,
        outcomes=outcomes,
        total=sum(pairs.values()),
    )


def next_meetings(user: AnyUser, deal: Deal, today: dt.date | None = None) -> list[Meeting]:
    """The next planned meeting of each of the deal's bodies (the rule of
    ``governance.next_meeting``), soonest first, each with ``proposal_items``: the agenda items
    about proposals that the person may see (2 queries)."""
    today = today or timezone.localdate()
    first = (
        Meeting.objects.filter(
            body=OuterRef("pk"), status=MeetingStatus.PLANNED, starts_at__gte=_start_of(today)
        )
        .order_by("starts_at")
        .values("pk")[:1]
    )
    next_ids = (
        bodies_for(user)
        .filter(deal=deal)
        .annotate(next_id=Subquery(first))
        .filter(next_id__isnull=False)
        .values("next_id")
    )
    items = (
        policy.visible_agenda_items(
            AgendaItem.objects.filter(proposal__isnull=False).select_related(
                "proposal__workstream"
            ),
            user,
        )
        .only("meeting", "position", "proposal__title", "proposal__workstream__name")
        .order_by("position", "pk")
    )
    return list(
        policy.visible_meetings(Meeting.objects.filter(pk__in=next_ids), user)
        .select_related("body")
        .prefetch_related(Prefetch("agenda_items", queryset=items, to_attr="proposal_items"))
        .order_by("starts_at", "body__position")
    )


@dataclass(frozen=True)
class Stuck:
    weeks: int
    since: dt.datetime
    count: int
    proposals: Sequence[Proposal]


def stuck_proposals(
    user: AnyUser, deal: Deal, weeks: int = STUCK_AFTER_WEEKS, now: dt.datetime | None = None
) -> Stuck:
    """Proposals not closed that have not moved (or, never moved, been created) for ``weeks``
    weeks, longest waiting first; the first ``STUCK_SHOWN`` of them (2 queries)."""
    since = (now or timezone.now()) - dt.timedelta(weeks=weeks)
    stuck = (
        proposals_for(user)
        .filter(deal=deal)
        .exclude(stage__in=CLOSED_STAGES)
        .annotate(last_moved=Coalesce("moved_at", "created_at"))
        .filter(last_moved__lt=since)
    )
    shown = list(
        stuck.select_related("workstream", "awaiting_body")
        .only(*LISTED, "awaiting_body__name", "awaiting_body__slug")
        .order_by("last_moved", "pk")[:STUCK_SHOWN]
    )
    count = len(shown) if len(shown) < STUCK_SHOWN else stuck.count()
    return Stuck(weeks=weeks, since=since, count=count, proposals=shown)


@dataclass(frozen=True)
class TimelineEntry:
    day: dt.date
    milestone: Milestone | None = None
    meeting: Meeting | None = None
    overdue: bool = False


def timeline_ahead(
    user: AnyUser, deal: Deal, today: dt.date | None = None, weeks: int = TIMELINE_WEEKS
) -> list[TimelineEntry]:
    """Milestones not done (planned ones already past their end first, as overdue) and
    meetings from today to ``weeks`` weeks ahead, soonest first (3 queries)."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(weeks=weeks)
    milestones = (
        milestones_for(user)
        .filter(deal=deal, starts_on__lte=horizon)
        .exclude(status=MilestoneStatus.DONE)
        .exclude(status=MilestoneStatus.MISSED, ends_on__lt=today)
    )
    meetings = upcoming_meetings(user, today).filter(
        body__deal=deal, starts_at__lt=_start_of(horizon + dt.timedelta(days=1))
    )
    entries = [
        TimelineEntry(
            day=max(m.starts_on, today) if m.ends_on >= today else m.ends_on,
            milestone=m,
            overdue=m.ends_on < today,
        )
        for m in milestones
    ]
    entries += [
        TimelineEntry(day=timezone.localtime(m.starts_at).date(), meeting=m) for m in meetings
    ]
    return sorted(
        entries,
        key=lambda e: (
            e.day,
            e.meeting.starts_at if e.meeting else _start_of(e.day),
            e.milestone is None,
        ),
    )


# --- Mission coverage -------------------------------------------------------------------------


def _metric_links(
    owner: str, model: type[Workstream] | type[Proposal], owners: QuerySet | list[int]
) -> QuerySet:
    """(owner id, metric id) for each metric a workstream or proposal names, directly or by
    naming one of its indicators."""
    metrics = model.metrics.through.objects.filter(**{f"{owner}_id__in": owners})
    via_indicators = model.indicators.through.objects.filter(
        **{f"{owner}_id__in": owners}, indicator__metric__isnull=False
    )
    return metrics.values_list(f"{owner}_id", "metric_id").union(
        via_indicators.values_list(f"{owner}_id", "indicator__metric_id")
    )


def _direct_links(
    owner: str, model: type[Workstream] | type[Proposal], owners: QuerySet | list[int]
) -> set[tuple[int, int]]:
    return set(
        model.missions.through.objects.filter(**{f"{owner}_id__in": owners}).values_list(
            f"{owner}_id", "mission_id"
        )
    )


@dataclass
class CoverageRow:
    """A workstream or a proposal, with what it claims of each mission, in mission order:
    "direct" (it names the mission), "indirect" (only a metric or indicator of it) or ""."""

    record: Workstream | Proposal
    cells: list[str]


@dataclass
class MetricCoverage:
    metric: Metric
    workstreams: int
    proposals: int

    @property
    def covered(self) -> bool:
        return bool(self.workstreams or self.proposals)


@dataclass
class MissionCoverage:
    mission: Mission
    workstreams: int
    proposals: int  # active proposals claiming it
    metrics: list[MetricCoverage]

    @property
    def unaddressed(self) -> bool:
        return self.proposals == 0


@dataclass(frozen=True)
class PrincipleGap:
    proposal: Proposal
    unanswered: list[str]


@dataclass(frozen=True)
class Coverage:
    missions: list[MissionCoverage]
    workstream_rows: list[CoverageRow]
    proposal_rows: list[CoverageRow]
    gaps: list[PrincipleGap]

    @property
    def unaddressed(self) -> list[MissionCoverage]:
        return [m for m in self.missions if m.unaddressed]


def coverage(user: AnyUser, deal: Deal) -> Coverage:
    """Which of the deal's active workstreams and active (not closed) proposals the person may
    see claim each mission (by naming it, one of its metrics, or an indicator of one of its
    metrics, as the missions page counts claims), which missions no active proposal claims, which
    metrics anything claims, and the active proposals' unanswered principles (10 queries)."""
    missions = list(
        Mission.objects.order_by("number").prefetch_related(
            Prefetch("metrics", queryset=Metric.objects.order_by("position", "pk"))
        )
    )
    ws_query = policy.visible_in_deals(
        Workstream.objects.filter(deal=deal, status=WorkstreamStatus.ACTIVE), user, "deal"
    )
    p_query = proposals_for(user).filter(deal=deal).exclude(stage__in=CLOSED_STAGES)
    workstreams = list(
        ws_query.only("deal", "name", "slug", "status").order_by(
            "theme__position", "position", "name"
        )
    )
    proposals = list(
        p_query.select_related("workstream")
        .only(*LISTED)
        .order_by("workstream__theme__position", "workstream__position", "title")
    )
    # The links are read for the same rows through subqueries, not lists of ids: at scale a
    # list of thousands of ids in each of six queries cost more to send than to run.
    ws_ids = ws_query.values("pk")
    p_ids = p_query.values("pk")
    ws_claims = set(mission_links("workstream", Workstream, ws_ids))
    p_claims = set(mission_links("proposal", Proposal, p_ids))
    ws_direct = _direct_links("workstream", Workstream, ws_ids)
    p_direct = _direct_links("proposal", Proposal, p_ids)
    ws_metrics = set(_metric_links("workstream", Workstream, ws_ids))
    p_metrics = set(_metric_links("proposal", Proposal, p_ids))

    mission_ids = [m.pk for m in missions]

    def cells(pk: int, claims: set, direct: set) -> list[str]:
        return [
            "direct" if (pk, m) in direct else "indirect" if (pk, m) in claims else ""
            for m in mission_ids
        ]

    # Each count in one pass over the claims, not one pass per mission and metric.
    ws_by_mission = Counter(mission_id for _, mission_id in ws_claims)
    p_by_mission = Counter(mission_id for _, mission_id in p_claims)
    ws_by_metric = Counter(metric_id for _, metric_id in ws_metrics)
    p_by_metric = Counter(metric_id for _, metric_id in p_metrics)
    mission_rows = [
        MissionCoverage(
            mission=m,
            workstreams=ws_by_mission[m.pk],
            proposals=p_by_mission[m.pk],
            metrics=[
                MetricCoverage(
                    metric=metric,
                    workstreams=ws_by_metric[metric.pk],
                    proposals=p_by_metric[metric.pk],
                )
                for metric in m.metrics.all()
            ],
        )
        for m in missions
    ]
    return Coverage(
        missions=mission_rows,
        workstream_rows=[CoverageRow(w, cells(w.pk, ws_claims, ws_direct)) for w in workstreams],
        proposal_rows=[CoverageRow(p, cells(p.pk, p_claims, p_direct)) for p in proposals],
        gaps=principle_gaps(deal, proposals, p_ids),
    )


def principle_gaps(
    deal: Deal, proposals: list[Proposal], ids: QuerySet | None = None
) -> list[PrincipleGap]:
    """Of these active proposals of the deal, those with principles unanswered, and which (2
    queries; ``ids``: the same proposals' ids as a subquery, cheaper to send than a list)."""
    principles = principles_of(deal.pk)
    answered: dict[int, set[int]] = {p.pk: set() for p in proposals}
    # Which principles each has answered, as pairs of ids: not a record per answer.
    pairs = (
        PrincipleResponse.objects.filter(
            proposal__in=ids if ids is not None else [p.pk for p in proposals]
        )
        .order_by()
        .values_list("proposal_id", "principle_id")
    )
    for proposal_id, principle_id in pairs:
        if proposal_id in answered:
            answered[proposal_id].add(principle_id)
    gaps = []
    for proposal in proposals:
        unanswered = [p.short_name for p in principles if p.pk not in answered[proposal.pk]]
        if unanswered:
            gaps.append(PrincipleGap(proposal=proposal, unanswered=unanswered))
    return gaps


# --- Asks of the DSG and escalated risks ------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """One line of the list: a workstream's ask of the DSG in its current update, or a risk
    escalated to the DSG."""

    when: dt.datetime
    workstream: Workstream
    rag: str
    text: str
    update: StatusUpdate | None = None
    risk: Risk | None = None


def asks_of_dsg(user: AnyUser, deal: Deal, today: dt.date | None = None) -> list[Ask]:
    """The asks the DSG has not answered in the newest update (that the person may see) of each
    active workstream, where that update is for the last period due or a later one, and the open
    risks escalated to the
    DSG, newest first (2 queries)."""
    today = today or timezone.localdate()
    updates = status_updates_for(user)
    newest = (
        updates.filter(workstream=OuterRef("workstream"))
        .order_by("-period_start", "-version")
        .values("pk")[:1]
    )
    current = (
        updates.filter(
            workstream__deal=deal,
            workstream__status=WorkstreamStatus.ACTIVE,
            period_start__gte=last_due_period(deal, today).start,
        )
        .annotate(newest_id=Subquery(newest))
        .filter(pk=F("newest_id"))
        .exclude(asks_of_dsg="")
        .exclude(ask_answered())
        .select_related("workstream")
        .only(
            "created_at",
            "rag",
            "asks_of_dsg",
            "classification",
            "period_start",
            "workstream__name",
            "workstream__slug",
        )
    )
    risks = (
        risks_for(user)
        .filter(
            workstream__deal=deal,
            workstream__status=WorkstreamStatus.ACTIVE,
            escalated_to_dsg=True,
            status=RiskStatus.OPEN,
        )
        .select_related("workstream")
        .only(
            "updated_at",
            "title",
            "score",
            "likelihood",
            "impact",
            "classification",
            "mitigation",
            "workstream__name",
            "workstream__slug",
        )
    )
    rows = [
        Ask(when=u.created_at, workstream=u.workstream, rag=u.rag, text=u.asks_of_dsg, update=u)
        for u in current
    ]
    rows += [
        Ask(when=r.updated_at, workstream=r.workstream, rag=r.rag, text=r.title, risk=r)
        for r in risks
    ]
    return sorted(rows, key=lambda a: a.when, reverse=True)
