"""Admin for the missions, their metrics, the indicator frameworks, areas and published figures.

Observations and targets grow to many thousands of rows, so their indicator and area are picked
by search, and their lists can be narrowed by framework and by the level of geography.

Figures (observations, baselines and targets) are saved through the services, by the rules of an
import and of the figures pages; the missions, metrics, frameworks, indicators and areas are
reference data with no rule beyond their constraints and the forms' checks.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Prefetch, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.text import Truncator

from accounts.admin_scope import (
    PLAIN,
    READ_ONLY,
    ReadOnly,
    ScopedHistoryAdmin,
    ScopedModelAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    ServiceWrites,
)
from accounts.models import User
from core import policy

from . import services
from .choices import TargetKind
from .models import (
    Area,
    Indicator,
    IndicatorFramework,
    IndicatorTheme,
    Metric,
    MissingFigure,
    Mission,
    MissionStatement,
    Observation,
    Target,
)

# --- Missions and metrics ---------------------------------------------------------------------


class MissionStatementFormSet(BaseInlineFormSet):
    """Refuses two current wordings in one save (the database allows one per mission)."""

    def clean(self) -> None:
        super().clean()
        current = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not self._should_delete_form(form)  # type: ignore[attr-defined]  # private to Django
            and form.cleaned_data.get("is_current")
        ]
        if len(current) > 1:
            raise ValidationError("Only one wording of a mission is current.")


REFERENCE = PLAIN + "reference data from the sources, with no rule beyond its constraints"


class MissionStatementInline(ScopedStackedInline):
    writes = REFERENCE
    model = MissionStatement
    formset = MissionStatementFormSet
    fields = ("stated_on", "is_current", "source", "text")
    extra = 0


class MetricInline(ScopedTabularInline):
    writes = REFERENCE
    model = Metric
    fields = ("position", "name", "slug", "coverage", "geography")
    prepopulated_fields = {"slug": ("name",)}
    extra = 0
    show_change_link = True


@admin.register(Mission)
class MissionAdmin(ScopedModelAdmin):
    writes = REFERENCE
    reference_data = True
    list_display = ("number", "short_name", "current_statement", "metric_count")
    list_display_links = ("number", "short_name")
    search_fields = ("short_name", "slug", "statements__text")
    ordering = ("number",)
    prepopulated_fields = {"slug": ("short_name",)}
    inlines = (MissionStatementInline, MetricInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(metric_total=Count("metrics", distinct=True))
            .prefetch_related(
                Prefetch(
                    "statements",
                    queryset=MissionStatement.objects.filter(is_current=True),
                    to_attr="current_statements",
                )
            )
        )

    @admin.display(description="current wording")
    def current_statement(self, obj: Mission) -> str:
        statements = getattr(obj, "current_statements", [])
        return Truncator(statements[0].text).chars(90) if statements else "–"

    @admin.display(description="metrics", ordering="metric_total")
    def metric_count(self, obj: Mission) -> int | None:
        return getattr(obj, "metric_total", None)


@admin.register(MissionStatement)
class MissionStatementAdmin(ScopedModelAdmin):
    writes = REFERENCE
    reference_data = True
    list_display = ("mission", "stated_on", "is_current", "source")
    list_filter = ("mission", "is_current")
    list_select_related = ("mission",)
    search_fields = ("text", "source", "mission__short_name")
    ordering = ("mission", "-stated_on")
    date_hierarchy = "stated_on"


@admin.register(Metric)
class MetricAdmin(ScopedModelAdmin):
    writes = REFERENCE
    reference_data = True
    list_display = ("name", "mission", "coverage", "geography", "position")
    list_filter = ("mission", "coverage")
    list_select_related = ("mission",)
    search_fields = ("name", "slug", "description", "geography")
    ordering = ("mission", "position")
    prepopulated_fields = {"slug": ("name",)}


# --- Indicator frameworks ---------------------------------------------------------------------


FRAMEWORK = PLAIN + "an outcomes framework as its administrators enter it, checked by the forms"


class IndicatorThemeInline(ScopedTabularInline):
    writes = FRAMEWORK
    model = IndicatorTheme
    fields = ("position", "name")
    extra = 0
    show_change_link = True


@admin.register(IndicatorFramework)
class IndicatorFrameworkAdmin(ScopedModelAdmin):
    writes = FRAMEWORK
    list_display = (
        "name",
        "deal",
        "theme_count",
        "expected_theme_count",
        "indicator_count",
        "expected_indicator_count",
    )
    list_filter = ("deal",)
    list_select_related = ("deal",)
    search_fields = ("name", "slug", "description", "source")
    ordering = ("name",)
    prepopulated_fields = {"slug": ("name",)}
    inlines = (IndicatorThemeInline,)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                theme_total=Count("themes", distinct=True),
                indicator_total=Count("indicators", distinct=True),
            )
        )

    @admin.display(description="themes", ordering="theme_total")
    def theme_count(self, obj: IndicatorFramework) -> int | None:
        return getattr(obj, "theme_total", None)

    @admin.display(description="indicators", ordering="indicator_total")
    def indicator_count(self, obj: IndicatorFramework) -> int | None:
        return getattr(obj, "indicator_total", None)


@admin.register(IndicatorTheme)
class IndicatorThemeAdmin(ScopedModelAdmin):
    writes = FRAMEWORK
    list_display = ("name", "framework", "position")
    list_filter = ("framework",)
    list_select_related = ("framework",)
    search_fields = ("name", "framework__name")
    ordering = ("framework", "position", "name")


class IndicatorForm(forms.ModelForm):
    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        framework, theme = cleaned.get("framework"), cleaned.get("theme")
        if framework is not None and theme is not None and theme.framework_id != framework.pk:
            self.add_error("theme", "This theme belongs to another framework.")
        return cleaned


@admin.register(Indicator)
class IndicatorAdmin(ScopedModelAdmin):
    writes = FRAMEWORK
    form = IndicatorForm
    # A source address typed without its scheme is taken as https (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("code", "name", "framework", "theme", "metric", "unit", "direction")
    list_filter = ("framework", "unit", "direction", "theme")
    list_select_related = ("framework", "theme", "metric")
    search_fields = ("code", "name", "description", "source")
    ordering = ("framework", "position", "name")
    autocomplete_fields = ("theme", "metric")


# --- Areas and published figures --------------------------------------------------------------


@admin.register(Area)
class AreaAdmin(ScopedModelAdmin):
    writes = REFERENCE
    reference_data = True
    list_display = ("gss_code", "name", "level", "parent")
    list_filter = ("level",)
    list_select_related = ("parent",)
    search_fields = ("gss_code", "name")
    ordering = ("gss_code",)
    autocomplete_fields = ("parent",)


def acting(request: HttpRequest) -> User:
    return policy.signed_in(request.user)


@admin.register(MissingFigure)
class MissingFigureAdmin(ReadOnly, ScopedModelAdmin):
    """A figure the source lists without giving it, and why: written only by an import of the
    source's file, and changed only by the next."""

    writes = READ_ONLY
    list_display = ("indicator", "area", "period", "status", "source")
    list_filter = ("indicator__framework", "area__level", "status")
    list_select_related = ("indicator", "area")
    search_fields = ("indicator__code", "indicator__name", "area__name", "area__gss_code", "period")


@admin.register(Observation)
class ObservationAdmin(ServiceWrites, ScopedHistoryAdmin):  # a corrected figure's earlier values
    """A figure is added or corrected as a one-row import (``import_rows``): the same checks of
    its value and period, the period's dates read from its label, and a correction keeping the
    old value in the history. Figures are not deleted: a wrong one is corrected."""

    list_display = ("indicator", "area", "period", "value", "source", "is_demo")
    list_filter = ("indicator__framework", "area__level", "is_demo")
    list_select_related = ("indicator", "area")
    search_fields = ("indicator__code", "indicator__name", "area__name", "area__gss_code", "period")
    ordering = ("indicator", "area", "period_start", "period")
    autocomplete_fields = ("indicator", "area")
    readonly_fields = ("period_start", "period_end", "is_demo", "created_at", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # Another indicator, area or period is another figure.
        fixed = self.readonly_fields
        return fixed if obj is None else ("indicator", "area", "period", *fixed)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj: Observation, form, change: bool) -> None:
        row = {
            "indicator": obj.indicator.code,
            "unit": obj.indicator.unit,
            "period": obj.period,
            "area_code": obj.area.gss_code,
            "value": services.format_value(obj.value),
            "source": obj.source,
        }
        with self.service():
            try:
                services.import_rows([row], acting_user=acting(request))
            except services.ImportRejected as rejected:
                raise ValidationError([error.reason for error in rejected.errors]) from None
        saved = Observation.objects.get(indicator=obj.indicator, area=obj.area, period=obj.period)
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False


@admin.register(Target)
class TargetAdmin(ServiceWrites, ScopedHistoryAdmin):
    """Set and deleted through the services, as on the indicator's page and the API."""

    list_display = ("indicator", "area", "kind", "year", "value")
    list_filter = ("kind", "indicator__framework", "area__level")
    list_select_related = ("indicator", "area")
    search_fields = ("indicator__code", "indicator__name", "area__name", "area__gss_code")
    ordering = ("indicator", "area", "kind", "year")
    autocomplete_fields = ("indicator", "area")

    def get_readonly_fields(self, request, obj=None):
        # target_set finds a baseline by its indicator and area, a target by its year too: on
        # an existing one those stay as they are (delete it and add another instead).
        if obj is None:
            return ()
        year = ("year",) if obj.kind == TargetKind.TARGET else ()
        return ("indicator", "area", "kind", *year)

    def save_model(self, request, obj: Target, form, change: bool) -> None:
        with self.service():
            saved = services.target_set(
                indicator=obj.indicator,
                area=obj.area,
                kind=obj.kind,
                year=obj.year,
                value=obj.value,
                rationale=obj.rationale,
                acting_user=acting(request),
            )
        obj.pk = saved.pk
        obj.refresh_from_db()
        obj._state.adding = False

    def delete_model(self, request, obj: Target) -> None:
        with self.service():
            services.target_delete(target=obj, acting_user=acting(request))

    def delete_queryset(self, request, queryset: QuerySet[Target]) -> None:
        with self.service():
            for target in queryset.select_related("indicator__framework"):
                services.target_delete(target=target, acting_user=acting(request))
