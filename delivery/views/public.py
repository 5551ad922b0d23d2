"""The public progress page: a deal's published provisions for residents, councillors and
journalists, without signing in, and the same as open data (CSV and JSON) under the Open
Government Licence.

Which deal. Anyone may read these pages, and an anonymous visitor holds a role in no deal, so
``core.selectors.deal_for`` (which picks among the deals a person may see) does not apply. The
public pages have their own rule: a deal is public when it has published a provision, and
its own address is ``/progress/<deal slug>/``, with its provisions at
``/progress/<deal slug>/provisions/<id>/`` and its open data at
``/progress/<deal slug>/provisions.csv`` and ``.json``. ``/progress/`` shows the public deal
when there is one (as most installations hold), lists them when there are several, and says
nothing is published yet when there is none. ``/progress/provisions.csv`` and ``.json`` are the
open data of the first deal loaded among the public ones, so their address stays the same when
another deal publishes. A deal that has published nothing has no public address (404).

What it shows. Published provisions only, which are OFFICIAL (the database refuses to publish
any other): an unpublished or OFFICIAL-SENSITIVE one is in no list, count, search, file or
address. No person is named: no author, reviewer, lead or sponsor; the lead organisation is
the most it names. The header shows no one's navigation nor who is signed in, so the page is
the same for everyone.

Speed and load. The data is read once per deal and data version and kept in the cache
(``delivery.selectors``); searches and filters run over it in memory. Responses carry an ETag
(a repeated request gets 304) and, for visitors who are not signed in, ``Cache-Control:
public`` for ``PUBLIC_CACHE_SECONDS``, so a cache in front can answer them; signed-in people's
responses are private. Each address may ask for ``PUBLIC_RATE_LIMIT`` pages and files (Django
REST Framework's throttle, counted in the cache by the address ``accounts.client_ip`` gives
behind the trusted proxies); past that it gets 429 with ``Retry-After``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import conditional_page, require_safe
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from accounts.client_ip import client_ip
from core import csv_files

from .. import selectors
from ..choices import CONFIDENCE_DEFINITIONS, Confidence, DeliveryState, ProvisionKind
from ..selectors import NOT_REPORTED, PublicDeal, PublicProgress, PublicProvision

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
NOT_REPORTED_LABEL = "No report yet"

View = Callable[..., HttpResponseBase]


# --- Rate limit and caching -------------------------------------------------------------------


class AddressThrottle(SimpleRateThrottle):
    """At most ``PUBLIC_RATE_LIMIT`` requests from one address to the public pages and open
    data together. The limit is read when a request comes, so a setting changed in a test
    holds."""

    scope = "public-progress"

    def __init__(self, address: str | None) -> None:
        self.address = address or "unknown"
        super().__init__()

    def get_rate(self) -> str:
        return str(settings.PUBLIC_RATE_LIMIT)

    def get_cache_key(self, request: Request, view: APIView) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.address}


def _retry_after(request: HttpRequest) -> int | None:
    """None when the request is within the limit, else the seconds to wait before the next."""
    throttle = AddressThrottle(client_ip(request))
    if throttle.allow_request(Request(request), APIView()):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


def _too_many(request: HttpRequest, seconds: int) -> HttpResponse:
    message = f"Too many requests from your address: try again in {seconds} seconds."
    response: HttpResponse
    if request.path.endswith(".json"):
        response = JsonResponse({"detail": message}, status=429)
    elif request.path.endswith(".csv"):
        response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    else:
        context = {"seconds": seconds, "progress_url": reverse("progress")}
        response = render(request, "delivery/public/too_many_requests.html", context, status=429)
    response["Retry-After"] = str(seconds)
    patch_cache_control(response, no_store=True)
    return response


def _cache_headers(request: HttpRequest, response: HttpResponseBase) -> None:
    """Public for visitors who are not signed in; private for anyone with a session, whose
    response may carry the session's cookie, which no shared cache may keep."""
    if response.status_code not in (200, 304):
        return
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        patch_cache_control(response, private=True, no_cache=True)
    else:
        patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS)


def public(view: View) -> View:
    """A page anyone may read: no sign-in, GET and HEAD only, rate limited by address, with an
    ETag and the cache headers above."""
    conditional = conditional_page(view)

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        seconds = _retry_after(request)
        if seconds is not None:
            return _too_many(request, seconds)
        response = conditional(request, *args, **kwargs)
        _cache_headers(request, response)
        return response

    return login_not_required(require_safe(wrapped))


# --- Which deal -------------------------------------------------------------------------------


def _deal(slug: str) -> PublicDeal:
    deal = next((d for d in selectors.public_deals() if d.slug == slug), None)
    if deal is None:
        raise Http404("No deal has published provisions at this address.")
    return deal


def _default_deal() -> PublicDeal:
    """The first deal loaded among those that have published provisions."""
    deals = selectors.public_deals()
    if not deals:
        raise Http404("No deal has published provisions yet.")
    return deals[0]


# --- Pages ------------------------------------------------------------------------------------


def _choices(choices: Any, none_label: str | None = None) -> list[tuple[str, str]]:
    rows = [("", "Any"), *((value, str(label)) for value, label in choices)]
    return rows + [(NOT_REPORTED, none_label)] if none_label else rows


class ProgressFilters(forms.Form):
    """The list's search and filters, as GET parameters, so they work without JavaScript and
    every result has an address to share."""

    q = forms.CharField(
        label="Search",
        help_text="Words in a provision's reference, title or text",
        required=False,
        max_length=selectors.PUBLIC_SEARCH_MAX,
        widget=forms.SearchInput,
        error_messages={
            "max_length": f"Search for {selectors.PUBLIC_SEARCH_MAX} characters or fewer"
        },
    )
    theme = forms.ChoiceField(
        required=False, error_messages={"invalid_choice": "Choose a theme from the list"}
    )
    state = forms.ChoiceField(
        label="Delivery state",
        required=False,
        choices=_choices(DeliveryState.choices, NOT_REPORTED_LABEL),
        error_messages={"invalid_choice": "Choose a delivery state from the list"},
    )
    confidence = forms.ChoiceField(
        label="Delivery confidence",
        required=False,
        choices=_choices(Confidence.choices, NOT_REPORTED_LABEL),
        error_messages={"invalid_choice": "Choose a delivery confidence from the list"},
    )
    kind = forms.ChoiceField(
        required=False,
        choices=_choices(ProvisionKind.choices),
        error_messages={"invalid_choice": "Choose a kind of provision from the list"},
    )

    def __init__(self, data: Any, progress: PublicProgress) -> None:
        super().__init__(data)
        # The deal's own themes, those that have published provisions.
        cast(forms.ChoiceField, self.fields["theme"]).choices = _choices(progress.themes)


def _list_page(request: HttpRequest, deal: PublicDeal) -> HttpResponse:
    progress = selectors.public_progress(deal)
    form = ProgressFilters(request.GET, progress)
    valid = form.is_valid()
    chosen = {k: v for k, v in form.cleaned_data.items() if v} if valid else {}
    shown = selectors.public_search(progress, **chosen) if valid else []
    context = {
        "deal": deal,
        "progress": progress,
        "has_demo": progress.has_demo,
        "form": form,
        "filtered": bool(chosen),
        "shown": shown,
        "themes": _by_theme(shown),
        "counts": selectors.public_counts(progress.provisions),
        "own_url": request.path,
        "deal_url": reverse("progress-deal", args=[deal.slug]),
        "csv_url": reverse("progress-deal-csv", args=[deal.slug]),
        "json_url": reverse("progress-deal-json", args=[deal.slug]),
        "licence_name": LICENCE_NAME,
        "licence_url": LICENCE_URL,
    }
    status = 200 if valid else 400
    return render(request, "delivery/public/progress.html", context, status=status)


def _by_theme(provisions: list[PublicProvision]) -> list[tuple[str, list[PublicProvision]]]:
    """The provisions under their themes' names, in the order given (themes in order)."""
    groups: dict[str, list[PublicProvision]] = {}
    for provision in provisions:
        groups.setdefault(provision.theme, []).append(provision)
    return list(groups.items())


@public
def progress(request: HttpRequest) -> HttpResponse:
    deals = selectors.public_deals()
    if len(deals) == 1:
        return _list_page(request, deals[0])
    context = {"deals": deals, "has_demo": False}
    return render(request, "delivery/public/deals.html", context)


@public
def progress_deal(request: HttpRequest, slug: str) -> HttpResponse:
    return _list_page(request, _deal(slug))


@public
def progress_provision(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    deal = _deal(slug)
    progress = selectors.public_progress(deal)
    provision = progress.get(pk)
    if provision is None:
        raise Http404("No published provision at this address.")
    reports = selectors.public_reports(progress, provision)
    context = {
        "deal": deal,
        "provision": provision,
        "latest": reports[0] if reports else None,
        "reports": reports,
        "has_demo": provision.is_demo,
        "deal_url": reverse("progress-deal", args=[deal.slug]),
    }
    return render(request, "delivery/public/provision.html", context)


# --- Open data --------------------------------------------------------------------------------

CSV_HEADER = [
    "reference",
    "title",
    "chapter",
    "theme",
    "workstream",
    "lead_organisation",
    "government_department",
    "kind",
    "state",
    "confidence",
    "baseline_date",
    "forecast_date",
    "last_report_date",
    "last_report_period_start",
    "last_report_period_end",
    "last_report_narrative",
    "text",
    "url",
]


def _row(provision: PublicProvision, url: str) -> dict[str, Any]:
    """One provision as open data: the choices in words, the dates in ISO 8601."""

    def day(value: Any) -> str | None:
        return value.isoformat() if value else None

    return {
        "reference": provision.reference,
        "title": provision.title,
        "chapter": provision.chapter,
        "theme": provision.theme,
        "workstream": provision.workstream,
        "lead_organisation": provision.lead_organisation or None,
        "government_department": provision.department or None,
        "kind": provision.kind_label,
        "state": provision.state_label or None,
        "confidence": provision.confidence_label or None,
        "baseline_date": day(provision.baseline_on),
        "forecast_date": day(provision.forecast_on),
        "last_report_date": day(provision.reported_on),
        "last_report_period_start": day(provision.period_start),
        "last_report_period_end": day(provision.period_end),
        "last_report_narrative": provision.narrative or None,
        "text": provision.text,
        "url": url,
    }


def _rows(request: HttpRequest, progress: PublicProgress) -> list[dict[str, Any]]:
    slug = progress.deal.slug
    return [
        _row(p, request.build_absolute_uri(reverse("progress-provision", args=[slug, p.pk])))
        for p in progress.provisions
    ]


def _licensed(response: HttpResponse) -> HttpResponse:
    """The licence as a link relation (RFC 8288), which every file format can carry; anyone may
    read the data from another site's page."""
    response["Link"] = f'<{LICENCE_URL}>; rel="license"'
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _csv(request: HttpRequest, deal: PublicDeal) -> HttpResponse:
    """One row a provision, the header naming the columns as the JSON's fields. No comment line
    holds the licence, since CSV readers take it as a row: the ``Link`` header and the page
    that links the file state it. UTF-8 with a byte order mark, as every CSV file of the site,
    so that spreadsheets read the accents."""
    out = io.StringIO()
    writer = csv_files.Writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    for row in _rows(request, selectors.public_progress(deal)):
        writer.writerow("" if row[name] is None else row[name] for name in CSV_HEADER)
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{deal.slug}-provisions.csv"'
    return _licensed(response)


def _json(request: HttpRequest, deal: PublicDeal) -> HttpResponse:
    progress = selectors.public_progress(deal)
    body = {
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "deal": {
            "name": deal.name,
            "short_name": deal.short_name,
            "url": request.build_absolute_uri(reverse("progress-deal", args=[deal.slug])),
        },
        "confidence_scale": [
            {"confidence": Confidence(level).label, "definition": text}
            for level, text in CONFIDENCE_DEFINITIONS.items()
        ],
        "provisions": _rows(request, progress),
    }
    return _licensed(JsonResponse(body, json_dumps_params={"ensure_ascii": False}))


@public
def progress_csv(request: HttpRequest) -> HttpResponse:
    return _csv(request, _default_deal())


@public
def progress_json(request: HttpRequest) -> HttpResponse:
    return _json(request, _default_deal())


@public
def progress_deal_csv(request: HttpRequest, slug: str) -> HttpResponse:
    return _csv(request, _deal(slug))


@public
def progress_deal_json(request: HttpRequest, slug: str) -> HttpResponse:
    return _json(request, _deal(slug))


urlpatterns: list[URLPattern] = [
    path("progress/", progress, name="progress"),
    path("progress/provisions.csv", progress_csv, name="progress-csv"),
    path("progress/provisions.json", progress_json, name="progress-json"),
    path("progress/<slug:slug>/", progress_deal, name="progress-deal"),
    path("progress/<slug:slug>/provisions.csv", progress_deal_csv, name="progress-deal-csv"),
    path("progress/<slug:slug>/provisions.json", progress_deal_json, name="progress-deal-json"),
    path(
        "progress/<slug:slug>/provisions/<int:pk>/",
        progress_provision,
        name="progress-provision",
    ),
]
