"""The domain's base error: a request the rules refuse, with a message for the person.

Each app's services raise their own subclass (``TrackerError``, ``AccountsError``...), so that a
view can show any refusal the same way (``core.views.refusals``) without knowing which app
refused."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .changes import Change


class DomainError(Exception):
    """A request the rules refuse, with a message to show the person as it is."""


class StaleEdit(DomainError):
    """Someone else saved the record after this person started editing it; ``changes`` says
    what they changed (``core.changes.Change``)."""

    def __init__(self, message: str, changes: list[Change]) -> None:
        super().__init__(message)
        self.changes = changes
