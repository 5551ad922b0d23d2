"""Pages for administrators who keep the figures: importing observations (upload, preview,
confirm), and baselines and targets; and an indicator's figures as CSV for anyone signed in.

The import is checked before anything is written. The upload is planned and shown as a preview;
the bytes wait in the session, and the preview's confirm button carries their SHA-256, so what
is confirmed is exactly what was previewed. Confirming plans the same bytes again (the figures
held may have changed since) and applies that plan.

A CSV file whose header is ONS's Explore Local Statistics format (``ons.is_ons_header``) goes
the same way through ``services.import_ons_file``, with the indicator metadata uploaded beside
it: a dry run is the preview, and confirming imports the same bytes for real, checked again
against the figures held then, all or nothing.

Views are thin: writes go through ``services``, and who may do what is asked of
``core.policy``. An indicator that does not exist is a 404; a page the person may not use
is a 403.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from core import policy
from core.errors import DomainError
from core.views import posted, show_refusal

from . import forms, selectors, services
from .choices import TargetKind, Unit
from .models import Area, Indicator, Observation, Target

# The upload waiting to be confirmed, and what the last confirmed import did.
PENDING_KEY = "missions.import.pending"
RESULT_KEY = "missions.import.result"
ONS_FORMAT = "ons"  # a pending upload's or a result's format, when it is not the app's own
# What an ONS file's import did, as its result page says it.
ONS_COUNTS = (
    "new",
    "corrected",
    "unchanged",
    "missing",
    "repeats",
    "new_areas",
    "new_indicators",
    "updated_indicators",
)
# A preview counts every row, but lists at most SHOWN_ROWS in each table, and SUMMARY_ERRORS
# in its error summary.
SHOWN_ROWS = 200
SUMMARY_ERRORS = 10
EXPORT_CHUNK = 2000


def _require_figures(request: HttpRequest, framework_deal_id: int | None = None) -> None:
    if not policy.can_manage_figures(request.user, framework_deal_id):
        raise PermissionDenied("Only an administrator can change the figures.")


def _digest(data: bytes, metadata: bytes | None = None) -> str:
    """The SHA-256 of an upload; with a metadata file, of both files' own digests in turn."""
    if metadata is None:
        return hashlib.sha256(data).hexdigest()
    both = hashlib.sha256(data).digest() + hashlib.sha256(metadata).digest()
    return hashlib.sha256(both).hexdigest()


# --- Import: upload, preview, confirm ---------------------------------------------------------


def import_upload(request: HttpRequest) -> HttpResponse:
    _require_figures(request)
    form_data = posted(request)
    form = forms.ImportForm(form_data, request.FILES if form_data is not None else None)
    if not form.is_bound or not form.is_valid():
        return _upload_page(request, form)
    data = form.read()
    name = form.cleaned_data["file"].name or "the file"
    if form.is_ons:
        metadata = form.read_metadata()
        metadata_name = form.cleaned_data["metadata"].name if metadata is not None else ""
        return _ons_upload(request, data, metadata, name=name, metadata_name=metadata_name)
    create = form.cleaned_data["create_missing_indicators"]
    plan = services.plan_import(
        data, acting_user=policy.signed_in(request.user), create_missing_indicators=create
    )
    pending: dict[str, Any] | None = None
    if plan.ok:
        pending = _keep(request, data, name, create)
    else:
        _forget(request)
    return _preview_page(request, plan, name=name, pending=pending, create=create)


def _upload_page(request: HttpRequest, form: forms.ImportForm) -> HttpResponse:
    return render(
        request, "missions/figures/import_upload.html", {"form": form, "units": Unit.values}
    )


def _keep(request: HttpRequest, data: bytes, name: str, create: bool) -> dict[str, Any]:
    pending = {
        "data": base64.b64encode(data).decode("ascii"),
        "sha256": _digest(data),
        "name": name,
        "create_missing_indicators": create,
    }
    request.session[PENDING_KEY] = pending
    return pending


def _forget(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


@dataclass(frozen=True)
class NewFigures:
    code: str
    name: str
    count: int


def _new_by_indicator(plan: services.ImportPlan) -> list[NewFigures]:
    counts = Counter(o.indicator.code for o in plan.new)
    names = {o.indicator.code: o.indicator.name for o in plan.new}
    return [NewFigures(code, names[code], counts[code]) for code in sorted(counts)]


def _preview_page(
    request: HttpRequest,
    plan: services.ImportPlan,
    *,
    name: str,
    pending: dict[str, Any] | None,
    create: bool,
) -> HttpResponse:
    changes = bool(plan.new or plan.corrected or plan.new_indicators)
    context = {
        "plan": plan,
        "file_name": name,
        "create_missing_indicators": create,
        "sha256": pending["sha256"] if pending else "",
        "changes": changes,
        "new_by_indicator": _new_by_indicator(plan),
        "corrected": _corrected_lines(plan.corrected[:SHOWN_ROWS]),
        "errors": plan.errors[:SHOWN_ROWS],
        "undated": plan.undated[:SHOWN_ROWS],
        "summary_errors": plan.errors[:SUMMARY_ERRORS],
        "bad_rows": len({e.row for e in plan.errors}),
        "form": (
            forms.ImportForm(initial={"create_missing_indicators": create}) if plan.errors else None
        ),
        "shown_rows": SHOWN_ROWS,
    }
    return render(request, "missions/figures/import_preview.html", context)


@dataclass(frozen=True)
class CorrectedLine:
    indicator: Indicator
    area: Area
    period: str
    old: str
    new: str


def _corrected_lines(corrected: list[tuple[Observation, Decimal]]) -> list[CorrectedLine]:
    """The corrections as a table, their indicators and areas read in one query each (the plan
    holds the observations without them)."""
    indicators = selectors.indicators_by_id(o.indicator_id for o, _old in corrected)
    areas = selectors.areas_by_id(o.area_id for o, _old in corrected)
    return [
        CorrectedLine(
            indicator=indicators[o.indicator_id],
            area=areas[o.area_id],
            period=o.period,
            old=services.format_value(old),
            new=services.format_value(o.value),
        )
        for o, old in corrected
    ]


@dataclass(frozen=True)
class Pending:
    """The upload the preview showed, as the session holds it."""

    data: bytes
    metadata: bytes | None
    session: dict[str, Any]

    @property
    def is_ons(self) -> bool:
        return self.session.get("format") == ONS_FORMAT


def _pending_bytes(request: HttpRequest, digest: str) -> Pending | None:
    """The upload the preview showed, if the session still holds exactly it."""
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or not digest:
        return None
    try:
        data = base64.b64decode(pending["data"], validate=True)
        metadata = pending.get("metadata")
        if metadata is not None:
            metadata = base64.b64decode(metadata, validate=True)
    except (KeyError, ValueError, TypeError):
        return None
    held = _digest(data, metadata)
    if not hmac.compare_digest(held, digest) or not hmac.compare_digest(held, pending["sha256"]):
        return None
    return Pending(data, metadata, pending)


@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    _require_figures(request)
    digest = request.POST.get("sha256", "")
    held = _pending_bytes(request, digest)
    if held is None:
        done = request.session.get(RESULT_KEY)
        if digest and isinstance(done, dict) and done.get("sha256") == digest:
            return redirect("observation-import-done")  # confirmed twice: the first one did it
        return _upload_page(
            request,
            forms.ImportForm.asking_again(
                "The file you checked is no longer held for importing, or is not the one "
                "shown: upload it again"
            ),
        )
    if held.is_ons:
        return _ons_confirm(request, held)
    data, pending = held.data, held.session
    create = bool(pending["create_missing_indicators"])
    # Planned again: the figures held may have changed since the preview.
    plan = services.plan_import(
        data, acting_user=policy.signed_in(request.user), create_missing_indicators=create
    )
    if not plan.ok:
        _forget(request)
        return _preview_page(request, plan, name=pending["name"], pending=None, create=create)
    try:
        services.apply_plan(plan, acting_user=policy.signed_in(request.user))
    except (IntegrityError, ValidationError):
        # Another import wrote some of these figures or indicators between this plan and its
        # writing (a second click of the button, or a colleague): none of this one was written.
        plan = services.plan_import(
            data, acting_user=policy.signed_in(request.user), create_missing_indicators=create
        )
        messages.info(request, "The figures changed while importing: check them again")
        return _preview_page(request, plan, name=pending["name"], pending=pending, create=create)
    _forget(request)
    request.session[RESULT_KEY] = _result(plan, pending)
    return redirect("observation-import-done")


def _result(plan: services.ImportPlan, pending: dict[str, Any]) -> dict[str, Any]:
    touched = {o.indicator.code: o.indicator.name for o in plan.new}
    corrected = selectors.indicators_by_id(o.indicator_id for o, _old in plan.corrected)
    touched |= {i.code: i.name for i in corrected.values()}
    touched |= {i.code: i.name for i in plan.new_indicators}
    return {
        "sha256": pending["sha256"],
        "name": pending["name"],
        "new": len(plan.new),
        "corrected": len(plan.corrected),
        "unchanged": plan.unchanged,
        "undated": len(plan.undated),
        "new_indicators": sorted(i.code for i in plan.new_indicators),
        "indicators": sorted(({"code": c, "name": n} for c, n in touched.items()), key=_by_name),
    }


def _by_name(indicator: dict[str, str]) -> str:
    return indicator["name"].lower()


def import_done(request: HttpRequest) -> HttpResponse:
    _require_figures(request)
    result = request.session.get(RESULT_KEY)
    if not isinstance(result, dict):
        return redirect("observation-import")
    if result.get("format") == ONS_FORMAT:
        return render(request, "missions/figures/import_ons_done.html", {"result": result})
    return render(request, "missions/figures/import_done.html", {"result": result})


# --- Import of ONS's Explore Local Statistics files -------------------------------------------


def _ons_upload(
    request: HttpRequest,
    data: bytes,
    metadata: bytes | None,
    *,
    name: str,
    metadata_name: str,
) -> HttpResponse:
    report = services.import_ons_file(
        data, metadata, name=name, acting_user=policy.signed_in(request.user), dry_run=True
    )
    pending: dict[str, Any] | None = None
    if report.outcome == services.IMPORTED:
        pending = {
            "format": ONS_FORMAT,
            "data": base64.b64encode(data).decode("ascii"),
            "metadata": None if metadata is None else base64.b64encode(metadata).decode("ascii"),
            "sha256": _digest(data, metadata),
            "name": name,
            "metadata_name": metadata_name,
        }
        request.session[PENDING_KEY] = pending
    else:
        _forget(request)
    return _ons_preview_page(request, report, metadata_name=metadata_name, pending=pending)


@dataclass(frozen=True)
class ProblemLine:
    row: int | None  # None: a problem of the whole file (its metadata, say)
    reason: str


ROW_PROBLEM = re.compile(r"^Row (\d+): (.*)$", re.S)


def _problem_lines(problems: list[str]) -> list[ProblemLine]:
    """The report's problems ("Row 7: ...") as a table's rows, the row number in its column."""
    lines = []
    for problem in problems:
        match = ROW_PROBLEM.match(problem)
        lines.append(ProblemLine(int(match[1]), match[2]) if match else ProblemLine(None, problem))
    return lines


def _ons_preview_page(
    request: HttpRequest,
    report: services.FileReport,
    *,
    metadata_name: str,
    pending: dict[str, Any] | None,
) -> HttpResponse:
    refused = report.outcome == services.REFUSED
    problems = _problem_lines(report.problems)
    context = {
        "report": report,
        "refused": refused,
        "changes": report.outcome == services.IMPORTED,
        "file_name": report.name,
        "metadata_name": metadata_name,
        "sha256": pending["sha256"] if pending else "",
        "problems": problems,
        "summary_problems": problems[:SUMMARY_ERRORS],
        "bad_rows": len({p.row for p in problems if p.row is not None}),
        "form": forms.ImportForm() if refused else None,
    }
    return render(request, "missions/figures/import_ons_preview.html", context)


def _ons_confirm(request: HttpRequest, pending: Pending) -> HttpResponse:
    # Imported for real, checked again against the figures held now: all of it, or nothing.
    report = services.import_ons_file(
        pending.data,
        pending.metadata,
        name=pending.session["name"],
        acting_user=policy.signed_in(request.user),
    )
    _forget(request)
    if report.outcome == services.REFUSED:
        return _ons_preview_page(
            request, report, metadata_name=pending.session["metadata_name"], pending=None
        )
    request.session[RESULT_KEY] = {
        "format": ONS_FORMAT,
        "sha256": pending.session["sha256"],
        "name": report.name,
        "metadata_name": pending.session["metadata_name"],
        "framework": services.ONS_FRAMEWORK["slug"],
        "left_out": len(report.left_out),
        **{count: getattr(report, count) for count in ONS_COUNTS},
    }
    return redirect("observation-import-done")


# --- Export -----------------------------------------------------------------------------------


def indicator_observations_csv(request: HttpRequest, code: str) -> HttpResponse:
    """An indicator's figures in the import's own format, so a corrected copy can be imported."""
    indicator = _indicator(code)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{indicator.code}-observations.csv"'
    observations = selectors.observations_of(indicator).iterator(chunk_size=EXPORT_CHUNK)
    services.write_csv(observations, response)  # type: ignore[arg-type]
    return response


# --- Baselines and targets --------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    target: Target
    value: str


def _indicator(code: str) -> Indicator:
    return get_object_or_404(selectors.indicators(), code=code)


def _target_lines(indicator: Indicator) -> list[TargetLine]:
    targets = selectors.targets_of(indicator)
    return [TargetLine(t, services.format_value(t.value)) for t in targets]


def indicator_targets(request: HttpRequest, code: str) -> HttpResponse:
    indicator = _indicator(code)
    _require_figures(request, indicator.framework.deal_id)
    form = forms.TargetForm(
        posted(request),
        areas=selectors.areas().order_by("name"),
        unit_label=Unit(indicator.unit).label,
    )
    if form.is_bound and form.is_valid():
        try:
            target = services.target_set(
                indicator=indicator, acting_user=policy.signed_in(request.user), **form.values()
            )
        except (ValidationError, DomainError) as error:
            show_refusal(form, error)
        else:
            messages.success(request, f"{_describe(target)} saved")
            return redirect("indicator-targets", code=indicator.code)
    return render(
        request,
        "missions/figures/indicator_targets.html",
        {
            "indicator": indicator,
            "form": form,
            "lines": _target_lines(indicator),
            "unit_label": Unit(indicator.unit).label,
        },
    )


def _describe(target: Target) -> str:
    kind = "Baseline" if target.kind == TargetKind.BASELINE else "Target"
    return f"{kind} for {target.area.name} in {target.year}"


@require_POST
def indicator_target_remove(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    indicator = _indicator(code)
    _require_figures(request, indicator.framework.deal_id)
    target = selectors.target_of(indicator, pk)
    target.indicator = indicator  # the service asks the indicator's framework
    services.target_delete(target=target, acting_user=policy.signed_in(request.user))
    messages.success(request, f"{_describe(target)} removed")
    return redirect(reverse("indicator-targets", kwargs={"code": indicator.code}))


urlpatterns = [
    path("observations/import/", import_upload, name="observation-import"),
    path("observations/import/confirm/", import_confirm, name="observation-import-confirm"),
    path("observations/import/done/", import_done, name="observation-import-done"),
    path(
        "indicators/<slug:code>/observations.csv",
        indicator_observations_csv,
        name="indicator-observations-csv",
    ),
    path("indicators/<slug:code>/targets/", indicator_targets, name="indicator-targets"),
    path(
        "indicators/<slug:code>/targets/<int:pk>/remove/",
        indicator_target_remove,
        name="indicator-target-remove",
    ),
]
