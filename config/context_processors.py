"""Values every page's template can use, whatever the app."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def service(request: HttpRequest) -> dict[str, str]:
    """Who runs this installation (``SERVICE_OWNER``): named in the header and footer."""
    return {"service_owner": settings.SERVICE_OWNER}
