"""What a meeting answers and agrees: the Devolution Strategy Group's answer to a workstream's
ask, and the meeting's actions. Both are for whoever may run the deal's governance
(``policy.can_run_governance``), recorded at a meeting that has started and is not closed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import policy
from core.choices import Classification
from core.models import Organisation

from ..choices import ActionStatus, AskOutcome, BodyKind, MeetingStatus
from ..models import Action, AgendaItem, AskResponse, Meeting, StatusUpdate
from .base import TrackerError, _save
from .governance import agenda_sync

if TYPE_CHECKING:
    from accounts.models import User


def _require_admin(acting_user: User, meeting: Meeting, what: str) -> None:
    if not policy.can_run_governance(acting_user, meeting.body.deal_id):
        raise PermissionDenied(f"Only an administrator can {what}.")


def _check_meeting_open(meeting: Meeting) -> Meeting:
    current = (
        Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)
    )
    if current.status == MeetingStatus.CLOSED:
        raise TrackerError(f"The {current} meeting is closed: its record is locked.")
    if current.starts_at > timezone.now():
        raise TrackerError(f"The {current} meeting has not happened yet.")
    return current


def _check_item(item: AgendaItem | None, meeting: Meeting) -> None:
    if item is not None and item.meeting_id != meeting.pk:
        raise ValidationError({"agenda_item": "Choose an item on this meeting's agenda"})


# --- The DSG's answers to asks ----------------------------------------------------------------


def ask_answer(
    *,
    status_update: StatusUpdate,
    meeting: Meeting,
    acting_user: User,
    outcome: str,
    response: str,
    agenda_item: AgendaItem | None = None,
) -> AskResponse:
    """Record the strategy group's answer to the ask in the update, at one of its meetings. The
    ask then leaves the group's list and its next agenda until the workstream asks something
    new."""
    _require_admin(acting_user, meeting, "record the DSG's answer to an ask")
    errors: dict[str, str] = {}
    if outcome not in AskOutcome.values:
        errors["outcome"] = "Choose whether the ask was agreed, declined or noted"
    if not response.strip():
        errors["response"] = "Enter the DSG's answer"
    if errors:
        raise ValidationError(errors)
    if meeting.body.kind != BodyKind.STRATEGY_GROUP:
        raise ValidationError(
            {"meeting": f"Asks are answered by the strategy group, not {meeting.body}"}
        )
    if status_update.workstream.deal_id != meeting.body.deal_id:
        raise ValidationError({"status_update": "Choose an update of this deal"})
    if not status_update.asks_of_dsg.strip():
        raise ValidationError({"status_update": "This update asks nothing of the DSG"})
    _check_item(agenda_item, meeting)
    with transaction.atomic():
        current = _check_meeting_open(meeting)
        earlier = (
            AskResponse.objects.filter(
                workstream_id=status_update.workstream_id, asked=status_update.asks_of_dsg
            )
            .select_related("meeting__body")
            .first()
        )
        if earlier is not None:
            raise TrackerError(
                f"The DSG already answered this ask at the {earlier.meeting} meeting "
                f"({earlier.get_outcome_display().lower()})."
            )
        answer = AskResponse(
            status_update=status_update,
            workstream_id=status_update.workstream_id,
            asked=status_update.asks_of_dsg,
            meeting=current,
            agenda_item=agenda_item,
            outcome=outcome,
            response=response.strip(),
            classification=status_update.classification,
            recorded_by=acting_user,
        )
        try:
            with transaction.atomic():
                _save(answer, acting_user)
        except IntegrityError:
            raise TrackerError("The DSG already answered this ask.") from None
        agenda_sync(current.body)
        return answer


# --- Actions ----------------------------------------------------------------------------------


def _check_owner(
    owner_user: User | None,
    owner_organisation: Organisation | None,
    deal_id: int,
    classification: str,
) -> None:
    if (owner_user is None) == (owner_organisation is None):
        raise ValidationError({"owner": "Choose who owns the action: a person or an organisation"})
    if owner_user is not None:
        refusal = policy.owner_refusal(owner_user, deal_id, classification)
        if refusal:
            raise ValidationError({"owner": refusal})


def action_create(
    *,
    meeting: Meeting,
    acting_user: User,
    description: str,
    due_on: dt.date,
    owner_user: User | None = None,
    owner_organisation: Organisation | None = None,
    agenda_item: AgendaItem | None = None,
    classification: str = Classification.OFFICIAL,
) -> Action:
    """An action the meeting agreed, open until it is closed as done or dropped."""
    _require_admin(acting_user, meeting, "record a meeting's actions")
    if not description.strip():
        raise ValidationError({"description": "Say what the action is"})
    if classification not in Classification.values:
        raise ValidationError({"classification": "Choose the action's marking"})
    _check_owner(owner_user, owner_organisation, meeting.body.deal_id, classification)
    _check_item(agenda_item, meeting)
    with transaction.atomic():
        current = _check_meeting_open(meeting)
        return _save(
            Action(
                meeting=current,
                agenda_item=agenda_item,
                description=description.strip(),
                owner_user=owner_user,
                owner_organisation=owner_organisation,
                due_on=due_on,
                classification=classification,
                created_by=acting_user,
            ),
            acting_user,
        )


def action_close(*, action: Action, acting_user: User, status: str, note: str = "") -> Action:
    """Close an open action as done or dropped, recording when and by whom."""
    _require_admin(acting_user, action.meeting, "close a meeting's actions")
    if status not in (ActionStatus.DONE, ActionStatus.DROPPED):
        raise ValidationError({"status": "Choose done or dropped"})
    with transaction.atomic():
        current = Action.objects.select_for_update().get(pk=action.pk)
        if current.status != ActionStatus.OPEN:
            raise TrackerError(f"This action is already {current.get_status_display().lower()}.")
        current.status = status
        current.closing_note = note.strip()
        current.closed_at = timezone.now()
        current.closed_by = acting_user
        return _save(current, acting_user)
