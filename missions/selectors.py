"""Reads for the missions pages and API."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from .models import Area, Indicator, Metric, Mission, MissionStatement


def missions_with_statements_and_metrics() -> QuerySet[Mission]:
    return Mission.objects.prefetch_related(
        Prefetch("statements", queryset=MissionStatement.objects.order_by("-stated_on")),
        Prefetch("metrics", queryset=Metric.objects.order_by("position")),
    )


def indicators() -> QuerySet[Indicator]:
    return Indicator.objects.select_related("framework", "theme", "metric__mission")


def indicators_of_deal(deal_id: int) -> QuerySet[Indicator]:
    """The indicators a deal's work can claim to move: its own frameworks' and the national
    ones every deal uses."""
    return indicators().filter(Q(framework__deal_id=deal_id) | Q(framework__deal__isnull=True))


def areas() -> QuerySet[Area]:
    return Area.objects.select_related("parent")
