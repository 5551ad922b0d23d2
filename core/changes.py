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


@dataclass(frozen=True)
class LinkChange:
    """Links of a record added and removed (its many-to-many fields), as people read them."""

    field: str
    label: str
    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def summary(self) -> str:
        parts = [
            f"{verb} {', '.join(names)}"
            for verb, names in (("added", self.added), ("removed", self.removed))
            if names
        ]
        return "; ".join(parts)


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
    per related model rather than one per change. For a many-to-many field, old and new are
    collections of primary keys (the links removed and added); the labels come in the related
    model's order."""
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for name, old, new in changed:
        field = model._meta.get_field(name)
        if isinstance(field, models.ForeignKey):
            wanted[field.related_model].update(v for v in (old, new) if v is not None)
        elif isinstance(field, models.ManyToManyField):
            wanted[field.related_model].update([*old, *new])
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
    return Change(
        name,
        _label(field),
        _display(field, old, labels),
        _display(field, new, labels),
    )


def _label(field: Any) -> str:
    label = str(getattr(field, "verbose_name", field.name))
    return label[:1].upper() + label[1:]


def links_change_of(
    model: type[models.Model],
    name: str,
    added: Iterable[Any],
    removed: Iterable[Any],
    labels: Labels,
) -> LinkChange:
    """The links of one many-to-many field added and removed (primary keys), named from
    ``labels`` (see ``related_labels``) in the related model's order; a link to a row since
    deleted is named as such."""
    field = model._meta.get_field(name)
    related = field.related_model
    order = {pk: i for i, (m, pk) in enumerate(labels) if m is related}
    gone = f"a deleted {related._meta.verbose_name}"  # type: ignore[union-attr]

    def names(pks: Iterable[Any]) -> tuple[str, ...]:
        ordered = sorted(pks, key=lambda pk: (order.get(pk, len(order)), str(pk)))
        return tuple(labels.get((related, pk), gone) for pk in ordered)  # type: ignore[arg-type]

    return LinkChange(name, _label(field), names(added), names(removed))


def changes_between(before: models.Model, after: models.Model, fields: list[str]) -> list[Change]:
    """What differs between two states of a record, field by field."""
    changes = []
    for name in fields:
        attname = after._meta.get_field(name).attname  # type: ignore[union-attr]
        old, new = getattr(before, attname), getattr(after, attname)
        if old != new:
            changes.append(change_of(type(after), name, old, new))
    return changes
