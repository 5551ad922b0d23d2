"""What the figures say: progress against a target, freshness, and the missions' own gap measures.

Everything here is pure arithmetic on rows the caller has already loaded (with a bounded number
of queries; ``select_related("area", "indicator__metric__mission")`` covers every attribute read
here). Nothing queries the database, so unsaved model instances work as well as saved ones.
Decimals in, Decimals out.

Every rule is also written down as a module-level text (``RAG_RULE``, ``TREND_RULE``,
``FRESHNESS_RULE``, and each measure's ``explanation``) that the pages print as it is, so what a
page says and what the code does cannot drift apart without a test noticing.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from .choices import Direction, TargetKind
from .models import Area, Indicator, Observation, Target
from .services import format_value

# --- Order ------------------------------------------------------------------------------------


def _order_key(observation: Observation) -> tuple[bool, date, date, str]:
    # Undated figures (a split year kept without dates) cannot be placed in time, so they sort
    # before every dated one: a dated figure is never hidden behind one we cannot place.
    dated = observation.period_end is not None
    return (
        dated,
        observation.period_end or date.min,
        observation.period_start or date.min,
        observation.period,
    )


def ordered(observations: Iterable[Observation]) -> list[Observation]:
    """Oldest first: by period end, then period start, then label; undated ones count as oldest."""
    return sorted(observations, key=_order_key)


def latest_by_area(observations: Iterable[Observation]) -> dict[int, Observation]:
    """Area id -> that area's newest observation (by period_end, then period_start, then label;
    undated ones count as oldest)."""
    latest: dict[int, Observation] = {}
    for observation in ordered(observations):
        latest[observation.area_id] = observation  # later (newer) ones overwrite older ones
    return latest


# --- Which target counts -----------------------------------------------------------------------

TARGET_RULE = (
    "Where an area has targets for several years, progress is read against the first whose "
    "year has not passed, else the last one."
)


def target_for_progress(targets: Iterable[Target], today: date) -> Target | None:
    """The target progress is read against (``TARGET_RULE``); baselines are ignored."""
    goals = sorted((t for t in targets if t.kind == TargetKind.TARGET), key=lambda t: t.year)
    return next((t for t in goals if t.year >= today.year), goals[-1] if goals else None)


# --- Small arithmetic -------------------------------------------------------------------------


def _value(observation: Observation | Target) -> Decimal:
    value = observation.value
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _higher_is_better(indicator: Indicator) -> bool:
    return indicator.direction != Direction.LOWER_IS_BETTER


def _better_by(indicator: Indicator, a: Decimal, b: Decimal) -> Decimal:
    """How much better ``a`` is than ``b`` (negative when worse), honouring the direction."""
    return a - b if _higher_is_better(indicator) else b - a


def _median(values: list[Decimal]) -> Decimal:
    ordered_values = sorted(values)
    middle = len(ordered_values) // 2
    if len(ordered_values) % 2:
        return ordered_values[middle]
    return (ordered_values[middle - 1] + ordered_values[middle]) / 2


def _rounded(value: Decimal) -> Decimal:
    """To four places, for words: a mean of figures can run to the context's 28 digits."""
    return value.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _mean(values: list[Decimal]) -> Decimal:
    return sum(values, Decimal(0)) / len(values)


def _percent(share: Decimal) -> str:
    return f"{(share * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)}%"


def _year(observation: Observation) -> int:
    """The year a figure counts for: the year its period ends in (2017-2019 counts for 2019,
    2020/21 for 2021)."""
    assert observation.period_end is not None  # callers check first
    return observation.period_end.year


# --- Progress ---------------------------------------------------------------------------------

TREND_WINDOW = 3

TREND_RULE = (
    f"The trend compares the newest figure with the oldest of the last {TREND_WINDOW} dated "
    "figures (the last two, when only two are dated): improving when the newest is better "
    "(higher, or lower where lower is better), worsening when it is worse, no change when the "
    "two are equal. Figures without dates are left out, since they cannot be placed in time; "
    "with fewer than two dated figures there are not enough figures to say."
)

RAG_RULE = (
    "A figure counts for the year its period ends in, and better means higher, or lower where "
    "lower is better. There is no RAG when there is no baseline, no target or no figure, when "
    "the newest figure has no dates, when it is for a year before the baseline year, or when "
    "the target year is not after the baseline year. Otherwise the first of these that applies: "
    "Green: the newest figure meets the target (it is as good as the target or better). "
    "Red: the newest figure is for the target year or later and misses the target. "
    "Red: the newest figure is worse than the baseline. "
    "Red: the newest figure is no better than the baseline and the trend is worsening. "
    "Green: the share of the way from the baseline to the target covered is at least the share "
    "of the time from the baseline year to the target year gone by the newest figure's year "
    "(pace is judged at the figure's year, not today, so the time figures take to be published "
    "does not count against an area). "
    "Amber: otherwise: no worse than the baseline, but behind that pace. "
    "So a target no better than its baseline (to hold a level or limit a fall) is green while "
    "it is met and red once it is not."
)

NOT_ENOUGH = "not enough figures"


@dataclass(frozen=True)
class Progress:
    baseline: Target | None
    target: Target | None
    latest: Observation | None
    share_of_way: Decimal | None  # (latest - baseline) / (target - baseline); 1 = reached
    trend: str  # "improving" | "worsening" | "no change" | "not enough figures"
    trend_values: list[Observation]  # the observations the trend was read from (oldest first)
    rag: str  # "green" | "amber" | "red" | "" (not enough to say)
    reason: str  # one sentence: why this RAG (or why none)


def _trend(indicator: Indicator, observations: list[Observation]) -> tuple[str, list[Observation]]:
    """The trend and the figures it was read from, by ``TREND_RULE``."""
    dated = [o for o in ordered(observations) if o.period_end is not None]
    window = dated[-TREND_WINDOW:]
    if len(window) < 2:
        return NOT_ENOUGH, window
    change = _better_by(indicator, _value(window[-1]), _value(window[0]))
    if change > 0:
        return "improving", window
    if change < 0:
        return "worsening", window
    return "no change", window


def _why_no_rag(latest: Observation | None, baseline: Target | None, target: Target | None) -> str:
    """Why progress cannot be judged, or "" when it can."""
    if baseline is None:
        return "There is no baseline for this area, so progress cannot be judged."
    if target is None:
        return "There is no target for this area, so progress cannot be judged."
    if latest is None:
        return "There are no figures for this area yet."
    if latest.period_end is None:
        return (
            f"The newest figure ({latest.period}) has no dates, so it cannot be placed against "
            "the baseline and target years."
        )
    if target.year <= baseline.year:
        return (
            f"The target year ({target.year}) is not after the baseline year ({baseline.year}), "
            "so there is no pace to judge."
        )
    if _year(latest) < baseline.year:
        return (
            f"The newest figure ({latest.period}) is for a year before the baseline year "
            f"({baseline.year}), so there is no progress to measure yet."
        )
    return ""


def _judge(
    indicator: Indicator,
    latest: Observation,
    baseline: Target,
    target: Target,
    trend: str,
    today: date,
) -> tuple[str, str]:
    """The RAG and its reason, by ``RAG_RULE`` (whose no-RAG cases are already excluded)."""
    figure, base, goal = _value(latest), _value(baseline), _value(target)
    year, shown = _year(latest), format_value(figure)
    gain = _better_by(indicator, figure, base)  # how far it has come, in the better sense
    needed = _better_by(indicator, goal, base)  # how far it has to come
    if gain >= needed:
        return "green", (
            f"The newest figure ({shown}) meets the target of {format_value(goal)} "
            f"for {target.year}."
        )
    if year >= target.year:
        return "red", (
            f"The figure for {latest.period} ({shown}) misses the target of "
            f"{format_value(goal)} set for {target.year}."
        )
    if gain < 0:
        return "red", (
            f"The newest figure ({shown}) is worse than the baseline of {format_value(base)} "
            f"for {baseline.year}."
        )
    if gain == 0 and trend == "worsening":
        return "red", (
            f"The newest figure ({shown}) is no better than the baseline of "
            f"{format_value(base)} and the trend is worsening."
        )
    # Here the target is better than the baseline (needed > 0): a target no better than its
    # baseline is either met (green above) or missed, which puts the figure below the baseline.
    elapsed, span = year - baseline.year, target.year - baseline.year
    time_gone = _percent(Decimal(elapsed) / span)
    pace = (
        f"{_percent(gain / needed)} of the way to the target with {time_gone} of the time "
        f"from {baseline.year} to {target.year} gone by {year}"
    )
    if today.year > target.year:
        pace += " (the figure for the target year is not out yet)"
    # Compared by cross-multiplying, so no rounding of either share can tip the balance.
    if gain * span >= needed * elapsed:
        return "green", f"On pace: {pace}."
    return "amber", f"Behind pace: {pace}."


def progress(
    *,
    indicator: Indicator,
    observations: list[Observation],
    baseline: Target | None,
    target: Target | None,
    today: date,
) -> Progress:
    """One indicator in one area. `observations` are that area's, any order."""
    in_order = ordered(observations)
    latest = in_order[-1] if in_order else None
    trend, trend_values = _trend(indicator, in_order)
    reason = _why_no_rag(latest, baseline, target)
    rag, share = "", None
    if not reason:
        assert latest is not None and baseline is not None and target is not None
        rag, reason = _judge(indicator, latest, baseline, target, trend, today)
        if _value(target) != _value(baseline):
            share = (_value(latest) - _value(baseline)) / (_value(target) - _value(baseline))
    return Progress(
        baseline=baseline,
        target=target,
        latest=latest,
        share_of_way=share,
        trend=trend,
        trend_values=trend_values,
        rag=rag,
        reason=reason,
    )


# --- Freshness --------------------------------------------------------------------------------

RELEASE_INTERVALS_ALLOWED = 2

FRESHNESS_RULE = (
    "Figures are stale when today is later than the end of the month that falls two of the "
    "indicator's release intervals after the month its newest period ends in: one interval for "
    "the next period to pass and one for its figures to be published (for annual figures, two "
    "years after the period's end; for quarterly ones, six months). With no figures at all, or "
    "none with dates, they are stale."
)


@dataclass(frozen=True)
class Freshness:
    last_updated: datetime | None  # newest updated_at of the observations (when figures came in)
    latest_period: str  # label of the newest period ("" if none)
    latest_period_end: date | None
    due_by: date | None  # when newer figures were due, by the expected frequency
    stale: bool


def month_end_after(day: date, months: int) -> date:
    """The last day of the month ``months`` months after the month ``day`` is in."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    month = month_index + 1
    return date(year, month, calendar.monthrange(year, month)[1])


def freshness(*, indicator: Indicator, observations: list[Observation], today: date) -> Freshness:
    """How current an indicator's figures are, by ``FRESHNESS_RULE``."""
    in_order = ordered(observations)
    updated = [o.updated_at for o in in_order if o.updated_at is not None]
    latest = in_order[-1] if in_order else None
    period_end = latest.period_end if latest is not None else None
    due_by = None
    if period_end is not None:
        months = RELEASE_INTERVALS_ALLOWED * int(indicator.expected_frequency)
        due_by = month_end_after(period_end, months)
    return Freshness(
        last_updated=max(updated) if updated else None,
        latest_period=latest.period if latest is not None else "",
        latest_period_end=period_end,
        due_by=due_by,
        stale=due_by is None or today > due_by,
    )


# --- The missions' own measures ---------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    area: Area
    value: Decimal
    group: str  # e.g. "top", "others", "top decile", "bottom decile", "worst third", "rest"
    note: str = ""  # e.g. for mission 8: "worst metric: life satisfaction (rank 7 of 7)"
    # The area's own figure, where the row's value is something else (a gap, a rank).
    figure: Decimal | None = None


@dataclass(frozen=True)
class IndicatorGap:
    """For the worst third: one indicator's part of the measure."""

    indicator: Indicator
    worst_mean: Decimal  # mean of the worst third's figures
    rest_mean: Decimal  # mean of the rest's figures
    gap: Decimal  # how much better the rest are on average (positive = the worst third trail)


@dataclass(frozen=True)
class Measure:
    key: str  # "top-gap" | "decile-gap" | "worst-third"
    mission: int  # 1, 7, 8 or 9 (the mission whose own measure this is); 0 if none
    title: str  # e.g. "Gap between the top-performing area and the others"
    value: Decimal | None  # None when too few areas
    unit: str  # the indicator's unit (Unit value)
    explanation: str  # how it is computed, in words, printed on the page
    too_few: str  # "" when computed; else e.g. "Needs at least 10 areas; there are 7."
    rows: list[MeasureRow]
    by_indicator: list[IndicatorGap] = field(default_factory=list)  # worst third only


TOP_GAP_MIN_AREAS = 3
DECILE_GAP_MIN_AREAS = 10
WORST_THIRD_MIN_AREAS = 3

TOP_GAP_TITLE = "Gap between the top-performing area and the others"
DECILE_GAP_TITLE = "Gap between the top and bottom deciles of areas"
WORST_THIRD_TITLE = "Gap between the worst-performing third of areas and the rest"

TOP_GAP_EXPLANATION = (
    "From each area's newest figure. The top-performing area is the one with the best figure "
    "(the highest, or the lowest where lower is better; a tie goes to the name first in the "
    "alphabet). The gap is the top area's figure minus the median of the other areas' figures "
    "(the other way round where lower is better), so it is a positive number saying how far "
    "the others trail. Each area's row shows its own gap to the top. "
    f"It needs at least {TOP_GAP_MIN_AREAS} areas."
)

DECILE_GAP_EXPLANATION = (
    "From each area's newest figure, as the Statement of Levelling Up Missions measures the "
    "healthy life expectancy gap: the difference between the median figures of the top and "
    "bottom deciles of areas. Areas are ranked from best to worst (highest first, or lowest "
    "first where lower is better; equal figures by name). Each decile holds the same number of "
    "areas, a tenth of them rounded down (whole tenths only, so no area counts in a decile it "
    "only partly falls in): the best of them are the top decile, the worst the bottom decile. "
    "The gap is the top decile's median minus the bottom decile's (the other way round where "
    "lower is better), so it is positive while the top decile is ahead. "
    f"It needs at least {DECILE_GAP_MIN_AREAS} areas."
)

WORST_THIRD_EXPLANATION = (
    "From each area's newest figures, as the Statement of Levelling Up Missions measures the "
    "well-being gap: the worst-performing third of areas against the rest, ranked by their "
    "worst-performing metric. Each area is ranked on each of the mission's indicators (1 is "
    "the best; equal figures share the better rank). An area's worst metric is the one it "
    "ranks lowest on. Areas are ordered by that worst rank, then by their next-worst rank, "
    "then by name; the worst third is a third of the areas rounded down (whole thirds only) "
    "and the rest are the others. For each indicator the gap is the mean figure of the rest "
    "minus the mean figure of the worst third (the other way round where lower is better), so "
    "it is positive while the worst third trail. The measure is the mean of those gaps over the "
    "indicators, in the indicators' shared unit; each indicator's gap is shown beside it. Only "
    "areas with a figure on every indicator are counted, and it needs at least "
    f"{WORST_THIRD_MIN_AREAS} of them."
)


def _too_few(minimum: int, count: int, what: str = "areas") -> str:
    return f"Needs at least {minimum} {what}; there are {count}."


def _mission_number(indicator: Indicator) -> int:
    metric = indicator.metric  # None, without a query, when there is no metric
    return metric.mission.number if metric is not None else 0


def _best_first(indicator: Indicator, observations: Iterable[Observation]) -> list[Observation]:
    """One newest figure per area, best first (ties by area name)."""
    sign = -1 if _higher_is_better(indicator) else 1
    newest = latest_by_area(observations).values()
    return sorted(newest, key=lambda o: (sign * _value(o), o.area.name))


def _periods_note(observations: Iterable[Observation]) -> str:
    """A sentence when the areas' newest figures are not all for the same period."""
    periods = sorted({o.period for o in observations})
    if len(periods) < 2:
        return ""
    return f" The areas' newest figures are for different periods ({', '.join(periods)})."


def top_gap(*, indicator: Indicator, latest: list[Observation]) -> Measure:
    """Missions 1, 8 and 9: how far the other areas trail the top-performing one."""
    ranked = _best_first(indicator, latest)
    measure = Measure(
        key="top-gap",
        mission=_mission_number(indicator),
        title=TOP_GAP_TITLE,
        value=None,
        unit=indicator.unit,
        explanation=TOP_GAP_EXPLANATION + _periods_note(ranked),
        too_few="",
        rows=[],
    )
    if len(ranked) < TOP_GAP_MIN_AREAS:
        return replace(measure, too_few=_too_few(TOP_GAP_MIN_AREAS, len(ranked)))
    top, others = ranked[0], ranked[1:]
    top_value = _value(top)
    rows = [MeasureRow(area=top.area, value=Decimal(0), group="top", figure=top_value)]
    rows += [
        MeasureRow(
            area=o.area,
            value=_better_by(indicator, top_value, _value(o)),
            group="others",
            figure=_value(o),
        )
        for o in others
    ]
    value = _better_by(indicator, top_value, _median([_value(o) for o in others]))
    return replace(measure, value=value, rows=rows)


def decile_gap(*, indicator: Indicator, latest: list[Observation]) -> Measure:
    """Mission 7: the gap between the medians of the top and bottom deciles of areas."""
    ranked = _best_first(indicator, latest)
    count = len(ranked)
    measure = Measure(
        key="decile-gap",
        mission=_mission_number(indicator),
        title=DECILE_GAP_TITLE,
        value=None,
        unit=indicator.unit,
        explanation=DECILE_GAP_EXPLANATION + _periods_note(ranked),
        too_few="",
        rows=[],
    )
    if count < DECILE_GAP_MIN_AREAS:
        return replace(measure, too_few=_too_few(DECILE_GAP_MIN_AREAS, count))
    size = count // 10
    top, bottom = ranked[:size], ranked[-size:]
    rows = [_figure_row(o, "top decile") for o in top]
    rows += [_figure_row(o, "between") for o in ranked[size:-size]]
    rows += [_figure_row(o, "bottom decile") for o in bottom]
    value = _better_by(
        indicator, _median([_value(o) for o in top]), _median([_value(o) for o in bottom])
    )
    explanation = measure.explanation + f" Here each decile holds {size} of the {count} areas."
    return replace(measure, value=value, rows=rows, explanation=explanation)


def _figure_row(observation: Observation, group: str) -> MeasureRow:
    value = _value(observation)
    return MeasureRow(area=observation.area, value=value, group=group, figure=value)


def _ranks(indicator: Indicator, figures: dict[int, Decimal]) -> dict[int, int]:
    """Area id -> rank on one indicator, 1 = best; equal figures share the better rank."""
    better_than = sorted(figures.values(), reverse=_higher_is_better(indicator))
    first_place: dict[Decimal, int] = {}
    for place, value in enumerate(better_than, start=1):
        first_place.setdefault(value, place)
    return {area_id: first_place[value] for area_id, value in figures.items()}


def worst_third(
    *, mission: int, latest_by_indicator: dict[Indicator, list[Observation]]
) -> Measure:
    """Mission 8: the worst-performing third of areas, by their worst metric, against the rest."""
    indicators = list(latest_by_indicator)
    newest = {i: latest_by_area(latest_by_indicator[i]) for i in indicators}
    units = {i.unit for i in indicators}
    measure = Measure(
        key="worst-third",
        mission=mission,
        title=WORST_THIRD_TITLE,
        value=None,
        unit=units.pop() if len(units) == 1 else "",
        explanation=WORST_THIRD_EXPLANATION,
        too_few="",
        rows=[],
    )
    if not indicators:
        return replace(
            measure, too_few="Needs figures on the mission's indicators; none were given."
        )
    if measure.unit == "":
        return replace(
            measure,
            too_few="The indicators are in different units, so their gaps cannot be averaged.",
        )
    area_ids = set.intersection(*(set(by_area) for by_area in newest.values()))
    every_area = {o.area_id: o.area for by_area in newest.values() for o in by_area.values()}
    left_out = sorted(every_area[a].name for a in set(every_area) - area_ids)
    explanation = measure.explanation
    if left_out:
        explanation += f" Left out for want of a figure on every indicator: {', '.join(left_out)}."
    if len(area_ids) < WORST_THIRD_MIN_AREAS:
        too_few = _too_few(
            WORST_THIRD_MIN_AREAS, len(area_ids), "areas with figures on every indicator"
        )
        return replace(measure, explanation=explanation, too_few=too_few)

    figures = {i: {a: _value(newest[i][a]) for a in area_ids} for i in indicators}
    ranks = {i: _ranks(i, figures[i]) for i in indicators}
    areas = {a: every_area[a] for a in area_ids}

    def worst_first(area_id: int) -> tuple[tuple[int, ...], str]:
        own = sorted((ranks[i][area_id] for i in indicators), reverse=True)
        return tuple(-r for r in own), areas[area_id].name

    in_order = sorted(area_ids, key=worst_first)
    size = len(in_order) // 3
    worst, rest = in_order[:size], in_order[size:]
    rows = [
        _worst_row(a, areas[a], "worst third" if n < size else "rest", indicators, ranks)
        for n, a in enumerate(in_order)
    ]
    gaps = []
    for i in indicators:
        worst_mean = _mean([figures[i][a] for a in worst])
        rest_mean = _mean([figures[i][a] for a in rest])
        gap = _better_by(i, rest_mean, worst_mean)
        gaps.append(IndicatorGap(indicator=i, worst_mean=worst_mean, rest_mean=rest_mean, gap=gap))
    explanation += (
        f" Here the worst third is {size} of the {len(in_order)} areas; the gaps by indicator: "
        + "; ".join(f"{g.indicator.name} {format_value(_rounded(g.gap))}" for g in gaps)
        + "."
    )
    return replace(
        measure,
        value=_mean([g.gap for g in gaps]),
        explanation=explanation,
        rows=rows,
        by_indicator=gaps,
    )


def _worst_row(
    area_id: int,
    area: Area,
    group: str,
    indicators: list[Indicator],
    ranks: dict[Indicator, dict[int, int]],
) -> MeasureRow:
    worst_rank = max(ranks[i][area_id] for i in indicators)
    worst = [i.name for i in indicators if ranks[i][area_id] == worst_rank]
    label = "worst metric" if len(worst) == 1 else "worst metrics"
    count = len(ranks[indicators[0]])
    note = f"{label}: {' and '.join(worst)} (rank {worst_rank} of {count})"
    return MeasureRow(area=area, value=Decimal(worst_rank), group=group, note=note)


def measures_for(*, indicator: Indicator, latest: list[Observation]) -> list[Measure]:
    """The measures that apply to one indicator: by the mission of its metric
    (indicator.metric.mission.number; none when it has no metric): top_gap for missions 1, 8
    and 9; decile_gap for mission 7. (worst_third needs all of mission 8's indicators, so pages
    call it separately.)"""
    number = _mission_number(indicator)
    if number in TOP_GAP_MISSIONS:
        return [top_gap(indicator=indicator, latest=latest)]
    if number in DECILE_GAP_MISSIONS:
        return [decile_gap(indicator=indicator, latest=latest)]
    return []


TOP_GAP_MISSIONS = frozenset({1, 8, 9})
DECILE_GAP_MISSIONS = frozenset({7})
WORST_THIRD_MISSIONS = frozenset({8})


# --- The Statement's own gap measures, over the geography it names ---------------------------
#
# The measures above rank whatever areas a page gives them (a deal's districts). The Statement
# of Levelling Up Missions ranks every local area of the UK at one tier, one period at a time,
# and assesses the gaps against the 2017-2019 figures. Here the same arithmetic runs over the
# areas and periods the Statement names, for the indicators data/metric_links.yaml links to its
# metrics.


@dataclass(frozen=True)
class StatementGeography:
    key: str
    words: str  # the Statement's own words for it
    entity_codes: frozenset[str]  # the GSS entity codes (the first three characters) it takes

    def holds(self, gss_code: str) -> bool:
        return gss_code[:3] in self.entity_codes

    @property
    def codes_text(self) -> str:
        return ", ".join(sorted(self.entity_codes))


# Upper tier: unitary authorities (E06), metropolitan districts (E08), London boroughs (E09) and
# counties (E10) in England, Welsh unitary authorities (W06), Scottish council areas (S12) and
# Northern Ireland's local government districts (N09). Lower tier: the same with the
# non-metropolitan districts (E07) in place of the counties. A file's "geography" label cannot
# pick these out: it calls metropolitan districts and London boroughs "Local Authority District".
UPPER_TIER = StatementGeography(
    "uk-upper-tier",
    "upper tier local authorities in England, local authorities in Wales, council areas in "
    "Scotland and local government areas in Northern Ireland",
    frozenset({"E06", "E08", "E09", "E10", "W06", "S12", "N09"}),
)
LOWER_TIER = StatementGeography(
    "uk-lower-tier",
    "lower tier local authority level in England, local authorities in Wales, council areas in "
    "Scotland and local government areas in Northern Ireland",
    frozenset({"E06", "E07", "E08", "E09", "W06", "S12", "N09"}),
)

# "2017-2019 data as the baseline for the gap reduction" (the Statement, missions 7 and 8).
BASELINE_WORDS = "2017-2019"
BASELINE_FROM, BASELINE_TO = date(2017, 1, 1), date(2019, 12, 31)

STATEMENT_PERIOD_RULE = (
    "Each measure is computed one period at a time, over the areas of the Statement's geography "
    "with a figure for that period, and shown for the newest period it can be computed for. The "
    "baseline is the newest period that lies wholly within 2017 to 2019, the Statement's "
    "baseline for the gaps: for three-year healthy life expectancy figures that is 2017-2019 "
    "itself; for yearly well-being figures (April to March) it is April 2018 to March 2019."
)

RELATED_NOTE = (
    "Computed on related published figures, not the Statement's metrics: these files give the "
    "mean ratings, while the Statement counts the shares of people with low ratings (high for "
    "anxiety). The ranking follows the Statement's method; the figures are not its figures."
)


@dataclass(frozen=True)
class AreaPlace:
    """Where one area sits in a measure: its rank (1 is best) of how many, and its decile."""

    area: Area
    figure: Decimal | None
    rank: int
    of: int
    decile: int | None  # 1 (best tenth) to 10; None for a measure not read in deciles
    group: str
    note: str = ""


@dataclass(frozen=True)
class StatementMeasure:
    key: str  # "decile-gap" | "worst-third"
    mission: int
    indicators: list[Indicator]  # the indicators measured (one, or mission 8's four)
    geography: StatementGeography
    measure: Measure | None  # for the newest period it can be computed for; None if none
    period: str
    baseline: Measure | None
    baseline_period: str
    related_only: bool  # computed on related figures, not the metric itself
    places: list[AreaPlace]  # every area measured in ``period``, best first

    @property
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @property
    def value(self) -> Decimal | None:
        return self.measure.value if self.measure is not None else None

    @property
    def baseline_value(self) -> Decimal | None:
        return self.baseline.value if self.baseline is not None else None

    @property
    def change(self) -> Decimal | None:
        """How much the gap moved since the baseline (negative: it narrowed)."""
        if self.value is None or self.baseline_value is None:
            return None
        return self.value - self.baseline_value

    @property
    def area_count(self) -> int:
        return len(self.places)

    @property
    def title(self) -> str:
        return self.measure.title if self.measure is not None else ""

    @property
    def unit(self) -> str:
        return self.measure.unit if self.measure is not None else self.indicators[0].unit

    @property
    def explanation(self) -> str:
        text = self.measure.explanation if self.measure is not None else ""
        # The measures above read each area's newest figure; here every figure is the period's.
        text = text.replace("From each area's newest figures, as", "As", 1)
        text = text.replace("From each area's newest figure, as", "As", 1)
        text = f"Over {self.geography.words} (GSS codes {self.geography.codes_text}). {text}"
        return f"{text} {STATEMENT_PERIOD_RULE}"

    @property
    def note(self) -> str:
        if self.related_only:
            return RELATED_NOTE
        if self.measure is None:
            return "There are too few areas with figures in any one period to compute it."
        return ""


def _periods_newest_first(observations: Iterable[Observation]) -> list[tuple[str, date | None]]:
    seen: dict[str, Observation] = {}
    for o in observations:
        seen.setdefault(o.period, o)
    return [(o.period, o.period_end) for o in reversed(ordered(seen.values()))]


def _in_baseline(observation: Observation) -> bool:
    start, end = observation.period_start, observation.period_end
    return start is not None and end is not None and BASELINE_FROM <= start <= end <= BASELINE_TO


def _baseline_period(observations: Iterable[Observation]) -> str:
    within = [o for o in observations if _in_baseline(o)]
    return ordered(within)[-1].period if within else ""


def _decile(position: int, count: int, size: int) -> int:
    """The decile of the area at ``position`` (0 is the best): the top and bottom deciles are the
    whole tenths the gap is read from; the areas between are shared evenly by deciles 2 to 9."""
    if position < size:
        return 1
    if position >= count - size:
        return 10
    between = count - 2 * size
    return 2 + (position - size) * 8 // between


def statement_decile_gap(
    indicator: Indicator, observations: list[Observation], mission: int = 7
) -> StatementMeasure:
    """Mission 7: the decile gap, per period, over the UK's upper-tier areas."""
    mine = [o for o in observations if UPPER_TIER.holds(o.area.gss_code)]
    by_period: dict[str, list[Observation]] = {}
    for o in mine:
        by_period.setdefault(o.period, []).append(o)
    newest: Measure | None = None
    period = ""
    for label, _ in _periods_newest_first(mine):
        computed = decile_gap(indicator=indicator, latest=by_period[label])
        if computed.value is not None:
            newest, period = computed, label
            break
    baseline_period = _baseline_period(mine)
    baseline = (
        decile_gap(indicator=indicator, latest=by_period[baseline_period])
        if baseline_period
        else None
    )
    places: list[AreaPlace] = []
    if newest is not None:
        count, size = len(newest.rows), len(newest.rows) // 10
        places = [
            AreaPlace(
                area=row.area,
                figure=row.figure,
                rank=n + 1,
                of=count,
                decile=_decile(n, count, size),
                group=row.group,
            )
            for n, row in enumerate(newest.rows)
        ]
    return StatementMeasure(
        key="decile-gap",
        mission=mission,
        indicators=[indicator],
        geography=UPPER_TIER,
        measure=newest,
        period=period,
        baseline=baseline if baseline is not None and baseline.value is not None else None,
        baseline_period=baseline_period if baseline is not None else "",
        related_only=False,
        places=places,
    )


def statement_worst_third(
    mission: int, by_indicator: dict[Indicator, list[Observation]], *, related_only: bool
) -> StatementMeasure:
    """Mission 8: the worst-performing third of the UK's lower-tier areas, by their worst
    metric, against the rest, per period (the periods every indicator has)."""
    mine = {
        i: [o for o in observations if LOWER_TIER.holds(o.area.gss_code)]
        for i, observations in by_indicator.items()
    }
    shared = (
        set.intersection(*({o.period for o in obs} for obs in mine.values())) if mine else set()
    )
    every = [o for obs in mine.values() for o in obs if o.period in shared]

    def at(label: str) -> Measure:
        return worst_third(
            mission=mission,
            latest_by_indicator={
                i: [o for o in obs if o.period == label] for i, obs in mine.items()
            },
        )

    newest: Measure | None = None
    period = ""
    for label, _ in _periods_newest_first(every):
        computed = at(label)
        if computed.value is not None:
            newest, period = computed, label
            break
    baseline_period = _baseline_period(every)
    baseline = at(baseline_period) if baseline_period else None
    places: list[AreaPlace] = []
    if newest is not None:
        count = len(newest.rows)
        places = [  # the measure lists the worst first; places run best first
            AreaPlace(
                area=row.area,
                figure=None,
                rank=n + 1,
                of=count,
                decile=None,
                group=row.group,
                note=row.note,
            )
            for n, row in enumerate(reversed(newest.rows))
        ]
    return StatementMeasure(
        key="worst-third",
        mission=mission,
        indicators=list(by_indicator),
        geography=LOWER_TIER,
        measure=newest,
        period=period,
        baseline=baseline if baseline is not None and baseline.value is not None else None,
        baseline_period=baseline_period if baseline is not None else "",
        related_only=related_only,
        places=places,
    )
