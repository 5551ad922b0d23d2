"""A deal's provisions (its agreed commitments) and the reports on their delivery."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.choices import Classification
from core.models import Deal, Organisation
from core.querysets import DealScopedQuerySet
from tracker.choices import ReviewDecision

from .choices import Confidence, DeliveryState, ProvisionKind


class Provision(models.Model):
    """One commitment of an agreed deal, such as "4.12", delivered by one workstream."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="provisions")
    reference = models.CharField(
        max_length=20, help_text="Its number in the deal document, such as 4.12."
    )
    chapter = models.CharField(max_length=200)
    title = models.CharField(max_length=200)
    text = models.TextField(help_text="The provision's words, as the deal document gives them.")
    workstream = models.ForeignKey(
        "tracker.Workstream", on_delete=models.PROTECT, related_name="provisions"
    )
    lead_organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provisions_led",
    )
    department = models.ForeignKey(
        "tracker.GovernmentDepartment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provisions",
        verbose_name="government department",
    )
    kind = models.CharField(max_length=16, choices=ProvisionKind.choices)
    proposals = models.ManyToManyField(
        "tracker.Proposal",
        blank=True,
        related_name="provisions",
        help_text="The proposals whose agreed outcome this provision came from.",
    )
    missions = models.ManyToManyField("missions.Mission", blank=True, related_name="provisions")
    metrics = models.ManyToManyField("missions.Metric", blank=True, related_name="provisions")
    indicators = models.ManyToManyField("missions.Indicator", blank=True, related_name="provisions")
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL
    )
    is_published = models.BooleanField(
        default=False, help_text="Shown on the public progress page (OFFICIAL provisions only)."
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=["proposals", "missions", "metrics", "indicators"])

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "reference"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "reference"],
                name="provision_reference_unique_per_deal",
                violation_error_message="The deal already has a provision with this reference.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ProvisionKind.values), name="provision_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="provision_classification_valid",
            ),
            models.CheckConstraint(
                condition=~Q(reference="") & ~Q(title="") & ~Q(text="") & ~Q(chapter=""),
                name="provision_has_reference_chapter_title_and_text",
                violation_error_message="A provision needs a reference, a chapter, a title and "
                "its text.",
            ),
            # The public page shows published provisions: nothing OFFICIAL-SENSITIVE reaches it.
            models.CheckConstraint(
                condition=Q(is_published=False) | Q(classification=Classification.OFFICIAL),
                name="provision_published_only_if_official",
                violation_error_message="Only an OFFICIAL provision can be published.",
            ),
            models.CheckConstraint(condition=Q(revision__gte=1), name="provision_revision_pos"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def clean(self) -> None:
        # Across tables, so a constraint cannot hold it: the workstream and department that
        # answer for a provision are its own deal's.
        errors = {}
        if self.workstream_id and self.deal_id and self.workstream.deal_id != self.deal_id:
            errors["workstream"] = "Choose a workstream of this deal"
        department = self.department
        if department is not None and self.deal_id and department.deal_id != self.deal_id:
            errors["department"] = "Choose a government department of this deal"
        if errors:
            raise ValidationError(errors)


class ProvisionReport(models.Model):
    """A provision's delivery report for one reporting period (the periods status updates
    use). Revised in place within its period; the history keeps each revision. Its marking is
    its provision's."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="reports")
    period_start = models.DateField()
    period_end = models.DateField()
    state = models.CharField(max_length=16, choices=DeliveryState.choices)
    confidence = models.CharField(max_length=16, choices=Confidence.choices)
    narrative = models.TextField(
        help_text="Where delivery stands; it must explain any rating below Green."
    )
    baseline_on = models.DateField(
        null=True, blank=True, help_text="The delivery date first forecast for the provision."
    )
    forecast_on = models.DateField(
        null=True, blank=True, help_text="The date delivery is now forecast."
    )
    forecast_reason = models.TextField(
        blank=True, help_text="Why the forecast moved since the last report."
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="provision_reports",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "provision__deal"

    class Meta:
        ordering = ["provision", "-period_start"]
        get_latest_by = "period_start"
        constraints = [
            models.UniqueConstraint(
                fields=["provision", "period_start"],
                name="provision_report_one_per_period",
                violation_error_message="This provision already has a report for this period.",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")),
                name="provision_report_period_valid",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DeliveryState.values), name="provision_report_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(confidence__in=Confidence.values),
                name="provision_report_confidence_valid",
            ),
            # Always required, so a rating below Green always comes with its explanation.
            models.CheckConstraint(
                condition=~Q(narrative=""),
                name="provision_report_has_narrative",
                violation_error_message="A report needs a narrative.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_on__isnull=False) | Q(forecast_on__isnull=True),
                name="provision_report_forecast_has_baseline",
                violation_error_message="A forecast needs the baseline it is measured against.",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="provision_report_revision_pos"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provision.reference} – {self.period_start:%d %b %Y}"


class ProvisionReportReview(models.Model):
    """The workstream's sponsor's sign-off of, or comment on, one revision of a delivery
    report, as a sponsor reviews a status update: a report revised after its sign-off needs
    signing off again."""

    report = models.ForeignKey(ProvisionReport, on_delete=models.CASCADE, related_name="reviews")
    revision = models.PositiveIntegerField(help_text="The report's revision reviewed.")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provision_reviews"
    )
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    comment = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "report__provision__deal"

    class Meta:
        ordering = ["report", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["report", "revision"],
                condition=Q(decision=ReviewDecision.SIGNED_OFF),
                name="provision_review_one_sign_off_per_revision",
                violation_error_message="This report is already signed off.",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=ReviewDecision.values),
                name="provision_review_decision_valid",
            ),
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecision.COMMENTED) | ~Q(comment=""),
                name="provision_review_comment_has_text",
                violation_error_message="A comment needs some text.",
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1), name="provision_review_revision_pos"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer}"
