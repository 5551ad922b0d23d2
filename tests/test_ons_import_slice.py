"""Importing a slice of ONS's files (``--areas-of-deals``): only the deals' areas, every combined
authority and every metropolitan district (and the areas the Statement's gap measures rank, for
their indicators) are read and written, all or nothing; the file's other rows are counted as
outside the slice."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from missions import ons, services
from missions.models import Area, Indicator, MissingFigure, Observation

ONS = Path(settings.BASE_DIR) / "data" / "ons-explore-local-statistics"
FOLDER = "gross-median-weekly-pay"


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("import_observations", *args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.mark.django_db
def test_the_slice_holds_the_deals_areas_and_the_areas_they_are_compared_with(
    reference: object,
) -> None:
    slice_ = services.areas_of_deals()
    # The West Midlands deal's area, its seven districts, its region, England and the UK.
    for code in ("E47000007", "E08000025", "E08000031", "E12000005", "E92000001", "K02000001"):
        assert code in slice_
    # Every combined authority and metropolitan district; not another region or a district.
    assert "E47000001" in slice_ and "E08000003" in slice_ and "E61000001" in slice_
    assert "E12000007" not in slice_ and "E07000008" not in slice_ and "S12000049" not in slice_
    # The Statement's gap measures: healthy life expectancy over upper-tier areas (Glasgow's
    # council area, a county), not lower-tier districts; mean well-being over lower-tier ones.
    assert slice_.keeps("S12000049", "female-healthy-life-expectancy")
    assert slice_.keeps("E10000003", "male-healthy-life-expectancy")
    assert not slice_.keeps("E07000008", "female-healthy-life-expectancy")
    assert slice_.keeps("E07000008", "satisfaction")
    assert not slice_.keeps("S12000049", "gross-median-weekly-pay")


@pytest.mark.django_db
def test_a_slice_writes_only_its_areas_and_counts_the_rest(reference: object) -> None:
    folder = ONS / FOLDER
    output = _run(str(folder), "--areas-of-deals")
    assert f"{FOLDER}: imported:" in output
    check = ons.check_figures(folder / f"{FOLDER}.csv")
    slice_ = services.areas_of_deals()
    inside = sum(n for key, n in check.figures_by_area.items() if slice_.keeps(*key))
    assert 0 < inside < check.figures
    held = Observation.objects.filter(indicator__code=FOLDER)
    missing = MissingFigure.objects.filter(indicator__code=FOLDER)
    assert held.count() + missing.count() == inside
    assert {o.area.gss_code for o in held.select_related("area")} <= {
        code for code, _ in check.figures_by_area if code in slice_
    }
    assert f"{check.figures - inside} rows outside the slice" in output
    # No area outside the slice was made.
    assert not Area.objects.filter(gss_code="S12000049").exists()
    # Importing everything afterwards adds the rest and leaves the slice as it was.
    again = _run(str(folder))
    assert f"{FOLDER}: imported: {check.figures - inside} new" in again


@pytest.mark.django_db
def _damage(folder: Path, prefix: str) -> int:
    """Give the first row of an area whose code starts so an impossible period; its number."""
    path = folder / f"{FOLDER}.csv"
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(prefix))
    cells = lines[number].split(",")
    cells[4] = "2025-13-30"  # the period: no such month
    lines[number] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return number + 1


@pytest.mark.django_db
def test_a_bad_row_in_the_slice_refuses_the_file_and_one_outside_is_not_read(
    reference: object, tmp_path: Path
) -> None:
    shutil.copytree(ONS / FOLDER, tmp_path / FOLDER)
    row = _damage(tmp_path / FOLDER, "E08")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 of 1 file"):
        call_command(
            "import_observations", str(tmp_path), "--areas-of-deals", stdout=out, stderr=out
        )
    assert f"Row {row}: " in out.getvalue()
    assert not Indicator.objects.filter(code=FOLDER).exists()

    shutil.copytree(ONS / FOLDER, tmp_path / "again" / FOLDER)
    _damage(tmp_path / "again" / FOLDER, "S12")  # a council area: outside this slice
    assert f"{FOLDER}: imported:" in _run(str(tmp_path / "again"), "--areas-of-deals")
    # The whole file is refused, naming the row, when every area is imported.
    with pytest.raises(CommandError, match="1 of 1 file"):
        _run(str(tmp_path / "again"))


@pytest.mark.django_db
def test_if_empty_leaves_figures_already_imported(reference: object) -> None:
    _run(str(ONS / "foreign-direct-investment"), "--areas-of-deals")
    assert "already imported" in _run(str(ONS / FOLDER), "--areas-of-deals", "--if-empty")
    assert not Indicator.objects.filter(code=FOLDER).exists()
