"""What changed between two states of a record, for stale-edit messages, update comparisons
and the audit history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


Labels = Mapping[tuple[type[models.Model], Any], str]


def _display(field: Any, value: Any, labels: Labels | None) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.ForeignKey) and value is not None:
        if labels is not None:
            return labels.get((field.related_model, value), value)
        related = field.related_model._default_manager.filter(pk=value).first()
        return str(related) if related else value
    return value


def related_labels(
    model: type[models.Model], changed: Iterable[tuple[str, Any, Any]]
) -> dict[tuple[type[models.Model], Any], str]:
    """How people read the related rows named in many changes (name, old, new), with one query
    per related model rather than one per change."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for name, old, new in changed:
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            wanted[field.related_model].update(v for v in (old, new) if v is not None)
    return {
        (related, row.pk): str(row)
        for related, pks in wanted.items()
        for row in related._default_manager.filter(pk__in=pks)
    }


def change_of(
    model: type[models.Model], name: str, old: Any, new: Any, labels: Labels | None = None
) -> Change:
    """One field's change, labelled and with choices and related rows shown as people read them
    (from ``labels`` when given, see ``related_labels``)."""
    field = model._meta.get_field(name)
    label = str(getattr(field, "verbose_name", name))
    return Change(
        name,
        label[:1].upper() + label[1:],
        _display(field, old, labels),
        _display(field, new, labels),
    )


def changes_between(before: models.Model, after: models.Model, fields: list[str]) -> list[Change]:
    """What differs between two states of a record, field by field."""
    changes = []
    for name in fields:
        attname = after._meta.get_field(name).attname  # type: ignore[union-attr]
        old, new = getattr(before, attname), getattr(after, attname)
        if old != new:
            changes.append(change_of(type(after), name, old, new))
    return changes
