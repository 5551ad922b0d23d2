"""The pages anyone may read without signing in, as a public-sector service must offer: the
accessibility statement and the privacy notice, linked from every page's footer."""

from __future__ import annotations

import datetime as dt
from email.utils import parseaddr

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from core.models import Deal

# When the statement was prepared and last reviewed: change it when the statement changes.
ACCESSIBILITY_STATEMENT_PREPARED = dt.date(2026, 12, 5)
PRIVACY_NOTICE_UPDATED = dt.date(2026, 12, 6)


def contact_email() -> str:
    """Where people write to the team that runs the service: ``CONTACT_EMAIL`` when the settings
    name one, otherwise the address the service's own emails come from."""
    return settings.CONTACT_EMAIL or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


def _controllers() -> list[str]:
    """The combined authorities that run the deals held here: each controls its deal's data."""
    deals = Deal.objects.select_related("combined_authority").order_by("name")
    names = {d.combined_authority.name for d in deals if d.combined_authority is not None}
    return sorted(names)


@login_not_required
@require_safe
def accessibility_statement(request: HttpRequest) -> HttpResponse:
    owners = [settings.SERVICE_OWNER] if settings.SERVICE_OWNER else _controllers()
    context = {
        "owners": owners,
        "prepared_on": ACCESSIBILITY_STATEMENT_PREPARED,
        "contact_email": contact_email(),
    }
    return render(request, "pages/accessibility.html", context)


@login_not_required
@require_safe
def privacy_notice(request: HttpRequest) -> HttpResponse:
    context = {
        "updated_on": PRIVACY_NOTICE_UPDATED,
        "contact_email": contact_email(),
        "controllers": _controllers(),
        "session_minutes": settings.SESSION_COOKIE_AGE // 60,
    }
    return render(request, "pages/privacy.html", context)
