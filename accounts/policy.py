"""Who may see what. Every page, API endpoint, export and email asks this module.

The rules, in one place:
- A person sees a deal, and everything in it, when they hold a role in it (superusers see all).
- OFFICIAL-SENSITIVE material (negotiating positions) is for WMCA roles only: administrators,
  leads, sponsors and Devolution Strategy Group members. Partners see OFFICIAL material only.
- Reference data that belongs to no deal (missions, metrics, indicators, areas) is visible to
  every signed-in person.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet

from tracker.choices import Classification

from .choices import Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from tracker.models import Deal

    from .models import User

M = TypeVar("M", bound=Model)

SENSITIVE_ROLES = frozenset({Role.ADMIN, Role.LEAD, Role.SPONSOR, Role.DSG})


def _roles_by_deal(user: User | AnonymousUser) -> dict[int, frozenset[str]]:
    """The roles a person holds, per deal id; read once per request and kept on the user."""
    if not user.is_authenticated:
        return {}
    cached: dict[int, frozenset[str]] | None = getattr(user, "_roles_by_deal", None)
    if cached is None:
        pairs: dict[int, set[str]] = {}
        for deal_id, role in user.memberships.values_list("deal_id", "role"):
            pairs.setdefault(deal_id, set()).add(role)
        cached = {deal_id: frozenset(roles) for deal_id, roles in pairs.items()}
        user._roles_by_deal = cached  # type: ignore[union-attr]
    return cached


def roles_in(user: User | AnonymousUser, deal: Deal | int) -> frozenset[str]:
    deal_id = deal if isinstance(deal, int) else deal.pk
    return _roles_by_deal(user).get(deal_id, frozenset())


def deal_ids_visible_to(user: User | AnonymousUser) -> set[int] | None:
    """The deals a person may see; None means every deal (a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return set(_roles_by_deal(user))


def can_see_sensitive(user: User | AnonymousUser, deal: Deal | int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return bool(roles_in(user, deal) & SENSITIVE_ROLES)


def visible_in_deals(qs: QuerySet[M], user: User | AnonymousUser, deal_path: str) -> QuerySet[M]:
    """Restrict a queryset of deal-scoped rows to the deals the person may see.

    ``deal_path`` is the lookup from the model to its deal id, e.g. ``"deal"`` or ``"body__deal"``.
    """
    deal_ids = deal_ids_visible_to(user)
    if deal_ids is None:
        return qs
    return qs.filter(**{f"{deal_path}__in": deal_ids})


def classified_filter(user: User | AnonymousUser, deal_path: str, prefix: str = "") -> Q:
    """A filter for rows carrying a classification that the person may see.

    Rows in deals where the person may see OFFICIAL-SENSITIVE material pass whatever their
    marking; elsewhere only OFFICIAL rows pass. Deals the person cannot see are excluded.
    """
    deal_ids = deal_ids_visible_to(user)
    if deal_ids is None:
        return Q()
    sensitive_deals = [d for d in deal_ids if can_see_sensitive(user, d)]
    official_deals = [d for d in deal_ids if d not in sensitive_deals]
    return Q(**{f"{prefix}{deal_path}__in": sensitive_deals}) | Q(
        **{
            f"{prefix}{deal_path}__in": official_deals,
            f"{prefix}classification": Classification.OFFICIAL,
        }
    )


def visible_classified(qs: QuerySet[M], user: User | AnonymousUser, deal_path: str) -> QuerySet[M]:
    """Restrict a queryset of classified rows (proposals, status updates...) for a person."""
    return qs.filter(classified_filter(user, deal_path))
