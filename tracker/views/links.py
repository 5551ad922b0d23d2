"""Pages that link a workstream to the missions, metrics and indicators it claims to move."""

from __future__ import annotations

urlpatterns: list = []
