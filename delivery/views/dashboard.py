"""The Devolution Strategy Group's delivery dashboard, the list of provisions its numbers link
to, and each provision's own page.

- ``/dashboard/delivery/``: the deal's provisions by delivery state and confidence, across the
  deal and per theme, workstream and government department; the forecasts that slipped past
  their baseline and by how far; the provisions with no report for the period open now; and
  what changed since the DSG last met. Every number links to the provisions it counts.
- ``/provisions/``: the provisions, filtered as those numbers ask (``?state=stalled&theme=...``).
- ``/provisions/<id>/``: one provision, its links and the history of its reports.

Anyone with a role in the deal may open them; what they count and list is what the person may
see (``delivery.dashboard``), so a partner's hold OFFICIAL provisions only. The dashboard is
cached by data version (``tracker.freshness``) as the portfolio overview is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from core import policy
from core.choices import Classification
from core.models import Deal
from core.views import deal_query
from tracker import freshness
from tracker import selectors as tracker_selectors

from .. import dashboard
from ..choices import Confidence, DeliveryState
from ..dashboard import NO_REPORT, Change, Criteria, Line, Since, Tally

PROVISIONS_PER_PAGE = 50
# The most provisions each of the dashboard's lists shows; the rest are a link away.
SHOWN = 25
YES = "yes"
MOVED_CHOICES = [("state", "Their delivery state changed"), ("confidence", "Their confidence")]


def _no_deal(request: HttpRequest) -> HttpResponse:
    return render(request, "tracker/no_deal.html", status=404)


def _marking(sensitive: bool) -> str:
    return str((Classification.OFFICIAL_SENSITIVE if sensitive else Classification.OFFICIAL).label)


# --- Links to the list ---------------------------------------------------------------------------


class ListLinks:
    """Addresses of the provisions list filtered to a group of provisions, keeping the page's
    ``?deal=``."""

    def __init__(self, request: HttpRequest) -> None:
        self.base = reverse("provision-list")
        self.deal = request.GET.get("deal", "")

    def url(self, criteria: Criteria | None = None, **more: str) -> str:
        criteria = criteria or Criteria()
        query = QueryDict(mutable=True)
        if self.deal:
            query["deal"] = self.deal
        for name in ("theme", "workstream", "department", "state", "confidence"):
            if value := getattr(criteria, name):
                query[name] = value
        if criteria.slipped:
            query["slipped"] = YES
        if criteria.unreported:
            query["unreported"] = YES
        for name, value in more.items():
            query[name] = value
        return f"{self.base}?{query.urlencode()}" if query else self.base


@dataclass(frozen=True)
class Cell:
    """A count and the address of the provisions it counts; ``what`` finishes the link's
    words for screen readers ("provisions of Transport in progress")."""

    count: int
    url: str
    what: str


STATE_COLUMNS = [*DeliveryState.choices, (NO_REPORT, "No report yet")]
CONFIDENCE_COLUMNS = list(Confidence.choices)


def _cells(tally: Tally, links: ListLinks) -> dict[str, Any]:
    """A group's row of counts, each linked to the list of what it counts."""
    of = f"of {tally.label}" if tally.criteria != Criteria() else "of the deal"

    def cell(count: int, what: str, **extra: Any) -> Cell:
        criteria = Criteria(**{**_fields(tally.criteria), **extra})
        return Cell(count, links.url(criteria), f" provisions {of} {what}")

    return {
        "tally": tally,
        "total": cell(tally.total, ""),
        "states": [
            # The tag's value: a state, or none for "No report yet".
            (
                value if value != NO_REPORT else "",
                cell(tally.states[value], label.lower(), state=value),
            )
            for value, label in STATE_COLUMNS
        ],
        "confidences": [
            (value, cell(tally.confidences[value], f"rated {label}", confidence=value))
            for value, label in CONFIDENCE_COLUMNS
        ],
        "slipped": cell(tally.slipped, "whose forecast slipped", slipped=True),
        "unreported": cell(tally.unreported, "with no report this period", unreported=True),
    }


def _fields(criteria: Criteria) -> dict[str, Any]:
    return {name: getattr(criteria, name) for name in Criteria.__dataclass_fields__}


# --- The dashboard -------------------------------------------------------------------------------


def _dashboard(request: HttpRequest, deal: Deal, since: Since) -> dashboard.DeliveryDashboard:
    """The dashboard's figures, from the cache while the data has not changed since they were
    built. They depend on the deal, on whether the person may see OFFICIAL-SENSITIVE material
    (everyone who may sees the same figures), on the day (the period open) and on the moment
    the changes count from."""
    today = timezone.localdate()
    sensitive = policy.can_see_sensitive(request.user, deal)
    parts = ["delivery-dashboard", str(deal.pk), str(int(sensitive)), today.isoformat(), since.key]
    return freshness.cached(
        parts,
        lambda: dashboard.delivery_dashboard(request.user, deal, since=since, today=today),
        deal=deal,
    )


def delivery_dashboard(request: HttpRequest) -> HttpResponse:
    deal = tracker_selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    since = dashboard.since_last_meeting(request.user, deal)
    found = _dashboard(request, deal, since)
    links = ListLinks(request)
    return render(
        request,
        "delivery/dashboard/dashboard.html",
        {
            "deal": deal,
            "deal_query": deal_query(request),
            "here": "delivery",
            "dash": found,
            "marking": _marking(found.includes_sensitive),
            "total": _cells(found.total, links),
            "groups": [
                ("themes", "By theme", "Theme", [_cells(t, links) for t in found.themes]),
                (
                    "workstreams",
                    "By workstream",
                    "Workstream",
                    [_cells(t, links) for t in found.workstreams],
                ),
                (
                    "departments",
                    "By government department",
                    "Department",
                    [_cells(t, links) for t in found.departments],
                ),
            ],
            "state_columns": STATE_COLUMNS,
            "confidence_columns": CONFIDENCE_COLUMNS,
            "slipped_url": links.url(Criteria(slipped=True)),
            "unreported_url": links.url(Criteria(unreported=True)),
            "changes_url": links.url(since=since.key),
            "state_changes_url": links.url(since=since.key, moved="state"),
            "confidence_changes_url": links.url(since=since.key, moved="confidence"),
            "shown": SHOWN,
        },
    )


# --- The list of provisions ----------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: list[tuple[str, str]]
    value: str


def _choices(lines: list[Line]) -> dict[str, list[tuple[str, str]]]:
    """The themes, workstreams and departments of the provisions the person may see."""
    themes: dict[str, str] = {}
    workstreams: dict[str, str] = {}
    departments: dict[str, str] = {}
    for line in lines:
        ws = line.provision.workstream
        themes.setdefault(ws.theme.slug, ws.theme.name)
        workstreams.setdefault(ws.slug, ws.name)
        department = line.provision.department
        if department is not None:
            departments.setdefault(str(department.pk), department.name)
    return {
        "theme": list(themes.items()),
        "workstream": list(workstreams.items()),
        "department": [
            *sorted(departments.items(), key=lambda d: d[1].lower()),
            (dashboard.NO_DEPARTMENT, "No government department"),
        ],
    }


def _filters(request: HttpRequest, lines: list[Line]) -> list[Filter]:
    found = _choices(lines)
    options = [
        ("state", "Delivery state", STATE_COLUMNS),
        ("confidence", "Delivery confidence", [*CONFIDENCE_COLUMNS, (NO_REPORT, "Not rated")]),
        ("theme", "Theme", found["theme"]),
        ("workstream", "Workstream", found["workstream"]),
        ("department", "Government department", found["department"]),
    ]
    filters = []
    for name, label, choices in options:
        value = request.GET.get(name, "")
        filters.append(
            Filter(name, label, choices, value if value in {c for c, _ in choices} else "")
        )
    return filters


def _since(request: HttpRequest) -> dt.datetime | None:
    """The ``since`` filter: a local date and time (or a day), else None."""
    raw = request.GET.get("since", "").strip()
    try:
        moment = dt.datetime.fromisoformat(raw) if raw else None
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def provision_list(request: HttpRequest) -> HttpResponse:
    deal = tracker_selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    period = dashboard.current_period(deal)
    visible = dashboard.visible_provisions(request.user, deal)
    every = dashboard.lines(visible, period)
    filters = _filters(request, every)
    chosen = {f.name: f.value for f in filters if f.value}
    criteria = Criteria(
        **chosen,
        slipped=request.GET.get("slipped") == YES,
        unreported=request.GET.get("unreported") == YES,
    )
    since = _since(request)
    moved = request.GET.get("moved", "") if since else ""
    before: dict[int, Change] = {}
    if since is not None:
        before = {c.line.provision.pk: c for c in dashboard.changes(visible, since, period)}
        if moved == "state":
            before = {pk: c for pk, c in before.items() if c.state_changed}
        elif moved == "confidence":
            before = {pk: c for pk, c in before.items() if c.confidence_changed}
        else:
            moved = ""
        every = [line for line in every if line.provision.pk in before]
    shown = dashboard.select(every, criteria)
    if criteria.slipped:
        shown = dashboard.slipped_first(shown)
    page = Paginator(shown, PROVISIONS_PER_PAGE).get_page(request.GET.get("page"))
    kept = QueryDict(mutable=True)
    for name in ["deal", *chosen]:
        if request.GET.get(name):
            kept[name] = request.GET[name]
    for name, on in (("slipped", criteria.slipped), ("unreported", criteria.unreported)):
        if on:
            kept[name] = YES
    if since is not None:
        kept["since"] = request.GET["since"]
        if moved:
            kept["moved"] = moved
    return render(
        request,
        "delivery/dashboard/provision_list.html",
        {
            "deal": deal,
            "deal_query": deal_query(request),
            "period": period,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number, on_ends=1),
            "rows": [(line, before.get(line.provision.pk)) for line in page],
            "filters": filters,
            "criteria": criteria,
            "since": since,
            "moved": moved,
            "page_query": f"&{kept.urlencode()}" if kept else "",
            "filtered": any(name != "deal" for name in kept),
            "marking": _marking(any(line.sensitive for line in shown)),
        },
    )


# --- One provision -------------------------------------------------------------------------------


def provision_detail(request: HttpRequest, pk: int) -> HttpResponse:
    provision = dashboard.provision_for_page(request.user, pk)
    asked = request.GET.get("deal")
    if asked:
        # A provision of another of the person's deals is not found under this one.
        deal = tracker_selectors.deal_for(request.user, asked)
        if deal is None or deal.pk != provision.deal_id:
            return _no_deal(request)
    reports = dashboard.provision_reports(provision)
    period = dashboard.current_period(provision.deal)
    latest = reports[0] if reports else None
    line = Line(
        provision=provision,
        state=latest.state if latest else None,
        confidence=latest.confidence if latest else None,
        baseline_on=latest.baseline_on if latest else None,
        forecast_on=latest.forecast_on if latest else None,
        period_start=latest.period_start if latest else None,
        current_start=period.start,
    )
    return render(
        request,
        "delivery/dashboard/provision_detail.html",
        {
            "deal": provision.deal,
            "deal_query": deal_query(request),
            "provision": provision,
            "line": line,
            "period": period,
            "reports": reports,
            "proposals": dashboard.provision_proposals(request.user, provision),
            "marking": _marking(provision.classification == Classification.OFFICIAL_SENSITIVE),
            "dashboard_url": reverse("dashboard-delivery") + deal_query(request),
        },
    )


urlpatterns: list[URLPattern] = [
    path("dashboard/delivery/", delivery_dashboard, name="dashboard-delivery"),
    path("provisions/", provision_list, name="provision-list"),
    path("provisions/<int:pk>/", provision_detail, name="provision-detail"),
]
