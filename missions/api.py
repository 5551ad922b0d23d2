"""Read-only REST API for missions, indicators and areas (reference data for every deal)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from . import selectors
from .models import Area, Indicator, Metric, Mission, MissionStatement


class MissionStatementSerializer(serializers.ModelSerializer[MissionStatement]):
    class Meta:
        model = MissionStatement
        fields = ["text", "source", "stated_on", "is_current"]


class MetricSerializer(serializers.ModelSerializer[Metric]):
    class Meta:
        model = Metric
        fields = ["id", "name", "slug", "description", "coverage", "geography"]


class MissionSerializer(serializers.ModelSerializer[Mission]):
    statement = serializers.SerializerMethodField(help_text="The current wording.")
    statements = MissionStatementSerializer(many=True, read_only=True)
    metrics = MetricSerializer(many=True, read_only=True)

    class Meta:
        model = Mission
        fields = ["id", "number", "short_name", "slug", "statement", "statements", "metrics"]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_statement(self, obj: Mission) -> str | None:
        current = next((s for s in obj.statements.all() if s.is_current), None)
        return current.text if current else None


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    framework = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    theme = serializers.StringRelatedField()
    metric = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    mission = serializers.SerializerMethodField()

    class Meta:
        model = Indicator
        fields = [
            "id",
            "code",
            "name",
            "description",
            "framework",
            "theme",
            "metric",
            "mission",
            "unit",
            "direction",
            "source",
        ]

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_mission(self, obj: Indicator) -> int | None:
        return obj.metric.mission.number if obj.metric else None


class AreaSerializer(serializers.ModelSerializer[Area]):
    parent = serializers.SlugRelatedField(slug_field="gss_code", read_only=True)

    class Meta:
        model = Area
        fields = ["id", "gss_code", "name", "level", "parent"]


class MissionViewSet(viewsets.ReadOnlyModelViewSet[Mission]):
    serializer_class = MissionSerializer
    lookup_field = "number"
    search_fields = ["short_name"]

    def get_queryset(self) -> QuerySet[Mission]:
        return selectors.missions_with_statements_and_metrics()


class IndicatorViewSet(viewsets.ReadOnlyModelViewSet[Indicator]):
    serializer_class = IndicatorSerializer
    lookup_field = "code"
    filterset_fields: Any = {
        "framework__slug": ["exact"],
        "metric__mission__number": ["exact"],
        "unit": ["exact"],
    }
    search_fields = ["name", "code"]

    def get_queryset(self) -> QuerySet[Indicator]:
        return selectors.indicators().order_by("framework__name", "position", "name")


class AreaViewSet(viewsets.ReadOnlyModelViewSet[Area]):
    serializer_class = AreaSerializer
    lookup_field = "gss_code"
    filterset_fields = ["level", "parent__gss_code"]
    search_fields = ["name", "gss_code"]

    def get_queryset(self) -> QuerySet[Area]:
        return selectors.areas().order_by("gss_code")
