"""The pipeline, mission coverage, the asks of the DSG and the timeline ahead."""

from __future__ import annotations

urlpatterns: list = []
