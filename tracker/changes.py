"""What changed between two states of a record, for stale-edit messages, update comparisons
and the audit history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    before: Any
    after: Any


def _display(field: Any, value: Any) -> Any:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field.choices:
        return dict(field.flatchoices).get(value, value)
    if isinstance(field, models.ForeignKey) and value is not None:
        related = field.related_model._default_manager.filter(pk=value).first()  # type: ignore[union-attr]
        return str(related) if related else value
    return value


def change_of(model: type[models.Model], name: str, old: Any, new: Any) -> Change:
    """One field's change, labelled and with choices and related rows shown as people read them."""
    field = model._meta.get_field(name)
    label = str(getattr(field, "verbose_name", name))
    return Change(name, label[:1].upper() + label[1:], _display(field, old), _display(field, new))


def changes_between(before: models.Model, after: models.Model, fields: list[str]) -> list[Change]:
    """What differs between two states of a record, field by field."""
    changes = []
    for name in fields:
        attname = after._meta.get_field(name).attname  # type: ignore[union-attr]
        old, new = getattr(before, attname), getattr(after, attname)
        if old != new:
            changes.append(change_of(type(after), name, old, new))
    return changes
