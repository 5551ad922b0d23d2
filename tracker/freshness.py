"""Which state of the data a cached page was built from: ``current_version(deal)`` and
``versions(deal, topics)``.

Pages that are costly to build at scale (the dashboards) are cached under a key that holds the
data version of what they show. Saving or deleting any record those pages read moves the
version on once the transaction commits, so the next request builds the page afresh: a cached
page is never older than the last committed change.

The versions are as narrow as what changed:

- **The deal.** A change to a record of one deal (found through its model's ``deal_path``) moves
  that deal's version and row 1's, which counts every change for the pages that span the deals;
  the other deals' cached pages stay. A change that belongs to no one deal (a person's name, an
  organisation) moves every deal's.
- **The kind of record.** It also moves the deal's version of its kind (its topic, the model's
  label: "tracker.Proposal", unless the record names a narrower one, ``freshness_topic``). A
  page that names the kinds it reads (``cached(..., reads=...)``)
  stays cached while other kinds change: a status update does not rebuild the pipeline.
- **The workstream.** A record of one workstream (by its model's ``workstream_path``: an update,
  a sign-off, a risk, a proposal, an answer to an ask) moves that workstream's version, so that
  the overview rebuilds that workstream's row only (``workstream_versions``, ``cached_many``).
  A record that moves to another workstream moves both.

The versions are rows in the database (not in the cache), so this holds across processes
whatever the cache backend; they are only ever incremented, never saved from a stale copy.
Writes that bypass signals (bulk loads) call ``data_changed()``, which moves everything.

**Refreshed after a change.** A page in use is built again as soon as a change to what it reads
has committed, by the process that made the change, so that the next person to open it finds
it built: the DSG opens its dashboards right after a round of updates. A page names how it is
rebuilt (``refresher``) and notes each way it is seen in (``in_use``: what it shows follows
from, such as whether sensitive material counts and which ``?deal=``, and someone who saw it
so), for ``IN_USE_SECONDS``. The rebuild runs once the transaction has committed, or,
for a change made by a web request, once its response has been sent
(``request_finished``), so the person who made the change does not wait for it. A rebuild that
fails is logged and leaves the page to be built when next asked for, as before.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.apps import apps
from django.core.cache import cache
from django.core.cache.backends.redis import RedisCacheClient
from django.core.exceptions import ObjectDoesNotExist
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

# The records the cached pages read, as "app_label.Model". An app above this one adds its own
# (``watch``).
WATCHED = (
    "core.Deal",
    "core.Membership",
    "accounts.User",
    "tracker.Theme",
    "tracker.Workstream",
    "tracker.StatusUpdate",
    "tracker.UpdateReview",
    "tracker.Risk",
    "tracker.Proposal",
    "tracker.Principle",
    "tracker.PrincipleResponse",
    "tracker.GovernanceBody",
    "tracker.Meeting",
    "tracker.AgendaItem",
    "tracker.Milestone",
    "tracker.AskResponse",
    "missions.Mission",
    "missions.Metric",
    "missions.Indicator",
)
# How long a cached page may live at most, whatever happens (seconds): as long as a way of
# asking for it counts as in use (below), so that what a change rebuilt is still there when
# the DSG opens it hours later. A key holds its data version: a change never serves it stale.
CACHE_SECONDS = 24 * 60 * 60
EVERYTHING = "*"  # the topic that moves when every kind of record may have changed
# How long a way of asking for a page counts as in use after it was last asked for (seconds),
# and how often a process notes again that it still is.
IN_USE_SECONDS = 24 * 60 * 60
NOTE_EVERY_SECONDS = 60
# The shape of the values this release keeps (``cached``, ``cached_many``), in their keys: moved
# on when a release changes what a cached value is (the dashboards' content became bytes), so
# that no release reads a value an earlier one kept in another shape. Those go unread, and
# expire.
SHAPE = "s2"
logger = logging.getLogger(__name__)
T = TypeVar("T")
K = TypeVar("K")


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


def versions(deal: Any, topics: Sequence[str]) -> tuple[int, ...]:
    """The deal's versions of these kinds of record now, then of everything at once (one
    query; 0 for a kind that has not changed yet)."""
    found = dict(
        _model("DealTopicVersion")
        .objects.filter(deal_id=_pk(deal), topic__in=[*topics, EVERYTHING])
        .values_list("topic", "number")
    )
    return (*(found.get(t, 0) for t in topics), found.get(EVERYTHING, 0))


def workstream_versions(deal: Any) -> dict[int, int]:
    """Each of the deal's workstreams' data version now (one query; a workstream missing has
    not changed since the last bulk load: version 0)."""
    return dict(
        _model("WorkstreamDataVersion")
        .objects.filter(workstream__deal_id=_pk(deal))
        .values_list("workstream_id", "number")
    )


def data_changed(
    deal: Any = None, topic: str | None = None, workstreams: Sequence[int] = ()
) -> None:
    """Record a committed change: to records of one deal (a Deal or its id) or, with none, of
    every deal; of one kind (``topic``, a model's label) or, with none, of every kind (a bulk
    load); and of these workstreams' own records. Moves row 1's version in every case."""
    model = _model()
    if not model.objects.filter(pk=1).update(number=F("number") + 1):
        model.objects.get_or_create(pk=1, defaults={"number": 1})
    deal_ids = _deal_ids(deal)
    if not deal_ids:
        return  # the deal has gone: nothing of it is cached any more
    _move(_model("DealDataVersion"), "deal_id", deal_ids)
    _move(_model("DealTopicVersion"), "deal_id", deal_ids, topic=topic or EVERYTHING)
    if deal is not None:  # a change of every deal at once is a bulk load: nothing to refresh
        for deal_id in deal_ids:
            topics, changed = _pending().setdefault(deal_id, (set(), set()))
            topics.add(topic or EVERYTHING)
            changed.update(workstreams)
    if workstreams:
        existing = _model("Workstream").objects.filter(pk__in=workstreams)
        _move(
            _model("WorkstreamDataVersion"),
            "workstream_id",
            list(existing.values_list("pk", flat=True)),
        )


def _deal_ids(deal: Any) -> list[int]:
    deals = apps.get_model("core", "Deal").objects
    if deal is None:
        return list(deals.values_list("pk", flat=True))
    return list(deals.filter(pk=_pk(deal)).values_list("pk", flat=True))


def _move(model: Any, key: str, ids: Sequence[int], **fixed: Any) -> None:
    """Move these version rows on by one (``key`` in ``ids``, and ``fixed``), making those
    missing first (by this process or, at the same moment, another: the conflict is ignored)."""
    model.objects.bulk_create([model(**{key: i}, **fixed) for i in ids], ignore_conflicts=True)
    model.objects.filter(**{f"{key}__in": ids}, **fixed).update(number=F("number") + 1)


def _pk(deal: Any) -> int:
    return int(getattr(deal, "pk", deal))


def deal_of(instance: Any) -> int | None:
    """The id of the one deal a record belongs to, by its model's ``deal_path``; None for a
    record of no deal or of several (a person), or one whose deal can no longer be read."""
    return _follow(instance, getattr(type(instance), "deal_path", None))


def workstream_of(instance: Any) -> int | None:
    """The id of the workstream whose own record this is, by its model's
    ``workstream_path``; None for a record of no one workstream."""
    return _follow(instance, getattr(type(instance), "workstream_path", None))


def _follow(instance: Any, path: str | None) -> int | None:
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
                return None  # through a list of records: several
            if name == last:
                value = getattr(target, field.attname)
                return int(value) if value is not None else None
            target = getattr(target, name)
            if target is None:
                return None
    except ObjectDoesNotExist:
        return None
    return None


def _before_save(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Note the workstream a record belonged to before this save, when it may move to another
    (its workstream is a field of its own): that one's row changes too."""
    path = getattr(sender, "workstream_path", None)
    if path is None or "__" in path or instance._state.adding or instance.pk is None:
        return
    attname = sender._meta.get_field(path).attname
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and path not in update_fields and attname not in update_fields:
        return
    before = (
        sender._base_manager.using(kwargs.get("using"))
        .filter(pk=instance.pk)
        .values_list(attname, flat=True)
        .first()
    )
    if before is not None and before != getattr(instance, attname):
        instance._freshness_moved_from = before


def _on_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and set(update_fields) <= {"last_login", "calendar_token"}:
        return  # signing in changes nothing any page shows
    deal_id = deal_of(instance)
    if sender._meta.label == "core.Deal" and kwargs.get("signal") is post_delete:
        deal_id = None  # its own version went with it: every other page may name it
    moved_from = instance.__dict__.pop("_freshness_moved_from", None)
    workstreams = [w for w in (workstream_of(instance), moved_from) if w is not None]
    topic = getattr(instance, "freshness_topic", None) or sender._meta.label
    transaction.on_commit(
        lambda: data_changed(deal_id, topic, workstreams), using=kwargs.get("using")
    )
    refresh_after_commit(kwargs.get("using"))


def _on_links(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    """A record's list of links (a proposal's missions) is part of the record: changing it is
    a change of the record. Changed from the other end (a mission's proposals), it is a change
    of that end's records, of whichever deals."""
    if not action.startswith("post_"):
        return
    if type(instance)._meta.label in _watched:
        _on_change(type(instance), instance, using=kwargs.get("using"))
        return
    model = kwargs.get("model")
    if model is not None and model._meta.label in _watched:
        label = model._meta.label
        transaction.on_commit(lambda: data_changed(None, label), using=kwargs.get("using"))


_watched: set[str] = set()


def connect() -> None:
    watch(*WATCHED)
    request_started.connect(_request_started, dispatch_uid="freshness-request-started")
    request_finished.connect(_request_finished, dispatch_uid="freshness-request-finished")


def watch(*labels: str) -> None:
    """Move the versions on when these records change too, and when their lists of links do.
    An app above this one whose cached pages read its own records names them when it is ready
    (delivery's public progress page reads provisions and their reports); a record watched
    twice is watched once."""
    for label in labels:
        model = apps.get_model(label)
        _watched.add(label)
        pre_save.connect(_before_save, sender=model, dispatch_uid=f"freshness-before-{label}")
        post_save.connect(_on_change, sender=model, dispatch_uid=f"freshness-save-{label}")
        post_delete.connect(_on_change, sender=model, dispatch_uid=f"freshness-delete-{label}")
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            m2m_changed.connect(
                _on_links, sender=through, dispatch_uid=f"freshness-links-{through._meta.label}"
            )


class _Recent:
    """The last few values this process built or read from the cache, so that a page asked
    for again is not unpickled each time. Keyed like the cache, data version included, so an
    entry is never served after a change."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


# The last pages, and the last rows of pages made of rows (a few deals' overviews).
_recent = _Recent(8)
_recent_rows = _Recent(4096)


def cached(
    parts: Sequence[str],
    build: Callable[[], T],
    deal: Any = None,
    reads: Sequence[str] = (),
    *,
    share: bool = True,
) -> T:
    """``build()``'s value for the current data version of the deal's records (of every deal's,
    if ``deal`` is None: a page that spans them), built at most once per version.

    ``reads`` narrows it: the kinds of record (models' labels) the value is built from, all
    watched; it is then rebuilt when one of them changes in the deal, and not when another
    kind does. ``parts`` name everything else the value depends on (whose page, which day...).
    Reads the data version (one query), then this process's recent values, then the cache.
    ``share=False`` keeps the value in this process only: for a value quicker to build again
    from parts that are cached (rows, with ``cached_many``) than to pickle and unpickle.

    The cache keeps the newest version only: storing a value drops the one it supersedes
    (``_supersede``). A dashboard is a megabyte or two, built again after each change for each
    way it is seen in, and each version would otherwise stay for ``CACHE_SECONDS``.
    """
    scope = f"d{_pk(deal)}" if deal is not None else "all"
    if reads and deal is not None:
        version = "t" + ".".join(str(n) for n in versions(deal, reads))
    else:
        version = f"v{current_version(deal)}"
    key = ":".join([SHAPE, *parts, scope, version])
    found = _recent.get(key)
    if found is None and share:
        found = cache.get(key)
    if found is None:
        found = build()
        if share:
            cache.set(key, found, CACHE_SECONDS)
            _supersede(":".join([SHAPE, *parts, scope]), key)
    _recent.put(key, found)
    return found


def _supersede(name: str, key: str) -> None:
    """Note ``key`` as the newest value of ``name`` and drop the value it supersedes. Two
    processes storing versions at once may drop the newer one: the next reader builds it
    again, as after any miss."""
    latest = f"latest:{name}"
    previous = cache.get(latest)
    cache.set(latest, key, CACHE_SECONDS)
    if previous is not None and previous != key:
        cache.delete(previous)


def cached_many(keys: Mapping[K, str], build: Callable[[list[K]], Mapping[K, T]]) -> dict[K, T]:
    """Each item's value from the cache under its key (which holds its version), building the
    missing ones in one call of ``build(items)``: how a page made of rows rebuilds only the rows
    whose data changed. Reads this process's recent rows first, then the cache."""
    keys = {item: f"{SHAPE}:{key}" for item, key in keys.items()}
    found = {key: value for key in keys.values() if (value := _recent_rows.get(key)) is not None}
    if len(found) < len(keys):
        found |= cache.get_many([key for key in keys.values() if key not in found])
    missing = [item for item, key in keys.items() if key not in found]
    built = build(missing) if missing else {}
    if built:
        cache.set_many({keys[item]: value for item, value in built.items()}, CACHE_SECONDS)
    values = {item: found[key] if key in found else built[item] for item, key in keys.items()}
    for item, key in keys.items():
        _recent_rows.put(key, values[item])
    return values


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
    _recent_rows.clear()
    _noted.clear()
    _state.__dict__.pop("pending", None)


def _glob_escape(text: str) -> str:
    return "".join(f"\\{c}" if c in "*?[]\\" else c for c in text)


# --- Refreshed after a change -----------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """What the changes since the last refresh changed in a deal: the kinds of record
    (``EVERYTHING`` among them: any), and the workstreams whose own records they were."""

    topics: frozenset[str]
    workstreams: frozenset[int]

    def touches(self, topics: Sequence[str]) -> bool:
        return EVERYTHING in self.topics or not self.topics.isdisjoint(topics)


Rebuild = Callable[[int, dict[str, Any], Change], None]


@dataclass(frozen=True)
class Refresher:
    """How a page is built again for one way of asking for it (``rebuild(deal_id, way,
    change)``) and the kinds of record it reads: a change of one of them in the deal rebuilds
    it."""

    reads: tuple[str, ...]
    rebuild: Rebuild


_refreshers: dict[str, Refresher] = {}
_state = threading.local()  # this thread's changes waiting for a refresh, and its request
_noted: dict[tuple[str, str], float] = {}  # when this process last noted a way in use


def refresher(name: str, reads: Sequence[str]) -> Callable[[Rebuild], Rebuild]:
    """Register ``rebuild(deal_id, way, change)`` as how the page ``name`` is built again after
    a change to one of ``reads``, for each way it is in use (``in_use``)."""

    def register(rebuild: Rebuild) -> Rebuild:
        _refreshers[name] = Refresher(tuple(reads), rebuild)
        return rebuild

    return register


def in_use(name: str, deal: Any, way: Mapping[str, Any], reader: int | None) -> None:
    """Note that the page ``name`` of the deal was just asked for this way, by this person
    (their id). ``way`` is what the page shows follows from (whether sensitive material
    counts, which ``?deal=``...): a way is rebuilt once after a change, however many people
    share it, as one of those who asked for it that way lately sees it (the last one noted).
    Written to the cache, which every process shares, at most once a minute per process and
    way."""
    if reader is None:
        return  # no one signed in to build it as
    key = _in_use_key(name, deal)
    token = json.dumps(dict(way), sort_keys=True)
    now = time.time()
    if now - _noted.get((key, token), 0.0) < NOTE_EVERY_SECONDS:
        return
    _noted[(key, token)] = now
    ways = {
        t: (at, who) for t, (at, who) in (cache.get(key) or {}).items() if now - at < IN_USE_SECONDS
    }
    ways[token] = (now, reader)
    cache.set(key, ways, IN_USE_SECONDS)


def _in_use_key(name: str, deal: Any) -> str:
    # The number after "in-use" moves whenever the shape of what is stored there changes, so
    # that a release never reads what an earlier one wrote.
    return f"in-use.2:{name}:d{_pk(deal)}"


def ways_in_use(name: str, deal: Any) -> list[dict[str, Any]]:
    """The ways the page ``name`` of the deal has been asked for lately, newest first, each
    with the last person who asked for it that way (``"reader"``)."""
    now = time.time()
    ways = cache.get(_in_use_key(name, deal)) or {}
    fresh = sorted(
        ((at, token, who) for token, (at, who) in ways.items() if now - at < IN_USE_SECONDS),
        reverse=True,
    )
    return [json.loads(token) | {"reader": who} for _, token, who in fresh]


def _pending() -> dict[int, tuple[set[str], set[int]]]:
    pending: dict[int, tuple[set[str], set[int]]] | None = getattr(_state, "pending", None)
    if pending is None:
        pending = _state.pending = {}
    return pending


def refresh_after_commit(using: str | None = None) -> None:
    """Refresh the pages in use that the transaction's changes touch once it has committed
    (after every other callback: only the last one scheduled in a transaction runs)."""
    token = object()
    _state.last = token

    def refresh() -> None:
        if getattr(_state, "last", None) is token and not getattr(_state, "in_request", False):
            refresh_pending()

    transaction.on_commit(refresh, using=using)


def refresh_pending() -> None:
    """Build again, for each way it is in use, every page that reads what the changes since
    the last refresh changed. A failure is logged: the page is then built when asked for."""
    pending: dict[int, tuple[set[str], set[int]]] = _state.__dict__.pop("pending", None) or {}
    for deal_id, (topics, workstreams) in pending.items():
        change = Change(frozenset(topics), frozenset(workstreams))
        for name, page in _refreshers.items():
            if not change.touches(page.reads):
                continue
            for way in ways_in_use(name, deal_id):
                try:
                    page.rebuild(deal_id, way, change)
                except Exception:
                    logger.exception("Could not refresh %s of deal %s for %s", name, deal_id, way)


def _request_started(**kwargs: Any) -> None:
    _state.in_request = True


def _request_finished(**kwargs: Any) -> None:
    """A web request's changes are refreshed once its response has gone (a WSGI server closes
    the response after sending it), so the person who made them does not wait."""
    _state.in_request = False
    refresh_pending()
