"""Sign-in throttling in front of the password check."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class SignInThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check, for sign-ins that come over HTTP.

    Every sign-in form (ours, the admin's) passes the request, so every sign-in a visitor can
    attempt is counted and refused while locked. A sign-in without a request (a shell, a
    management command, the test client's ``login``) has no address to count against and is
    not throttled; django-axes would refuse it outright.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
