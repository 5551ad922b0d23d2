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


urlpatterns = [path("bench/bare/", bare), *app_urlpatterns]
