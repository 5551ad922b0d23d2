"""What a subscriber's digest says: built in bulk for a period, within scope and audience.

Interface (used by the sending code and the preview page):

- ``compose(subscription, *, period_start, period_end, now=None) -> DigestEmail | None``: the
  email the subscription receives for the period, or ``None`` when there is nothing to say.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.mail import EmailMultiAlternatives

from .models import Subscription


@dataclass
class DigestEmail:
    message: EmailMultiAlternatives
    context: dict


def compose(
    subscription: Subscription,
    *,
    period_start: dt.datetime,
    period_end: dt.datetime,
    now: dt.datetime | None = None,
) -> DigestEmail | None:
    raise NotImplementedError("The digest builder is being written.")
