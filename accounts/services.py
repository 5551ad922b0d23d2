"""Writes for people and their roles: provisioning users and granting or revoking memberships.

Every function here is atomic and raises ``AccountsError`` with a message a person can act on;
callers (the ``add_user`` command, the admin, the API) show that message as it is.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from core.choices import WORKSTREAM_ROLES, OrganisationKind, Role
from core.errors import DomainError
from core.models import Deal, Membership, Organisation

from .models import User

if TYPE_CHECKING:
    from tracker.models import Workstream


class AccountsError(DomainError):
    """A request to change people or roles that cannot be carried out, and why."""


@transaction.atomic
def user_provision(
    *,
    email: str,
    role: str,
    deal: Deal,
    workstreams: Iterable[Workstream] = (),
    organisation_name: str | None = None,
    organisation_kind: str | None = None,
    full_name: str = "",
    password: str | None = None,
    is_demo: bool = False,
    acting_user: User | None = None,
) -> User:
    """Create the user with this email, or update the one that has it, and give them a role.

    Leads and sponsors hold their role for one or more workstreams of the deal; the other roles
    are for the whole deal and take no workstream. An administrator of a deal may sign in to the
    Django admin, where they see that deal only (``sync_admin_site_access``); no role makes a
    superuser, who runs the whole site (an operator, made with ``createsuperuser``).

    The organisation must already exist, unless ``organisation_kind`` is given: then it is
    created with that kind. (Creating organisations only on request keeps a typo from becoming a
    new organisation.)

    A new user given no password gets an unusable one (they can be sent a reset link later); an
    existing user given no password keeps theirs. Existing memberships are kept: this only adds.
    """
    role = _role_checked(role)
    chosen = _workstreams_checked(role=role, deal=deal, workstreams=workstreams)
    email = _email_checked(email)
    organisation = _organisation_resolve(name=organisation_name, kind=organisation_kind)

    user = User.objects.filter(email__iexact=email).first() or User(email=email, is_demo=is_demo)
    if full_name:
        user.full_name = full_name.strip()
    if organisation is not None:
        user.organisation = organisation
    if password:
        _password_check(password, user)
        user.set_password(password)
    elif user.pk is None:
        user.set_unusable_password()
    user.save()

    places: list[Workstream | None] = [*chosen] or [None]  # no workstream: one deal-wide role
    for workstream in places:
        membership_grant(
            user=user, role=role, deal=deal, workstream=workstream, acting_user=acting_user
        )
    user.refresh_from_db(fields=["is_staff"])  # set by sync_admin_site_access, on the grant
    return user


@transaction.atomic
def membership_grant(
    *,
    user: User,
    role: str,
    deal: Deal,
    workstream: Workstream | None = None,
    acting_user: User | None = None,
) -> Membership:
    """Give a user a role in a deal (for a workstream, if the role is a lead's or a sponsor's).

    Granting a membership the user already has changes nothing and returns it.
    """
    role = _role_checked(role)
    _workstreams_checked(role=role, deal=deal, workstreams=[workstream] if workstream else [])
    if role == Role.SPONSOR and workstream is not None:
        _sponsor_vacancy_check(workstream=workstream, user=user)
    try:
        # A savepoint, so that losing a race on the one-sponsor constraint leaves the caller's
        # transaction usable and the error readable.
        with transaction.atomic():
            membership, _ = Membership.objects.get_or_create(
                user=user, deal=deal, role=role, workstream=workstream
            )
    except IntegrityError as error:
        if role == Role.SPONSOR:
            raise AccountsError(
                f"{workstream} already has an SLT sponsor: a workstream has one sponsor."
            ) from error
        raise AccountsError(
            f"Could not give {user.email} the role {Role(role).label} for {workstream or deal}."
        ) from error
    return membership


@transaction.atomic
def membership_revoke(
    *,
    user: User,
    role: str,
    deal: Deal,
    workstream: Workstream | None = None,
    acting_user: User | None = None,
) -> None:
    """Take a role away. The last administrator membership also takes away admin site access
    (``sync_admin_site_access``, run whenever a membership is saved or deleted)."""
    role = _role_checked(role)
    deleted, _ = Membership.objects.filter(
        user=user, deal=deal, role=role, workstream=workstream
    ).delete()
    if not deleted:
        where = f"workstream {workstream}" if workstream else f"deal {deal}"
        raise AccountsError(f"{user.email} is not {Role(role).label} for {where}.")


def sync_admin_site_access(user: User) -> None:
    """The Django admin is for operators (superusers) and for the administrators of a deal,
    however a role is given or taken away: here, in the Django admin, or in a migration."""
    staff = user.is_superuser or user.memberships.filter(role=Role.ADMIN).exists()
    if user.is_staff != staff:
        User.objects.filter(pk=user.pk).update(is_staff=staff)
        user.is_staff = staff


def _role_checked(role: str) -> Role:
    if role not in Role.values:
        raise AccountsError(f"Unknown role {role!r}. Roles: {', '.join(Role.values)}.")
    return Role(role)


def _workstreams_checked(
    *, role: Role, deal: Deal, workstreams: Iterable[Workstream]
) -> list[Workstream]:
    chosen = list(dict.fromkeys(workstreams))  # without repeats, in the order given
    if role in WORKSTREAM_ROLES and not chosen:
        raise AccountsError(
            f"The role {Role(role).label} is held for workstreams: give at least one "
            f"workstream of {deal}."
        )
    if role not in WORKSTREAM_ROLES and chosen:
        raise AccountsError(
            f"The role {Role(role).label} is held for the whole deal, not for a workstream: "
            "give no workstream."
        )
    for workstream in chosen:
        if workstream.deal_id != deal.pk:
            raise AccountsError(f"Workstream {workstream} is not part of {deal}.")
        if not workstream.is_active:
            raise AccountsError(
                f"Workstream {workstream} is {workstream.get_status_display().lower()}: "
                "give the workstream that carries on its work."
            )
    return chosen


def _email_checked(email: str) -> str:
    email = User.objects.normalize_email(email.strip()).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise AccountsError(f"{email!r} is not a valid email address.") from None
    return email


def _organisation_resolve(*, name: str | None, kind: str | None) -> Organisation | None:
    if not name:
        if kind:
            raise AccountsError("An organisation kind was given without an organisation name.")
        return None
    name = name.strip()
    organisation = Organisation.objects.filter(name__iexact=name).first()
    if organisation is not None:
        if kind and organisation.kind != kind:
            raise AccountsError(
                f"The organisation {organisation.name!r} already exists as a "
                f"{organisation.get_kind_display().lower()}, not {kind!r}."
            )
        return organisation
    if not kind:
        known = ", ".join(Organisation.objects.values_list("name", flat=True)) or "none yet"
        raise AccountsError(
            f"There is no organisation called {name!r} (known: {known}). Check the spelling, "
            "or give its kind to create it "
            f"(one of: {', '.join(OrganisationKind.values)})."
        )
    if kind not in OrganisationKind.values:
        raise AccountsError(
            f"Unknown organisation kind {kind!r}. Kinds: {', '.join(OrganisationKind.values)}."
        )
    return Organisation.objects.create(name=name, kind=kind)


def _password_check(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise AccountsError("The password is not acceptable: " + " ".join(error.messages)) from None


def _sponsor_vacancy_check(*, workstream: Workstream, user: User) -> None:
    # Two requests at once can both pass this check: the database's one-sponsor constraint
    # catches the second, and membership_grant turns that into the same message.
    current = (
        Membership.objects.filter(workstream=workstream, role=Role.SPONSOR)
        .exclude(user=user)
        .select_related("user")
        .first()
    )
    if current is not None:
        raise AccountsError(
            f"{workstream} already has an SLT sponsor, {current.user.email}: a workstream has "
            "one sponsor. Revoke theirs first."
        )


def calendar_token_reset(*, user: User) -> str:
    """Give the person a new secret calendar feed address; the old one stops working."""
    token = secrets.token_urlsafe(32)
    User.objects.filter(pk=user.pk).update(calendar_token=token)
    user.calendar_token = token
    return token


def user_for_calendar_token(token: str) -> User | None:
    """The active person whose calendar feed address carries this secret, if any."""
    if not token or len(token) > 64:
        return None
    return User.objects.filter(calendar_token=token, is_active=True).first()
