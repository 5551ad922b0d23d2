"""The briefing pack for a meeting, and CSV and Excel exports."""

from __future__ import annotations

urlpatterns: list = []
