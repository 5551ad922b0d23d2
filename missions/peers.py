"""A deal's combined authority beside its peers: the other combined authorities, its region,
England and the United Kingdom, on one period, with its rank among the combined authorities.

Pure computation on rows already loaded (``selectors.peer_observations``: one query, whatever
the number of areas, periods or indicators); nothing here queries the database. The trend is
``measures.TREND_RULE``'s and the ranks are ``measures``' own (1 is the best figure, honouring
the indicator's direction; equal figures share the better rank), so the pages cannot disagree
about them. The chart's geometry is computed here, as ``charts`` computes the line charts', and
drawn as inline SVG by ``templates/missions/_peers.html`` beside the same figures as a table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from . import charts, measures, periods
from .choices import AreaLevel, Direction, Unit
from .models import Area, Indicator, Observation

if TYPE_CHECKING:
    from .selectors import Geography

# The GSS entity codes of England and of the United Kingdom: nations, not regions. A deal's
# region is data: the area its combined authority's area lies within (data/areas.csv).
ENGLAND_ENTITY = "E92"
UK_ENTITY = "K02"

RANK_RULE = (
    "Ranked among the combined authorities with a figure for the period compared: 1 is the "
    "best figure (the highest, or the lowest where lower is better), and equal figures share "
    "the better rank. The region, England and the United Kingdom are shown for comparison, "
    "not ranked."
)


def period_text(observation: Observation) -> str:
    """The period a figure is for, as people read it ("2017 to 2019", "30 April 2025")."""
    return periods.describe(observation.period)


# --- Arithmetic on one indicator's rows ---------------------------------------------------------


def _by_area(observations: Iterable[Observation]) -> dict[int, list[Observation]]:
    """Area id -> its figures, oldest first (``measures.ordered``)."""
    by_area: dict[int, list[Observation]] = {}
    for o in observations:
        by_area.setdefault(o.area_id, []).append(o)
    return {area_id: measures.ordered(rows) for area_id, rows in by_area.items()}


def _for_period(rows: list[Observation], period: str) -> Observation | None:
    return next((o for o in rows if o.period == period), None)


def _trend(indicator: Indicator, rows: list[Observation], compared: Observation) -> str:
    """The trend by ``measures.TREND_RULE``, read to the figure compared (not past it)."""
    return measures._trend(indicator, rows[: rows.index(compared) + 1])[0]


def _entity(area: Area, entity: str) -> bool:
    return area.gss_code.startswith(entity)


def _difference(fmt: charts.Format, difference: Decimal) -> str:
    """How far apart two figures are: £40.90, 1.2 years, 2.5 percentage points."""
    if fmt.unit == Unit.PERCENT:
        text = charts.figure(abs(difference), "", places=fmt.places)
        return f"{text} percentage point{'' if abs(difference) == 1 else 's'}"
    return fmt(abs(difference))


def against(
    indicator: Indicator, fmt: charts.Format, own: Decimal, other: Decimal, name: str
) -> str:
    """One figure against another's, honouring the direction: "£40.90 below England's
    £648.40 (worse)", "level with England's £648.40"."""
    theirs = f"{name}'s {fmt(other)}"
    if own == other:
        return f"level with {theirs}"
    higher = own > other
    better = higher == (indicator.direction != Direction.LOWER_IS_BETTER)
    side = "above" if higher else "below"
    return f"{_difference(fmt, own - other)} {side} {theirs} ({'better' if better else 'worse'})"


@dataclass(frozen=True)
class Comparison:
    """What the combined authorities are compared on: a period, and each one's figure for it."""

    period: Observation | None  # a figure for the period compared (its label and dates)
    own: Area | None  # the deal's combined authority's area, where it has figures
    ranked: list[tuple[int, Observation]]  # (rank, figure), best first, then by name
    left_out: list[Observation]  # each other combined authority's newest, none for the period
    periods_differ: bool  # whether the combined authorities' newest periods differ


def compare(
    indicator: Indicator, by_area: dict[int, list[Observation]], own_id: int | None
) -> Comparison:
    """The combined authorities ranked on the newest period the deal's own area has a figure
    for (the newest period any of them has, when it has none)."""
    authorities = {
        area_id: rows
        for area_id, rows in by_area.items()
        if rows and rows[0].area.level == AreaLevel.COMBINED_AUTHORITY
    }
    own_rows = authorities.get(own_id) if own_id is not None else None
    newest = [rows[-1] for rows in authorities.values()]
    if own_rows:
        period = own_rows[-1]
    elif newest:
        period = measures.ordered(newest)[-1]
    else:
        return Comparison(None, None, [], [], False)
    figures = {
        area_id: found
        for area_id, rows in authorities.items()
        if (found := _for_period(rows, period.period)) is not None
    }
    ranks = measures._ranks(indicator, {a: o.value for a, o in figures.items()})
    ranked = sorted(
        ((ranks[a], o) for a, o in figures.items()), key=lambda r: (r[0], r[1].area.name)
    )
    left_out = sorted(
        (rows[-1] for area_id, rows in authorities.items() if area_id not in figures),
        key=lambda o: o.area.name,
    )
    return Comparison(
        period=period,
        own=own_rows[-1].area if own_rows else None,
        ranked=ranked,
        left_out=left_out,
        periods_differ=len({o.period for o in newest}) > 1,
    )


# --- The indicator page's section -------------------------------------------------------------


@dataclass(frozen=True)
class PeerRow:
    area: Area
    observation: Observation | None  # its figure for the period compared
    text: str  # the figure as the page writes it ("" when there is none)
    interval: str  # "£594.40 to £620.60" ("" when the source gives none)
    rank: int | None  # among the combined authorities; None for a comparator
    trend: str
    is_own: bool = False
    role: str = ""  # for a comparator: "Region", "Country"

    @property
    def label(self) -> str:
        return charts.area_label(self.area)


@dataclass(frozen=True)
class Dot:
    """One combined authority's row of the chart: its name and figure above a dot, with its
    interval as a line either side."""

    row: PeerRow
    top: float
    label_y: float
    y: float
    x: float
    low_x: float | None
    high_x: float | None
    label: str  # "7. Greater Manchester"
    title: str  # "Greater Manchester, 30 April 2025: £640.20 (95% CI £620.00 to £660.40)"

    @property
    def cap_top(self) -> float:
        return self.y - CAP

    @property
    def cap_bottom(self) -> float:
        return self.y + CAP

    @property
    def band_height(self) -> int:
        return ROW_HEIGHT


@dataclass(frozen=True)
class Reference:
    """England's figure, a dashed line down the chart, named at its top."""

    x: float
    text: str
    anchor: str  # start | middle | end: kept inside the chart


@dataclass(frozen=True)
class PeerChart:
    title: str
    description: str
    dots: list[Dot]
    ticks: list[charts.Tick]
    x_title: str
    reference: Reference | None
    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int

    @property
    def tick_label_y(self) -> int:
        return self.plot_bottom + 18

    @property
    def title_y(self) -> int:
        return self.plot_bottom + 38

    @property
    def reference_top(self) -> int:
        return self.plot_top - 8


# Narrow, as the line charts are, so that it shrinks little on a small screen: each name is
# written above its dot rather than beside it.
WIDTH = 340
PLOT_LEFT = 22  # room for half the first tick's label, "£500"
PLOT_RIGHT = WIDTH - 22
PLOT_TOP = 34
ROW_HEIGHT = 38
LABEL_BASELINE = 15  # from the top of a row: a name sits close above its own dot
DOT_AT = 25  # from the top of a row
CAP = 4  # half the height of an interval's end


@dataclass(frozen=True)
class Peers:
    indicator: Indicator
    own_name: str  # the deal's combined authority's area ("" without one)
    period: str  # the label of the period compared ("" when no combined authority has figures)
    period_text: str
    ranked: list[PeerRow]  # the combined authorities with a figure for the period, best first
    comparators: list[PeerRow]  # the region, England, the United Kingdom: those held
    notes: list[str]  # sentences: different periods, those left out, a region not known
    chart: PeerChart | None
    against_england: str = ""  # "£40.90 below England's £648.40 (worse)", for the deal's own

    @property
    def count(self) -> int:
        return len(self.ranked)

    @property
    def own(self) -> PeerRow | None:
        return next((r for r in self.ranked if r.is_own), None)

    @property
    def source_date(self) -> date | None:
        return self.indicator.source_date

    @property
    def rows(self) -> list[PeerRow]:
        return [*self.ranked, *self.comparators]

    @property
    def rank_rule(self) -> str:
        return RANK_RULE

    @property
    def trend_rule(self) -> str:
        return measures.TREND_RULE


def region_of(geography: Geography) -> Area | None:
    """The region the deal's combined authority's area lies within, where it is known."""
    return next((a for a in geography.outer if a.level == AreaLevel.REGION), None)


def beside_peers(
    *, indicator: Indicator, observations: list[Observation], geography: Geography
) -> Peers:
    """The section of the indicator page: the deal's combined authority (``geography``)
    beside every other combined authority, its region, England and the United Kingdom.
    ``observations`` are the indicator's figures for those areas, any order."""
    home = geography.combined_authority
    own_name = charts.area_label(home) if home is not None else ""
    by_area = _by_area(observations)
    comparison = compare(indicator, by_area, home.pk if home is not None else None)
    if comparison.period is None:
        return Peers(indicator, own_name, "", "", [], [], [], None)
    period = comparison.period.period
    when = period_text(comparison.period)
    shown = [o for _r, o in comparison.ranked]
    region = region_of(geography)
    outer = [a for a in [region] if a is not None]
    areas = {rows[0].area.pk: rows[0].area for rows in by_area.values()}
    outer += sorted(
        (a for a in areas.values() if _entity(a, ENGLAND_ENTITY) or _entity(a, UK_ENTITY)),
        key=lambda a: not _entity(a, ENGLAND_ENTITY),
    )
    outer_figures = {a.pk: _for_period(by_area.get(a.pk, []), period) for a in outer}
    fmt = charts.format_for(
        indicator,
        [o.value for o in shown] + [o.value for o in outer_figures.values() if o is not None],
    )

    def row(o: Observation | None, area: Area, rank: int | None, role: str = "") -> PeerRow:
        if o is None:
            return PeerRow(area, None, "", "", rank, "", role=role)
        given = o.lower is not None and o.upper is not None
        interval = f"{fmt(o.lower)} to {fmt(o.upper)}" if given else ""  # type: ignore[arg-type]
        trend = _trend(indicator, by_area[area.pk], o)
        is_own = home is not None and area.pk == home.pk
        return PeerRow(area, o, fmt(o.value), interval, rank, trend, is_own, role)

    ranked = [row(o, o.area, rank) for rank, o in comparison.ranked]
    comparators = [
        row(outer_figures[a.pk], a, None, "Region" if a.level == AreaLevel.REGION else "Country")
        for a in outer
    ]
    notes = _notes(comparison, home, region, when, own_name)
    chart = peer_chart(indicator, ranked, comparators, fmt, when)
    own = next((r.observation for r in ranked if r.is_own), None)
    england = next(
        (r for r in comparators if _entity(r.area, ENGLAND_ENTITY) and r.observation), None
    )
    against_england = ""
    if own is not None and england is not None and england.observation is not None:
        value = england.observation.value
        against_england = against(indicator, fmt, own.value, value, england.label)
    return Peers(
        indicator, own_name, period, when, ranked, comparators, notes, chart, against_england
    )


def _notes(
    comparison: Comparison, home: Area | None, region: Area | None, when: str, own_name: str
) -> list[str]:
    notes = []
    if home is not None and comparison.own is None:
        notes.append(
            f"{own_name} has no figure for this indicator, so the combined authorities are "
            f"compared on the newest period any of them has a figure for, {when}."
        )
    elif comparison.periods_differ:
        notes.append(
            "The combined authorities' newest figures are not all for the same period, so they "
            f"are compared on {when}, the newest period {own_name} has a figure for."
        )
    if comparison.left_out:
        names = "; ".join(
            f"{charts.area_label(o.area)} (newest {period_text(o)})" for o in comparison.left_out
        )
        notes.append(f"Not ranked, having no figure for {when}: {names}.")
    if home is not None and region is None:
        notes.append(f"The region {own_name} lies within is not recorded here, so it is left out.")
    return notes


def peer_chart(
    indicator: Indicator,
    ranked: list[PeerRow],
    comparators: list[PeerRow],
    fmt: charts.Format,
    when: str,
) -> PeerChart | None:
    """The combined authorities' figures as dots, best first, each with its interval, and
    England's figure as a dashed line down the chart."""
    if not ranked:
        return None
    england = next(
        (r for r in comparators if _entity(r.area, ENGLAND_ENTITY) and r.observation), None
    )
    values: list[Decimal] = []
    for r in ranked:
        o = r.observation
        assert o is not None  # every ranked row has its figure
        values += [v for v in (o.value, o.lower, o.upper) if v is not None]
    if england is not None and england.observation is not None:
        values.append(england.observation.value)
    ticks = charts.value_ticks(min(values), max(values))
    x = charts.Scale(float(ticks[0]), float(ticks[-1]), PLOT_LEFT, PLOT_RIGHT)
    dots = []
    for n, r in enumerate(ranked):
        o = r.observation
        assert o is not None
        top = PLOT_TOP + n * ROW_HEIGHT
        interval = f" (95% CI {r.interval})" if r.interval else ""
        dots.append(
            Dot(
                row=r,
                top=top,
                label_y=top + LABEL_BASELINE,
                y=top + DOT_AT,
                x=x(float(o.value)),
                low_x=x(float(o.lower)) if r.interval and o.lower is not None else None,
                high_x=x(float(o.upper)) if r.interval and o.upper is not None else None,
                label=f"{r.rank}. {r.label}",
                title=f"{r.label}, {when}: {r.text}{interval}",
            )
        )
    plot_bottom = PLOT_TOP + len(ranked) * ROW_HEIGHT + 4
    reference = None
    if england is not None:
        at = x(float(england.observation.value))  # type: ignore[union-attr]
        share = (at - PLOT_LEFT) / (PLOT_RIGHT - PLOT_LEFT)
        anchor = "start" if share < 0.25 else "end" if share > 0.75 else "middle"
        reference = Reference(at, f"{england.label}: {england.text}", anchor)
    chart = PeerChart(
        title=f"{indicator.name}, {when}: the combined authorities",
        description="",
        dots=dots,
        ticks=[
            charts.Tick(x(float(t)), charts.figure(t, indicator.unit, short=True)) for t in ticks
        ],
        x_title=charts.UNIT_TITLES.get(indicator.unit, indicator.unit_label or indicator.unit),
        reference=reference,
        width=WIDTH,
        height=plot_bottom + 46,
        plot_left=PLOT_LEFT,
        plot_right=PLOT_RIGHT,
        plot_top=PLOT_TOP,
        plot_bottom=plot_bottom,
    )
    return _described(chart, indicator, ranked, england, ticks, when)


def _described(
    chart: PeerChart,
    indicator: Indicator,
    ranked: list[PeerRow],
    england: PeerRow | None,
    ticks: list[Decimal],
    when: str,
) -> PeerChart:
    first, last = ranked[0], ranked[-1]
    sentences = [
        f"{indicator.name}, {when}: the {len(ranked)} combined authorities with a figure, best "
        f"first ({indicator.get_direction_display().lower()}), from {first.label} at "
        f"{first.text} to {last.label} at {last.text}."
    ]
    if any(r.interval for r in ranked):
        sentences.append("Each figure's 95% confidence interval is a line either side of it.")
    own = next((r for r in ranked if r.is_own), None)
    if own is not None:
        sentences.append(
            f"{own.label}, in bold, is ranked {own.rank} of {len(ranked)} at {own.text}."
        )
    if england is not None:
        sentences.append(f"{england.label}'s figure, {england.text}, is the dashed line.")
    axis = f"The axis runs from {chart.ticks[0].text} to {chart.ticks[-1].text}"
    sentences.append(axis + ("." if ticks[0] <= 0 else ", not from zero."))
    return replace(chart, description=" ".join(sentences))


# --- The missions page ------------------------------------------------------------------------


@dataclass(frozen=True)
class Standing:
    """What the missions page says of a deal's combined authority on one indicator."""

    period_text: str
    rank: int
    count: int
    england: str  # "£40.90 below England's £648.40 (worse)"; "" without England's figure


def standings(*, observations: list[Observation], area_code: str) -> dict[int, Standing]:
    """Indicator id -> the area ``area_code``'s rank among the combined authorities and its
    position against England, on the newest period it has a figure for; for the indicators
    where it has one. ``observations``: the indicators' figures for the combined authorities
    and England, with their indicators and areas, any order."""
    by_indicator: dict[int, list[Observation]] = {}
    for o in observations:
        by_indicator.setdefault(o.indicator_id, []).append(o)
    found = {}
    for rows in by_indicator.values():
        indicator = rows[0].indicator
        by_area = _by_area(rows)
        own_id = next(
            (a for a, held in by_area.items() if area_code and held[0].area.gss_code == area_code),
            None,
        )
        comparison = compare(indicator, by_area, own_id)
        own = next(((r, o) for r, o in comparison.ranked if o.area_id == own_id), None)
        if comparison.own is None or comparison.period is None or own is None:
            continue
        rank, figure = own
        england = next(
            (
                _for_period(held, figure.period)
                for held in by_area.values()
                if _entity(held[0].area, ENGLAND_ENTITY)
            ),
            None,
        )
        fmt = charts.format_for(
            indicator, [figure.value] + ([england.value] if england is not None else [])
        )
        text = ""
        if england is not None:
            name = charts.area_label(england.area)
            text = against(indicator, fmt, figure.value, england.value, name)
        found[indicator.pk] = Standing(
            period_text=period_text(figure),
            rank=rank,
            count=len(comparison.ranked),
            england=text,
        )
    return found
