from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, JsonResponse

from .text import CONTROL_CHARACTERS


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
    with a 500, and no text anyone types holds the others (config/text.py). The API answers in
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
