"""The address a request came from, behind the deployment's reverse proxies.

Each trusted proxy appends the address it was reached from to ``X-Forwarded-For``, so with N of
them in front of the app the person's address is the N-th entry from the right; anything to the
left of it was written by the client and could be anything. With no trusted proxy
(``AXES_IPWARE_PROXY_COUNT`` 0, the default) the header is ignored and the socket's address is
used. Sign-in throttling and the list of a person's sessions both use this.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    count: int = settings.AXES_IPWARE_PROXY_COUNT
    remote = request.META.get("REMOTE_ADDR") or None
    if count > 0:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        hops = [h for h in hops if h]
        if len(hops) >= count:
            return _valid(hops[-count]) or remote
    return _valid(remote)


def _valid(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
