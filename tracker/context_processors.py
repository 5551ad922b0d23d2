"""Values every page's template can use."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from core import policy
from core.choices import Role


def workstream_roles(request: HttpRequest) -> dict[str, Any]:
    """Whether the person leads or sponsors a workstream, for the "My workstreams" link.

    Lazy, so pages that do not show the navigation (the admin, the API) read nothing.
    """
    user = request.user
    return {
        "holds_workstream_role": SimpleLazyObject(
            lambda: policy.holds_role(user, Role.LEAD) or policy.holds_role(user, Role.SPONSOR)
        ),
        # For the "Subscriptions" link: administrators of any deal.
        "is_deal_admin": SimpleLazyObject(lambda: policy.is_admin_anywhere(user)),
    }
