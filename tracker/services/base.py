"""What every service shares: the domain's errors and saving through the model."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db import models

from core.errors import DomainError

from ..changes import Change

if TYPE_CHECKING:
    from accounts.models import User

M = TypeVar("M", bound=models.Model)


class TrackerError(DomainError):
    """A request the rules refuse, with a message to show the person as it is."""


class StaleEdit(TrackerError):
    """Someone else saved the record after this person started editing it."""

    def __init__(self, message: str, changes: list[Change]) -> None:
        super().__init__(message)
        self.changes = changes


def _save(obj: M, acting_user: User | None) -> M:
    obj._history_user = acting_user  # type: ignore[attr-defined]
    obj.full_clean()
    obj.save()
    return obj
