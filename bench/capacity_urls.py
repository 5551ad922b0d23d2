"""The app's own URLs plus one bare view, for bench/capacity.py: the ceiling on this machine is
what Django answers with no work of the app's (the whole middleware stack, no database, no
template), so each page's throughput can be read as a share of it."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.http import require_safe

from config.urls import urlpatterns as app_urlpatterns


@login_not_required
@require_safe
def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"ok", content_type="text/plain")


# As many bytes as the synthetic deal's cached overview at scale 10 (measured 7 December 2026).
OVERVIEW_BYTES = 972_091
PAGE = b"<p>" + b"x" * (OVERVIEW_BYTES - 7) + b"</p>"


@login_not_required
@require_safe
def bare_page(request: HttpRequest) -> HttpResponse:
    """The bare view with a page as large as the overview: what sending it costs alone."""
    return HttpResponse(PAGE)


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-page/", bare_page),
    *app_urlpatterns,
]
