from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tracker import selectors as tracker_selectors

from . import selectors


def mission_list(request: HttpRequest) -> HttpResponse:
    workstreams = tracker_selectors.workstreams_for(request.user).order_by(
        "theme__position", "position"
    )
    missions = list(
        selectors.missions_with_statements_and_metrics().prefetch_related(
            Prefetch("workstreams", queryset=workstreams, to_attr="visible_workstreams")
        )
    )
    for mission in missions:
        statements = list(mission.statements.all())
        mission.current_statement = next((s for s in statements if s.is_current), None)
        mission.earlier_statements = [
            s
            for s in statements
            if not s.is_current
            and (mission.current_statement is None or s.text != mission.current_statement.text)
        ]
    return render(request, "missions/mission_list.html", {"missions": missions})


# Further pages of missions and indicators (the mission list is routed in missions/urls.py).
urlpatterns: list = []
