"""Subscriptions to scheduled briefings, and the log of every email sent or skipped.

A subscription knows when it is next due (``next_due_at``) and up to when its last digest
reported (``covered_until``). Each scheduled send is a ``Delivery`` row whose unique key is the
subscription and the slot it was due in: that row is what makes a digest go out once per period,
however many beats, workers or retries there are.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from core.querysets import DealScopedQuerySet

from .choices import (
    Audience,
    BriefingFormat,
    BriefingRequestStatus,
    DeliveryKind,
    DeliveryStatus,
    Frequency,
    Scope,
)

WEEKLY_KINDS = (Frequency.WEEKLY, Frequency.FORTNIGHTLY)
# Shown where an erased subscriber's name or address was.
ERASED = "Erased at the subscriber’s request"


class Subscription(models.Model):
    """Someone who receives a digest of the deal: a user, or a partner's address."""

    deal = models.ForeignKey("core.Deal", on_delete=models.CASCADE, related_name="subscriptions")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="subscriptions",
        help_text="A person with an account. Leave empty for an external partner address.",
    )
    email = models.EmailField(
        blank=True, help_text="An external partner's address, for a subscriber without an account."
    )
    name = models.CharField(max_length=150, blank=True)
    organisation = models.CharField(max_length=200, blank=True)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.PARTNER)
    frequency = models.CharField(
        max_length=16, choices=Frequency.choices, default=Frequency.FORTNIGHTLY
    )
    day = models.PositiveSmallIntegerField(
        default=0,
        help_text="For weekly and fortnightly digests the weekday (0 is Monday, 6 is Sunday); "
        "for monthly ones the day of the month (1 to 28).",
    )
    send_at = models.TimeField(default="08:00", help_text="UK time.")
    scope = models.CharField(max_length=16, choices=Scope.choices, default=Scope.DEAL)
    theme = models.ForeignKey(
        "tracker.Theme", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    workstreams = models.ManyToManyField("tracker.Workstream", blank=True, related_name="+")
    missions = models.ManyToManyField(
        "missions.Mission",
        blank=True,
        related_name="+",
        help_text="For a digest of chosen missions: the workstreams and proposals linked to them.",
    )
    engaged_organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="For a digest of the workstreams whose stakeholder engagement plan names this "
        "organisation.",
    )
    is_active = models.BooleanField(default=True)
    next_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next digest is due; empty while inactive."
    )
    covered_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The end of the period the last digest (sent or skipped) reported on.",
    )
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # At the subscriber's request (the privacy notice), their address, name and organisation are
    # erased, here and from the delivery log; the row stays, off for good, so the log still
    # shows that something was sent and when.
    erased_at = models.DateTimeField(null=True, blank=True)
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "email", "pk"]
        indexes = [models.Index(fields=["next_due_at"], name="subscription_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(user__isnull=False) & Q(email=""))
                | (Q(user__isnull=True) & ~Q(email=""))
                | (Q(user__isnull=True) & Q(email="") & Q(erased_at__isnull=False)),
                name="subscription_user_or_address",
                violation_error_message="A subscription is for a user or for an external "
                "address, not both.",
            ),
            models.CheckConstraint(
                condition=Q(erased_at__isnull=True)
                | Q(user__isnull=True, email="", name="", organisation="", is_active=False),
                name="subscription_erased_holds_nothing",
                violation_error_message="An erased subscription keeps no address, name or "
                "organisation, and stays off.",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(audience=Audience.PARTNER),
                name="subscription_external_is_partner",
                violation_error_message="An external address receives the partner digest only.",
            ),
            models.CheckConstraint(
                condition=Q(audience__in=Audience.values), name="subscription_audience_valid"
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=Frequency.values), name="subscription_frequency_valid"
            ),
            models.CheckConstraint(
                condition=(Q(frequency__in=WEEKLY_KINDS) & Q(day__lte=6))
                | (Q(frequency=Frequency.MONTHLY) & Q(day__gte=1, day__lte=28)),
                name="subscription_day_valid",
                violation_error_message="A weekly or fortnightly digest needs a weekday (0 to 6), "
                "a monthly one a day of the month (1 to 28).",
            ),
            models.CheckConstraint(
                condition=Q(scope__in=Scope.values), name="subscription_scope_valid"
            ),
            models.CheckConstraint(
                condition=(Q(scope=Scope.THEME) & Q(theme__isnull=False))
                | (~Q(scope=Scope.THEME) & Q(theme__isnull=True)),
                name="subscription_theme_iff_theme_scope",
                violation_error_message="Choose a theme for a theme's digest, and only for one.",
            ),
            models.CheckConstraint(
                condition=(Q(scope=Scope.ENGAGEMENT) & Q(engaged_organisation__isnull=False))
                | (~Q(scope=Scope.ENGAGEMENT) & Q(engaged_organisation__isnull=True)),
                name="subscription_organisation_iff_engagement_scope",
                violation_error_message="Choose an organisation for a digest of the workstreams "
                "whose engagement plan names it, and only for one.",
            ),
            models.CheckConstraint(
                condition=Q(is_active=False) | Q(next_due_at__isnull=False),
                name="subscription_active_has_next_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address or self.display_name} ({self.get_frequency_display().lower()})"

    @property
    def address(self) -> str:
        """Where the digest goes: the user's current address, or the external one."""
        user = self.user  # None without a query when there is no user
        return user.email if user is not None else self.email

    @property
    def display_name(self) -> str:
        user = self.user
        if user is not None:
            return user.full_name or user.email
        if self.erased_at is not None:
            return ERASED
        return self.name or self.email


class BriefingRequest(models.Model):
    """A partner's request for a briefing session, made from their digest: a task for the deal's
    core team, who arrange or decline it. Paragraph 22 of the report: "in-person and online
    briefing sessions as requested"."""

    deal = models.ForeignKey("core.Deal", on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(
        Subscription,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="briefing_requests",
        help_text="The subscription whose digest the request was made from.",
    )
    name = models.CharField(max_length=150)
    organisation = models.CharField(max_length=200, blank=True)
    email = models.EmailField()
    topics = models.TextField(help_text="What they would like to be briefed on.")
    format = models.CharField(max_length=16, choices=BriefingFormat.choices)
    preferred_dates = models.CharField(max_length=300, blank=True)
    status = models.CharField(
        max_length=16, choices=BriefingRequestStatus.choices, default=BriefingRequestStatus.OPEN
    )
    status_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Erased with the subscriber's address (``subscriber_erase``): the request stays, unnamed.
    erased_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["deal", "status"], name="briefing_request_open_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=BriefingRequestStatus.values),
                name="briefing_request_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(format__in=BriefingFormat.values),
                name="briefing_request_format_valid",
            ),
            models.CheckConstraint(
                condition=~Q(topics=""),
                name="briefing_request_has_topics",
                violation_error_message="Say what you would like to be briefed on.",
            ),
            models.CheckConstraint(
                condition=(Q(erased_at__isnull=True) & ~Q(name="") & ~Q(email=""))
                | Q(erased_at__isnull=False, name="", organisation="", email=""),
                name="briefing_request_names_requester_until_erased",
                violation_error_message="A request names who made it, until it is erased.",
            ),
        ]

    def __str__(self) -> str:
        who = self.name or ERASED
        return f"{who}: briefing session ({self.get_status_display().lower()})"


class Delivery(models.Model):
    """One email the app owes someone: a digest for a subscription's slot, or a reminder.

    ``key`` is unique: it names the recipient, the kind and the period, so the same email can be
    claimed once only. Every attempt to send updates this row (``attempts``, ``last_error``).
    """

    kind = models.CharField(max_length=20, choices=DeliveryKind.choices)
    key = models.CharField(max_length=200, unique=True, editable=False)
    subscription = models.ForeignKey(
        Subscription, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The person a reminder is for.",
    )
    workstream = models.ForeignKey(
        "tracker.Workstream",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The workstream a lead's reminder is about.",
    )
    action = models.ForeignKey(
        "tracker.Action",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The overdue action a reminder is about.",
    )
    briefing_request = models.ForeignKey(
        BriefingRequest,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
        help_text="The request for a briefing session this email takes to the core team.",
    )
    email = models.EmailField(help_text="The address the email was (or will be) sent to.")
    slot = models.DateTimeField(help_text="The time the email was due: the period it belongs to.")
    period_start = models.DateTimeField(null=True, blank=True)
    period_end = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    subject = models.CharField(max_length=250, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-slot", "-pk"]
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "updated_at"], name="delivery_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DeliveryKind.values), name="delivery_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DeliveryStatus.values), name="delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=(Q(kind=DeliveryKind.DIGEST) & Q(subscription__isnull=False))
                | (Q(kind=DeliveryKind.BRIEFING_REQUEST) & Q(briefing_request__isnull=False))
                | (
                    ~Q(kind__in=[DeliveryKind.DIGEST, DeliveryKind.BRIEFING_REQUEST])
                    & Q(recipient__isnull=False)
                ),
                name="delivery_has_addressee",
                violation_error_message="A digest belongs to a subscription, a request for a "
                "briefing session to the request, a reminder to a person.",
            ),
            models.UniqueConstraint(
                fields=["subscription", "slot"],
                condition=Q(kind=DeliveryKind.DIGEST),
                name="delivery_one_digest_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(status=DeliveryStatus.SENT, sent_at__isnull=False)
                | (~Q(status=DeliveryStatus.SENT) & Q(sent_at__isnull=True)),
                name="delivery_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.email} for {self.slot:%Y-%m-%d %H:%M}"
