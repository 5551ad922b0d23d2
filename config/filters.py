"""The API's list ordering (a filter backend in ``REST_FRAMEWORK``; kept apart from
``api_support``, which DRF's settings cannot import while its own views load)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework.filters import OrderingFilter


class StableOrderingFilter(OrderingFilter):
    """DRF's ordering (``?ordering=``, or the view's own), then by id: rows that tie on the
    chosen fields keep one order from request to request, so a page never repeats a row of
    another or skips one, on PostgreSQL as on SQLite."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> Sequence[str] | None:
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        fields = list(ordering)
        if not any(f.lstrip("-") in ("pk", "id") for f in fields):
            fields.append("pk")
        return fields
