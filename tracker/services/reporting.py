"""Reporting: status updates and their sign-off, risks, the engagement plan, and merging or
ceasing workstreams."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core import policy
from core.changes import Change, changes_between
from core.choices import Classification
from core.errors import StaleEdit
from core.models import Deal
from missions.models import Indicator, Metric, Mission

from .. import signals
from ..choices import CLOSED_STAGES, MeetingStatus, Rag, ReviewDecision, RiskStatus
from ..choices import WorkstreamStatus as Status
from ..models import AgendaItem, EngagementEntry, Risk, StatusUpdate, UpdateReview, Workstream
from ..periods import Period, deal_period, is_late, period_refusal
from ..selectors.reporting import current_period
from .base import M, TrackerError, _save
from .governance import agenda_sync_asks
from .links import workstream_links_set

if TYPE_CHECKING:
    from accounts.models import User


# --- Status updates ---------------------------------------------------------------------------

UPDATE_TEXT_FIELDS = ["summary", "progress", "next_steps", "risks_and_issues", "asks_of_dsg"]
UPDATE_FIELDS = ["rag", "direction", *UPDATE_TEXT_FIELDS, "classification"]


def status_update_errors(*, rag: str, summary: str, next_steps: str, asks_of_dsg: str) -> dict:
    """The reporting rules, field by field: the form, the API and the service all use these."""
    errors: dict[str, str] = {}
    if not summary.strip():
        errors["summary"] = "Enter a summary of where the workstream stands"
    if rag == Rag.RED and not (next_steps.strip() or asks_of_dsg.strip()):
        errors["asks_of_dsg"] = (
            "A red rating needs an ask of the Devolution Strategy Group or, in next steps, "
            "the recovery action"
        )
    return errors


def status_update_submit(
    *,
    workstream: Workstream,
    acting_user: User,
    rag: str,
    direction: str,
    summary: str,
    classification: str = Classification.OFFICIAL,
    progress: str = "",
    next_steps: str = "",
    risks_and_issues: str = "",
    asks_of_dsg: str = "",
    period: Period | None = None,
    period_start: dt.date | None = None,
    based_on_version: int | None = None,
) -> StatusUpdate:
    """Post a workstream's update for a period, or revise it: a revision is a new version and
    the earlier ones stay. ``based_on_version`` is the version the person started from (0 when
    there was none); if someone has revised the period since, the submission is refused.

    The period is the current one unless given: ``period_start`` is a person's choice (the
    page's or the API's), checked here: the current period, or a missed past one that may still
    be reported (``periods.period_refusal``), once. ``period`` is for code that writes a period
    it has worked out itself, and is not checked. An update first posted after its period's due
    date is late, and every later version of that period says so too.
    """
    if not policy.can_write_workstream(acting_user, workstream):
        raise PermissionDenied("Only the workstream's lead or an administrator can post updates.")
    errors = status_update_errors(
        rag=rag, summary=summary, next_steps=next_steps, asks_of_dsg=asks_of_dsg
    )
    if errors:
        raise ValidationError(errors)
    today = timezone.localdate()
    if period_start is not None:
        if period is not None:
            raise ValueError("Give the period or its first day, not both.")
        if refusal := period_refusal(workstream.deal, period_start, today):
            raise ValidationError({"period": refusal})
        period = deal_period(workstream.deal, period_start)
    period = period or current_period(workstream, today)
    # A past period chosen by a person is reported once: its account stands as given, and
    # what has changed since belongs in a later period's update.
    reported_once = period_start is not None and period.end < today
    with transaction.atomic():
        workstream = _locked(workstream)
        if workstream.status != Status.ACTIVE:
            raise TrackerError(f"{workstream} is {workstream.get_status_display().lower()}.")
        versions = StatusUpdate.objects.select_for_update().filter(
            workstream=workstream, period_start=period.start
        )
        latest = versions.order_by("-version").first()
        if based_on_version is not None and (latest.version if latest else 0) != based_on_version:
            raise _stale_update(workstream, period, based_on_version, latest)
        if latest is not None and reported_once:
            raise TrackerError(
                f"The period {period.label()} already has an update, and a past period's "
                "update cannot be revised: report what has changed in this period's update."
            )
        update = StatusUpdate(
            workstream=workstream,
            period_start=period.start,
            period_end=period.end,
            version=(latest.version + 1) if latest else 1,
            rag=rag,
            direction=direction,
            summary=summary,
            progress=progress,
            next_steps=next_steps,
            risks_and_issues=risks_and_issues,
            asks_of_dsg=asks_of_dsg,
            classification=classification,
            author=acting_user,
            late=latest.late if latest else is_late(period, today),
        )
        try:
            with transaction.atomic():
                _save(update, acting_user)
        except IntegrityError:
            # Another submission for the same period won the race for this version number.
            raise _stale_update(workstream, period, based_on_version, None) from None
        # The asks of the DSG in current updates go on its next agenda.
        agenda_sync_asks(workstream.deal_id)
        return update


def _stale_update(
    workstream: Workstream, period: Period, based_on: int | None, latest: StatusUpdate | None
) -> StaleEdit:
    latest = latest or (
        StatusUpdate.objects.filter(workstream=workstream, period_start=period.start)
        .order_by("-version")
        .first()
    )
    base = (
        StatusUpdate.objects.filter(
            workstream=workstream, period_start=period.start, version=based_on
        ).first()
        if based_on
        else None
    )
    changes = (
        changes_between(base, latest, UPDATE_FIELDS)
        if base and latest
        else [Change("version", "Update", "none", f"version {latest.version}")]
        if latest
        else []
    )
    who = f" by {latest.author}" if latest and latest.author else ""
    return StaleEdit(
        f"This period's update was changed{who} while you were editing it. Check what changed, "
        "then submit again if your update is still right.",
        changes,
    )


def status_update_review(
    *, status_update: StatusUpdate, acting_user: User, decision: str, comment: str = ""
) -> UpdateReview:
    """A sponsor signs off, or comments on, the current version of an update."""
    workstream = status_update.workstream
    if not policy.can_review_updates(acting_user, workstream):
        raise PermissionDenied("Only the workstream's SLT sponsor can sign off its updates.")
    if decision == ReviewDecision.COMMENTED and not comment.strip():
        raise ValidationError({"comment": "Enter your comment"})
    with transaction.atomic():
        newest = (
            StatusUpdate.objects.select_for_update()
            .filter(workstream=workstream, period_start=status_update.period_start)
            .order_by("-version")
            .first()
        )
        if newest is None or newest.pk != status_update.pk:
            raise TrackerError("This update has been revised: sign off the latest version.")
        if (
            decision == ReviewDecision.SIGNED_OFF
            and status_update.reviews.filter(decision=ReviewDecision.SIGNED_OFF).exists()
        ):
            raise TrackerError("This update is already signed off.")
        review = UpdateReview(
            status_update=status_update, reviewer=acting_user, decision=decision, comment=comment
        )
        review.full_clean()
        review.save()
        return review


# --- Risks and the engagement plan ------------------------------------------------------------

RISK_FIELDS = [
    "title",
    "description",
    "likelihood",
    "impact",
    "owner",
    "mitigation",
    "status",
    "escalated_to_dsg",
    "classification",
]
ENGAGEMENT_FIELDS = [
    "organisation",
    "channel",
    "channel_notes",
    "frequency",
    "last_engaged_on",
    "notes",
    "classification",
]


def _locked(workstream: Workstream) -> Workstream:
    """The workstream as it is now, locked until the transaction ends, so that a merge or a
    ceasing cannot slip in between the check and the write."""
    return (
        Workstream.objects.select_for_update(of=("self",))
        .select_related("deal")
        .get(pk=workstream.pk)
    )


def _require_writer(acting_user: User, workstream: Workstream) -> None:
    if not policy.can_write_workstream(acting_user, workstream):
        raise PermissionDenied("Only the workstream's lead or an administrator can change this.")
    if workstream.status != Status.ACTIVE:
        raise TrackerError(
            f"{workstream} is {workstream.get_status_display().lower()}: its log is read-only."
        )


def _check_owner(workstream: Workstream, fields: dict) -> None:
    """A risk's owner holds a role in the deal and may see the risk they own."""
    owner = fields.get("owner")
    if owner is None:
        return
    classification = fields.get("classification", Classification.OFFICIAL)
    if refusal := policy.owner_refusal(owner, workstream.deal_id, classification):
        raise ValidationError({"owner": refusal})


def _create(model: type[M], workstream: Workstream, acting_user: User, fields: dict) -> M:
    try:
        with transaction.atomic():
            workstream = _locked(workstream)
            _require_writer(acting_user, workstream)
            return _save(model(workstream=workstream, **fields), acting_user)
    except IntegrityError:
        # full_clean() checked the constraints; only a simultaneous save gets here.
        raise TrackerError(
            "Someone else added the same record at the same moment: check the list and try again."
        ) from None


def _update(obj: M, acting_user: User, expected_revision: int | None, fields: dict) -> M:
    """Change a record that carries a ``revision``, refusing an edit made from a stale copy."""
    with transaction.atomic():
        current = type(obj)._default_manager.select_for_update().get(pk=obj.pk)
        _require_writer(acting_user, _locked(current.workstream))  # type: ignore[attr-defined]
        if expected_revision is not None and current.revision != expected_revision:  # type: ignore[attr-defined]
            base = current.history.filter(revision=expected_revision).first()  # type: ignore[attr-defined]
            changes = (
                changes_between(base.instance, current, list(fields)) if base is not None else []
            )
            raise StaleEdit(
                "Someone else changed this while you were editing it. Check what changed, "
                "then make your change again.",
                changes,
            )
        for name, value in fields.items():
            setattr(current, name, value)
        current.revision += 1  # type: ignore[attr-defined]
        return _save(current, acting_user)


def risk_create(*, workstream: Workstream, acting_user: User, **fields: Any) -> Risk:
    _check_owner(workstream, fields)
    return _create(Risk, workstream, acting_user, fields)


def risk_update(
    *, risk: Risk, acting_user: User, expected_revision: int | None = None, **fields: Any
) -> Risk:
    _check_owner(
        risk.workstream,
        {"owner": risk.owner, "classification": risk.classification} | fields,
    )
    return _update(risk, acting_user, expected_revision, fields)


def engagement_entry_create(
    *, workstream: Workstream, acting_user: User, **fields: Any
) -> EngagementEntry:
    return _create(EngagementEntry, workstream, acting_user, fields)


def engagement_entry_update(
    *,
    entry: EngagementEntry,
    acting_user: User,
    expected_revision: int | None = None,
    **fields: Any,
) -> EngagementEntry:
    return _update(entry, acting_user, expected_revision, fields)


# --- Workstream lifecycle ---------------------------------------------------------------------

CLOSED_PROPOSAL_STAGES = CLOSED_STAGES


def _require_admin(acting_user: User, workstream: Workstream) -> None:
    if not policy.is_admin(acting_user, workstream.deal_id):
        raise PermissionDenied("Only an administrator can merge or cease workstreams.")


# What an administrator sets on a workstream directly. Its deal is fixed, its status changes
# only by merging or ceasing, and what it moves through ``workstream_links_set``.
WORKSTREAM_FIELDS = ["theme", "name", "slug", "description", "position", "can_proceed_outside_deal"]


def _check_workstream(acting_user: User, deal_id: int, fields: dict[str, Any]) -> None:
    if not policy.is_admin(acting_user, deal_id):
        raise PermissionDenied("Only an administrator can add or change workstreams.")
    unknown = set(fields) - set(WORKSTREAM_FIELDS)
    if unknown:
        raise ValidationError({name: "This can't be set here" for name in sorted(unknown)})
    theme = fields.get("theme")
    if theme is not None and theme.deal_id != deal_id:
        raise ValidationError({"theme": "Choose a theme of this deal"})


def workstream_create(*, deal: Deal, acting_user: User, **fields: Any) -> Workstream:
    """A new workstream of the deal, active from the start."""
    _check_workstream(acting_user, deal.pk, fields)
    try:
        with transaction.atomic():
            return _save(Workstream(deal=deal, **fields), acting_user)
    except IntegrityError:
        # full_clean() checked the constraints; only a simultaneous save gets here.
        raise TrackerError(
            "Someone else added a workstream with this name at the same moment: check the list."
        ) from None


def workstream_update(*, workstream: Workstream, acting_user: User, **fields: Any) -> Workstream:
    """Change a workstream's name, theme, place in the list, description or mark. A merged or
    ceased workstream may still be corrected: its history keeps each version."""
    _check_workstream(acting_user, workstream.deal_id, fields)
    with transaction.atomic():
        current = _locked(workstream)
        for name, value in fields.items():
            setattr(current, name, value)
        return _save(current, acting_user)


def workstream_merge(*, workstream: Workstream, into: Workstream, acting_user: User) -> Workstream:
    """Merge a workstream into another, in one transaction. Its open work moves to the
    survivor: open proposals, open risks, its engagement plan (each line a standing
    arrangement, except an organisation the survivor's plan already has), and its items on
    agendas not yet held. The survivor gains the missions, metrics and indicators it moved, and
    digests of chosen workstreams that named it name the survivor. Its updates, closed work,
    links, held agendas and history stay with it, and it links to the survivor.
    """
    _require_admin(acting_user, workstream)
    if into.pk == workstream.pk:
        raise ValidationError({"into": "Choose another workstream to merge into"})
    if into.deal_id != workstream.deal_id:
        raise ValidationError({"into": "Choose a workstream of the same deal"})
    with transaction.atomic():
        workstream = Workstream.objects.select_for_update().get(pk=workstream.pk)
        into = Workstream.objects.select_for_update().get(pk=into.pk)
        if workstream.status != Status.ACTIVE:
            raise TrackerError(
                f"{workstream} is already {workstream.get_status_display().lower()}."
            )
        if into.status != Status.ACTIVE:
            raise ValidationError({"into": f"{into} is not active: choose an active workstream"})
        proposals = workstream.proposals.exclude(stage__in=CLOSED_PROPOSAL_STAGES)
        clash = proposals.filter(title__in=into.proposals.values("title")).first()
        if clash:
            raise TrackerError(
                f"{into} already has a proposal called “{clash.title}”: rename one first."
            )
        for proposal in proposals:
            proposal.workstream = into
            _save(proposal, acting_user)
        for risk in workstream.risks.filter(status=RiskStatus.OPEN):
            risk.workstream = into
            risk.revision += 1
            _save(risk, acting_user)
        _merge_engagement_plan(workstream, into, acting_user)
        _merge_agenda_items(workstream, into)
        _merge_links(workstream, into, acting_user)
        workstream.status = Status.MERGED
        workstream.merged_into = into
        _save(workstream, acting_user)
        # Whatever follows the workstream in the apps above (briefings' digests) follows it.
        signals.workstream_merged.send(
            sender=Workstream, merged=workstream, survivor=into, acting_user=acting_user
        )
        # The merged workstream is no longer active: its ask leaves the strategy groups' next
        # agendas, as it would at their next sync.
        agenda_sync_asks(workstream.deal_id)
        return workstream


def _merge_engagement_plan(workstream: Workstream, into: Workstream, acting_user: User) -> None:
    """Each line of the plan is a standing arrangement (who, through what, how often), with no
    end: all are open work and move, but a plan has one line per organisation, so a line for an
    organisation the survivor already engages stays with the merged workstream, as its record."""
    entries = workstream.engagement_entries.exclude(
        organisation__in=into.engagement_entries.values("organisation")
    )
    for entry in entries:
        entry.workstream = into
        entry.revision += 1
        _save(entry, acting_user)


def _merge_agenda_items(workstream: Workstream, into: Workstream) -> None:
    """Items about the workstream on agendas not yet held are business still to come: those
    added by hand and those of its proposals, which have moved, follow to the survivor. Held
    meetings' agendas are fixed. Its generated ask is left to the agenda sync."""
    AgendaItem.objects.filter(workstream=workstream, meeting__status=MeetingStatus.PLANNED).filter(
        Q(generated=False) | Q(proposal__workstream=into)
    ).update(workstream=into)


def _merge_links(workstream: Workstream, into: Workstream, acting_user: User) -> None:
    """The survivor moves what both moved, through the links service and its rules; the merged
    workstream keeps its own links as they were."""
    both = [workstream.pk, into.pk]
    workstream_links_set(
        workstream=into,
        acting_user=acting_user,
        missions=Mission.objects.filter(workstreams__in=both).distinct(),
        metrics=Metric.objects.filter(workstreams__in=both).distinct(),
        indicators=Indicator.objects.filter(workstreams__in=both).distinct(),
    )


def workstream_cease(
    *, workstream: Workstream, acting_user: User, reason: str, ceased_on: dt.date | None = None
) -> Workstream:
    _require_admin(acting_user, workstream)
    if not reason.strip():
        raise ValidationError({"reason": "Enter why the workstream has ceased"})
    with transaction.atomic():
        workstream = Workstream.objects.select_for_update().get(pk=workstream.pk)
        if workstream.status != Status.ACTIVE:
            raise TrackerError(
                f"{workstream} is already {workstream.get_status_display().lower()}."
            )
        workstream.status = Status.CEASED
        workstream.ceased_on = ceased_on or timezone.localdate()
        workstream.ceased_reason = reason
        return _save(workstream, acting_user)
