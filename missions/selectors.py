"""Reads for the missions pages and API."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404

from core import selectors as core_selectors

from . import charts, measures, metric_links, reference
from .choices import AreaLevel, Direction, TargetKind
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
    from core.models import Deal
    from tracker.selectors.base import AnyUser


def mission_choices() -> QuerySet[Mission]:
    """The missions, by number: what a field or a list's filter offers."""
    return Mission.objects.order_by("number")


def metric_choices() -> QuerySet[Metric]:
    """The missions' metrics with their mission, mission by mission: what a field offers."""
    return Metric.objects.select_related("mission").order_by("mission__number", "position")


def missions_with_statements_and_metrics() -> QuerySet[Mission]:
    return Mission.objects.prefetch_related(
        Prefetch("statements", queryset=MissionStatement.objects.order_by("-stated_on")),
        Prefetch("metrics", queryset=Metric.objects.order_by("position")),
    )


def indicators(user: AnyUser | None = None) -> QuerySet[Indicator]:
    """Indicators with their framework, theme and mission; those a person may see when one is
    named (the national frameworks', and their own deals')."""
    qs = Indicator.objects.select_related("framework", "theme", "metric__mission")
    return qs.visible_to(user) if user is not None else qs


def indicators_of_deal(deal_id: int) -> QuerySet[Indicator]:
    """The indicators a deal's work can claim to move: its own frameworks' and the national
    ones every deal uses."""
    return indicators().filter(Q(framework__deal_id=deal_id) | Q(framework__deal__isnull=True))


def areas() -> QuerySet[Area]:
    return Area.objects.select_related("parent")


def indicators_by_id(ids: Iterable[int]) -> dict[int, Indicator]:
    """The indicators with these ids, by id (one query; none for no ids)."""
    return Indicator.objects.in_bulk(set(ids))


def areas_by_id(ids: Iterable[int]) -> dict[int, Area]:
    """The areas with these ids, by id (one query; none for no ids)."""
    return Area.objects.in_bulk(set(ids))


# --- Observations and targets -----------------------------------------------------------------


def observation_list(user: AnyUser) -> QuerySet[Observation]:
    """The observations a person may see (a national framework's are for everyone signed in, a
    deal's own framework's for its people), with their indicator and area, indicator by
    indicator, area by area and period by period."""
    return (
        Observation.objects.visible_to(user)
        .select_related("indicator", "area")
        .order_by("indicator__code", "area__gss_code", "period_start", "period", "pk")
    )


def observations_of(indicator: Indicator) -> QuerySet[Observation]:
    """An indicator's observations, area by area and period by period, as the import reads
    them back."""
    return (
        Observation.objects.filter(indicator=indicator)
        .select_related("indicator", "area")
        .order_by("area__gss_code", "period_start", "period")
    )


def observations_named(keys: list[tuple[str, str, str]]) -> list[Observation]:
    """The observations held for these (indicator code, area GSS code, period), in their order
    (one query); every one must be held."""
    found = {
        (o.indicator.code, o.area.gss_code, o.period): o
        for o in Observation.objects.select_related("indicator", "area").filter(
            indicator__code__in={k[0] for k in keys},
            area__gss_code__in={k[1] for k in keys},
            period__in={k[2] for k in keys},
        )
    }
    return [found[key] for key in keys]


def target_list(user: AnyUser) -> QuerySet[Target]:
    """The baselines and targets a person may see, with their indicator (and framework) and
    area."""
    qs = Target.objects.visible_to(user).select_related("indicator__framework", "area")
    return qs.order_by("indicator__code", "area__gss_code", "kind", "year", "pk")


def targets_of(indicator: Indicator) -> QuerySet[Target]:
    """An indicator's baselines and targets, area by area."""
    return (
        Target.objects.filter(indicator=indicator)
        .select_related("area")
        .order_by("area__name", "area__gss_code", "kind", "year")
    )


def target_of(indicator: Indicator, pk: int) -> Target:
    """One of the indicator's baselines or targets, with its area; else 404."""
    target = Target.objects.select_related("area").filter(pk=pk, indicator=indicator).first()
    if target is None:
        raise Http404("No such baseline or target.")
    return target


def target_held(indicator: Indicator, area: Area, kind: str, year: int) -> bool:
    """Does the indicator have this baseline in the area already (there is one), or this
    target for the year?"""
    same = Target.objects.filter(indicator=indicator, area=area, kind=kind)
    if kind == TargetKind.TARGET:
        same = same.filter(year=year)
    return same.exists()


# --- The missions and indicator pages ---------------------------------------------------------


@dataclass(frozen=True)
class HomeArea:
    code: str = ""
    name: str = ""

    @classmethod
    def of(cls, deal: Deal | None) -> HomeArea:
        """A deal's area, named as the deal names it (else by the deal's name)."""
        if deal is None:
            return cls()
        return cls(deal.area_code, deal.area_name or deal.name)


def home_area(user: AnyUser, deal_slug: str | None = None) -> HomeArea:
    """The area whose figures the missions pages show a person: that of the deal the page shows
    them (``core.selectors.deal_for``: the one asked for with ``?deal=``, else the first they
    see). Empty for someone who sees no deal: the pages then show no area's own figures."""
    return HomeArea.of(core_selectors.deal_for(user, deal_slug))


def missions_for_page() -> QuerySet[Mission]:
    """The missions with their statements, metrics and the metrics' indicators (4 queries)."""
    return Mission.objects.prefetch_related(
        Prefetch("statements", queryset=MissionStatement.objects.order_by("-stated_on")),
        Prefetch(
            "metrics",
            queryset=Metric.objects.order_by("position").prefetch_related(
                Prefetch("indicators", queryset=Indicator.objects.order_by("position", "name"))
            ),
        ),
    )


def indicator_for_page(code: str, user: AnyUser) -> Indicator:
    """The indicator a page's address names, with its framework and mission, if the person may
    see it; else 404."""
    indicator = indicators(user).filter(code=code).first()
    if indicator is None:
        raise Http404("No such indicator.")
    return indicator


def newest_observations(where: Q) -> list[Observation]:
    """Each indicator's newest observation in each area, of those ``where`` picks, in one query.

    Newest as ``measures.latest_by_area`` has it: by period end, then start, then label, an
    undated one counting as oldest."""
    newest_first = Window(
        RowNumber(),
        partition_by=[F("indicator_id"), F("area_id")],
        order_by=[
            F("period_end").desc(nulls_last=True),
            F("period_start").desc(nulls_last=True),
            F("period").desc(),
        ],
    )
    return list(
        Observation.objects.filter(where)
        .annotate(newest=newest_first)
        .filter(newest=1)
        .select_related("area", "indicator__metric__mission")
        .order_by("indicator_id", "area__name")
    )


@dataclass(frozen=True)
class Geography:
    """The combined authority's area, its districts, and the areas it lies within."""

    combined_authority: Area | None
    districts: list[Area]  # by name
    outer: list[Area]  # the region, England...: innermost first

    @property
    def comparators(self) -> list[Area]:
        """The combined authority's area and the areas it lies within, innermost first."""
        return [a for a in [self.combined_authority, *self.outer] if a is not None]

    def comparators_of(self, area: Area) -> list[Area]:
        """The areas a chart of ``area`` compares it with: those it lies within."""
        chain = self.comparators
        return chain[chain.index(area) + 1 :] if area in chain else chain

    @property
    def charted(self) -> list[Area]:
        """The areas the indicator page draws: the districts, then the wider areas."""
        return [*self.districts, *self.comparators]


def geography(area_code: str) -> Geography:
    """A deal's geography in one query: its combined authority's area (``area_code``), the
    districts within it, and the areas it lies within (the region, England) as comparators."""
    areas = list(
        Area.objects.filter(
            Q(level__in=[AreaLevel.COUNTRY, AreaLevel.REGION, AreaLevel.COMBINED_AUTHORITY])
            | Q(parent__gss_code=area_code)
        ).order_by("name")
    )
    by_id = {a.pk: a for a in areas}
    ca = next((a for a in areas if area_code and a.gss_code == area_code), None)
    outer: list[Area] = []
    parent_id = ca.parent_id if ca else None
    while parent_id in by_id and len(outer) < len(areas):
        outer.append(by_id[parent_id])
        parent_id = by_id[parent_id].parent_id
    districts = [a for a in areas if ca is not None and a.parent_id == ca.pk]
    return Geography(combined_authority=ca, districts=districts, outer=outer)


@dataclass(frozen=True)
class LatestFigure:
    """What the missions page says of an indicator: the combined authority area's newest figure
    when it has one, else the range and median of its districts' newest."""

    indicator: Indicator
    observation: Observation | None
    districts: list[Observation]

    @property
    def values(self) -> list[Decimal]:
        return sorted(o.value for o in self.districts)

    @property
    def median(self) -> Decimal:
        return statistics.median(self.values)

    @property
    def format(self) -> charts.Format:
        shown = [self.observation] if self.observation else self.districts
        return charts.format_for(self.indicator, [o.value for o in shown])

    @property
    def text(self) -> str:
        """The figure as the page prints it: £30.62, or the districts' "£25.92 to £45.24"."""
        fmt = self.format
        if self.observation is not None:
            return fmt(self.observation.value)
        low, high = self.values[0], self.values[-1]
        return fmt(low) if low == high else f"{fmt(low)} to {fmt(high)}"

    @property
    def median_text(self) -> str:
        return self.format(self.median)

    @property
    def periods(self) -> list[str]:
        return [o.period for o in measures.ordered({o.period: o for o in self.districts}.values())]


def latest_figures(indicator_ids: Iterable[int], area_code: str) -> dict[int, LatestFigure]:
    """Indicator id -> its latest figure for the area ``area_code`` (or its districts), for
    indicators that have one; in one query, whatever the number of areas and periods."""
    if not area_code:
        return {}
    newest = newest_observations(
        Q(indicator_id__in=list(indicator_ids))
        & (Q(area__gss_code=area_code) | Q(area__parent__gss_code=area_code))
    )
    by_indicator: dict[int, list[Observation]] = {}
    for o in newest:
        by_indicator.setdefault(o.indicator_id, []).append(o)
    figures = {}
    for indicator_id, observations in by_indicator.items():
        whole = next((o for o in observations if o.area.gss_code == area_code), None)
        districts = [o for o in observations if o.area.gss_code != area_code]
        figures[indicator_id] = LatestFigure(
            indicator=observations[0].indicator, observation=whole, districts=districts
        )
    return figures


def ranked(indicator: Indicator, latest: Iterable[Observation]) -> list[tuple[int, Observation]]:
    """(rank, observation), best first: 1 is the best figure (the highest, or the lowest where
    lower is better); equal figures share a rank, and the next rank skips (1, 2, 2, 4)."""
    higher = indicator.direction != Direction.LOWER_IS_BETTER
    in_order = sorted(latest, key=lambda o: (-o.value if higher else o.value, o.area.name))
    rows: list[tuple[int, Observation]] = []
    for place, o in enumerate(in_order, start=1):
        tied = rows and rows[-1][1].value == o.value
        rows.append((rows[-1][0] if tied else place, o))
    return rows


def mission_district_figures(
    number: int,
) -> tuple[dict[Indicator, list[Observation]], list[Indicator]]:
    """A mission's indicators that have figures for metropolitan districts, each with the
    districts' newest figures, and its indicators that have none (2 queries)."""
    mission_indicators = list(indicators().filter(metric__mission__number=number))
    newest = newest_observations(
        Q(
            indicator_id__in=[i.pk for i in mission_indicators],
            area__level=AreaLevel.METROPOLITAN_DISTRICT,
        )
    )
    by_indicator: dict[int, list[Observation]] = {}
    for o in newest:
        by_indicator.setdefault(o.indicator_id, []).append(o)
    with_figures = {i: by_indicator[i.pk] for i in mission_indicators if i.pk in by_indicator}
    left_out = [i for i in mission_indicators if i.pk not in by_indicator]
    return with_figures, left_out


# --- The Statement's gap measures --------------------------------------------------------------


def _mission_by_metric() -> dict[str, int]:
    return {
        m["slug"]: mission["number"] for mission in reference.MISSIONS for m in mission["metrics"]
    }


def _in_geography(geography: measures.StatementGeography) -> Q:
    where = Q()
    for code in sorted(geography.entity_codes):
        where |= Q(area__gss_code__startswith=code)
    return where


def _figures_in(
    indicators: list[Indicator], geography: measures.StatementGeography
) -> list[Observation]:
    rows = list(
        Observation.objects.filter(_in_geography(geography), indicator__in=indicators)
        .select_related("area")
        .order_by("indicator_id", "area__name")
    )
    by_id = {i.pk: i for i in indicators}
    for o in rows:
        o.indicator = by_id[o.indicator_id]  # the measures read it: no query per row
    return rows


@dataclass(frozen=True)
class LinkedFigure:
    """A published figure linked to a metric: the link, and the indicator if it is held."""

    link: metric_links.Link
    indicator: Indicator | None


@dataclass(frozen=True)
class MetricSources:
    """What reports a metric among the published figures, or why nothing does."""

    figures: list[LinkedFigure]
    no_data: str


def metric_sources(user: AnyUser) -> dict[str, MetricSources]:
    """Metric slug -> the published figures linked to it (data/metric_links.yaml), each with
    its indicator where the person may see it held, or why there are none (1 query)."""
    links = metric_links.load()
    codes = {lk.indicator for group in links.links.values() for lk in group}
    held = {i.code: i for i in indicators(user).filter(code__in=codes)}
    found = {
        slug: MetricSources([LinkedFigure(lk, held.get(lk.indicator)) for lk in group], "")
        for slug, group in links.links.items()
    }
    found.update({slug: MetricSources([], why) for slug, why in links.no_data.items()})
    return found


@dataclass(frozen=True)
class MetricLinkView:
    link: metric_links.Link
    metric: Metric | None
    mission: int


def links_of_indicator(indicator: Indicator) -> list[MetricLinkView]:
    """The Statement's metrics an indicator reports, or is related to (1 query if any)."""
    links = metric_links.load().for_indicator(indicator.code)
    if not links:
        return []
    metrics = {
        m.slug: m
        for m in Metric.objects.filter(slug__in=[lk.metric for lk in links]).select_related(
            "mission"
        )
    }
    mission_of = _mission_by_metric()
    return [MetricLinkView(lk, metrics.get(lk.metric), mission_of[lk.metric]) for lk in links]


def statement_measures(indicator: Indicator) -> list[measures.StatementMeasure]:
    """The Statement's gap measures that an indicator takes part in, over the geography the
    Statement names (data/metric_links.yaml says which indicators report which metric): the
    decile gap for an indicator that is mission 7's metric (1 query), and the worst third for
    one linked to mission 8's metrics, over all of them (2 queries)."""
    links = metric_links.load()
    mission_of = _mission_by_metric()
    found: list[measures.StatementMeasure] = []
    for link in links.for_indicator(indicator.code):
        mission = mission_of[link.metric]
        if mission in measures.DECILE_GAP_MISSIONS and link.is_the_metric:
            observations = _figures_in([indicator], measures.UPPER_TIER)
            found.append(measures.statement_decile_gap(indicator, observations, mission))
        elif mission in measures.WORST_THIRD_MISSIONS and not any(
            m.key == "worst-third" for m in found
        ):
            mission_links = [
                lk
                for slug, n in mission_of.items()
                if n == mission
                for lk in links.for_metric(slug)
            ]
            codes = [lk.indicator for lk in mission_links]
            held = {i.code: i for i in Indicator.objects.filter(code__in=codes)}
            measured = [held[c] for c in codes if c in held]
            observations = _figures_in(measured, measures.LOWER_TIER)
            by_indicator: dict[Indicator, list[Observation]] = {i: [] for i in measured}
            for o in observations:
                by_indicator[o.indicator].append(o)
            found.append(
                measures.statement_worst_third(
                    mission,
                    by_indicator,
                    related_only=not all(lk.is_the_metric for lk in mission_links),
                )
            )
    return found


# --- The frameworks pages ---------------------------------------------------------------------


def frameworks_for(user: AnyUser) -> QuerySet[IndicatorFramework]:
    """The indicator frameworks a person may read: the national ones, then those of the deals
    they see, each with how many themes and indicators it holds (1 query)."""
    qs = (
        IndicatorFramework.objects.visible_to(user)
        .select_related("deal")
        .annotate(
            theme_count=Count("themes", distinct=True),
            indicator_count=Count("indicators", distinct=True),
        )
    )
    return qs.order_by(F("deal__name").asc(nulls_first=True), "name")


def framework_for_page(user: AnyUser, slug: str) -> IndicatorFramework:
    """A framework the person may read, with its themes and their indicators; else 404."""
    framework = (
        frameworks_for(user)
        .prefetch_related(
            Prefetch("themes", queryset=IndicatorTheme.objects.order_by("position", "name"))
        )
        .prefetch_related(
            Prefetch(
                "indicators",
                queryset=Indicator.objects.select_related("metric__mission").order_by(
                    "position", "name"
                ),
            )
        )
        .filter(slug=slug)
        .first()
    )
    if framework is None:
        raise Http404("No such framework.")
    return framework


# --- A combined authority beside its peers ----------------------------------------------------


def peer_observations(indicator_ids: Iterable[int], also: Iterable[Area] = ()) -> list[Observation]:
    """Every figure of these indicators for the combined authorities, the countries (England,
    the United Kingdom...) and the areas ``also`` names (a deal's region), with their areas and
    indicators, in one query whatever the number of areas, periods or indicators (none for no
    indicators); ``missions.peers`` reads them."""
    return list(
        Observation.objects.filter(indicator_id__in=list(indicator_ids))
        .filter(
            Q(area__level__in=[AreaLevel.COMBINED_AUTHORITY, AreaLevel.COUNTRY])
            | Q(area_id__in=[a.pk for a in also])
        )
        .select_related("area", "indicator")
        .order_by("indicator_id", "area__name", "period_end", "period_start", "period")
    )
