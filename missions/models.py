"""The Levelling Up missions, their metrics, and the indicators that measure progress in areas."""

from __future__ import annotations

from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.querysets import DealScopedQuerySet

from .choices import AreaLevel, Coverage, Direction, Frequency, TargetKind, Unit, YearBasis


class Mission(models.Model):
    number = models.PositiveSmallIntegerField(
        unique=True, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    short_name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(
                condition=Q(number__gte=1) & Q(number__lte=12), name="mission_number_1_to_12"
            ),
        ]

    def __str__(self) -> str:
        return f"Mission {self.number}: {self.short_name}"


class MissionStatement(models.Model):
    """A mission's wording as one document stated it; the newest is current."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="statements")
    text = models.TextField()
    source = models.CharField(max_length=300)
    stated_on = models.DateField()
    is_current = models.BooleanField(default=False)

    class Meta:
        ordering = ["mission", "-stated_on"]
        get_latest_by = "stated_on"
        constraints = [
            models.UniqueConstraint(
                fields=["mission", "stated_on"], name="statement_one_per_mission_and_date"
            ),
            models.UniqueConstraint(
                fields=["mission"],
                condition=Q(is_current=True),
                name="statement_one_current_per_mission",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mission} ({self.stated_on:%Y})"


class Metric(models.Model):
    """A headline metric by which government measures a mission."""

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text="The Statement's words on the metric.")
    coverage = models.CharField(max_length=16, choices=Coverage.choices)
    geography = models.CharField(
        max_length=300, blank=True, help_text="The geography it is measured at, as stated."
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["mission", "position"]
        constraints = [
            models.UniqueConstraint(fields=["mission", "name"], name="metric_name_unique"),
            models.CheckConstraint(
                condition=Q(coverage__in=Coverage.values), name="metric_coverage_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IndicatorFramework(models.Model):
    """A set of indicators: the missions' metrics, a regional outcomes framework, or another."""

    name = models.CharField(max_length=200, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True)
    deal = models.ForeignKey(
        "core.Deal",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="frameworks",
        help_text="Empty for a national framework that every deal uses.",
    )
    expected_theme_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many themes the source says it has."
    )
    expected_indicator_count = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many headline indicators the source says it has."
    )

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class IndicatorTheme(models.Model):
    framework = models.ForeignKey(
        IndicatorFramework, on_delete=models.CASCADE, related_name="themes"
    )
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "framework__deal"

    class Meta:
        ordering = ["framework", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"], name="indicator_theme_unique_per_framework"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    framework = models.ForeignKey(
        IndicatorFramework, on_delete=models.PROTECT, related_name="indicators"
    )
    theme = models.ForeignKey(
        IndicatorTheme, null=True, blank=True, on_delete=models.SET_NULL, related_name="indicators"
    )
    metric = models.ForeignKey(
        Metric,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="indicators",
        help_text="The mission metric this indicator reports, if any.",
    )
    code = models.SlugField(
        max_length=80, unique=True, help_text="A stable code used in imports, e.g. gva_per_hour."
    )
    name = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    unit = models.CharField(max_length=16, choices=Unit.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    source = models.CharField(max_length=300, blank=True)
    source_url = models.URLField(
        max_length=500, blank=True, help_text="Where the figures are published."
    )
    # As the publisher's metadata gives them (ONS Explore Local Statistics).
    subtitle = models.CharField(max_length=500, blank=True)
    caveats = models.TextField(blank=True)
    source_date = models.DateField(
        null=True, blank=True, help_text="When the source last published the figures."
    )
    decimal_places = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(4)],
        help_text="How many decimal places the source shows.",
    )
    unit_label = models.CharField(
        max_length=100, blank=True, help_text="The unit as the source writes it, e.g. £ million."
    )
    year_basis = models.CharField(
        max_length=12,
        choices=YearBasis.choices,
        blank=True,
        default=YearBasis.NONE,
        help_text="What a period written like 2019-20 means for this indicator.",
    )
    expected_frequency = models.PositiveSmallIntegerField(
        choices=Frequency.choices,
        default=Frequency.ANNUAL,
        help_text="How often new figures are published.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "framework__deal"

    class Meta:
        ordering = ["framework", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "name"], name="indicator_name_unique_per_framework"
            ),
            models.CheckConstraint(condition=Q(unit__in=Unit.values), name="indicator_unit_valid"),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="indicator_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(year_basis__in=YearBasis.values), name="indicator_year_basis_valid"
            ),
            models.CheckConstraint(
                condition=Q(expected_frequency__in=Frequency.values),
                name="indicator_frequency_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A real geography, identified by its ONS (GSS) code."""

    gss_code = models.CharField(max_length=9, unique=True, verbose_name="GSS code")
    name = models.CharField(max_length=200)
    level = models.CharField(max_length=24, choices=AreaLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["gss_code"]
        constraints = [
            models.CheckConstraint(
                # A GSS code, or an ITL region's code (TLC, TLC1, TLC31).
                condition=Q(gss_code__regex=r"^([EKNSW][0-9]{8}|TL[A-N][0-9A-Z]{0,2})$"),
                name="area_gss_code_format",
            ),
            models.CheckConstraint(condition=~Q(parent=F("pk")), name="area_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class Observation(models.Model):
    """One published figure: an indicator's value for an area and a period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="observations")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="observations")
    period = models.CharField(max_length=60, help_text="As the source labels it, e.g. 2020/21.")
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    # Eight places: published files hold figures as small as 0.000036 (£ million).
    value = models.DecimalField(max_digits=22, decimal_places=8)
    lower = models.DecimalField(
        max_digits=22, decimal_places=8, null=True, blank=True, verbose_name="95% CI, lower"
    )
    upper = models.DecimalField(
        max_digits=22, decimal_places=8, null=True, blank=True, verbose_name="95% CI, upper"
    )
    status = models.CharField(
        max_length=200,
        blank=True,
        help_text="A note the source marks the figure with, e.g. that it covers two areas.",
    )
    source = models.CharField(max_length=300, blank=True)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A corrected figure replaces the old one; the old value stays here.
    history = HistoricalRecords(excluded_fields=["created_at", "updated_at"])

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "indicator__framework__deal"

    class Meta:
        ordering = ["indicator", "area", "period_start", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period"], name="observation_one_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True)
                | Q(period_end__isnull=True)
                | Q(period_end__gte=F("period_start")),
                name="observation_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(period_start__isnull=True, period_end__isnull=True)
                | Q(period_start__isnull=False, period_end__isnull=False),
                name="observation_period_dates_together",
            ),
            models.CheckConstraint(
                condition=Q(lower__isnull=True) | Q(upper__isnull=True) | Q(lower__lte=F("upper")),
                name="observation_interval_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} – {self.area} – {self.period}: {self.value}"


class MissingFigure(models.Model):
    """A figure the source lists but does not give, with its reason as the source marks it
    (``x`` not available, ``u`` unreliable, ``c`` confidential, ``z`` not applicable, or words).
    Kept apart from the observations, which are figures: a missing one is never a zero."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="missing_figures"
    )
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="missing_figures")
    period = models.CharField(max_length=60, help_text="As the source labels it.")
    period_start = models.DateField()
    period_end = models.DateField()
    status = models.CharField(
        max_length=200, help_text="Why there is no figure, as the source says."
    )
    source = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "indicator__framework__deal"

    class Meta:
        ordering = ["indicator", "area", "period_start", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "period"], name="missing_figure_one_per_period"
            ),
            models.CheckConstraint(condition=~Q(status=""), name="missing_figure_says_why"),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="missing_figure_period_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} – {self.area} – {self.period}: no figure ({self.status})"


class Target(models.Model):
    """A baseline or a target for an indicator in an area."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="targets")
    kind = models.CharField(max_length=8, choices=TargetKind.choices)
    value = models.DecimalField(max_digits=18, decimal_places=4)
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1990), MaxValueValidator(2100)]
    )
    rationale = models.TextField(blank=True, help_text="The source of the figure, or why.")
    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "indicator__framework__deal"

    class Meta:
        ordering = ["indicator", "area", "kind", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "area", "kind", "year"], name="target_unique"
            ),
            models.UniqueConstraint(
                fields=["indicator", "area"],
                condition=Q(kind=TargetKind.BASELINE),
                name="target_one_baseline_per_indicator_and_area",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TargetKind.values), name="target_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.year}: {self.indicator} – {self.area}"
