"""Reads for reporting: the workstreams and where each stands in the reporting cycle, their
status updates, the risks and issues log, the stakeholder engagement plan, the searchable list
of workstreams and what merging one moves. Each is a fixed number of queries, whatever the
amount of data.

Everything classified passes through ``core.policy``: a person who may not see a record
finds it in no list, no count and no flag, and gets a 404 when they ask for it by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core import policy
from core.choices import OrganisationKind, Role
from core.models import Deal, Membership, Organisation
from missions.models import Indicator, Metric, Mission

from .. import constants
from ..choices import CLOSED_STAGES, ReviewDecision, RiskStatus, WorkstreamStatus
from ..models import (
    EngagementEntry,
    GovernanceBody,
    Proposal,
    Risk,
    StatusUpdate,
    Theme,
    UpdateReview,
    Workstream,
)
from ..periods import Period, deal_period, last_due_period, reportable_past_periods
from .base import deal_for
from .proposals import proposals_for

if TYPE_CHECKING:
    from .base import AnyUser


# --- Workstreams and their status updates -----------------------------------------------------


def status_updates_for(user: AnyUser) -> QuerySet[StatusUpdate]:
    return policy.visible_classified(StatusUpdate.objects.all(), user, "workstream__deal")


def updates_with_sign_off(user: AnyUser) -> QuerySet[StatusUpdate]:
    """The status updates the person may see, each with its author and ``signed_off``: whether
    its sponsor has signed it off."""
    signed_off = UpdateReview.objects.filter(
        status_update=OuterRef("pk"), decision=ReviewDecision.SIGNED_OFF
    )
    return status_updates_for(user).select_related("author").annotate(signed_off=Exists(signed_off))


def current_updates(user: AnyUser, deal: Deal) -> dict[int, StatusUpdate]:
    """Each active workstream's current update as the person may see it, by workstream id (two
    queries)."""
    ids = (
        workstreams_for(user).filter(deal=deal).values_list("current_update_id", flat=True)  # type: ignore[misc]  # workstreams_for annotates it
    )
    updates = StatusUpdate.objects.filter(pk__in=[i for i in ids if i is not None])
    return {u.workstream_id: u for u in updates.select_related("workstream__theme")}


def _people_prefetch() -> Prefetch[str, QuerySet[Membership], str]:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(role__in=[Role.LEAD, Role.SPONSOR])
        .select_related("user")
        .order_by("role", "user__full_name", "user__email"),
        to_attr="people",
    )


def _latest_visible_update(user: AnyUser) -> QuerySet[StatusUpdate]:
    """The updates of the outer query's workstream that the person may see, newest first."""
    return (
        status_updates_for(user)
        .filter(workstream=OuterRef("pk"))
        .order_by("-period_start", "-version")
    )


def _current_status(user: AnyUser) -> dict[str, Subquery]:
    """What a workstream's row shows of its newest update the person may see: its RAG and
    period, and when the newest was posted (each a subquery on the outer workstream)."""
    latest = _latest_visible_update(user)
    return {
        "current_rag": Subquery(latest.values("rag")[:1]),
        "current_period_start": Subquery(latest.values("period_start")[:1]),
        "last_update_at": Subquery(
            status_updates_for(user)
            .filter(workstream=OuterRef("pk"))
            .order_by("-created_at")
            .values("created_at")[:1]
        ),
    }


def workstreams_for(user: AnyUser, *, include_inactive: bool = False) -> QuerySet[Workstream]:
    """Workstreams the person may see, with their leads, sponsor and current RAG.

    The current RAG is the newest update the person may see: a partner's view of a workstream
    whose newest update is OFFICIAL-SENSITIVE shows the newest OFFICIAL one.
    """
    latest = _latest_visible_update(user)
    qs = (
        policy.visible_in_deals(Workstream.objects.all(), user, "deal")
        .select_related("deal", "theme")
        .prefetch_related(_people_prefetch())
        .annotate(
            **_current_status(user),
            current_update_id=Subquery(latest.values("pk")[:1]),
            # Whether a workstream has reported is a process fact: every update counts here.
            last_reported_start=Max("status_updates__period_start"),
        )
        .annotate(
            current_signed_off=Exists(
                UpdateReview.objects.filter(
                    status_update=OuterRef("current_update_id"),
                    decision=ReviewDecision.SIGNED_OFF,
                )
            )
        )
    )
    if not include_inactive:
        qs = qs.filter(status=WorkstreamStatus.ACTIVE)
    return qs


def workstreams_listed(user: AnyUser) -> QuerySet[Workstream]:
    """Every workstream the person may see, whatever its status, with what ``workstreams_for``
    gives a row (deal, theme, people, ``current_rag``, ``current_period_start``,
    ``last_update_at``, ``last_reported_start``) but not the current update's id or sign-off,
    and its missions, metrics and indicators as plain lists (``mission_list``, ``metric_list``,
    ``indicator_list``: records with their ids only), for a paged list. Each value is a
    subquery on its own row, with no aggregate and no join that repeats a workstream: a count
    leaves them out (Django drops unused annotations), and PostgreSQL works them out after
    sorting and cutting the page, for its rows only."""
    reported = (
        StatusUpdate.objects.filter(workstream=OuterRef("pk"))
        .order_by("-period_start")
        .values("period_start")[:1]
    )
    return (
        policy.visible_in_deals(Workstream.objects.all(), user, "deal")
        .select_related("deal", "theme")
        .prefetch_related(
            _people_prefetch(),
            # Lists, not through the relations' managers, which build a queryset a row.
            *(
                Prefetch(name, queryset=model.objects.only("pk"), to_attr=f"{name[:-1]}_list")
                for name, model in (
                    ("missions", Mission),
                    ("metrics", Metric),
                    ("indicators", Indicator),
                )
            ),
        )
        # Whether a workstream has reported is a process fact: every update counts here.
        .annotate(**_current_status(user), last_reported_start=Subquery(reported))
    )


def workstream_choices(user: AnyUser) -> QuerySet[Workstream]:
    """Every workstream the person may see, whatever its status and with nothing worked out, in
    the order of the deal's paper: what a field or a list's filter offers."""
    return (
        Workstream.objects.visible_to(user)
        .select_related("theme")
        .order_by("theme__position", "position")
    )


def writable_workstreams(user: AnyUser) -> QuerySet[Workstream]:
    """The active workstreams the person may write to, and so add proposals to: every one in a
    deal they administer, and those they lead (``policy.can_write_workstream``)."""
    visible = workstream_choices(user).filter(status=WorkstreamStatus.ACTIVE)
    deal_ids = policy.deal_ids_visible_to(user)
    if deal_ids is None:
        return visible
    admin_of = [d for d in deal_ids if policy.is_admin(user, d)]
    led = policy.workstream_ids_held(user, Role.LEAD)
    return visible.filter(Q(deal_id__in=admin_of) | Q(pk__in=led))


def themes_for(user: AnyUser) -> QuerySet[Theme]:
    """The themes of the deals the person may see."""
    return Theme.objects.visible_to(user)


def themes_with_workstreams(user: AnyUser, deal: Deal) -> list[Theme]:
    workstreams = workstreams_for(user).filter(deal=deal)
    return list(
        Theme.objects.filter(deal=deal).prefetch_related(
            Prefetch("workstreams", queryset=workstreams, to_attr="visible_workstreams")
        )
    )


def workstream_for_page(
    user: AnyUser, slug: str, deal_slug: str | None = None, *, prefetch: tuple[str, ...] = ()
) -> Workstream:
    """The workstream a page's address names, whatever its status, if the person may see it;
    else 404. ``deal_slug`` picks the deal for people in several (slugs are unique per deal)."""
    deal = deal_for(user, deal_slug)
    workstream = (
        workstreams_for(user, include_inactive=True)
        .filter(deal=deal, slug=slug)
        .select_related("merged_into")
        .prefetch_related(*prefetch)
        .first()
        if deal
        else None
    )
    if workstream is None:
        raise Http404("No such workstream.")
    return workstream


def people_in(workstream: Workstream) -> tuple[list[User], User | None]:
    """Leads and the sponsor of a workstream fetched by ``workstreams_for``."""
    people: list[Membership] = getattr(workstream, "people", [])
    leads = [m.user for m in people if m.role == Role.LEAD]
    sponsor = next((m.user for m in people if m.role == Role.SPONSOR), None)
    return leads, sponsor


def current_period(workstream: Workstream, today: dt.date | None = None) -> Period:
    return deal_period(workstream.deal, today or timezone.localdate())


@dataclass(frozen=True)
class ReportingState:
    period: Period  # the period now open for updates
    last_due: Period  # the newest period whose due date has passed
    overdue: bool
    reported_this_period: bool


def reporting_state(workstream: Workstream, today: dt.date | None = None) -> ReportingState:
    """Where a workstream fetched by ``workstreams_for`` stands in the reporting cycle."""
    today = today or timezone.localdate()
    period = deal_period(workstream.deal, today)
    last_due = last_due_period(workstream.deal, today)
    reported: dt.date | None = getattr(workstream, "last_reported_start", None)
    return ReportingState(
        period=period,
        last_due=last_due,
        overdue=reported is None or reported < last_due.start,
        reported_this_period=reported is not None and reported >= period.start,
    )


def missed_periods(
    workstreams: Iterable[Workstream], today: dt.date | None = None
) -> dict[int, list[Period]]:
    """The past periods each active workstream has no update for and may still report, oldest
    first, by workstream id (two queries). A workstream that has reported misses only periods
    from its first report on: those before it predate its reporting, not gaps in its history.
    Whether a period was reported is a process fact: every update counts, whoever may see it."""
    today = today or timezone.localdate()
    open_periods = {
        ws.pk: reportable_past_periods(ws.deal, today)
        for ws in workstreams
        if ws.status == WorkstreamStatus.ACTIVE
    }
    starts = {p.start for periods in open_periods.values() for p in periods}
    if not starts:
        return {pk: [] for pk in open_periods}
    updates = StatusUpdate.objects.filter(workstream__in=list(open_periods))
    first = dict(
        updates.values("workstream_id")
        .annotate(first=Min("period_start"))
        .values_list("workstream_id", "first")
    )
    reported = set(
        updates.filter(period_start__in=starts)
        .values_list("workstream_id", "period_start")
        .distinct()
    )
    return {
        pk: [
            p
            for p in periods
            if (pk, p.start) not in reported and (pk not in first or p.start > first[pk])
        ]
        for pk, periods in open_periods.items()
    }


def with_reporting_state(
    workstreams: Iterable[Workstream], today: dt.date | None = None
) -> list[Workstream]:
    rows = list(workstreams)
    for workstream in rows:
        workstream.reporting = reporting_state(workstream, today)  # type: ignore[attr-defined]
    return rows


def my_workstreams(user: AnyUser, role: str) -> list[Workstream]:
    """The workstreams a person leads (or sponsors), with where each stands."""
    ids = policy.workstream_ids_held(user, role)
    return with_reporting_state(
        workstreams_for(user).filter(pk__in=ids).order_by("deal", "theme__position", "position")
    )


# --- Risks and issues -------------------------------------------------------------------------

TOP_RISKS_SHOWN = 3


def risks_for(user: AnyUser) -> QuerySet[Risk]:
    return policy.visible_classified(Risk.objects.all(), user, "workstream__deal")


def escalated_risks(user: AnyUser, deal: Deal | int) -> list[Risk]:
    """The deal's open risks and issues escalated to the DSG that the person may see, highest
    score first, each with its owner and workstream (one query)."""
    deal_id = deal if isinstance(deal, int) else deal.pk
    return list(
        risks_for(user)
        .filter(workstream__deal_id=deal_id, escalated_to_dsg=True, status=RiskStatus.OPEN)
        .select_related("workstream__theme", "owner")
        .order_by("-score", "workstream__theme__position", "workstream__position", "title", "pk")
    )


RISK_STATUS_FILTERS = ("all", RiskStatus.OPEN, RiskStatus.CLOSED)


def risk_log(user: AnyUser, workstream: Workstream, status: str = "all") -> list[Risk]:
    """A workstream's risks the person may see: open ones first, each group by score."""
    risks = (
        risks_for(user)
        .filter(workstream=workstream)
        .select_related("owner")
        .annotate(
            open_first=Case(
                When(status=RiskStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "-score", "title", "pk")
    )
    if status in (RiskStatus.OPEN, RiskStatus.CLOSED):
        risks = risks.filter(status=status)
    return list(risks)


def risk_counts(user: AnyUser, workstream: Workstream) -> dict[str, int]:
    """How many of the workstream's risks the person may see are open and closed."""
    return (
        risks_for(user)
        .filter(workstream=workstream)
        .aggregate(
            open=Count("pk", filter=Q(status=RiskStatus.OPEN)),
            closed=Count("pk", filter=Q(status=RiskStatus.CLOSED)),
        )
    )


def risk_detail(user: AnyUser, workstream: Workstream, pk: int) -> Risk:
    risk = risks_for(user).filter(workstream=workstream, pk=pk).select_related("owner").first()
    if risk is None:
        raise Http404("No such risk.")
    return risk


@dataclass(frozen=True)
class RiskBands:
    """The rule that turns a score into a RAG rating, for writing on the page."""

    scale_max: int = constants.RISK_SCALE_MAX
    score_max: int = constants.RISK_SCALE_MAX**2
    red_from: int = constants.RISK_RED_FROM
    amber_from: int = constants.RISK_AMBER_FROM
    amber_to: int = constants.RISK_RED_FROM - 1
    green_to: int = constants.RISK_AMBER_FROM - 1


@dataclass
class RiskSummary:
    """Open risks by RAG and the highest scored, of those the person may see."""

    red: int = 0
    amber: int = 0
    green: int = 0
    top: list[Risk] = field(default_factory=list)

    @property
    def open(self) -> int:
        return self.red + self.amber + self.green


def risk_summary(user: AnyUser, workstream: Workstream) -> RiskSummary:
    open_risks = risks_for(user).filter(workstream=workstream, status=RiskStatus.OPEN)
    counts = open_risks.aggregate(
        red=Count("pk", filter=Q(score__gte=constants.RISK_RED_FROM)),
        amber=Count(
            "pk",
            filter=Q(score__gte=constants.RISK_AMBER_FROM, score__lt=constants.RISK_RED_FROM),
        ),
        green=Count("pk", filter=Q(score__lt=constants.RISK_AMBER_FROM)),
    )
    top = list(open_risks.order_by("-score", "title", "pk")[:TOP_RISKS_SHOWN])
    return RiskSummary(top=top, **counts)


def deal_people(deal: Deal, also: int | None = None) -> QuerySet[User]:
    """People who hold a role in the deal, who can own its risks; ``also`` keeps a current
    owner who has since lost their role choosable, so editing does not force a change."""
    holds_role = Q(pk__in=User.objects.filter(memberships__deal=deal).values("pk"))
    return User.objects.filter(holds_role | Q(pk=also) if also else holds_role).order_by(
        "full_name", "email"
    )


def people_for(user: AnyUser) -> QuerySet[User]:
    """The active people who hold a role in a deal the person may see (every active person, for
    a superuser): whom the API lets a record name."""
    deals = policy.deal_ids_visible_to(user)
    people = User.objects.filter(is_active=True)
    return people if deals is None else people.filter(memberships__deal__in=deals).distinct()


# --- The stakeholder engagement plan ----------------------------------------------------------


def engagement_for(user: AnyUser) -> QuerySet[EngagementEntry]:
    return policy.visible_classified(EngagementEntry.objects.all(), user, "workstream__deal")


@dataclass(frozen=True)
class EngagementPlan:
    entries: list[EngagementEntry]
    lacks_non_constituent: bool


def engagement_plan(user: AnyUser, workstream: Workstream) -> EngagementPlan:
    """A workstream's engagement plan as the person may see it, and whether it lacks a
    non-constituent authority (the sources expect one in every plan: report of 7 March 2022,
    paragraph 21).

    The flag counts only the entries the person may see. A partner, who sees OFFICIAL entries
    only, is shown the flag when no OFFICIAL entry names a non-constituent authority, even if an
    OFFICIAL-SENSITIVE one does. Counting every entry instead would let the flag's absence tell
    a partner that a sensitive entry exists, and with whom; showing the flag tells them nothing
    they cannot already see.

    Only an active workstream's plan is flagged: a merged or ceased one's plan is a record of
    what was done, and nobody is expected to add to it.
    """
    entries = list(
        engagement_for(user)
        .filter(workstream=workstream)
        .select_related("organisation", "channel")
        .order_by("organisation__name", "pk")
    )
    flagged = workstream.status == WorkstreamStatus.ACTIVE and lacks_non_constituent(entries)
    return EngagementPlan(entries=entries, lacks_non_constituent=flagged)


def lacks_non_constituent(entries: list[EngagementEntry]) -> bool:
    return not any(
        e.organisation.kind == OrganisationKind.NON_CONSTITUENT_AUTHORITY for e in entries
    )


def engagement_detail(user: AnyUser, workstream: Workstream, pk: int) -> EngagementEntry:
    entry = (
        engagement_for(user)
        .filter(workstream=workstream, pk=pk)
        .select_related("organisation", "channel")
        .first()
    )
    if entry is None:
        raise Http404("No such engagement entry.")
    return entry


def in_engagement_plan(
    workstream: Workstream, organisation: Organisation, *, besides: EngagementEntry | None = None
) -> bool:
    """Has the workstream's plan a line for the organisation already (other than ``besides``,
    the line being changed)? Every line of the plan counts, whatever its marking."""
    lines = EngagementEntry.objects.filter(workstream=workstream, organisation=organisation)
    if besides is not None:
        lines = lines.exclude(pk=besides.pk)
    return lines.exists()


def engagement_channels(deal: Deal) -> QuerySet[GovernanceBody]:
    """The deal's existing boards, forums and officer groups, in the order of its chain."""
    return GovernanceBody.objects.filter(deal=deal).order_by("position", "name")


# --- Merging and ceasing ----------------------------------------------------------------------


def merge_targets(workstream: Workstream) -> QuerySet[Workstream]:
    """The workstreams another may merge into: the deal's other active ones."""
    return (
        Workstream.objects.filter(deal_id=workstream.deal_id, status=WorkstreamStatus.ACTIVE)
        .exclude(pk=workstream.pk)
        .select_related("theme")
        .order_by("theme__position", "position", "name")
    )


@dataclass(frozen=True)
class WhatMoves:
    proposals: list[Proposal]
    risks: list[Risk]
    engagement: int = 0  # lines of its engagement plan
    links: int = 0  # the missions, metrics and indicators it moves


def what_moves_on_merge(user: AnyUser, workstream: Workstream) -> WhatMoves:
    """What a merge takes to the survivor (``services.workstream_merge``): its open proposals
    and open risks by name, and how many lines of its engagement plan and links it carries."""
    proposals = (
        proposals_for(user)
        .filter(workstream=workstream)
        .exclude(stage__in=CLOSED_STAGES)
        .order_by("title")
    )
    risks = (
        risks_for(user)
        .filter(workstream=workstream, status=RiskStatus.OPEN)
        .order_by("-score", "title")
    )
    counts = Workstream.objects.filter(pk=workstream.pk).aggregate(
        engagement=Count("engagement_entries", distinct=True),
        missions=Count("missions", distinct=True),
        metrics=Count("metrics", distinct=True),
        indicators=Count("indicators", distinct=True),
    )
    return WhatMoves(
        proposals=list(proposals),
        risks=list(risks),
        engagement=counts["engagement"],
        links=counts["missions"] + counts["metrics"] + counts["indicators"],
    )


# --- The searchable list of workstreams -------------------------------------------------------

WORKSTREAM_STATUS_FILTERS = ("", "active", "merged", "ceased", "all")


def workstream_search(
    user: AnyUser, deal: Deal, query: str = "", status: str = ""
) -> QuerySet[Workstream]:
    """The deal's workstreams, searched by name or description (ignoring case).

    Merged and ceased workstreams leave the default list but remain searchable: with no status
    chosen, the list holds active workstreams only unless there is a search term, which looks
    through them all. A chosen status ("all" for every one) always applies.
    """
    workstreams = (
        workstreams_for(user, include_inactive=True)
        .filter(deal=deal)
        .select_related("merged_into")
        .order_by("theme__position", "position", "name")
    )
    query = query.strip()
    if query:
        workstreams = workstreams.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if status in WorkstreamStatus.values:
        workstreams = workstreams.filter(status=status)
    elif status != "all" and not query:
        workstreams = workstreams.filter(status=WorkstreamStatus.ACTIVE)
    return workstreams
