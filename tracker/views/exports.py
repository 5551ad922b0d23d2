"""The briefing pack for a meeting, and CSV and Excel exports.

The rows and the pack's contents come from ``tracker.exports``, which reads through the same
permission-aware selectors as the pages: a partner's export and pack hold OFFICIAL material
only, and someone with no role in the deal gets a 404.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from core import policy
from core.choices import Classification
from core.models import Deal
from core.views import deal_query
from tracker import exports, selectors
from tracker.selectors import asks as ask_selectors
from tracker.selectors.dashboards import portfolio_overview


def _deal(request: HttpRequest) -> Deal:
    deal = selectors.deal_for(request.user, request.GET.get("deal"))
    if deal is None:
        raise Http404("You do not have a role in a deal yet.")
    return deal


# --- Exports ----------------------------------------------------------------------------------


def export_list(request: HttpRequest) -> HttpResponse:
    deal = _deal(request)
    return render(
        request,
        "tracker/exports/export_list.html",
        {
            "deal": deal,
            "deal_query": deal_query(request),
            "kinds": exports.export_kinds().values(),
            "sensitive": policy.can_see_sensitive(request.user, deal),
        },
    )


def export_download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    kinds = exports.export_kinds()
    if kind not in kinds or fmt not in exports.FORMATS:
        raise Http404("No such export.")
    deal = _deal(request)
    today = timezone.localdate()
    table = kinds[kind].build(request.user, deal, today)
    response = HttpResponse(exports.WRITERS[fmt](table), content_type=exports.FORMATS[fmt])
    name = exports.filename(deal, kind, fmt, today)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- The briefing pack ------------------------------------------------------------------------


def _download_url(request: HttpRequest, pk: int) -> str:
    query = QueryDict(mutable=True)
    if request.GET.get("deal"):
        query["deal"] = request.GET["deal"]
    query["download"] = "1"
    return f"{reverse('meeting-pack', args=[pk])}?{query.urlencode()}"


def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    asked = request.GET.get("deal")
    if asked and selectors.deal_for(request.user, asked) != deal:
        raise Http404("No such meeting in this deal.")
    today = timezone.localdate()
    agenda = exports.pack_agenda(request.user, meeting)
    updates = selectors.reporting.current_updates(request.user, deal)
    # The dashboards' overview, which is partner-safe for anyone who may not see sensitive
    # material (selectors.dashboards.is_partner_safe decides it there).
    overview = portfolio_overview(request.user, deal, today=today)
    # The sections the apps above add (delivery's provisions), which tracker does not import.
    sections = exports.pack_sections(request.user, meeting, today)
    ask_lines = ask_selectors.meeting_asks(request.user, meeting)
    open_actions = ask_selectors.open_actions_up_to(request.user, meeting)
    sensitive = exports.pack_is_sensitive(
        request.user, deal, agenda, updates.values(), overview, sections
    ) or ask_selectors.any_sensitive(ask_lines, open_actions)
    marking = (Classification.OFFICIAL_SENSITIVE if sensitive else Classification.OFFICIAL).label
    context = {
        "deal": deal,
        "deal_query": deal_query(request),
        "meeting": meeting,
        "agenda": agenda,
        "asks": exports.pack_asks(updates),
        "ask_lines": ask_lines,
        "open_actions": open_actions,
        "overview": overview,
        "sections": sections,
        "marking": marking,
        "today": today,
        "download_url": _download_url(request, meeting.pk),
    }
    if request.GET.get("download"):
        html = render_to_string("tracker/exports/meeting_pack.html", context, request=request)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        day = timezone.localdate(meeting.starts_at)
        name = f"{deal.slug}-briefing-pack-{meeting.body.slug}-{day:%Y-%m-%d}.html"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, "tracker/exports/meeting_pack.html", context)


urlpatterns: list[URLPattern] = [
    path("exports/", export_list, name="exports"),
    path("exports/<slug:kind>.<slug:fmt>", export_download, name="export-download"),
    path("meetings/<int:pk>/pack/", meeting_pack, name="meeting-pack"),
]
