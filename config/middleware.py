from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, JsonResponse
from django.shortcuts import render

from core.text import CONTROL_CHARACTERS

from .uploads import body_limit


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a signed-in person, except those marked ``login_not_required``.

    The API is left to Django REST Framework, which answers 401 or 403 rather than redirecting
    a program to a login form.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RefuseNulMiddleware:
    """A query string holding a NUL or another control character is answered 400: no text
    column can be compared with NUL (PostgreSQL refuses it), so a search or filter would fail
    with a 500, and no text anyone types holds the others (core/text.py). The API answers in
    JSON, as for any other bad request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        for key, value in _query_items(request):
            if found := CONTROL_CHARACTERS.search(key + value):
                name = "a NUL character" if found.group() == "\x00" else "a control character"
                message = f"The address holds {name}, which no search or filter accepts."
                if request.path_info.startswith("/api/"):
                    return JsonResponse({"detail": message}, status=400)
                return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _query_items(request: HttpRequest) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() for value in values]


class RefuseLargeBodyMiddleware:
    """A request body larger than the app takes is answered 413 before any of it is read.

    A body with files may be ``MAX_REQUEST_BYTES`` (files past ``MAX_UPLOAD_BYTES`` are read and
    dropped, so the form can say the file is too large); any other body, such as the API's JSON,
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``, which Django would otherwise refuse only once reading it,
    with a bare 400. A body sent without its length is not read at all by Django. The proxy in
    front should refuse bodies over ``MAX_REQUEST_BYTES`` too, so that they never reach a worker.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body whose length it cannot read
        with_files = request.content_type == "multipart/form-data"
        limit = body_limit(request) if with_files else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if length <= limit:
            return self.get_response(request)
        megabytes = f"{limit / 2**20:g} MB"
        if request.path_info.startswith("/api/"):
            message = f"The request body is larger than {megabytes}, the most the API takes."
            return JsonResponse({"detail": message}, status=413)
        return render(request, "413.html", {"megabytes": megabytes}, status=413)
