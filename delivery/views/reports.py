"""The lead's delivery reports, in the same visit as the workstream's update, and the
sponsor's sign-off of them.

- ``/workstreams/<slug>/provisions/``: the workstream's provisions and where this period's
  reports stand; its sponsor signs them off there.
- ``/workstreams/<slug>/provisions/report/``: the lead reports on every provision at once,
  each form starting from the last report, and saves them all or none.

Who may do what is ``core.policy``'s; the rules of a report are ``delivery.services``'.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import policy
from core.errors import DomainError, StaleEdit
from core.views import query_for_person, show_refusal
from tracker import selectors as tracker_selectors
from tracker.choices import WorkstreamStatus
from tracker.models import Workstream
from tracker.periods import Period, deal_period
from tracker.signals import PageSection, VisitStep

from .. import selectors, services
from ..forms import ProvisionReportForm, SignOffForm
from ..models import Provision, ProvisionReport

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User

    AnyUser = User | AnonymousUser


def _workstream(request: HttpRequest, slug: str) -> Workstream:
    return tracker_selectors.workstream_for_page(request.user, slug, request.GET.get("deal"))


def _period(workstream: Workstream) -> Period:
    return deal_period(workstream.deal, timezone.localdate())


def _reports_url(user: AnyUser, workstream: Workstream) -> str:
    return reverse("provision-reports", args=[workstream.slug]) + query_for_person(
        user, workstream.deal.slug
    )


# --- The lead's reports -------------------------------------------------------------------------


def report_new(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    user = request.user
    provisions = selectors.reportable_provisions(user, workstream.pk)
    if not provisions and not policy.can_write_workstream(user, workstream):
        raise PermissionDenied(services.REPORTERS_ONLY)
    period = _period(workstream)
    current = selectors.reports_in_period(provisions, period.start)
    previous = selectors.reports_before(provisions, period.start)
    is_active = workstream.status == WorkstreamStatus.ACTIVE
    if request.method == "POST" and is_active:
        forms = [ProvisionReportForm(request.POST, provision=p) for p in provisions]
        if all(form.is_valid() for form in forms):
            changed = [f for f in forms if not f.unchanged_from(current.get(f.provision.pk))]
            try:
                saved = services.reports_submit(
                    submissions=[_submission(form) for form in changed],
                    acting_user=policy.signed_in(user),
                    period=period,
                )
            except services.ReportsRefused as refused:
                _show_refusals(request, forms, refused, period)
            else:
                messages.success(request, _saved_message(len(saved), len(forms), period))
                return HttpResponseRedirect(_reports_url(user, workstream))
    else:
        forms = [
            ProvisionReportForm(
                provision=p,
                initial=ProvisionReportForm.starting_from(current.get(p.pk), previous.get(p.pk)),
            )
            for p in provisions
        ]
    rows = [
        {
            "provision": form.provision,
            "form": form,
            "current": current.get(form.provision.pk),
            "previous": previous.get(form.provision.pk),
        }
        for form in forms
    ]
    return render(
        request,
        "delivery/reports/report_form.html",
        {
            "workstream": workstream,
            "period": period,
            "rows": rows,
            "has_errors": any(form.errors for form in forms),
            "is_active": is_active,
            "reports_url": _reports_url(user, workstream),
            "workstream_url": reverse("workstream-detail", args=[workstream.slug])
            + query_for_person(user, workstream.deal.slug),
        },
    )


def _submission(form: ProvisionReportForm) -> services.ReportSubmission:
    data = form.cleaned_data
    return services.ReportSubmission(
        provision=form.provision,
        state=data["state"],
        confidence=data["confidence"],
        narrative=data["narrative"],
        forecast_on=data["forecast_on"],
        forecast_reason=data["forecast_reason"],
        based_on_revision=data["based_on_revision"],
    )


def _show_refusals(
    request: HttpRequest,
    forms: list[ProvisionReportForm],
    refused: services.ReportsRefused,
    period: Period,
) -> None:
    """Each refusal beside its provision's answers. A report someone else changed meanwhile
    now starts from their revision, so that saving again is a choice made after seeing it."""
    newest = selectors.reports_in_period([f.provision for f in forms], period.start)
    for form in forms:
        error = refused.refusals.get(form.provision.pk)
        if error is None:
            continue
        if isinstance(error, StaleEdit):
            data = form.data.copy()  # type: ignore[attr-defined]  # the request's QueryDict
            report = newest.get(form.provision.pk)
            data[form.add_prefix("based_on_revision")] = str(report.revision if report else 0)
            form.data = data
        if isinstance(error, ValidationError | DomainError):
            show_refusal(form, error)
        else:
            form.add_error(None, str(error))


def _saved_message(saved: int, shown: int, period: Period) -> str:
    if saved == 0:
        return f"Nothing had changed: your reports for {period.label} stand as they were"
    unchanged = shown - saved
    words = f"{saved} delivery report{'s' if saved != 1 else ''} saved for {period.label}"
    return words + (f"; {unchanged} unchanged" if unchanged else "")


# --- The workstream's provisions and their sign-off ---------------------------------------------


def workstream_provisions(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    return _render_provisions(request, workstream)


def _render_provisions(
    request: HttpRequest, workstream: Workstream, sign_off_form: SignOffForm | None = None
) -> HttpResponse:
    user = request.user
    provisions = selectors.workstream_provisions(user, workstream.pk)
    period = _period(workstream)
    current = selectors.reports_in_period(provisions, period.start)
    reviews = selectors.reviews_of(user, current.values())
    can_review = any(policy.can_review_provision_reports(user, p) for p in provisions)
    awaiting = _awaiting_sign_off(provisions, current)
    if can_review and sign_off_form is None and awaiting:
        sign_off_form = SignOffForm(reports=awaiting)
    rows = [
        {
            "provision": p,
            "report": current.get(p.pk),
            "reviews": reviews.get(current[p.pk].pk, []) if p.pk in current else [],
        }
        for p in provisions
    ]
    return render(
        request,
        "delivery/reports/workstream_provisions.html",
        {
            "workstream": workstream,
            "period": period,
            "rows": rows,
            "reported": len(current),
            "can_report": workstream.status == WorkstreamStatus.ACTIVE
            and any(policy.can_report_on_provision(user, p) for p in provisions),
            "can_review": can_review,
            "form": sign_off_form if can_review else None,
            "deal_query": query_for_person(user, workstream.deal.slug),
            "workstream_url": reverse("workstream-detail", args=[workstream.slug])
            + query_for_person(user, workstream.deal.slug),
        },
    )


def _awaiting_sign_off(
    provisions: list[Provision], current: dict[int, ProvisionReport]
) -> list[ProvisionReport]:
    """This period's reports not yet signed off, each holding its provision (already read)."""
    by_pk = {p.pk: p for p in provisions}
    awaiting = []
    for report in current.values():
        if not report.signed_off:  # type: ignore[attr-defined]
            report.provision = by_pk[report.provision_id]
            awaiting.append(report)
    return awaiting


@require_POST
def sign_off(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    user = request.user
    provisions = selectors.workstream_provisions(user, workstream.pk)
    if not any(policy.can_review_provision_reports(user, p) for p in provisions):
        raise PermissionDenied(services.REVIEWERS_ONLY)
    period = _period(workstream)
    current = selectors.reports_in_period(provisions, period.start)
    form = SignOffForm(request.POST, reports=_awaiting_sign_off(provisions, current))
    if form.is_valid():
        revisions = {pk: request.POST.get(f"revision-{pk}", "") for pk in form.field_reports}
        try:
            reviews = services.reports_sign_off(
                reports=form.chosen(revisions),
                acting_user=policy.signed_in(user),
                comment=form.cleaned_data["comment"],
            )
        except (services.DeliveryError, PermissionDenied) as error:
            form.add_error(None, str(error))
        else:
            count = len(reviews)
            messages.success(
                request, f"You signed off {count} delivery report{'s' if count != 1 else ''}"
            )
            return HttpResponseRedirect(_reports_url(user, workstream))
    return _render_provisions(request, workstream, sign_off_form=form)


# --- What delivery adds to the tracker's workstream page and update visit ---------------------


def visit_step(*, user: AnyUser, workstream: Workstream, **kwargs: Any) -> VisitStep | None:
    """After the update, the lead reports on the workstream's provisions."""
    provisions = selectors.reportable_provisions(user, workstream.pk)
    if not provisions:
        return None
    count = len(provisions)
    noun = f"{count} provision{'s' if count != 1 else ''}"
    return VisitStep(
        label=f"Report on {noun}",
        url=reverse("provision-report-new", args=[workstream.slug])
        + query_for_person(user, workstream.deal.slug),
        description=f"After your update you will report on the delivery of this workstream's "
        f"{noun}, each starting from its last report.",
    )


def workstream_section(
    *, user: AnyUser, workstream: Workstream, **kwargs: Any
) -> PageSection | None:
    """The workstream page's "Provisions" section, when it delivers any the person may see:
    each with its latest ratings, and what this period still needs."""
    provisions: list[Provision] = selectors.workstream_provisions(user, workstream.pk)
    if not provisions:
        return None
    period = _period(workstream)
    unreported = [
        p
        for p in provisions
        if selectors.report_due(p.latest_state, p.latest_period, period.start)  # type: ignore[attr-defined]
    ]
    return PageSection(
        template="delivery/reports/_workstream_section.html",
        context={
            "provisions": provisions,
            "period": period,
            "unreported": unreported,
            "can_report": workstream.status == WorkstreamStatus.ACTIVE
            and any(policy.can_report_on_provision(user, p) for p in provisions),
            "reports_url": _reports_url(user, workstream),
            "report_url": reverse("provision-report-new", args=[workstream.slug])
            + query_for_person(user, workstream.deal.slug),
        },
    )


urlpatterns: list[URLPattern] = [
    path("workstreams/<slug:slug>/provisions/", workstream_provisions, name="provision-reports"),
    path("workstreams/<slug:slug>/provisions/report/", report_new, name="provision-report-new"),
    path("workstreams/<slug:slug>/provisions/sign-off/", sign_off, name="provision-sign-off"),
]
