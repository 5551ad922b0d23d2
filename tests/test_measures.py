"""The measures say what the rules written on the page say: progress and its RAG, the trend,
freshness, and the missions' own gap measures.

The functions are pure, so most tests build unsaved model instances; the last tests load the
real ONS file through the import and check that computing the measures reads nothing more from
the database. Every expected number has its arithmetic written beside it.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.conf import settings

from missions import measures
from missions.choices import AreaLevel, Direction, TargetKind, Unit
from missions.measures import (
    DECILE_GAP_EXPLANATION,
    FRESHNESS_RULE,
    RAG_RULE,
    TOP_GAP_EXPLANATION,
    TREND_RULE,
    WORST_THIRD_EXPLANATION,
    decile_gap,
    freshness,
    latest_by_area,
    measures_for,
    ordered,
    progress,
    top_gap,
    worst_third,
)
from missions.models import Area, Indicator, Metric, Mission, Observation, Target
from missions.periods import parse_period

ONS_CSV = settings.BASE_DIR / "data" / "ons_subnational_indicators_wmca_2022.csv"
HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
D = Decimal

# --- Building unsaved rows ---------------------------------------------------------------------

_ids = iter(range(1, 1_000_000))


def make_indicator(
    *,
    direction: str = HIGHER,
    unit: str = Unit.PERCENT,
    frequency: int = 12,
    mission: int | None = None,
    name: str = "",
    code: str = "",
) -> Indicator:
    pk = next(_ids)
    indicator = Indicator(
        pk=pk,
        code=code or f"indicator_{pk}",
        name=name or f"Indicator {pk}",
        unit=unit,
        direction=direction,
        expected_frequency=frequency,
    )
    if mission is not None:
        indicator.metric = Metric(pk=next(_ids), mission=Mission(pk=next(_ids), number=mission))
    return indicator


def make_area(name: str, gss_code: str = "") -> Area:
    pk = next(_ids)
    return Area(
        pk=pk,
        gss_code=gss_code or f"E0{pk:07d}",
        name=name,
        level=AreaLevel.METROPOLITAN_DISTRICT,
    )


AREA = make_area("Anytown")


def obs(
    indicator: Indicator,
    period: str,
    value: str | Decimal,
    *,
    area: Area = AREA,
    dated: bool = True,
    updated_at: datetime | None = None,
) -> Observation:
    start, end = parse_period(period, "financial") if dated else (None, None)
    return Observation(
        indicator=indicator,
        area=area,
        period=period,
        period_start=start,
        period_end=end,
        value=D(value),
        updated_at=updated_at,
    )


def baseline(indicator: Indicator, year: int, value: str) -> Target:
    return Target(
        indicator=indicator, area=AREA, kind=TargetKind.BASELINE, year=year, value=D(value)
    )


def target(indicator: Indicator, year: int, value: str) -> Target:
    return Target(indicator=indicator, area=AREA, kind=TargetKind.TARGET, year=year, value=D(value))


TODAY = date(2024, 6, 1)


def read_ons(code: str, indicator: Indicator) -> list[Observation]:
    """The real ONS rows of one indicator, as unsaved observations of the 7 districts."""
    with ONS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["indicator"] == code]
    return [
        obs(
            indicator,
            row["period"],
            row["value"],
            area=make_area(row["area_name"], row["area_code"]),
        )
        for row in rows
    ]


def by_name(rows: list[measures.MeasureRow]) -> dict[str, measures.MeasureRow]:
    return {row.area.name: row for row in rows}


# --- Order ------------------------------------------------------------------------------------


def test_figures_are_ordered_by_period_end_then_start_then_label_with_undated_ones_oldest():
    i = make_indicator()
    figures = [
        obs(i, "2019", "5"),  # 2019-01-01 to 2019-12-31
        obs(i, "2019-20 b", "1", dated=False),
        obs(i, "Apr 2018-Mar 2019", "3"),  # ends 2019-03-31
        obs(i, "2017-2019", "4"),  # ends 2019-12-31 like "2019" but starts earlier
        obs(i, "2018", "2"),  # ends 2018-12-31
        obs(i, "2019-20 a", "0", dated=False),
        # Both end 2019-12-31; May starts before August, though "Aug" comes first by label.
        obs(i, "Aug-Dec 2019", "7"),
        obs(i, "May-Dec 2019", "6"),
    ]
    assert [o.period for o in ordered(figures)] == [
        "2019-20 a",
        "2019-20 b",
        "2018",
        "Apr 2018-Mar 2019",
        "2017-2019",
        "2019",
        "May-Dec 2019",
        "Aug-Dec 2019",
    ]


def test_the_latest_figure_of_each_area_is_its_newest_dated_one_and_undated_only_without_one():
    i = make_indicator()
    north, south = make_area("North"), make_area("South")
    newest_north = obs(i, "2021", "3", area=north)
    figures = [
        obs(i, "2030-31", "9", area=north, dated=False),  # undated: counts as oldest
        newest_north,
        obs(i, "2020", "2", area=north),
        obs(i, "2019-20", "7", area=south, dated=False),
    ]
    latest = latest_by_area(figures)
    assert latest == {north.pk: newest_north, south.pk: figures[3]}


# --- Trend ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "values", "trend"),
    [
        (HIGHER, ["60", "61", "62"], "improving"),
        (HIGHER, ["62", "61", "60"], "worsening"),
        # The newest against the oldest of the three: 60 -> 60 whatever happened between.
        (HIGHER, ["60", "65", "60"], "no change"),
        # Only the last three count: 50 is left out, and 70 -> 69 is worse.
        (HIGHER, ["50", "70", "75", "69"], "worsening"),
        # Two dated figures are enough.
        (HIGHER, ["60", "61"], "improving"),
        # Lower is better (e.g. smokers): falling is improving, rising is worsening.
        (LOWER, ["16.9", "14.0", "12.6"], "improving"),
        (LOWER, ["12.6", "14.0", "16.9"], "worsening"),
        (HIGHER, ["60"], "not enough figures"),
        (HIGHER, [], "not enough figures"),
    ],
)
def test_the_trend_compares_the_newest_figure_with_the_oldest_of_the_last_three(
    direction, values, trend
):
    i = make_indicator(direction=direction)
    figures = [obs(i, str(2015 + n), value) for n, value in enumerate(values)]
    random.Random(len(values)).shuffle(figures)  # given in any order
    result = progress(indicator=i, observations=figures, baseline=None, target=None, today=TODAY)
    assert result.trend == trend
    assert [o.value for o in result.trend_values] == [D(v) for v in values[-3:]]


def test_undated_figures_are_left_out_of_the_trend():
    i = make_indicator()
    figures = [obs(i, "2019", "60"), obs(i, "2019-20", "10", dated=False), obs(i, "2020", "61")]
    result = progress(indicator=i, observations=figures, baseline=None, target=None, today=TODAY)
    # 60 -> 61 is improving; the undated 10 would have made it look like a rise from 10.
    assert result.trend == "improving"
    assert [o.period for o in result.trend_values] == ["2019", "2020"]

    only_one_dated = [obs(i, "2019-20", "10", dated=False), obs(i, "2020", "61")]
    result = progress(
        indicator=i, observations=only_one_dated, baseline=None, target=None, today=TODAY
    )
    assert result.trend == "not enough figures"


# --- RAG: no RAG ------------------------------------------------------------------------------


def test_no_rag_without_a_baseline():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2022", "70")],
        baseline=None,
        target=target(i, 2030, "80"),
        today=TODAY,
    )
    assert (result.rag, result.share_of_way) == ("", None)
    assert result.reason == "There is no baseline for this area, so progress cannot be judged."


def test_no_rag_without_a_target():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2022", "70")],
        baseline=baseline(i, 2019, "60"),
        target=None,
        today=TODAY,
    )
    assert (result.rag, result.share_of_way) == ("", None)
    assert result.reason == "There is no target for this area, so progress cannot be judged."


def test_no_rag_without_figures():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2030, "80"),
        today=TODAY,
    )
    assert (result.rag, result.latest, result.share_of_way) == ("", None, None)
    assert result.reason == "There are no figures for this area yet."


def test_no_rag_when_the_newest_figure_has_no_dates():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2021-22", "75", dated=False)],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2030, "80"),
        today=TODAY,
    )
    assert (result.rag, result.share_of_way) == ("", None)
    assert result.latest.period == "2021-22"
    assert "has no dates" in result.reason


def test_no_rag_for_figures_from_before_the_baseline_year():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2016", "50"), obs(i, "2017-2018", "55")],  # ends 2018 < 2019
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2030, "80"),
        today=TODAY,
    )
    assert (result.rag, result.share_of_way) == ("", None)
    assert result.reason == (
        "The newest figure (2017-2018) is for a year before the baseline year (2019), so there "
        "is no progress to measure yet."
    )
    assert result.trend == "improving"  # the trend is still read: 50 -> 55


def test_no_rag_when_the_target_year_is_not_after_the_baseline_year():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2020", "70")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2019, "80"),
        today=TODAY,
    )
    assert result.rag == ""
    assert "is not after the baseline year" in result.reason


# --- RAG: green, amber, red -------------------------------------------------------------------


def test_green_when_the_target_is_met_even_early():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2021", "85")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2030, "80"),
        today=TODAY,
    )
    assert result.rag == "green"
    assert result.share_of_way == D("1.25")  # (85 - 60) / (80 - 60) = 25 / 20
    assert result.reason == "The newest figure (85) meets the target of 80 for 2030."


def test_green_when_a_lower_is_better_target_is_met():
    i = make_indicator(direction=LOWER)
    result = progress(
        indicator=i,
        observations=[obs(i, "2022", "10")],
        baseline=baseline(i, 2019, "16.9"),
        target=target(i, 2030, "10"),
        today=TODAY,
    )
    assert result.rag == "green"
    assert result.share_of_way == D(1)  # (10 - 16.9) / (10 - 16.9)


def test_red_when_the_figure_for_the_target_year_misses_the_target_despite_progress():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2029", "70"), obs(i, "2030", "79")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2030, "80"),
        today=date(2031, 6, 1),
    )
    assert result.rag == "red"
    assert result.share_of_way == D("0.95")  # (79 - 60) / (80 - 60) = 19 / 20
    assert result.reason == "The figure for 2030 (79) misses the target of 80 set for 2030."


def test_red_when_the_newest_figure_is_worse_than_the_baseline():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2020", "58"), obs(i, "2021", "59")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2030, "80"),
        today=TODAY,
    )
    assert result.trend == "improving"  # improving, but still below the baseline
    assert result.rag == "red"
    assert result.share_of_way == D("-0.05")  # (59 - 60) / (80 - 60) = -1 / 20
    assert result.reason == "The newest figure (59) is worse than the baseline of 60 for 2019."


def test_red_when_a_lower_is_better_figure_has_risen_above_its_baseline():
    i = make_indicator(direction=LOWER)
    result = progress(
        indicator=i,
        observations=[obs(i, "2021", "17.5")],
        baseline=baseline(i, 2019, "16.9"),
        target=target(i, 2030, "10"),
        today=TODAY,
    )
    assert result.rag == "red"
    assert "worse than the baseline" in result.reason


def test_red_when_there_is_no_progress_and_the_trend_is_worsening():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2020", "64"), obs(i, "2021", "62"), obs(i, "2022", "60")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2030, "80"),
        today=TODAY,
    )
    assert result.trend == "worsening"  # 64 -> 60
    assert result.rag == "red"
    assert result.share_of_way == D(0)  # (60 - 60) / 20
    assert "no better than the baseline of 60 and the trend is worsening" in result.reason


def test_amber_when_there_is_no_progress_but_no_worsening_either():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2021", "60")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2029, "80"),
        today=TODAY,
    )
    assert result.trend == "not enough figures"
    assert result.rag == "amber"
    # 0 of 20 points of the way; (2021 - 2019) / (2029 - 2019) = 2 / 10 = 20% of the time.
    assert result.reason == (
        "Behind pace: 0% of the way to the target with 20% of the time from 2019 to 2029 "
        "gone by 2021."
    )


def test_green_when_the_share_of_the_way_keeps_pace_with_the_share_of_the_time():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2021", "64")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2029, "80"),
        today=TODAY,
    )
    # Way: (64 - 60) / (80 - 60) = 4 / 20 = 0.2; time: (2021 - 2019) / (2029 - 2019) = 0.2.
    assert result.share_of_way == D("0.2")
    assert result.rag == "green"
    assert result.reason == (
        "On pace: 20% of the way to the target with 20% of the time from 2019 to 2029 gone by 2021."
    )


def test_amber_when_moving_the_right_way_but_behind_pace():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2021", "63.9")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2029, "80"),
        today=TODAY,
    )
    # Way: (63.9 - 60) / 20 = 0.195, just short of the 0.2 of the time gone.
    assert result.share_of_way == D("0.195")
    assert result.rag == "amber"
    assert result.reason.startswith("Behind pace: 20% of the way")  # 19.5% shown as 20%


def test_pace_for_a_lower_is_better_indicator_counts_a_fall_as_progress():
    i = make_indicator(direction=LOWER)
    observations = [obs(i, "2021", "15")]
    kwargs = {"baseline": baseline(i, 2019, "20"), "target": target(i, 2029, "10")}
    result = progress(indicator=i, observations=observations, today=TODAY, **kwargs)
    # Way: (15 - 20) / (10 - 20) = 0.5; time: 2 / 10 = 0.2: ahead of pace.
    assert (result.share_of_way, result.rag) == (D("0.5"), "green")

    behind = progress(indicator=i, observations=[obs(i, "2027", "15")], today=TODAY, **kwargs)
    # Way 0.5; time (2027 - 2019) / 10 = 0.8: behind.
    assert behind.rag == "amber"


def test_pace_is_judged_at_the_figures_year_when_the_target_year_has_passed_without_a_figure():
    i = make_indicator()
    result = progress(
        indicator=i,
        observations=[obs(i, "2024", "70")],
        baseline=baseline(i, 2019, "60"),
        target=target(i, 2025, "80"),
        today=date(2026, 3, 1),
    )
    # Way: 10 / 20 = 50%; time: (2024 - 2019) / (2025 - 2019) = 5 / 6 = 83%.
    assert result.rag == "amber"
    assert result.reason == (
        "Behind pace: 50% of the way to the target with 83% of the time from 2019 to 2025 "
        "gone by 2024 (the figure for the target year is not out yet)."
    )


def test_a_target_equal_to_its_baseline_is_green_while_held_and_red_once_lost():
    i = make_indicator()
    kwargs = {"baseline": baseline(i, 2019, "70"), "target": target(i, 2030, "70")}
    held = progress(indicator=i, observations=[obs(i, "2022", "70")], today=TODAY, **kwargs)
    assert (held.rag, held.share_of_way) == ("green", None)  # no way to go: no share of it
    lost = progress(indicator=i, observations=[obs(i, "2022", "69.9")], today=TODAY, **kwargs)
    assert (lost.rag, lost.share_of_way) == ("red", None)
    assert "worse than the baseline" in lost.reason


def test_a_target_that_limits_a_fall_is_green_while_met_and_red_once_missed():
    i = make_indicator()
    kwargs = {"baseline": baseline(i, 2019, "100"), "target": target(i, 2030, "90")}
    met = progress(indicator=i, observations=[obs(i, "2022", "95")], today=TODAY, **kwargs)
    assert met.rag == "green"
    assert met.share_of_way == D("0.5")  # (95 - 100) / (90 - 100)
    missed = progress(indicator=i, observations=[obs(i, "2022", "85")], today=TODAY, **kwargs)
    assert missed.rag == "red"


def test_the_rules_are_written_down_for_the_page():
    for colour in ("Green:", "Amber:", "Red:"):
        assert colour in RAG_RULE
    assert "no baseline, no target or no figure" in RAG_RULE
    assert "oldest of the last 3 dated figures" in TREND_RULE
    assert "two of the indicator's release intervals" in FRESHNESS_RULE


# --- Freshness --------------------------------------------------------------------------------


def test_annual_figures_are_fresh_until_two_years_after_their_period_ends():
    i = make_indicator(frequency=12)
    figures = [
        obs(i, "2017-2019", "60", updated_at=datetime(2021, 3, 1, tzinfo=UTC)),
        obs(i, "2016-2018", "59", updated_at=datetime(2022, 5, 4, tzinfo=UTC)),  # corrected
    ]
    # Period ends 2019-12-31; + 2 x 12 months = the end of December 2021.
    fresh = freshness(indicator=i, observations=figures, today=date(2021, 12, 31))
    assert fresh.latest_period == "2017-2019"
    assert fresh.latest_period_end == date(2019, 12, 31)
    assert fresh.due_by == date(2021, 12, 31)
    assert fresh.stale is False
    # When figures came in is the newest updated_at, whichever period it belongs to.
    assert fresh.last_updated == datetime(2022, 5, 4, tzinfo=UTC)
    assert freshness(indicator=i, observations=figures, today=date(2022, 1, 1)).stale is True


def test_quarterly_and_monthly_figures_are_due_two_intervals_after_their_period_month():
    quarterly = make_indicator(frequency=3)
    result = freshness(
        indicator=quarterly, observations=[obs(quarterly, "Apr-Jun 2021", "5")], today=TODAY
    )
    assert result.due_by == date(2021, 12, 31)  # June + 2 x 3 months = December
    monthly = make_indicator(frequency=1)
    result = freshness(
        indicator=monthly, observations=[obs(monthly, "Dec 2023", "5")], today=date(2024, 2, 29)
    )
    assert result.due_by == date(2024, 2, 29)  # December + 2 months = February, a leap year
    assert result.stale is False
    two_yearly = make_indicator(frequency=24)
    result = freshness(
        indicator=two_yearly, observations=[obs(two_yearly, "2020/21", "5")], today=TODAY
    )
    assert result.due_by == date(2025, 3, 31)  # March 2021 + 48 months


def test_no_figures_are_stale_with_no_latest_period():
    i = make_indicator()
    result = freshness(indicator=i, observations=[], today=TODAY)
    assert result == measures.Freshness(
        last_updated=None, latest_period="", latest_period_end=None, due_by=None, stale=True
    )


def test_undated_figures_alone_are_stale_but_a_dated_one_is_the_latest_period():
    i = make_indicator()
    undated = obs(i, "2023-24", "5", dated=False)
    result = freshness(indicator=i, observations=[undated], today=TODAY)
    assert (result.latest_period, result.due_by, result.stale) == ("2023-24", None, True)

    result = freshness(indicator=i, observations=[undated, obs(i, "2023", "4")], today=TODAY)
    # The undated 2023-24 counts as oldest, so the latest period is 2023, due by December 2025.
    assert (result.latest_period, result.due_by, result.stale) == (
        "2023",
        date(2025, 12, 31),
        False,
    )


# --- Top-performing area and the others (missions 1, 8, 9) ------------------------------------


def test_the_gap_to_the_top_area_from_the_real_gva_per_hour_of_the_seven_districts():
    gva = make_indicator(unit=Unit.GBP, mission=1, code="gva_per_hour_worked")
    latest = read_ons("gva_per_hour_worked", gva)
    assert len(latest) == 7
    measure = top_gap(indicator=gva, latest=latest)
    # Solihull is top with 45.24. The others, sorted: 25.92 (Walsall), 26.60 (Dudley),
    # 27.86 (Wolverhampton), 30.41 (Sandwell), 30.62 (Birmingham), 36.21 (Coventry); their
    # median is the mean of the middle two: (27.86 + 30.41) / 2 = 58.27 / 2 = 29.135.
    # Gap: 45.24 - 29.135 = 16.105.
    assert measure.value == D("16.105")
    assert (measure.key, measure.mission, measure.unit, measure.too_few) == (
        "top-gap",
        1,
        Unit.GBP,
        "",
    )
    assert measure.title == "Gap between the top-performing area and the others"
    assert measure.explanation == TOP_GAP_EXPLANATION
    assert [(r.area.name, r.group, r.value, r.figure) for r in measure.rows] == [
        ("Solihull", "top", D("0"), D("45.24")),
        ("Coventry", "others", D("9.03"), D("36.21")),  # 45.24 - 36.21
        ("Birmingham", "others", D("14.62"), D("30.62")),  # 45.24 - 30.62
        ("Sandwell", "others", D("14.83"), D("30.41")),  # 45.24 - 30.41
        ("Wolverhampton", "others", D("17.38"), D("27.86")),  # 45.24 - 27.86
        ("Dudley", "others", D("18.64"), D("26.60")),  # 45.24 - 26.60
        ("Walsall", "others", D("19.32"), D("25.92")),  # 45.24 - 25.92
    ]


def test_where_lower_is_better_the_top_area_is_the_lowest_real_smokers_figure():
    smokers = make_indicator(direction=LOWER, code="adult_smokers_pct")
    measure = top_gap(indicator=smokers, latest=read_ons("adult_smokers_pct", smokers))
    # Wolverhampton is top with 9.9. The others, sorted: 10.3, 11.8, 12.6, 13.1, 13.7, 16.9;
    # median (12.6 + 13.1) / 2 = 12.85. Gap: 12.85 - 9.9 = 2.95 (positive: the others trail).
    assert measure.value == D("2.95")
    assert measure.mission == 0  # no mission metric
    rows = by_name(measure.rows)
    assert rows["Wolverhampton"].group == "top"
    assert rows["Birmingham"].value == D("7.0")  # 16.9 - 9.9


def test_the_top_gap_uses_each_areas_newest_figure_and_says_when_periods_differ():
    i = make_indicator()
    a, b, c = make_area("A"), make_area("B"), make_area("C")
    latest = [
        obs(i, "2019", "90", area=a),  # older: replaced by A's 2020 figure
        obs(i, "2020", "50", area=a),
        obs(i, "2020", "60", area=b),
        obs(i, "2019", "40", area=c),
    ]
    measure = top_gap(indicator=i, latest=latest)
    # Top B 60; others 50 and 40, median 45; gap 60 - 45 = 15.
    assert measure.value == D("15")
    assert measure.explanation.endswith(
        "The areas' newest figures are for different periods (2019, 2020)."
    )


def test_a_tie_for_the_top_goes_to_the_name_first_in_the_alphabet():
    i = make_indicator()
    latest = [
        obs(i, "2020", "60", area=make_area("Zeta")),
        obs(i, "2020", "60", area=make_area("Alpha")),
        obs(i, "2020", "50", area=make_area("Mid")),
    ]
    measure = top_gap(indicator=i, latest=latest)
    assert [r.area.name for r in measure.rows] == ["Alpha", "Zeta", "Mid"]
    assert measure.value == D("5")  # 60 - median(60, 50) = 60 - 55


def test_the_top_gap_needs_three_areas():
    i = make_indicator()
    latest = [obs(i, "2020", "1", area=make_area("A")), obs(i, "2020", "2", area=make_area("B"))]
    measure = top_gap(indicator=i, latest=latest)
    assert (measure.value, measure.rows) == (None, [])
    assert measure.too_few == "Needs at least 3 areas; there are 2."


# --- Top and bottom deciles (mission 7) -------------------------------------------------------

# Invented healthy life expectancies (years) for 20 invented areas: plausible figures for
# English upper-tier authorities, NOT real data. Best first.
INVENTED_HLE = [
    "70.1", "68.4", "66.0", "65.2", "64.8", "64.1", "63.9", "63.5", "63.0", "62.7",
    "62.2", "61.8", "61.0", "60.4", "59.9", "59.1", "58.6", "57.3", "55.0", "52.6",
]  # fmt: skip


def invented_hle(indicator: Indicator, values: list[str]) -> list[Observation]:
    latest = [
        obs(indicator, "2017-2019", v, area=make_area(f"Invented area {n:02d}"))
        for n, v in enumerate(values, start=1)
    ]
    random.Random(7).shuffle(latest)
    return latest


def test_the_decile_gap_of_twenty_invented_areas():
    hle = make_indicator(unit=Unit.YEARS, mission=7)
    measure = decile_gap(indicator=hle, latest=invented_hle(hle, INVENTED_HLE))
    # 20 areas: each decile holds 20 // 10 = 2. Top decile 70.1 and 68.4, median
    # (70.1 + 68.4) / 2 = 69.25; bottom decile 55.0 and 52.6, median (55.0 + 52.6) / 2 = 53.8.
    # Gap: 69.25 - 53.8 = 15.45.
    assert measure.value == D("15.45")
    assert (measure.key, measure.mission, measure.unit, measure.too_few) == (
        "decile-gap",
        7,
        Unit.YEARS,
        "",
    )
    groups = [(r.area.name, r.group) for r in measure.rows]
    assert groups[:2] == [("Invented area 01", "top decile"), ("Invented area 02", "top decile")]
    assert groups[-2:] == [
        ("Invented area 19", "bottom decile"),
        ("Invented area 20", "bottom decile"),
    ]
    assert {g for _, g in groups[2:-2]} == {"between"}
    assert measure.explanation == (
        DECILE_GAP_EXPLANATION + " Here each decile holds 2 of the 20 areas."
    )


@pytest.mark.parametrize(("count", "size"), [(10, 1), (19, 1), (20, 2), (29, 2), (30, 3)])
def test_each_decile_holds_a_tenth_of_the_areas_rounded_down(count, size):
    hle = make_indicator(unit=Unit.YEARS)
    values = [str(80 - n) for n in range(count)]  # 80, 79, ... best first
    measure = decile_gap(indicator=hle, latest=invented_hle(hle, values))
    groups = [r.group for r in measure.rows]
    assert groups.count("top decile") == groups.count("bottom decile") == size
    # Consecutive whole numbers: the top decile's median is 80 - (size - 1) / 2 and the bottom's
    # is (80 - count + 1) + (size - 1) / 2, so the gap is count - size.
    assert measure.value == D(count - size)


def test_where_lower_is_better_the_top_decile_holds_the_lowest_figures():
    i = make_indicator(direction=LOWER)
    measure = decile_gap(indicator=i, latest=invented_hle(i, [str(n) for n in range(1, 11)]))
    # Top decile {1}, bottom decile {10}: 10 - 1 = 9, positive as the top is ahead.
    assert measure.value == D(9)
    assert measure.rows[0].value == D(1)
    assert measure.rows[0].group == "top decile"


@pytest.mark.parametrize("code", ["healthy_life_expectancy_female", "healthy_life_expectancy_male"])
def test_the_seven_west_midlands_districts_are_too_few_for_deciles(code):
    hle = make_indicator(unit=Unit.YEARS, mission=7, code=code)
    latest = read_ons(code, hle)
    measure = decile_gap(indicator=hle, latest=latest)
    assert measure.too_few == "Needs at least 10 areas; there are 7."
    assert (measure.value, measure.rows) == (None, [])


# --- The worst third against the rest (mission 8) ---------------------------------------------


def test_the_worst_third_by_worst_metric_against_the_rest():
    satisfaction = make_indicator(direction=LOWER, name="Low life satisfaction")
    anxiety = make_indicator(direction=LOWER, name="High anxiety")
    areas = {name: make_area(name) for name in "ABCDEFG"}
    # Invented shares (per cent) with low life satisfaction and high anxiety. Lower is better.
    #        satisfaction (rank)   anxiety (rank)   worst rank, next-worst
    #   A    4.0  (1)              28  (6)          6, 1
    #   B    5.0  (2)              20  (1)          2, 1
    #   C    6.0  (3)              21  (2)          3, 2
    #   D    7.0  (4)              22  (3)          4, 3
    #   E    8.0  (5)              24  (4)          5, 4
    #   F   12.0  (6)              26  (5)          6, 5
    #   G    3.0  -                no figure: left out
    satisfaction_figures = {"A": "4.0", "B": "5.0", "C": "6.0", "D": "7.0", "E": "8.0"}
    satisfaction_figures |= {"F": "12.0", "G": "3.0"}
    anxiety_figures = {"A": "28", "B": "20", "C": "21", "D": "22", "E": "24", "F": "26"}
    measure = worst_third(
        mission=8,
        latest_by_indicator={
            satisfaction: [
                obs(satisfaction, "2019", v, area=areas[k]) for k, v in satisfaction_figures.items()
            ],
            anxiety: [obs(anxiety, "2019", v, area=areas[k]) for k, v in anxiety_figures.items()],
        },
    )
    # Worst first: A and F both rank 6 at worst; F's next-worst (5) is worse than A's (1), so
    # F, A, then E (5), D (4), C (3), B (2). The worst third is 6 // 3 = 2 areas: F and A.
    assert [(r.area.name, r.group, r.value) for r in measure.rows] == [
        ("F", "worst third", D(6)),
        ("A", "worst third", D(6)),
        ("E", "rest", D(5)),
        ("D", "rest", D(4)),
        ("C", "rest", D(3)),
        ("B", "rest", D(2)),
    ]
    assert by_name(measure.rows)["A"].note == "worst metric: High anxiety (rank 6 of 6)"
    assert by_name(measure.rows)["F"].note == "worst metric: Low life satisfaction (rank 6 of 6)"
    # Satisfaction: worst third (12.0 + 4.0) / 2 = 8.0; rest (8 + 7 + 6 + 5) / 4 = 6.5;
    # lower is better, so the gap is 8.0 - 6.5 = 1.5.
    # Anxiety: worst third (26 + 28) / 2 = 27; rest (24 + 22 + 21 + 20) / 4 = 87 / 4 = 21.75;
    # gap 27 - 21.75 = 5.25.
    gaps = [(g.indicator, g.worst_mean, g.rest_mean, g.gap) for g in measure.by_indicator]
    assert gaps == [
        (satisfaction, D("8.0"), D("6.5"), D("1.5")),
        (anxiety, D(27), D("21.75"), D("5.25")),
    ]
    # The measure: the mean of the gaps, (1.5 + 5.25) / 2 = 3.375 percentage points.
    assert measure.value == D("3.375")
    assert (measure.key, measure.mission, measure.unit, measure.too_few) == (
        "worst-third",
        8,
        Unit.PERCENT,
        "",
    )
    assert measure.explanation == (
        WORST_THIRD_EXPLANATION
        + " Left out for want of a figure on every indicator: G."
        + " Here the worst third is 2 of the 6 areas; the gaps by indicator: "
        + "Low life satisfaction 1.5; High anxiety 5.25."
    )


def test_equal_figures_share_the_better_rank_and_equal_ranks_are_ordered_by_name():
    i = make_indicator(direction=HIGHER, name="Worthwhile")
    figures = {"W": "32", "Y": "20", "X": "20", "Z": "10"}
    measure = worst_third(
        mission=8,
        latest_by_indicator={i: [obs(i, "2020", v, area=make_area(k)) for k, v in figures.items()]},
    )
    # Ranks (higher is better; equal figures share the better rank): W 1, X 2, Y 2, Z 4.
    assert [(r.area.name, r.value) for r in measure.rows] == [
        ("Z", D(4)),
        ("X", D(2)),
        ("Y", D(2)),
        ("W", D(1)),
    ]
    assert measure.rows[0].note == "worst metric: Worthwhile (rank 4 of 4)"
    # Worst third: 4 // 3 = 1 area, Z (10). Rest: (32 + 20 + 20) / 3 = 24. Gap 24 - 10 = 14.
    assert measure.value == D(14)


def test_an_area_ranked_worst_on_two_metrics_names_both():
    a, b = make_indicator(name="One"), make_indicator(name="Two")
    areas = [make_area(n) for n in "PQR"]
    figures = {
        i: [obs(i, "2020", v, area=x) for x, v in zip(areas, "321", strict=True)] for i in (a, b)
    }
    measure = worst_third(mission=8, latest_by_indicator=figures)
    # Higher is better: P 3 ranks 1, Q 2 ranks 2, R 1 ranks 3 on both.
    assert [r.area.name for r in measure.rows] == ["R", "Q", "P"]
    assert measure.rows[0].note == "worst metrics: One and Two (rank 3 of 3)"


def test_the_worst_third_needs_three_areas_with_figures_on_every_indicator():
    a, b = make_indicator(), make_indicator()
    p, q, r = make_area("P"), make_area("Q"), make_area("R")
    measure = worst_third(
        mission=8,
        latest_by_indicator={
            a: [
                obs(a, "2020", "1", area=p),
                obs(a, "2020", "2", area=q),
                obs(a, "2020", "3", area=r),
            ],
            b: [obs(b, "2020", "1", area=p), obs(b, "2020", "2", area=q)],
        },
    )
    assert measure.too_few == "Needs at least 3 areas with figures on every indicator; there are 2."
    assert (measure.value, measure.rows, measure.by_indicator) == (None, [], [])
    assert "Left out for want of a figure on every indicator: R." in measure.explanation


def test_the_worst_third_refuses_to_average_gaps_in_different_units():
    a, b = make_indicator(unit=Unit.PERCENT), make_indicator(unit=Unit.SCORE_0_10)
    areas = [make_area(n) for n in "PQR"]
    measure = worst_third(
        mission=8,
        latest_by_indicator={
            a: [obs(a, "2020", "1", area=x) for x in areas],
            b: [obs(b, "2020", "1", area=x) for x in areas],
        },
    )
    assert measure.value is None
    assert (
        measure.too_few
        == "The indicators are in different units, so their gaps cannot be averaged."
    )
    no_indicators = worst_third(mission=8, latest_by_indicator={})
    assert no_indicators.too_few == "Needs figures on the mission's indicators; none were given."


# --- Which measures apply ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mission", "keys"),
    [
        (1, ["top-gap"]),
        (7, ["decile-gap"]),
        (8, ["top-gap"]),
        (9, ["top-gap"]),
        (3, []),
        (None, []),
    ],
)
def test_the_measures_that_apply_follow_the_indicators_mission(mission, keys):
    i = make_indicator(mission=mission)
    latest = [obs(i, "2020", str(n), area=make_area(f"Area {n}")) for n in range(12)]
    found = measures_for(indicator=i, latest=latest)
    assert [m.key for m in found] == keys
    assert all(m.mission == mission for m in found)


# --- With the real file through the import ----------------------------------------------------


@pytest.mark.django_db
def test_measures_of_imported_figures_read_nothing_more_from_the_database(
    reference, django_assert_num_queries
):
    from missions.services import import_observations

    import_observations(ONS_CSV.read_bytes(), acting_user=None, create_missing_indicators=True)
    loaded = Observation.objects.select_related("area", "indicator__metric__mission")
    gva = [o for o in loaded if o.indicator.code == "gva_per_hour_worked"]
    hle = [o for o in loaded if o.indicator.code == "healthy_life_expectancy_female"]
    with django_assert_num_queries(0):
        (gva_gap,) = measures_for(indicator=gva[0].indicator, latest=gva)
        (hle_gap,) = measures_for(indicator=hle[0].indicator, latest=hle)
        fresh = freshness(indicator=gva[0].indicator, observations=gva, today=date(2021, 12, 31))
    assert (gva_gap.key, gva_gap.mission, gva_gap.value) == ("top-gap", 1, D("16.105"))
    assert by_name(gva_gap.rows)["Solihull"].group == "top"
    assert (hle_gap.key, hle_gap.mission, hle_gap.value) == ("decile-gap", 7, None)
    assert hle_gap.too_few == "Needs at least 10 areas; there are 7."
    # GVA for 2019 ends 2019-12-31: annual, so due by the end of 2021.
    assert (fresh.latest_period, fresh.due_by, fresh.stale) == ("2019", date(2021, 12, 31), False)
    assert fresh.last_updated is not None


def test_progress_is_read_against_the_first_target_whose_year_has_not_passed() -> None:
    gva = Indicator(code="gva", name="GVA", unit=Unit.GBP, direction=Direction.HIGHER_IS_BETTER)
    old, soon, later = target(gva, 2023, "30"), target(gva, 2026, "33"), target(gva, 2030, "36")
    start = baseline(gva, 2019, "28")
    assert measures.target_for_progress([later, start, old, soon], TODAY) == soon
    assert measures.target_for_progress([old, soon], date(2027, 1, 1)) == soon  # all passed
    assert measures.target_for_progress([old, later], date(2023, 12, 31)) == old  # this year's
    assert measures.target_for_progress([start], TODAY) is None
    assert "first whose year has not passed" in measures.TARGET_RULE
