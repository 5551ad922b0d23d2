"""Create or update a person and give them a role in a deal, from the command line."""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services import AccountsError, user_provision
from core.choices import OrganisationKind, Role
from core.models import Deal

if TYPE_CHECKING:
    from tracker.models import Workstream


class Command(BaseCommand):
    help = (
        "Create a user (or update the one with this email) and give them a role in a deal. "
        "Leads and sponsors need --workstream; a password is only ever read from an environment "
        "variable, never from the command line; without one the user cannot sign in with a "
        "password until one is set."
    )

    def create_parser(self, prog_name: str, subcommand: str, **kwargs: Any) -> CommandParser:
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # Otherwise "--password SECRET" would be taken for --password-from-env.
        parser.allow_abbrev = False
        return parser

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument(
            "--workstream",
            action="append",
            default=[],
            metavar="SLUG",
            help="A workstream the lead or sponsor holds their role for; repeat for several.",
        )
        parser.add_argument(
            "--organisation", metavar="NAME", help="The organisation they work for; it must exist."
        )
        parser.add_argument(
            "--organisation-kind",
            choices=OrganisationKind.values,
            help="Create the organisation with this kind if it does not exist yet.",
        )
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from this environment variable.",
        )
        parser.add_argument("--name", default="", help='Their full name, e.g. "Jo Bloggs".')
        parser.add_argument(
            "--deal", metavar="SLUG", help="The deal's slug; needed only when there are several."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = _password_from_env(options["password_from_env"])
        deal = _deal_choose(options["deal"])
        workstreams = _workstreams_find(deal, options["workstream"])
        existed = User.objects.filter(email__iexact=options["email"].strip()).exists()
        try:
            # The service is atomic: on any error nothing of this user is written.
            user = user_provision(
                email=options["email"],
                role=options["role"],
                deal=deal,
                workstreams=workstreams,
                organisation_name=options["organisation"],
                organisation_kind=options["organisation_kind"],
                full_name=options["name"],
                password=password,
            )
        except AccountsError as error:
            raise CommandError(str(error)) from error
        self._report(user=user, deal=deal, existed=existed, password_given=password is not None)

    def _report(self, *, user: User, deal: Deal, existed: bool, password_given: bool) -> None:
        verb = "Updated" if existed else "Created"
        self.stdout.write(self.style.SUCCESS(f"{verb} {user.email} ({user.get_full_name()})."))
        for membership in user.memberships.filter(deal=deal).select_related("workstream"):
            where = membership.workstream or "the whole deal"
            self.stdout.write(f"  {membership.get_role_display()}: {where} ({deal})")
        if user.is_superuser:
            self.stdout.write("  Runs the site: a superuser, who sees every deal.")
        elif user.is_staff:
            self.stdout.write("  Can sign in to the Django admin, where they see their own deals.")
        if password_given:
            self.stdout.write("  Password set from the environment.")
        elif not user.has_usable_password():
            self.stdout.write("  No password yet: they cannot sign in until one is set.")
        if not user.is_active:
            self.stdout.write(self.style.WARNING("  This account is deactivated."))


def _password_from_env(variable: str | None) -> str | None:
    if variable is None:
        return None
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", variable):
        # Not echoed: it may be the password itself, given by mistake.
        raise CommandError(
            "--password-from-env takes the name of an environment variable, not a password."
        )
    password = os.environ.get(variable, "")
    if not password:
        raise CommandError(
            f"The environment variable {variable} is not set or is empty: set it to the password."
        )
    return password


def _deal_choose(slug: str | None) -> Deal:
    if slug:
        deal = Deal.objects.filter(slug=slug).first()
        if deal is None:
            raise CommandError(f"There is no deal {slug!r}. Deals: {_deal_slugs()}.")
        return deal
    deals = list(Deal.objects.all()[:2])
    if not deals:
        raise CommandError(
            "There is no deal yet: load the reference data first "
            "(python manage.py load_reference_data)."
        )
    if len(deals) > 1:
        raise CommandError(f"There are several deals: choose one with --deal ({_deal_slugs()}).")
    return deals[0]


def _deal_slugs() -> str:
    return ", ".join(Deal.objects.values_list("slug", flat=True)) or "none"


def _workstreams_find(deal: Deal, slugs: list[str]) -> list[Workstream]:
    found = {ws.slug: ws for ws in deal.workstreams.filter(slug__in=slugs)}
    unknown = [slug for slug in dict.fromkeys(slugs) if slug not in found]
    if unknown:
        valid = ", ".join(deal.workstreams.values_list("slug", flat=True))
        raise CommandError(
            f"Unknown workstream(s) in {deal}: {', '.join(unknown)}. Valid slugs: {valid}."
        )
    return [found[slug] for slug in slugs]
