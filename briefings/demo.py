"""Demo subscriptions, so that a freshly loaded demo sends real digests within minutes.

Called by the demo load (``tracker.demo.demo_data_load``) in its transaction, after the demo
people exist. The demo's subscriptions are those of demo users (which go with them when the demo
is replaced) and external ones at the demo's reserved domain, which are deleted here first.
Each is weekly, at the weekday and minute two minutes after the load, so the beat's tick sends
the first digests to ``var/mail/`` as soon as ``make run`` is up.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from core.choices import Role
from core.models import Deal
from tracker.models import Theme

from .choices import Audience, Frequency, Scope
from .models import Subscription
from .schedule import UK
from .services import subscription_create

DEMO_DOMAIN = "demo.example"  # the demo people's domain: reserved, mail to it goes nowhere
PARTNER_ADDRESS = f"briefings@partners.{DEMO_DOMAIN}"
FIRST_DIGEST_AFTER = dt.timedelta(minutes=2)


def demo_subscriptions_delete() -> int:
    demo = Q(user__is_demo=True) | Q(user__isnull=True, email__iendswith=f".{DEMO_DOMAIN}")
    demo |= Q(user__isnull=True, email__iendswith=f"@{DEMO_DOMAIN}")
    return int(Subscription.objects.filter(demo).delete()[0])


def demo_subscriptions_load(deal: Deal, *, now: dt.datetime | None = None) -> list[Subscription]:
    """A partner organisation's address, a DSG member and a sponsor's theme digest."""
    demo_subscriptions_delete()
    now = now or timezone.now()
    first = (now + FIRST_DIGEST_AFTER).astimezone(UK)
    schedule: dict[str, Any] = {
        "frequency": Frequency.WEEKLY,
        "day": first.weekday(),
        "send_at": first.time().replace(second=0, microsecond=0),
    }
    admin = _demo_person(deal, Role.ADMIN)
    dsg = _demo_person(deal, Role.DSG)
    sponsor = _demo_person(deal, Role.SPONSOR)
    if admin is None or dsg is None or sponsor is None:
        return []
    theme = Theme.objects.filter(deal=deal).order_by("position", "pk").first()
    wanted: list[dict[str, Any]] = [
        {
            "email": PARTNER_ADDRESS,
            "name": "Partnerships team",
            "organisation": "Example Business Forum (demo)",
            "audience": Audience.PARTNER,
        },
        {"user": dsg, "audience": Audience.INTERNAL},
        {"user": sponsor, "audience": Audience.INTERNAL, "scope": Scope.THEME, "theme": theme},
    ]
    return [
        subscription_create(deal=deal, acting_user=admin, now=now, **schedule, **fields)
        for fields in wanted
        if fields.get("theme", theme) is not None
    ]


def _demo_person(deal: Deal, role: str) -> User | None:
    return (
        User.objects.filter(is_demo=True, memberships__deal=deal, memberships__role=role)
        .order_by("pk")
        .first()
    )
