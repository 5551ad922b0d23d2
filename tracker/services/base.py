"""What every service shares: the domain's errors and saving through the model."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import models

from core.errors import DomainError

if TYPE_CHECKING:
    from accounts.models import User

M = TypeVar("M", bound=models.Model)


class TrackerError(DomainError):
    """A request the rules refuse, with a message to show the person as it is."""


def _save(obj: M, acting_user: User | None) -> M:
    obj._history_user = acting_user  # type: ignore[attr-defined]
    obj.full_clean()
    obj.save()
    return obj
