"""REST API for the missions, their indicators and the areas they are measured in (reference
data for every deal), and for the figures: observations, baselines and targets.

Anyone signed in reads everything here. Figures are written by administrators
(``policy.can_manage_figures``) and only through ``missions.services``: observations through the
import (``import_rows``), so a row sent to the API is checked exactly as a row of an imported
file is, and a request with one bad row writes nothing; baselines and targets through
``target_set`` and ``target_delete``.

An indicator's measures (``/indicators/{code}/measures/``) are computed by ``missions.measures``
from its figures and targets, loaded with one query each.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from core import policy
from core.api_support import DomainErrorsMixin, NumberFilter, error_responses

from . import measures, metric_links, selectors, services
from .choices import AreaLevel, TargetKind
from .models import (
    Area,
    Indicator,
    IndicatorFramework,
    IndicatorTheme,
    Metric,
    Mission,
    MissionStatement,
    Observation,
    Target,
)

if TYPE_CHECKING:
    from rest_framework.request import Request
    from rest_framework.views import APIView

ADMINISTRATORS_ONLY = "Only an administrator can change the figures."


class ManagesFigures(permissions.BasePermission):
    """Anyone signed in reads; administrators write. Checked before the request's values, so a
    refusal is a 403 whatever they were. An indicator of one deal's own framework is for that
    deal's administrators: the object check here, and the services, say so."""

    message = ADMINISTRATORS_ONLY

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return policy.can_manage_figures(request.user)

    def has_object_permission(self, request: Request, view: APIView, obj: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        return policy.can_manage_figures(request.user, obj.indicator.framework.deal_id)


# --- Missions, indicators and areas -------------------------------------------------------------


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


class MetricLinkSerializer(serializers.Serializer[Any]):
    metric = serializers.CharField(help_text="The metric's slug.")
    relation = serializers.ChoiceField(
        choices=list(metric_links.RELATIONS),
        help_text="is-the-metric: the figure the Statement names; related: a published figure "
        "on the same subject that is not the metric.",
    )
    why = serializers.CharField()


class IndicatorSerializer(serializers.ModelSerializer[Indicator]):
    framework: serializers.SlugRelatedField[IndicatorFramework] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    theme: serializers.StringRelatedField[IndicatorTheme] = serializers.StringRelatedField(
        allow_null=True
    )
    metric: serializers.SlugRelatedField[Metric] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    mission = serializers.SerializerMethodField()
    reports = serializers.SerializerMethodField(
        help_text="The Statement's headline metrics this published figure is linked to "
        "(data/metric_links.yaml): each metric's slug, whether the figure is the metric or a "
        "related one, and why."
    )

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
            "source_url",
            "source_date",
            "subtitle",
            "caveats",
            "decimal_places",
            "unit_label",
            "year_basis",
            "expected_frequency",
            "reports",
        ]
        extra_kwargs = {
            "year_basis": {
                "help_text": "What a period written like 2019-20 means: financial (April to "
                "March) or academic (September to August); empty when not set, and such "
                "periods are then kept without dates."
            },
            "expected_frequency": {
                "help_text": "How often new figures are published, in months (1, 3, 12 or 24)."
            },
        }

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_mission(self, obj: Indicator) -> int | None:
        return obj.metric.mission.number if obj.metric else None

    @extend_schema_field(MetricLinkSerializer(many=True))
    def get_reports(self, obj: Indicator) -> Any:
        return MetricLinkSerializer(metric_links.load().for_indicator(obj.code), many=True).data


class AreaSerializer(serializers.ModelSerializer[Area]):
    # A declared field named like an attribute of Field: DRF's metaclass takes it off the class.
    parent: serializers.SlugRelatedField[Area] = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="gss_code", read_only=True, allow_null=True
    )

    class Meta:
        model = Area
        fields = ["id", "gss_code", "name", "level", "parent"]


class MissionViewSet(viewsets.ReadOnlyModelViewSet[Mission]):
    serializer_class = MissionSerializer
    lookup_field = "number"
    search_fields = ["short_name"]

    def get_queryset(self) -> QuerySet[Mission]:
        return selectors.missions_with_statements_and_metrics()


# --- An indicator's measures ------------------------------------------------------------------

MEASURE_LEVEL = AreaLevel.METROPOLITAN_DISTRICT


def _figure(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=None, decimal_places=4, **kwargs)


class FreshnessSerializer(serializers.Serializer[Any]):
    last_updated = serializers.DateTimeField(
        allow_null=True, help_text="When the newest figures came in."
    )
    latest_period = serializers.CharField(help_text="The newest period's label; empty if none.")
    latest_period_end = serializers.DateField(allow_null=True)
    due_by = serializers.DateField(
        allow_null=True, help_text="When newer figures were due, by the expected frequency."
    )
    stale = serializers.BooleanField()


class MeasureRowSerializer(serializers.Serializer[Any]):
    area = serializers.CharField(source="area.gss_code", help_text="The area's GSS code.")
    area_name = serializers.CharField(source="area.name")
    value = _figure(help_text="The row's value: a gap, a figure or a rank, by the measure.")
    figure = _figure(allow_null=True, help_text="The area's own figure, where value is not.")
    group = serializers.CharField(help_text="e.g. top, others, top decile, bottom decile.")
    note = serializers.CharField()


class MeasureSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="top-gap, decile-gap or worst-third.")
    mission = serializers.IntegerField(help_text="The mission whose own measure this is.")
    title = serializers.CharField()
    value = _figure(allow_null=True, help_text="Null when there are too few areas.")
    unit = serializers.CharField(help_text="The indicator's unit.")
    explanation = serializers.CharField(help_text="How it is computed, in words.")
    too_few = serializers.CharField(help_text="Empty when computed; else why it is not.")
    rows = MeasureRowSerializer(many=True)


class PeriodFigureSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    period = serializers.CharField()
    period_start = serializers.DateField(allow_null=True)
    period_end = serializers.DateField(allow_null=True)
    value = _figure()


class TargetFigureSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    year = serializers.IntegerField()
    value = _figure()
    rationale = serializers.CharField()


class ProgressSerializer(serializers.Serializer[Any]):
    area = serializers.CharField(source="area.gss_code", help_text="The area's GSS code.")
    area_name = serializers.CharField(source="area.name")
    baseline = TargetFigureSerializer(source="progress.baseline", allow_null=True)
    target = TargetFigureSerializer(
        source="progress.target",
        allow_null=True,
        help_text="The target progress is read against (see rules.target).",
    )
    latest = PeriodFigureSerializer(source="progress.latest", allow_null=True)
    share_of_way = _figure(
        source="progress.share_of_way",
        allow_null=True,
        help_text="How much of the way from the baseline to the target the newest figure has "
        "come: 1 is there, 0 not moved, below 0 worse.",
    )
    trend = serializers.CharField(
        source="progress.trend",
        help_text="improving, worsening, no change, or not enough figures.",
    )
    trend_values = PeriodFigureSerializer(
        source="progress.trend_values", many=True, help_text="The figures read, oldest first."
    )
    rag = serializers.CharField(
        source="progress.rag", help_text="green, amber or red; empty when there is no RAG."
    )
    reason = serializers.CharField(source="progress.reason", help_text="Why this RAG, or none.")


class RulesSerializer(serializers.Serializer[Any]):
    rag = serializers.CharField()
    trend = serializers.CharField()
    freshness = serializers.CharField()
    target = serializers.CharField()


class BaselineSerializer(serializers.Serializer[Any]):
    period = serializers.CharField(source="baseline_period")
    value = _figure(source="baseline_value")


class StatementGeographySerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="uk-upper-tier or uk-lower-tier.")
    words = serializers.CharField(help_text="The Statement's own words for the geography.")
    entity_codes = serializers.ListField(
        child=serializers.CharField(), help_text="The GSS entity codes of the areas it ranks."
    )

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["entity_codes"] = sorted(data["entity_codes"])
        return data


class AreaPlaceSerializer(serializers.Serializer[Any]):
    area = serializers.CharField(source="area.gss_code", help_text="The area's GSS code.")
    area_name = serializers.CharField(source="area.name")
    figure = _figure(allow_null=True, help_text="The area's figure; null for the worst third.")
    rank = serializers.IntegerField(help_text="1 is the best.")
    of = serializers.IntegerField(help_text="How many areas were ranked.")
    decile = serializers.IntegerField(
        allow_null=True, help_text="1 (best tenth) to 10; null for the worst third."
    )
    group = serializers.CharField(help_text="e.g. top decile, bottom decile, worst third, rest.")
    note = serializers.CharField(help_text="For the worst third: the area's worst metric.")


class StatementMeasureSerializer(serializers.Serializer[Any]):
    key = serializers.CharField(help_text="decile-gap (mission 7) or worst-third (mission 8).")
    mission = serializers.IntegerField()
    title = serializers.CharField()
    indicators = serializers.ListField(
        source="indicator_codes",
        child=serializers.CharField(),
        help_text="The codes of the indicators measured.",
    )
    geography = StatementGeographySerializer()
    value = _figure(allow_null=True, help_text="For `period`; null if it cannot be computed.")
    unit = serializers.CharField()
    period = serializers.CharField(help_text="The newest period it can be computed for.")
    area_count = serializers.IntegerField(help_text="How many areas it was computed over.")
    baseline = BaselineSerializer(
        source="*",
        allow_null=True,
        help_text="The measure for the Statement's baseline (2017-2019); null if none.",
    )
    change = _figure(
        allow_null=True, help_text="value minus the baseline's (negative: the gap narrowed)."
    )
    related_only = serializers.BooleanField(
        help_text="True when computed on related published figures, not the metric itself."
    )
    note = serializers.CharField()
    explanation = serializers.CharField(help_text="How it is computed, in words.")
    places = AreaPlaceSerializer(many=True, help_text="Every area measured, best first.")

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        if instance.baseline is None:
            data["baseline"] = None
        return data


class IndicatorMeasuresSerializer(serializers.Serializer[Any]):
    indicator = serializers.CharField(help_text="The indicator's code.")
    level = serializers.CharField(help_text="The level of the areas measured and compared.")
    today = serializers.DateField(help_text="The day freshness and pace are judged on.")
    freshness = FreshnessSerializer(help_text="Of the indicator's figures in every area.")
    measures = MeasureSerializer(
        many=True,
        help_text="The gap measures of the indicator's mission over the areas' newest figures "
        "(missions 1, 8 and 9: the gap to the top area; mission 7: the decile gap).",
    )
    progress = ProgressSerializer(
        many=True, help_text="Each area with a figure, a baseline or a target, by name."
    )
    statement = StatementMeasureSerializer(
        many=True,
        help_text="The Statement of Levelling Up Missions' own gap measures this indicator "
        "takes part in, over the geography the Statement names (every UK local area at one "
        "tier), for the newest period they can be computed for and for the 2017-2019 baseline.",
    )
    rules = RulesSerializer(help_text="The rules the measures follow, as the pages print them.")


def indicator_measures(indicator: Indicator, level: str, today: date) -> dict[str, Any]:
    """Freshness over the indicator's figures, and over the areas of one level the mission's
    gap measures and each area's progress (two queries: the figures, and the baselines and
    targets)."""
    observations = list(indicator.observations.select_related("area"))
    for o in observations:
        o.indicator = indicator  # the measures read it: no query per row
    targets = list(indicator.targets.select_related("area").filter(area__level=level))
    at_level = [o for o in observations if o.area.level == level]
    latest = list(measures.latest_by_area(at_level).values())
    by_area: dict[int, list[Observation]] = {}
    for o in at_level:
        by_area.setdefault(o.area_id, []).append(o)
    targets_by_area: dict[int, list[Target]] = {}
    for t in targets:
        targets_by_area.setdefault(t.area_id, []).append(t)
    areas = {o.area_id: o.area for o in at_level} | {t.area_id: t.area for t in targets}
    progress = []
    for area in sorted(areas.values(), key=lambda a: a.name):
        own = targets_by_area.get(area.pk, [])
        baseline = next((t for t in own if t.kind == TargetKind.BASELINE), None)
        row = measures.progress(
            indicator=indicator,
            observations=by_area.get(area.pk, []),
            baseline=baseline,
            target=measures.target_for_progress(own, today),
            today=today,
        )
        progress.append({"area": area, "progress": row})
    return {
        "indicator": indicator.code,
        "level": level,
        "today": today,
        "freshness": measures.freshness(
            indicator=indicator, observations=observations, today=today
        ),
        "measures": measures.measures_for(indicator=indicator, latest=latest),
        "progress": progress,
        "statement": selectors.statement_measures(indicator),
        "rules": {
            "rag": measures.RAG_RULE,
            "trend": measures.TREND_RULE,
            "freshness": measures.FRESHNESS_RULE,
            "target": measures.TARGET_RULE,
        },
    }


MEASURE_LEVEL_PARAMETER = OpenApiParameter(
    "level",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    enum=AreaLevel.values,
    description="The level of the areas to measure and compare (one level only, so that "
    "districts are never ranked beside the region or England). Metropolitan districts when "
    "not given.",
)


INDICATOR_LOOKUP = OpenApiParameter(
    "code",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The indicator's code (e.g. gva_per_hour_worked), or its id.",
)


@extend_schema_view(retrieve=extend_schema(parameters=[INDICATOR_LOOKUP]))
class IndicatorViewSet(viewsets.ReadOnlyModelViewSet[Indicator]):
    """Indicators: the missions' metrics as measured, and the deals' outcome frameworks. One is
    found by its code or by its id."""

    serializer_class = IndicatorSerializer
    lookup_field = "code"
    filterset_fields: Any = {
        "framework__slug": ["exact"],
        "metric__mission__number": ["exact"],
        "unit": ["exact"],
    }
    search_fields = ["name", "code"]

    def get_queryset(self) -> QuerySet[Indicator]:
        return selectors.indicators(self.request.user).order_by(
            "framework__name", "position", "name"
        )

    def get_object(self) -> Indicator:
        """By code, or by id: a code is tried first, so a code made only of digits still finds
        its own indicator."""
        value = str(self.kwargs[self.lookup_field])
        indicators = self.get_queryset()
        indicator = indicators.filter(code=value).first()
        if indicator is None and value.isdigit():
            indicator = indicators.filter(pk=int(value)).first()
        if indicator is None:
            raise Http404("No such indicator.")
        self.check_object_permissions(self.request, indicator)
        return indicator

    @extend_schema(
        parameters=[INDICATOR_LOOKUP, MEASURE_LEVEL_PARAMETER],
        responses={200: IndicatorMeasuresSerializer, **error_responses(400, 401, 404)},
        description="How current the indicator's figures are; its mission's own gap measure "
        "over the areas' newest figures (missions 1, 8 and 9: the gap between the top area "
        "and the others; mission 7: the gap between the top and bottom deciles, which needs at "
        "least 10 areas); and each area's progress from its baseline towards its target, with "
        "the trend and a RAG; and in `statement`, the Statement's own gap measures over the "
        "geography it names (mission 7: the decile gap over the UK's upper-tier areas; mission "
        "8: the worst third of its lower-tier areas), each with its period, area count and "
        "2017-2019 baseline. Every rule applied is in `rules`, as the pages print it.",
    )
    @action(detail=True, methods=["get"])
    def measures(self, request: Request, code: str | None = None) -> Response:
        level = request.query_params.get("level", MEASURE_LEVEL)
        if level not in AreaLevel.values:
            raise serializers.ValidationError(
                {"level": [f"Choose one of: {', '.join(AreaLevel.values)}."]}
            )
        data = indicator_measures(self.get_object(), level, timezone.localdate())
        return Response(IndicatorMeasuresSerializer(data).data)


class AreaViewSet(viewsets.ReadOnlyModelViewSet[Area]):
    serializer_class = AreaSerializer
    lookup_field = "gss_code"
    filterset_fields = ["level", "parent__gss_code"]
    search_fields = ["name", "gss_code"]

    def get_queryset(self) -> QuerySet[Area]:
        return selectors.areas().order_by("gss_code")


# --- Observations -------------------------------------------------------------------------------


class ObservationSerializer(serializers.ModelSerializer[Observation]):
    """One published figure: an indicator's value for an area and a period."""

    indicator: serializers.SlugRelatedField[Indicator] = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="The indicator's code."
    )
    indicator_name = serializers.CharField(source="indicator.name", read_only=True)
    unit = serializers.CharField(
        source="indicator.unit", read_only=True, help_text="The indicator's unit."
    )
    area: serializers.SlugRelatedField[Area] = serializers.SlugRelatedField(
        slug_field="gss_code", read_only=True, help_text="The area's GSS code."
    )
    area_name = serializers.CharField(source="area.name", read_only=True)

    class Meta:
        model = Observation
        fields = [
            "id",
            "indicator",
            "indicator_name",
            "unit",
            "area",
            "area_name",
            "period",
            "period_start",
            "period_end",
            "value",
            "lower",
            "upper",
            "status",
            "source",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "period_start": {"help_text": "Null when the period's dates are not known."},
            "period_end": {"help_text": "Null when the period's dates are not known."},
        }


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}],
        "description": 'The figure: a number, as text (preferred: "30.62") or as a JSON '
        "number; at most 4 decimal places.",
    }
)
class FigureField(serializers.Field):
    """Described for the schema only: the rows are read by ``_rows``, as the import reads them."""


class ObservationRowSerializer(serializers.Serializer[Any]):
    """One row of the import's long format (the columns of its CSV file)."""

    indicator = serializers.CharField(help_text="The indicator's code, e.g. gva_per_hour_worked.")
    unit = serializers.CharField(help_text="The indicator's unit: it must agree with it.")
    period = serializers.CharField(help_text="As the source labels it: 2019, 2020/21, 2019-20.")
    area_code = serializers.CharField(
        help_text="The area's ONS (GSS) code: a letter and eight digits."
    )
    area_name = serializers.CharField(
        required=False, help_text="For people reading the row; not checked."
    )
    value = FigureField()
    # A declared field named like an attribute of Field: DRF's metaclass takes it off the class.
    source = serializers.CharField(required=False, allow_blank=True)  # type: ignore[assignment]


class RowErrorSerializer(serializers.Serializer[Any]):
    row = serializers.IntegerField(help_text="The row's place in the request, counting from 1.")
    reason = serializers.CharField()


class ImportResultSerializer(serializers.Serializer[Any]):
    new = serializers.IntegerField(help_text="Figures added.")
    corrected = serializers.IntegerField(
        help_text="Figures held for the same indicator, area and period that changed; the old "
        "values stay in their history."
    )
    unchanged = serializers.IntegerField(help_text="Figures already held as sent.")
    new_indicators = serializers.IntegerField(
        help_text="Indicators created for codes not known (only with create_missing_indicators)."
    )
    undated = RowErrorSerializer(
        many=True,
        help_text="Rows kept with their period as labelled but without dates: a split year "
        "(2019-20) of an indicator whose year basis is not set.",
    )
    rows = ObservationSerializer(many=True, help_text="The figures as now held, one per row.")


ROW_ERRORS = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description="Rows that are wrong, each with the reason, and nothing written: "
    '`{"rows": [{"row": 2, "reason": "..."}]}`. A body that is not a row (or, for bulk, '
    'not a list of rows) is refused with `{"non_field_errors": ["..."]}`.',
    examples=[
        OpenApiExample(
            "Bad rows",
            value={
                "rows": [
                    {"row": 2, "reason": "The area code 'E0800002' is not an area this app knows."}
                ]
            },
            status_codes=[400],
        )
    ],
)
CREATE_MISSING = OpenApiParameter(
    "create_missing_indicators",
    OpenApiTypes.BOOL,
    OpenApiParameter.QUERY,
    description="Create an indicator for a code not known (named from its code, in the "
    "'Imported indicators' framework) instead of refusing the row.",
)
IMPORTED = {
    201: OpenApiResponse(
        ImportResultSerializer, description="At least one figure or indicator was added."
    ),
    200: OpenApiResponse(
        ImportResultSerializer,
        description="Nothing was added: every figure was already held, or only corrected.",
    ),
    400: ROW_ERRORS,
    **error_responses(401, 403),
}
TRUE = {"1", "true", "yes", "on"}


class RowsRefused(Exception):
    def __init__(self, errors: list[services.RowError]) -> None:
        super().__init__(f"{len(errors)} row(s) are wrong.")
        self.errors = errors


def _rows(items: list[Any]) -> list[dict[str, str]]:
    """The rows as the import reads a file's: text under the format's column names. A row that
    is not an object, or a value that is not text or a number, is refused here; everything else
    is for the import to check."""
    rows, errors = [], []
    for number, item in enumerate(items, start=1):
        if not isinstance(item, Mapping):
            errors.append(
                services.RowError(number, "This row is not an object of column names and values.")
            )
            continue
        row = {}
        for name in services.COLUMNS:
            value = item.get(name)
            if value is None:
                row[name] = ""
            elif isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
                errors.append(services.RowError(number, f"The {name} must be text or a number."))
            else:
                row[name] = str(value)
        rows.append(row)
    if errors:
        raise RowsRefused(errors)
    return rows


def _refused(errors: list[services.RowError]) -> Response:
    return Response(
        {"rows": [{"row": e.row, "reason": e.reason} for e in errors]},
        status=status.HTTP_400_BAD_REQUEST,
    )


def _not_rows(message: str) -> Response:
    return Response({"non_field_errors": [message]}, status=status.HTTP_400_BAD_REQUEST)


def _held(rows: list[dict[str, str]]) -> list[Observation]:
    """The observations the rows name, as now held, in the rows' order (one query)."""
    keys = [
        (r["indicator"].strip(), r["area_code"].strip().upper(), r["period"].strip()) for r in rows
    ]
    return selectors.observations_named(keys)


class ObservationFilter(filters.FilterSet):
    indicator = filters.CharFilter(field_name="indicator__code", help_text="An indicator's code.")
    area = filters.CharFilter(method="filter_area", help_text="An area's GSS code.")
    level = filters.ChoiceFilter(
        field_name="area__level", choices=AreaLevel.choices, help_text="The areas' level."
    )
    mission = NumberFilter(
        field_name="indicator__metric__mission__number",
        help_text="The number of the mission whose metric the indicator reports.",
    )
    period = filters.CharFilter(field_name="period", help_text="The period as labelled.")
    period_start = filters.DateFromToRangeFilter(
        field_name="period_start",
        help_text="Periods starting on or after `period_start_after` and on or before "
        "`period_start_before`; undated periods are left out of either.",
    )

    class Meta:
        model = Observation
        fields = ["indicator", "area", "level", "mission", "period", "period_start", "is_demo"]

    def filter_area(self, queryset: QuerySet[Observation], name: str, value: str) -> Any:
        return queryset.filter(area__gss_code=value.strip().upper())


@extend_schema_view(
    list=extend_schema(
        description="Published figures, by indicator, area and period (anyone signed in)."
    ),
)
class ObservationViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet[Observation],
):
    """Observations: each indicator's published figures for areas and periods. Added and
    corrected by administrators through the import's rules; never deleted here."""

    serializer_class = ObservationSerializer
    filterset_class = ObservationFilter
    permission_classes = [permissions.IsAuthenticated, ManagesFigures]
    ordering_fields = ["period_start", "period_end", "period", "value", "updated_at"]
    search_fields = ["indicator__code", "indicator__name", "area__name", "period"]

    def get_queryset(self) -> QuerySet[Observation]:
        return selectors.observation_list(self.request.user)

    def _import(self, request: Request, items: list[Any]) -> Response:
        try:
            rows = _rows(items)
        except RowsRefused as refused:
            return _refused(refused.errors)
        create = str(request.query_params.get("create_missing_indicators", "")).lower() in TRUE
        try:
            plan = services.import_rows(
                rows, acting_user=policy.signed_in(request.user), create_missing_indicators=create
            )
        except services.ImportRejected as rejected:
            return _refused(rejected.errors)
        held = _held(rows)
        added = bool(plan.new or plan.new_indicators)
        response = Response(
            {
                "new": len(plan.new),
                "corrected": len(plan.corrected),
                "unchanged": plan.unchanged,
                "new_indicators": len(plan.new_indicators),
                "undated": [{"row": e.row, "reason": e.reason} for e in plan.undated],
                "rows": self.get_serializer(held, many=True).data,
            },
            status=status.HTTP_201_CREATED if added else status.HTTP_200_OK,
        )
        if len(held) == 1:
            response["Location"] = reverse(
                "api:observation-detail", args=[held[0].pk], request=request
            )
        return response

    @extend_schema(
        request=ObservationRowSerializer,
        parameters=[CREATE_MISSING],
        responses=IMPORTED,
        description="Add or correct one figure (administrators only), as one row of the import "
        "is checked: the indicator and area must be known, the unit must agree with the "
        "indicator's, the value must be a number, and the period must read as a period. A "
        "figure already held for the same indicator, area and period is corrected (its old "
        "value kept in the history) or, when the same, left alone. An indicator of another "
        "deal's framework is for that deal's administrators.",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not isinstance(request.data, Mapping):
            return _not_rows("Send one row as a JSON object of column names and values.")
        return self._import(request, [request.data])

    @extend_schema(
        request=ObservationRowSerializer(many=True),
        parameters=[CREATE_MISSING],
        responses=IMPORTED,
        description="Add or correct many figures at once, all or nothing (administrators "
        "only): every row is checked as one row of an imported file is, and one bad row "
        "refuses them all, with each bad row's number and reason. Sending the same rows again "
        "changes nothing.",
    )
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        if not isinstance(request.data, list):
            return _not_rows("Send a JSON list of rows.")
        if not request.data:
            return _not_rows("Send at least one row.")
        if len(request.data) > services.MAX_ROWS:
            return _not_rows(f"Send at most {services.MAX_ROWS:,} rows at once.")
        return self._import(request, request.data)


# --- Baselines and targets ----------------------------------------------------------------------


class AreaCodeField(serializers.SlugRelatedField[Area]):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", selectors.areas())
        super().__init__(slug_field="gss_code", **kwargs)
        self.error_messages["does_not_exist"] = "There is no area with the GSS code {value}."

    def to_internal_value(self, data: Any) -> Area:
        return super().to_internal_value(str(data).strip().upper())


class IndicatorCodeField(serializers.SlugRelatedField[Indicator]):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", selectors.indicators())
        super().__init__(slug_field="code", **kwargs)
        self.error_messages["does_not_exist"] = "There is no indicator with the code {value}."


FIXED = ("indicator", "area", "kind")


class TargetSerializer(serializers.ModelSerializer[Target]):
    """A baseline (one per indicator and area) or a target for a year."""

    indicator = IndicatorCodeField(help_text="The indicator's code.")
    area = AreaCodeField(help_text="The area's GSS code.")
    area_name = serializers.CharField(source="area.name", read_only=True)
    value = serializers.DecimalField(
        max_digits=18, decimal_places=4, help_text="In the indicator's unit."
    )

    class Meta:
        model = Target
        fields = ["id", "indicator", "area", "area_name", "kind", "year", "value", "rationale"]
        # Setting a baseline or target again changes it (the service's rule), so the unique
        # constraints are not checked here as for a new row.
        validators: ClassVar[list[Any]] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        target = self.instance
        if target is None:
            return attrs
        errors = {
            name: "A baseline or target stays with its indicator, area and kind: delete it and "
            "set another"
            for name in FIXED
            if name in attrs and attrs[name] != getattr(target, name)
        }
        year = attrs.get("year", target.year)
        if target.kind == TargetKind.TARGET and year != target.year:
            errors["year"] = (
                "A target is set for its year: delete it and set one for the other year"
            )
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class TargetFilter(filters.FilterSet):
    indicator = filters.CharFilter(field_name="indicator__code", help_text="An indicator's code.")
    area = filters.CharFilter(method="filter_area", help_text="An area's GSS code.")

    class Meta:
        model = Target
        fields = ["indicator", "area", "kind", "year"]

    def filter_area(self, queryset: QuerySet[Target], name: str, value: str) -> Any:
        return queryset.filter(area__gss_code=value.strip().upper())


TARGET_WRITES = {200: TargetSerializer, **error_responses(400, 401, 403, 404)}


@extend_schema_view(
    list=extend_schema(description="Baselines and targets (anyone signed in)."),
    create=extend_schema(
        responses={
            201: OpenApiResponse(TargetSerializer, description="A new baseline or target."),
            200: OpenApiResponse(
                TargetSerializer,
                description="The indicator already had this baseline in this area (or this "
                "target for this year): it now has the values sent.",
            ),
            **error_responses(400, 401, 403),
        },
        description="Set an indicator's baseline in an area, or its target for a year "
        "(administrators only). There is one baseline for an indicator and area: setting it "
        "again moves it. Setting a target for a year it has changes that target.",
    ),
    update=extend_schema(responses=TARGET_WRITES),
    partial_update=extend_schema(
        responses=TARGET_WRITES,
        description="Change the value, rationale or (for a baseline) the year. A target's "
        "indicator, area, kind and year say which it is: to change them, delete it and set "
        "another.",
    ),
    destroy=extend_schema(responses={204: None, **error_responses(401, 403, 404)}),
)
class TargetViewSet(
    DomainErrorsMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet[Target],
):
    """Baselines and targets of indicators in areas."""

    serializer_class = TargetSerializer
    filterset_class = TargetFilter
    permission_classes = [permissions.IsAuthenticated, ManagesFigures]
    ordering_fields = ["year", "value"]

    def get_queryset(self) -> QuerySet[Target]:
        return selectors.target_list(self.request.user)

    def _respond(self, target: Target, status_code: int) -> Response:
        return Response(
            self.get_serializer(self.get_queryset().get(pk=target.pk)).data, status=status_code
        )

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = serializer.validated_data
        existed = selectors.target_held(
            values["indicator"], values["area"], values["kind"], values["year"]
        )
        target = services.target_set(acting_user=policy.signed_in(request.user), **values)
        response = self._respond(target, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
        response["Location"] = reverse("api:target-detail", args=[target.pk], request=request)
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        target = self.get_object()
        partial = bool(kwargs.get("partial", False))
        serializer = self.get_serializer(target, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        values: dict[str, Any] = {
            "indicator": target.indicator,
            "area": target.area,
            "kind": target.kind,
            "year": target.year,
            "value": target.value,
            "rationale": target.rationale,
        } | dict(serializer.validated_data)
        target = services.target_set(acting_user=policy.signed_in(request.user), **values)
        return self._respond(target, status.HTTP_200_OK)

    def perform_destroy(self, instance: Target) -> None:
        services.target_delete(target=instance, acting_user=policy.signed_in(self.request.user))
