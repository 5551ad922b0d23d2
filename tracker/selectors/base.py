"""What every read of the tracker shares: the person type, and the deals a person may see and
the one a page shows (``core.selectors``, where every app reads them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from core.selectors import deal_for, deals_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser

__all__ = ["deal_for", "deals_for"]
