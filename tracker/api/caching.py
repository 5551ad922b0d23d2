"""Lists kept in the cache for each person until something they show changes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from rest_framework.response import Response

from core import policy
from tracker import freshness

if TYPE_CHECKING:
    from rest_framework.request import Request


class CachedListMixin:
    """A viewset whose list is served from the cache while nothing it shows has changed.

    Kept per person and per address (path, query string, and the host and scheme its page
    links name), under the data versions of the deals the person sees and their roles
    (``freshness.cached_for_person``). Correct only while every record the list reads moves
    those versions when it changes: ``list_reads`` names them, and a test checks that each is
    watched (``freshness.WATCHED``) and that they cover the serializer's model and relations.
    Only lists whose rows read nothing else, and nothing of the date, may use it.
    """

    list_reads: ClassVar[tuple[str, ...]]

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = request.user
        deal_ids = policy.deal_ids_visible_to(user)
        roles = (
            "superuser"
            if deal_ids is None
            else ";".join(f"{d}:{sorted(policy.roles_in(user, d))}" for d in sorted(deal_ids))
        )
        parts = [type(self).__name__, str(user.pk), request.build_absolute_uri()]

        def build() -> Any:
            return super(CachedListMixin, self).list(request, *args, **kwargs).data  # type: ignore[misc]

        return Response(freshness.cached_for_person(parts, build, deal_ids, roles))
