"""The sessions a person is signed in with: recorded at sign-in, moved on while used, ended by
the person (one, or all but this one), and all ended when the person is disabled.

The session itself lives in Django's session store; ``UserSession`` maps its key to the person
with what they need to recognise it (browser, address, when). Ending a session deletes it from
the store, so the browser holding it is signed out at its next request.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core import policy

from .client_ip import client_ip
from .models import User, UserSession

# Activity is written at most this often: a session's expiry and its "last active" move on
# with it, so the idle timeout is kept to within this much without a write on every request.
ACTIVITY_INTERVAL = dt.timedelta(minutes=1)
ACTIVITY_SESSION_KEY = "_activity_at"
USER_AGENT_MAX = 300


def _store(session_key: str) -> SessionBase:
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def session_record_sign_in(*, request: HttpRequest, user: User) -> UserSession | None:
    """Record the session a person has just signed in with (its key is new: login rotates it)."""
    session = getattr(request, "session", None)
    if session is None:
        return None
    if session.session_key is None:
        session.save()
    now = timezone.now()
    session[ACTIVITY_SESSION_KEY] = now.timestamp()
    # Rows of sessions that have since expired go when the person next signs in.
    UserSession.objects.filter(user=user).exclude(
        session_key__in=Session.objects.filter(expire_date__gt=now).values("session_key")
    ).delete()
    row, _ = UserSession.objects.update_or_create(
        session_key=session.session_key,
        defaults={
            "user": user,
            "ip_address": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
            "signed_in_at": now,
            "last_active_at": now,
        },
    )
    return row


def session_touch(request: HttpRequest) -> None:
    """Move a signed-in session's expiry and its "last active" on, at most once a minute."""
    session = request.session
    last = session.get(ACTIVITY_SESSION_KEY)
    now = timezone.now()
    if last is not None and now.timestamp() - float(last) < ACTIVITY_INTERVAL.total_seconds():
        return
    session[ACTIVITY_SESSION_KEY] = now.timestamp()  # saving the session moves its expiry on
    updated = UserSession.objects.filter(session_key=session.session_key).update(
        last_active_at=now, ip_address=client_ip(request)
    )
    if not updated and session.session_key:
        # A session that began before sessions were recorded. Two requests of the same session
        # may both get here at once: the second finds the first's row, not an error.
        UserSession.objects.get_or_create(
            session_key=session.session_key,
            defaults={
                "user": policy.signed_in(request.user),
                "ip_address": client_ip(request),
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
                "signed_in_at": now,
                "last_active_at": now,
            },
        )


def session_forget(session_key: str | None) -> None:
    """The person signed out of this session: its row goes (the store flushes the session)."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_of(user: User) -> QuerySet[UserSession]:
    """The person's sessions that have not expired, most recently active first."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return UserSession.objects.filter(user=user, session_key__in=live).order_by("-last_active_at")


@transaction.atomic
def session_end(*, user: User, pk: int, acting_user: User) -> bool:
    """End one of the person's sessions; False when it is not theirs or has already ended."""
    if acting_user.pk != user.pk:
        return False
    row = UserSession.objects.filter(user=user, pk=pk).first()
    if row is None:
        return False
    _end([row])
    return True


@transaction.atomic
def sessions_end_others(*, user: User, keep_session_key: str | None, acting_user: User) -> int:
    """End every session of the person but the one they are using."""
    if acting_user.pk != user.pk:
        return 0
    rows = list(UserSession.objects.filter(user=user).exclude(session_key=keep_session_key))
    return _end(rows)


def sessions_end_all(*, user: User) -> int:
    """End every session of the person (they have been disabled)."""
    return _end(list(UserSession.objects.filter(user=user)))


def _end(rows: list[UserSession]) -> int:
    for row in rows:
        _store(row.session_key).delete()
    UserSession.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def describe_user_agent(user_agent: str) -> str:
    """A person's words for a browser: "Firefox on Windows", "Safari on iPhone"."""
    ua = user_agent or ""
    browser = next((name for token, name in _BROWSERS if token in ua), "")
    system = next((name for token, name in _SYSTEMS if token in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "An unknown browser"


# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", Android says "Linux".
_BROWSERS = [
    ("Edg/", "Microsoft Edge"),
    ("OPR/", "Opera"),
    ("Firefox/", "Firefox"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
    ("python-requests", "A program (python-requests)"),
    ("curl/", "A program (curl)"),
]
_SYSTEMS = [
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "macOS"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
]
