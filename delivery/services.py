"""Writes for provisions and their delivery reports.

- Administrators create and change a deal's provisions, one at a time or from a CSV file
  (``import_provisions``: all or nothing, every bad row named with its number and reason, as
  observations are imported).
- The lead of a provision's workstream (or an administrator) reports on its delivery once a
  reporting period (``report_submit``, or ``reports_submit`` for a visit's reports together,
  all or none); a second report in the same period revises the first, whose words the history
  keeps.
- The workstream's sponsor signs off each revision of a report (``report_review``,
  ``reports_sign_off``), as they sign off status updates.

Every refusal is a ``DeliveryError`` (a ``DomainError``), a ``ValidationError`` naming the field,
or ``PermissionDenied``: the pages, the API and the admin show each the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import csv_files, policy
from core.changes import changes_between
from core.choices import Classification
from core.errors import DomainError, StaleEdit
from core.models import Deal, Organisation
from core.text import CONTROL_CHARACTERS
from missions.selectors import indicators_of_deal
from tracker.choices import ReviewDecision, WorkstreamStatus
from tracker.models import GovernmentDepartment, Workstream
from tracker.periods import Period, deal_period

from .choices import BELOW_GREEN, Confidence, DeliveryState, ProvisionKind
from .models import Provision, ProvisionReport, ProvisionReportReview

if TYPE_CHECKING:
    from accounts.models import User


class DeliveryError(DomainError):
    """A request the rules of provisions and their delivery refuse."""


ADMINISTRATORS_ONLY = "Only the deal's administrators can add or change its provisions."
PROVISION_FIELDS = [
    "reference",
    "chapter",
    "title",
    "text",
    "workstream",
    "lead_organisation",
    "department",
    "kind",
    "classification",
    "is_published",
]
PROVISION_LINKS = ["proposals", "missions", "metrics", "indicators"]


def _save(obj: Any, acting_user: User | None) -> Any:
    obj._history_user = acting_user
    obj.full_clean()
    obj.save()
    return obj


def _check_links(deal_id: int, links: Mapping[str, Any]) -> None:
    proposals = links.get("proposals")
    if proposals is not None and any(p.deal_id != deal_id for p in proposals):
        raise ValidationError({"proposals": "Choose proposals of this deal"})
    indicators = links.get("indicators")
    if indicators:
        allowed = set(
            indicators_of_deal(deal_id)
            .filter(pk__in=[i.pk for i in indicators])
            .values_list("pk", flat=True)
        )
        if any(i.pk not in allowed for i in indicators):
            raise ValidationError(
                {"indicators": "Choose indicators of this deal's frameworks or national ones"}
            )


def _set_links(provision: Provision, links: Mapping[str, Any]) -> None:
    for name, values in links.items():
        getattr(provision, name).set(values)


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    unknown = set(fields) - set(PROVISION_FIELDS) - set(PROVISION_LINKS)
    if unknown:
        raise TypeError(f"Not a provision's field: {', '.join(sorted(unknown))}")
    links = {name: fields.pop(name) for name in PROVISION_LINKS if name in fields}
    return fields, links


def provision_create(
    *, deal: Deal, acting_user: User, is_demo: bool = False, **fields: Any
) -> Provision:
    """Add a provision to a deal (its administrators only)."""
    if not policy.can_manage_provisions(acting_user, deal):
        raise PermissionDenied(ADMINISTRATORS_ONLY)
    values, links = _split(dict(fields))
    _check_links(deal.pk, links)
    try:
        with transaction.atomic():
            provision = _save(Provision(deal=deal, is_demo=is_demo, **values), acting_user)
            _set_links(provision, links)
    except IntegrityError:
        # full_clean() checked the constraints; only a simultaneous save gets here.
        raise DeliveryError(
            "Someone else added a provision with this reference at the same moment."
        ) from None
    return provision


def provision_update(
    *,
    provision: Provision,
    acting_user: User,
    expected_revision: int | None = None,
    **fields: Any,
) -> Provision:
    """Change a provision (its deal's administrators only), refusing an edit made from a copy
    someone else has changed since (``expected_revision``, from If-Match)."""
    if not policy.can_manage_provisions(acting_user, provision.deal_id):
        raise PermissionDenied(ADMINISTRATORS_ONLY)
    values, links = _split(dict(fields))
    _check_links(provision.deal_id, links)
    with transaction.atomic():
        current = Provision.objects.select_for_update().get(pk=provision.pk)
        if expected_revision is not None and current.revision != expected_revision:
            base = current.history.filter(revision=expected_revision).first()
            changes = (
                changes_between(base.instance, current, list(values)) if base is not None else []
            )
            raise StaleEdit(
                "Someone else changed this provision while you were editing it. Check what "
                "changed, then make your change again.",
                changes,
            )
        for name, value in values.items():
            setattr(current, name, value)
        current.revision += 1
        _save(current, acting_user)
        _set_links(current, links)
        return current


# --- Importing provisions from a CSV file -----------------------------------------------------

COLUMNS = [
    "reference",
    "chapter",
    "title",
    "text",
    "workstream",
    "kind",
    "classification",
    "lead_organisation",
    "department",
]
REQUIRED_COLUMNS = COLUMNS[:7]
MAX_IMPORT_BYTES = settings.MAX_UPLOAD_BYTES
MAX_ROWS = 5_000


@dataclass(frozen=True)
class RowError:
    row: int  # the row's line in the file, the header being row 1
    reason: str

    def __str__(self) -> str:
        return f"Row {self.row}: {self.reason}"


class ImportRejected(DeliveryError):
    """The file has bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        listed = "; ".join(str(error) for error in errors[:20])
        more = f"; and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(
            f"{len(errors)} problem(s) in the file, so nothing was imported: {listed}{more}."
        )
        self.errors = errors


@dataclass
class ProvisionImport:
    """What an import did, or (a dry run) would do: the provisions, or the file's problems."""

    provisions: list[Provision] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read(data: bytes) -> tuple[list[dict[str, str]], list[RowError]]:
    if len(data) > MAX_IMPORT_BYTES:
        return [], [RowError(1, f"The file is larger than {MAX_IMPORT_BYTES // 2**20} MB.")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return [], [RowError(1, "The file is not UTF-8 text: save it as CSV UTF-8.")]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip().lower().replace(" ", "_") for name in reader.fieldnames or []]
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
                {
                    k: csv_files.restore(v).strip() if isinstance(v, str) else ""
                    for k, v in row.items()
                    if k is not None
                }
            )
    except csv.Error as error:
        return [], [RowError(reader.reader.line_num, f"This row cannot be read as CSV: {error}.")]
    if not rows:
        return [], [RowError(1, "The file has no rows under its header.")]
    return rows, []


def _choice(value: str, choices: Iterable[tuple[str, str]]) -> str | None:
    """A choice given by its value or its label, in any case."""
    wanted = value.strip().lower()
    for stored, label in choices:
        if wanted in (stored.lower(), str(label).lower()):
            return stored
    return None


class _Lookups:
    """The deal's workstreams, departments and existing references, and the organisations,
    read once for the whole file."""

    def __init__(self, deal: Deal) -> None:
        self.workstreams = {w.slug.lower(): w for w in Workstream.objects.filter(deal=deal)}
        self.departments: dict[str, GovernmentDepartment] = {}
        for department in GovernmentDepartment.objects.filter(deal=deal):
            self.departments[department.name.lower()] = department
            if department.abbreviation:
                self.departments.setdefault(department.abbreviation.lower(), department)
        self.organisations = {o.name.lower(): o for o in Organisation.objects.all()}
        self.references = set(
            Provision.objects.filter(deal=deal).values_list("reference", flat=True)
        )


def _row_provision(
    deal: Deal, row: Mapping[str, str], known: _Lookups
) -> tuple[Provision | None, list[str]]:
    """The provision a row describes, or every reason it cannot be taken."""
    reasons = [
        f"The {column} column holds a control character (U+{ord(found.group()):04X}): remove it."
        for column, value in row.items()
        if (found := CONTROL_CHARACTERS.search(value))
    ]
    for column in ("reference", "chapter", "title", "text"):
        if not row.get(column):
            reasons.append(f"The {column} is empty.")
    reference = row.get("reference", "")
    if reference in known.references:
        reasons.append(f"The deal already has a provision {reference}.")
    workstream = known.workstreams.get(row.get("workstream", "").lower())
    if workstream is None:
        reasons.append(f"The deal has no workstream {row.get('workstream', '')!r}.")
    elif workstream.status != WorkstreamStatus.ACTIVE:
        reasons.append(
            f"The workstream {workstream.slug!r} is {workstream.get_status_display().lower()}."
        )
    kind = _choice(row.get("kind", ""), ProvisionKind.choices)
    if kind is None:
        reasons.append(f"The kind {row.get('kind', '')!r} is not one of: {_listed(ProvisionKind)}.")
    classification = _choice(row.get("classification", ""), Classification.choices)
    if classification is None:
        reasons.append(
            f"The classification {row.get('classification', '')!r} is not one of: "
            f"{_listed(Classification)}."
        )
    organisation = None
    if name := row.get("lead_organisation", ""):
        organisation = known.organisations.get(name.lower())
        if organisation is None:
            reasons.append(f"There is no organisation named {name!r}.")
    department = None
    if name := row.get("department", ""):
        department = known.departments.get(name.lower())
        if department is None:
            reasons.append(f"The deal has no government department {name!r}.")
    if reasons or kind is None or classification is None:
        return None, reasons
    provision = Provision(
        deal=deal,
        reference=reference,
        chapter=row["chapter"],
        title=row["title"],
        text=row["text"],
        workstream=workstream,
        kind=kind,
        classification=classification,
        lead_organisation=organisation,
        department=department,
    )
    try:
        # The field lengths; the unique reference is checked against the file and the deal.
        provision.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return None, [f"The {name}: {' '.join(m)}" for name, m in error.message_dict.items()]
    return provision, []


def _listed(choices: Any) -> str:
    return ", ".join(choices.values)


def _plan(data: bytes, deal: Deal) -> ProvisionImport:
    rows, errors = _read(data)
    if errors:
        return ProvisionImport(errors=errors)
    known = _Lookups(deal)
    plan = ProvisionImport()
    first_row_of: dict[str, int] = {}
    for number, row in enumerate(rows, start=2):
        provision, reasons = _row_provision(deal, row, known)
        reference = row.get("reference", "")
        if reference and reference in first_row_of:
            reasons.append(
                f"The reference {reference} is on row {first_row_of[reference]} too: each "
                "provision is given once."
            )
        elif reference:
            first_row_of[reference] = number
        plan.errors.extend(RowError(number, reason) for reason in reasons)
        if provision is not None and not reasons:
            plan.provisions.append(provision)
    if plan.errors:
        plan.provisions = []
    return plan


def import_provisions(
    data: bytes, *, deal: Deal, acting_user: User, dry_run: bool = False, is_demo: bool = False
) -> ProvisionImport:
    """Import a deal's provisions from a CSV file (its administrators only), all or nothing.

    The header names the columns, in any order: reference, chapter, title, text, workstream (its
    slug), kind, classification, and optionally lead_organisation (an organisation's name) and
    department (a government department's name or abbreviation). A dry run writes nothing and
    returns what the import would do, or every problem; otherwise a file with any problem is
    refused with ``ImportRejected``, naming every bad row's number and reason."""
    if not policy.can_manage_provisions(acting_user, deal):
        raise PermissionDenied(ADMINISTRATORS_ONLY)
    plan = _plan(data, deal)
    if dry_run:
        return plan
    if not plan.ok:
        raise ImportRejected(plan.errors)
    try:
        with transaction.atomic():
            for provision in plan.provisions:
                provision.is_demo = is_demo
                _save(provision, acting_user)
    except (IntegrityError, ValidationError):
        raise DeliveryError(
            "Someone else added some of these provisions at the same moment: nothing was "
            "imported. Check the list and try again."
        ) from None
    return plan


# --- Delivery reports -------------------------------------------------------------------------

REPORTERS_ONLY = "Only the lead of the provision's workstream or an administrator can report on it."
REPORT_FIELDS = ["state", "confidence", "narrative", "forecast_on", "forecast_reason"]


def report_errors(
    *,
    confidence: str,
    narrative: str,
    forecast_on: dt.date | None,
    forecast_reason: str,
    previous: ProvisionReport | None,
) -> dict[str, str]:
    """The reporting rules, field by field: the form, the API and the service all use these."""
    errors: dict[str, str] = {}
    if not narrative.strip():
        errors["narrative"] = (
            f"Explain why delivery confidence is {Confidence(confidence).label}"
            if confidence in BELOW_GREEN
            else "Enter a narrative of where delivery stands"
        )
    if previous is not None and forecast_on != previous.forecast_on and not forecast_reason.strip():
        before = f"{previous.forecast_on:%-d %B %Y}" if previous.forecast_on else "no date"
        after = f"{forecast_on:%-d %B %Y}" if forecast_on else "no date"
        errors["forecast_reason"] = f"Say why the forecast moved from {before} to {after}"
    return errors


def previous_report(provision: Provision, period: Period) -> ProvisionReport | None:
    """The provision's newest report from before this period: what a forecast is compared with."""
    return (
        ProvisionReport.objects.filter(provision=provision, period_start__lt=period.start)
        .order_by("-period_start")
        .first()
    )


def report_period(provision: Provision, today: dt.date | None = None) -> Period:
    """The reporting period open now for a provision: its deal's, as for status updates."""
    return deal_period(provision.deal, today or timezone.localdate())


def report_submit(
    *,
    provision: Provision,
    acting_user: User,
    state: str,
    confidence: str,
    narrative: str,
    forecast_on: dt.date | None = None,
    forecast_reason: str = "",
    period: Period | None = None,
    based_on_revision: int | None = None,
    is_demo: bool = False,
) -> ProvisionReport:
    """Report on a provision's delivery for a period (the current one unless given), or revise
    the period's report. ``based_on_revision`` is the revision of the period's report the
    person started from (0 when there was none); if someone has changed it since, the report
    is refused. The baseline is the first forecast given, carried from report to report."""
    if not policy.can_report_on_provision(acting_user, provision):
        raise PermissionDenied(REPORTERS_ONLY)
    if state not in DeliveryState.values:
        raise ValidationError({"state": f"Choose one of: {_listed(DeliveryState)}"})
    if confidence not in Confidence.values:
        raise ValidationError({"confidence": f"Choose one of: {_listed(Confidence)}"})
    period = period or report_period(provision)
    with transaction.atomic():
        locked = (
            Provision.objects.select_for_update().select_related("workstream").get(pk=provision.pk)
        )
        if locked.workstream.status != WorkstreamStatus.ACTIVE:
            raise DeliveryError(
                f"{locked.workstream} is {locked.workstream.get_status_display().lower()}: "
                "report on its provisions under the workstream that took them on."
            )
        previous = previous_report(locked, period)
        errors = report_errors(
            confidence=confidence,
            narrative=narrative,
            forecast_on=forecast_on,
            forecast_reason=forecast_reason,
            previous=previous,
        )
        if errors:
            raise ValidationError(errors)
        report = (
            ProvisionReport.objects.select_for_update()
            .filter(provision=locked, period_start=period.start)
            .first()
        )
        held = report.revision if report is not None else 0
        if based_on_revision is not None and held != based_on_revision:
            raise _stale_report(report, based_on_revision)
        if report is None:
            report = ProvisionReport(
                provision=locked,
                period_start=period.start,
                period_end=period.end,
                is_demo=is_demo,
            )
        else:
            report.revision += 1
        baseline = previous.baseline_on if previous is not None else None
        report.baseline_on = baseline or forecast_on
        report.state, report.confidence, report.narrative = state, confidence, narrative
        report.forecast_on, report.forecast_reason = forecast_on, forecast_reason
        report.author = acting_user
        try:
            with transaction.atomic():
                _save(report, acting_user)
        except IntegrityError:
            # Another report for the same period was saved between the read and the write.
            raise _stale_report(None, based_on_revision) from None
        return report


def _stale_report(report: ProvisionReport | None, based_on: int | None) -> StaleEdit:
    changes = []
    if report is not None and based_on:
        base = report.history.filter(revision=based_on).first()
        if base is not None:
            changes = changes_between(base.instance, report, REPORT_FIELDS)
    who = f" by {report.author}" if report is not None and report.author else ""
    return StaleEdit(
        f"This period's report was changed{who} while you were writing yours. Check what "
        "changed, then report again if yours is still right.",
        changes,
    )


REVIEWERS_ONLY = "Only the sponsor of the provision's workstream can sign off its delivery reports."


@dataclass(frozen=True)
class ReportSubmission:
    """One provision's report in a lead's visit: what ``report_submit`` takes."""

    provision: Provision
    state: str
    confidence: str
    narrative: str
    forecast_on: dt.date | None
    forecast_reason: str
    based_on_revision: int | None


class ReportsRefused(DeliveryError):
    """Some reports of a visit were refused, so none was saved: each refusal by provision."""

    def __init__(self, refusals: dict[int, Exception]) -> None:
        self.refusals = refusals
        count = len(refusals)
        super().__init__(
            f"{count} report{'s' if count != 1 else ''} could not be saved, so none was: "
            "correct the report" + ("s" if count != 1 else "") + " marked below."
        )


def reports_submit(
    *, submissions: Iterable[ReportSubmission], acting_user: User, period: Period | None = None
) -> list[ProvisionReport]:
    """A lead's reports on several provisions in one visit, all or none: if any is refused
    (invalid, not theirs, or changed meanwhile by someone else), nothing is saved and
    ``ReportsRefused`` names each refusal by provision."""
    saved: list[ProvisionReport] = []
    refusals: dict[int, Exception] = {}
    with transaction.atomic():
        for submission in submissions:
            try:
                with transaction.atomic():
                    saved.append(
                        report_submit(
                            provision=submission.provision,
                            acting_user=acting_user,
                            state=submission.state,
                            confidence=submission.confidence,
                            narrative=submission.narrative,
                            forecast_on=submission.forecast_on,
                            forecast_reason=submission.forecast_reason,
                            based_on_revision=submission.based_on_revision,
                            period=period,
                        )
                    )
            except (ValidationError, PermissionDenied, DomainError) as error:
                refusals[submission.provision.pk] = error
        if refusals:
            transaction.set_rollback(True)
            raise ReportsRefused(refusals)
    return saved


def report_review(
    *,
    report: ProvisionReport,
    acting_user: User,
    decision: str,
    comment: str = "",
    revision: int | None = None,
    is_demo: bool = False,
) -> ProvisionReportReview:
    """The workstream's sponsor signs off, or comments on, the report's current revision
    (``revision``, when given, is the one they read: a report revised since is refused)."""
    if not policy.can_review_provision_reports(acting_user, report.provision):
        raise PermissionDenied(REVIEWERS_ONLY)
    if decision not in ReviewDecision.values:
        raise ValidationError({"decision": f"Choose one of: {_listed(ReviewDecision)}"})
    if decision == ReviewDecision.COMMENTED and not comment.strip():
        raise ValidationError({"comment": "Enter your comment"})
    with transaction.atomic():
        locked = ProvisionReport.objects.select_for_update().get(pk=report.pk)
        if revision is not None and locked.revision != revision:
            raise DeliveryError(
                f"The report on {report.provision.reference} has been revised since you read "
                "it: read the latest revision, then sign it off."
            )
        if (
            decision == ReviewDecision.SIGNED_OFF
            and locked.reviews.filter(
                decision=ReviewDecision.SIGNED_OFF, revision=locked.revision
            ).exists()
        ):
            raise DeliveryError(
                f"The report on {report.provision.reference} is already signed off."
            )
        review = ProvisionReportReview(
            report=locked,
            revision=locked.revision,
            reviewer=acting_user,
            decision=decision,
            comment=comment,
            is_demo=is_demo,
        )
        review.full_clean()
        review.save()
        return review


def reports_sign_off(
    *, reports: Iterable[tuple[ProvisionReport, int]], acting_user: User, comment: str = ""
) -> list[ProvisionReportReview]:
    """A sponsor signs off several reports at once, each at the revision they read: all or
    none."""
    with transaction.atomic():
        return [
            report_review(
                report=report,
                acting_user=acting_user,
                decision=ReviewDecision.SIGNED_OFF,
                comment=comment,
                revision=revision,
            )
            for report, revision in reports
        ]


def provisions_follow_merge(*, merged: Workstream, survivor: Workstream, acting_user: User) -> int:
    """A merged workstream's provisions move to the workstream it merged into, each with a
    history row saying who moved it."""
    moved = 0
    for provision in Provision.objects.select_for_update().filter(workstream=merged):
        provision.workstream = survivor
        provision.revision += 1
        provision._change_reason = f"{merged} merged into {survivor}"  # type: ignore[attr-defined]
        _save(provision, acting_user)
        moved += 1
    return moved
