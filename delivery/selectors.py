"""Reads of provisions and their delivery reports, for the API now and the pages, exports and
dashboards to come. Every list starts from ``visible_to``: a partner never receives an
OFFICIAL-SENSITIVE provision or a report on one."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from core import policy
from core.choices import Classification
from core.models import Deal
from tracker import freshness
from tracker.choices import ReviewDecision

from .choices import CONFIDENCE_DEFINITIONS, Confidence, DeliveryState, ProvisionKind
from .models import Provision, ProvisionReport, ProvisionReportReview

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def latest_reports() -> QuerySet[ProvisionReport]:
    """Each provision's reports, newest period first, for a subquery on the provision."""
    return ProvisionReport.objects.filter(provision=OuterRef("pk")).order_by("-period_start")


def with_latest_report(provisions: QuerySet[Provision]) -> QuerySet[Provision]:
    """Provisions with the state, confidence and forecast of their latest report (None when
    there is none), as ``latest_state``, ``latest_confidence``, ``latest_forecast_on`` and
    ``latest_period``: one query however many provisions."""
    latest = latest_reports()
    return provisions.annotate(
        latest_state=Subquery(latest.values("state")[:1]),
        latest_confidence=Subquery(latest.values("confidence")[:1]),
        latest_forecast_on=Subquery(latest.values("forecast_on")[:1]),
        latest_period=Subquery(latest.values("period_start")[:1]),
    )


def provisions_for(user: AnyUser) -> QuerySet[Provision]:
    """The provisions a person may see, each with its latest report's ratings."""
    return with_latest_report(Provision.objects.visible_to(user))


def provision_choices(user: AnyUser) -> QuerySet[Provision]:
    """The provisions a person may name (in a report, say): those they may see."""
    return Provision.objects.visible_to(user).select_related("deal")


def reports_for(user: AnyUser) -> QuerySet[ProvisionReport]:
    """The delivery reports a person may see (those of the provisions they may see), each
    marked ``signed_off`` when its sponsor has signed off its current revision."""
    return with_sign_off(ProvisionReport.objects.visible_to(user))


def with_sign_off(reports: QuerySet[ProvisionReport]) -> QuerySet[ProvisionReport]:
    """Reports marked ``signed_off``: their current revision is signed off (a report revised
    after its sign-off needs signing off again, as a revised status update does)."""
    return reports.annotate(
        signed_off=Exists(
            ProvisionReportReview.objects.filter(
                report=OuterRef("pk"),
                revision=OuterRef("revision"),
                decision=ReviewDecision.SIGNED_OFF,
            )
        )
    )


def reviews_of(user: AnyUser, reports: Iterable[ProvisionReport]) -> dict[int, list[Any]]:
    """The sponsor's reviews of these reports, oldest first, by report: one query."""
    by_report: dict[int, list[Any]] = {}
    reviews = (
        ProvisionReportReview.objects.visible_to(user)
        .filter(report__in=[r.pk for r in reports])
        .select_related("reviewer")
        .order_by("created_at", "pk")
    )
    for review in reviews:
        by_report.setdefault(review.report_id, []).append(review)
    return by_report


# --- A workstream's provisions in the reporting cycle -------------------------------------------

# A provision whose latest report says it was delivered or superseded is finished: it is no
# longer due a report each period, and is never overdue.
FINISHED = (DeliveryState.DELIVERED, DeliveryState.SUPERSEDED)


def report_due(state: str | None, last_period: dt.date | None, since: dt.date) -> bool:
    """Whether a provision whose latest report has this state and period still owes a report
    for the period starting ``since``: it is not finished, and has none for then or later.
    The one rule for the reminders, the workstream page and the dashboard."""
    return state not in FINISHED and (last_period is None or last_period < since)


def open_provisions(provisions: QuerySet[Provision]) -> QuerySet[Provision]:
    """Those not finished: their latest report (if any) is neither delivered nor superseded."""
    finished = latest_reports().filter(state__in=FINISHED)
    latest_pk = Subquery(latest_reports().values("pk")[:1])
    return provisions.exclude(Exists(finished.filter(pk=latest_pk)))


def workstream_provisions(user: AnyUser, workstream_id: int) -> list[Provision]:
    """A workstream's provisions the person may see, by reference, with their latest ratings."""
    return list(provisions_for(user).filter(workstream_id=workstream_id).order_by("reference"))


def reportable_provisions(user: AnyUser, workstream_id: int) -> list[Provision]:
    """The workstream's provisions the person may report on, by reference."""
    provisions = (
        Provision.objects.visible_to(user)
        .filter(workstream_id=workstream_id)
        .select_related("deal", "workstream")
        .order_by("reference")
    )
    return [p for p in provisions if policy.can_report_on_provision(user, p)]


def reports_in_period(
    provisions: Iterable[Provision], period_start: dt.date
) -> dict[int, ProvisionReport]:
    """Each provision's report for the period starting then, by provision: one query."""
    reports = with_sign_off(
        ProvisionReport.objects.filter(
            provision__in=[p.pk for p in provisions], period_start=period_start
        )
    )
    return {r.provision_id: r for r in reports}


def reports_before(
    provisions: Iterable[Provision], period_start: dt.date
) -> dict[int, ProvisionReport]:
    """Each provision's newest report from before the period, by provision: one query."""
    newest = (
        ProvisionReport.objects.filter(
            provision=OuterRef("provision"), period_start__lt=period_start
        )
        .order_by("-period_start")
        .values("pk")[:1]
    )
    reports = ProvisionReport.objects.filter(
        provision__in=[p.pk for p in provisions], pk=Subquery(newest)
    )
    return {r.provision_id: r for r in reports}


def unreported_provisions(since: Mapping[int, dt.date]) -> dict[int, list[Provision]]:
    """The open provisions of the workstreams in ``since`` (workstream id: a period's first
    day) with no report for that period or a later one, by workstream: what is overdue (or
    still due) from their leads. One query; every marking, so a caller names to each person
    only what they may see."""
    if not since:
        return {}
    missing: dict[int, list[Provision]] = {}
    provisions = with_latest_report(
        open_provisions(Provision.objects.filter(workstream_id__in=list(since)))
    ).order_by("workstream_id", "reference")
    for p in provisions:
        if report_due(p.latest_state, p.latest_period, since[p.workstream_id]):  # type: ignore[attr-defined]
            missing.setdefault(p.workstream_id, []).append(p)
    return missing


def published_provisions(deal_id: int) -> QuerySet[Provision]:
    """What the public may see of a deal: its published provisions (only OFFICIAL ones can be
    published, which the database holds), with their latest ratings."""
    return with_latest_report(
        Provision.objects.filter(
            deal_id=deal_id, is_published=True, classification=Classification.OFFICIAL
        )
    )


# --- The public progress page ---------------------------------------------------------------
#
# What anyone may read without signing in (delivery/views/public.py): a deal's published
# provisions, which are OFFICIAL (the database refuses to publish any other), with their
# latest ratings, and the history of their reports. Nothing here names a person: no author,
# reviewer, lead or sponsor; the lead organisation is the most it names.
#
# Each deal's list is read once per data version (``tracker.freshness``: saving a provision, a
# report, a workstream, a theme, a department or an organisation moves it on) and kept in the
# cache; searches and filters run over that list in memory, so that no search costs a query
# and no number of different searches can fill the cache.

PUBLIC_SEARCH_MAX = 200  # characters: longer searches are refused as bad input
NOT_REPORTED = "none"  # the filter value for a provision with no report yet


@dataclass(frozen=True)
class PublicDeal:
    pk: int
    name: str
    short_name: str
    slug: str
    published: int  # how many provisions it has published


@dataclass(frozen=True)
class PublicProvision:
    """A published provision as the public sees it, with its latest report's ratings (None
    before its first report)."""

    pk: int
    reference: str
    title: str
    chapter: str
    text: str
    theme: str
    theme_slug: str
    workstream: str
    lead_organisation: str  # "" when none is named
    department: str  # "" when none is named
    kind: str
    state: str | None
    confidence: str | None
    baseline_on: dt.date | None
    forecast_on: dt.date | None
    period_start: dt.date | None  # the latest report's reporting period
    period_end: dt.date | None
    reported_on: dt.date | None  # when the latest report was last written
    narrative: str  # the latest report's; "" before the first
    is_demo: bool

    @property
    def kind_label(self) -> str:
        return ProvisionKind(self.kind).label

    @property
    def state_label(self) -> str:
        return DeliveryState(self.state).label if self.state else ""

    @property
    def confidence_label(self) -> str:
        return Confidence(self.confidence).label if self.confidence else ""

    @property
    def confidence_definition(self) -> str:
        return CONFIDENCE_DEFINITIONS[self.confidence] if self.confidence else ""

    def matches(self, words: list[str]) -> bool:
        """Whether every word is in its reference, title or text (in any case)."""
        haystack = f"{self.reference}\n{self.title}\n{self.text}".casefold()
        return all(word in haystack for word in words)


@dataclass(frozen=True)
class PublicReport:
    """One period's report on a published provision, as the public sees it: no author."""

    period_start: dt.date
    period_end: dt.date
    state: str
    confidence: str
    narrative: str
    baseline_on: dt.date | None
    forecast_on: dt.date | None
    forecast_reason: str
    reported_on: dt.date

    @property
    def state_label(self) -> str:
        return DeliveryState(self.state).label

    @property
    def confidence_label(self) -> str:
        return Confidence(self.confidence).label


@dataclass(frozen=True)
class PublicProgress:
    """A deal's published provisions, by theme and then reference."""

    deal: PublicDeal
    provisions: tuple[PublicProvision, ...]
    themes: tuple[tuple[str, str], ...]  # (slug, name) of the themes that have provisions

    def get(self, pk: int) -> PublicProvision | None:
        return next((p for p in self.provisions if p.pk == pk), None)

    @property
    def has_demo(self) -> bool:
        return any(p.is_demo for p in self.provisions)


_DIGITS = re.compile(r"(\d+)")


def _natural(reference: str) -> list[str | int]:
    """4.2 before 4.12: the numbers in a reference compared as numbers. Splitting on a group
    puts the numbers at the odd places, so two keys never compare a number with a word."""
    parts = _DIGITS.split(reference)
    return [int(part) if i % 2 else part.casefold() for i, part in enumerate(parts)]


def public_deals() -> list[PublicDeal]:
    """The deals that have published a provision, first loaded first (one query, or none
    while the data is unchanged)."""

    def build() -> list[PublicDeal]:
        published = Q(
            provisions__is_published=True,
            provisions__classification=Classification.OFFICIAL,
        )
        deals = (
            Deal.objects.annotate(published=Count("provisions", filter=published))
            .filter(published__gt=0)
            .order_by("pk")
        )
        return [PublicDeal(d.pk, d.name, d.short_name, d.slug, d.published) for d in deals]

    return freshness.cached(["progress-deals"], build)


def public_progress(deal: PublicDeal) -> PublicProgress:
    """A deal's published provisions with their latest ratings: one query when the data has
    changed since the list was last built, none otherwise (beyond the data version's)."""
    return freshness.cached(["progress", str(deal.pk)], lambda: _build_progress(deal), deal=deal)


def _build_progress(deal: PublicDeal) -> PublicProgress:
    latest = latest_reports()
    rows = list(
        Provision.objects.filter(
            deal_id=deal.pk, is_published=True, classification=Classification.OFFICIAL
        )
        .select_related("workstream__theme", "lead_organisation", "department")
        .annotate(
            **{
                f"latest_{name}": Subquery(latest.values(name)[:1])
                for name in (
                    "state",
                    "confidence",
                    "baseline_on",
                    "forecast_on",
                    "period_start",
                    "period_end",
                    "updated_at",
                    "narrative",
                )
            }
        )
    )
    themes = sorted({p.workstream.theme for p in rows}, key=lambda t: (t.position, t.name))
    rank = {theme.slug: number for number, theme in enumerate(themes)}
    provisions = sorted(
        (_public_provision(p) for p in rows),
        key=lambda p: (rank[p.theme_slug], _natural(p.reference)),
    )
    return PublicProgress(
        deal=deal,
        provisions=tuple(provisions),
        themes=tuple((theme.slug, theme.name) for theme in themes),
    )


def _public_provision(p: Any) -> PublicProvision:
    updated = p.latest_updated_at
    return PublicProvision(
        pk=p.pk,
        reference=p.reference,
        title=p.title,
        chapter=p.chapter,
        text=p.text,
        theme=p.workstream.theme.name,
        theme_slug=p.workstream.theme.slug,
        workstream=p.workstream.name,
        lead_organisation=p.lead_organisation.name if p.lead_organisation else "",
        department=p.department.name if p.department else "",
        kind=p.kind,
        state=p.latest_state,
        confidence=p.latest_confidence,
        baseline_on=p.latest_baseline_on,
        forecast_on=p.latest_forecast_on,
        period_start=p.latest_period_start,
        period_end=p.latest_period_end,
        reported_on=timezone.localdate(updated) if updated else None,
        narrative=p.latest_narrative or "",
        is_demo=p.is_demo,
    )


def public_reports(progress: PublicProgress, provision: PublicProvision) -> list[PublicReport]:
    """A published provision's reports, newest period first (one query while it is unchanged
    in the cache, none otherwise). Only for a provision ``progress`` holds: the caller has
    found it there, so an unpublished one is never read."""
    if progress.get(provision.pk) is None:
        raise ValueError(f"Provision {provision.pk} is not published in {progress.deal.slug}.")

    def build() -> list[PublicReport]:
        reports = ProvisionReport.objects.filter(provision_id=provision.pk).order_by(
            "-period_start"
        )
        return [
            PublicReport(
                period_start=r.period_start,
                period_end=r.period_end,
                state=r.state,
                confidence=r.confidence,
                narrative=r.narrative,
                baseline_on=r.baseline_on,
                forecast_on=r.forecast_on,
                forecast_reason=r.forecast_reason,
                reported_on=timezone.localdate(r.updated_at),
            )
            for r in reports
        ]

    parts = ["progress-reports", str(progress.deal.pk), str(provision.pk)]
    return freshness.cached(parts, build, deal=progress.deal)


def public_search(
    progress: PublicProgress,
    *,
    q: str = "",
    theme: str = "",
    state: str = "",
    confidence: str = "",
    kind: str = "",
) -> list[PublicProvision]:
    """The published provisions that match every filter given: ``q``'s every word in the
    reference, title or text; a theme's slug; a state, a confidence (either may be
    ``NOT_REPORTED``) and a kind. An empty filter matches everything."""
    words = q.casefold().split()
    return [
        p
        for p in progress.provisions
        if (not words or p.matches(words))
        and (not theme or p.theme_slug == theme)
        and (not state or (p.state or NOT_REPORTED) == state)
        and (not confidence or (p.confidence or NOT_REPORTED) == confidence)
        and (not kind or p.kind == kind)
    ]


def public_counts(provisions: Iterable[PublicProvision]) -> dict[str, list[tuple[str, str, int]]]:
    """How many provisions are at each state and each confidence level, as (value, label,
    count) in the scales' order, "no report yet" last; only the provisions given are counted."""
    provisions = list(provisions)

    def tally(values: list[str | None], choices: Any) -> list[tuple[str, str, int]]:
        rows = [(value, str(label), values.count(value)) for value, label in choices.choices]
        rows.append((NOT_REPORTED, "No report yet", values.count(None)))
        return rows

    return {
        "state": tally([p.state for p in provisions], DeliveryState),
        "confidence": tally([p.confidence for p in provisions], Confidence),
    }
