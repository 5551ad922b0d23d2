"""The pipeline, mission coverage, the asks of the DSG and the timeline ahead.

Pages for anyone with a role in the deal. Reads come from ``selectors.pipeline``, which builds
each page from what the person may see: a partner's pages hold OFFICIAL records only, and no
count on them includes an OFFICIAL-SENSITIVE one.

What a page shows depends only on the deal and on whether the person may see its
OFFICIAL-SENSITIVE material (``core.policy``: within a deal, what anyone sees follows from
that), so each page's dashboard is built and rendered once for everyone who sees the same, and
kept until one of the kinds of record it reads changes (``tracker.freshness``): a round of
status updates leaves the pipeline and the coverage as they were.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from core.models import Deal
from core.views import query_for_deal, render_around
from tracker import freshness, selectors
from tracker.choices import ProposalStage
from tracker.models import Proposal, Workstream
from tracker.selectors import dashboards
from tracker.selectors import pipeline as pipeline_selectors
from tracker.views.proposals import STAGE_TAG_CLASSES

if TYPE_CHECKING:
    from tracker.selectors.base import AnyUser

WEEKS_ERROR = (
    f"Enter the number of weeks as a whole number from 1 to {pipeline_selectors.STUCK_WEEKS_MAX}"
)


class StuckWeeksForm(forms.Form):
    """How many weeks without movement make a proposal stuck (the page's ``?weeks=``)."""

    weeks = forms.IntegerField(
        label="Weeks without movement",
        help_text=f"A whole number from 1 to {pipeline_selectors.STUCK_WEEKS_MAX}.",
        min_value=1,
        max_value=pipeline_selectors.STUCK_WEEKS_MAX,
        error_messages={
            "required": WEEKS_ERROR,
            "invalid": WEEKS_ERROR,
            "min_value": WEEKS_ERROR,
            "max_value": WEEKS_ERROR,
        },
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "class": "govuk-input--width-3", "spellcheck": "false"}
        ),
    )


# The kinds of record each page reads, for its cache.
PIPELINE_READS = (
    "core.Deal",
    "tracker.Workstream",
    "tracker.Proposal",
    "tracker.GovernanceBody",
    "tracker.Meeting",
    "tracker.AgendaItem",
    "tracker.Milestone",
)
COVERAGE_READS = (
    "tracker.Theme",
    "tracker.Workstream",
    "tracker.Proposal",
    "tracker.Principle",
    "tracker.PrincipleResponse",
    "missions.Mission",
    "missions.Metric",
    "missions.Indicator",
)
ASKS_READS = (
    "core.Deal",
    "tracker.Workstream",
    "tracker.StatusUpdate",
    "tracker.AskResponse",
    "tracker.Risk",
)


def _body(
    user: AnyUser,
    deal: Deal,
    asked_deal: str | None,
    name: str,
    build: Callable[[], dict[str, Any]],
    reads: Sequence[str],
    key: Sequence[str] | None = (),
    **context: object,
) -> tuple[bytes, dict[str, Any]]:
    """A page's dashboard, rendered (UTF-8) from ``build()``'s context, from the cache: for this
    deal, what the person may see, the page's ``?deal=`` (``asked_deal``) and ``key`` (what else it
    depends on: the day...), until one of the ``reads`` changes. With ``key`` None it is built
    for this request only (a page asked for in a way of its own). Also gives what ``build()``
    gave, when it was built now."""
    common = _common(deal, asked_deal, name)
    shared = dashboards.is_partner_safe(user, deal)
    built: dict[str, Any] = {}

    def rendered() -> bytes:
        built.update(build())
        return render_to_string(
            f"tracker/pipeline/_{name}_body.html", {**common, **built, **context}
        ).encode()

    if key is None:
        return rendered(), built
    # Only the rendered dashboard is kept, not the records it was built from: a string is
    # quick to store and read back, a thousand proposals are not.
    parts = [name, str(deal.pk), str(int(shared)), str(common["deal_query"]), *key]
    return freshness.cached(parts, rendered, deal=deal, reads=reads), built


def _common(deal: Deal, asked_deal: str | None, name: str) -> dict[str, Any]:
    return {
        "deal": deal,
        "deal_query": query_for_deal(asked_deal),
        "deal_and": query_for_deal(asked_deal, "&"),
        "here": name,
    }


def _page(
    request: HttpRequest,
    deal: Deal,
    name: str,
    body: tuple[bytes, dict[str, Any]],
    **context: object,
) -> HttpResponse:
    """The page around its dashboard (``_body``). The response's context holds what the
    dashboard was built from only when it was built for this request."""
    html, built = body
    return render_around(
        request,
        f"tracker/pipeline/{name}.html",
        {**_common(deal, request.GET.get("deal"), name), **built, **context},
        html,
    )


def _in_use(request: HttpRequest, name: str, deal: Deal, **way: Any) -> None:
    """Note the way the page was asked for (what its dashboard follows from), so that a change
    to what it reads builds it again for the next person (``freshness.refresher``)."""
    shared = dashboards.is_partner_safe(request.user, deal)
    way |= {"shared": shared, "deal": request.GET.get("deal")}
    freshness.in_use(name, deal, way, request.user.pk)


def _reader(deal_id: int, way: dict[str, Any]) -> tuple[AnyUser, Deal] | None:
    """Who the dashboard is built again as, and the deal: the last person who asked for it
    this way, while they may still see it so (see ``dashboards.reader``)."""
    found = dashboards.reader(deal_id, way["reader"])
    if found is None or dashboards.is_partner_safe(found[0], found[1]) != way["shared"]:
        return None
    return found


def _no_deal(request: HttpRequest) -> HttpResponse:
    return render(request, "tracker/no_deal.html", status=404)


def pipeline(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    raw = request.GET.get("weeks")
    form, weeks = _weeks(raw)
    # Kept only as asked for by the page's own form: not for every way of writing a number.
    usual = raw is None or raw == str(weeks)
    if usual:
        _in_use(request, "pipeline", deal, weeks=raw)
    body = _pipeline_body(request.user, deal, request.GET.get("deal"), form, weeks, cache=usual)
    return _page(request, deal, "pipeline", body, form=form)


def _weeks(raw: str | None) -> tuple[StuckWeeksForm, int | None]:
    """The page's form of weeks as asked for (``?weeks=``), and the weeks if they are right."""
    form = StuckWeeksForm(
        {"weeks": raw} if raw is not None else None,
        initial={"weeks": pipeline_selectors.STUCK_AFTER_WEEKS},
    )
    return form, form.cleaned_data["weeks"] if form.is_bound and form.is_valid() else None


def _pipeline_body(
    user: AnyUser,
    deal: Deal,
    asked_deal: str | None,
    form: StuckWeeksForm,
    weeks: int | None,
    *,
    cache: bool = True,
) -> tuple[bytes, dict[str, Any]]:
    def build() -> dict[str, Any]:
        return {
            "pipeline": pipeline_selectors.pipeline(user, deal),
            "stage_tags": STAGE_TAG_CLASSES,
            "concluded": ProposalStage.CONCLUDED.value,
            "next_meetings": pipeline_selectors.next_meetings(user, deal),
            "stuck": pipeline_selectors.stuck_proposals(
                user, deal, weeks or pipeline_selectors.STUCK_AFTER_WEEKS
            ),
            "timeline": pipeline_selectors.timeline_ahead(user, deal),
            "timeline_weeks": pipeline_selectors.TIMELINE_WEEKS,
        }

    # Which proposals are stuck moves with the clock: the page is kept for a minute at most.
    minute = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    key = [str(weeks), minute] if cache else None
    return _body(user, deal, asked_deal, "pipeline", build, PIPELINE_READS, key, form=form)


@freshness.refresher("pipeline", PIPELINE_READS)
def _refresh_pipeline(deal_id: int, way: dict[str, Any], change: freshness.Change) -> None:
    if found := _reader(deal_id, way):
        _pipeline_body(*found, way["deal"], *_weeks(way["weeks"]))


# A matrix cell, by what the row does for the mission. The cells hold no text from people, so
# a row's cells are joined here rather than rendered one by one: at ten times a realistic deal
# the matrix has over 14,000 of them, which the template language took most of the page's time
# to render.
COVERAGE_CELLS = {
    "direct": '<td class="govuk-table__cell">Yes</td>',
    "indirect": '<td class="govuk-table__cell">By metric</td>',
}
NO_COVERAGE_CELL = (
    '<td class="govuk-table__cell"><span class="govuk-visually-hidden">No</span></td>'
)


def _cells(cells: list[str]) -> str:
    return "".join(COVERAGE_CELLS.get(c, NO_COVERAGE_CELL) for c in cells)


def _matrix_rows(found: pipeline_selectors.Coverage, query: str) -> tuple[str, str]:
    """The matrix's workstream rows and proposal rows, rendered here rather than by the
    template language (which took most of the page's time at scale): addresses are reversed
    once, the only text from people (names, titles) is escaped."""
    q = escape(query)
    ws_url = reverse("workstream-detail", args=["__slug__"])
    proposal_url = reverse("proposal-detail", args=[999999999])
    head = '<tr class="govuk-table__row"><th scope="row" class="govuk-table__header">'
    workstreams, proposals = [], []
    for row in found.workstream_rows:
        w = cast(Workstream, row.record)
        url = ws_url.replace("__slug__", escape(w.slug)) + q
        workstreams.append(
            f'{head}<a class="govuk-link" href="{url}">{escape(w.name)}</a></th>'
            f"{_cells(row.cells)}</tr>"
        )
    for row in found.proposal_rows:
        p = cast(Proposal, row.record)
        url = proposal_url.replace("999999999", str(p.pk)) + q
        proposals.append(
            f'{head}<a class="govuk-link" href="{url}">{escape(p.title)}</a> '
            f'<span class="govuk-!-font-weight-regular">({escape(p.workstream.name)})</span></th>'
            f"{_cells(row.cells)}</tr>"
        )
    return (
        mark_safe("".join(workstreams)),  # noqa: S308 - every value from people is escaped above
        mark_safe("".join(proposals)),  # noqa: S308
    )


def coverage(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    _in_use(request, "coverage", deal)
    body = _coverage_body(request.user, deal, request.GET.get("deal"))
    return _page(request, deal, "coverage", body)


def _coverage_body(
    user: AnyUser, deal: Deal, asked_deal: str | None
) -> tuple[bytes, dict[str, Any]]:
    def build() -> dict[str, Any]:
        found = pipeline_selectors.coverage(user, deal)
        workstream_rows, proposal_rows = _matrix_rows(found, query_for_deal(asked_deal))
        return {
            "coverage": found,
            "workstream_rows": workstream_rows,
            "proposal_rows": proposal_rows,
        }

    return _body(user, deal, asked_deal, "coverage", build, COVERAGE_READS)


@freshness.refresher("coverage", COVERAGE_READS)
def _refresh_coverage(deal_id: int, way: dict[str, Any], change: freshness.Change) -> None:
    if found := _reader(deal_id, way):
        _coverage_body(*found, way["deal"])


def _ask_items(deal: Deal, asks: list[pipeline_selectors.Ask], query: str) -> list[str]:
    """Each ask rendered, from the cache while its workstream's own records (and workstreams'
    names) are as they were: after a round of updates only the new asks are rendered."""
    names = ".".join(str(n) for n in freshness.versions(deal, ("tracker.Workstream",)))
    current = freshness.workstream_versions(deal)

    def key(ask: pipeline_selectors.Ask) -> str:
        record = f"u{ask.update.pk}" if ask.update else f"r{ask.risk.pk}"  # type: ignore[union-attr]
        version = current.get(ask.workstream.pk, 0)
        return f"ask-item:{record}:w{version}:{names}:{query}"

    keys = {i: key(ask) for i, ask in enumerate(asks)}

    def render_items(missing: list[int]) -> dict[int, str]:
        return {
            i: render_to_string(
                "tracker/pipeline/_ask_item.html", {"ask": asks[i], "deal_query": query}
            )
            for i in missing
        }

    found = freshness.cached_many(keys, render_items)
    return [mark_safe(found[i]) for i in range(len(asks))]  # noqa: S308 - a template's


def asks(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    _in_use(request, "asks", deal)
    return _page(request, deal, "asks", _asks_body(request.user, deal, request.GET.get("deal")))


def _asks_body(user: AnyUser, deal: Deal, asked_deal: str | None) -> tuple[bytes, dict[str, Any]]:
    query = query_for_deal(asked_deal)

    def build() -> dict[str, Any]:
        asks = pipeline_selectors.asks_of_dsg(user, deal)
        return {"asks": asks, "ask_items": _ask_items(deal, asks, query)}

    today = timezone.localdate().isoformat()  # which period is the last one due
    return _body(user, deal, asked_deal, "asks", build, ASKS_READS, key=[today])


@freshness.refresher("asks", ASKS_READS)
def _refresh_asks(deal_id: int, way: dict[str, Any], change: freshness.Change) -> None:
    if found := _reader(deal_id, way):
        _asks_body(*found, way["deal"])


urlpatterns: list[URLPattern] = [
    path("dashboard/pipeline/", pipeline, name="dashboard-pipeline"),
    path("dashboard/coverage/", coverage, name="dashboard-coverage"),
    path("dashboard/asks/", asks, name="dashboard-asks"),
]
