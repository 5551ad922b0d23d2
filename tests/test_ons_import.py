"""Importing ONS's Explore Local Statistics files into the database: each file all or nothing,
every figure once, missing figures with their reasons, importing again changes nothing, and a
damaged copy is refused with its row numbers and nothing written."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from missions import ons, services
from missions.choices import AreaLevel, Unit
from missions.models import Area, Indicator, MissingFigure, Observation

from .conftest import People

ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"
FOLDERS = (
    "healthy-life-expectancy",
    "first-time-buyer-mortgage-sales",
    "foreign-direct-investment",
)
HEADER = (
    "areacd,areanm,geography,indicator,period,observation,measure,unit,lci_95,uci_95,status,notes"
)


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    """A directory of published files the import has never seen, copied byte for byte."""
    for name in FOLDERS:
        shutil.copytree(ONS / name, tmp_path / "ons" / name)
    return tmp_path / "ons"


def _figures(folder: Path) -> ons.FigureFile:
    return ons.read_figures((folder / f"{folder.name}.csv").read_bytes())


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_observations", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_a_directory_imports_every_figure_once_and_again_changes_nothing(
    reference: object, directory: Path
) -> None:
    read = {name: _figures(directory / name) for name in FOLDERS}
    given = sum(1 for r in read.values() for f in r.figures if f.value is not None)
    missing = sum(1 for r in read.values() for f in r.figures if f.value is None)

    output = _run(str(directory))
    assert output.count(": imported:") == 3
    assert (
        Observation.objects.filter(
            indicator__framework__slug=services.ONS_FRAMEWORK["slug"]
        ).count()
        == given
    )
    assert MissingFigure.objects.count() == missing == 12 + 6
    # The figures in the files, each once: the UK's male healthy life expectancy, 2011-2013.
    uk = Observation.objects.get(
        indicator__code="male-healthy-life-expectancy",
        area__gss_code="K02000001",
        period="2011-01-01/P3Y",
    )
    assert (uk.value, uk.lower, uk.upper) == (Decimal("62.7"), Decimal("62.6"), Decimal("62.9"))
    assert (uk.period_start, uk.period_end) == (dt.date(2011, 1, 1), dt.date(2013, 12, 31))
    # The city regions without a GSS code are reported, row by row, not dropped silently.
    assert output.count("left out: ") == 60
    assert "Glasgow City Region has no GSS code ('na')." in output

    snapshot = list(Observation.objects.order_by("pk").values_list("pk", "value", "updated_at"))
    again = _run(str(directory))
    assert again.count(": unchanged:") == 3
    assert (
        list(Observation.objects.order_by("pk").values_list("pk", "value", "updated_at"))
        == snapshot
    )
    assert MissingFigure.objects.count() == missing


@pytest.mark.django_db
def test_indicators_and_areas_are_made_from_the_files_and_their_metadata(
    reference: object, directory: Path
) -> None:
    west_midlands = Area.objects.get(gss_code="E47000007")
    _run(str(directory / "healthy-life-expectancy"))
    female = Indicator.objects.get(code="female-healthy-life-expectancy")
    assert female.framework.slug == "ons-explore-local-statistics" and female.framework.deal is None
    assert female.name == "Female healthy life expectancy"
    assert female.subtitle.startswith("Average years expected to be lived in good health")
    assert "interim methodological fix" in female.caveats
    assert female.source_url.startswith("https://www.ons.gov.uk/")
    assert female.source_date == dt.date(2026, 2, 19) and female.decimal_places == 1
    assert (female.unit, female.unit_label) == (Unit.YEARS, "yrs")
    # A new area with its code, name and level; one already held keeps its name.
    glasgow = Area.objects.get(gss_code="S12000049")
    assert (glasgow.name, glasgow.level) == ("Glasgow City", AreaLevel.COUNCIL_AREA)
    assert Area.objects.get(gss_code="E47000007").name == west_midlands.name
    assert Area.objects.get(gss_code="E08000025").level == AreaLevel.METROPOLITAN_DISTRICT


@pytest.mark.django_db
def test_a_missing_figure_keeps_its_reason_and_is_never_a_zero(
    reference: object, directory: Path
) -> None:
    _run(str(directory / "first-time-buyer-mortgage-sales"))
    scilly = MissingFigure.objects.filter(area__name="Isles of Scilly")
    assert scilly.count() == 12 and {m.status for m in scilly} == {ons.NO_STATUS_GIVEN}
    assert not Observation.objects.filter(area__name="Isles of Scilly").exists()
    _run(str(directory / "foreign-direct-investment"))
    assert set(MissingFigure.objects.values_list("status", flat=True)) >= {"c"}


@pytest.mark.django_db
def test_a_figure_the_source_withdraws_becomes_missing_and_back(
    reference: object, tmp_path: Path
) -> None:
    row = "E08000025,Birmingham,Local Authority District,Widgets,2020-01-01/P1Y,{},n,%,,,{},"
    path = tmp_path / "widgets.csv"
    path.write_text(f"{HEADER}\n{row.format('12.5', '')}\n")
    _run(str(path))
    assert Observation.objects.get(indicator__code="widgets").value == Decimal("12.5")
    path.write_text(f"{HEADER}\n{row.format('', 'x')}\n")
    _run(str(path))
    assert not Observation.objects.filter(indicator__code="widgets").exists()
    assert MissingFigure.objects.get(indicator__code="widgets").status == "x"
    path.write_text(f"{HEADER}\n{row.format('13', '')}\n")
    _run(str(path))
    assert Observation.objects.get(indicator__code="widgets").value == Decimal("13")
    assert not MissingFigure.objects.exists()
    # The withdrawn figure's old value is in its history.
    assert Observation.history.filter(indicator__code="widgets", history_type="-").exists()


@pytest.mark.django_db
def test_a_damaged_copy_is_refused_with_both_rows_and_nothing_is_written(
    reference: object, directory: Path
) -> None:
    folder = directory / "healthy-life-expectancy"
    lines = (folder / "healthy-life-expectancy.csv").read_text(encoding="utf-8-sig").splitlines()
    lines[10] = lines[10].replace("-01-01/P3Y", "-13-01/P3Y", 1)  # an impossible period
    cells = lines[20].split(",")
    cells[0] = ""  # a missing area code
    lines[20] = ",".join(cells)
    (folder / "healthy-life-expectancy.csv").write_text("\n".join(lines) + "\n")
    areas = Area.objects.count()
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 3 file"):
        call_command("import_observations", str(directory), stdout=out, stderr=out)
    output = out.getvalue()
    assert "healthy-life-expectancy: refused; nothing of it was imported." in output
    assert "Row 11: '" in output and "-13-01' is not a date." in output
    assert "Row 21: There is no area code." in output
    assert not Indicator.objects.filter(code__endswith="healthy-life-expectancy").exists()
    # The other files imported, each on its own.
    assert Indicator.objects.filter(code="first-time-buyer-mortgage-sales").exists()
    assert Area.objects.count() > areas


@pytest.mark.django_db
def test_a_dry_run_says_what_would_change_and_writes_nothing(
    reference: object, directory: Path
) -> None:
    output = _run(str(directory / "healthy-life-expectancy"), "--dry-run")
    assert "would import" in output
    assert not Observation.objects.filter(
        indicator__code__endswith="healthy-life-expectancy"
    ).exists()


@pytest.mark.django_db
def test_only_an_administrator_imports_files(people: People, directory: Path) -> None:
    data = (directory / "foreign-direct-investment" / "foreign-direct-investment.csv").read_bytes()
    for person in (people.partner, people.lead, people.dsg):
        with pytest.raises(PermissionDenied):
            services.import_ons_file(data, None, name="fdi", acting_user=person)
    report = services.import_ons_file(data, None, name="fdi", acting_user=people.admin)
    assert report.outcome == services.IMPORTED
