"""Reads about what the Devolution Strategy Group answers and what meetings agree: the DSG's
answers to the workstreams' asks, and the action log. Every read goes through ``core.policy``
and issues a bounded number of queries, however many rows there are.

An ask is the words of a status update's ``asks_of_dsg``. Updates carry the ask over word for
word from one period to the next, so an update is answered when an answer was recorded to the
same words in its workstream (``answered``); asking something new takes it back to the DSG.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from core.choices import Classification
from core.models import Deal, Organisation

from ..choices import ActionStatus, BodyKind
from ..models import Action, AgendaItem, AskResponse, Meeting, StatusUpdate, Workstream
from .reporting import status_updates_for

if TYPE_CHECKING:
    from .base import AnyUser


def answered() -> Exists:
    """For a queryset of status updates: whether their ask (its words) has been answered."""
    return Exists(
        AskResponse.objects.filter(workstream=OuterRef("workstream"), asked=OuterRef("asks_of_dsg"))
    )


def answered_elsewhere(meeting: Meeting) -> Exists:
    """Whether the updates' asks were answered at a meeting other than this one: an ask answered
    at a meeting stays on that meeting's agenda, and leaves every other."""
    return Exists(
        AskResponse.objects.filter(
            workstream=OuterRef("workstream"), asked=OuterRef("asks_of_dsg")
        ).exclude(meeting=meeting)
    )


def ask_responses_for(user: AnyUser) -> QuerySet[AskResponse]:
    return AskResponse.objects.visible_to(user).select_related(
        "workstream", "meeting__body", "recorded_by", "status_update"
    )


def answer_to(user: AnyUser, update: StatusUpdate | None) -> AskResponse | None:
    """The DSG's answer to the update's ask, if it has one the person may see (one query)."""
    if update is None or not update.asks_of_dsg.strip():
        return None
    return (
        ask_responses_for(user)
        .filter(workstream_id=update.workstream_id, asked=update.asks_of_dsg)
        .first()
    )


def workstream_answers(user: AnyUser, workstream: Workstream) -> list[AskResponse]:
    """Every answer the DSG gave the workstream's asks, newest first (one query)."""
    return list(ask_responses_for(user).filter(workstream=workstream))


@dataclass
class AskLine:
    """An ask on a meeting's agenda: the update that carries it, the answer given at this
    meeting (if any) and the workstream's earlier answers."""

    item: AgendaItem
    update: StatusUpdate | None
    answer: AskResponse | None
    earlier: list[AskResponse] = field(default_factory=list)


def meeting_asks(user: AnyUser, meeting: Meeting) -> list[AskLine]:
    """The asks on the meeting's agenda the person may see, with the answers (four queries).

    The update is the one answered at this meeting if the ask was answered here, otherwise the
    workstream's newest update the person may see that asks something."""
    if meeting.body.kind != BodyKind.STRATEGY_GROUP:
        return []
    items = list(
        AgendaItem.objects.visible_to(user)
        .filter(meeting=meeting, generated=True, proposal__isnull=True, workstream__isnull=False)
        .select_related("workstream")
        .order_by("position", "pk")
    )
    if not items:
        return []
    workstream_ids = [i.workstream_id for i in items if i.workstream_id is not None]
    answers = list(
        ask_responses_for(user).filter(workstream_id__in=workstream_ids).order_by("-recorded_at")
    )
    here = {a.workstream_id: a for a in answers if a.meeting_id == meeting.pk}
    newest = (
        status_updates_for(user)
        .filter(workstream_id__in=workstream_ids)
        .exclude(asks_of_dsg="")
        .order_by("workstream_id", "-period_start", "-version")
    )
    current: dict[int, StatusUpdate] = {}
    for newer in newest.select_related("workstream"):
        current.setdefault(newer.workstream_id, newer)
    lines = []
    for item in items:
        workstream_id = item.workstream_id or 0
        answer = here.get(workstream_id)
        update = answer.status_update if answer else current.get(workstream_id)
        earlier = [a for a in answers if a.workstream_id == item.workstream_id and a is not answer]
        lines.append(AskLine(item=item, update=update, answer=answer, earlier=earlier))
    return lines


# --- Actions ----------------------------------------------------------------------------------

ACTION_STATUS_FILTERS = ("all", *ActionStatus.values)


def actions_for(user: AnyUser) -> QuerySet[Action]:
    return Action.objects.visible_to(user).select_related(
        "meeting__body", "agenda_item", "owner_user", "owner_organisation", "closed_by"
    )


def meeting_actions(user: AnyUser, meeting: Meeting) -> list[Action]:
    """The actions agreed at the meeting, by due date (one query)."""
    return list(actions_for(user).filter(meeting=meeting).order_by("due_on", "pk"))


def open_actions_before(user: AnyUser, meeting: Meeting) -> list[Action]:
    """The body's actions still open that earlier meetings agreed: what its next meeting
    follows up (one query)."""
    return list(
        actions_for(user)
        .filter(
            meeting__body_id=meeting.body_id,
            meeting__starts_at__lt=meeting.starts_at,
            status=ActionStatus.OPEN,
        )
        .order_by("due_on", "pk")
    )


def open_actions_up_to(user: AnyUser, meeting: Meeting) -> list[Action]:
    """The body's actions still open that this meeting or earlier ones agreed: the briefing
    pack's list (one query)."""
    return list(
        actions_for(user)
        .filter(
            meeting__body_id=meeting.body_id,
            meeting__starts_at__lte=meeting.starts_at,
            status=ActionStatus.OPEN,
        )
        .order_by("due_on", "pk")
    )


@dataclass(frozen=True)
class ActionFilters:
    status: str = ActionStatus.OPEN
    body: str = ""
    owner: str = ""  # "user-<id>", "organisation-<id>" or empty


def action_log(user: AnyUser, deal: Deal, filters: ActionFilters) -> list[Action]:
    """The deal's actions the person may see, filtered, by due date (one query)."""
    actions = actions_for(user).filter(meeting__body__deal=deal)
    if filters.status in ActionStatus.values:
        actions = actions.filter(status=filters.status)
    if filters.body:
        actions = actions.filter(meeting__body__slug=filters.body)
    kind, _, pk = filters.owner.partition("-")
    if pk.isdigit():
        if kind == "user":
            actions = actions.filter(owner_user_id=int(pk))
        elif kind == "organisation":
            actions = actions.filter(owner_organisation_id=int(pk))
    return list(actions.order_by("due_on", "pk"))


def action_owner_choices(deal: Deal) -> list[tuple[str, str]]:
    """Who may own a deal's action, as ``("user-<id>" or "organisation-<id>", name)``: the
    people with a role in the deal, then the organisations (two queries)."""
    from accounts.models import User

    people = (
        User.objects.filter(memberships__deal=deal, is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )
    organisations = Organisation.objects.order_by("name")
    return [(f"user-{p.pk}", p.full_name or p.email) for p in people] + [
        (f"organisation-{o.pk}", str(o)) for o in organisations
    ]


def overdue_open_actions(today: dt.date | None = None) -> QuerySet[Action]:
    """Every deal's open actions past their due date, for the reminders."""
    today = today or timezone.localdate()
    return Action.objects.filter(status=ActionStatus.OPEN, due_on__lt=today).select_related(
        "meeting__body__deal", "owner_user", "owner_organisation"
    )


def is_overdue(action: Action, today: dt.date | None = None) -> bool:
    today = today or timezone.localdate()
    return action.status == ActionStatus.OPEN and action.due_on < today


def any_sensitive(lines: list[AskLine], actions: list[Action]) -> bool:
    """Whether asks, answers or actions (already filtered for the person) hold any
    OFFICIAL-SENSITIVE material, for a document's marking."""
    sensitive = Classification.OFFICIAL_SENSITIVE
    return any(
        (line.update is not None and line.update.classification == sensitive)
        or line.item.classification == sensitive
        or any(a.classification == sensitive for a in line.earlier)
        for line in lines
    ) or any(a.classification == sensitive for a in actions)
