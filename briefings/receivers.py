"""Briefings' answers to what tracker tells (``tracker.signals``), connected in ``apps.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .demo import demo_subscriptions_load
from .services import subscriptions_follow_merge

if TYPE_CHECKING:
    from accounts.models import User
    from core.models import Deal
    from tracker.models import Workstream


def follow_merge(
    *, merged: Workstream, survivor: Workstream, acting_user: User, **kwargs: Any
) -> int:
    """Digests of chosen workstreams that named the merged one name the survivor instead."""
    return subscriptions_follow_merge(merged=merged, survivor=survivor, acting_user=acting_user)


def load_demo(*, deal: Deal, **kwargs: Any) -> dict[str, int]:
    """Digest subscriptions that fall due minutes after the load, so a fresh demo sends some."""
    return {"subscriptions": len(demo_subscriptions_load(deal))}
