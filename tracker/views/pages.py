"""Pages for the deal: home and workstreams. Views are thin: reads come from the selectors."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from tracker import selectors
from tracker.choices import WorkstreamStatus

from . import proposals as proposals_views
from . import records as records_views
from . import updates as updates_views


def home(request: HttpRequest) -> HttpResponse:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    themes = selectors.reporting.themes_with_workstreams(request.user, deal) if deal else []
    for theme in themes:
        for workstream in theme.visible_workstreams:  # type: ignore[attr-defined]
            workstream.leads, workstream.sponsor = selectors.reporting.people_in(workstream)
    return render(
        request,
        "tracker/home.html",
        {"deal": deal, "deals": selectors.deals_for(request.user), "themes": themes},
    )


def workstream_detail(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        workstream = selectors.workstream_for_page(
            request.user,
            slug,
            request.GET.get("deal"),
            prefetch=("missions", "metrics__mission", "indicators__framework"),
        )
    except Http404:
        if selectors.deal_for(request.user, request.GET.get("deal")) is None:
            return render(request, "tracker/no_deal.html", status=404)
        raise
    deal = workstream.deal
    leads, sponsor = selectors.reporting.people_in(workstream)
    proposals = list(
        selectors.proposals_for(request.user)
        .filter(workstream=workstream)
        .select_related("awaiting_body")
        .order_by("title")
    )
    return render(
        request,
        "tracker/workstream_detail.html",
        {
            **updates_views.workstream_context(request, workstream),
            **records_views.workstream_context(request, workstream),
            **proposals_views.workstream_context(request, workstream),
            "history": selectors.history.history_of(workstream, request.user),
            "deal": deal,
            "workstream": workstream,
            "leads": leads,
            "sponsor": sponsor,
            "proposals": proposals,
            "WorkstreamStatus": WorkstreamStatus,
        },
    )
