"""Sign-in rules applied to every request, in one place: the second factor, and the session's
activity."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponseBase, JsonResponse
from django.shortcuts import redirect

from . import two_factor, user_sessions

Handler = Callable[[HttpRequest], HttpResponseBase]


def second_factor_exempt(view: Callable[..., Any]) -> Callable[..., Any]:
    """Mark a view that a person who has not yet given their code may use (the code pages,
    signing out)."""
    view.second_factor_exempt = True  # type: ignore[attr-defined]
    return view


class TwoFactorMiddleware:
    """A person whose roles need a second factor goes nowhere until this session has it.

    Pages send them to enter their code, or to set their app up if they have none yet; the API
    answers 403 to such a session (a token is not a session, and goes through as before).
    Public pages (``login_not_required``) stay open. Runs after django-otp's middleware, which
    tells whether the session is verified.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        user = request.user
        # is_required() is False for an anonymous visitor anyway; asking first lets the type
        # checker know the user is signed in. is_verified() is added by django-otp's middleware.
        if not user.is_authenticated or not two_factor.is_required(user) or user.is_verified():  # type: ignore[attr-defined]
            return None
        if getattr(view_func, "second_factor_exempt", False):
            return None
        # Before the public-page check: Django REST Framework marks every API view as not
        # needing Django's login, because it authenticates on its own.
        if request.path_info.startswith("/api/"):
            if request.META.get("HTTP_AUTHORIZATION", "").startswith("Token "):
                return None
            return JsonResponse(
                {"detail": "Enter your security code in the browser to use this session."},
                status=403,
            )
        if getattr(view_func, "login_required", True) is False:
            return None
        return redirect(two_factor.prompt_url(user, request.get_full_path()))


class SessionActivityMiddleware:
    """Keeps a signed-in session alive while it is used (its idle timeout counts from the last
    request, to within a minute) and its "last active" current on the sessions page."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.user.is_authenticated:
            user_sessions.session_touch(request)
        return self.get_response(request)
