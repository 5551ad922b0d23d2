"""Who may see what. Every page, API endpoint, export and email asks this module.

The rules, in one place:
- A person sees a deal, and everything in it, when they hold a role in it (superusers see all).
- OFFICIAL-SENSITIVE material (negotiating positions) is for the combined authority's own
  roles: administrators, leads, sponsors and Devolution Strategy Group members. Partners see
  OFFICIAL material only.
- Reference data that belongs to no deal (missions, metrics, indicators, areas) is visible to
  every signed-in person.
- Writing: administrators (the deal's core team) write anywhere in their deal; a lead writes only to
  the workstreams they lead; a sponsor signs off updates of the workstreams they sponsor.
  Merging and ceasing workstreams is for administrators.
- Whether a workstream has reported (and so whether it is overdue) is a fact about the process,
  shown to everyone who sees the workstream; what a sensitive update says is not.
- Proposals: their workstream's lead (and administrators) write them and log talks with
  government departments about them, from the draft on (which stages allow it is the tracker's
  rule). Administrators run the governance: they record decisions, skip a
  level with a reason, submit approved proposals to government, record outcomes, and keep
  meetings, the Proposition and the milestones. A proposal's decisions and agenda items are seen
  by whoever may see the proposal; a negotiation entry needs both the proposal's and its own
  marking to allow it. A meeting is seen by everyone in the deal; its minutes and attendance
  only by those its marking allows.
- Papers (files attached to a meeting or a proposal) carry at least their record's marking and
  may be marked higher. Whoever may attach papers to the record (a meeting's: administrators; a
  proposal's: those who may edit it) may remove them. A paper is seen, listed and downloaded by
  whoever may see its record and both markings: a partner never gets an OFFICIAL-SENSITIVE one.
- Provisions of an agreed deal: administrators create, edit and import them; the lead of a
  provision's workstream (and administrators) report on its delivery, and its sponsor signs
  the reports off. A delivery report, and its sign-off, follow the provision's marking.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet

from core.choices import Classification, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User
    from core.models import Deal
    from delivery.models import Provision
    from tracker.models import Meeting, Proposal, Workstream

M = TypeVar("M", bound=Model)

SENSITIVE_ROLES = frozenset({Role.ADMIN, Role.LEAD, Role.SPONSOR, Role.DSG})


def signed_in(user: User | AnonymousUser) -> User:
    """The person making a request that only signed-in people reach (every page is behind the
    login middleware, every API operation behind ``IsAuthenticated``): lets a view hand them to a
    service as ``acting_user``. Refuses, rather than passing an anonymous visitor on, if a view
    is ever opened to them by mistake."""
    if not user.is_authenticated:
        raise PermissionDenied("Sign in first.")
    return user


def _memberships(user: User | AnonymousUser) -> list[tuple[int, str, int | None]]:
    """(deal id, role, workstream id) for each role a person holds; read once per request."""
    if not user.is_authenticated:
        return []
    cached: list[tuple[int, str, int | None]] | None = getattr(user, "_policy_memberships", None)
    if cached is None:
        cached = list(user.memberships.values_list("deal_id", "role", "workstream_id"))
        user._policy_memberships = cached
    return cached


def forget(user: User | AnonymousUser) -> None:
    """Drop what was read about a person's roles, after they change."""
    if user.is_authenticated and hasattr(user, "_policy_memberships"):
        del user._policy_memberships


def _roles_by_deal(user: User | AnonymousUser) -> dict[int, frozenset[str]]:
    pairs: dict[int, set[str]] = {}
    for deal_id, role, _ in _memberships(user):
        pairs.setdefault(deal_id, set()).add(role)
    return {deal_id: frozenset(roles) for deal_id, roles in pairs.items()}


def workstream_ids_held(user: User | AnonymousUser, role: str) -> set[int]:
    """The workstreams a person holds a workstream role (lead, sponsor) for."""
    return {ws for _, r, ws in _memberships(user) if r == role and ws is not None}


def roles_in(user: User | AnonymousUser, deal: Deal | int) -> frozenset[str]:
    deal_id = deal if isinstance(deal, int) else deal.pk
    return _roles_by_deal(user).get(deal_id, frozenset())


def holds_role(user: User | AnonymousUser, role: str) -> bool:
    return any(r == role for _, r, _ in _memberships(user))


def deal_ids_visible_to(user: User | AnonymousUser) -> set[int] | None:
    """The deals a person may see; None means every deal (a superuser)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return set(_roles_by_deal(user))


def can_see_deal(user: User | AnonymousUser, deal: Deal | int) -> bool:
    """Whether the person may see the deal at all: a role in it, or the superuser."""
    visible = deal_ids_visible_to(user)
    return visible is None or (deal if isinstance(deal, int) else deal.pk) in visible


def deal_ids_administered(user: User | AnonymousUser) -> set[int] | None:
    """The deals a person administers; None means every deal (a superuser, who runs the site)."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return None
    return {deal_id for deal_id, roles in _roles_by_deal(user).items() if Role.ADMIN in roles}


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


def partner_filter(deal_id: int, deal_path: str, prefix: str = "") -> Q:
    """What a partner of the deal sees of rows carrying a classification: the deal's OFFICIAL
    rows. For readers with no account (an external address, through a signed link), whom
    ``classified_filter`` cannot ask about their roles: they are held to the partner's view."""
    return Q(
        **{f"{prefix}{deal_path}": deal_id, f"{prefix}classification": Classification.OFFICIAL}
    )


def visible_classified(qs: QuerySet[M], user: User | AnonymousUser, deal_path: str) -> QuerySet[M]:
    """Restrict a queryset of classified rows (proposals, status updates...) for a person."""
    return qs.filter(classified_filter(user, deal_path))


def is_admin(user: User | AnonymousUser, deal: Deal | int) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or Role.ADMIN in roles_in(user, deal)


def is_admin_anywhere(user: User | AnonymousUser) -> bool:
    """Is the person an administrator of any deal (or a superuser)?"""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or holds_role(user, Role.ADMIN)


def can_write_workstream(user: User | AnonymousUser, workstream: Workstream) -> bool:
    """May the person post updates, and keep risks and the engagement plan, for this workstream?"""
    if not user.is_authenticated or not user.is_active:
        return False
    return is_admin(user, workstream.deal_id) or workstream.pk in workstream_ids_held(
        user, Role.LEAD
    )


def can_review_updates(user: User | AnonymousUser, workstream: Workstream) -> bool:
    """May the person sign off (or comment on) this workstream's updates? Its sponsor may."""
    if not user.is_authenticated or not user.is_active:
        return False
    return workstream.pk in workstream_ids_held(user, Role.SPONSOR)


def can_see_record(user: User | AnonymousUser, deal_id: int, classification: str) -> bool:
    """May the person see one classified record of a deal?"""
    deal_ids = deal_ids_visible_to(user)
    if deal_ids is not None and deal_id not in deal_ids:
        return False
    return classification == Classification.OFFICIAL or can_see_sensitive(user, deal_id)


def owner_refusal(owner: User, deal_id: int, classification: str) -> str | None:
    """Why this person may not own (be named as responsible for) a record of this deal with this
    marking, or None if they may. An owner holds a role in the deal, and may see what they own.
    Running the site (a superuser) is not a role in any deal."""
    if not roles_in(owner, deal_id):
        return "Choose someone with a role in this deal"
    if not can_see_record(owner, deal_id, classification):
        return "Choose someone who may see OFFICIAL-SENSITIVE material to own this"
    return None


# --- Proposals, governance and negotiation --------------------------------------------------


def can_edit_proposal(user: User | AnonymousUser, workstream: Workstream) -> bool:
    """May the person draft, edit, submit into the chain and log negotiations for proposals of
    this workstream? Its lead and administrators may."""
    return can_write_workstream(user, workstream)


def can_run_governance(user: User | AnonymousUser, deal: Deal | int) -> bool:
    """Decisions, skips, submission to government, outcomes, meetings, the Proposition and the
    milestones are for administrators (the deal's core team)."""
    return is_admin(user, deal)


def visible_decisions(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    return qs.filter(classified_filter(user, "deal", prefix="proposal__"))


def visible_negotiations(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """Negotiation entries: the entry's marking and its proposal's must both allow it."""
    return qs.filter(classified_filter(user, "proposal__deal")).filter(
        classified_filter(user, "deal", prefix="proposal__")
    )


def visible_meetings(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    return visible_in_deals(qs, user, "body__deal")


def visible_agenda_items(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """An item about a proposal follows the proposal's marking as well as its own."""
    return qs.filter(classified_filter(user, "meeting__body__deal")).filter(
        Q(proposal__isnull=True) | classified_filter(user, "deal", prefix="proposal__")
    )


def visible_proposition_items(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """An item is a copy of its proposal's words: it follows the proposal's marking now as well
    as the marking copied with it, as an agenda item does."""
    return qs.filter(classified_filter(user, "version__deal")).filter(
        classified_filter(user, "deal", prefix="proposal__")
    )


# --- Papers of meetings and proposals ----------------------------------------------------------


def can_attach_meeting_papers(user: User | AnonymousUser, meeting: Meeting) -> bool:
    """A meeting's papers are kept, as the meeting is, by its deal's administrators."""
    return can_run_governance(user, meeting.body.deal_id)


def can_attach_proposal_papers(user: User | AnonymousUser, proposal: Proposal) -> bool:
    """A proposal's documents are kept by whoever may edit it (its workstream's lead and
    administrators), if they may see it."""
    return can_see_record(user, proposal.deal_id, proposal.classification) and can_edit_proposal(
        user, proposal.workstream
    )


def visible_papers(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """A paper needs its own marking and its record's (the meeting's or the proposal's, as it is
    now) to allow it."""
    return (
        qs.filter(classified_filter(user, "deal"))
        .filter(Q(meeting__isnull=True) | classified_filter(user, "body__deal", prefix="meeting__"))
        .filter(Q(proposal__isnull=True) | classified_filter(user, "deal", prefix="proposal__"))
    )


# --- Provisions and their delivery -------------------------------------------------------------


def can_manage_provisions(user: User | AnonymousUser, deal: Deal | int) -> bool:
    """Creating, editing, importing and publishing a deal's provisions is for its
    administrators (the deal's core team)."""
    return is_admin(user, deal)


def can_report_on_provision(user: User | AnonymousUser, provision: Provision) -> bool:
    """May the person report on this provision's delivery? The lead of its workstream may,
    and administrators; they must also be allowed to see it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not can_see_record(user, provision.deal_id, provision.classification):
        return False
    return is_admin(user, provision.deal_id) or provision.workstream_id in workstream_ids_held(
        user, Role.LEAD
    )


def visible_provision_reports(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """A delivery report carries its provision's marking."""
    return qs.filter(classified_filter(user, "deal", prefix="provision__"))


def visible_provision_reviews(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """A sponsor's review of a delivery report carries the provision's marking."""
    return qs.filter(classified_filter(user, "deal", prefix="report__provision__"))


def can_review_provision_reports(user: User | AnonymousUser, provision: Provision) -> bool:
    """May the person sign off (or comment on) this provision's delivery reports? The sponsor
    of its workstream may, as they sign off its status updates, if they may see it."""
    if not user.is_authenticated or not user.is_active:
        return False
    if not can_see_record(user, provision.deal_id, provision.classification):
        return False
    return provision.workstream_id in workstream_ids_held(user, Role.SPONSOR)


# --- Indicators, observations and targets ------------------------------------------------------


def can_manage_figures(user: User | AnonymousUser, framework_deal_id: int | None = None) -> bool:
    """May the person import observations and set baselines and targets for an indicator?

    Figures of a national framework (``framework_deal_id`` None), which every deal uses, are
    kept by the administrators of any deal; a deal's own framework by that deal's."""
    if framework_deal_id is None:
        return is_admin_anywhere(user)
    return is_admin(user, framework_deal_id)


# --- Subscriptions to briefings ----------------------------------------------------------------


def can_manage_subscriptions(user: User | AnonymousUser, deal: Deal | int) -> bool:
    """Administrators manage every subscription of their deal, external addresses included."""
    return is_admin(user, deal)


def can_subscribe(user: User | AnonymousUser, deal: Deal | int) -> bool:
    """A person subscribes themselves to the briefings of a deal they hold a role in."""
    deal_ids = deal_ids_visible_to(user)
    deal_id = deal if isinstance(deal, int) else deal.pk
    return deal_ids is None or deal_id in deal_ids


def can_manage_subscription(user: User | AnonymousUser, deal_id: int, user_id: int | None) -> bool:
    """May the person change a subscription of this deal for this subscriber (None: an external
    address)? Administrators may change any; anyone else only their own."""
    if can_manage_subscriptions(user, deal_id):
        return True
    return user_id is not None and user_id == user.pk and can_subscribe(user, deal_id)


def can_preview_subscription(user: User | AnonymousUser, deal_id: int) -> bool:
    """Seeing what a subscription would receive now is for the deal's administrators."""
    return is_admin(user, deal_id)


def can_read_digest_link(
    user: User | AnonymousUser, audience: str, subscriber_id: int | None
) -> bool:
    """Who may read a digest through its browser link. A partner digest holds OFFICIAL material
    only: the signed link is the key. An internal one may hold OFFICIAL-SENSITIVE material and
    an email gets forwarded: only its subscriber, signed in, reads it."""
    if audience != "internal":
        return True
    return (
        user.is_authenticated
        and subscriber_id is not None
        and user.pk == subscriber_id
        and has_second_factor_if_needed(user)
    )


def visible_subscriptions(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """Every subscription of the deals the person administers, and their own anywhere (so that
    someone who has lost their role can still see and stop what they receive)."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    admin_deals = deal_ids_administered(user)
    if admin_deals is None:
        return qs
    return qs.filter(Q(deal__in=admin_deals) | Q(user=user))


def visible_deliveries(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """The delivery log is for administrators: digests of their deals' subscriptions, and
    reminders about their deals' workstreams or to people who hold a role in them."""
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    admin_deals = deal_ids_administered(user)
    if admin_deals is None:
        return qs
    if not admin_deals:
        return qs.none()
    from django.db.models import Exists, OuterRef

    from core.models import Membership

    member = Membership.objects.filter(user=OuterRef("recipient"), deal__in=admin_deals)
    return qs.filter(
        Q(subscription__deal__in=admin_deals)
        | Q(workstream__deal__in=admin_deals)
        | Q(subscription__isnull=True, workstream__isnull=True) & Exists(member)
    )


# --- Sign-in ---------------------------------------------------------------------------------


def has_second_factor_if_needed(user: User | AnonymousUser) -> bool:
    """Whether this session has given the second factor, where the person's roles need one and
    the site asks for it (``TWO_FACTOR_REQUIRED``). A session that gave only the password is
    not enough for OFFICIAL-SENSITIVE material, wherever a page is reached from."""
    if not second_factor_required(user):
        return True
    is_verified = getattr(user, "is_verified", None)  # set by django-otp's middleware
    return bool(is_verified and is_verified())


def second_factor_required(user: User | AnonymousUser) -> bool:
    """Whether this person must give a second factor: the site asks for one
    (``TWO_FACTOR_REQUIRED``) and their roles need it."""
    return bool(settings.TWO_FACTOR_REQUIRED) and needs_second_factor(user)


def needs_second_factor(user: User | AnonymousUser) -> bool:
    """Does the person sign in with a second factor? Everyone who may see OFFICIAL-SENSITIVE
    material in any deal does (superusers included); partners and people with no role do not."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or any(role in SENSITIVE_ROLES for _, role, _ in _memberships(user))


# --- One restriction for every deal-scoped list ----------------------------------------------

VIEW, ADMINISTER = "view", "administer"


# Rows whose visibility follows a rule of their own beyond their deal and marking, by model.
def _visible_reviews(qs: QuerySet[M], user: User | AnonymousUser) -> QuerySet[M]:
    """A sponsor's review follows the marking of the update it reviews."""
    return qs.filter(classified_filter(user, "workstream__deal", prefix="status_update__"))


_VIEW_RULES: dict[str, Callable[[QuerySet[Any], User | AnonymousUser], QuerySet[Any]]] = {
    # A meeting is seen by everyone in its deal; its minutes follow its marking on the page.
    "tracker.meeting": visible_meetings,
    "tracker.decision": visible_decisions,
    "tracker.principleresponse": visible_decisions,  # follows its proposal's marking
    "tracker.negotiationentry": visible_negotiations,
    "tracker.agendaitem": visible_agenda_items,
    "tracker.propositionitem": visible_proposition_items,
    "tracker.updatereview": _visible_reviews,
    "papers.paper": visible_papers,
    "delivery.provisionreport": visible_provision_reports,
    "delivery.provisionreportreview": visible_provision_reviews,
    "briefings.subscription": visible_subscriptions,
}


def _deal_optional(model: type[Model], path: str) -> bool:
    """Whether a row may belong to no deal (a national framework's rows): reference data."""
    if path == "pk":
        return False
    opts = model._meta
    for name in path.split("__"):
        field = opts.get_field(name)
        if getattr(field, "null", False):
            return True
        if field.related_model is None:
            return False
        opts = field.related_model._meta
    return False


def restrict(qs: QuerySet[M], user: User | AnonymousUser, action: str = VIEW) -> QuerySet[M]:
    """``Model.objects.visible_to(user, action)``: the rows a person may ``view`` (in the deals
    they see, and for classified rows only those their roles may read) or those of the deals
    they ``administer``. A row that belongs to no deal is reference data, visible to every
    signed-in person. The model says how a row reaches its deal, once, as ``deal_path``."""
    model = qs.model
    path: str | None = getattr(model, "deal_path", None)
    if path is None:
        raise TypeError(f"{model._meta.label} belongs to no deal: it has no deal_path.")
    if action == VIEW:
        rule = _VIEW_RULES.get(model._meta.label_lower)
        if rule is not None:
            return rule(qs, user)
        if any(f.name == "classification" for f in model._meta.concrete_fields):
            allowed = classified_filter(user, path)
        else:
            deal_ids = deal_ids_visible_to(user)
            allowed = Q() if deal_ids is None else Q(**{f"{path}__in": deal_ids})
    elif action == ADMINISTER:
        deal_ids = deal_ids_administered(user)
        allowed = Q() if deal_ids is None else Q(**{f"{path}__in": deal_ids})
    else:
        raise ValueError(f"Unknown action {action!r}: {VIEW!r} or {ADMINISTER!r}.")
    if _deal_optional(model, path) and user.is_authenticated and user.is_active:
        allowed |= Q(**{f"{path}__isnull": True})
    restricted = qs.filter(allowed)
    # A path through a many-valued relation (a person's memberships) would repeat rows.
    return restricted.distinct() if path.startswith("memberships") else restricted
