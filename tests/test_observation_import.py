"""Importing observations, by the service and by the command: the real ONS file imports whole
and comes back out unchanged; a re-import changes nothing; a corrected figure keeps the old one
in its history; every kind of bad row is named with its row and reason, and one bad row among
good ones writes nothing; only administrators change figures, and a deal's own framework only
by that deal's."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from core.choices import Role
from core.models import Deal, Membership
from missions import services
from missions.choices import Direction, Unit, YearBasis
from missions.models import Indicator, IndicatorFramework, Observation

from .conftest import PASSWORD, People

ONS = Path(settings.BASE_DIR) / "data" / "ons_subnational_indicators_wmca_2022.csv"
# The file's indicators that the reference data does not hold: the import creates them.
MISSING = {
    "adult_smokers_pct",
    "apprenticeship_starts",
    "gcse_eng_maths_pct",
    "life_satisfaction_mean",
    "net_additional_dwellings",
    "schools_good_outstanding_pct",
}
SPLIT_YEARS = {"2019-20", "2020-21"}  # financial or academic: undated without a year basis

pytestmark = pytest.mark.django_db


# --- Helpers ----------------------------------------------------------------------------------


def ons_rows() -> list[dict[str, str]]:
    with ONS.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def as_csv(rows: Iterable[dict[str, str]], columns: list[str] | None = None) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns or services.COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def known_rows() -> list[dict[str, str]]:
    """The file's rows for indicators the reference data holds (no flag needed)."""
    return [r for r in ons_rows() if r["indicator"] not in MISSING]


def held() -> tuple[int, int, int]:
    """What an import can write: observations, indicators and observation history rows."""
    return (
        Observation.objects.count(),
        Indicator.objects.count(),
        Observation.history.count(),
    )


def import_ons(user: User | None) -> services.ImportPlan:
    return services.import_observations(
        ONS.read_bytes(), acting_user=user, create_missing_indicators=True
    )


def exported() -> str:
    out = io.StringIO()
    services.write_csv(Observation.objects.select_related("indicator", "area").order_by("pk"), out)
    return out.getvalue()


# --- The real file ----------------------------------------------------------------------------


def test_the_ons_file_imports_whole_creating_its_six_missing_indicators(people: People) -> None:
    before = Indicator.objects.count()
    plan = import_ons(people.admin)

    assert plan.ok
    assert (len(plan.new), len(plan.corrected), plan.unchanged) == (84, 0, 0)
    assert {i.code for i in plan.new_indicators} == MISSING
    assert Observation.objects.count() == 84
    assert Indicator.objects.count() == before + 6
    created = Indicator.objects.filter(code__in=MISSING)
    assert {i.framework.slug for i in created} == {services.IMPORTED_FRAMEWORK["slug"]}
    assert Observation.objects.filter(is_demo=True).count() == 0


def test_the_split_years_of_the_ons_file_are_kept_without_dates(people: People) -> None:
    plan = import_ons(people.admin)

    split = [n for n, r in enumerate(ons_rows(), start=2) if r["period"] in SPLIT_YEARS]
    assert len(split) == 14
    assert [w.row for w in plan.undated] == split
    assert all("ambiguous" in w.reason for w in plan.undated)
    undated = Observation.objects.filter(period_start__isnull=True)
    assert set(undated.values_list("period", flat=True)) == SPLIT_YEARS
    assert undated.count() == 14
    assert not Observation.objects.filter(period_start__isnull=False, period__in=SPLIT_YEARS)
    gva = Observation.objects.get(indicator__code="gva_per_hour_worked", area__name="Dudley")
    assert (gva.period_start, gva.period_end) == (dt.date(2019, 1, 1), dt.date(2019, 12, 31))


def test_every_figure_of_the_ons_file_is_held_exactly_as_published(people: People) -> None:
    import_ons(people.admin)

    held_figures = {
        (o.indicator.code, o.area.gss_code, o.period): (o.value, o.source, o.indicator.unit)
        for o in Observation.objects.select_related("indicator", "area")
    }
    published = {
        (r["indicator"], r["area_code"], r["period"]): (
            Decimal(r["value"]),
            r["source"],
            r["unit"],
        )
        for r in ons_rows()
    }
    assert len(published) == 84
    assert held_figures == published


def test_the_exported_csv_reads_back_as_the_published_figures(people: People) -> None:
    import_ons(people.admin)
    text = exported()

    def figures(rows: Iterable[dict[str, str]]) -> set[tuple[str | Decimal, ...]]:
        return {
            (*(r[c] for c in services.COLUMNS if c != "value"), Decimal(r["value"])) for r in rows
        }

    back = list(csv.DictReader(io.StringIO(text)))
    assert len(back) == 84
    assert figures(back) == figures(ons_rows())
    # Plain decimals, without the trailing zeros of storage: 26.6, not 26.6000.
    dudley = next(
        r for r in back if r["indicator"] == "gva_per_hour_worked" and r["area_name"] == "Dudley"
    )
    assert dudley["value"] == "26.6"


def test_the_exported_csv_imports_again_changing_nothing(people: People) -> None:
    import_ons(people.admin)
    before = held()

    plan = services.plan_import(exported(), acting_user=people.admin)

    assert plan.ok, plan.errors
    assert (len(plan.new), len(plan.corrected), plan.unchanged) == (0, 0, 84)
    assert plan.new_indicators == []
    services.apply_plan(plan, acting_user=people.admin)
    assert held() == before


def test_without_the_flag_the_unknown_indicators_are_bad_rows_and_nothing_is_written(
    people: People,
) -> None:
    before = held()
    data = ONS.read_bytes()

    plan = services.plan_import(data, acting_user=people.admin)

    unknown = [n for n, r in enumerate(ons_rows(), start=2) if r["indicator"] in MISSING]
    assert len(unknown) == 42
    assert [e.row for e in plan.errors] == unknown
    assert all("is not one this app knows" in e.reason for e in plan.errors)
    assert plan.new_indicators == []
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_observations(data, acting_user=people.admin)
    assert rejected.value.errors == plan.errors
    assert held() == before


def test_a_reimport_changes_nothing(people: People) -> None:
    import_ons(people.admin)
    before = held()
    stamps = dict(Observation.objects.values_list("pk", "updated_at"))

    plan = import_ons(people.admin)

    assert (len(plan.new), len(plan.corrected), plan.unchanged) == (0, 0, 84)
    assert plan.new_indicators == []
    assert held() == before
    assert dict(Observation.objects.values_list("pk", "updated_at")) == stamps


def test_a_corrected_figure_replaces_the_old_one_which_stays_in_its_history(
    people: People,
) -> None:
    import_ons(people.admin)
    rows = ons_rows()
    dudley = next(
        r for r in rows if r["indicator"] == "gva_per_hour_worked" and r["area_name"] == "Dudley"
    )
    assert dudley["value"] == "26.60"
    dudley["value"] = "26.75"

    plan = services.import_observations(
        as_csv(rows), acting_user=people.admin, create_missing_indicators=True
    )

    assert (len(plan.new), len(plan.corrected), plan.unchanged) == (0, 1, 83)
    corrected, old = plan.corrected[0]
    assert old == Decimal("26.6")
    observation = Observation.objects.get(pk=corrected.pk)
    assert observation.value == Decimal("26.75")
    history = list(observation.history.order_by("history_date", "history_id"))
    assert [h.value for h in history] == [Decimal("26.6"), Decimal("26.75")]
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[-1].history_user == people.admin
    assert history[-1].history_change_reason == "Corrected by an import"
    others = Observation.history.exclude(id=observation.pk)
    assert others.count() == 83  # only the corrected figure gained a history row


def test_a_split_year_is_dated_by_its_indicators_year_basis(people: People) -> None:
    import_ons(people.admin)
    Indicator.objects.filter(code="gcse_eng_maths_pct").update(year_basis=YearBasis.ACADEMIC)
    Indicator.objects.filter(code="net_additional_dwellings").update(year_basis=YearBasis.FINANCIAL)

    plan = import_ons(people.admin)

    assert plan.undated == []
    assert (len(plan.new), len(plan.corrected), plan.unchanged) == (0, 14, 70)
    gcse = Observation.objects.filter(indicator__code="gcse_eng_maths_pct")
    assert set(gcse.values_list("period_start", "period_end")) == {
        (dt.date(2019, 9, 1), dt.date(2020, 8, 31))
    }
    homes = Observation.objects.filter(indicator__code="net_additional_dwellings")
    assert set(homes.values_list("period_start", "period_end")) == {
        (dt.date(2020, 4, 1), dt.date(2021, 3, 31))
    }


def test_an_indicator_with_a_year_basis_dates_its_split_years_on_the_first_import(
    people: People,
) -> None:
    framework = IndicatorFramework.objects.get(deal__isnull=True)
    Indicator.objects.create(
        framework=framework,
        code="gcse_eng_maths_pct",
        name="Pupils achieving grade 4 or above in English and maths",
        unit=Unit.PERCENT,
        direction=Direction.HIGHER_IS_BETTER,
        year_basis=YearBasis.ACADEMIC,
    )
    rows = [r for r in ons_rows() if r["indicator"] == "gcse_eng_maths_pct"]

    plan = services.import_observations(as_csv(rows), acting_user=people.admin)

    assert plan.undated == []
    assert len(plan.new) == 7
    assert not Observation.objects.filter(period_start__isnull=True).exists()


# --- Bad rows ---------------------------------------------------------------------------------


GOOD = {
    "indicator": "gva_per_hour_worked",
    "unit": "GBP",
    "period": "2018",
    "area_code": "E08000025",
    "area_name": "Birmingham",
    "value": "30.1",
    "source": "ONS",
}

BAD_ROWS = [
    ("unknown-area", {"area_code": "E08999999"}, "'E08999999' is not an area this app knows"),
    (
        "unknown-indicator",
        {"indicator": "jobs_created"},
        "The indicator 'jobs_created' is not one this app knows",
    ),
    ("not-a-number", {"value": "n/a"}, "The value 'n/a' is not a number"),
    ("no-value", {"value": ""}, "There is no value"),
    ("contradicting-unit", {"unit": "percent"}, "'percent' contradicts the indicator's ('GBP')"),
    ("unknown-unit", {"unit": "pounds"}, "The unit 'pounds' is not one of: GBP, percent"),
    ("unparseable-period", {"period": "Q1 2021"}, "'Q1 2021' is not a period label"),
    ("too-many-places", {"value": "30.12345"}, "has more than 4 decimal places"),
    ("too-large", {"value": "123456789012345"}, "The value '123456789012345' is too large"),
]


@pytest.mark.parametrize(
    ("change", "reason"), [(c, r) for _, c, r in BAD_ROWS], ids=[i for i, _, _ in BAD_ROWS]
)
def test_a_bad_row_among_good_ones_is_named_and_nothing_is_written(
    people: People, change: dict[str, str], reason: str
) -> None:
    good = known_rows()
    assert len(good) == 42
    rows = [*good[:5], GOOD | change, *good[5:]]
    before = held()

    plan = services.plan_import(as_csv(rows), acting_user=people.admin)

    assert [(e.row, reason in e.reason) for e in plan.errors] == [(7, True)], plan.errors
    assert len(plan.new) == 42  # the good rows would import...
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_observations(as_csv(rows), acting_user=people.admin)
    assert rejected.value.errors == plan.errors
    assert held() == before  # ...but none of them is written


def test_a_row_repeating_another_is_named_with_the_row_it_repeats(people: People) -> None:
    rows = [*known_rows()[:3], GOOD, *known_rows()[3:6], GOOD | {"value": "31"}]
    before = held()

    plan = services.plan_import(as_csv(rows), acting_user=people.admin)

    assert plan.errors == [
        services.RowError(9, "This repeats row 5 (the same indicator, area and period).")
    ]
    with pytest.raises(services.ImportRejected):
        services.import_observations(as_csv(rows), acting_user=people.admin)
    assert held() == before


def test_every_reason_a_row_is_wrong_is_given(people: People) -> None:
    bad = {"indicator": "gva_per_hour_worked", "unit": "pounds", "period": "soon"}
    bad |= {"area_code": "", "value": "lots"}
    plan = services.plan_import(as_csv([GOOD, bad]), acting_user=people.admin)

    assert {e.row for e in plan.errors} == {3}
    reasons = " | ".join(e.reason for e in plan.errors)
    for words in ["'lots' is not a number", "'pounds' is not one of", "There is no area code"]:
        assert words in reasons
    assert "'soon' is not a period label" in reasons


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(
            as_csv([GOOD], [c for c in services.COLUMNS if c != "value"]),
            "The header row lacks the column(s): value.",
            id="missing-column",
        ),
        pytest.param(b"", "The header row lacks the column(s): indicator", id="empty-file"),
        pytest.param(as_csv([]), "The file has no rows under its header.", id="header-only"),
        pytest.param(
            "indicator,unit,period,area_code,area_name,value,source\n"
            "gva_per_hour_worked,GBP,2018,E08000025,Birmingham,30.1,£ ONS\n".encode("cp1252"),
            "The file is not UTF-8 text",
            id="not-utf-8",
        ),
        pytest.param(
            b"x" * (services.MAX_IMPORT_BYTES + 1),
            "The file is larger than 5 MB.",
            id="too-large",
        ),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_at_row_1(
    people: People, data: bytes, reason: str
) -> None:
    before = held()

    plan = services.plan_import(data, acting_user=people.admin)

    assert [e.row for e in plan.errors] == [1]
    assert reason in plan.errors[0].reason
    with pytest.raises(services.ImportRejected):
        services.import_observations(data, acting_user=people.admin)
    assert held() == before


def test_a_row_that_cannot_be_read_as_csv_is_named_by_its_own_number(people: People) -> None:
    """The csv module gives up on a cell over 128 KB; the row it was in is named, not row 1."""
    rows = as_csv([GOOD, GOOD | {"period": "2019"}]) + b"x" * 200_000 + b"\n"
    plan = services.plan_import(rows, acting_user=people.admin)
    assert [e.row for e in plan.errors] == [4]
    assert plan.errors[0].reason.startswith("This row cannot be read as CSV: field larger")


def test_a_file_saved_with_a_byte_order_mark_reads_as_any_other(people: People) -> None:
    data = "\ufeff".encode() + as_csv(known_rows())
    plan = services.plan_import(data, acting_user=people.admin)
    assert plan.ok and len(plan.new) == 42


# --- Who may import ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["lead", "other_lead", "sponsor", "dsg", "partner", "nobody"])
def test_only_an_administrator_may_import_figures(people: People, persona: str) -> None:
    user = people.all_roles()[persona]
    before = held()

    with pytest.raises(PermissionDenied):
        services.plan_import(ONS.read_bytes(), acting_user=user, create_missing_indicators=True)
    with pytest.raises(PermissionDenied):
        import_ons(user)
    assert held() == before


def _deal_indicator(people: People) -> Indicator:
    """An indicator of the West Midlands deal's own outcomes framework."""
    return Indicator.objects.create(
        framework=IndicatorFramework.objects.get(deal=people.deal),
        code="wm_jobs_created",
        name="Jobs created through the deal",
        unit=Unit.COUNT,
        direction=Direction.HIGHER_IS_BETTER,
    )


def _other_deal_admin() -> User:
    deal = Deal.objects.create(
        name="Greater Manchester Trailblazer", short_name="GM", slug="greater-manchester"
    )
    user = User.objects.create_user(
        email="gina@example.org", password=PASSWORD, full_name="Gina Admin"
    )
    Membership.objects.create(user=user, deal=deal, role=Role.ADMIN)
    return user


def test_an_administrator_of_another_deal_cannot_change_a_deal_frameworks_figures(
    people: People,
) -> None:
    _deal_indicator(people)
    gina = _other_deal_admin()
    row = GOOD | {"indicator": "wm_jobs_created", "unit": "count", "value": "1200"}
    rows = [GOOD, row]
    before = held()

    plan = services.plan_import(as_csv(rows), acting_user=gina)

    assert plan.errors == [
        services.RowError(
            3,
            "The indicator 'wm_jobs_created' belongs to another deal's framework: only its "
            "administrators can change its figures.",
        )
    ]
    with pytest.raises(services.ImportRejected):
        services.import_observations(as_csv(rows), acting_user=gina)
    assert held() == before
    # A national indicator's figures she may change; the deal's own administrator both.
    assert services.plan_import(as_csv([GOOD]), acting_user=gina).ok
    plan = services.import_observations(as_csv(rows), acting_user=people.admin)
    assert len(plan.new) == 2


# --- The command ------------------------------------------------------------------------------


def test_the_command_imports_the_file_and_says_what_it_did(people: People) -> None:
    out, err = io.StringIO(), io.StringIO()

    call_command(
        "import_observations", str(ONS), "--create-missing-indicators", stdout=out, stderr=err
    )

    lines = out.getvalue().splitlines()
    assert lines[0] == (
        f"{ONS.name}: imported 84 new, 0 corrected, 0 unchanged; 6 new indicator(s)."
    )
    undated = [line for line in lines[1:] if "kept without dates" in line]
    assert len(undated) == 14 == len(lines) - 1
    assert undated[0].startswith("Row 44: kept without dates. '2019-20' is ambiguous")
    assert err.getvalue() == ""
    assert Observation.objects.count() == 84
    # The command line acts for nobody: the history records no person.
    assert not Observation.history.filter(history_user__isnull=False).exists()

    call_command("import_observations", str(ONS), "--create-missing-indicators", stdout=out)
    assert "imported 0 new, 0 corrected, 84 unchanged; 0 new indicator(s)." in out.getvalue()


def test_the_command_refuses_a_file_with_bad_rows_naming_them_on_stderr(
    people: People, tmp_path: Path
) -> None:
    out, err = io.StringIO(), io.StringIO()
    before = held()

    with pytest.raises(CommandError, match=r"42 bad row\(s\); nothing was imported"):
        call_command("import_observations", str(ONS), stdout=out, stderr=err)

    lines = err.getvalue().splitlines()
    unknown = [n for n, r in enumerate(ons_rows(), start=2) if r["indicator"] in MISSING]
    assert [int(line.split(":")[0].removeprefix("Row ")) for line in lines] == unknown
    assert "is not one this app knows" in lines[0]
    assert out.getvalue() == ""
    assert held() == before

    path = tmp_path / "figures.csv"
    path.write_bytes(as_csv([GOOD | {"value": "n/a"}]))
    with pytest.raises(CommandError, match="figures.csv: 1 bad row"):
        call_command("import_observations", str(path), stdout=out, stderr=err)
    assert "Row 2: The value 'n/a' is not a number." in err.getvalue()


def test_the_command_with_dry_run_says_what_it_would_do_and_writes_nothing(
    people: People,
) -> None:
    out = io.StringIO()
    before = held()

    call_command(
        "import_observations", str(ONS), "--create-missing-indicators", "--dry-run", stdout=out
    )

    assert out.getvalue().startswith(
        f"{ONS.name}: would import 84 new, 0 corrected, 0 unchanged; 6 new indicator(s)."
    )
    assert held() == before
    assert not IndicatorFramework.objects.filter(slug=services.IMPORTED_FRAMEWORK["slug"])


def test_the_command_says_when_it_cannot_read_the_file(people: People, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read .*missing.csv"):
        call_command("import_observations", str(tmp_path / "missing.csv"))


# --- Queries ----------------------------------------------------------------------------------


def _periods(rows: list[dict[str, str]], copies: int) -> list[dict[str, str]]:
    """The rows again for earlier years, each copy a period of its own."""
    extra = [r | {"period": str(2000 + n)} for n in range(1, copies) for r in rows]
    return rows + extra


def _queries_to_plan(data: bytes, user: User) -> int:
    with CaptureQueriesContext(connection) as queries:
        plan = services.plan_import(data, acting_user=user, create_missing_indicators=True)
    assert plan.ok, plan.errors[:3]
    return len(queries)


def test_planning_reads_the_same_few_queries_for_ten_times_the_rows(
    people: People, django_assert_max_num_queries
) -> None:
    import_ons(people.admin)
    small = [r | {"value": str(Decimal(r["value"]) + 1)} for r in ons_rows()]  # all corrected
    large = _periods(small, 10)
    assert (len(small), len(large)) == (84, 840)
    # A fresh person each time, so what the policy remembers of a person is not reused.
    admin = User.objects.get(pk=people.admin.pk)
    again = User.objects.get(pk=people.admin.pk)

    with django_assert_max_num_queries(4):
        small_plan = services.plan_import(as_csv(small), acting_user=admin)
    with django_assert_max_num_queries(4):
        large_plan = services.plan_import(
            as_csv(large), acting_user=again, create_missing_indicators=True
        )

    assert (len(small_plan.corrected), len(large_plan.corrected)) == (84, 84)
    assert len(large_plan.new) == 756
    assert _queries_to_plan(as_csv(large), User.objects.get(pk=people.admin.pk)) == (
        _queries_to_plan(as_csv(small), User.objects.get(pk=people.admin.pk))
    )


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x0b", "\x1f"])
def test_a_control_character_in_any_column_refuses_the_file_naming_row_and_column(
    people: People, character: str
) -> None:
    """NUL answered 500 on PostgreSQL (which cannot store or even compare it) once past the
    preview; every control character is refused the same way, the row and column named."""
    good = known_rows()
    columns = ["indicator", "area_code", "period", "value", "source"]
    rows = [*good[:3]]
    for column in columns:
        rows.append(GOOD | {column: f"{GOOD.get(column, 'x')}{character}"})
    rows += good[3:]
    before = held()

    plan = services.plan_import(as_csv(rows), acting_user=people.admin)

    code = f"U+{ord(character):04X}"
    assert [(e.row, e.reason) for e in plan.errors] == [
        (5 + n, f"The {column} column holds a control character ({code}): remove it.")
        for n, column in enumerate(columns)
    ]
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_observations(as_csv(rows), acting_user=people.admin)
    assert rejected.value.errors == plan.errors
    assert held() == before


def test_the_api_and_the_upload_page_refuse_a_nul_the_same_way(client, people: People) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(people.admin)
    row = GOOD | {"source": "ONS\x00"}
    response = api.post("/api/v1/observations/", [row], format="json")
    assert response.status_code == 400  # the parser refuses NUL in any JSON body
    client.force_login(people.admin)
    page = client.post(
        "/observations/import/",
        {"file": io.BytesIO(as_csv([GOOD, row])), "create_missing_indicators": ""},
    )
    assert page.status_code == 200
    assert "The source column holds a control character (U+0000): remove it." in (
        page.content.decode()
    )
