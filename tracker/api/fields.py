"""Fields that name a record by its id, among those the requesting person may see."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet
from rest_framework import serializers

if TYPE_CHECKING:
    from accounts.models import User


def _user(context: Mapping[str, Any]) -> User | AnonymousUser:
    request = context.get("request")
    return request.user if request else AnonymousUser()


class VisibleRelatedField(serializers.PrimaryKeyRelatedField[Any]):
    """An id among the records the requesting person may see (``visible``, a selector): any
    other id is refused as if it did not exist."""

    model: ClassVar[type[Model]]
    noun: ClassVar[str]

    def __init__(self, **kwargs: Any) -> None:
        # DRF wants a queryset when the field is built (the schema reads its model from it);
        # what the field accepts is get_queryset's, read for each request.
        kwargs.setdefault("queryset", self.model._default_manager.all())
        super().__init__(**kwargs)
        self.error_messages["does_not_exist"] = f"There is no {self.noun} with id {{pk_value}}."

    def visible(self, user: User | AnonymousUser) -> QuerySet[Any]:
        raise NotImplementedError

    def get_queryset(self) -> QuerySet[Any]:
        return self.visible(_user(self.context))
