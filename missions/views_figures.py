"""Pages for administrators who keep the figures: importing observations (upload, preview,
confirm), and baselines and targets."""

from __future__ import annotations

urlpatterns: list = []
