"""Which state of the data a cached page was built from: ``current_version()``.

Pages that are costly to build at scale (the portfolio overview) are cached under a key that
holds the data version. Saving or deleting any record those pages read moves the version on
once the transaction commits, so the next request builds the page afresh: a cached page is
never older than the last committed change. The version is a row in the database (not in the
cache), so this holds across processes whatever the cache backend; it is only ever incremented,
never saved from a stale copy. Writes that bypass signals (bulk loads) call ``data_changed()``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

# The records the cached pages read, as "app_label.Model".
WATCHED = (
    "core.Deal",
    "tracker.Theme",
    "tracker.Workstream",
    "tracker.StatusUpdate",
    "tracker.UpdateReview",
    "tracker.Risk",
    "tracker.Proposal",
    "core.Membership",
    "accounts.User",
)
# How long a cached page may live at most, whatever happens (seconds).
CACHE_SECONDS = 60 * 60
T = TypeVar("T")


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
    watch(*WATCHED)


def watch(*labels: str) -> None:
    """Move the version on when these records change too. An app above this one whose cached
    pages read its own records names them when it is ready (delivery's public progress page
    reads provisions and their reports); a record watched twice is watched once."""
    for label in labels:
        model = apps.get_model(label)
        post_save.connect(_on_change, sender=model, dispatch_uid=f"freshness-save-{label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"freshness-delete-{label}")


class _Recent:
    """The last few values this process built or read from the cache, so that a page asked
    for again is not unpickled each time. Keyed like the cache, data version included, so an
    entry is never served after a change."""

    SIZE = 8

    def __init__(self) -> None:
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.SIZE:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


_recent = _Recent()


def cached(parts: Sequence[str], build: Callable[[], T]) -> T:
    """``build()``'s value for the current data version, built at most once per version.

    ``parts`` name everything else the value depends on (whose page, which day...). Reads the
    data version (one query), then this process's recent values, then the cache.
    """
    key = ":".join([*parts, f"v{current_version()}"])
    found = _recent.get(key)
    if found is None:
        found = cache.get(key)
    if found is None:
        found = build()
        cache.set(key, found, CACHE_SECONDS)
    _recent.put(key, found)
    return found


def forget_cached() -> None:
    """Drop every value this cache holds (tests do, as the database is rolled back under them).

    Only the cache's own keys: on Redis the cache shares its database with Celery's broker (and,
    in tests, with the other test processes), and ``cache.clear()`` empties the whole database
    (``FLUSHDB``), queued emails included.
    """
    client = getattr(cache, "_cache", None)
    if isinstance(client, RedisCacheClient):
        redis = client.get_client(None, write=True)
        own = [*redis.scan_iter(match=_glob_escape(f"{cache.key_prefix}:") + "*", count=1000)]
        if own:
            redis.delete(*own)
    else:
        cache.clear()
    _recent.clear()


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)
