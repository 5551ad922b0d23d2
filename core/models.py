"""What every deal-scoped app stands on: the deal, the organisations taking part, and the roles
people hold in a deal (memberships).

The tables keep the names they had before these models moved here (``tracker_deal``,
``accounts_organisation``, ``accounts_membership``). A membership's workstream is named by its
app label (``"tracker.Workstream"``), so nothing here imports an app above it.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q

from .choices import WORKSTREAM_ROLES, Cadence, OrganisationKind, Role
from .querysets import DealScopedQuerySet


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=OrganisationKind.choices)
    is_demo = models.BooleanField(default=False, help_text="Synthetic demonstration data.")

    class Meta:
        db_table = "accounts_organisation"  # the table it has had since it lived in accounts
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Deal(models.Model):
    """A devolution deal: the scope of everything else in this app."""

    name = models.CharField(max_length=200, unique=True)
    short_name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    combined_authority = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    area_code = models.CharField(
        max_length=9,
        blank=True,
        verbose_name="area GSS code",
        help_text="The ONS (GSS) code of the combined authority's area, a letter and eight digits.",
    )
    area_name = models.CharField(
        max_length=200, blank=True, help_text="The area's name, as the pages show its figures."
    )
    description = models.TextField(blank=True)
    source = models.CharField(max_length=300, blank=True, help_text="Where the deal is described.")
    reporting_cadence = models.CharField(
        max_length=16, choices=Cadence.choices, default=Cadence.FORTNIGHTLY
    )
    # 0 = Monday, as in Python's date.weekday().
    update_due_weekday = models.PositiveSmallIntegerField(
        default=4, validators=[MaxValueValidator(6)], help_text="0 is Monday, 6 is Sunday."
    )
    reporting_starts_on = models.DateField(null=True, blank=True)
    # The deal's own words for what every deal has, so no page names a region.
    authority_short_name = models.CharField(
        max_length=40,
        blank=True,
        help_text="What the combined authority is called for short, e.g. in "
        "\u201cfor its roles only\u201d. Left blank, the authority's full name is used.",
    )
    proposition_name = models.CharField(
        max_length=80,
        default="Proposition",
        help_text="The name of the composite of endorsed proposals put to government.",
    )
    core_team_name = models.CharField(
        max_length=80,
        default="core team",
        help_text="What the team of administrators who run the deal is called.",
    )
    contact_email = models.EmailField(
        blank=True,
        help_text="Where partners write to the core team, and where their requests for a "
        "briefing session go. Named in every partner's digest.",
    )
    engagement_expectation = models.CharField(
        max_length=300,
        blank=True,
        help_text="What the deal's sources expect of a stakeholder engagement plan that names no "
        "non-constituent authority, in their words; shown with the plan's warning.",
    )
    engagement_expectation_source = models.CharField(
        max_length=300, blank=True, help_text="Where the sources say it."
    )
    is_demo = models.BooleanField(default=False, help_text="Synthetic demonstration data.")

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "pk"

    class Meta:
        db_table = "tracker_deal"  # the table it has had since it lived in tracker
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(update_due_weekday__lte=6), name="deal_due_weekday_valid"
            ),
            models.CheckConstraint(
                condition=Q(area_code="") | Q(area_code__regex=r"^[EKNSW][0-9]{8}$"),
                name="deal_area_code_format",
            ),
            models.CheckConstraint(
                condition=Q(reporting_cadence__in=Cadence.values), name="deal_cadence_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.short_name

    @property
    def authority_name(self) -> str:
        """The authority for short where the deal gives one, else its full name."""
        if self.authority_short_name:
            return self.authority_short_name
        authority = self.combined_authority
        return authority.name if authority is not None else "the combined authority's"


class Membership(models.Model):
    """A role a person holds in a deal; leads and sponsors hold theirs for one workstream."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    workstream = models.ForeignKey(
        "tracker.Workstream",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        db_table = "accounts_membership"  # the table it has had since it lived in accounts
        ordering = ["deal", "role", "user"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role__in=WORKSTREAM_ROLES, workstream__isnull=False)
                    | (~Q(role__in=WORKSTREAM_ROLES) & Q(workstream__isnull=True))
                ),
                name="membership_workstream_only_for_leads_and_sponsors",
                violation_error_message="Leads and sponsors hold their role for one workstream; "
                "other roles are for the whole deal.",
            ),
            models.UniqueConstraint(
                fields=["user", "deal", "role", "workstream"],
                name="membership_unique_per_workstream",
            ),
            models.UniqueConstraint(
                fields=["user", "deal", "role"],
                condition=Q(workstream__isnull=True),
                name="membership_unique_per_deal",
            ),
            # Each workstream has one Strategic Leadership Team sponsor.
            models.UniqueConstraint(
                fields=["workstream"],
                condition=Q(role=Role.SPONSOR),
                name="membership_one_sponsor_per_workstream",
                violation_error_message="This workstream already has an SLT sponsor.",
            ),
        ]

    def __str__(self) -> str:
        where = self.workstream or self.deal
        return f"{self.user} – {self.get_role_display()} – {where}"
