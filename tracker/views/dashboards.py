"""The Devolution Strategy Group's portfolio overview and its partner-safe version.

Anyone with a role in the deal sees the overview. A person who may not see OFFICIAL-SENSITIVE
material (a partner) is given the partner-safe version at either address, the very page a DSG
member opens at /dashboard/shared/ to share. Reads come from ``selectors_dashboards``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import URLPattern, path, reverse

from tracker import selectors
from tracker import selectors_dashboards as dashboards
from tracker.choices import Classification, ProposalStage, Rag
from tracker.models import Deal
from tracker.periods import Period

from .proposals import STAGE_TAG_CLASSES

RAG_CHOICES = [(Rag.RED.value, "Red"), (Rag.AMBER.value, "Amber"), (Rag.GREEN.value, "Green")]
RAG_KEYS = [*RAG_CHOICES, (dashboards.NO_RAG, "No update")]
RAG_FILTER_CHOICES = RAG_KEYS
OVERDUE_CHOICES = [("yes", "Overdue"), ("no", "Up to date")]
UNSIGNED_CHOICES = [("yes", "Not signed off"), ("no", "Signed off")]
YES_NO = {"yes": True, "no": False}
# The other dashboard pages, built beside this one.
OTHER_DASHBOARDS = [
    ("/dashboard/pipeline/", "Pipeline", "proposals by where they are in the governance chain"),
    ("/dashboard/coverage/", "Mission coverage", "workstreams and proposals against the missions"),
    ("/dashboard/asks/", "Asks of the DSG", "and escalated risks from the latest updates"),
    ("/exports/", "Exports", "workstreams, proposals, decisions and risks as CSV or Excel"),
]


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    choices: list[tuple[str, str]]
    value: str


@dataclass(frozen=True)
class TrendCell:
    period: Period
    rag: str | None
    update_id: int | None

    @property
    def letter(self) -> str:
        return self.rag[0].upper() if self.rag else "–"

    @property
    def label(self) -> str:
        return Rag(self.rag).label if self.rag else "No update"


@dataclass(frozen=True)
class Line:
    """One workstream's row as the page draws it."""

    row: dashboards.WorkstreamRow
    trend: list[TrendCell]
    stages: list[tuple[str, str, int, str]]  # value, label, count, tag class; non-zero only


def _deal_query(request: HttpRequest) -> str:
    """The ``?deal=`` the page was asked with, kept on its links for people in several deals."""
    slug = request.GET.get("deal")
    if not slug:
        return ""
    query = QueryDict(mutable=True)
    query["deal"] = slug
    return f"?{query.urlencode()}"


def _filters(request: HttpRequest, everything: list[dashboards.ThemeRow]) -> list[Filter]:
    options = [
        ("theme", "Theme", [(t.theme.slug, t.theme.name) for t in everything]),
        ("rag", "Current RAG", RAG_FILTER_CHOICES),
        (
            "sponsor",
            "SLT sponsor",
            [(str(u.pk), str(u)) for u in dashboards.sponsors_in(everything)],
        ),
        ("overdue", "Reporting", OVERDUE_CHOICES),
        ("unsigned", "Sponsor sign-off", UNSIGNED_CHOICES),
    ]
    filters = []
    for name, label, choices in options:
        value = request.GET.get(name, "")
        filters.append(
            Filter(name, label, choices, value if value in {c for c, _ in choices} else "")
        )
    return filters


def _stages(row: dashboards.WorkstreamRow) -> list[tuple[str, str, int, str]]:
    return [
        (stage.value, stage.label, row.proposals_by_stage[stage.value], STAGE_TAG_CLASSES[stage])
        for stage in ProposalStage
        if row.proposals_by_stage.get(stage.value)
    ]


@dataclass(frozen=True)
class Segment:
    """A part of a theme's roll-up bar, in percent of its width."""

    key: str
    label: str
    count: int
    x: float
    width: float


def _bar(counts: dict[str, int]) -> list[Segment]:
    total = sum(counts.values()) or 1
    segments, x = [], 0.0
    for key, label in RAG_KEYS:
        width = 100 * counts.get(key, 0) / total
        segments.append(Segment(key, label, counts.get(key, 0), round(x, 3), round(width, 3)))
        x += width
    return segments


def _line(row: dashboards.WorkstreamRow, periods: list[Period]) -> Line:
    cells = zip(periods, row.rag_trend, row.trend_update_ids, strict=True)
    return Line(
        row=row,
        trend=[TrendCell(p, rag, pk) for p, rag, pk in cells],
        stages=_stages(row),
    )


def _themes(themes: list[dashboards.ThemeRow], periods: list[Period]) -> list[dict[str, Any]]:
    return [
        {
            "theme": t.theme,
            "lines": [_line(row, periods) for row in t.workstreams],
            "bar": _bar(t.rag_counts),
        }
        for t in themes
    ]


def _page(request: HttpRequest, deal: Deal, *, shared: bool) -> HttpResponse:
    everything = dashboards.portfolio_overview(request.user, deal, partner_safe=shared)
    filters = _filters(request, everything)
    chosen = {f.name: f.value for f in filters if f.value}
    themes = dashboards.filter_overview(
        everything,
        theme=chosen.get("theme"),
        rag=chosen.get("rag"),
        sponsor=int(chosen["sponsor"]) if "sponsor" in chosen else None,
        overdue=YES_NO.get(chosen.get("overdue", "")),
        unsigned=YES_NO.get(chosen.get("unsigned", "")),
    )
    totals = dashboards.portfolio_totals(everything)
    periods = dashboards.trend_periods(deal)
    deal_query = _deal_query(request)
    own_url = reverse("dashboard-shared" if shared else "dashboard")
    # The proposals list counts what the reader may see: the shared version's links ask it for
    # OFFICIAL proposals only, so that the numbers there match the numbers here.
    proposal_query = deal_query.replace("?", "&") + ("&classification=official" if shared else "")
    return render(
        request,
        "tracker/dashboards/overview.html",
        {
            "deal": deal,
            "deal_query": deal_query,
            # Links back to this page with a filter: "?deal=...&" or "?".
            "filter_base": f"{own_url}{deal_query}{'&' if deal_query else '?'}",
            "own_url": own_url,
            "shared": shared,
            "marking": (
                Classification.OFFICIAL_SENSITIVE.label
                if totals.includes_sensitive and not shared
                else Classification.OFFICIAL.label
            ),
            "totals": totals,
            "total_stages": [
                (s.value, s.label, totals.proposals_by_stage[s.value], STAGE_TAG_CLASSES[s])
                for s in ProposalStage
                if totals.proposals_by_stage[s.value]
            ],
            "themes": _themes(themes, periods),
            "total_bar": _bar(totals.rag_counts),
            "periods": periods,
            "filters": filters,
            "filtered": bool(chosen),
            "proposal_query": proposal_query,
            "proposals_url": reverse("proposal-list")
            + (f"?{proposal_query[1:]}" if proposal_query else ""),
            "deal_amp": deal_query.replace("?", "&"),
            "last_period": periods[-1],
            "shown": sum(len(t.workstreams) for t in themes),
            "other_dashboards": OTHER_DASHBOARDS,
            "RAG_TREND_PERIODS": dashboards.RAG_TREND_PERIODS,
        },
    )


def _deal(request: HttpRequest) -> Deal | None:
    return selectors.deal_for(request.user, request.GET.get("deal"))


def overview(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    if deal is None:
        return render(request, "tracker/no_deal.html", status=404)
    return _page(request, deal, shared=dashboards.is_partner_safe(request.user, deal))


def overview_shared(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    if deal is None:
        return render(request, "tracker/no_deal.html", status=404)
    return _page(request, deal, shared=True)


urlpatterns: list[URLPattern] = [
    path("dashboard/", overview, name="dashboard"),
    path("dashboard/shared/", overview_shared, name="dashboard-shared"),
]
