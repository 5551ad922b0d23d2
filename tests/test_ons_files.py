"""Reading ONS's Explore Local Statistics files as published (``missions.ons``): every real file
in ``data/ons-explore-local-statistics/`` reads, each quirk as the README decides, and a damaged
copy is refused with its row numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from missions import ons
from missions.choices import AreaLevel, Unit
from missions.periods import parse_period

ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"
FOLDERS = sorted(p for p in ONS.iterdir() if p.is_dir())
HEADER = (
    "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes"
)


def _csv(folder: Path) -> bytes:
    return (folder / f"{folder.name}.csv").read_bytes()


def _read(*lines: str, bom: bool = False) -> ons.FigureFile:
    text = "\n".join([HEADER, *lines]) + "\n"
    return ons.read_figures(("\ufeff" if bom else "") + text)


ROW = "E08000025,Birmingham,Local Authority District,Female healthy life expectancy"
GM = "E47000001,Greater Manchester"


# --- The published files ------------------------------------------------------------------------


def test_the_copy_holds_the_published_folders() -> None:
    assert len(FOLDERS) == 55
    assert all((f / f"{f.name}.json").exists() for f in FOLDERS)


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_every_published_file_reads_whole(folder: Path) -> None:
    data = _csv(folder)
    read = ons.read_figures(data)
    assert read.problems == []
    lines = data.decode("utf-8-sig").count("\n") - 1  # rows under the header
    # Every row is a figure, a repeat of one, or reported as left out: none goes silently.
    assert len(read.figures) + len(read.repeats) + len(read.left_out) == lines
    metadata = ons.read_metadata((folder / f"{folder.name}.json").read_bytes())
    names = {f.indicator for f in read.figures}
    # Every indicator of the file has its metadata.
    assert set(ons.metadata_for(names, metadata)) == {ons.indicator_code(n) for n in names}


def test_the_quirks_of_the_published_files_read_as_decided() -> None:
    totals = {"figures": 0, "missing": 0, "left_out": 0, "repeats": 0, "intervals": 0}
    for folder in FOLDERS:
        read = ons.read_figures(_csv(folder))
        totals["figures"] += len(read.figures)
        totals["missing"] += sum(1 for f in read.figures if f.value is None)
        totals["left_out"] += len(read.left_out)
        totals["repeats"] += len(read.repeats)
        totals["intervals"] += sum(1 for f in read.figures if f.lower is not None)
    # Counted from the files with the csv module alone (see the README).
    # x, u, c and z, and 12 rows of first-time buyer mortgage sales with no status either.
    assert totals["missing"] == 1417 + 477 + 139 + 54 + 12
    assert totals["left_out"] == 60  # Aberdeen, Edinburgh and Glasgow city regions: code "na"
    # Combined authorities also listed as ITL2 regions, in the culture and heritage file.
    assert totals["repeats"] == 20
    assert totals["intervals"] == 72857 - 20  # rows with an interval, less the 20 repeats
    assert totals["figures"] > 230_000


def test_a_missing_figure_keeps_its_reason_and_is_never_a_zero() -> None:
    read = ons.read_figures(
        _csv(ONS / "persistent-absences-for-pupils-looked-after-by-local-authorities")
    )
    missing = [f for f in read.figures if f.value is None]
    assert {f.status for f in missing} == {"x", "c", "z"} and len(missing) == 163 + 13 + 11
    unexplained = ons.read_figures(_csv(ONS / "first-time-buyer-mortgage-sales"))
    silent = [f for f in unexplained.figures if f.status == ons.NO_STATUS_GIVEN]
    assert len(silent) == 12 and all(f.value is None for f in silent)
    assert silent[0].area_name == "Isles of Scilly"


def test_a_status_beside_a_figure_is_kept_with_it() -> None:
    read = ons.read_figures(_csv(ONS / "preventable-cardiovascular-mortality-england"))
    combined = [f for f in read.figures if f.status.startswith("Value for")]
    assert combined and all(f.value is not None for f in combined)


def test_healthy_life_expectancy_reads_with_its_interval_period_and_metadata() -> None:
    folder = ONS / "healthy-life-expectancy"
    read = ons.read_figures(_csv(folder))
    uk = next(
        f
        for f in read.figures
        if f.area_code == "K02000001"
        and f.indicator_code == "male-healthy-life-expectancy"
        and f.period == "2011-01-01/P3Y"
    )
    assert (uk.value, uk.lower, uk.upper) == (Decimal("62.7"), Decimal("62.6"), Decimal("62.9"))
    assert (uk.period_start, uk.period_end) == (dt.date(2011, 1, 1), dt.date(2013, 12, 31))
    assert uk.area_level == AreaLevel.COUNTRY and uk.unit == "yrs"
    metadata = ons.read_metadata((folder / "healthy-life-expectancy.json").read_bytes())
    meta = ons.metadata_for({f.indicator for f in read.figures}, metadata)
    female = meta["female-healthy-life-expectancy"]
    assert female.label == "Female healthy life expectancy"
    assert female.decimal_places == 1 and female.source_date == dt.date(2026, 2, 19)
    assert female.source_url.startswith("https://www.ons.gov.uk/")
    assert "interim methodological fix" in female.caveats
    assert female.subtitle.startswith("Average years expected to be lived in good health")
    assert ons.app_unit("yrs") == Unit.YEARS and ons.app_unit("£ million") is None


def test_a_file_with_its_columns_in_another_order_reads_by_the_header() -> None:
    read = ons.read_figures(_csv(ONS / "personal-wellbeing-estimates"))
    assert read.problems == []
    assert all(f.measure.startswith("Mean") for f in read.figures[:50])
    assert all(f.unit == "Score out of 10" for f in read.figures[:50])


def test_a_column_named_twice_is_one_column() -> None:
    header = HEADER + ",notes"
    text = f"{header}\n{ROW},2017-01-01/P3Y,61.6,Years,yrs,60.1,63.1,,first,second\n"
    read = ons.read_figures(text)
    assert read.figures[0].notes == "first; second"
    published = ons.read_figures(
        _csv(ONS / "persistent-absences-for-pupils-eligible-for-free-school-meals")
    )
    assert published.problems == [] and published.figures


def test_with_or_without_a_byte_order_mark() -> None:
    line = f"{ROW},2017-01-01/P3Y,61.6,Years,yrs,,,,"
    assert _read(line, bom=True).figures == _read(line).figures
    assert len(_read(line, bom=True).figures) == 1


def test_an_area_name_with_commas_stays_whole() -> None:
    read = _read(
        'E06000053,"Isles of Scilly, the",County or Unitary Authority,X,2020-01-01/P1Y,1,n,%,,,,'
    )
    assert read.figures[0].area_name == "Isles of Scilly, the"


def test_levels_come_from_the_code_not_the_geography_label() -> None:
    assert ons.area_level("E08000025") == AreaLevel.METROPOLITAN_DISTRICT
    assert ons.area_level("E09000001") == AreaLevel.LONDON_BOROUGH
    assert ons.area_level("E06000001") == AreaLevel.UNITARY_AUTHORITY
    assert ons.area_level("E07000008") == AreaLevel.DISTRICT
    assert ons.area_level("E10000003") == AreaLevel.COUNTY
    assert ons.area_level("E47000007") == AreaLevel.COMBINED_AUTHORITY
    assert ons.area_level("S12000033") == AreaLevel.COUNCIL_AREA
    assert ons.area_level("N09000001") == AreaLevel.LOCAL_GOVERNMENT_DISTRICT
    assert ons.area_level("W06000001") == AreaLevel.UNITARY_AUTHORITY
    assert [ons.area_level(c) for c in ("TLC", "TLC1", "TLC31")] == [
        AreaLevel.ITL1,
        AreaLevel.ITL2,
        AreaLevel.ITL3,
    ]
    assert ons.area_level("X12345678") is None


def test_the_same_area_twice_with_the_same_figure_is_one_figure() -> None:
    read = _read(
        f"{GM},Combined Authority or City Region,Arts,2023-04-01/P1Y,88,%,%,,,,",
        f"{GM},ITL Level 2,Arts,2023-04-01/P1Y,88,%,%,,,,",
    )
    assert len(read.figures) == 1 and read.repeats == [(3, 2)] and read.ok


def test_the_same_area_twice_with_different_figures_is_refused_naming_both_rows() -> None:
    read = _read(
        f"{GM},Combined Authority or City Region,Arts,2023-04-01/P1Y,88,%,%,,,,",
        f"{GM},ITL Level 2,Arts,2023-04-01/P1Y,89,%,%,,,,",
    )
    assert not read.ok
    assert read.problems == [
        ons.Problem(
            3, "Row 2 gives Greater Manchester another figure for the same indicator and period."
        )
    ]


def test_a_row_without_a_gss_code_is_left_out_and_reported() -> None:
    read = _read(
        "na,Glasgow City Region,Combined Authority or City Region,FDI,2020-01-01/P1Y,5,n,n,,,,",
        f"{ROW},2017-01-01/P3Y,61.6,Years,yrs,,,,",
    )
    assert read.ok and len(read.figures) == 1
    assert read.left_out == [ons.Problem(2, "Glasgow City Region has no GSS code ('na').")]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (f"{ROW},2017-02-30/P3Y,61.6,Years,yrs,,,,", "'2017-02-30' is not a date"),
        (f"{ROW},2017-01-01/P0Y,61.6,Years,yrs,,,,", "lasts no time"),
        (f"{ROW},Spring,61.6,Years,yrs,,,,", "not a period label"),
        (f"{ROW},,61.6,Years,yrs,,,,", "There is no period."),
        (
            ",Birmingham,LAD,Female healthy life expectancy,2017-01-01/P3Y,61.6,Years,yrs,,,,",
            "There is no area code.",
        ),
        (f"{ROW},2017-01-01/P3Y,sixty,Years,yrs,,,,", "'sixty' is not a number"),
        (f"{ROW},2017-01-01/P3Y,61.6,Years,yrs,63,60,,", "lower bound 63 is above its upper 60"),
        (f"{ROW},2017-01-01/P3Y,61.6,Years,yrs,,,", "The row has 11 cells; the header has 12."),
    ],
)
def test_a_bad_row_is_refused_with_its_number_and_reason(line: str, reason: str) -> None:
    read = _read(f"{ROW},2016-01-01/P3Y,61.0,Years,yrs,,,,", line)
    assert not read.ok
    assert [p.row for p in read.problems] == [3]
    assert reason in read.problems[0].reason


def test_a_damaged_copy_of_a_published_file_is_refused_with_both_rows() -> None:
    """An impossible period and a missing area code, each named with its row."""
    lines = _csv(ONS / "healthy-life-expectancy").decode("utf-8-sig").splitlines()
    lines[10] = lines[10].replace("-01-01/P3Y", "-13-01/P3Y", 1)
    cells = lines[20].split(",")
    cells[0] = ""
    lines[20] = ",".join(cells)
    read = ons.read_figures("\n".join(lines) + "\n")
    assert sorted({p.row for p in read.problems}) == [11, 21]


def test_a_header_of_another_format_is_not_this_one() -> None:
    assert ons.is_ons_header(HEADER.split(","))
    assert ons.is_ons_header(["\ufeffareacd", *HEADER.split(",")[1:]])
    assert not ons.is_ons_header(["indicator", "unit", "period", "area_code", "value"])
    assert ons.read_figures("indicator,unit,period,area_code,value\n").problems[0].row == 1


def test_iso_periods_cover_the_days_they_name() -> None:
    assert parse_period("2025-04-30") == (dt.date(2025, 4, 30), dt.date(2025, 4, 30))
    assert parse_period("2017-01-01/P3Y") == (dt.date(2017, 1, 1), dt.date(2019, 12, 31))
    assert parse_period("2021-04-01/P1Y") == (dt.date(2021, 4, 1), dt.date(2022, 3, 31))
    assert parse_period("2024-02-01/P1M") == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert parse_period("2024-01-01/P2W") == (dt.date(2024, 1, 1), dt.date(2024, 1, 14))


def test_metadata_that_is_not_this_formats_is_refused() -> None:
    with pytest.raises(ValueError, match="not Explore Local Statistics metadata"):
        ons.read_metadata(b'{"something": 1}')


def test_figures_from_several_publishers_keep_each_name_the_first_link_and_the_newest_date() -> (
    None
):
    """gross-median-weekly-pay.json names ONS and NISRA, each with its URL and date, joined by
    "|"; so does the Scottish mortality file, with two different dates."""
    pay = ons.read_metadata(
        (ONS / "gross-median-weekly-pay" / "gross-median-weekly-pay.json").read_bytes()
    )
    [meta] = pay
    assert meta.source_org == (
        "Office for National Statistics; Northern Ireland Statistics and Research Agency"
    )
    assert meta.source_url.startswith("https://www.ons.gov.uk/") and "|" not in meta.source_url
    assert meta.source_date == dt.date(2025, 10, 23)
    name = "mortality-rate-from-coronary-heart-disease-scotland"
    [mortality] = ons.read_metadata((ONS / name / f"{name}.json").read_bytes())
    assert mortality.source_date == dt.date(2026, 1, 27)  # the newer of 11/11/2025 and 27/01/2026
