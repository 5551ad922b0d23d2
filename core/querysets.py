"""The queryset every deal-scoped model's manager gives: ``Model.objects.visible_to(user)``.

In the spirit of NetBox's ``restrict(user, action)``: a list starts from what the person may
see, and the rule comes from ``core.policy`` and the model's own ``deal_path`` (how a row
reaches its deal), so no call site spells a lookup path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self, TypeVar, cast

from django.db import models

from . import policy

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

M = TypeVar("M", bound=models.Model)


class DealScopedQuerySet(models.QuerySet[M, M]):
    def visible_to(self, user: User | AnonymousUser, action: str = policy.VIEW) -> Self:
        """The rows the person may ``view`` (their deals, and each row's marking), or those of
        the deals they ``administer``."""
        return cast(Self, policy.restrict(self, user, action))
