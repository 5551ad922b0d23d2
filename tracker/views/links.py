"""Pages that link a workstream to the missions, metrics and indicators it claims to move.

The workstream's lead or an administrator changes them (``services.workstream_links_set``);
anyone else who may see the workstream gets a 403, anyone who may not a 404.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import F, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from core import policy
from core.views import deal_query, refusals
from missions.models import Indicator
from missions.selectors import indicators_of_deal, metric_choices, mission_choices
from tracker import selectors, services
from tracker.choices import WorkstreamStatus
from tracker.forms.proposals import MetricsField
from tracker.forms.records import RecordForm
from tracker.models import Workstream

LINKS = ("missions", "metrics", "indicators")
PREFETCH = ("missions", "metrics__mission", "indicators")


class LinksForm(RecordForm):
    """The missions, metrics and indicators a workstream moves, as checkboxes."""

    service_fields = list(LINKS)
    whole_record_errors_on = "missions"

    missions = forms.ModelMultipleChoiceField(
        queryset=mission_choices(),
        label="Levelling Up missions it moves (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose from the missions listed"},
    )
    metrics = MetricsField(
        queryset=metric_choices(),
        label="The missions' metrics it moves (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose from the metrics listed"},
    )
    # Drawn under a heading per framework (templates/tracker/links/_indicators_field.html).
    indicators = forms.ModelMultipleChoiceField(
        queryset=Indicator.objects.none(),
        label="Outcome indicators it moves (optional)",
        help_text="This deal's outcome indicators and the national ones, by framework.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "Choose indicators of this deal's frameworks or national ones"
        },
    )

    def __init__(self, *args: Any, indicators: QuerySet[Indicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].queryset = indicators  # type: ignore[attr-defined]


def _initial(workstream: Workstream) -> dict[str, list[int]]:
    return {name: [o.pk for o in getattr(workstream, name).all()] for name in LINKS}


def workstream_links(request: HttpRequest, slug: str) -> HttpResponse:
    workstream = selectors.workstream_for_page(
        request.user, slug, request.GET.get("deal"), prefetch=PREFETCH
    )
    if not policy.can_write_workstream(request.user, workstream):
        raise PermissionDenied(
            "Only the workstream's lead or an administrator can change what it moves."
        )
    # The deal's own frameworks first, then the national ones.
    indicators = indicators_of_deal(workstream.deal_id).order_by(
        F("framework__deal").asc(nulls_last=True), "framework__name", "position", "name"
    )
    if request.method == "POST":
        form = LinksForm(request.POST, indicators=indicators)
    else:
        form = LinksForm(initial=_initial(workstream), indicators=indicators)
    if form.is_bound and form.is_valid():
        with refusals(form):
            services.workstream_links_set(
                workstream=workstream, acting_user=policy.signed_in(request.user), **form.values()
            )
        if not form.errors:
            messages.success(request, f"Saved what {workstream.name} moves")
            url = reverse("workstream-detail", args=[workstream.slug])
            return redirect(url + deal_query(request))
    return render(
        request,
        "tracker/links/workstream_links.html",
        {
            "form": form,
            "workstream": workstream,
            "deal": workstream.deal,
            "deal_query": deal_query(request),
            "is_active": workstream.status == WorkstreamStatus.ACTIVE,
        },
    )


urlpatterns: list[URLPattern] = [
    path("workstreams/<slug:slug>/links/", workstream_links, name="workstream-links"),
]
