"""``/health/``: is the app up, and can it reach its database and its broker?"""

from __future__ import annotations

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from .celery import app as celery_app

logger = logging.getLogger(__name__)

BROKER_TIMEOUT_SECONDS = 2.0


def database_state() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "down"; the log says why
        logger.exception("Health check: the database did not answer")
        return "error"
    return "ok"


def broker_url() -> str:
    return str(celery_app.conf.broker_write_url or celery_app.conf.broker_url)


def broker_state() -> str:
    try:
        with celery_app.connection_for_write(broker_url()) as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception:
        logger.exception("Health check: the broker did not answer")
        return "error"
    return "ok"


@login_not_required
@require_safe
@never_cache
def health(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_state(), "broker": broker_state()}
    healthy = all(state == "ok" for state in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
