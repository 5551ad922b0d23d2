"""The domain's base error: a request the rules refuse, with a message for the person.

Each app's services raise their own subclass (``TrackerError``, ``AccountsError``...), so that a
view can show any refusal the same way (``core.views.refusals``) without knowing which app
refused."""

from __future__ import annotations


class DomainError(Exception):
    """A request the rules refuse, with a message to show the person as it is."""
