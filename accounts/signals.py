"""Sessions follow the person: recorded when they sign in, forgotten when they sign out, and all
ended when they are disabled (connected in ``AccountsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.models import Membership

from . import services, user_sessions
from .models import User


def on_signed_in(sender: Any, request: HttpRequest | None, user: User, **kwargs: Any) -> None:
    if request is not None:
        user_sessions.session_record_sign_in(request=request, user=user)


def on_signed_out(sender: Any, request: HttpRequest | None, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        user_sessions.session_forget(session.session_key)


def on_user_saved(sender: Any, instance: User, created: bool, **kwargs: Any) -> None:
    if not created and not instance.is_active:
        user_sessions.sessions_end_all(user=instance)


def on_membership_changed(sender: Any, instance: Membership, **kwargs: Any) -> None:
    user = User.objects.filter(pk=instance.user_id).first()  # gone when the user is deleted
    if user is not None:
        services.sync_admin_site_access(user)
