"""The missions page, the indicator page and the framework pages: what the missions say, what
the figures say, and which of the deal's workstreams and proposals claim to move them (so they
live with the deal's pages, above the missions app they read). Every page reads a bounded
number of queries, whatever the number of areas, periods, workstreams or proposals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone

from core import policy
from core.text import word_diff
from missions import charts, measures, peers, selectors
from missions.choices import AreaLevel, TargetKind
from missions.models import Area, Indicator, IndicatorTheme, Metric, Observation, Target
from missions.services import format_value
from tracker.selectors import links


def mission_list(request: HttpRequest) -> HttpResponse:
    missions = list(selectors.missions_for_page())
    claims = links.claims_by_mission(request.user)
    area = selectors.home_area(request.user, request.GET.get("deal"))
    sources = selectors.metric_sources(request.user)

    def indicators_of(metric: Metric) -> list[Indicator]:
        """The metric's own indicators, then the published figures linked to it."""
        own = list(metric.indicators.all())
        held = (f.indicator for f in sources[metric.slug].figures if f.indicator is not None)
        return own + [i for i in held if i not in own]

    figures = selectors.latest_figures(
        (i.pk for m in missions for metric in m.metrics.all() for i in indicators_of(metric)),
        area.code,
    )
    for mission in missions:
        statements = list(mission.statements.all())
        current = next((s for s in statements if s.is_current), None)
        mission.current_statement = current  # type: ignore[attr-defined]
        earlier_statements = [
            s
            for s in statements
            if not s.is_current and (current is None or s.text != current.text)
        ]
        mission.earlier_statements = earlier_statements  # type: ignore[attr-defined]
        for earlier in earlier_statements:
            earlier.diff = word_diff(earlier.text, current.text) if current else None  # type: ignore[attr-defined]
        mission.claims = claims.get(mission.pk, links.Claims())  # type: ignore[attr-defined]
        mission.figures = [  # type: ignore[attr-defined]
            (metric, indicator, figures.get(indicator.pk))
            for metric in mission.metrics.all()
            for indicator in indicators_of(metric)
        ]
        for metric in mission.metrics.all():
            metric.sources = sources[metric.slug]  # type: ignore[attr-defined]
    return render(
        request,
        "missions/mission_list.html",
        {
            "missions": missions,
            "area": area,
            "can_manage_figures": policy.can_manage_figures(request.user),
            "peer_standings": peers.standings(
                observations=selectors.peer_observations(
                    [i.pk for m in missions for x in m.metrics.all() for i in indicators_of(x)]
                    if area.code
                    else []
                ),
                area_code=area.code,
            ),
        },
    )


# --- The indicator page -----------------------------------------------------------------------


@dataclass(frozen=True)
class RankRow:
    area: Area
    observation: Observation
    rank: int | None  # None for a comparator
    text: str

    @property
    def label(self) -> str:
        return charts.area_label(self.area)


@dataclass(frozen=True)
class ProgressRow:
    area: Area
    progress: measures.Progress
    baseline_text: str
    target_text: str
    latest_text: str
    share_text: str


def _by_area(observations: list[Observation]) -> dict[int, list[Observation]]:
    by_area: dict[int, list[Observation]] = {}
    for o in observations:
        by_area.setdefault(o.area_id, []).append(o)
    return by_area


def _ranking(
    indicator: Indicator, observations: list[Observation], geography: selectors.Geography
) -> tuple[list[RankRow], list[RankRow]]:
    """The metropolitan districts ranked by their newest figures, and the comparators' newest."""
    fmt = charts.format_for(indicator, [o.value for o in observations])
    districts = [o for o in observations if o.area.level == AreaLevel.METROPOLITAN_DISTRICT]
    newest = measures.latest_by_area(districts)
    ranked = [
        RankRow(o.area, o, rank, fmt(o.value))
        for rank, o in selectors.ranked(indicator, newest.values())
    ]
    newest_anywhere = measures.latest_by_area(observations)
    comparators = [
        RankRow(a, newest_anywhere[a.pk], None, fmt(newest_anywhere[a.pk].value))
        for a in geography.comparators
        if a.pk in newest_anywhere
    ]
    return ranked, comparators


def _progress(
    indicator: Indicator,
    observations: list[Observation],
    targets: list[Target],
    geography: selectors.Geography,
    today: date,
) -> list[ProgressRow]:
    """Progress in each of the deal's areas, and in any other area with a baseline or a
    target: every area with something to say."""
    fmt = charts.format_for(indicator, [o.value for o in observations])
    by_area = _by_area(observations)
    targets_by_area: dict[int, list[Target]] = {}
    for t in targets:
        targets_by_area.setdefault(t.area_id, []).append(t)
    areas = [a for a in [*geography.districts, *geography.comparators] if a.pk in by_area]
    shown = {a.pk for a in areas}
    areas += sorted(
        {t.area for t in targets if t.area_id not in shown}, key=lambda a: (a.level, a.name)
    )
    rows = []
    for area in areas:
        own = targets_by_area.get(area.pk, [])
        baseline = next((t for t in own if t.kind == TargetKind.BASELINE), None)
        target = measures.target_for_progress(own, today)
        p = measures.progress(
            indicator=indicator,
            observations=by_area.get(area.pk, []),
            baseline=baseline,
            target=target,
            today=today,
        )
        rows.append(
            ProgressRow(
                area=area,
                progress=p,
                baseline_text=_target_text(baseline, fmt),
                target_text=_target_text(target, fmt),
                latest_text=(f"{fmt(p.latest.value)} ({p.latest.period})" if p.latest else ""),
                share_text=_share(p.share_of_way),
            )
        )
    return rows


def _target_text(target: Target | None, fmt: charts.Format) -> str:
    return f"{fmt(target.value)} ({target.year})" if target else ""


def _share(share: Decimal | None) -> str:
    if share is None:
        return ""
    return f"{(share * 100).quantize(Decimal(1))}%"


@dataclass(frozen=True)
class MeasureRowView:
    area: Area
    figure_text: str
    value_text: str
    group: str
    note: str


@dataclass(frozen=True)
class MeasureView:
    """A measure as the page prints it: every number already written with its unit."""

    measure: measures.Measure
    value_text: str
    value_header: str  # the heading of the rows' own column ("" when there is none)
    rows: list[MeasureRowView]
    by_indicator: list[tuple[str, str, str, str]]  # name, worst third's mean, rest's, gap

    @property
    def has_notes(self) -> bool:
        return any(r.note for r in self.rows)


VALUE_HEADERS = {"top-gap": "Gap to the top", "worst-third": "Worst rank"}


def _measure_view(measure: measures.Measure) -> MeasureView:
    unit = measure.unit

    def text(value: Decimal | None) -> str:
        return charts.figure(value, unit) if value is not None else ""

    header = VALUE_HEADERS.get(measure.key, "")
    rows = [
        MeasureRowView(
            area=r.area,
            figure_text=text(r.figure),
            value_text=(format_value(r.value) if measure.key == "worst-third" else text(r.value))
            if header
            else "",
            group=r.group,
            note=r.note,
        )
        for r in measure.rows
    ]
    by_indicator = [
        (g.indicator.name, text(g.worst_mean), text(g.rest_mean), text(g.gap))
        for g in measure.by_indicator
    ]
    return MeasureView(measure, text(measure.value), header, rows, by_indicator)


def _worst_third(indicator: Indicator) -> tuple[measures.Measure, list[Indicator]] | None:
    """For an indicator of mission 8: the worst third measure over the mission's indicators
    that have figures, and those left out for want of any."""
    metric = indicator.metric  # None, without a query, when there is no metric
    number = metric.mission.number if metric is not None else None
    if number not in measures.WORST_THIRD_MISSIONS:
        return None
    with_figures, left_out = selectors.mission_district_figures(number)
    return measures.worst_third(mission=number, latest_by_indicator=with_figures), left_out


@dataclass(frozen=True)
class PlaceView:
    place: measures.AreaPlace
    figure_text: str
    is_deal_area: bool


@dataclass(frozen=True)
class StatementView:
    """One of the Statement's gap measures as the page prints it."""

    measure: measures.StatementMeasure
    value_text: str
    baseline_text: str
    change_text: str
    places: list[PlaceView]  # every area, best first

    @property
    def deal_places(self) -> list[PlaceView]:
        return [p for p in self.places if p.is_deal_area]


def _statement_view(m: measures.StatementMeasure, deal_area_ids: set[int]) -> StatementView:
    fmt = charts.format_for(m.indicators[0], [p.figure for p in m.places if p.figure is not None])
    # A gap is a difference of medians or of means, so it may need one place more than the
    # figures it is read from (the worst third's indicators share their unit and places).
    exact = Decimal(1).scaleb(-(fmt.places + 1))

    def text(value: Decimal | None) -> str:
        return fmt(value.quantize(exact, rounding=ROUND_HALF_UP)) if value is not None else ""

    change = m.change
    change_text = ""
    if change is not None:
        moved = "widened" if change > 0 else "narrowed" if change < 0 else "not moved"
        change_text = f"{moved} by {text(abs(change))}" if change else moved
    return StatementView(
        measure=m,
        value_text=text(m.value),
        baseline_text=text(m.baseline_value),
        change_text=change_text,
        places=[PlaceView(p, text(p.figure), p.area.pk in deal_area_ids) for p in m.places],
    )


def indicator_detail(request: HttpRequest, code: str) -> HttpResponse:
    indicator = selectors.indicator_for_page(code, request.user)
    today = timezone.localdate()
    observations = list(indicator.observations.select_related("area"))
    for o in observations:
        o.indicator = indicator  # measures read it; no query per row
    targets = list(indicator.targets.select_related("area"))
    area = selectors.home_area(request.user, request.GET.get("deal"))
    geography = selectors.geography(area.code)
    ranked, comparators = _ranking(indicator, observations, geography)
    latest_districts = [row.observation for row in ranked]
    chart_list = charts.small_multiples(
        indicator=indicator,
        observations=observations,
        targets=targets,
        areas=geography.charted,
        comparators={a.pk: geography.comparators_of(a) for a in geography.charted},
    )
    worst_third = _worst_third(indicator)
    context = {
        "indicator": indicator,
        "mission": indicator.metric.mission if indicator.metric is not None else None,
        "freshness": measures.freshness(
            indicator=indicator, observations=observations, today=today
        ),
        "FRESHNESS_RULE": measures.FRESHNESS_RULE,
        "RAG_RULE": measures.RAG_RULE,
        "TREND_RULE": measures.TREND_RULE,
        "TARGET_RULE": measures.TARGET_RULE,
        "ranked": ranked,
        "area": area,
        "ranked_periods": sorted({row.observation.period for row in ranked}),
        "comparators": comparators,
        "charts": chart_list,
        "progress_rows": _progress(indicator, observations, targets, geography, today),
        "measures": [
            _measure_view(m)
            for m in measures.measures_for(indicator=indicator, latest=latest_districts)
        ],
        "worst_third": _measure_view(worst_third[0]) if worst_third else None,
        "statement_measures": [
            _statement_view(m, {a.pk for a in geography.districts})
            for m in selectors.statement_measures(indicator)
        ],
        "metric_links": selectors.links_of_indicator(indicator),
        "worst_third_left_out": worst_third[1] if worst_third else [],
        "claims": links.claims_on_indicator(request.user, indicator),
        "csv_url": reverse("indicator-observations-csv", kwargs={"code": indicator.code}),
        "can_manage_figures": policy.can_manage_figures(request.user, indicator.framework.deal_id),
        "unit_title": charts.UNIT_TITLES.get(indicator.unit, indicator.unit),
        "peers": peers.beside_peers(
            indicator=indicator,
            observations=selectors.peer_observations([indicator.pk], geography.outer),
            geography=geography,
        ),
    }
    return render(request, "missions/indicator_detail.html", context)


# Further pages of missions and indicators (the mission list is routed in missions/urls.py).
# --- The frameworks pages ---------------------------------------------------------------------


def framework_list(request: HttpRequest) -> HttpResponse:
    """Every indicator framework the person may read: the missions' metrics, the region's
    outcomes framework, and any other one added, with how much of each has been entered."""
    return render(
        request,
        "missions/framework_list.html",
        {
            "frameworks": list(selectors.frameworks_for(request.user)),
            "can_manage_figures": policy.can_manage_figures(request.user),
        },
    )


@dataclass(frozen=True)
class FrameworkRow:
    indicator: Indicator
    latest: selectors.LatestFigure | None
    claims: links.ClaimCount


def framework_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A framework's indicators by theme, each with its deal's area's latest figure and how
    many workstreams and proposals claim to move it, so that the gaps show."""
    framework = selectors.framework_for_page(request.user, slug)
    indicators = list(framework.indicators.all())
    # A deal's own framework is about its area; a national one, the person's deal's.
    if framework.deal and framework.deal.area_code:
        area = selectors.HomeArea.of(framework.deal)
    else:
        area = selectors.home_area(request.user, request.GET.get("deal"))
    latest = selectors.latest_figures((i.pk for i in indicators), area.code)
    claims = links.claim_counts(request.user, indicators)
    rows = [FrameworkRow(i, latest.get(i.pk), claims[i.pk]) for i in indicators]
    groups: list[tuple[IndicatorTheme | None, list[FrameworkRow]]] = [
        (theme, [r for r in rows if r.indicator.theme_id == theme.pk])
        for theme in framework.themes.all()
    ]
    unthemed = [r for r in rows if r.indicator.theme_id is None]
    if unthemed:
        groups.append((None, unthemed))
    return render(
        request,
        "missions/framework_detail.html",
        {
            "framework": framework,
            "area": area,
            "groups": groups,
            "unclaimed": sum(1 for r in rows if r.claims.none),
            "can_manage_figures": policy.can_manage_figures(request.user),
        },
    )


urlpatterns: list = [
    path("indicators/<slug:code>/", indicator_detail, name="indicator-detail"),
    path("frameworks/", framework_list, name="framework-list"),
    path("frameworks/<slug:slug>/", framework_detail, name="framework-detail"),
]
