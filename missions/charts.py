"""The geometry of the indicator charts: computed (and tested) here, drawn as inline SVG by
templates/missions/_line_chart.html, so a chart reads without JavaScript.

It follows the ONS and GOV.UK (Analysis Function) data visualisation guidance:

- One small chart per area ("small multiples"), all on the same scales so they compare at a
  glance. Each holds the area's line and its comparators' (the areas it lies within: the
  combined authority area, the region, England), so no chart needs more than four colours.
- Each line is labelled directly at its end, and has its own marker shape and dash pattern, so
  colour is never the only way to tell lines apart. Labels are moved apart so none overlap.
- A target is a dashed line across the chart, labelled with its year and value.
- Both axes have labelled ticks; the vertical one is titled with the unit, and the description
  says when it does not start at zero.
- Every chart has a table of the same figures beside it, built here from the same points.
  Figures whose period has no dates cannot be placed on a time axis: they are in the table
  only, which says so.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from .choices import AreaLevel, TargetKind, Unit
from .models import Area, Indicator, Observation, Target
from .services import format_value

# --- Figures as text --------------------------------------------------------------------------

UNIT_TITLES: dict[str, str] = {
    Unit.GBP: "Pounds (£)",
    Unit.PERCENT: "Per cent (%)",
    Unit.YEARS: "Years",
    Unit.COUNT: "Count",
    Unit.SCORE_0_10: "Score (0 to 10)",
    Unit.INDEX: "Index",
    Unit.RATE: "Rate",
}


def _grouped(text: str) -> str:
    """Thousands separated by commas: 12345.5 -> 12,345.5."""
    sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, _, fraction = text.partition(".")
    whole = f"{int(whole):,}"
    return sign + whole + (f".{fraction}" if fraction else "")


def figure(value: Decimal, unit: str, *, short: bool = False, places: int = 0) -> str:
    """A figure as people read it: £30.62, £36.00, 66.1%, 58.5 years, 1,234. Sums of money
    under £1,000 are in pounds and pence. ``places`` is the fewest decimal places to show, so
    that a column of figures published to one place reads 72.0%, not 72%. ``short`` (axis
    ticks) shows what the tick needs, and leaves out the words a unit adds (the axis title
    says them)."""
    text = format_value(value)
    if unit == Unit.GBP and ("." in text or (abs(value) < 1000 and not short)):
        places = max(places, 2)  # pounds and pence
    elif short:
        places = 0
    shown = len(text.partition(".")[2])
    if places > shown or (unit == Unit.GBP and shown > places > 0):
        text = f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):f}"
    text = _grouped(text)
    if unit == Unit.GBP:
        return f"-£{text[1:]}" if text.startswith("-") else f"£{text}"
    if unit == Unit.PERCENT:
        return f"{text}%"
    if unit == Unit.YEARS and not short:
        return f"{text} year" if value == 1 else f"{text} years"
    return text


def decimal_places(values: Iterable[Decimal]) -> int:
    """The most decimal places any of the figures has (the zeros of storage left out)."""
    return max((len(format_value(v).partition(".")[2]) for v in values), default=0)


@dataclass(frozen=True)
class Format:
    """How one indicator's figures are written on a page: its unit, and as many decimal
    places as the most precise of them has, so that a table's column lines up."""

    unit: str
    places: int = 0

    def __call__(self, value: Decimal) -> str:
        return figure(value, self.unit, places=self.places)


def format_for(indicator: Indicator, values: Iterable[Decimal]) -> Format:
    """As many places as the source shows its figures with, where it says (``decimal_places``,
    from its metadata); otherwise as many as the most precise figure has."""
    if indicator.decimal_places is not None:
        return Format(indicator.unit, indicator.decimal_places)
    return Format(indicator.unit, decimal_places(values))


def area_label(area: Area) -> str:
    """An area's name as a chart or table labels it: the region says it is one, since a region
    can share its name with a combined authority's area."""
    if area.level == AreaLevel.REGION and "region" not in area.name.lower():
        return f"{area.name} region"
    return area.name


# --- Scales -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """A straight-line map from a domain (numbers, or dates as day numbers) to pixels."""

    low: float
    high: float
    start: float  # the pixel for ``low``
    end: float  # the pixel for ``high``

    def __call__(self, value: float) -> float:
        share = (value - self.low) / (self.high - self.low)
        return round(self.start + share * (self.end - self.start), 1)

    def invert(self, pixel: float) -> float:
        share = (pixel - self.start) / (self.end - self.start)
        return self.low + share * (self.high - self.low)


Y_TICK_COUNT = 5


def nice_step(span: Decimal, intervals: int) -> Decimal:
    """The smallest of 1, 2, 2.5 or 5 times a power of ten that covers ``span`` in
    ``intervals`` steps."""
    raw = span / intervals
    magnitude = Decimal(1).scaleb(raw.adjusted())
    for multiple in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        if raw <= multiple * magnitude:
            return multiple * magnitude
    raise AssertionError("unreachable: raw is below ten times its magnitude")


def value_ticks(low: Decimal, high: Decimal, count: int = Y_TICK_COUNT) -> list[Decimal]:
    """Round ticks covering the figures from ``low`` to ``high``, about ``count`` of them.

    The axis starts at zero when zero is no further below the lowest figure than the figures
    span (so a chart of 60% to 75% starts at 50%, one of 10% to 75% at 0%); one figure alone
    gets room either side.
    """
    if low == high:
        pad = abs(low) / 10 if low else Decimal(1)
        low, high = low - pad, high + pad
    span = high - low
    if low > 0 and low <= span:
        low = Decimal(0)
    elif high < 0 and -high <= span:
        high = Decimal(0)
    step = nice_step(high - low, count - 1)
    first = (low / step).to_integral_value(rounding=ROUND_FLOOR) * step
    last = (high / step).to_integral_value(rounding=ROUND_CEILING) * step
    ticks = []
    tick = first
    while tick <= last:
        ticks.append(tick)
        tick += step
    return ticks


YEAR_STEPS = (1, 2, 5, 10, 20, 50)
MIN_YEAR_TICK_GAP = 30  # pixels between year labels ("2019" is about 26 pixels wide)


def year_ticks(first_year: int, last_year: int, pixels_per_year: float) -> list[int]:
    """The years to label: every year when there is room, else every 2nd, 5th, 10th..."""
    step = next((s for s in YEAR_STEPS if s * pixels_per_year >= MIN_YEAR_TICK_GAP), YEAR_STEPS[-1])
    return [year for year in range(first_year, last_year + 1) if year % step == 0] or [first_year]


def midpoint(observation: Observation) -> date:
    assert observation.period_start is not None and observation.period_end is not None
    start, end = observation.period_start.toordinal(), observation.period_end.toordinal()
    return date.fromordinal((start + end) // 2)


# --- Labels at the ends of lines ---------------------------------------------------------------

LABEL_CHARS = 18  # about 110 pixels of 12px Arial
LABEL_LINE_HEIGHT = 14
LABEL_GAP = 3


def spread(wanted: list[float], heights: Sequence[float], low: float, high: float) -> list[float]:
    """The top of each label, as close as can be to where it is wanted (its centre at
    ``wanted``), none overlapping another, kept between ``low`` and ``high`` where they fit.

    Labels that would overlap are stacked into a block, in the order of their points, and the
    block is centred where its labels want to be on average (so one crowded label does not
    push the others all one way); blocks that then overlap merge, and a block past either
    bound moves back inside it.
    """
    order = sorted(range(len(wanted)), key=lambda i: (wanted[i], i))
    blocks: list[list[int]] = []
    block_tops: list[float] = []

    def place(members: list[int]) -> float:
        offsets, offset = [], 0.0
        for i in members:
            offsets.append(offset)
            offset += heights[i] + LABEL_GAP
        size = offset - LABEL_GAP
        ideal = sum(wanted[i] - heights[i] / 2 - o for i, o in zip(members, offsets, strict=True))
        top = ideal / len(members)
        return max(low, min(top, high - size)) if size <= high - low else low

    def bottom(members: list[int], top: float) -> float:
        return top + sum(heights[i] for i in members) + LABEL_GAP * (len(members) - 1)

    for i in order:
        blocks.append([i])
        block_tops.append(place([i]))
        while len(blocks) > 1 and bottom(blocks[-2], block_tops[-2]) + LABEL_GAP > block_tops[-1]:
            merged = blocks[-2] + blocks[-1]
            blocks[-2:] = [merged]
            block_tops[-2:] = [place(merged)]
    tops: dict[int, float] = {}
    for members, top in zip(blocks, block_tops, strict=True):
        for i in members:
            tops[i] = top
            top += heights[i] + LABEL_GAP
    return [round(tops[i], 1) for i in range(len(wanted))]


@dataclass(frozen=True)
class EndLabel:
    lines: list[tuple[float, str]]  # (baseline y, text) for each line of the label
    x: float
    top: float
    point_x: float  # where the line it names ends
    point_y: float
    leader: bool  # whether a short line joins the label to that point

    @property
    def centre(self) -> float:
        return round(self.top + len(self.lines) * LABEL_LINE_HEIGHT / 2, 1)

    @property
    def marker_x(self) -> float:
        """Where a label away from its point repeats the line's marker, before the text."""
        return self.x + 6

    @property
    def text_x(self) -> float:
        """Where a line's label text starts: after the repeated marker, if it has one."""
        return self.x + 14 if self.leader else self.x

    @property
    def sample_x2(self) -> float:
        """The end of the short stretch of dashed line a target's label starts with."""
        return self.x + 12

    @property
    def after_sample_x(self) -> float:
        return self.x + 16


# --- The chart --------------------------------------------------------------------------------

# Narrow, so that on a 320 pixel screen the chart shrinks little and its text stays readable.
# The right margin holds the labels: a marker, then up to LABEL_CHARS characters.
WIDTH = 350
HEIGHT = 240
PLOT_LEFT = 50
PLOT_RIGHT = WIDTH - 136
PLOT_TOP = 30
PLOT_BOTTOM = HEIGHT - 34
LABEL_OFFSET = 10  # from the end of the lines to their labels
LEADER_AFTER = 4  # pixels a label may sit off its point's height without a leader line

# The area's own line, then its comparators. Each has its own colour (the Analysis Function's
# categorical palette, each at least 3:1 against white), marker and dash pattern (see
# frontend/scss/_charts.scss). A comparator keeps its style on every chart of a page, by its
# level: the combined authority's area, the region and the country always look the same.
OWN_STYLE = ("area", "circle")
COMPARATOR_STYLES = [
    ("comparator-1", "square"),
    ("comparator-2", "triangle"),
    ("comparator-3", "diamond"),
]
STYLE_BY_LEVEL: dict[str, tuple[str, str]] = {
    AreaLevel.COMBINED_AUTHORITY: COMPARATOR_STYLES[0],
    AreaLevel.REGION: COMPARATOR_STYLES[1],
    AreaLevel.COUNTRY: COMPARATOR_STYLES[2],
}


def comparator_styles(comparators: list[Area]) -> list[tuple[str, str]]:
    """Each comparator's style: its level's, unless an earlier one took it; then the first
    style no comparator's level claims."""
    wanted = [STYLE_BY_LEVEL.get(c.level) for c in comparators]
    styles: list[tuple[str, str] | None] = []
    for style in wanted:
        styles.append(style if style is not None and style not in styles else None)
    spare = [s for s in COMPARATOR_STYLES if s not in styles]
    return [style or spare.pop(0) for style in styles]


@dataclass(frozen=True)
class Point:
    observation: Observation
    x: float
    y: float
    text: str  # the figure, as the table shows it
    title: str  # "<area>, 2019: £30.62"


@dataclass(frozen=True)
class Series:
    area: Area
    label: str
    style: str  # the CSS modifier: area, comparator-1...
    marker: str  # circle, square, triangle, diamond
    points: list[Point]
    end: EndLabel | None

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x},{p.y}" for p in self.points)

    @property
    def is_comparator(self) -> bool:
        return self.style != "area"


@dataclass(frozen=True)
class TargetLine:
    target: Target
    y: float
    x2: float  # where it stops: where the lines end, before the labels
    text: str  # "Target for 2030: £35"
    end: EndLabel


@dataclass(frozen=True)
class Tick:
    at: float  # x for the time axis, y for the value axis
    text: str


@dataclass(frozen=True)
class TableRow:
    period: str
    cells: list[str]  # one per series ("" where the area has no figure for the period)
    note: str = ""  # for undated figures and targets
    is_target: bool = False


@dataclass(frozen=True)
class LineChart:
    indicator: Indicator
    area: Area
    title: str
    description: str
    series: list[Series]
    targets: list[TargetLine]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    y_title: str
    x_scale: Scale | None  # None when no figure has dates: nothing to draw
    y_scale: Scale | None
    table_columns: list[str]
    table_rows: list[TableRow]
    undated: list[Observation]
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = PLOT_LEFT
    plot_right: int = PLOT_RIGHT
    plot_top: int = PLOT_TOP
    plot_bottom: int = PLOT_BOTTOM

    @property
    def drawable(self) -> bool:
        """Whether the area itself has a figure to draw (one with dates)."""
        return self.x_scale is not None and bool(self.series) and bool(self.series[0].points)

    @property
    def slug(self) -> str:
        return self.area.gss_code.lower()

    @property
    def label(self) -> str:
        return area_label(self.area)


@dataclass(frozen=True)
class Scales:
    x: Scale
    y: Scale
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    starts_at_zero: bool


def _order_key(observation: Observation) -> tuple[bool, date, date, str]:
    # The order of missions.measures.ordered: undated first (oldest), then by end, start, label.
    dated = observation.period_end is not None
    return (
        dated,
        observation.period_end or date.min,
        observation.period_start or date.min,
        observation.period,
    )


def scales(
    *, indicator: Indicator, observations: Iterable[Observation], targets: Iterable[Target]
) -> Scales | None:
    """Shared scales for charts of these figures and targets; None when no figure has dates."""
    dated = [o for o in observations if o.period_start is not None and o.period_end is not None]
    if not dated:
        return None
    values = [o.value for o in dated] + [t.value for t in targets]
    ticks = value_ticks(min(values), max(values))
    y = Scale(float(ticks[0]), float(ticks[-1]), PLOT_BOTTOM, PLOT_TOP)
    first_year = min(o.period_start.year for o in dated)  # type: ignore[union-attr]
    last_year = max(o.period_end.year for o in dated)  # type: ignore[union-attr]
    x = Scale(
        date(first_year, 1, 1).toordinal(),
        date(last_year + 1, 1, 1).toordinal(),
        PLOT_LEFT,
        PLOT_RIGHT,
    )
    years = last_year - first_year + 1
    # A year is labelled at its middle, where a calendar year's figure sits.
    x_ticks = [
        Tick(x(date(year, 7, 1).toordinal()), str(year))
        for year in year_ticks(first_year, last_year, (PLOT_RIGHT - PLOT_LEFT) / years)
    ]
    y_ticks = [Tick(y(float(t)), figure(t, indicator.unit, short=True)) for t in ticks]
    return Scales(x=x, y=y, x_ticks=x_ticks, y_ticks=y_ticks, starts_at_zero=ticks[0] <= 0)


def _label_lines(text: str) -> list[str]:
    return textwrap.wrap(text, LABEL_CHARS) or [text]


def _end_labels(wanted: list[tuple[list[str], float, float]], column: float) -> list[EndLabel]:
    """Labels for (lines, point x, point y) each, in a column starting at ``column`` (just
    after the lines end), spread so that none overlap; a label moved off its point's height
    gets a leader line to it."""
    heights = [len(lines) * LABEL_LINE_HEIGHT for lines, _x, _y in wanted]
    tops = spread([y for _l, _x, y in wanted], heights, 2, HEIGHT - 2)
    labels = []
    for (lines, px, py), top, height in zip(wanted, tops, heights, strict=True):
        baselines = [top + (n + 1) * LABEL_LINE_HEIGHT - 3 for n in range(len(lines))]
        centre = top + height / 2
        labels.append(
            EndLabel(
                lines=[(round(b, 1), text) for b, text in zip(baselines, lines, strict=True)],
                x=column,
                top=top,
                point_x=px,
                point_y=py,
                leader=abs(centre - py) > LEADER_AFTER or column - px > LABEL_OFFSET + 1,
            )
        )
    return labels


def chart_table(
    series_obs: list[tuple[str, list[Observation]]], targets: list[Target], fmt: Format
) -> tuple[list[TableRow], list[Observation]]:
    """The table beside a chart: one row per period (oldest first, the undated ones last, each
    saying it is not on the chart), one column per line, then a row per target."""
    by_period: dict[str, dict[int, Observation]] = {}
    keys: dict[str, tuple[bool, date, date, str]] = {}
    for column, (_label, observations) in enumerate(series_obs):
        for o in observations:
            by_period.setdefault(o.period, {})[column] = o
            keys[o.period] = max(keys.get(o.period, _order_key(o)), _order_key(o))
    rows: list[TableRow] = []
    undated: list[Observation] = []
    for period in sorted(by_period, key=lambda p: (keys[p][0] is False, keys[p])):
        found = by_period[period]
        cells = [fmt(found[c].value) if c in found else "" for c in range(len(series_obs))]
        has_dates = keys[period][0]
        note = "" if has_dates else "Not on the chart: the period has no dates"
        if not has_dates:
            undated.extend(found.values())
        rows.append(TableRow(period=period, cells=cells, note=note))
    for target in targets:
        cells = [fmt(target.value)] + [""] * (len(series_obs) - 1)
        rows.append(
            TableRow(
                period=f"Target for {target.year}",
                cells=cells,
                note="Dashed line",
                is_target=True,
            )
        )
    return rows, undated


def line_chart(
    *,
    indicator: Indicator,
    area: Area,
    observations: dict[int, list[Observation]],
    comparators: list[Area],
    targets: list[Target],
    shared: Scales | None,
    fmt: Format | None = None,
) -> LineChart:
    """One area's chart: its line, its comparators' lines, its targets, on shared scales, its
    figures written by ``fmt`` (by default, to the places the most precise of them has).

    ``observations`` maps an area id to its figures; ``targets`` are the area's (baselines are
    left out: they are progress's starting points, shown in the progress table).
    """
    unit = indicator.unit
    comparators = comparators[: len(COMPARATOR_STYLES)]
    styles = dict(zip([a.pk for a in comparators], comparator_styles(comparators), strict=True))
    styles[area.pk] = OWN_STYLE
    areas = [area, *comparators]
    goals = sorted((t for t in targets if t.kind == TargetKind.TARGET), key=lambda t: t.year)
    in_order = [(a, sorted(observations.get(a.pk, []), key=_order_key)) for a in areas]
    in_order = [(a, obs) for a, obs in in_order if obs or a == area]
    fmt = fmt or format_for(indicator, [o.value for _a, obs in in_order for o in obs])
    rows, undated = chart_table([(area_label(a), obs) for a, obs in in_order], goals, fmt)
    series: list[Series] = []
    target_lines: list[TargetLine] = []
    if shared is not None:
        for a, obs in in_order:
            style, marker = styles[a.pk]
            points = [
                Point(
                    observation=o,
                    x=shared.x(midpoint(o).toordinal()),
                    y=shared.y(float(o.value)),
                    text=fmt(o.value),
                    title=f"{area_label(a)}, {o.period}: {fmt(o.value)}",
                )
                for o in obs
                if o.period_start is not None and o.period_end is not None
            ]
            series.append(
                Series(
                    area=a, label=area_label(a), style=style, marker=marker, points=points, end=None
                )
            )
        # The labels stand in a column just after the lines' last points; a target's line
        # stops at that column too, so nothing runs through the labels.
        ends_at = max((s.points[-1].x for s in series if s.points), default=float(PLOT_RIGHT))
        wanted = [
            (_label_lines(s.label), s.points[-1].x, s.points[-1].y) for s in series if s.points
        ]
        goal_texts = [f"Target for {t.year}: {fmt(t.value)}" for t in goals]
        wanted += [
            (_label_lines(text), ends_at, shared.y(float(t.value)))
            for t, text in zip(goals, goal_texts, strict=True)
        ]
        ends = iter(_end_labels(wanted, ends_at + LABEL_OFFSET))
        series = [
            Series(
                area=s.area,
                label=s.label,
                style=s.style,
                marker=s.marker,
                points=s.points,
                end=next(ends) if s.points else None,
            )
            for s in series
        ]
        target_lines = [
            TargetLine(target=t, y=shared.y(float(t.value)), x2=ends_at, text=text, end=next(ends))
            for t, text in zip(goals, goal_texts, strict=True)
        ]
    chart = LineChart(
        indicator=indicator,
        area=area,
        title=f"{indicator.name}: {area_label(area)}",
        description="",
        series=series,
        targets=target_lines,
        x_ticks=shared.x_ticks if shared else [],
        y_ticks=shared.y_ticks if shared else [],
        y_title=UNIT_TITLES.get(unit, unit),
        x_scale=shared.x if shared else None,
        y_scale=shared.y if shared else None,
        table_columns=[area_label(a) for a, _obs in in_order],
        table_rows=rows,
        undated=undated,
    )
    return replace(chart, description=describe(chart, shared))


def describe(chart: LineChart, shared: Scales | None) -> str:
    """The chart in words, for people who cannot see it: what it shows, where each line goes,
    the targets, the axis, and the figures left off it."""
    sentences = []
    own = chart.series[0] if chart.series else None
    if own is None or not own.points:
        sentences.append(f"There are no dated figures for {area_label(chart.area)} to draw.")
    else:
        first, last = own.points[0].observation, own.points[-1].observation
        if len(own.points) == 1:
            sentences.append(
                f"{chart.indicator.name} in {own.label}: one figure, {own.points[0].text} "
                f"for {first.period}."
            )
        else:
            sentences.append(
                f"{chart.indicator.name} in {own.label} from {first.period} to {last.period}: "
                f"{len(own.points)} figures, from {own.points[0].text} to {own.points[-1].text}."
            )
    for s in chart.series[1:]:
        if s.points:
            latest = s.points[-1]
            sentences.append(
                f"For comparison, {s.label}: {latest.text} for {latest.observation.period}."
            )
    for t in chart.targets:
        sentences.append(f"{t.text}, shown as a dashed line.")
    if shared is not None and chart.y_ticks:
        axis = f"The vertical axis runs from {chart.y_ticks[0].text} to {chart.y_ticks[-1].text}"
        sentences.append(axis + ("." if shared.starts_at_zero else ", not from zero."))
    if chart.undated:
        count = len(chart.undated)
        sentences.append(
            f"{count} figure{'s' if count != 1 else ''} without dates "
            f"{'are' if count != 1 else 'is'} in the table only."
        )
    return " ".join(sentences)


def small_multiples(
    *,
    indicator: Indicator,
    observations: Iterable[Observation],
    targets: Iterable[Target],
    areas: list[Area],
    comparators: dict[int, list[Area]],
) -> list[LineChart]:
    """A chart for each of ``areas`` that has figures, in that order, on scales shared by all
    of them: each with its comparators (``comparators[area id]``, innermost first) and its
    targets."""
    by_area: dict[int, list[Observation]] = {}
    for o in observations:
        by_area.setdefault(o.area_id, []).append(o)
    charted = [a for a in areas if by_area.get(a.pk)]
    shown_ids = {a.pk for a in charted} | {c.pk for a in charted for c in comparators.get(a.pk, [])}
    own_targets: dict[int, list[Target]] = {}
    for t in targets:
        own_targets.setdefault(t.area_id, []).append(t)
    scale_targets = [
        t for a in charted for t in own_targets.get(a.pk, []) if t.kind == TargetKind.TARGET
    ]
    shown = [o for area_id in shown_ids for o in by_area.get(area_id, [])]
    shared = scales(indicator=indicator, observations=shown, targets=scale_targets)
    fmt = format_for(indicator, [o.value for o in shown])
    return [
        line_chart(
            indicator=indicator,
            area=a,
            observations=by_area,
            comparators=comparators.get(a.pk, []),
            targets=own_targets.get(a.pk, []),
            shared=shared,
            fmt=fmt,
        )
        for a in charted
    ]
