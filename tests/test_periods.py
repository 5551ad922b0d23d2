import csv
from datetime import date
from pathlib import Path

import pytest

from missions.choices import YearBasis
from missions.periods import describe, parse_period

CSV = Path(__file__).resolve().parent.parent / "data" / "ons_subnational_indicators_wmca_2022.csv"


@pytest.mark.parametrize(
    ("label", "start", "end"),
    [
        ("2019", date(2019, 1, 1), date(2019, 12, 31)),
        ("2017-2019", date(2017, 1, 1), date(2019, 12, 31)),
        ("2017 – 2019", date(2017, 1, 1), date(2019, 12, 31)),
        ("2021 (provisional)", date(2021, 1, 1), date(2021, 12, 31)),
        ("May 2021", date(2021, 5, 1), date(2021, 5, 31)),
        ("February 2020", date(2020, 2, 1), date(2020, 2, 29)),
        ("Apr 2020-Mar 2021", date(2020, 4, 1), date(2021, 3, 31)),
        ("Sep 2020-Aug 2021", date(2020, 9, 1), date(2021, 8, 31)),
        ("Apr-Dec 2020", date(2020, 4, 1), date(2020, 12, 31)),
        ("2020/21", date(2020, 4, 1), date(2021, 3, 31)),
        ("1999/00", date(1999, 4, 1), date(2000, 3, 31)),
        ("2020/2021", date(2020, 4, 1), date(2021, 3, 31)),
        ("  2019  ", date(2019, 1, 1), date(2019, 12, 31)),
    ],
)
def test_a_period_label_gives_the_first_and_last_day_it_covers(label, start, end):
    assert parse_period(label) == (start, end)


@pytest.mark.parametrize(
    "label",
    ["", "last year", "Q1 2021", "2021/23", "2019-2017", "Dec-Jan 2020", "Smarch 2020", "20/21"],
)
def test_a_label_in_an_unknown_shape_is_refused(label):
    with pytest.raises(ValueError, match="period|month|financial|before"):
        parse_period(label)


def test_a_split_year_is_refused_because_it_may_be_financial_or_academic():
    with pytest.raises(ValueError, match="ambiguous"):
        parse_period("2019-20")


def test_every_label_in_the_ons_file_is_either_dated_or_refused_as_ambiguous():
    with CSV.open(newline="", encoding="utf-8") as handle:
        labels = {row["period"] for row in csv.DictReader(handle)}
    for label in labels:
        try:
            start, end = parse_period(label)
        except ValueError as error:
            assert "ambiguous" in str(error), label
        else:
            assert start <= end, label


@pytest.mark.parametrize(
    ("label", "basis", "start", "end"),
    [
        ("2019-20", YearBasis.FINANCIAL, date(2019, 4, 1), date(2020, 3, 31)),
        ("2019-20", YearBasis.ACADEMIC, date(2019, 9, 1), date(2020, 8, 31)),
        ("1999-00", YearBasis.FINANCIAL, date(1999, 4, 1), date(2000, 3, 31)),
        ("2020-21 (revised)", YearBasis.ACADEMIC, date(2020, 9, 1), date(2021, 8, 31)),
    ],
)
def test_a_split_year_is_dated_by_the_indicators_year_basis(label, basis, start, end):
    assert parse_period(label, basis) == (start, end)


def test_a_split_year_of_years_that_do_not_follow_is_refused_whatever_the_basis():
    with pytest.raises(ValueError, match="not consecutive"):
        parse_period("2019-22", YearBasis.FINANCIAL)


@pytest.mark.parametrize(
    "label,words",
    [
        ("2017-01-01/P3Y", "2017 to 2019"),
        ("2023-01-01/P1Y", "2023"),
        ("2022-04-01/P1Y", "April 2022 to March 2023"),
        ("2024-03-01/P1M", "March 2024"),
        ("2025-04-30", "30 April 2025"),
        ("2024-03-15/P1M", "15 March 2024 to 14 April 2024"),
        ("2020/21", "2020/21"),
        ("2017-2019", "2017-2019"),
        ("2019-13-01", "2019-13-01"),
    ],
)
def test_an_iso_period_is_described_in_words_and_any_other_label_is_kept(label, words):
    assert describe(label) == words
