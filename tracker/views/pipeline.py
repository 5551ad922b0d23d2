"""The pipeline, mission coverage, the asks of the DSG and the timeline ahead.

Pages for anyone with a role in the deal. Reads come from ``selectors.pipeline``, which builds
each page from what the person may see: a partner's pages hold OFFICIAL records only, and no
count on them includes an OFFICIAL-SENSITIVE one.
"""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.safestring import mark_safe

from core.models import Deal
from core.views import deal_query
from tracker import selectors
from tracker.choices import ProposalStage
from tracker.selectors import pipeline as pipeline_selectors
from tracker.views.proposals import STAGE_TAG_CLASSES

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


def _page(request: HttpRequest, deal: Deal, template: str, **context: object) -> HttpResponse:
    return render(
        request,
        f"tracker/pipeline/{template}",
        {
            "deal": deal,
            "deal_query": deal_query(request),
            "deal_and": deal_query(request, "&"),
            "here": template.removesuffix(".html"),
            **context,
        },
    )


def _no_deal(request: HttpRequest) -> HttpResponse:
    return render(request, "tracker/no_deal.html", status=404)


def pipeline(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    raw = request.GET.get("weeks")
    form = StuckWeeksForm(
        {"weeks": raw} if raw is not None else None,
        initial={"weeks": pipeline_selectors.STUCK_AFTER_WEEKS},
    )
    weeks = form.cleaned_data["weeks"] if form.is_bound and form.is_valid() else None
    user = request.user
    return _page(
        request,
        deal,
        "pipeline.html",
        form=form,
        pipeline=pipeline_selectors.pipeline(user, deal),
        stage_tags=STAGE_TAG_CLASSES,
        concluded=ProposalStage.CONCLUDED.value,
        next_meetings=pipeline_selectors.next_meetings(user, deal),
        stuck=pipeline_selectors.stuck_proposals(
            user, deal, weeks or pipeline_selectors.STUCK_AFTER_WEEKS
        ),
        timeline=pipeline_selectors.timeline_ahead(user, deal),
        timeline_weeks=pipeline_selectors.TIMELINE_WEEKS,
    )


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
    return mark_safe("".join(COVERAGE_CELLS.get(c, NO_COVERAGE_CELL) for c in cells))  # noqa: S308


def coverage(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    found = pipeline_selectors.coverage(request.user, deal)
    return _page(
        request,
        deal,
        "coverage.html",
        coverage=found,
        workstream_lines=[(row, _cells(row.cells)) for row in found.workstream_rows],
        proposal_lines=[(row, _cells(row.cells)) for row in found.proposal_rows],
    )


def asks(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        return _no_deal(request)
    return _page(
        request, deal, "asks.html", asks=pipeline_selectors.asks_of_dsg(request.user, deal)
    )


urlpatterns: list[URLPattern] = [
    path("dashboard/pipeline/", pipeline, name="dashboard-pipeline"),
    path("dashboard/coverage/", coverage, name="dashboard-coverage"),
    path("dashboard/asks/", asks, name="dashboard-asks"),
]
