"""Writes for the missions app: importing published figures as observations, and exporting them
in the same long format.

An import is all or nothing. Every row is checked first (``plan_import``, which writes nothing
and is what a preview shows); one bad row rejects the whole file with the row numbers and
reasons. A figure already held for the same indicator, area and period is left alone when it is
the same, and replaced when it differs, with the old value kept in the observation's history. So
re-importing a file changes nothing.

The long format, one observation a row (the header names the columns, in any order):
``indicator, unit, period, area_code, area_name, value, source``. ``area_name`` is for people
reading the file; ``source`` may be empty.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core import csv_files, policy
from core.models import Deal
from core.text import CONTROL_CHARACTERS

from . import metric_links, ons, reference
from .choices import Direction, TargetKind, Unit
from .models import Area, Indicator, IndicatorFramework, MissingFigure, Observation, Target
from .periods import AmbiguousPeriod, parse_period

if TYPE_CHECKING:
    from accounts.models import User

COLUMNS = ["indicator", "unit", "period", "area_code", "area_name", "value", "source"]
REQUIRED_COLUMNS = ["indicator", "unit", "period", "area_code", "value"]
MAX_IMPORT_BYTES = settings.MAX_UPLOAD_BYTES  # a file uploaded as it is read from disk
MAX_ROWS = 100_000
# Observation.value is a decimal of 18 digits, 4 of them after the point.
VALUE_DECIMAL_PLACES = 4
VALUE_INTEGER_DIGITS = 14
CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,79}$")
IMPORTED_FRAMEWORK = {
    "slug": "imported-indicators",
    "name": "Imported indicators",
    "description": (
        "Indicators created by an import of observations that named them. An administrator "
        "gives each its proper name, direction and framework."
    ),
}


class ImportRejected(Exception):
    """The file has bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} row(s) are wrong: nothing was imported.")
        self.errors = errors


@dataclass(frozen=True)
class RowError:
    row: int  # the row's line in the file, the header being row 1
    reason: str


@dataclass
class ImportPlan:
    """What an import would do, row by row checked; nothing written."""

    new: list[Observation] = field(default_factory=list)
    corrected: list[tuple[Observation, Decimal]] = field(default_factory=list)  # (new, old)
    unchanged: int = 0
    new_indicators: list[Indicator] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    # Rows that import with their period kept as labelled but without dates: a split year
    # (2019-20) of an indicator whose year basis is not set.
    undated: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def rows(self) -> int:
        return len(self.new) + len(self.corrected) + self.unchanged


# --- Reading ----------------------------------------------------------------------------------


def read_csv(data: bytes | str) -> tuple[list[dict[str, str]], list[RowError]]:
    """The rows of a CSV file as dictionaries, or the reason it cannot be read as one."""
    if isinstance(data, bytes):
        if len(data) > MAX_IMPORT_BYTES:
            return [], [RowError(1, f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB.")]
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], [RowError(1, "The file is not UTF-8 text: save it as CSV UTF-8.")]
    data = data.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(data, newline=""))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        return [], [RowError(1, f"The header row lacks the column(s): {', '.join(missing)}.")]
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    try:
        for row in reader:
            if len(rows) == MAX_ROWS:
                return [], [RowError(1, f"The file has more than {MAX_ROWS:,} rows.")]
            # A cell this app's own export wrote as text (core/csv_files.py) reads as it was.
            rows.append(
                {k: csv_files.restore(v) if isinstance(v, str) else v for k, v in row.items()}
            )
    except csv.Error as error:
        # DictReader counts a line only once its row is read; its reader counts it when fetched.
        return [], [RowError(reader.reader.line_num, f"This row cannot be read as CSV: {error}.")]
    return rows, []


# --- Checking ---------------------------------------------------------------------------------


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def _value(text: str) -> Decimal | str:
    """The figure, or why it is not one."""
    if not text:
        return "There is no value."
    try:
        value = Decimal(text)
    except InvalidOperation:
        return f"The value {text!r} is not a number."
    if not value.is_finite():
        return f"The value {text!r} is not a number."
    sign, digits, exponent = value.as_tuple()
    if isinstance(exponent, int) and exponent < -VALUE_DECIMAL_PLACES:
        return f"The value {text!r} has more than {VALUE_DECIMAL_PLACES} decimal places."
    if abs(value) >= Decimal(10) ** VALUE_INTEGER_DIGITS:
        return f"The value {text!r} is too large."
    return value


def _control_characters(row: Mapping[str, Any]) -> list[str]:
    """Why a row's text cannot be taken: a control character (NUL among them, which the
    database cannot even compare), named with its column, as a form refuses one."""
    reasons = []
    for column, value in row.items():
        if isinstance(value, str) and (found := CONTROL_CHARACTERS.search(value)):
            reasons.append(
                f"The {column} column holds a control character (U+{ord(found.group()):04X}): "
                "remove it."
            )
    return reasons


def plan_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    acting_user: User | None,
    create_missing_indicators: bool = False,
    first_row: int = 2,
) -> ImportPlan:
    """Check rows of the long format against the indicators, areas and observations held, and
    say what importing them would do. ``first_row`` numbers the first row (2 in a file, under
    its header; 1 for a list sent to the API). ``acting_user`` None is the command line, which
    may change any figure. Reads the database; writes nothing."""
    rows = list(rows)
    plan = ImportPlan()
    if acting_user is not None and not policy.can_manage_figures(acting_user):
        raise PermissionDenied("Only an administrator can import figures.")
    unreadable = {id(r): why for r in rows if (why := _control_characters(r))}
    readable = [r for r in rows if id(r) not in unreadable]
    codes = {_text(r, "indicator") for r in readable}
    indicators = {
        i.code: i for i in Indicator.objects.filter(code__in=codes).select_related("framework")
    }
    area_codes = {_text(r, "area_code").upper() for r in readable}
    areas = {a.gss_code: a for a in Area.objects.filter(gss_code__in=area_codes)}
    held = {
        (o.indicator_id, o.area_id, o.period): o
        for o in Observation.objects.filter(
            indicator__in=list(indicators.values()), area__in=list(areas.values())
        )
    }
    created: dict[str, Indicator] = {}
    seen: dict[tuple[str, str, str], int] = {}
    for number, row in enumerate(rows, start=first_row):
        if id(row) in unreadable:  # nothing else about the row can be checked in the database
            plan.errors.extend(RowError(number, reason) for reason in unreadable[id(row)])
            continue
        reasons: list[str] = []
        code, unit, label = _text(row, "indicator"), _text(row, "unit"), _text(row, "period")
        area_code, source = _text(row, "area_code").upper(), _text(row, "source")
        value = _value(_text(row, "value"))
        if isinstance(value, str):
            reasons.append(value)
        if unit not in Unit.values:
            reasons.append(
                f"The unit {unit!r} is not one of: {', '.join(Unit.values)}."
                if unit
                else "There is no unit."
            )
        area = areas.get(area_code)
        if area is None:
            reasons.append(
                f"The area code {area_code!r} is not an area this app knows."
                if area_code
                else "There is no area code."
            )
        indicator = indicators.get(code) or created.get(code)
        if indicator is None:
            if not code:
                reasons.append("There is no indicator.")
            elif not create_missing_indicators:
                reasons.append(
                    f"The indicator {code!r} is not one this app knows: correct the code, or "
                    "let the import create missing indicators."
                )
            elif not CODE.match(code):
                reasons.append(
                    f"The indicator code {code!r} may use only lower-case letters, digits, "
                    "hyphens and underscores (80 at most)."
                )
            elif unit in Unit.values:
                indicator = created[code] = _new_indicator(code, unit, source)
                plan.new_indicators.append(indicator)
        if (
            indicator is not None
            and indicator.pk
            and acting_user is not None
            and not policy.can_manage_figures(acting_user, indicator.framework.deal_id)
        ):
            reasons.append(
                f"The indicator {code!r} belongs to another deal's framework: only its "
                "administrators can change its figures."
            )
        if indicator is not None and unit in Unit.values and unit != indicator.unit:
            reasons.append(f"The unit {unit!r} contradicts the indicator's ({indicator.unit!r}).")
        dates: tuple[Any, Any] = (None, None)
        if not label:
            reasons.append("There is no period.")
        else:
            try:
                dates = parse_period(label, indicator.year_basis if indicator else "")
            except AmbiguousPeriod as error:
                if indicator is not None:  # otherwise the indicator's problem is reported
                    plan.undated.append(RowError(number, str(error)))
            except ValueError as error:
                reasons.append(str(error))
        key = (code, area_code, label)
        if key in seen:
            reasons.append(f"This repeats row {seen[key]} (the same indicator, area and period).")
        else:
            seen[key] = number
        if reasons:
            plan.errors.extend(RowError(number, reason) for reason in reasons)
            continue
        assert indicator is not None and area is not None and isinstance(value, Decimal)
        existing = held.get((indicator.pk, area.pk, label)) if indicator.pk else None
        if existing is None:
            plan.new.append(
                Observation(
                    indicator=indicator,
                    area=area,
                    period=label,
                    period_start=dates[0],
                    period_end=dates[1],
                    value=value,
                    source=source,
                )
            )
        elif (existing.value, existing.source, existing.period_start, existing.period_end) == (
            value,
            source,
            dates[0],
            dates[1],
        ):
            plan.unchanged += 1
        else:
            old = existing.value
            existing.value, existing.source = value, source
            existing.period_start, existing.period_end = dates
            plan.corrected.append((existing, old))
    return plan


def _new_indicator(code: str, unit: str, source: str) -> Indicator:
    return Indicator(
        code=code,
        name=code.replace("_", " ").replace("-", " ").capitalize(),
        unit=unit,
        direction=Direction.HIGHER_IS_BETTER,
        source=source[:300],
    )


def plan_import(
    data: bytes | str, *, acting_user: User | None, create_missing_indicators: bool = False
) -> ImportPlan:
    """What importing a CSV file would do; nothing is written."""
    rows, errors = read_csv(data)
    if errors:
        return ImportPlan(errors=errors)
    if not rows:
        return ImportPlan(errors=[RowError(1, "The file has no rows under its header.")])
    return plan_rows(
        rows, acting_user=acting_user, create_missing_indicators=create_missing_indicators
    )


# --- Writing ----------------------------------------------------------------------------------


@transaction.atomic
def apply_plan(plan: ImportPlan, *, acting_user: User | None, is_demo: bool = False) -> None:
    """Write a checked plan: new indicators and observations, and corrected figures (the old
    value kept in the history). Refuses a plan with errors."""
    if not plan.ok:
        raise ImportRejected(plan.errors)
    if plan.new_indicators:
        framework, _ = IndicatorFramework.objects.get_or_create(
            slug=IMPORTED_FRAMEWORK["slug"],
            defaults={k: v for k, v in IMPORTED_FRAMEWORK.items() if k != "slug"},
        )
        for indicator in plan.new_indicators:
            indicator.framework = framework
            indicator.full_clean()
            indicator.save()
    for observation in plan.new:
        observation.is_demo = is_demo
    if plan.new:
        bulk_create_with_history(plan.new, Observation, batch_size=500, default_user=acting_user)
    if plan.corrected:
        now = timezone.now()
        corrected = [observation for observation, _old in plan.corrected]
        for observation in corrected:
            observation.updated_at = now
        bulk_update_with_history(
            corrected,
            Observation,
            ["value", "source", "period_start", "period_end", "updated_at"],
            batch_size=500,
            default_user=acting_user,
            default_change_reason="Corrected by an import",
        )


def import_observations(
    data: bytes | str,
    *,
    acting_user: User | None,
    create_missing_indicators: bool = False,
    is_demo: bool = False,
) -> ImportPlan:
    """Import a CSV file of observations, all or nothing (raises ``ImportRejected``)."""
    plan = plan_import(
        data, acting_user=acting_user, create_missing_indicators=create_missing_indicators
    )
    apply_plan(plan, acting_user=acting_user, is_demo=is_demo)
    return plan


def import_rows(
    rows: Iterable[Mapping[str, Any]],
    *,
    acting_user: User | None,
    create_missing_indicators: bool = False,
) -> ImportPlan:
    """Import rows given as dictionaries (the API's bulk create), by the same rules."""
    plan = plan_rows(
        rows,
        acting_user=acting_user,
        create_missing_indicators=create_missing_indicators,
        first_row=1,
    )
    apply_plan(plan, acting_user=acting_user)
    return plan


# --- Baselines and targets --------------------------------------------------------------------


def _require_figures(acting_user: User, indicator: Indicator) -> None:
    if not policy.can_manage_figures(acting_user, indicator.framework.deal_id):
        raise PermissionDenied("Only an administrator can set baselines and targets.")


def target_set(
    *,
    indicator: Indicator,
    area: Area,
    kind: str,
    year: int,
    value: Decimal,
    acting_user: User,
    rationale: str = "",
) -> Target:
    """Set the baseline of an indicator in an area (there is one: setting it again moves it), or
    its target for a year (setting it again changes it)."""
    _require_figures(acting_user, indicator)
    if kind not in TargetKind.values:
        raise ValidationError({"kind": "Choose baseline or target"})
    with transaction.atomic():
        existing = Target.objects.select_for_update().filter(
            indicator=indicator, area=area, kind=kind
        )
        if kind == TargetKind.TARGET:
            existing = existing.filter(year=year)
        target = existing.first() or Target(indicator=indicator, area=area, kind=kind)
        target.year, target.value, target.rationale = year, value, rationale.strip()
        target._history_user = acting_user  # type: ignore[attr-defined]
        target.full_clean()
        target.save()
        return target


def target_delete(*, target: Target, acting_user: User) -> None:
    _require_figures(acting_user, target.indicator)
    target._history_user = acting_user  # type: ignore[attr-defined]
    target.delete()


# --- Exporting --------------------------------------------------------------------------------


def format_value(value: Decimal) -> str:
    """A figure as plain decimal text, without the trailing zeros of storage (26.6, not
    26.6000; 1200, not 1.2E+3)."""
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


def write_csv(observations: Iterable[Observation], out: TextIO) -> None:
    """Observations in the long format the import reads: export and import round-trip.
    The observations need their indicator and area loaded."""
    writer = csv_files.Writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for o in observations:
        writer.writerow(
            [
                o.indicator.code,
                o.indicator.unit,
                o.period,
                o.area.gss_code,
                o.area.name,
                format_value(o.value),
                o.source,
            ]
        )


# --- ONS's Explore Local Statistics files -----------------------------------------------------
#
# The files are read as published by ``missions.ons``; here they are checked against what is held
# and written, a file at a time, all or nothing.

ONS_FRAMEWORK = {
    "slug": "ons-explore-local-statistics",
    "name": "ONS Explore Local Statistics",
    "description": (
        "The indicators of the Office for National Statistics' Explore Local Statistics service, "
        "for every UK area, imported from its published files. Copyright 2024 Office for "
        "National Statistics and other government departments, licensed under Open Government "
        "License v3.0."
    ),
    "source": "Office for National Statistics, Explore Local Statistics",
}
ONS_BATCH = 1000
# What the database holds of a figure: 8 decimal places. The files publish binary floating-point
# artefacts (50.519999999999996, up to 16 places) that these places round away.
HELD_PLACES = Decimal("1e-8")
IMPORTED, UNCHANGED, REFUSED = "imported", "unchanged", "refused"


@dataclass
class FileReport:
    """What importing one file did, or why it was refused (then nothing was written)."""

    name: str
    outcome: str = UNCHANGED
    problems: list[str] = field(default_factory=list)
    left_out: list[ons.Problem] = field(default_factory=list)
    repeats: int = 0
    new: int = 0
    corrected: int = 0
    unchanged: int = 0
    missing: int = 0
    new_areas: int = 0
    new_indicators: int = 0
    updated_indicators: int = 0
    outside_slice: int = 0  # figures of areas an import of a slice does not keep

    @property
    def changed(self) -> int:
        return (
            self.new
            + self.corrected
            + self.new_areas
            + self.new_indicators
            + self.updated_indicators
        )


def _app_unit(unit: str) -> Unit:
    if found := ons.app_unit(unit):
        return found
    if unit.lower().startswith(("rate per", "count per")):
        return Unit.RATE
    if unit.lower().startswith("number of"):
        return Unit.COUNT
    return Unit.OTHER


def _ons_indicator_values(meta: ons.IndicatorMeta | None, name: str, unit: str) -> dict[str, Any]:
    meta = meta or ons.IndicatorMeta(name=name, label=name)
    return {
        "name": meta.label[:300] or name[:300],
        "subtitle": meta.subtitle[:500],
        "description": meta.description,
        "caveats": meta.caveats,
        "source": (meta.source_org or ONS_FRAMEWORK["source"])[:300],
        "source_url": meta.source_url[:500],
        "source_date": meta.source_date,
        "decimal_places": min(meta.decimal_places, 4) if meta.decimal_places is not None else None,
        "unit": _app_unit(unit),
        "unit_label": unit[:100],
        # Which way is better is not in ONS's metadata: data/metric_links.yaml says.
        "direction": metric_links.load().direction(ons.indicator_code(name)),
    }


@dataclass(frozen=True)
class AreaSlice:
    """The areas an import keeps (``import_ons_file(..., areas=...)``): these codes, every code
    that starts with one of the prefixes, and for an indicator in ``by_indicator`` the areas of
    the GSS entity codes (a code's first three characters) it gives. A file's other rows are
    counted, not written."""

    codes: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    by_indicator: Mapping[str, frozenset[str]] = field(default_factory=dict)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and (code in self.codes or code.startswith(self.prefixes))

    def keeps(self, area_code: str, indicator_code: str) -> bool:
        entities = self.by_indicator.get(indicator_code)
        return area_code in self or (entities is not None and area_code[:3] in entities)


# Besides a deal's own areas: every combined authority (E47; E61, the Greater London Authority)
# that its pages compare it with, and every metropolitan district, which the missions' gap
# measures rank (``missions.api.MEASURE_LEVEL``).
DEALS_SLICE_PREFIXES = ("E47", "E61", "E08")


def areas_of_deals() -> AreaSlice:
    """The slice of areas the deals' pages show: each deal's combined authority area, the areas
    held within it (its districts) and those it lies within (its region, England, the UK, as
    ``data/areas.csv`` places them), plus ``DEALS_SLICE_PREFIXES``; and for the indicators the
    Statement's own gap measures rank, the areas of the geography they rank them over. Demo
    deals are not counted."""
    areas = {
        code: (pk, parent_id)
        for pk, code, parent_id in Area.objects.values_list("pk", "gss_code", "parent_id")
    }
    codes_by_pk = {pk: code for code, (pk, _) in areas.items()}
    codes: set[str] = set()
    deals = Deal.objects.filter(is_demo=False).exclude(area_code="")
    for code in deals.values_list("area_code", flat=True):
        codes.add(code)
        if code not in areas:
            continue
        pk, parent_id = areas[code]
        codes.update(c for c, (_, parent) in areas.items() if parent == pk)
        while parent_id is not None and codes_by_pk[parent_id] not in codes:
            codes.add(codes_by_pk[parent_id])
            parent_id = areas[codes_by_pk[parent_id]][1]
    return AreaSlice(frozenset(codes), DEALS_SLICE_PREFIXES, _statement_geographies())


def _statement_geographies() -> dict[str, frozenset[str]]:
    """Indicator code -> the GSS entity codes of the areas the Statement's gap measures rank it
    over (``missions.selectors.statement_measures``): upper-tier areas for the indicators that
    are mission 7's metric, lower-tier ones for those linked to mission 8's."""
    from . import measures  # it imports this module: read when called

    links = metric_links.load()
    found: dict[str, frozenset[str]] = {}
    for mission in reference.MISSIONS:
        for metric in mission["metrics"]:
            for link in links.for_metric(metric["slug"]):
                if mission["number"] in measures.DECILE_GAP_MISSIONS and link.is_the_metric:
                    found[link.indicator] = measures.UPPER_TIER.entity_codes
                elif mission["number"] in measures.WORST_THIRD_MISSIONS:
                    found[link.indicator] = measures.LOWER_TIER.entity_codes
    return found


def import_ons_file(
    figures_data: ons.FigureSource,
    metadata_data: bytes | None,
    *,
    name: str,
    acting_user: User | None,
    dry_run: bool = False,
    areas: AreaSlice | None = None,
) -> FileReport:
    """Import one indicator file (its figures and its metadata) as published: all of it, or
    nothing with every reason. ``acting_user`` None is the command line.

    ``figures_data`` is the file's bytes, its path or a binary file open on it (seekable: it is
    read twice). The file is read through once to check every row, holding no figure, then
    again to write its figures ``ONS_BATCH`` at a time, all in one transaction, so that memory
    does not grow with the file. With ``areas``, only the rows of those areas are read, checked
    and written, all or nothing; the others are counted as outside the slice."""
    report = FileReport(name=name)
    if acting_user is not None and not policy.can_manage_figures(acting_user):
        raise PermissionDenied("Only an administrator can import figures.")
    check = ons.check_figures(figures_data, None if areas is None else areas.keeps)
    report.left_out, report.repeats = check.left_out, len(check.repeats)
    report.problems = [f"Row {p.row}: {p.reason}" for p in check.problems]
    metadata: list[ons.IndicatorMeta] = []
    if metadata_data is not None:
        try:
            metadata = ons.read_metadata(metadata_data)
        except ValueError as error:
            report.problems.append(f"The metadata: {error}")
    if report.problems:
        report.outcome = REFUSED
        return report
    try:
        with transaction.atomic():
            _write_ons(figures_data, check, metadata, report, acting_user)
            if dry_run:
                transaction.set_rollback(True)
    except ValidationError as error:
        report.problems.extend(error.messages)
    except IntegrityError as error:
        report.problems.append(f"The database refused it: {error}")
    if report.problems:
        report.outcome = REFUSED
        return report
    report.outcome = IMPORTED if report.changed else UNCHANGED
    return report


def _write_ons(
    source: ons.FigureSource,
    check: ons.FigureCheck,
    metadata: list[ons.IndicatorMeta],
    report: FileReport,
    acting_user: User | None,
) -> None:
    framework, _ = IndicatorFramework.objects.get_or_create(
        slug=ONS_FRAMEWORK["slug"],
        defaults={k: v for k, v in ONS_FRAMEWORK.items() if k != "slug"},
    )
    metas = ons.metadata_for({name for name, _ in check.indicators.values()}, metadata)
    # Indicators: made from the metadata, or brought up to date with it.
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=list(check.indicators))}
    for code, (name, unit) in check.indicators.items():
        values = _ons_indicator_values(metas.get(code), name, unit)
        indicator = indicators.get(code)
        if indicator is None:
            indicator = Indicator(
                framework=framework,
                code=code,
                position=Indicator.objects.filter(framework=framework).count() + 1,
                **values,
            )
            report.new_indicators += 1
        else:
            if indicator.framework_id != framework.pk:  # another framework's: only its metadata
                values = {
                    k: v
                    for k, v in values.items()
                    if k not in ("name", "unit", "source", "direction")
                }
            elif indicator.unit != values["unit"]:
                raise ValidationError(
                    f"The unit {unit!r} contradicts the indicator {code!r}'s "
                    f"({indicator.get_unit_display()})."
                )
            changed = [k for k, v in values.items() if getattr(indicator, k) != v]
            if not changed:
                continue
            for key in changed:
                setattr(indicator, key, values[key])
            report.updated_indicators += 1
        indicator.full_clean()
        indicator.save()
        indicators[code] = indicator
    # Areas: kept as they are held; a new one made with its code, name and level.
    wanted = check.areas
    held = set(Area.objects.filter(gss_code__in=list(wanted)).values_list("gss_code", flat=True))
    new_areas = [
        Area(gss_code=code, name=name[:200], level=level)
        for code, (name, level) in wanted.items()
        if code not in held
    ]
    for area in new_areas:
        area.full_clean(validate_unique=False, validate_constraints=False)
    Area.objects.bulk_create(new_areas, batch_size=ONS_BATCH)
    report.new_areas = len(new_areas)
    del new_areas, held
    area_ids = dict(Area.objects.filter(gss_code__in=list(wanted)).values_list("gss_code", "pk"))
    expected = check.figures
    report.outside_slice = check.outside
    # Figures: read again from the file and written a batch at a time.
    batch: list[ons.Figure] = []
    written = 0
    for figure in ons.figures(source, check):
        batch.append(figure)
        if len(batch) == ONS_BATCH:
            _write_ons_figures(batch, indicators, area_ids, report, acting_user)
            written += len(batch)
            batch.clear()
    _write_ons_figures(batch, indicators, area_ids, report, acting_user)
    written += len(batch)
    if written != expected:
        raise ValidationError(
            f"The file changed while it was imported ({expected} figures when checked, {written} "
            "when written)."
        )


def _write_ons_figures(
    figures: list[ons.Figure],
    indicators: dict[str, Indicator],
    area_ids: dict[str, int],
    report: FileReport,
    acting_user: User | None,
) -> None:
    """Write one batch of a file's figures, comparing them with what is held for them alone."""
    if not figures:
        return
    held_for = {
        "indicator_id__in": {indicators[f.indicator_code].pk for f in figures},
        "area_id__in": {area_ids[f.area_code] for f in figures},
        "period__in": {f.period for f in figures},
    }
    held = {
        (o.indicator_id, o.area_id, o.period): o for o in Observation.objects.filter(**held_for)
    }
    held_missing = {
        (m.indicator_id, m.area_id, m.period): m for m in MissingFigure.objects.filter(**held_for)
    }
    new: list[Observation] = []
    corrected: list[Observation] = []
    new_missing: list[MissingFigure] = []
    changed_missing: list[MissingFigure] = []
    withdrawn: list[int] = []  # figures the source now gives as missing
    given: list[int] = []  # missing figures the source now gives
    for f in figures:
        indicator, area_id = indicators[f.indicator_code], area_ids[f.area_code]
        key = (indicator.pk, area_id, f.period)
        if f.value is None:
            report.missing += 1
            if key in held:
                withdrawn.append(held[key].pk)
            missing = held_missing.get(key)
            wanted = (f.status[:200], f.period_start, f.period_end)
            if missing is None:
                new_missing.append(
                    MissingFigure(
                        indicator=indicator,
                        area_id=area_id,
                        period=f.period,
                        period_start=f.period_start,
                        period_end=f.period_end,
                        status=wanted[0],
                        source=indicator.source,
                    )
                )
            elif (missing.status, missing.period_start, missing.period_end) != wanted:
                missing.status, missing.period_start, missing.period_end = wanted
                changed_missing.append(missing)
            continue
        if key in held_missing:
            given.append(held_missing[key].pk)
        values = {
            "value": _held(f.value),
            "lower": _held(f.lower),
            "upper": _held(f.upper),
            "status": f.status[:200],
            "period_start": f.period_start,
            "period_end": f.period_end,
            "source": indicator.source,
        }
        observation = held.get(key)
        if observation is None:
            new.append(Observation(indicator=indicator, area_id=area_id, period=f.period, **values))
        elif any(getattr(observation, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(observation, k, v)
            corrected.append(observation)
        else:
            report.unchanged += 1
    report.new += len(new)
    report.corrected += len(corrected)
    if withdrawn:
        for observation in Observation.objects.filter(pk__in=withdrawn):
            observation._history_user = acting_user  # type: ignore[attr-defined]
            observation.delete()
    if given:
        MissingFigure.objects.filter(pk__in=given).delete()
    if new:
        bulk_create_with_history(new, Observation, batch_size=ONS_BATCH, default_user=acting_user)
    if corrected:
        now = timezone.now()
        for observation in corrected:
            observation.updated_at = now
        bulk_update_with_history(
            corrected,
            Observation,
            ["value", "lower", "upper", "status", "period_start", "period_end", "source"]
            + ["updated_at"],
            batch_size=ONS_BATCH,
            default_user=acting_user,
            default_change_reason="Corrected by an import",
        )
    if new_missing:
        MissingFigure.objects.bulk_create(new_missing, batch_size=ONS_BATCH)
    if changed_missing:
        MissingFigure.objects.bulk_update(
            changed_missing, ["status", "period_start", "period_end"], batch_size=ONS_BATCH
        )
    report.corrected += len(changed_missing) + len(withdrawn) + len(given)
    report.new += len(new_missing)


def _held(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(HELD_PLACES)


def ons_figures_held() -> bool:
    """Whether any of ONS's figures, or missing figures, have been imported."""
    framework = {"indicator__framework__slug": ONS_FRAMEWORK["slug"]}
    return (
        Observation.objects.filter(**framework).exists()
        or MissingFigure.objects.filter(**framework).exists()
    )


def ons_folders(directory: Path) -> list[Path]:
    """The indicator folders under a directory (each holding ``<name>.csv`` and, optionally,
    ``<name>.json``), by name; the directory itself if it is one."""
    if (directory / f"{directory.name}.csv").exists():
        return [directory]
    return sorted(p for p in directory.iterdir() if p.is_dir() and (p / f"{p.name}.csv").exists())


def import_ons_folder(
    folder: Path,
    *,
    acting_user: User | None,
    dry_run: bool = False,
    areas: AreaSlice | None = None,
) -> FileReport:
    """Import one indicator folder (``<name>/<name>.csv`` and its metadata, ``<name>.json``),
    all or nothing, the figures read from their path as they go (never whole)."""
    metadata = folder / f"{folder.name}.json"
    return import_ons_file(
        folder / f"{folder.name}.csv",
        metadata.read_bytes() if metadata.exists() else None,
        name=folder.name,
        acting_user=acting_user,
        dry_run=dry_run,
        areas=areas,
    )


def import_ons_directory(
    directory: Path,
    *,
    acting_user: User | None,
    dry_run: bool = False,
    areas: AreaSlice | None = None,
) -> list[FileReport]:
    """Import every indicator folder under ``directory``, each file all or nothing; with
    ``areas``, only those areas' figures."""
    return [
        import_ons_folder(folder, acting_user=acting_user, dry_run=dry_run, areas=areas)
        for folder in ons_folders(directory)
    ]
