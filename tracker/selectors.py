"""Reads for the tracker's pages and API: each one a bounded number of queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, Max, Model, OuterRef, Prefetch, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts import policy
from accounts.choices import Role
from accounts.models import Membership

from .changes import change_of, related_labels
from .choices import ReviewDecision, WorkstreamStatus
from .models import (
    Deal,
    GovernanceBody,
    Proposal,
    StatusUpdate,
    Theme,
    UpdateReview,
    Workstream,
)
from .periods import Period, deal_period, last_due_period

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def deals_for(user: AnyUser) -> QuerySet[Deal]:
    return policy.visible_in_deals(Deal.objects.all(), user, "pk")


def deal_for(user: AnyUser, slug: str | None = None) -> Deal | None:
    """The deal a page shows: the one asked for, else the first the person may see."""
    deals = deals_for(user).order_by("pk")
    if slug:
        deal = deals.filter(slug=slug).first()
        if deal is None:
            raise Http404("No such deal.")
        return deal
    return deals.first()


def status_updates_for(user: AnyUser) -> QuerySet[StatusUpdate]:
    return policy.visible_classified(StatusUpdate.objects.all(), user, "workstream__deal")


def _people_prefetch() -> Prefetch[str, QuerySet[Membership], str]:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(role__in=[Role.LEAD, Role.SPONSOR])
        .select_related("user")
        .order_by("role", "user__full_name", "user__email"),
        to_attr="people",
    )


def workstreams_for(user: AnyUser, *, include_inactive: bool = False) -> QuerySet[Workstream]:
    """Workstreams the person may see, with their leads, sponsor and current RAG.

    The current RAG is the newest update the person may see: a partner's view of a workstream
    whose newest update is OFFICIAL-SENSITIVE shows the newest OFFICIAL one.
    """
    latest = (
        status_updates_for(user)
        .filter(workstream=OuterRef("pk"))
        .order_by("-period_start", "-version")
    )
    qs = (
        policy.visible_in_deals(Workstream.objects.all(), user, "deal")
        .select_related("deal", "theme")
        .prefetch_related(_people_prefetch())
        .annotate(
            current_rag=Subquery(latest.values("rag")[:1]),
            current_period_start=Subquery(latest.values("period_start")[:1]),
            last_update_at=Subquery(
                status_updates_for(user)
                .filter(workstream=OuterRef("pk"))
                .order_by("-created_at")
                .values("created_at")[:1]
            ),
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


def proposals_for(user: AnyUser) -> QuerySet[Proposal]:
    return policy.visible_classified(Proposal.objects.all(), user, "deal")


def bodies_for(user: AnyUser) -> QuerySet[GovernanceBody]:
    return policy.visible_in_deals(GovernanceBody.objects.all(), user, "deal")


def people_in(workstream: Workstream) -> tuple[list[User], User | None]:
    """Leads and the sponsor of a workstream fetched by ``workstreams_for``."""
    people: list[Membership] = getattr(workstream, "people", [])
    leads = [m.user for m in people if m.role == Role.LEAD]
    sponsor = next((m.user for m in people if m.role == Role.SPONSOR), None)
    return leads, sponsor


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


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: Any
    kind: str  # "Created", "Changed" or "Deleted"
    changes: list[Any]


HISTORY_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# Bookkeeping that changes with every save, which a reader learns nothing from.
HISTORY_HIDDEN_FIELDS = {"revision", "updated_at", "moved_at"}


def _deal_id_of(obj: Any) -> int:
    """The deal a record belongs to, directly or through its workstream, proposal or body."""
    for path in ("deal_id", "workstream.deal_id", "proposal.deal_id", "body.deal_id"):
        value: Any = obj
        for name in path.split("."):
            value = getattr(value, name, None)
        if value is not None:
            return value
    raise TypeError(f"{type(obj).__name__} belongs to no deal that history_of knows of")


def history_of(obj: Model, user: User | AnonymousUser, limit: int = 50) -> list[HistoryEntry]:
    """Who changed a record, when, and what, newest first (from django-simple-history).

    A record that was OFFICIAL-SENSITIVE for part of its life shows a person who may not see
    such material only the states in which it was marked OFFICIAL: the change out of a state
    they may not see says only that the record was marked OFFICIAL, not what it was before."""
    records = list(obj.history.select_related("history_user").order_by("-history_id")[: limit + 1])  # type: ignore[attr-defined]
    hidden: set[int] = set()
    if hasattr(obj, "classification"):
        deal_id = _deal_id_of(obj)
        hidden = {
            r.pk for r in records if not policy.can_see_record(user, deal_id, r.classification)
        }
    model = type(obj)
    pairs = [
        (record, older)
        for record, older in zip(records[:limit], [*records[1:], None], strict=False)
        if record.pk not in hidden
    ]
    deltas = {
        record.pk: [
            c for c in record.diff_against(older).changes if c.field not in HISTORY_HIDDEN_FIELDS
        ]
        for record, older in pairs
        if older is not None and older.pk not in hidden and record.history_type == "~"
    }
    labels = related_labels(
        model, ((c.field, c.old, c.new) for changes in deltas.values() for c in changes)
    )
    return [
        HistoryEntry(
            when=record.history_date,
            who=record.history_user,
            kind=(
                "Marked OFFICIAL"
                if older is not None and older.pk in hidden
                else HISTORY_KINDS[record.history_type]
            ),
            changes=[
                change_of(model, c.field, c.old, c.new, labels) for c in deltas.get(record.pk, [])
            ],
        )
        for record, older in pairs
    ]
