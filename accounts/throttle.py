"""How failed sign-ins are counted, and when they lock: three rules over django-axes' attempts.

django-axes keeps one row of failures per account, address and browser, and locks when one
count reaches one limit. One limit for an account and for an address would let five mistakes
behind an office's shared address lock out everyone in the office, so each rule here has its
own limit, counted over the cool-off time:

- an account at one address (``AXES_FAILURE_LIMIT``, 5): the person who forgot their password,
  or someone guessing it from one place;
- an account from anywhere (``SIGN_IN_ACCOUNT_FAILURE_LIMIT``, 10): guesses at one account
  spread over many addresses;
- an address, whatever the accounts (``SIGN_IN_ADDRESS_FAILURE_LIMIT``, 30): one place trying
  many accounts, held back more gently because many people may share it.

A successful sign-in clears the account's failures, and only the account's: signing in to one's
own account does not wipe what one address has tried against other accounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpRequest


@dataclass(frozen=True)
class Rule:
    key: str
    limit_setting: str
    # "There were N failed attempts to sign in <tried>, so <locked> is locked until ..."
    tried: str
    locked: str

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))


ACCOUNT_AT_ADDRESS = Rule(
    "account_at_address",
    "AXES_FAILURE_LIMIT",
    tried="to this account from this address",
    locked="signing in to it from here",
)
ACCOUNT = Rule(
    "account",
    "SIGN_IN_ACCOUNT_FAILURE_LIMIT",
    tried="to this account from any address",
    locked="signing in to it from anywhere",
)
ADDRESS = Rule(
    "address",
    "SIGN_IN_ADDRESS_FAILURE_LIMIT",
    tried="from this address, to any account",
    locked="signing in from here",
)
RULES = (ACCOUNT_AT_ADDRESS, ACCOUNT, ADDRESS)


def failures(request: HttpRequest, credentials: dict[str, Any] | None) -> dict[str, int]:
    """Each rule's failures within the cool-off time, in one query."""
    username = get_client_username(request, credentials)
    address = request.axes_ip_address  # type: ignore[attr-defined]
    account, here = Q(username=username), Q(ip_address=address)
    attempts = AccessAttempt.objects.filter(account | here)
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
    totals = attempts.aggregate(
        account_at_address=Sum("failures_since_start", filter=account & here),
        account=Sum("failures_since_start", filter=account),
        address=Sum("failures_since_start", filter=here),
    )
    return {key: total or 0 for key, total in totals.items()}


def rule_reached(counts: dict[str, int]) -> Rule | None:
    return next((rule for rule in RULES if counts[rule.key] >= rule.limit), None)


class SignInThrottleHandler(AxesDatabaseHandler):
    """django-axes' database handler, locking by the three rules above.

    django-axes asks ``get_failures`` both whether a sign-in is locked and, after a failure,
    whether to lock, and compares the answer with ``AXES_FAILURE_LIMIT``. The answer here is put
    on that scale: the limit less the attempts left before the nearest rule locks. The rule
    that locked is kept on the request for the page that says so.
    """

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        counts = failures(request, credentials)
        request.sign_in_lock = rule_reached(counts)  # type: ignore[attr-defined]
        left = min(rule.limit - counts[rule.key] for rule in RULES)
        return settings.AXES_FAILURE_LIMIT - left

    def reset_user_attempts(self, request: HttpRequest, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
