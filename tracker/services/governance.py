"""Running the governance: meetings and their agendas, the composite Proposition and the
deal's milestones. All of it is for administrators (``policy.can_run_governance``).

An agenda is kept in step with what awaits its body: the next planned meeting of each body lists
every proposal awaiting that body and, for a strategy group (the Devolution Strategy Group), the
asks of it in the workstreams' current updates. Those items are ``generated``; the secretariat
adds others by hand. Once a meeting is held its agenda stays as it was; once it is closed, its
record and decisions are locked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from core import policy
from core.changes import changes_between
from core.choices import Classification
from core.errors import StaleEdit
from core.models import Deal

from .. import freshness
from ..choices import (
    BodyKind,
    MeetingStatus,
    MilestoneStatus,
    ProposalStage,
    PropositionStatus,
    WorkstreamStatus,
)
from ..models import (
    AgendaItem,
    GovernanceBody,
    Meeting,
    Milestone,
    Proposal,
    PropositionItem,
    PropositionVersion,
    StatusUpdate,
)
from ..selectors.asks import answered_elsewhere
from ..selectors.governance import chain_of, next_meeting, proposition_proposals
from .base import TrackerError, _save

if TYPE_CHECKING:
    from accounts.models import User

MEETING_FIELDS = ["starts_at", "ends_at", "location", "minutes", "classification", "attendees"]
MEETING_STEPS: dict[str, str] = {
    MeetingStatus.PLANNED: MeetingStatus.HELD,
    MeetingStatus.HELD: MeetingStatus.CLOSED,
}
ASK_TITLE_LENGTH = 280


def _require_admin(acting_user: User, deal_id: int, what: str) -> None:
    if not policy.can_run_governance(acting_user, deal_id):
        raise PermissionDenied(f"Only an administrator can {what}.")


# --- Meetings ---------------------------------------------------------------------------------


def _check_meeting_fields(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(MEETING_FIELDS)
    if unknown:
        raise ValidationError({name: "This can't be set here" for name in sorted(unknown)})
    starts_at, ends_at = fields.get("starts_at"), fields.get("ends_at")
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": "The meeting must end after it starts"})


def _refuse_clash(body: GovernanceBody, starts_at: dt.datetime, meeting_pk: int | None) -> None:
    clashes = Meeting.objects.filter(body=body, starts_at=starts_at)
    if meeting_pk is not None:
        clashes = clashes.exclude(pk=meeting_pk)
    if clashes.exists():
        raise ValidationError({"starts_at": f"{body} already has a meeting at that time"})


def meeting_create(
    *, body: GovernanceBody, acting_user: User, starts_at: dt.datetime, **fields: Any
) -> Meeting:
    _require_admin(acting_user, body.deal_id, "arrange meetings")
    fields = {"starts_at": starts_at, **fields}
    _check_meeting_fields(fields)
    attendees = fields.pop("attendees", None)
    try:
        with transaction.atomic():
            _refuse_clash(body, starts_at, None)
            meeting = _save(Meeting(body=body, **fields), acting_user)
            if attendees is not None:
                meeting.attendees.set(attendees)
            agenda_sync(body)
            return meeting
    except IntegrityError:
        raise ValidationError({"starts_at": f"{body} already has a meeting at that time"}) from None


def _locked_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)


def meeting_update(
    *,
    meeting: Meeting,
    acting_user: User,
    expected_revision: int | None = None,
    **fields: Any,
) -> Meeting:
    """Change a meeting's time, place, record or attendance; a closed meeting is locked."""
    _require_admin(acting_user, meeting.body.deal_id, "change meetings")
    _check_meeting_fields({"starts_at": meeting.starts_at, "ends_at": meeting.ends_at} | fields)
    with transaction.atomic():
        current = _locked_meeting(meeting)
        if current.status == MeetingStatus.CLOSED:
            raise TrackerError(f"The {current} meeting is closed: its record is locked.")
        if expected_revision is not None and current.revision != expected_revision:
            base = current.history.filter(revision=expected_revision).first()
            names = [n for n in fields if n != "attendees"]
            raise StaleEdit(
                "Someone else changed this meeting while you were editing it. Check what "
                "changed, then make your change again.",
                changes_between(base.instance, current, names) if base else [],
            )
        attendees = fields.pop("attendees", None)
        if "starts_at" in fields:
            _refuse_clash(current.body, fields["starts_at"], current.pk)
        for name, value in fields.items():
            setattr(current, name, value)
        current.revision += 1
        try:
            with transaction.atomic():
                _save(current, acting_user)
        except IntegrityError:
            raise ValidationError(
                {"starts_at": f"{current.body} already has a meeting at that time"}
            ) from None
        if attendees is not None:
            current.attendees.set(attendees)
        agenda_sync(current.body)
        return current


def meeting_advance(*, meeting: Meeting, acting_user: User, status: str) -> Meeting:
    """Planned → held → closed. Holding a meeting fixes its agenda; closing it locks its record
    and its decisions."""
    _require_admin(acting_user, meeting.body.deal_id, "change a meeting's status")
    with transaction.atomic():
        current = _locked_meeting(meeting)
        if MEETING_STEPS.get(current.status) != status:
            raise TrackerError(
                f"The {current} meeting is {current.get_status_display().lower()}: a meeting "
                "goes from planned to held to closed."
            )
        if status == MeetingStatus.HELD and current.starts_at > timezone.now():
            raise TrackerError(f"The {current} meeting has not started yet.")
        current.status = status
        current.revision += 1
        _save(current, acting_user)
        agenda_sync(current.body)
        return current


# --- Agendas ----------------------------------------------------------------------------------


def _current_asks(body: GovernanceBody, meeting: Meeting) -> list[StatusUpdate]:
    """The workstreams' current updates that ask something of the body (a strategy group) and
    that it has not answered, or answered at this meeting (where the ask stays)."""
    if body.kind != BodyKind.STRATEGY_GROUP:
        return []
    newest = (
        StatusUpdate.objects.filter(workstream=OuterRef("workstream"))
        .order_by("-period_start", "-version")
        .values("pk")[:1]
    )
    return list(
        StatusUpdate.objects.filter(
            workstream__deal_id=body.deal_id,
            workstream__status=WorkstreamStatus.ACTIVE,
            pk=Subquery(newest),
        )
        .exclude(asks_of_dsg="")
        .exclude(answered_elsewhere(meeting))
        .select_related("workstream")
        .order_by("workstream__position")
    )


def agenda_sync(body: GovernanceBody) -> Meeting | None:
    """Bring the generated items of the body's next planned meeting in step with what awaits
    the body; the body's later planned meetings have none until they are next (a meeting moved
    later gives its items up). Items added by hand are left alone. Returns the meeting, if there
    is one."""
    meeting = next_meeting(body)
    if meeting is None:
        return None
    AgendaItem.objects.filter(
        meeting__body=body,
        meeting__status=MeetingStatus.PLANNED,
        meeting__starts_at__gt=meeting.starts_at,
        generated=True,
    ).delete()
    awaiting = list(
        Proposal.objects.filter(awaiting_body=body, stage=ProposalStage.IN_GOVERNANCE)
        .select_related("workstream")
        .order_by("workstream__position", "title")
    )
    asks = _current_asks(body, meeting)
    items = list(meeting.agenda_items.filter(generated=True))
    keep_proposals = {p.pk for p in awaiting}
    keep_asks = {u.workstream_id: u for u in asks}
    stale = [
        i.pk
        for i in items
        if (i.proposal_id and i.proposal_id not in keep_proposals)
        or (not i.proposal_id and i.workstream_id not in keep_asks)
    ]
    AgendaItem.objects.filter(pk__in=stale).delete()
    have_proposals = {i.proposal_id for i in items if i.proposal_id}
    have_asks = {i.workstream_id: i for i in items if not i.proposal_id and i.pk not in stale}
    position = (meeting.agenda_items.aggregate(top=Max("position"))["top"] or 0) + 1
    new = []
    for proposal in awaiting:
        if proposal.pk not in have_proposals:
            new.append(
                AgendaItem(
                    meeting=meeting,
                    position=position,
                    title=f"Proposal: {proposal.title}",
                    proposal=proposal,
                    workstream=proposal.workstream,
                    classification=proposal.classification,
                    generated=True,
                )
            )
            position += 1
    for workstream_id, update in keep_asks.items():
        title = f"Ask from {update.workstream}: {update.asks_of_dsg}"[:ASK_TITLE_LENGTH]
        item = have_asks.get(workstream_id)
        if item is not None:
            if (item.title, item.classification) != (title, update.classification):
                item.title, item.classification = title, update.classification
                item.save(update_fields=["title", "classification"])
            continue
        new.append(
            AgendaItem(
                meeting=meeting,
                position=position,
                title=title,
                workstream_id=workstream_id,
                classification=update.classification,
                generated=True,
            )
        )
        position += 1
    if new:
        AgendaItem.objects.bulk_create(new)
        # Written in bulk, past the signals: the pages that show agendas are told here.
        deal_id = meeting.body.deal_id
        for topic in {item.freshness_topic for item in new}:
            transaction.on_commit(
                lambda topic=topic: freshness.data_changed(deal_id, topic)  # type: ignore[misc]
            )
    return meeting


def agenda_sync_asks(deal_id: int) -> None:
    """After a workstream's update changes, the strategy groups' next agendas follow it."""
    for body in GovernanceBody.objects.filter(deal_id=deal_id, kind=BodyKind.STRATEGY_GROUP):
        agenda_sync(body)


def agenda_item_add(
    *,
    meeting: Meeting,
    acting_user: User,
    title: str,
    notes: str = "",
    classification: str = Classification.OFFICIAL,
    workstream: Any = None,
) -> AgendaItem:
    _require_admin(acting_user, meeting.body.deal_id, "change agendas")
    if not title.strip():
        raise ValidationError({"title": "Enter the item's title"})
    if workstream is not None and workstream.deal_id != meeting.body.deal_id:
        raise ValidationError({"workstream": "Choose a workstream of this deal"})
    with transaction.atomic():
        current = _locked_meeting(meeting)
        if current.status != MeetingStatus.PLANNED:
            raise TrackerError(f"The {current} meeting has been held: its agenda is fixed.")
        top = current.agenda_items.aggregate(top=Max("position"))["top"] or 0
        item = AgendaItem(
            meeting=current,
            position=top + 1,
            title=title,
            notes=notes,
            classification=classification,
            workstream=workstream,
        )
        item.full_clean()
        item.save()
        return item


def agenda_item_remove(*, item: AgendaItem, acting_user: User) -> None:
    """Remove an item added by hand; generated items follow what awaits the body."""
    _require_admin(acting_user, item.meeting.body.deal_id, "change agendas")
    with transaction.atomic():
        current = _locked_meeting(item.meeting)
        if current.status != MeetingStatus.PLANNED:
            raise TrackerError(f"The {current} meeting has been held: its agenda is fixed.")
        if item.generated:
            raise TrackerError(
                "This item is on the agenda because it awaits the body: it leaves when it is "
                "decided or withdrawn."
            )
        item.delete()


# --- The Proposition --------------------------------------------------------------------------


def proposition_version_create(
    *, deal: Deal, acting_user: User, title: str | None = None, introduction: str = ""
) -> PropositionVersion:
    """A new version of the Proposition: the endorsed proposals as they stand now. Its title is
    the deal's name for its Proposition unless another is given."""
    if title is None:
        title = deal.proposition_name
    _require_admin(acting_user, deal.pk, "make a version of the Proposition")
    if not title.strip():
        raise ValidationError({"title": "Enter a title"})
    with transaction.atomic():
        Deal.objects.select_for_update().get(pk=deal.pk)
        proposals = proposition_proposals(deal)
        if not proposals:
            raise TrackerError(
                "No proposal has been endorsed by the last body in the chain yet: the "
                "Proposition is made of endorsed proposals."
            )
        top = deal.proposition_versions.aggregate(top=Max("number"))["top"] or 0
        version = PropositionVersion(
            deal=deal,
            number=top + 1,
            title=title,
            introduction=introduction,
            created_by=acting_user,
        )
        version.full_clean()
        version.save()
        PropositionItem.objects.bulk_create(
            proposition_item_snapshot(version, position, p)
            for position, p in enumerate(proposals, start=1)
        )
        return version


def proposition_item_snapshot(
    version: PropositionVersion, position: int, proposal: Proposal
) -> PropositionItem:
    """The proposal as it stands, copied into a version of the Proposition (unsaved)."""
    return PropositionItem(
        version=version,
        proposal=proposal,
        position=position,
        theme_name=proposal.workstream.theme.name,
        workstream_name=proposal.workstream.name,
        title=proposal.title,
        ask_type=proposal.ask_type,
        ask=proposal.ask,
        challenge=proposal.challenge,
        prize=proposal.prize,
        estimated_value=proposal.estimated_value,
        departments="; ".join(str(d) for d in proposal.departments.all()),
        missions="; ".join(f"Mission {m.number}" for m in proposal.missions.all()),
        classification=proposal.classification,
    )


def proposition_approve(
    *,
    version: PropositionVersion,
    acting_user: User,
    approved_on: dt.date | None = None,
    meeting: Meeting | None = None,
) -> PropositionVersion:
    """Record the last body's (the authority's Board's) approval of the newest version; the version
    approved before it is superseded."""
    _require_admin(acting_user, version.deal_id, "record the Proposition's approval")
    chain = chain_of(version.deal_id)
    if not chain:
        raise TrackerError("This deal has no governance chain: no body can approve it.")
    board = chain[-1]
    if meeting is not None:
        if meeting.body_id != board.pk:
            raise ValidationError({"meeting": f"Choose a meeting of {board}"})
        if meeting.starts_at > timezone.now():
            raise TrackerError(f"The {meeting} meeting has not happened yet.")
    with transaction.atomic():
        current = PropositionVersion.objects.select_for_update().get(pk=version.pk)
        if current.status != PropositionStatus.DRAFT:
            raise TrackerError(
                f"Version {current.number} is {current.get_status_display().lower()}."
            )
        newest = current.deal.proposition_versions.aggregate(top=Max("number"))["top"]
        if newest != current.number:
            raise TrackerError(
                f"Version {newest} is newer: approve the newest version of the Proposition."
            )
        PropositionVersion.objects.filter(
            deal_id=current.deal_id, status=PropositionStatus.APPROVED
        ).update(status=PropositionStatus.SUPERSEDED)
        current.status = PropositionStatus.APPROVED
        current.approved_by = board
        current.approved_at = meeting
        current.approved_on = approved_on or (
            timezone.localdate(meeting.starts_at) if meeting else timezone.localdate()
        )
        current.full_clean()
        current.save()
        return current


# --- Milestones -------------------------------------------------------------------------------

MILESTONE_FIELDS = ["title", "when_label", "starts_on", "ends_on", "status", "notes", "depends_on"]


def _depends_on_loop(milestone: Milestone, depends_on: Iterable[Milestone]) -> bool:
    """Would these dependencies make the milestone depend on itself?"""
    through = Milestone.depends_on.through
    edges: dict[int, set[int]] = {}
    for source, target in through.objects.filter(
        from_milestone__deal_id=milestone.deal_id
    ).values_list("from_milestone_id", "to_milestone_id"):
        edges.setdefault(source, set()).add(target)
    edges[milestone.pk] = {m.pk for m in depends_on}
    seen, todo = set(), list(edges[milestone.pk])
    while todo:
        node = todo.pop()
        if node == milestone.pk:
            return True
        if node not in seen:
            seen.add(node)
            todo.extend(edges.get(node, ()))
    return False


def milestone_create(
    *,
    deal: Deal,
    acting_user: User,
    title: str,
    when_label: str,
    starts_on: dt.date,
    ends_on: dt.date,
    **fields: Any,
) -> Milestone:
    """A new milestone on the deal's timeline; its status and dependencies follow the rules of
    ``milestone_update``."""
    _require_admin(acting_user, deal.pk, "change milestones")
    with transaction.atomic():
        milestone = _save(
            Milestone(
                deal=deal, title=title, when_label=when_label, starts_on=starts_on, ends_on=ends_on
            ),
            acting_user,
        )
        return milestone_update(milestone=milestone, acting_user=acting_user, **fields)


def milestone_update(*, milestone: Milestone, acting_user: User, **fields: Any) -> Milestone:
    """Change a milestone. It is done only once everything it depends on is done."""
    _require_admin(acting_user, milestone.deal_id, "change milestones")
    unknown = set(fields) - set(MILESTONE_FIELDS)
    if unknown:
        raise ValidationError({name: "This can't be set here" for name in sorted(unknown)})
    depends_on = fields.pop("depends_on", None)
    with transaction.atomic():
        current = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if depends_on is not None:
            depends_on = list(depends_on)
            if any(m.deal_id != current.deal_id or m.pk == current.pk for m in depends_on):
                raise ValidationError({"depends_on": "Choose other milestones of this deal"})
            if _depends_on_loop(current, depends_on):
                raise ValidationError(
                    {"depends_on": "That would make the milestone depend on itself"}
                )
        for name, value in fields.items():
            setattr(current, name, value)
        _save(current, acting_user)
        if depends_on is not None:
            current.depends_on.set(depends_on)
        if current.status == MilestoneStatus.DONE:
            waiting = [str(m) for m in current.depends_on.exclude(status=MilestoneStatus.DONE)]
            if waiting:
                raise TrackerError(
                    f"“{current.title}” depends on milestones that are not done yet: "
                    + "; ".join(waiting)
                    + "."
                )
        return current
