"""Pages for risks, the engagement plan, and merging or ceasing workstreams."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import URLPattern

from tracker.models import Workstream

urlpatterns: list[URLPattern] = []


def workstream_context(request: HttpRequest, workstream: Workstream) -> dict[str, Any]:
    """What this module adds to the workstream page (its template is
    tracker/records/_workstream_section.html)."""
    return {}
