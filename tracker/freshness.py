"""Which state of the data a cached page was built from: ``current_version()``.

Pages that are costly to build at scale (the portfolio overview) are cached under a key that
holds the data version. Saving or deleting any record those pages read moves the version on
once the transaction commits, so the next request builds the page afresh: a cached page is
never older than the last committed change. The version is a row in the database (not in the
cache), so this holds across processes whatever the cache backend; it is only ever incremented,
never saved from a stale copy. Writes that bypass signals (bulk loads) call ``data_changed()``.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

# The records the cached pages read, as "app_label.Model".
WATCHED = (
    "tracker.Deal",
    "tracker.Theme",
    "tracker.Workstream",
    "tracker.StatusUpdate",
    "tracker.UpdateReview",
    "tracker.Risk",
    "tracker.Proposal",
    "accounts.Membership",
    "accounts.User",
)
# How long a cached page may live at most, whatever happens (seconds).
CACHE_SECONDS = 60 * 60


def _model() -> Any:
    return apps.get_model("tracker", "DataVersion")


def current_version() -> int:
    """The data version now (one query; 0 before anything has changed)."""
    number = _model().objects.filter(pk=1).values_list("number", flat=True).first()
    return number or 0


def data_changed() -> None:
    """Move the data version on."""
    model = _model()
    if not model.objects.filter(pk=1).update(number=F("number") + 1):
        model.objects.get_or_create(pk=1, defaults={"number": 1})


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login", "calendar_token"}:
        return  # signing in changes nothing any page shows
    transaction.on_commit(data_changed, using=kwargs.get("using"))


def connect() -> None:
    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_on_change, sender=model, dispatch_uid=f"freshness-save-{label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"freshness-delete-{label}")
