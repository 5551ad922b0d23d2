"""Pages for risks, the engagement plan, merging or ceasing workstreams, and the searchable list
of workstreams.

Views are thin: reads come from ``selectors.reporting``, writes go through ``services``, and who may
do what is asked of ``core.policy``. A record the person may not see is a 404; a page they
may see but a change they may not make is a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from core import policy
from core.errors import DomainError
from core.views import deal_query, posted, refusals, show_refusal
from tracker import selectors, services
from tracker.choices import RiskStatus, WorkstreamStatus
from tracker.forms import records as forms
from tracker.models import EngagementEntry, Risk, Workstream

# --- Helpers shared by the pages --------------------------------------------------------------


def _workstream(request: HttpRequest, slug: str) -> Workstream:
    return selectors.workstream_for_page(request.user, slug, request.GET.get("deal"))


def _require_writer(request: HttpRequest, workstream: Workstream) -> None:
    if not policy.can_write_workstream(request.user, workstream):
        raise PermissionDenied("Only the workstream's lead or an administrator can change this.")


def _require_admin(request: HttpRequest, workstream: Workstream) -> None:
    if not policy.is_admin(request.user, workstream.deal_id):
        raise PermissionDenied("Only an administrator can merge or cease workstreams.")


def _to(request: HttpRequest, name: str, *args: Any) -> HttpResponse:
    return redirect(reverse(name, args=args) + deal_query(request))


def _page(request: HttpRequest, template: str, workstream: Workstream, **context: Any) -> Any:
    return render(
        request,
        f"tracker/records/{template}",
        {
            "workstream": workstream,
            "deal": workstream.deal,
            "deal_query": deal_query(request),
            "can_write": policy.can_write_workstream(request.user, workstream),
            "is_active": workstream.status == WorkstreamStatus.ACTIVE,
            "bands": selectors.reporting.RiskBands(),
            **context,
        },
    )


# --- Risks and issues -------------------------------------------------------------------------


def risk_list(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    status = request.GET.get("status", "all")
    if status not in selectors.reporting.RISK_STATUS_FILTERS:
        status = "all"
    return _page(
        request,
        "risk_list.html",
        workstream,
        risks=selectors.reporting.risk_log(request.user, workstream, status),
        counts=selectors.reporting.risk_counts(request.user, workstream),
        status=status,
        status_choices=[("all", "Open and closed"), *RiskStatus.choices],
    )


def risk_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workstream = _workstream(request, slug)
    risk = selectors.reporting.risk_detail(request.user, workstream, pk)
    return _page(
        request,
        "risk_detail.html",
        workstream,
        risk=risk,
        likelihood_label=forms.LIKELIHOOD_LABELS.get(risk.likelihood, ""),
        impact_label=forms.IMPACT_LABELS.get(risk.impact, ""),
        history=selectors.history.history_of(risk, request.user),
    )


def risk_create(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    _require_writer(request, workstream)
    form = forms.RiskForm(posted(request), people=selectors.reporting.deal_people(workstream.deal))
    if form.is_bound and form.is_valid():
        with refusals(form):
            risk = services.risk_create(
                workstream=workstream, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"Risk “{risk.title}” added to the log")
            return _to(request, "risk-detail", workstream.slug, risk.pk)
    return _page(request, "risk_form.html", workstream, form=form, risk=None)


def _risk_initial(risk: Risk) -> dict[str, Any]:
    return {
        **{name: getattr(risk, name) for name in services.RISK_FIELDS},
        "owner": risk.owner_id,
        "revision": risk.revision,
    }


def risk_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workstream = _workstream(request, slug)
    risk = selectors.reporting.risk_detail(request.user, workstream, pk)
    _require_writer(request, workstream)
    people = selectors.reporting.deal_people(workstream.deal, also=risk.owner_id)
    stale: services.StaleEdit | None = None
    if request.method != "POST":
        form = forms.RiskEditForm(initial=_risk_initial(risk), people=people)
    else:
        form = forms.RiskEditForm(request.POST, people=people)
        if form.is_valid():
            try:
                risk = services.risk_update(
                    risk=risk,
                    acting_user=policy.signed_in(request.user),
                    expected_revision=form.cleaned_data["revision"],
                    **form.values(),
                )
            except services.StaleEdit as error:
                stale = error
                risk = selectors.reporting.risk_detail(request.user, workstream, pk)
                form = forms.RiskEditForm.restarted(request.POST, risk.revision, people=people)
                form.add_error(None, str(error))
            except (ValidationError, DomainError) as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Risk “{risk.title}” saved")
                return _to(request, "risk-detail", workstream.slug, risk.pk)
    return _page(request, "risk_form.html", workstream, form=form, risk=risk, stale=stale)


# --- The stakeholder engagement plan ----------------------------------------------------------


def engagement_plan(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    return _page(
        request,
        "engagement_plan.html",
        workstream,
        plan=selectors.reporting.engagement_plan(request.user, workstream),
    )


def engagement_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workstream = _workstream(request, slug)
    entry = selectors.reporting.engagement_detail(request.user, workstream, pk)
    return _page(
        request,
        "engagement_detail.html",
        workstream,
        entry=entry,
        history=selectors.history.history_of(entry, request.user),
    )


def engagement_create(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    _require_writer(request, workstream)
    channels = selectors.reporting.engagement_channels(workstream.deal)
    form = forms.EngagementForm(posted(request), channels=channels)
    if form.is_bound and form.is_valid():
        with refusals(form):
            entry = services.engagement_entry_create(
                workstream=workstream, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"{entry.organisation} added to the engagement plan")
            return _to(request, "engagement-detail", workstream.slug, entry.pk)
    return _page(request, "engagement_form.html", workstream, form=form, entry=None)


def _entry_initial(entry: EngagementEntry) -> dict[str, Any]:
    return {
        **{name: getattr(entry, name) for name in services.ENGAGEMENT_FIELDS},
        "organisation": entry.organisation_id,
        "channel": entry.channel_id,
        "revision": entry.revision,
    }


def engagement_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workstream = _workstream(request, slug)
    entry = selectors.reporting.engagement_detail(request.user, workstream, pk)
    _require_writer(request, workstream)
    channels = selectors.reporting.engagement_channels(workstream.deal)
    stale: services.StaleEdit | None = None
    if request.method != "POST":
        form = forms.EngagementEditForm(initial=_entry_initial(entry), channels=channels)
    else:
        form = forms.EngagementEditForm(request.POST, channels=channels)
        if form.is_valid():
            try:
                entry = services.engagement_entry_update(
                    entry=entry,
                    acting_user=policy.signed_in(request.user),
                    expected_revision=form.cleaned_data["revision"],
                    **form.values(),
                )
            except services.StaleEdit as error:
                stale = error
                entry = selectors.reporting.engagement_detail(request.user, workstream, pk)
                form = forms.EngagementEditForm.restarted(
                    request.POST, entry.revision, channels=channels
                )
                form.add_error(None, str(error))
            except (ValidationError, DomainError) as error:
                show_refusal(form, error)
            else:
                messages.success(request, f"Engagement with {entry.organisation} saved")
                return _to(request, "engagement-detail", workstream.slug, entry.pk)
    return _page(request, "engagement_form.html", workstream, form=form, entry=entry, stale=stale)


# --- Merging and ceasing ----------------------------------------------------------------------


def workstream_merge(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    _require_admin(request, workstream)
    form = forms.MergeForm(posted(request), targets=selectors.reporting.merge_targets(workstream))
    moves = selectors.reporting.what_moves_on_merge(request.user, workstream)
    if form.is_bound and form.is_valid():
        into = form.cleaned_data["into"]
        if not form.cleaned_data["confirmed"]:
            return _page(request, "merge_confirm.html", workstream, into=into, moves=moves)
        with refusals(form, "into"):
            services.workstream_merge(
                workstream=workstream, into=into, acting_user=policy.signed_in(request.user)
            )
        if not form.errors:
            messages.success(request, f"{workstream} merged into {into}")
            return _to(request, "workstream-detail", workstream.slug)
    return _page(request, "merge_form.html", workstream, form=form, moves=moves)


def workstream_cease(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = _workstream(request, slug)
    _require_admin(request, workstream)
    form = forms.CeaseForm(posted(request))
    if form.is_bound and form.is_valid():
        with refusals(form, "reason"):
            services.workstream_cease(
                workstream=workstream,
                acting_user=policy.signed_in(request.user),
                reason=form.cleaned_data["reason"],
                ceased_on=form.cleaned_data["ceased_on"],
            )
        if not form.errors:
            messages.success(request, f"{workstream} marked as ceased")
            return _to(request, "workstream-detail", workstream.slug)
    return _page(request, "cease_form.html", workstream, form=form)


# --- The searchable list of workstreams -------------------------------------------------------

WORKSTREAM_STATUS_CHOICES = [
    ("", "Active, or any status when searching"),
    ("active", "Active only"),
    ("merged", "Merged"),
    ("ceased", "Ceased"),
    ("all", "Any status"),
]
SEARCH_MAX_LENGTH = 200


def workstream_list(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return render(request, "tracker/no_deal.html", status=404)
    query = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    status = request.GET.get("status", "")
    if status not in selectors.reporting.WORKSTREAM_STATUS_FILTERS:
        status = ""
    workstreams = list(selectors.reporting.workstream_search(request.user, deal, query, status))
    for workstream in workstreams:
        workstream.leads, workstream.sponsor = selectors.reporting.people_in(workstream)  # type: ignore[attr-defined]
    return render(
        request,
        "tracker/records/workstream_list.html",
        {
            "deal": deal,
            "deal_query": deal_query(request),
            "workstreams": workstreams,
            "query": query,
            "status": status,
            "status_choices": WORKSTREAM_STATUS_CHOICES,
            "WorkstreamStatus": WorkstreamStatus,
            "search_max_length": SEARCH_MAX_LENGTH,
        },
    )


# --- Routes and the workstream page's section -------------------------------------------------

_WS = "workstreams/<slug:slug>"
urlpatterns: list[URLPattern] = [
    path("workstreams/", workstream_list, name="workstream-list"),
    path(f"{_WS}/risks/", risk_list, name="risk-list"),
    path(f"{_WS}/risks/new/", risk_create, name="risk-create"),
    path(f"{_WS}/risks/<int:pk>/", risk_detail, name="risk-detail"),
    path(f"{_WS}/risks/<int:pk>/edit/", risk_edit, name="risk-edit"),
    path(f"{_WS}/engagement/", engagement_plan, name="engagement-plan"),
    path(f"{_WS}/engagement/new/", engagement_create, name="engagement-create"),
    path(f"{_WS}/engagement/<int:pk>/", engagement_detail, name="engagement-detail"),
    path(f"{_WS}/engagement/<int:pk>/edit/", engagement_edit, name="engagement-edit"),
    path(f"{_WS}/merge/", workstream_merge, name="workstream-merge"),
    path(f"{_WS}/cease/", workstream_cease, name="workstream-cease"),
]


def workstream_context(request: HttpRequest, workstream: Workstream) -> dict[str, Any]:
    """What this module adds to the workstream page (its template is
    tracker/records/_workstream_section.html)."""
    return {
        "records": {
            "risks": selectors.reporting.risk_summary(request.user, workstream),
            "plan": selectors.reporting.engagement_plan(request.user, workstream),
            "can_write": policy.can_write_workstream(request.user, workstream),
            "is_admin": policy.is_admin(request.user, workstream.deal_id),
            "is_active": workstream.status == WorkstreamStatus.ACTIVE,
            "deal_query": deal_query(request),
        }
    }
