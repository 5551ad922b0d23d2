"""The Devolution Strategy Group's portfolio overview: every active workstream of a deal by
theme, with where it stands, in a fixed number of queries whatever the amount of data.

What counts follows ``core.policy``: a person sees the updates, risks and proposals their
role allows. The partner-safe version counts OFFICIAL material only, whoever asks, so that a
DSG member can share it; a person who may not see OFFICIAL-SENSITIVE material in the deal (a
partner) always gets it. Whether a workstream has reported, and so whether it is overdue, is a
fact about the process shown to everyone who sees the workstream (as on every other page), so
every update counts for that; what a sensitive update says (its RAG) is not.

Queries: the themes and the workstreams; then, for any set of workstreams (the overview
rebuilds only the rows whose records changed), their current updates, the sponsors, the updates
of the trend's periods, the open risks by workstream, and the proposals by workstream and stage.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from core import policy
from core.choices import Classification, Role
from core.models import Deal, Membership

from ..choices import ProposalStage, Rag, ReviewDecision, RiskStatus
from ..choices import WorkstreamStatus as Status
from ..constants import RISK_AMBER_FROM, RISK_RED_FROM
from ..models import Proposal, Risk, StatusUpdate, Theme, UpdateReview, Workstream
from ..periods import Period, deal_period, previous_period
from .reporting import reporting_state

if TYPE_CHECKING:
    from accounts.models import User

    from .base import AnyUser


# How many reporting periods the RAG trend covers, ending with the one open now.
RAG_TREND_PERIODS = 6
# The keys of a theme's roll-up: a workstream with no update it may show counts as "none".
RAG_KEYS = (Rag.GREEN.value, Rag.AMBER.value, Rag.RED.value, "none")
NO_RAG = "none"


@dataclass(frozen=True)
class WorkstreamRow:
    workstream: Workstream  # with theme, deal loaded
    current_rag: str | None  # the newest visible update's RAG (None: no update it may show)
    rag_trend: list[str | None]  # the last RAG_TREND_PERIODS periods' RAG, oldest first
    last_update_at: dt.datetime | None
    overdue: bool
    unsigned: bool  # the current update is not signed off by the sponsor
    sponsor: User | None
    open_risks: int  # open risks the person may see
    top_risk_score: int | None
    proposals_by_stage: dict[str, int]  # every stage, in ProposalStage order; visible only
    # Beyond the contract: what the page links to and how it marks itself.
    current_update_id: int | None = None
    trend_update_ids: list[int | None] = field(default_factory=list)
    open_risks_by_rag: dict[str, int] = field(default_factory=dict)  # red/amber/green
    includes_sensitive: bool = False  # an OFFICIAL-SENSITIVE record counts in this row

    @property
    def proposals(self) -> int:
        return sum(self.proposals_by_stage.values())


@dataclass(frozen=True)
class ThemeRow:
    theme: Theme
    workstreams: list[WorkstreamRow]
    rag_counts: dict[str, int]  # "green"/"amber"/"red"/"none" -> count (the roll-up bar)


@dataclass(frozen=True)
class PortfolioTotals:
    """Deal-wide figures for the head of the page, summed from the theme rows."""

    workstreams: int
    rag_counts: dict[str, int]
    overdue: int
    unsigned: int
    open_risks: int
    proposals_by_stage: dict[str, int]
    includes_sensitive: bool

    @property
    def proposals(self) -> int:
        return sum(self.proposals_by_stage.values())


def is_partner_safe(user: AnyUser, deal: Deal, partner_safe: bool = False) -> bool:
    """Whether only OFFICIAL material may count: asked for, or the person may see no more."""
    return partner_safe or not policy.can_see_sensitive(user, deal)


def reader(deal_id: int, user_id: int) -> tuple[User, Deal] | None:
    """The person who asked for a dashboard of the deal, and the deal, to build it again as
    they see it after a change (``tracker.freshness``'s refreshers); None once the deal has
    gone, or the person may no longer see it."""
    from accounts.models import User

    deal = Deal.objects.filter(pk=deal_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if deal is None or user is None or not policy.can_see_deal(user, deal):
        return None
    return user, deal


def trend_periods(deal: Deal, today: dt.date | None = None) -> list[Period]:
    """The RAG trend's reporting periods, oldest first, ending with the one open today."""
    period = deal_period(deal, today or timezone.localdate())
    periods = [period]
    for _ in range(RAG_TREND_PERIODS - 1):
        period = previous_period(deal, period)
        periods.append(period)
    return periods[::-1]


def portfolio_overview(
    user: AnyUser,
    deal: Deal,
    *,
    theme: str | None = None,
    rag: str | None = None,
    sponsor: int | None = None,
    overdue: bool | None = None,
    partner_safe: bool = False,
    today: dt.date | None = None,
) -> list[ThemeRow]:
    """The deal's themes with their active workstreams the person may see, filtered.

    partner_safe=True: only OFFICIAL material counts anywhere (updates, risks, proposals),
    whoever asks; a partner always gets partner_safe whatever they pass. ``theme`` is a theme's
    slug, ``rag`` a RAG value or "none" (no update), ``sponsor`` a user id, ``overdue`` True for
    overdue workstreams only and False for those up to date. With no filter every theme is
    listed, even one with no workstream; with one, only themes with a workstream that matches.
    """
    today = today or timezone.localdate()
    themes = themes_of(deal)
    workstreams = active_workstreams(user, deal)
    rows = workstream_rows(user, deal, workstreams, partner_safe=partner_safe, today=today)
    overview = overview_of(themes, workstreams, rows)
    return filter_overview(overview, theme=theme, rag=rag, sponsor=sponsor, overdue=overdue)


def themes_of(deal: Deal) -> list[Theme]:
    return list(Theme.objects.filter(deal=deal).order_by("position", "name"))


def active_workstreams(user: AnyUser, deal: Deal) -> list[Workstream]:
    """The deal's active workstreams the person may see, in the overview's order, with their
    theme and deal (one query)."""
    return list(
        policy.visible_in_deals(Workstream.objects.filter(deal=deal), user, "deal")
        .filter(status=Status.ACTIVE)
        .select_related("deal", "theme")
        .order_by("theme__position", "position", "name")
    )


def workstream_rows(
    user: AnyUser,
    deal: Deal,
    workstreams: list[Workstream],
    *,
    partner_safe: bool = False,
    today: dt.date | None = None,
) -> dict[int, WorkstreamRow]:
    """The overview's row of each of these workstreams of the deal, by id (five queries, however
    many): what each counts depends on its own records only, so a page can rebuild the rows of
    the workstreams that changed and keep the others."""
    today = today or timezone.localdate()
    safe = is_partner_safe(user, deal, partner_safe)
    ids = [w.pk for w in workstreams]
    if not ids:
        return {}
    latest = _latest(user, safe, ids)
    sponsors = _sponsors(deal, ids)
    periods = trend_periods(deal, today)
    trends = _trends(user, deal, safe, periods, ids)
    risks = _risks(user, deal, safe, ids)
    proposals = _proposals(user, deal, safe, ids)
    rows = {}
    for w in workstreams:
        current = latest[w.pk]
        state = reporting_state(_with_last_reported(w, current), today)
        rags, update_ids, trend_sensitive = trends.get(w.pk, _empty_trend())
        risk = risks.get(w.pk, {})
        stages, proposals_sensitive = proposals.get(w.pk, ({}, False))
        rows[w.pk] = WorkstreamRow(
            workstream=w,
            current_rag=current["dash_rag"],
            rag_trend=rags,
            last_update_at=current["dash_last_update_at"],
            overdue=state.overdue,
            unsigned=current["dash_update_id"] is not None and not current["dash_signed_off"],
            sponsor=sponsors.get(w.pk),
            open_risks=risk.get("open", 0),
            top_risk_score=risk.get("top"),
            proposals_by_stage={s: stages.get(s, 0) for s in ProposalStage.values},
            current_update_id=current["dash_update_id"],
            trend_update_ids=update_ids,
            open_risks_by_rag={k: risk.get(k, 0) for k in (Rag.RED, Rag.AMBER, Rag.GREEN)},
            includes_sensitive=(
                current["dash_classification"] == Classification.OFFICIAL_SENSITIVE
                or trend_sensitive
                or bool(risk.get("sensitive"))
                or proposals_sensitive
            ),
        )
    return rows


def overview_of(
    themes: list[Theme], workstreams: list[Workstream], rows: dict[int, WorkstreamRow]
) -> list[ThemeRow]:
    """Every theme with its workstreams' rows, in the overview's order (no query)."""
    by_theme: dict[int, list[WorkstreamRow]] = {t.pk: [] for t in themes}
    for w in workstreams:
        by_theme.setdefault(w.theme_id, []).append(rows[w.pk])
    return [_theme_row(t, by_theme[t.pk]) for t in themes]


def filter_overview(
    themes: Iterable[ThemeRow],
    *,
    theme: str | None = None,
    rag: str | None = None,
    sponsor: int | None = None,
    overdue: bool | None = None,
    unsigned: bool | None = None,
) -> list[ThemeRow]:
    """The overview's rows that match the filters, read no more from the database (so a page
    can total the whole deal and show a filtered part from one read). ``unsigned`` True keeps
    the workstreams whose current update awaits its sponsor's sign-off, False those whose
    current update is signed off (a workstream with no update is neither)."""
    themes = list(themes)
    if theme is None and rag is None and sponsor is None and overdue is None and unsigned is None:
        return themes

    def keep(row: WorkstreamRow) -> bool:
        return (
            (rag is None or (row.current_rag or NO_RAG) == rag)
            and (sponsor is None or (row.sponsor is not None and row.sponsor.pk == sponsor))
            and (overdue is None or row.overdue == overdue)
            and (unsigned is None or (row.unsigned if unsigned else _signed_off(row)))
        )

    out = []
    for t in themes:
        if theme is not None and t.theme.slug != theme:
            continue
        kept = [row for row in t.workstreams if keep(row)]
        if kept:
            out.append(_theme_row(t.theme, kept))
    return out


def _signed_off(row: WorkstreamRow) -> bool:
    return row.current_update_id is not None and not row.unsigned


def portfolio_totals(themes: Iterable[ThemeRow]) -> PortfolioTotals:
    rows = [row for t in themes for row in t.workstreams]
    return PortfolioTotals(
        workstreams=len(rows),
        rag_counts=_rag_counts(rows),
        overdue=sum(row.overdue for row in rows),
        unsigned=sum(row.unsigned for row in rows),
        open_risks=sum(row.open_risks for row in rows),
        proposals_by_stage={
            s: sum(row.proposals_by_stage.get(s, 0) for row in rows) for s in ProposalStage.values
        },
        includes_sensitive=any(row.includes_sensitive for row in rows),
    )


def sponsors_in(themes: Iterable[ThemeRow]) -> list[User]:
    """The sponsors of the overview's workstreams, by name: the sponsor filter's choices."""
    found = {row.sponsor.pk: row.sponsor for t in themes for row in t.workstreams if row.sponsor}
    return sorted(found.values(), key=lambda u: (u.full_name or u.email).lower())


# --- The reads --------------------------------------------------------------------------------


def _visible(user: AnyUser, safe: bool, deal_path: str = "workstream__deal") -> Q:
    q = policy.classified_filter(user, deal_path)
    return q & Q(classification=Classification.OFFICIAL) if safe else q


def _latest(user: AnyUser, safe: bool, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Each workstream's newest update it may count, when its newest was written, whether it is
    signed off, and the start of the last period it reported for (one query)."""
    latest = StatusUpdate.objects.filter(_visible(user, safe), workstream=OuterRef("pk")).order_by(
        "-period_start", "-version"
    )
    rows = (
        Workstream.objects.filter(pk__in=ids)
        .annotate(
            dash_rag=Subquery(latest.values("rag")[:1]),
            dash_update_id=Subquery(latest.values("pk")[:1]),
            dash_classification=Subquery(latest.values("classification")[:1]),
            dash_last_update_at=Subquery(
                StatusUpdate.objects.filter(_visible(user, safe), workstream=OuterRef("pk"))
                .order_by("-created_at")
                .values("created_at")[:1]
            ),
            # Whether a workstream has reported is a process fact: every update counts. A
            # subquery per row, not a join with every update grouped by workstream.
            last_reported_start=Subquery(
                StatusUpdate.objects.filter(workstream=OuterRef("pk"))
                .order_by("-period_start")
                .values("period_start")[:1]
            ),
        )
        .annotate(
            dash_signed_off=Exists(
                UpdateReview.objects.filter(
                    status_update=OuterRef("dash_update_id"),
                    decision=ReviewDecision.SIGNED_OFF,
                )
            )
        )
        .order_by()
        .values(
            "pk",
            "dash_rag",
            "dash_update_id",
            "dash_classification",
            "dash_last_update_at",
            "last_reported_start",
            "dash_signed_off",
        )
    )
    return {row["pk"]: dict(row) for row in rows}


def _with_last_reported(workstream: Workstream, latest: dict[str, Any]) -> Workstream:
    """The workstream as ``reporting_state`` reads it: with the last period it reported for."""
    workstream.last_reported_start = latest["last_reported_start"]  # type: ignore[attr-defined]
    return workstream


def _sponsors(deal: Deal, workstream_ids: list[int]) -> dict[int, User]:
    sponsors: dict[int, User] = {}
    memberships = (
        Membership.objects.filter(deal=deal, role=Role.SPONSOR, workstream_id__in=workstream_ids)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    for m in memberships:
        sponsors.setdefault(m.workstream_id, m.user)  # type: ignore[arg-type]
    return sponsors


Trend = tuple[list[str | None], list[int | None], bool]


def _empty_trend() -> Trend:
    return [None] * RAG_TREND_PERIODS, [None] * RAG_TREND_PERIODS, False


def _trends(
    user: AnyUser, deal: Deal, safe: bool, periods: list[Period], ids: list[int]
) -> dict[int, Trend]:
    """Each workstream's RAG in each of the trend's periods: the newest version it may count
    (one query, over the trend's periods only)."""
    starts = [p.start for p in periods]
    updates = (
        StatusUpdate.objects.filter(_visible(user, safe), workstream__deal=deal)
        .filter(workstream_id__in=ids)
        .filter(period_start__gte=periods[0].start, period_start__lte=periods[-1].end)
        .order_by("workstream_id", "period_start", "version")
        .values_list("workstream_id", "period_start", "pk", "rag", "classification")
    )
    trends: dict[int, Trend] = {}
    sensitive: dict[int, set[int]] = {}
    for workstream_id, start, pk, rag, classification in updates:
        rags, update_ids, _ = trends.setdefault(workstream_id, _empty_trend())
        slot = bisect.bisect_right(starts, start) - 1
        # Ordered by version: the newest version of a period is the last one written here.
        rags[slot], update_ids[slot] = rag, pk
        if classification == Classification.OFFICIAL_SENSITIVE:
            sensitive.setdefault(workstream_id, set()).add(pk)
    return {
        ws: (rags, ids, bool(sensitive.get(ws, set()) & set(ids)))
        for ws, (rags, ids, _) in trends.items()
    }


def _risks(user: AnyUser, deal: Deal, safe: bool, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = (
        Risk.objects.filter(_visible(user, safe), workstream__deal=deal, status=RiskStatus.OPEN)
        .filter(workstream_id__in=ids)
        .values("workstream_id")
        .annotate(
            open=Count("pk"),
            top=Max("score"),
            red=Count("pk", filter=Q(score__gte=RISK_RED_FROM)),
            amber=Count("pk", filter=Q(score__gte=RISK_AMBER_FROM, score__lt=RISK_RED_FROM)),
            green=Count("pk", filter=Q(score__lt=RISK_AMBER_FROM)),
            sensitive=Count("pk", filter=Q(classification=Classification.OFFICIAL_SENSITIVE)),
        )
        .order_by()
    )
    return {
        row["workstream_id"]: {name: n for name, n in row.items() if name != "workstream_id"}
        for row in rows
    }


def _proposals(
    user: AnyUser, deal: Deal, safe: bool, ids: list[int]
) -> dict[int, tuple[dict[str, int], bool]]:
    rows = (
        Proposal.objects.filter(_visible(user, safe, "deal"), deal=deal, workstream_id__in=ids)
        .values("workstream_id", "stage")
        .annotate(
            n=Count("pk"),
            sensitive=Count("pk", filter=Q(classification=Classification.OFFICIAL_SENSITIVE)),
        )
        .order_by()
    )
    out: dict[int, tuple[dict[str, int], bool]] = {}
    for row in rows:
        stages, sensitive = out.setdefault(row["workstream_id"], ({}, False))
        stages[row["stage"]] = row["n"]
        if row["sensitive"] and not sensitive:
            out[row["workstream_id"]] = (stages, True)
    return out


def _rag_counts(rows: Iterable[WorkstreamRow]) -> dict[str, int]:
    counts = dict.fromkeys(RAG_KEYS, 0)
    for row in rows:
        counts[row.current_rag or NO_RAG] += 1
    return counts


def _theme_row(theme: Theme, rows: list[WorkstreamRow]) -> ThemeRow:
    return ThemeRow(theme=theme, workstreams=rows, rag_counts=_rag_counts(rows))


__all__ = [
    "RAG_KEYS",
    "RAG_TREND_PERIODS",
    "PortfolioTotals",
    "ThemeRow",
    "WorkstreamRow",
    "active_workstreams",
    "filter_overview",
    "is_partner_safe",
    "overview_of",
    "portfolio_overview",
    "portfolio_totals",
    "reader",
    "sponsors_in",
    "themes_of",
    "trend_periods",
    "workstream_rows",
]
