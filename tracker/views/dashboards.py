"""The Devolution Strategy Group's portfolio overview and its partner-safe version."""

from __future__ import annotations

urlpatterns: list = []
