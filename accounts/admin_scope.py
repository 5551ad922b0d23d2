"""The Django admin, kept to the deals a person administers.

A deal's administrators sign in to the Django admin (they are staff, never superusers) and see
there what they see everywhere else: their own deals. Every model of a deal names the lookup from
a row to its deal once, as ``deal_path`` (``"workstream__deal"``); the admin classes here read it.

- An operator (a superuser, who runs the site) sees and changes everything, as Django decides.
- A deal's administrator sees the rows of the deals they administer and may change them. Rows of
  reference data, which belong to no deal (missions, areas, organisations, national indicator
  frameworks), they may see but not change. Every choice of a related row in a form is kept to
  the same deals. Models of neither kind (scheduled tasks, sign-in attempts, API tokens) are for
  operators.
- Anyone else on the staff sees nothing: the admin's own permissions are never granted.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from . import policy


def _deal_path(model: type[Model]) -> str | None:
    return getattr(model, "deal_path", None)


def in_deals(qs: QuerySet[Any], deals: set[int] | None) -> QuerySet[Any]:
    """The rows of these deals (all rows for None), and reference rows, which have no deal.

    A row of a deal-scoped model whose deal is empty (a national indicator framework and its
    indicators) is reference data: every deal uses it."""
    path = _deal_path(qs.model)
    if deals is None or path is None:
        return qs
    scoped = qs.filter(Q(**{f"{path}__in": deals}) | Q(**{f"{path}__isnull": True}))
    return scoped.distinct() if path.startswith("memberships") else scoped


class DealScoped:
    """For ``ModelAdmin`` and inline classes: put first among the bases.

    A model with no ``deal_path`` is for operators only, unless its admin says it holds
    ``reference_data`` (deal administrators may see it) or narrows ``scope`` itself.
    """

    model: type[Model]
    reference_data = False

    def scope(self, request: HttpRequest, qs: QuerySet[Any]) -> QuerySet[Any]:
        """The rows a deal's administrator (not an operator) may see."""
        if _deal_path(self.model) is not None:
            return in_deals(qs, self._deals(request))
        return qs if self.reference_data else qs.none()

    def _deals(self, request: HttpRequest) -> set[int] | None:
        return policy.deal_ids_administered(request.user)

    def _operator(self, request: HttpRequest) -> bool:
        return self._deals(request) is None

    def _sees(self, request: HttpRequest, obj: Model | None) -> bool:
        if not self._deals(request):
            return False
        if obj is None or isinstance(self, admin.options.InlineModelAdmin):
            # For an inline, obj is the parent, which its own admin has checked.
            return (
                _deal_path(self.model) is not None
                or self.reference_data
                or (type(self).scope is not DealScoped.scope)
            )
        return self.scope(request, type(obj)._default_manager.filter(pk=obj.pk)).exists()

    def _writable(self, request: HttpRequest, obj: Model | None) -> bool:
        """May a deal's administrator change this row (or rows of this kind, for None)?
        Only rows of their own deals: never reference rows, which every deal shares."""
        path = _deal_path(self.model)
        if path is None or not self._deals(request):
            return False
        if obj is None or isinstance(self, admin.options.InlineModelAdmin):
            return True
        deals = self._deals(request) or set()
        return type(obj)._default_manager.filter(pk=obj.pk, **{f"{path}__in": deals}).exists()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return qs if self._operator(request) else self.scope(request, qs)

    def has_module_permission(self, request: HttpRequest) -> bool:
        if self._operator(request):
            return super().has_module_permission(request)  # type: ignore[misc]
        return self._sees(request, None)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._operator(request):
            return super().has_view_permission(request, obj)  # type: ignore[misc]
        return self._sees(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        if self._operator(request):
            return super().has_add_permission(request, *args)  # type: ignore[misc]
        return self._writable(request, None)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._operator(request):
            return super().has_change_permission(request, obj)  # type: ignore[misc]
        return self._writable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        if self._operator(request):
            return super().has_delete_permission(request, obj)  # type: ignore[misc]
        return self._writable(request, obj)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return super().formfield_for_foreignkey(  # type: ignore[misc]
            db_field, request, **self._choices(db_field, request, kwargs)
        )

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        return super().formfield_for_manytomany(  # type: ignore[misc]
            db_field, request, **self._choices(db_field, request, kwargs)
        )

    def _choices(self, db_field: Any, request: HttpRequest, kwargs: dict[str, Any]) -> dict:
        """Keep a related row's choices to the person's deals (and reference rows)."""
        deals = self._deals(request)
        if deals is not None:
            related = db_field.remote_field.model
            qs = kwargs.get("queryset", related._default_manager.all())
            kwargs["queryset"] = in_deals(qs, deals)
        return kwargs


class ScopedModelAdmin(DealScoped, admin.ModelAdmin):
    pass


class ScopedTabularInline(DealScoped, admin.TabularInline):
    pass


class ScopedStackedInline(DealScoped, admin.StackedInline):
    pass


class ScopedHistoryAdmin(DealScoped, SimpleHistoryAdmin):
    pass
