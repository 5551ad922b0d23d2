"""This app's answers to what tracker, below it, tells the apps above (tracker/signals.py)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from .demo import demo_provisions_load
from .models import Provision, ProvisionReport
from .services import provisions_follow_merge

if TYPE_CHECKING:
    from accounts.models import User
    from core.models import Deal
    from tracker.models import Workstream


def follow_merge(
    *, merged: Workstream, survivor: Workstream, acting_user: User, **kwargs: Any
) -> int:
    """A merged workstream's provisions are delivered by the workstream it merged into."""
    return provisions_follow_merge(merged=merged, survivor=survivor, acting_user=acting_user)


def delete_demo(**kwargs: Any) -> int:
    """Delete the demo's provisions and reports, with their history, before tracker deletes the
    demo records they name (a department, a proposal). Non-demo rows are never touched."""
    deleted = 0
    for model in (ProvisionReport, Provision):
        demo = model._default_manager.filter(is_demo=True)
        ids = list(demo.values_list("pk", flat=True))
        deleted += demo.delete()[0]
        deleted += model.history.filter(id__in=ids).delete()[0]
    return deleted


def load_demo(*, deal: Deal, today: dt.date | None = None, **kwargs: Any) -> dict[str, int]:
    """The demo's provisions, at every state and confidence, with reports over a few periods."""
    return demo_provisions_load(deal, today or timezone.localdate())
