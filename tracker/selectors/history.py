"""Who changed a record, when, and what: the history every record page shows, read from
django-simple-history and filtered by ``core.policy`` like everything else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import CharField, Model, Value

from core import policy
from core.changes import change_of, links_change_of, related_labels

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


@dataclass(frozen=True)
class HistoryEntry:
    when: dt.datetime
    who: Any
    kind: str  # "Created", "Changed", "Deleted" or "Marked OFFICIAL"
    changes: list[Any]  # a changes.Change per field, a changes.LinkChange per kind of link


HISTORY_KINDS = {"+": "Created", "~": "Changed", "-": "Deleted"}
MARKED_OFFICIAL = "Marked OFFICIAL"
# Bookkeeping that changes with every save, which a reader learns nothing from.
HISTORY_HIDDEN_FIELDS = {"revision", "updated_at", "moved_at"}
# django-simple-history writes an entry for every add, remove or clear of a record's links: a
# ``set()`` that both adds and removes writes two, and a service that saves the record and then
# sets its links writes one for the save and up to two per kind of link. Entries that change
# only links, by the same person, this soon after the entry they follow are shown as part of
# it, as the one change the person made.
HISTORY_SAME_CHANGE = dt.timedelta(seconds=5)


def _deal_id_of(obj: Any) -> int:
    """The deal a record belongs to, directly or through its workstream, proposal or body."""
    for path in ("deal_id", "workstream.deal_id", "proposal.deal_id", "body.deal_id"):
        value: Any = obj
        for name in path.split("."):
            value = getattr(value, name, None)
        if value is not None:
            return value
    raise TypeError(f"{type(obj).__name__} belongs to no deal that history_of knows of")


def _links_held(history_model: Any, ids: set[int]) -> dict[int, dict[str, set[Any]]]:
    """The links that each of the history entries ``ids`` keeps a copy of, by field: one query
    for all the many-to-many fields whose history is recorded."""
    queries = []
    for m2m in history_model._history_m2m_fields:
        copies = getattr(history_model, m2m.name).model  # the field's history table
        target = copies._meta.get_field(m2m.m2m_reverse_field_name()).attname
        queries.append(
            copies.objects.filter(history_id__in=ids).values_list(
                "history_id", target, Value(m2m.name, output_field=CharField())
            )
        )
    held: dict[int, dict[str, set[Any]]] = defaultdict(lambda: defaultdict(set))
    if queries and ids:
        first, *rest = queries
        for history_id, target_id, name in first.union(*rest, all=True):
            held[history_id][name].add(target_id)
    return held


@dataclass
class _Entry:
    """One or more history records shown as one entry: who and when from the first, and what
    changed over all of them."""

    first: Any
    last: Any
    kind: str
    fields: dict[str, list[Any]] = field(default_factory=dict)  # name: [old, new]
    # name: (added, removed), dicts used as ordered sets
    links: dict[str, tuple[dict[Any, None], dict[Any, None]]] = field(default_factory=dict)

    def take(self, changes: Iterable[Any]) -> None:
        for change in changes:
            if change.field in self.fields:
                self.fields[change.field][1] = change.new
            else:
                self.fields[change.field] = [change.old, change.new]

    def take_links(self, name: str, added: set[Any], removed: set[Any]) -> None:
        plus, minus = self.links.setdefault(name, ({}, {}))
        for pk in added:
            if minus.pop(pk, plus) is plus:  # not removed earlier in this entry
                plus[pk] = None
        for pk in removed:
            if plus.pop(pk, minus) is minus:  # not added earlier in this entry
                minus[pk] = None


def history_of(obj: Model, user: User | AnonymousUser, limit: int = 50) -> list[HistoryEntry]:
    """Who changed a record, when, and what, newest first (from django-simple-history),
    including the links it gained and lost where its history records its many-to-many fields.

    A record that was OFFICIAL-SENSITIVE for part of its life shows a person who may not see
    such material only the states in which it was marked OFFICIAL: the change out of a state
    they may not see says only that the record was marked OFFICIAL, not what it was before.

    One change made through a service is one entry, though the library writes a history record
    for the save and for each add or remove of links (see HISTORY_SAME_CHANGE).

    A bounded number of queries however long the history is: the entries, the copies of the
    links they keep (one query for every kind of link together, and only when some entry
    changes links), and the rows the changes name (one query per model)."""
    records = list(obj.history.select_related("history_user").order_by("-history_id")[: limit + 1])  # type: ignore[attr-defined]
    hidden: set[int] = set()
    sees_sensitive = True
    if hasattr(obj, "classification"):
        deal_id = _deal_id_of(obj)
        hidden = {
            r.pk for r in records if not policy.can_see_record(user, deal_id, r.classification)
        }
        sees_sensitive = policy.can_see_sensitive(user, deal_id)
    model = type(obj)
    history_model = obj.history.model  # type: ignore[attr-defined]
    link_fields = [f.name for f in history_model._history_m2m_fields]
    pairs = [
        (record, older)
        for record, older in zip(records[:limit], [*records[1:], None], strict=False)
        if record.pk not in hidden
    ]
    compared = {
        record.pk: older
        for record, older in pairs
        if older is not None and older.pk not in hidden and record.history_type == "~"
    }
    # Links are compared below, from one read of the copies the entries hold: diff_against
    # would read them twice per kind of link for every entry.
    deltas = {
        record.pk: record.diff_against(compared[record.pk], excluded_fields=link_fields).changes
        for record, _ in pairs
        if record.pk in compared
    }
    # Links change through entries of their own, which change nothing else (not even the
    # revision or the time of the last save). An entry that changes anything else was written
    # by saving the record, which changes no links: any difference in its copy of them is not
    # its doing (entries written in bulk, or before links were recorded, hold no copy), so it
    # is not shown.
    tracked = [f.attname for f in history_model.tracked_fields]
    only_links = [
        record.pk
        for record, older in pairs
        if link_fields
        and record.pk in compared
        and all(getattr(record, name) == getattr(older, name) for name in tracked)
    ]
    held = _links_held(history_model, {*only_links, *(compared[pk].pk for pk in only_links)})
    link_deltas: dict[int, dict[str, tuple[set[Any], set[Any]]]] = {}
    for pk in only_links:
        before, after = held.get(compared[pk].pk, {}), held.get(pk, {})
        link_deltas[pk] = {
            name: (
                after.get(name, set()) - before.get(name, set()),
                before.get(name, set()) - after.get(name, set()),
            )
            for name in link_fields
            if after.get(name, set()) != before.get(name, set())
        }

    entries: list[_Entry] = []
    for record, older in reversed(pairs):  # oldest first
        last = entries[-1] if entries else None
        if (
            last is not None
            and last.last is older
            and record.pk in link_deltas
            and record.history_user_id == last.first.history_user_id
            and record.history_date - last.first.history_date <= HISTORY_SAME_CHANGE
        ):
            entry = last
            entry.last = record
        else:
            entry = _Entry(
                first=record,
                last=record,
                kind=(
                    MARKED_OFFICIAL
                    if older is not None and older.pk in hidden
                    else HISTORY_KINDS[record.history_type]
                ),
            )
            entries.append(entry)
        if entry.kind == MARKED_OFFICIAL:
            # Links set in the same change as the marking were chosen while the record was
            # OFFICIAL-SENSITIVE (the record is saved first, its links set after): what they
            # replaced is no more shown than the fields it had then.
            continue
        entry.take(c for c in deltas.get(record.pk, []) if c.field not in HISTORY_HIDDEN_FIELDS)
        for name, (added, removed) in link_deltas.get(record.pk, {}).items():
            entry.take_links(name, added, removed)

    if not sees_sensitive:
        # Links a classified record gains or loses on their own, not in a change of the record
        # itself, come from other records (logging a talk with government links its department
        # to the proposal), which may be OFFICIAL-SENSITIVE: when that happened is not shown.
        entries = [e for e in entries if e.first.pk not in link_deltas]
    changed = [
        (name, old, new)
        for entry in entries
        for name, (old, new) in entry.fields.items()
        if old != new
    ]
    labels = related_labels(
        model,
        changed
        + [
            (name, list(removed), list(added))
            for entry in entries
            for name, (added, removed) in entry.links.items()
        ],
    )
    return [
        HistoryEntry(
            when=entry.first.history_date,
            who=entry.first.history_user,
            kind=entry.kind,
            changes=sorted(
                [
                    change_of(model, name, old, new, labels)
                    for name, (old, new) in entry.fields.items()
                    if old != new
                ]
                + [
                    links_change_of(model, name, added, removed, labels)
                    for name, (added, removed) in entry.links.items()
                    if added or removed
                ],
                key=lambda change: change.field,
            ),
        )
        for entry in reversed(entries)
    ]
