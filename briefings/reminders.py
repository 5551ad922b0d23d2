"""Reminders: a lead's update due in two days or overdue, a sponsor's weekly overdue list, and
a meeting's action past its due date (once, to its owner).
A workstream's delivery reports on its provisions keep the same rhythm: a reminder names the
update, the provisions without their report, or both.

Each reminder is a ``Delivery`` whose key names the person, the workstream and the reporting
period (or, for a sponsor, the ISO week), so each goes out once whatever runs the tick; it is
sent by ``sending.deliver`` like a digest. What a reminder says is worked out when it is sent:
one that has become pointless meanwhile (the update was posted, the person no longer leads the
workstream, nothing is overdue any more) is recorded as skipped.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from core import policy
from core.choices import Role
from core.models import Membership
from delivery.models import Provision
from delivery.selectors import unreported_provisions
from tracker.choices import WorkstreamStatus
from tracker.models import Action, Workstream
from tracker.periods import Period, deal_period
from tracker.selectors.asks import overdue_open_actions
from tracker.selectors.reporting import ReportingState, reporting_state

from .choices import DeliveryKind
from .emails import absolute, build_message
from .models import Delivery
from .schedule import UK

# Reminders are written from this time of day (UK), so nobody is emailed at midnight.
REMINDER_TIME = dt.time(8, 0)
DUE_SOON_DAYS = 2
TEMPLATES: dict[str, str] = {
    DeliveryKind.UPDATE_DUE: "reminder-due",
    DeliveryKind.UPDATE_OVERDUE: "reminder-overdue",
    DeliveryKind.SPONSOR_OVERDUE: "sponsor-overdue",
    DeliveryKind.ACTION_OVERDUE: "action-overdue",
}


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, REMINDER_TIME).replace(tzinfo=UK)


def _period_of(delivery: Delivery, workstream: Workstream) -> Period:
    assert delivery.period_start is not None
    return deal_period(workstream.deal, delivery.period_start.astimezone(UK).date())


def _workstreams() -> QuerySet[Workstream]:
    """Active workstreams with what ``reporting_state`` needs, in one query."""
    return (
        Workstream.objects.filter(status=WorkstreamStatus.ACTIVE)
        .select_related("deal", "theme")
        .annotate(last_reported_start=Max("status_updates__period_start"))
        .order_by("theme__position", "position", "pk")
    )


def _holders(role: str) -> QuerySet[Membership]:
    return Membership.objects.filter(
        role=role, user__is_active=True, workstream__status=WorkstreamStatus.ACTIVE
    ).select_related("user")


# --- Claiming --------------------------------------------------------------------------------


def claim_reminders(now: dt.datetime | None = None) -> list[int]:
    """Write the reminders now due that were not written before; return their ids.

    Eight queries whatever the number of workstreams, actions and people, and one insert.
    """
    now = now or timezone.now()
    local = now.astimezone(UK)
    if local.time() < REMINDER_TIME:
        return []
    today = local.date()
    workstreams = {ws.pk: ws for ws in _workstreams()}
    states = {pk: reporting_state(ws, today) for pk, ws in workstreams.items()}
    # A workstream's provisions are reported on in the same rhythm: one whose delivery
    # reports are missing is as overdue (or due) as one whose update is.
    late = unreported_provisions({pk: s.last_due.start for pk, s in states.items()})
    due = unreported_provisions({pk: s.period.start for pk, s in states.items()})
    wanted = list(_lead_reminders(workstreams, states, today, late, due))
    wanted += _sponsor_reminders(states, today, late)
    wanted += _action_reminders(today)
    return _create(wanted)


def _lead_reminders(
    workstreams: dict[int, Workstream],
    states: dict[int, ReportingState],
    today: dt.date,
    late: Mapping[int, list[Provision]],
    due: Mapping[int, list[Provision]],
) -> Iterable[Delivery]:
    for membership in _holders(Role.LEAD):
        state = states.get(membership.workstream_id)  # type: ignore[arg-type]
        if state is None:
            continue
        user, ws = membership.user, workstreams[membership.workstream_id]  # type: ignore[index]
        if state.overdue or late.get(ws.pk):
            last = state.last_due
            became_due = last.due_on + dt.timedelta(days=1)
            yield _reminder(DeliveryKind.UPDATE_OVERDUE, user, ws, last, became_due)
        days_left = (state.period.due_on - today).days
        outstanding = not state.reported_this_period or due.get(ws.pk)
        if outstanding and 0 <= days_left <= DUE_SOON_DAYS:
            current = state.period
            became_due = current.due_on - dt.timedelta(days=DUE_SOON_DAYS)
            yield _reminder(DeliveryKind.UPDATE_DUE, user, ws, current, became_due)


def _reminder(kind: str, user: User, ws: Workstream, period: Period, day: dt.date) -> Delivery:
    """A lead's reminder about a period; its slot is 08:00 on the day it became due."""
    slot = _at(day)
    return Delivery(
        kind=kind,
        key=f"{kind}:{ws.pk}:{period.start.isoformat()}:{user.pk}",
        recipient=user,
        workstream=ws,
        email=user.email,
        slot=slot,
        period_start=_at(period.start),
        period_end=_at(period.end),
    )


def _sponsor_reminders(
    states: dict[int, ReportingState], today: dt.date, late: Mapping[int, list[Provision]]
) -> list[Delivery]:
    overdue_by_sponsor: dict[int, User] = {}
    for membership in _holders(Role.SPONSOR):
        state = states.get(membership.workstream_id)  # type: ignore[arg-type]
        if state is not None and (state.overdue or late.get(membership.workstream_id)):  # type: ignore[arg-type]
            overdue_by_sponsor[membership.user_id] = membership.user
    monday = today - dt.timedelta(days=today.weekday())
    year, week, _ = monday.isocalendar()
    return [
        Delivery(
            kind=DeliveryKind.SPONSOR_OVERDUE,
            key=f"{DeliveryKind.SPONSOR_OVERDUE}:{year}-W{week:02d}:{user.pk}",
            recipient=user,
            email=user.email,
            slot=_at(monday),
            period_start=_at(monday),
            period_end=_at(monday + dt.timedelta(days=7)),
        )
        for user in overdue_by_sponsor.values()
    ]


def _action_owners(actions: list[Action]) -> dict[int, list[User]]:
    """Whom each action's reminder goes to, by action id (one query): its owner, or for an
    organisation the active people of that organisation with a role in the action's deal."""
    wanted_orgs = {(a.meeting.body.deal_id, a.owner_organisation_id) for a in actions}
    by_org: dict[tuple[int, int], dict[int, User]] = defaultdict(dict)
    if any(org for _, org in wanted_orgs):
        memberships = Membership.objects.filter(
            deal_id__in={deal for deal, org in wanted_orgs if org},
            user__organisation_id__in={org for _, org in wanted_orgs if org},
            user__is_active=True,
        ).select_related("user")
        for m in memberships:
            by_org[(m.deal_id, m.user.organisation_id)][m.user_id] = m.user  # type: ignore[index]
    owners: dict[int, list[User]] = {}
    for action in actions:
        if action.owner_user is not None:
            owners[action.pk] = [action.owner_user] if action.owner_user.is_active else []
        else:
            key = (action.meeting.body.deal_id, action.owner_organisation_id or 0)
            owners[action.pk] = list(by_org.get(key, {}).values())
    return owners


def _action_reminders(today: dt.date) -> list[Delivery]:
    """One reminder to each owner of each open action past its due date; the key names the
    action and the person, so each is written once however often the tick runs (two queries)."""
    actions = list(overdue_open_actions(today))
    owners = _action_owners(actions)
    return [
        Delivery(
            kind=DeliveryKind.ACTION_OVERDUE,
            key=f"{DeliveryKind.ACTION_OVERDUE}:{action.pk}:{user.pk}",
            recipient=user,
            action=action,
            email=user.email,
            slot=_at(action.due_on + dt.timedelta(days=1)),
        )
        for action in actions
        for user in owners[action.pk]
        if policy.can_see_record(user, action.meeting.body.deal_id, action.classification)
    ]


def _create(wanted: list[Delivery]) -> list[int]:
    if not wanted:
        return []
    existing = set(
        Delivery.objects.filter(key__in=[d.key for d in wanted]).values_list("key", flat=True)
    )
    new = [d for d in wanted if d.key not in existing]
    if not new:
        return []
    try:
        with transaction.atomic():
            created = Delivery.objects.bulk_create(new)
    except IntegrityError:
        # A concurrent tick wrote (some of) them first: it sends them; the next tick writes any
        # that remain.
        return []
    return [d.pk for d in created]


# --- What a reminder says --------------------------------------------------------------------


def reminder_message(delivery: Delivery, now: dt.datetime) -> EmailMessage | None:
    """The reminder's email as things stand now, or None when it no longer has a point."""
    assert delivery.recipient_id is not None  # a reminder has a recipient (a constraint says so)
    recipient = User.objects.get(pk=delivery.recipient_id)
    if not recipient.is_active:
        return None
    if delivery.kind == DeliveryKind.SPONSOR_OVERDUE:
        return _sponsor_message(delivery, recipient, now)
    if delivery.kind == DeliveryKind.ACTION_OVERDUE:
        return _action_message(delivery, recipient, now)
    return _lead_message(delivery, recipient, now)


def _lead_message(delivery: Delivery, lead: User, now: dt.datetime) -> EmailMessage | None:
    if delivery.workstream_id is None:
        return None
    ws = _workstreams().filter(pk=delivery.workstream_id).first()
    still_leads = Membership.objects.filter(
        user=lead, role=Role.LEAD, workstream_id=delivery.workstream_id
    ).exists()
    if ws is None or not still_leads:
        return None
    period = _period_of(delivery, ws)
    reported: dt.date | None = ws.last_reported_start  # type: ignore[attr-defined]
    update_missing = reported is None or reported < period.start
    provisions = _seen_by(lead, unreported_provisions({ws.pk: period.start}).get(ws.pk, []))
    if not update_missing and not provisions:
        return None
    context = {
        "lead": lead,
        "workstream": ws,
        "period": period,
        "today": now.astimezone(UK).date(),
        "update_missing": update_missing,
        "provisions": provisions,
        "update_url": _update_url(ws, period, now),
        "report_url": absolute(reverse("provision-report-new", args=[ws.slug])),
        "my_workstreams_url": absolute(reverse("my-workstreams")),
    }
    return build_message(TEMPLATES[delivery.kind], context, to=delivery.email)


def _action_message(delivery: Delivery, recipient: User, now: dt.datetime) -> EmailMessage | None:
    """An overdue action's reminder, unless it was closed meanwhile or the person no longer
    owns it (or may no longer see it)."""
    action = (
        overdue_open_actions(now.astimezone(UK).date()).filter(pk=delivery.action_id or 0).first()
    )
    if action is None:
        return None
    if recipient not in _action_owners([action]).get(action.pk, []):
        return None
    if not policy.can_see_record(recipient, action.meeting.body.deal_id, action.classification):
        return None
    context = {
        "recipient": recipient,
        "action": action,
        "organisation": action.owner_organisation,
        "meeting_url": absolute(reverse("meeting-detail", args=[action.meeting_id])),
    }
    return build_message(TEMPLATES[delivery.kind], context, to=delivery.email)


def _update_url(ws: Workstream, period: Period, now: dt.datetime) -> str:
    """The update form for the reminder's period: once that period has ended, the form for
    reporting it late, so that the update lands in the period it is for."""
    url = absolute(reverse("update-new", args=[ws.slug]))
    if period.end < now.astimezone(UK).date():
        url += f"?period={period.start.isoformat()}"
    return url


def _sponsor_message(delivery: Delivery, sponsor: User, now: dt.datetime) -> EmailMessage | None:
    today = now.astimezone(UK).date()
    sponsored = Membership.objects.filter(user=sponsor, role=Role.SPONSOR).values("workstream")
    states = [(ws, reporting_state(ws, today)) for ws in _workstreams().filter(pk__in=sponsored)]
    late = unreported_provisions({ws.pk: state.last_due.start for ws, state in states})
    overdue = [
        (ws, state, _seen_by(sponsor, late.get(ws.pk, [])))
        for ws, state in states
        if state.overdue or late.get(ws.pk)
    ]
    leads = leads_by_workstream(ws.pk for ws, _, _ in overdue)
    rows = [
        _overdue_row(ws, state, today, leads.get(ws.pk, []), provisions)
        for ws, state, provisions in overdue
    ]
    if not rows:
        return None
    context = {
        "sponsor": sponsor,
        "rows": rows,
        "today": today,
        "my_workstreams_url": absolute(reverse("my-workstreams")),
    }
    return build_message(TEMPLATES[delivery.kind], context, to=delivery.email)


def _overdue_row(
    ws: Workstream,
    state: ReportingState,
    today: dt.date,
    leads: list[User],
    provisions: list[Provision],
) -> dict[str, object]:
    return {
        "workstream": ws,
        "leads": leads,
        "update_missing": state.overdue,
        "provisions": provisions,
        "period": state.last_due,
        "days_overdue": (today - state.last_due.due_on).days,
        "never_reported": ws.last_reported_start is None,  # type: ignore[attr-defined]
        "url": absolute(reverse("workstream-detail", args=[ws.slug])),
    }


def _seen_by(user: User, provisions: list[Provision]) -> list[Provision]:
    """Only the provisions the person may see are named to them."""
    return [p for p in provisions if policy.can_see_record(user, p.deal_id, p.classification)]


def leads_by_workstream(ids: Iterable[int]) -> dict[int, list[User]]:
    """The leads of the workstreams, for the sponsor's list, in one query."""
    found: dict[int, list[User]] = defaultdict(list)
    for membership in _holders(Role.LEAD).filter(workstream_id__in=list(ids)):
        found[membership.workstream_id].append(membership.user)  # type: ignore[index]
    return found
