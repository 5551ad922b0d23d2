"""What a workstream claims to move: the Levelling Up missions, their headline metrics, and the
outcome indicators of its deal's frameworks or the national ones. Its lead or an administrator
says so; the DSG reads it to see which missions nothing addresses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from core import policy
from missions.selectors import indicators_of_deal
from tracker.choices import WorkstreamStatus
from tracker.models import Workstream

from .base import TrackerError

if TYPE_CHECKING:
    from accounts.models import User
    from missions.models import Indicator, Metric, Mission

FOREIGN_INDICATORS = "Choose indicators of this deal's frameworks or national ones"


def workstream_links_set(
    *,
    workstream: Workstream,
    acting_user: User,
    missions: Iterable[Mission],
    metrics: Iterable[Metric],
    indicators: Iterable[Indicator],
) -> Workstream:
    """Replace the missions, metrics and indicators a workstream moves with those given (an
    empty list clears them). Only its lead or an administrator may; indicators must be of its
    deal's frameworks or national ones. A merged or ceased workstream's links stay as they were
    when it stopped."""
    if not policy.can_write_workstream(acting_user, workstream):
        raise PermissionDenied(
            "Only the workstream's lead or an administrator can change what it moves."
        )
    missions, metrics, indicators = list(missions), list(metrics), list(indicators)
    if indicators:
        wanted = {i.pk for i in indicators}
        allowed = set(
            indicators_of_deal(workstream.deal_id)
            .filter(pk__in=wanted)
            .values_list("pk", flat=True)
        )
        if wanted - allowed:
            raise ValidationError({"indicators": FOREIGN_INDICATORS})
    with transaction.atomic():
        # Locked, so that a merge or ceasing between the check and the write cannot be missed.
        workstream = Workstream.objects.select_for_update(of=("self",)).get(pk=workstream.pk)
        if workstream.status != WorkstreamStatus.ACTIVE:
            raise TrackerError(
                f"{workstream} is {workstream.get_status_display().lower()}: what it moves "
                "stays as it was."
            )
        workstream._history_user = acting_user  # type: ignore[attr-defined] # who, in its history
        workstream.missions.set(missions)
        workstream.metrics.set(metrics)
        workstream.indicators.set(indicators)
    return workstream
