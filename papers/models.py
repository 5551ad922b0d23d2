"""Papers: files attached to a meeting (its papers) or to a proposal (its documents)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from core.choices import Classification
from core.models import Deal
from core.querysets import DealScopedQuerySet
from tracker.models import Meeting, Proposal

from .choices import PaperType
from .storage import papers_storage, random_name


class Paper(models.Model):
    """A file attached to one meeting or one proposal of a deal.

    Its marking is at least its record's (services.paper_attach sets and checks it; the
    database cannot compare two tables' rows), and whoever reads it must be allowed both its
    own marking and its record's (core.policy.visible_papers), so that a record marked up later
    takes its papers with it. A removed paper is kept, file and all, with its history."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="papers")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="papers"
    )
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="papers"
    )
    title = models.CharField(max_length=200)
    original_name = models.CharField(
        max_length=200, help_text="The uploaded file's name, cleaned, with its type's extension."
    )
    content_type = models.CharField(
        max_length=100, choices=PaperType.choices, help_text="Read from the file's own bytes."
    )
    size = models.PositiveBigIntegerField(help_text="In bytes.")
    sha256 = models.CharField(max_length=64)
    file = models.FileField(storage=papers_storage, upload_to=random_name, max_length=255)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="papers_uploaded",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="papers_removed",
    )

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(meeting__isnull=False, proposal__isnull=True)
                | Q(meeting__isnull=True, proposal__isnull=False),
                name="paper_belongs_to_one_record",
                violation_error_message="A paper belongs to a meeting or to a proposal.",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="paper_classification_valid",
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=PaperType.values), name="paper_type_allowed"
            ),
            models.CheckConstraint(condition=Q(size__gt=0), name="paper_not_empty"),
            models.CheckConstraint(
                condition=Q(removed_by__isnull=True) | Q(removed_at__isnull=False),
                name="paper_removed_by_only_when_removed",
            ),
            models.UniqueConstraint(fields=["file"], name="paper_file_unique"),
        ]
        indexes = [
            models.Index(fields=["meeting", "removed_at"], name="paper_meeting_idx"),
            models.Index(fields=["proposal", "removed_at"], name="paper_proposal_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
