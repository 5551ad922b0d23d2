"""Signing in safely: the second factor (set up, then entered at each sign-in), the person's own
sessions, and the page that says a sign-in is locked.

Thin, as every view: what a code or a session may do is decided in ``two_factor`` and
``user_sessions``.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from core import policy

from . import throttle, two_factor, user_sessions
from .forms import SecurityCodeForm
from .middleware import second_factor_exempt


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if safe else settings.LOGIN_REDIRECT_URL


@second_factor_exempt
def two_factor_verify(request: HttpRequest) -> HttpResponseBase:
    user = policy.signed_in(request.user)
    if not two_factor.is_required(user) or user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    if two_factor.confirmed_device(user) is None:
        return redirect(f"{reverse('two-factor-setup')}?{request.GET.urlencode()}")
    form = SecurityCodeForm(request.POST or None)
    if form.is_valid():
        try:
            two_factor.totp_verify(request=request, user=user, code=form.cleaned_data["code"])
        except two_factor.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            return redirect(_next(request))
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next(request)}
    )


@second_factor_exempt
def two_factor_setup(request: HttpRequest) -> HttpResponseBase:
    user = policy.signed_in(request.user)
    if not two_factor.is_required(user) or user.is_verified():  # type: ignore[attr-defined]
        return redirect(_next(request))
    if two_factor.confirmed_device(user) is not None:
        return redirect(f"{reverse('two-factor-verify')}?{request.GET.urlencode()}")
    device = two_factor.totp_device_start(user=user)
    form = SecurityCodeForm(request.POST or None)
    if form.is_valid():
        try:
            two_factor.totp_device_confirm(
                request=request, device=device, code=form.cleaned_data["code"]
            )
        except two_factor.TwoFactorError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, "Your authenticator app is set up")
            return redirect(_next(request))
    context = {
        "form": form,
        "next": _next(request),
        "qr_code": two_factor.qr_code_svg(device),
        "secret": two_factor.secret_for_typing(device),
        "issuer": settings.OTP_TOTP_ISSUER,
    }
    return render(request, "registration/two_factor_setup.html", context)


def sessions(request: HttpRequest) -> HttpResponse:
    current = request.session.session_key
    rows = [
        {
            "pk": row.pk,
            "browser": user_sessions.describe_user_agent(row.user_agent),
            "ip_address": row.ip_address,
            "signed_in_at": row.signed_in_at,
            "last_active_at": row.last_active_at,
            "is_current": row.session_key == current,
        }
        for row in user_sessions.sessions_of(policy.signed_in(request.user))[:50]
    ]
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": rows,
            "others": sum(not r["is_current"] for r in rows),
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        },
    )


@require_POST
def session_end(request: HttpRequest, pk: int) -> HttpResponse:
    user = policy.signed_in(request.user)
    if user_sessions.session_end(user=user, pk=pk, acting_user=user):
        messages.success(request, "That session is signed out")
    else:
        messages.error(request, "That session had already ended")
    return redirect("sessions")


@require_POST
def sessions_end_others(request: HttpRequest) -> HttpResponse:
    user = policy.signed_in(request.user)
    ended = user_sessions.sessions_end_others(
        user=user,
        keep_session_key=request.session.session_key,
        acting_user=user,
    )
    word = "session" if ended == 1 else "sessions"
    messages.success(request, f"{ended} other {word} signed out")
    return redirect("sessions")


@login_not_required
def locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What django-axes answers a sign-in that is locked: the page says so, and until when.

    Each failed try while locked starts the wait again, so the time is counted from now.
    """
    cool_off = get_cool_off(request)
    until = timezone.localtime(timezone.now() + cool_off) if cool_off else None
    rule = getattr(request, "sign_in_lock", None) or throttle.ACCOUNT_AT_ADDRESS
    context = {
        "until": until,
        "failure_limit": rule.limit,
        "rule": rule,
        "minutes": int(cool_off.total_seconds() // 60) if cool_off else None,
    }
    return render(request, "registration/locked_out.html", context, status=429)
