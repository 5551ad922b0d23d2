"""Which state of the data a cached page was built from: ``current_version(deal)``.

Pages that are costly to build at scale (the portfolio overview) are cached under a key that
holds the data version of what they show. Saving or deleting any record those pages read moves
the version on once the transaction commits, so the next request builds the page afresh: a
cached page is never older than the last committed change.

The versions are as narrow as the deal: a change to a record of one deal (found through its
model's ``deal_path``) moves that deal's version and row 1's, which counts every change for the
pages that span the deals; the other deals' cached pages stay. A change that belongs to no one
deal (a person's name, an organisation) moves every version. The versions are rows in the
database (not in the cache), so this holds across processes whatever the cache backend; they
are only ever incremented, never saved from a stale copy. Writes that bypass signals (bulk
loads) call ``data_changed()``.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.exceptions import ObjectDoesNotExist
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


def _model(name: str = "DataVersion") -> Any:
    return apps.get_model("tracker", name)


def current_version(deal: Any = None) -> int:
    """The data version of a deal's records now (a Deal or its id), or of every deal's when
    ``deal`` is None (one query; 0 before anything has changed)."""
    if deal is None:
        rows = _model().objects.filter(pk=1)
    else:
        rows = _model("DealDataVersion").objects.filter(deal_id=_pk(deal))
    return rows.values_list("number", flat=True).first() or 0


def data_changed(deal: Any = None) -> None:
    """Move the version of a deal's records on (a Deal or its id) and the version of every
    change; with no deal, every version there is."""
    model, per_deal = _model(), _model("DealDataVersion")
    if not model.objects.filter(pk=1).update(number=F("number") + 1):
        model.objects.get_or_create(pk=1, defaults={"number": 1})
    if deal is None:
        # Every deal's, including those with no row yet (version 0), which a page may have
        # been cached under.
        ids = apps.get_model("core", "Deal").objects.values_list("pk", flat=True)
        per_deal.objects.bulk_create([per_deal(deal_id=i) for i in ids], ignore_conflicts=True)
        per_deal.objects.update(number=F("number") + 1)
        return
    rows = per_deal.objects.filter(deal_id=_pk(deal))
    deal_exists = apps.get_model("core", "Deal").objects.filter(pk=_pk(deal)).exists
    if not rows.update(number=F("number") + 1) and deal_exists():
        # The deal's first change: its row is made (by this process or, at the same moment,
        # another), then moved on.
        per_deal.objects.bulk_create([per_deal(deal_id=_pk(deal))], ignore_conflicts=True)
        rows.update(number=F("number") + 1)


def _pk(deal: Any) -> int:
    return int(getattr(deal, "pk", deal))


def deal_of(instance: Any) -> int | None:
    """The id of the one deal a record belongs to, by its model's ``deal_path``; None for a
    record of no deal or of several (a person), or one whose deal can no longer be read."""
    path = getattr(type(instance), "deal_path", None)
    if path is None:
        return None
    if path == "pk":
        return int(instance.pk) if instance.pk is not None else None
    *through, last = path.split("__")
    target = instance
    try:
        for name in [*through, last]:
            field = target._meta.get_field(name)
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                return None  # through a list of records: several deals
            if name == last:
                return getattr(target, field.attname)
            target = getattr(target, name)
            if target is None:
                return None
    except ObjectDoesNotExist:
        return None
    return None


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login", "calendar_token"}:
        return  # signing in changes nothing any page shows
    deal_id = deal_of(instance)
    if sender._meta.label == "core.Deal" and kwargs.get("signal") is post_delete:
        deal_id = None  # its own version went with it: every other page may name it
    transaction.on_commit(lambda: data_changed(deal_id), using=kwargs.get("using"))


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


def cached(parts: Sequence[str], build: Callable[[], T], deal: Any = None) -> T:
    """``build()``'s value for the current data version of the deal's records (of every deal's,
    if ``deal`` is None: a page that spans them), built at most once per version.

    ``parts`` name everything else the value depends on (whose page, which day...). Reads the
    data version (one query), then this process's recent values, then the cache.
    """
    scope = f"d{_pk(deal)}" if deal is not None else "all"
    key = ":".join([*parts, scope, f"v{current_version(deal)}"])
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
