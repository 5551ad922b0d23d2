"""Reads of provisions and their delivery reports, for the API now and the pages, exports and
dashboards to come. Every list starts from ``visible_to``: a partner never receives an
OFFICIAL-SENSITIVE provision or a report on one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, QuerySet, Subquery

from core import policy
from core.choices import Classification
from tracker.choices import ReviewDecision

from .choices import DeliveryState
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
    provisions = [
        p
        for p in Provision.objects.visible_to(user)
        .filter(workstream_id=workstream_id)
        .select_related("deal", "workstream")
        .order_by("reference")
    ]
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
    for provision in provisions:
        latest = provision.latest_period  # type: ignore[attr-defined]
        if latest is None or latest < since[provision.workstream_id]:
            missing.setdefault(provision.workstream_id, []).append(provision)
    return missing


def published_provisions(deal_id: int) -> QuerySet[Provision]:
    """What the public may see of a deal: its published provisions (only OFFICIAL ones can be
    published, which the database holds), with their latest ratings."""
    return with_latest_report(
        Provision.objects.filter(
            deal_id=deal_id, is_published=True, classification=Classification.OFFICIAL
        )
    )
