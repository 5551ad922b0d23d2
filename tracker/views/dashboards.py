"""The Devolution Strategy Group's portfolio overview and its partner-safe version.

Anyone with a role in the deal sees the overview. A person who may not see OFFICIAL-SENSITIVE
material (a partner) is given the partner-safe version at either address, the very page a DSG
member opens at /dashboard/shared/ to share. Reads come from ``selectors.dashboards``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime

from core.choices import Classification
from core.models import Deal
from core.views import deal_query, render_around
from tracker import freshness, selectors
from tracker.choices import ProposalStage, Rag
from tracker.models import Theme, Workstream
from tracker.periods import Period
from tracker.selectors import dashboards
from tracker.templatetags.tracker_tags import rag_tag

from .proposals import STAGE_TAG_CLASSES

if TYPE_CHECKING:
    from tracker.selectors.base import AnyUser

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
    ("/dashboard/delivery/", "Delivery", "of the provisions, by state and confidence"),
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


@dataclass(frozen=True)
class Shown:
    """A workstream's row on the page: its figures and its rendered <tr>."""

    row: dashboards.WorkstreamRow
    html: str


class RowRenderer:
    """Renders a workstream's row of the overview in Python.

    At ten times a realistic deal the table has over 200 rows of about 20 links each; rendered
    by the template language they took most of the page's time. The markup is the same: GOV.UK
    table cells, every figure a link to the records behind it, hidden text for screen readers.
    Addresses are reversed once per page, with the workstream's slug put in afterwards; the only
    text that comes from people (names) is escaped, everything else is built from known values.
    """

    SLUG, PK = "__slug__", "999999999"

    def __init__(self, periods: list[Period], deal_query: str, proposal_query: str) -> None:
        self.q = escape(deal_query)
        self.amp = escape(deal_query.replace("?", "&"))
        self.proposal_query = escape(proposal_query)
        self.period_labels = [date_format(p.start, "j F Y") for p in periods]
        self.trend_label = f"over the last {dashboards.RAG_TREND_PERIODS} periods, oldest first"
        self.ws_url = reverse("workstream-detail", args=[self.SLUG])
        self.update_url = reverse("update-detail", args=[self.SLUG, int(self.PK)])
        self.updates_url = reverse("update-list", args=[self.SLUG])
        self.risks_url = reverse("risk-list", args=[self.SLUG])
        self.proposals_url = reverse("proposal-list")
        self.tags = {rag: str(rag_tag(rag)) for rag in [None, *Rag.values]}

    def _update(self, slug: str, pk: int) -> str:
        return self.update_url.replace(self.SLUG, slug).replace(self.PK, str(pk)) + self.q

    def _current_url(self, row: dashboards.WorkstreamRow, slug: str) -> str:
        return self._update(slug, row.current_update_id or 0)

    def render(self, line: Line) -> str:
        row = line.row
        slug = escape(row.workstream.slug)
        name = escape(row.workstream.name)
        ws_url = self.ws_url.replace(self.SLUG, slug) + self.q
        sponsor = escape(row.sponsor) if row.sponsor else "not assigned"
        return mark_safe(  # noqa: S308 - every value from people is escaped above
            '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
            f'<a class="govuk-link" href="{ws_url}">{name}</a> '
            f'<span class="govuk-body-s app-dashboard-sponsor">Sponsor: {sponsor}</span></th>'
            f"{self._current(row, slug, name)}{self._trend(line, slug, name)}"
            f"{self._last_update(row, slug, name)}{self._reporting(row, slug, name, ws_url)}"
            f"{self._risks(row, slug, name)}{self._stages(line, slug, name)}</tr>"
        )

    def _current(self, row: dashboards.WorkstreamRow, slug: str, name: str) -> str:
        tag = self.tags[row.current_rag]
        if row.current_update_id:
            tag = (
                f'<a class="govuk-link app-tag-link" href="{self._current_url(row, slug)}">{tag}'
                f'<span class="govuk-visually-hidden">: the current update of {name}</span></a>'
            )
        return f'<td class="govuk-table__cell app-nowrap-tags">{tag}</td>'

    def _trend(self, line: Line, slug: str, name: str) -> str:
        items = []
        for cell, when in zip(line.trend, self.period_labels, strict=True):
            inner = (
                f'<span aria-hidden="true">{cell.letter}</span><span class="govuk-visually-hidden">'
                f"Period starting {when}: {cell.label}</span>"
            )
            if cell.update_id:
                href = self._update(slug, cell.update_id)
                item = (
                    f'<a class="app-rag-strip__cell app-rag-strip__cell--{cell.rag}" href="{href}">'
                    f"{inner}</a>"
                )
            else:
                item = f'<span class="app-rag-strip__cell app-rag-strip__cell--none">{inner}</span>'
            items.append(f'<li class="app-rag-strip__item">{item}</li>')
        return (
            f'<td class="govuk-table__cell"><ol class="app-rag-strip" aria-label="RAG of {name} '
            f'{self.trend_label}">{"".join(items)}</ol></td>'
        )

    def _last_update(self, row: dashboards.WorkstreamRow, slug: str, name: str) -> str:
        if not row.last_update_at:
            return '<td class="govuk-table__cell">None yet</td>'
        href = self.updates_url.replace(self.SLUG, slug) + self.q
        when = date_format(localtime(row.last_update_at), "j M Y")
        return (
            f'<td class="govuk-table__cell"><a class="govuk-link" href="{href}">{when}<span '
            f'class="govuk-visually-hidden">: updates of {name}</span></a></td>'
        )

    def _reporting(self, row: dashboards.WorkstreamRow, slug: str, name: str, ws_url: str) -> str:
        parts = []
        if row.overdue:
            parts.append(
                f'<a class="govuk-link app-tag-link" href="{ws_url}#reporting"><strong '
                'class="govuk-tag govuk-tag--red">Overdue</strong><span '
                f'class="govuk-visually-hidden">: reporting of {name}</span></a>'
            )
        if row.unsigned:
            parts.append(
                f'<a class="govuk-link app-tag-link" href="{self._current_url(row, slug)}"><strong'
                ' class="govuk-tag govuk-tag--yellow">Not signed off</strong><span '
                f'class="govuk-visually-hidden">: the current update of {name}</span></a>'
            )
        if not parts:
            parts.append("Up to date, signed off" if row.current_update_id else "Up to date")
        return f'<td class="govuk-table__cell app-nowrap-tags">{" ".join(parts)}</td>'

    def _risks(self, row: dashboards.WorkstreamRow, slug: str, name: str) -> str:
        if not row.open_risks:
            return '<td class="govuk-table__cell">None open</td>'
        red = row.open_risks_by_rag.get("red")
        href = self.risks_url.replace(self.SLUG, slug)
        return (
            f'<td class="govuk-table__cell"><a class="govuk-link" href="{href}?status=open'
            f'{self.amp}">{row.open_risks} open<span class="govuk-visually-hidden"> risks and '
            f'issues of {name}</span></a> <span class="govuk-body-s app-dashboard-detail">top '
            f"score {row.top_risk_score}{f', {red} red' if red else ''}</span></td>"
        )

    def _stages(self, line: Line, slug: str, name: str) -> str:
        if not line.stages:
            return '<td class="govuk-table__cell">None</td>'
        items = "".join(
            f'<li><a class="govuk-link" href="{self.proposals_url}?workstream={slug}&amp;stage='
            f'{value}{self.proposal_query}">{count} {escape(label.lower())}<span '
            f'class="govuk-visually-hidden">: proposals of {name}</span></a></li>'
            for value, label, count, _tag in line.stages
        )
        return (
            '<td class="govuk-table__cell"><ul class="govuk-list app-dashboard-stages">'
            f"{items}</ul></td>"
        )


def _filters(asked: Mapping[str, str], everything: list[dashboards.ThemeRow]) -> list[Filter]:
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
        value = asked.get(name, "")
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
    return Line(row=row, trend=[TrendCell(p, rag, pk) for p, rag, pk in cells], stages=_stages(row))


def _themes(themes: list[dashboards.ThemeRow], html: dict[int, str]) -> list[dict[str, Any]]:
    return [
        {
            "theme": t.theme,
            "lines": [Shown(row, html[row.workstream.pk]) for row in t.workstreams],
            "rows_html": mark_safe(  # noqa: S308 - rendered by RowRenderer, which escapes
                "".join(html[row.workstream.pk] for row in t.workstreams)
            ),
            "bar": _bar(t.rag_counts),
        }
        for t in themes
    ]


# What the overview is built from, for its cache (``tracker.freshness``): the kinds of record
# every row reads (the deal, its themes and workstreams, who sponsors them, and people's
# names), and those of one workstream only, which rebuild that workstream's row alone.
OVERVIEW_STRUCTURE = (
    "core.Deal",
    "core.Membership",
    "accounts.User",
    "tracker.Theme",
    "tracker.Workstream",
)
OVERVIEW_ROWS = ("tracker.StatusUpdate", "tracker.UpdateReview", "tracker.Risk", "tracker.Proposal")


def _overview(
    user: AnyUser, deal: Deal, shared: bool, periods: list[Period], queries: tuple[str, str]
) -> tuple[list[dashboards.ThemeRow], dict[int, str]]:
    """The whole overview and each workstream's rendered row, from the cache when the data has
    not changed since it was built (``tracker.freshness``).

    What the overview holds depends only on the deal, on whether OFFICIAL-SENSITIVE material
    counts (``shared``: the view passes True for everyone who may not see it) and on the day;
    the rows' links also carry the page's ``?deal=``. After a change the overview is built
    again from its rows, each cached under its own workstream's version: only the rows of the
    workstreams whose records changed are read and rendered afresh.
    """

    def build() -> tuple[list[dashboards.ThemeRow], dict[int, str]]:
        themes, workstreams, found = _rows(user, deal, shared, periods, queries)
        everything = dashboards.overview_of(
            themes, workstreams, {i: row for i, (row, _) in found.items()}
        )
        return everything, {i: html for i, (_, html) in found.items()}

    parts = _parts(deal, shared, queries)
    # Kept in this process only: built again from its cached rows, it is quicker than pickled.
    return freshness.cached(
        ["dashboard", *parts], build, deal=deal, reads=OVERVIEW_READS, share=False
    )


Row = tuple[dashboards.WorkstreamRow, str]


def _parts(
    deal: Deal, shared: bool, queries: tuple[str, str], today: dt.date | None = None
) -> list[str]:
    """What the overview and its rows depend on beyond the data: the deal, whether sensitive
    material counts, the day and the links' queries."""
    day = today or timezone.localdate()
    return [str(deal.pk), str(int(shared)), day.isoformat(), *queries]


def _rows(
    user: AnyUser,
    deal: Deal,
    shared: bool,
    periods: list[Period],
    queries: tuple[str, str],
) -> tuple[list[Theme], list[Workstream], dict[int, Row]]:
    """The themes, the workstreams, and the rows of the workstreams with their HTML, each from
    the cache under its own workstream's version."""
    today = timezone.localdate()
    parts = _parts(deal, shared, queries, today)

    def structure() -> tuple[list[Theme], list[Workstream], str]:
        """The themes and workstreams, and the versions they were read at, which every row's
        key holds: a change every row shows (a theme's name, a sponsor) rebuilds them all."""
        signature = ".".join(str(n) for n in freshness.versions(deal, OVERVIEW_STRUCTURE))
        themes = dashboards.themes_of(deal)
        return themes, dashboards.active_workstreams(user, deal), signature

    themes, workstreams, signature = freshness.cached(
        ["dashboard-structure", str(deal.pk)], structure, deal=deal, reads=OVERVIEW_STRUCTURE
    )
    by_id = {w.pk: w for w in workstreams}
    current = freshness.workstream_versions(deal)
    keys = {
        w.pk: ":".join(["dashboard-row", str(w.pk), f"w{current.get(w.pk, 0)}", signature, *parts])
        for w in workstreams
    }

    def build(ids: list[int]) -> dict[int, Row]:
        built = dashboards.workstream_rows(
            user, deal, [by_id[i] for i in ids], partner_safe=shared, today=today
        )
        renderer = RowRenderer(periods, *queries)
        return {i: (row, renderer.render(_line(row, periods))) for i, row in built.items()}

    return themes, workstreams, freshness.cached_many(keys, build)


OVERVIEW_READS = (*OVERVIEW_STRUCTURE, *OVERVIEW_ROWS)


@freshness.refresher("dashboard", OVERVIEW_READS)
def _refresh(deal_id: int, way: dict[str, Any], change: freshness.Change) -> None:
    """After a change, build again an overview in use, as the person who last asked for it
    this way would see it: the rows the change touched (all of them after a change every row
    shows) and the unfiltered page's content, so that the next view, in whichever process,
    finds it in the cache. Not for a person who may no longer see the deal, nor see it this
    way."""
    found = dashboards.reader(deal_id, way["reader"])
    if found is None:
        return
    user, deal = found
    shared = bool(way["shared"])
    if not shared and dashboards.is_partner_safe(user, deal):
        return
    _body(user, deal, shared, (way["query"], way["proposals"]))


# The overview's filters, by the names they take in the address.
FILTER_NAMES = ("theme", "rag", "sponsor", "overdue", "unsigned")


def _content(
    user: AnyUser,
    deal: Deal,
    shared: bool,
    queries: tuple[str, str],
    asked: Mapping[str, str],
) -> dict[str, Any]:
    """What the overview's content is rendered from: the whole overview, filtered as ``asked``
    (the page's query string) says."""
    query, proposal_query = queries
    periods = dashboards.trend_periods(deal)
    everything, html = _overview(user, deal, shared, periods, queries)
    filters = _filters(asked, everything)
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
    own_url = reverse("dashboard-shared" if shared else "dashboard")
    return {
        "deal": deal,
        "deal_query": query,
        # The ``?deal=`` the page was asked with, kept by the filter form.
        "asked_deal": QueryDict(query[1:]).get("deal", ""),
        # Links back to this page with a filter: "?deal=...&" or "?".
        "filter_base": f"{own_url}{query}{'&' if query else '?'}",
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
        "themes": _themes(themes, html),
        "total_bar": _bar(totals.rag_counts),
        "periods": periods,
        "filters": filters,
        "filtered": bool(chosen),
        "proposal_query": proposal_query,
        "proposals_url": reverse("proposal-list")
        + (f"?{proposal_query[1:]}" if proposal_query else ""),
        "deal_amp": query.replace("?", "&"),
        "last_period": periods[-1],
        "shown": sum(len(t.workstreams) for t in themes),
        "other_dashboards": OTHER_DASHBOARDS,
        "RAG_TREND_PERIODS": dashboards.RAG_TREND_PERIODS,
    }


BODY_TEMPLATE = "tracker/dashboards/_overview_body.html"


def _body(
    user: AnyUser,
    deal: Deal,
    shared: bool,
    queries: tuple[str, str],
    asked: Mapping[str, str] | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The overview's content, rendered (UTF-8), filtered as ``asked`` (the page's query
    string) says. Unfiltered, it comes from the shared cache: built once for everyone who sees
    it the same way, and again when what it reads changes (by ``_refresh``, as soon as the
    change commits); filtered, it is built for the request. Also gives what it was rendered
    from, when it was built now: the page's context holds it for tests that look."""
    asked = asked or {}
    built: dict[str, Any] = {}

    def rendered() -> bytes:
        built.update(_content(user, deal, shared, queries, asked))
        return render_to_string(BODY_TEMPLATE, built).encode()

    if any(asked.get(name) for name in FILTER_NAMES):
        return rendered(), built
    # The page as bytes: a megabyte at ten times the deal, one read from the cache, where its
    # rows and figures would be many objects to unpickle and the page to render again.
    parts = ["dashboard-body", *_parts(deal, shared, queries)]
    return freshness.cached(parts, rendered, deal=deal, reads=OVERVIEW_READS), built


def _page(request: HttpRequest, deal: Deal, *, shared: bool) -> HttpResponse:
    query = deal_query(request)
    # The proposals list counts what the reader may see: the shared version's links ask it for
    # OFFICIAL proposals only, so that the numbers there match the numbers here.
    proposal_query = query.replace("?", "&") + ("&classification=official" if shared else "")
    queries = (query, proposal_query)
    freshness.in_use(
        "dashboard",
        deal,
        {"shared": shared, "query": query, "proposals": proposal_query},
        request.user.pk,
    )
    body, built = _body(request.user, deal, shared, queries, request.GET)
    return render_around(
        request,
        "tracker/dashboards/overview.html",
        {**built, "deal": deal, "deal_query": query, "shared": shared},
        body,
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
