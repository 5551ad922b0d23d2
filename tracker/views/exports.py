"""The briefing pack for a meeting, and CSV and Excel exports.

The rows and the pack's contents come from ``tracker.exports``, which reads through the same
permission-aware selectors as the pages: a partner's export and pack hold OFFICIAL material
only, and someone with no role in the deal gets a 404.
"""

from __future__ import annotations

from typing import Any

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

PACK_TEMPLATE = "tracker/exports/meeting_pack.html"


def _download_url(request: HttpRequest, pk: int) -> str:
    query = QueryDict(mutable=True)
    if request.GET.get("deal"):
        query["deal"] = request.GET["deal"]
    query["download"] = "1"
    return f"{reverse('meeting-pack', args=[pk])}?{query.urlencode()}"


def _pdf_url(request: HttpRequest, pk: int) -> str:
    return reverse("meeting-pack-pdf", args=[pk]) + deal_query(request)


def _pack_context(request: HttpRequest, pk: int) -> dict[str, Any]:
    """What the briefing pack shows this person, on the page, in its HTML download and in its
    PDF alike: only what they may see, marked with the highest marking of what it holds."""
    meeting = selectors.governance.meeting_for_page(request.user, pk)
    deal = meeting.body.deal
    asked = request.GET.get("deal")
    if asked and selectors.deal_for(request.user, asked) != deal:
        raise Http404("No such meeting in this deal.")
    user = request.user
    today = timezone.localdate()
    agenda = exports.pack_agenda(user, meeting)
    updates = selectors.reporting.current_updates(user, deal)
    # The dashboards' overview, which is partner-safe for anyone who may not see sensitive
    # material (selectors.dashboards.is_partner_safe decides it there).
    overview = portfolio_overview(user, deal, today=today)
    last_meeting = exports.pack_last_meeting(user, meeting)
    proposals = exports.pack_proposals(user, meeting, agenda)
    risks = exports.pack_risks(user, deal)
    # The sections the apps above add (delivery's provisions), which tracker does not import.
    sections = exports.pack_sections(user, meeting, today)
    ask_lines = ask_selectors.meeting_asks(user, meeting)
    open_actions = ask_selectors.open_actions_up_to(user, meeting)
    sensitive = exports.pack_is_sensitive(
        user,
        deal,
        agenda,
        updates.values(),
        overview,
        [last_meeting, proposals, risks, *sections],
    ) or ask_selectors.any_sensitive(ask_lines, open_actions)
    marking = (Classification.OFFICIAL_SENSITIVE if sensitive else Classification.OFFICIAL).label
    return {
        "deal": deal,
        "deal_query": deal_query(request),
        "meeting": meeting,
        "agenda": agenda,
        "asks": exports.pack_asks(updates),
        "ask_lines": ask_lines,
        "open_actions": open_actions,
        "overview": overview,
        "last_meeting": last_meeting,
        "proposals": proposals,
        "risks": risks,
        "sections": sections,
        "marking": marking,
        "today": today,
        "download_url": _download_url(request, meeting.pk),
        "pdf_url": _pdf_url(request, meeting.pk),
    }


def _pack_filename(context: dict[str, Any], extension: str) -> str:
    meeting = context["meeting"]
    day = timezone.localdate(meeting.starts_at)
    return f"{context['deal'].slug}-briefing-pack-{meeting.body.slug}-{day:%Y-%m-%d}.{extension}"


def meeting_pack(request: HttpRequest, pk: int) -> HttpResponse:
    context = _pack_context(request, pk)
    if request.GET.get("download"):
        html = render_to_string(PACK_TEMPLATE, context, request=request)
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        name = _pack_filename(context, "html")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    return render(request, PACK_TEMPLATE, context)


def meeting_pack_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The pack as an A4 PDF, laid out on the server from the page's own HTML as print media:
    the same permission checks and contents as the page, the marking on every page."""
    # WeasyPrint loads Pango when it is imported: only this view needs it, so the site starts
    # (and every other page works) on a machine without it.
    from core import pdf

    context = _pack_context(request, pk)
    html = render_to_string(PACK_TEMPLATE, context, request=request)
    document = pdf.render_pdf(html, site_url=request.build_absolute_uri("/"))
    response = HttpResponse(document, content_type=pdf.PDF_CONTENT_TYPE)
    name = _pack_filename(context, "pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


urlpatterns: list[URLPattern] = [
    path("exports/", export_list, name="exports"),
    path("exports/<slug:kind>.<slug:fmt>", export_download, name="export-download"),
    path("meetings/<int:pk>/pack/", meeting_pack, name="meeting-pack"),
    path("meetings/<int:pk>/pack.pdf", meeting_pack_pdf, name="meeting-pack-pdf"),
]
