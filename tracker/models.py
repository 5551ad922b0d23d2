"""The deal and everything negotiated in it: themes, workstreams, governance bodies, meetings,
proposals, decisions, status updates, milestones and the government departments talked to."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from core.choices import Classification
from core.models import Deal
from core.querysets import DealScopedQuerySet

from . import constants
from .choices import (
    ENDORSED_STAGES,
    ActionStatus,
    AskOutcome,
    AskType,
    BodyKind,
    DecisionOutcome,
    Direction,
    EngagementFrequency,
    MeetingStatus,
    MilestoneStatus,
    Outcome,
    PrincipleAnswer,
    ProposalStage,
    PropositionStatus,
    Rag,
    ReviewDecision,
    RiskStatus,
    WorkstreamStatus,
)


class DataVersion(models.Model):
    """One row whose number moves on whenever a record that a cached page reads changes, in any
    deal (``tracker.freshness``): the version of the pages that span the deals. Nothing saves it
    through a form: it is only ever incremented."""

    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="data_version_single_row")]

    def __str__(self) -> str:
        return f"Data version {self.number}"


class DealDataVersion(models.Model):
    """A deal's data version: it moves on when a record of the deal that a cached page reads
    changes, or one of no one deal (a person), and not when another deal's does
    (``tracker.freshness``). Only ever incremented; no row yet is version 0."""

    deal = models.OneToOneField(
        Deal, primary_key=True, on_delete=models.CASCADE, related_name="data_version"
    )
    number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Data version {self.number} of deal {self.deal_id}"


class DealTopicVersion(models.Model):
    """How many times one kind of record of a deal has changed (``topic``: "tracker.Proposal"),
    so that a cached page names the kinds it reads and stays cached while others change
    (``tracker.freshness``). The topic "*" moves when every kind may have changed at once (a
    bulk load). Only ever incremented; no row yet is version 0."""

    EVERYTHING = "*"

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=100)
    number = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["deal", "topic"], name="deal_topic_version_once")
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of {self.topic} in deal {self.deal_id}"


class Theme(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="themes")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "name"], name="theme_name_unique_per_deal"),
            models.UniqueConstraint(fields=["deal", "slug"], name="theme_slug_unique_per_deal"),
        ]

    def __str__(self) -> str:
        return self.name


class Workstream(models.Model):
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="workstreams")
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, related_name="workstreams")
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    can_proceed_outside_deal = models.BooleanField(
        default=False,
        help_text="Marked * in the source: some work can be taken forward outside the deal itself.",
    )
    status = models.CharField(
        max_length=16, choices=WorkstreamStatus.choices, default=WorkstreamStatus.ACTIVE
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_from"
    )
    ceased_on = models.DateField(null=True, blank=True)
    ceased_reason = models.TextField(blank=True)
    missions = models.ManyToManyField("missions.Mission", blank=True, related_name="workstreams")
    metrics = models.ManyToManyField("missions.Metric", blank=True, related_name="workstreams")
    indicators = models.ManyToManyField(
        "missions.Indicator", blank=True, related_name="workstreams"
    )

    history = HistoricalRecords(m2m_fields=["missions", "metrics", "indicators"])

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "theme__position", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "name"], name="workstream_name_unique_per_deal"
            ),
            models.UniqueConstraint(
                fields=["deal", "slug"], name="workstream_slug_unique_per_deal"
            ),
            models.CheckConstraint(
                condition=Q(status__in=WorkstreamStatus.values), name="workstream_status_valid"
            ),
            models.CheckConstraint(
                condition=(
                    Q(status=WorkstreamStatus.MERGED, merged_into__isnull=False)
                    | (~Q(status=WorkstreamStatus.MERGED) & Q(merged_into__isnull=True))
                ),
                name="workstream_merged_has_survivor",
                violation_error_message="A merged workstream names the workstream it merged "
                "into, and only a merged one does.",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=F("pk")), name="workstream_not_merged_into_itself"
            ),
            models.CheckConstraint(
                condition=Q(status=WorkstreamStatus.CEASED, ceased_on__isnull=False)
                | ~Q(status=WorkstreamStatus.CEASED),
                name="workstream_ceased_has_date",
                violation_error_message="A ceased workstream needs the date it ceased.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        """Still running: not merged into another, not ceased (memberships are for these)."""
        return self.status == WorkstreamStatus.ACTIVE


class WorkstreamDataVersion(models.Model):
    """A workstream's data version: it moves on when one of its own records that the overview
    shows changes (an update, a sign-off, a risk, a proposal), so that the overview rebuilds
    that workstream's row only (``tracker.freshness``). Only ever incremented."""

    workstream = models.OneToOneField(
        Workstream, primary_key=True, on_delete=models.CASCADE, related_name="data_version"
    )
    number = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Data version {self.number} of workstream {self.workstream_id}"


class GovernmentDepartment(models.Model):
    """A department of central government that proposals are negotiated with: reference data
    from the deal's file, under the name and abbreviation GOV.UK gives it today."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="departments")
    name = models.CharField(max_length=200)
    abbreviation = models.CharField(max_length=20, blank=True)
    formerly = models.CharField(
        max_length=300,
        blank=True,
        help_text="The names it had when the deal's sources were written, where government has "
        "renamed or reshaped it since.",
    )
    is_demo = models.BooleanField(default=False)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["deal", "name"], name="department_name_unique_per_deal"
            ),
            models.UniqueConstraint(
                fields=["deal", "abbreviation"],
                condition=~models.Q(abbreviation=""),
                name="department_abbreviation_unique_per_deal",
                violation_error_message="Another department of this deal has this abbreviation.",
            ),
        ]

    def __str__(self) -> str:
        return self.abbreviation or self.name


class GovernanceBody(models.Model):
    """A board, group or team that discusses or decides on deal business."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="bodies")
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=20, blank=True)
    slug = models.SlugField(max_length=120)
    kind = models.CharField(max_length=24, choices=BodyKind.choices)
    composition = models.TextField(blank=True, help_text="Who sits on it, as the sources say.")
    remit = models.TextField(blank=True, help_text="What it does, as the sources say.")
    next_body = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="previous_bodies",
        help_text="Where work goes next in the escalation chain; empty for the last body.",
    )
    is_chain_start = models.BooleanField(
        default=False, help_text="Proposals submitted by a workstream go here first."
    )
    is_optional = models.BooleanField(
        default=False,
        help_text="Work comes to it “as appropriate”: an administrator may pass a proposal on "
        "without its decision, recorded as not needed rather than skipped. Never the last body.",
    )
    stands_in_for = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="stand_ins",
        help_text="The body this one stands in for while that body does not meet.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "position", "name"]
        verbose_name_plural = "governance bodies"
        constraints = [
            models.UniqueConstraint(fields=["deal", "name"], name="body_name_unique_per_deal"),
            models.UniqueConstraint(fields=["deal", "slug"], name="body_slug_unique_per_deal"),
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(is_chain_start=True),
                name="body_one_chain_start_per_deal",
                violation_error_message="A deal's escalation chain has one first body.",
            ),
            models.CheckConstraint(condition=~Q(next_body=F("pk")), name="body_next_is_not_itself"),
            # "No final deal will be agreed without the endorsement of the [authority's] Board":
            # the last body is never passed by, so it is never optional.
            models.CheckConstraint(
                condition=Q(is_optional=False) | Q(next_body__isnull=False),
                name="body_optional_is_not_last",
                violation_error_message="The last body in the chain cannot be optional: nothing "
                "goes further without its endorsement.",
            ),
            models.CheckConstraint(condition=Q(kind__in=BodyKind.values), name="body_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class BodyMember(models.Model):
    """A seat on a governance body, held by a named person or described by the post."""

    body = models.ForeignKey(GovernanceBody, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="body_seats",
    )
    name = models.CharField(max_length=150, blank=True)
    position = models.CharField(max_length=200, help_text="The post, e.g. 'Chief Executive'.")
    organisation = models.ForeignKey(
        "core.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_chair = models.BooleanField(default=False)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "body__deal"

    class Meta:
        ordering = ["body", "-is_chair", "position", "name"]

    def __str__(self) -> str:
        return f"{self.name or self.user or 'Vacant'} ({self.position})"


class Meeting(models.Model):
    """A meeting of a governance body. Its decisions are locked once it is closed."""

    body = models.ForeignKey(GovernanceBody, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Two hours on when empty.")
    location = models.CharField(max_length=300, blank=True, help_text="A room or a link.")
    status = models.CharField(
        max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="meetings_attended"
    )
    minutes = models.TextField(blank=True)
    classification = models.CharField(
        max_length=24,
        choices=Classification.choices,
        default=Classification.OFFICIAL,
        help_text="Of the meeting's record: its minutes and attendance.",
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "body__deal"

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["body", "starts_at"], name="meeting_unique_per_body"),
            models.CheckConstraint(
                condition=Q(status__in=MeetingStatus.values), name="meeting_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="meeting_ends_after_start",
                violation_error_message="A meeting ends after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="meeting_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} – {self.starts_at:%d %b %Y}"


class Milestone(models.Model):
    """A point on the deal's timeline, with the period as the source wrote it."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=300)
    when_label = models.CharField(max_length=60, help_text="The period as written, e.g. 'June'.")
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=MilestoneStatus.choices, default=MilestoneStatus.PLANNED
    )
    depends_on = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="needed_by",
        help_text="Milestones that must be done before this one can be.",
    )
    notes = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    # Who marked it done or missed, and when: its status is the administrators' to keep.
    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "starts_on", "position"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "title"], name="milestone_unique_per_deal"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")), name="milestone_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(status__in=MilestoneStatus.values), name="milestone_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.when_label}: {self.title}"


class Proposal(models.Model):
    """A policy ask of government, owned by a workstream."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proposals")
    workstream = models.ForeignKey(Workstream, on_delete=models.PROTECT, related_name="proposals")
    title = models.CharField(max_length=200)
    ask = models.TextField(blank=True, help_text="What is asked of government.")
    ask_type = models.CharField(max_length=16, choices=AskType.choices, blank=True)
    challenge = models.TextField(blank=True)
    progress = models.TextField(blank=True)
    prize = models.TextField(blank=True, help_text="The benefit if government agrees.")
    estimated_value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Pounds sterling.",
    )
    departments = models.ManyToManyField(GovernmentDepartment, blank=True, related_name="proposals")
    missions = models.ManyToManyField("missions.Mission", blank=True, related_name="proposals")
    metrics = models.ManyToManyField("missions.Metric", blank=True, related_name="proposals")
    indicators = models.ManyToManyField("missions.Indicator", blank=True, related_name="proposals")
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL_SENSITIVE
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="proposals_owned",
    )
    stage = models.CharField(
        max_length=24, choices=ProposalStage.choices, default=ProposalStage.DRAFT
    )
    awaiting_body = models.ForeignKey(
        GovernanceBody,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="proposals_awaiting",
    )
    board_endorsement = models.OneToOneField(
        "Decision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The last body's endorsement, without which nothing goes to government.",
    )
    submitted_on = models.DateField(null=True, blank=True, help_text="Submitted to government.")
    outcome = models.CharField(max_length=24, choices=Outcome.choices, blank=True)
    outcome_on = models.DateField(null=True, blank=True)
    outcome_notes = models.TextField(blank=True, help_text="What was agreed, or why not.")
    moved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the proposal last changed stage or body."
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(m2m_fields=["departments", "missions", "metrics", "indicators"])

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"
    # The workstream whose overview row it counts in (tracker.freshness).
    workstream_path: ClassVar[str] = "workstream"

    class Meta:
        ordering = ["deal", "workstream", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["workstream", "title"], name="proposal_title_unique_per_workstream"
            ),
            models.CheckConstraint(
                condition=Q(estimated_value__isnull=True) | Q(estimated_value__gte=0),
                name="proposal_value_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="proposal_classification_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(stage=ProposalStage.IN_GOVERNANCE, awaiting_body__isnull=False)
                    | (~Q(stage=ProposalStage.IN_GOVERNANCE) & Q(awaiting_body__isnull=True))
                ),
                name="proposal_awaits_a_body_only_in_governance",
            ),
            models.CheckConstraint(
                condition=(
                    Q(stage=ProposalStage.CONCLUDED, outcome_on__isnull=False) & ~Q(outcome="")
                    | ~Q(stage=ProposalStage.CONCLUDED) & Q(outcome="", outcome_on__isnull=True)
                ),
                name="proposal_outcome_only_when_concluded",
            ),
            models.CheckConstraint(
                condition=Q(stage__in=ProposalStage.values), name="proposal_stage_valid"
            ),
            # A draft may be incomplete; what goes to the governance bodies says what it asks.
            models.CheckConstraint(
                condition=Q(stage=ProposalStage.DRAFT)
                | Q(stage=ProposalStage.CONCLUDED, outcome=Outcome.WITHDRAWN)
                | ~Q(ask="") & Q(ask_type__in=AskType.values),
                name="proposal_ask_stated_beyond_draft",
                violation_error_message="Say what is asked of government, and the type of ask.",
            ),
            models.CheckConstraint(
                condition=Q(outcome="") | Q(outcome__in=Outcome.values),
                name="proposal_outcome_valid",
            ),
            # "No final deal will be agreed without the endorsement of the [authority's] Board":
            # nothing is approved, goes to government or has an outcome other than withdrawn
            # without the last body's endorsement on record.
            models.CheckConstraint(
                condition=~(
                    Q(stage__in=ENDORSED_STAGES)
                    | Q(stage=ProposalStage.CONCLUDED) & ~Q(outcome=Outcome.WITHDRAWN)
                )
                | Q(board_endorsement__isnull=False),
                name="proposal_needs_board_endorsement",
                violation_error_message=(
                    "No proposal goes further without the endorsement of the last body in the "
                    "governance chain."
                ),
            ),
            models.CheckConstraint(
                condition=~(
                    Q(stage__in=[ProposalStage.SUBMITTED, ProposalStage.IN_NEGOTIATION])
                    | Q(stage=ProposalStage.CONCLUDED) & ~Q(outcome=Outcome.WITHDRAWN)
                )
                | Q(submitted_on__isnull=False),
                name="proposal_submitted_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.stage in (ProposalStage.REJECTED, ProposalStage.CONCLUDED)


class Decision(models.Model):
    """What a governance body decided about a proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="decisions")
    body = models.ForeignKey(GovernanceBody, on_delete=models.PROTECT, related_name="decisions")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    outcome = models.CharField(max_length=16, choices=DecisionOutcome.choices)
    notes = models.TextField(blank=True, help_text="The reasons, for a referral back or a skip.")
    decided_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="decisions_recorded",
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "proposal__deal"

    class Meta:
        ordering = ["-decided_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=DecisionOutcome.values), name="decision_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~Q(outcome=DecisionOutcome.REFERRED_BACK) | ~Q(notes=""),
                name="decision_referral_has_reasons",
                violation_error_message="A proposal referred back needs the reasons.",
            ),
            models.CheckConstraint(
                condition=~Q(outcome=DecisionOutcome.SKIPPED) | ~Q(notes=""),
                name="decision_skip_has_reason",
                violation_error_message="Skipping a body needs a recorded reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body}: {self.get_outcome_display()} – {self.proposal}"


class Principle(models.Model):
    """One of the principles a deal asks every proposal to answer (paragraph 10 for the West
    Midlands deal). Data, so that another deal can set its own."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="principles")
    slug = models.SlugField(max_length=60)
    short_name = models.CharField(max_length=80, help_text="A few words, for tables.")
    text = models.TextField(help_text="The principle as the source states it.")
    question = models.CharField(max_length=200, help_text="What a proposal answers.")
    position = models.PositiveSmallIntegerField(default=0)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "position"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "slug"], name="principle_slug_unique_per_deal"),
        ]

    def __str__(self) -> str:
        return self.short_name


class PrincipleResponse(models.Model):
    """A proposal's answer to one principle: yes, no or not applicable, with a note."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="principle_responses"
    )
    principle = models.ForeignKey(Principle, on_delete=models.PROTECT, related_name="responses")
    answer = models.CharField(max_length=16, choices=PrincipleAnswer.choices)
    note = models.TextField(blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "proposal__deal"

    class Meta:
        ordering = ["proposal", "principle__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "principle"], name="principle_answered_once_per_proposal"
            ),
            models.CheckConstraint(
                condition=Q(answer__in=PrincipleAnswer.values), name="principle_answer_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.principle}: {self.get_answer_display()}"


class AgendaItem(models.Model):
    """An item on a meeting's agenda: a proposal awaiting the body, a workstream's ask of the
    body, or anything else the secretariat adds. Items built from what awaits the body are
    ``generated`` and kept in step with it until the meeting is held."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300)
    notes = models.TextField(blank=True)
    proposal = models.ForeignKey(
        Proposal, null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_items"
    )
    workstream = models.ForeignKey(
        Workstream, null=True, blank=True, on_delete=models.CASCADE, related_name="agenda_items"
    )
    classification = models.CharField(
        max_length=24,
        choices=Classification.choices,
        default=Classification.OFFICIAL,
        help_text="For an item about a proposal, the proposal's own marking applies as well.",
    )
    generated = models.BooleanField(default=False, editable=False)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "meeting__body__deal"

    class Meta:
        ordering = ["meeting", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "proposal"],
                condition=Q(proposal__isnull=False),
                name="agenda_proposal_once_per_meeting",
            ),
            models.UniqueConstraint(
                fields=["meeting", "workstream"],
                condition=Q(generated=True, workstream__isnull=False, proposal__isnull=True),
                name="agenda_generated_workstream_item_once",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="agenda_item_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def freshness_topic(self) -> str:
        """The kind of change it is for the cached pages (``tracker.freshness``): what the
        pipeline shows of agendas is the items about proposals, which a workstream's ask,
        added to the next agenda by its update, is not."""
        return "tracker.AgendaItem" if self.proposal_id else "tracker.AgendaItem.other"


class NegotiationEntry(models.Model):
    """A bilateral engagement with a government department about a proposal."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="negotiations")
    department = models.ForeignKey(
        GovernmentDepartment, on_delete=models.PROTECT, related_name="negotiations"
    )
    held_on = models.DateField()
    attendees = models.TextField(help_text="Who attended, from both sides.")
    summary = models.TextField()
    next_steps = models.TextField(blank=True)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL_SENSITIVE
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "proposal__deal"

    class Meta:
        ordering = ["-held_on", "-created_at"]
        verbose_name_plural = "negotiation entries"
        constraints = [
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="negotiation_has_summary",
                violation_error_message="Say what was discussed.",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="negotiation_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} – {self.held_on:%d %b %Y}"


class PropositionVersion(models.Model):
    """A version of the composite Proposition: the approved proposals as they stood when
    the version was made. Versions never change; the board approves one."""

    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="proposition_versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    introduction = models.TextField(blank=True)
    status = models.CharField(
        max_length=16, choices=PropositionStatus.choices, default=PropositionStatus.DRAFT
    )
    approved_on = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(
        GovernanceBody, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(default=False)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "deal"

    class Meta:
        ordering = ["deal", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["deal", "number"], name="proposition_version_unique"),
            models.UniqueConstraint(
                fields=["deal"],
                condition=Q(status=PropositionStatus.APPROVED),
                name="proposition_one_approved_version",
                violation_error_message="Only one version of the Proposition stands approved.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=PropositionStatus.values),
                name="proposition_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status=PropositionStatus.DRAFT, approved_on__isnull=True)
                | ~Q(status=PropositionStatus.DRAFT)
                & Q(approved_on__isnull=False, approved_by__isnull=False),
                name="proposition_approval_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class PropositionItem(models.Model):
    """A proposal in a version of the Proposition, copied as it stood when the version was made."""

    version = models.ForeignKey(PropositionVersion, on_delete=models.CASCADE, related_name="items")
    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    theme_name = models.CharField(max_length=120)
    workstream_name = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    ask_type = models.CharField(max_length=16, choices=AskType.choices)
    ask = models.TextField()
    challenge = models.TextField(blank=True)
    prize = models.TextField(blank=True)
    estimated_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    departments = models.CharField(max_length=500, blank=True)
    missions = models.CharField(max_length=500, blank=True)
    classification = models.CharField(max_length=24, choices=Classification.choices)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "version__deal"

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "proposal"], name="proposition_proposal_once_per_version"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class StatusUpdate(models.Model):
    """A workstream's report for one reporting period. Kept forever; the newest is current."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="status_updates"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    version = models.PositiveSmallIntegerField(
        default=1, help_text="A second submission in the same period revises the first."
    )
    rag = models.CharField(max_length=8, choices=Rag.choices)
    direction = models.CharField(max_length=16, choices=Direction.choices)
    summary = models.TextField(blank=True)
    progress = models.TextField(blank=True)
    next_steps = models.TextField(blank=True)
    risks_and_issues = models.TextField(blank=True)
    asks_of_dsg = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="status_updates",
    )
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL
    )
    # Set by the service when the period's first version is posted after the period's due
    # date, and carried by every later version: lateness is a fact of the period's reporting,
    # not of a revision. Stored, not worked out from ``created_at``, because the due date
    # follows the deal's cadence and due weekday, which an administrator may change later.
    late = models.BooleanField(
        default=False, help_text="Its period's due date had passed when it was first posted."
    )
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "workstream__deal"
    # The workstream whose overview row it counts in (tracker.freshness).
    workstream_path: ClassVar[str] = "workstream"

    class Meta:
        ordering = ["workstream", "-period_start", "-version"]
        get_latest_by = ["period_start", "version"]
        indexes = [
            models.Index(fields=["workstream", "-period_start", "-version"]),
            # The API's list order: a page of the newest updates (filtered or not) walks this
            # index and stops after the page, rather than sorting every visible update.
            models.Index(
                fields=["-period_start", "-created_at", "-id"], name="status_update_list_order"
            ),
            # A workstream's last_update_at: one index entry instead of sorting its updates.
            models.Index(fields=["workstream", "-created_at"], name="status_update_newest_post"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["workstream", "period_start", "version"],
                name="status_update_one_version_per_period",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=F("period_start")), name="status_update_period_valid"
            ),
            models.CheckConstraint(condition=Q(rag__in=Rag.values), name="status_update_rag_valid"),
            models.CheckConstraint(
                condition=Q(direction__in=Direction.values), name="status_update_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="status_update_classification_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="status_update_version_pos"),
            models.CheckConstraint(
                condition=~Q(summary=""),
                name="status_update_has_summary",
                violation_error_message="A status update needs a summary.",
            ),
            models.CheckConstraint(
                condition=~Q(rag=Rag.RED) | ~Q(asks_of_dsg="") | ~Q(next_steps=""),
                name="status_update_red_has_ask_or_recovery",
                violation_error_message="A red rating needs an ask of the DSG or the recovery "
                "action.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workstream} – {self.period_start:%d %b %Y} – {self.get_rag_display()}"


class UpdateReview(models.Model):
    """A sponsor's sign-off of, or comment on, one version of a status update."""

    status_update = models.ForeignKey(
        StatusUpdate, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="update_reviews"
    )
    decision = models.CharField(max_length=16, choices=ReviewDecision.choices)
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "status_update__workstream__deal"
    # The workstream whose overview row it counts in (tracker.freshness).
    workstream_path: ClassVar[str] = "status_update__workstream"

    class Meta:
        ordering = ["status_update", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["status_update"],
                condition=Q(decision=ReviewDecision.SIGNED_OFF),
                name="update_review_one_sign_off_per_update",
                violation_error_message="This update is already signed off.",
            ),
            models.CheckConstraint(
                condition=Q(decision__in=ReviewDecision.values), name="update_review_decision_valid"
            ),
            models.CheckConstraint(
                condition=~Q(decision=ReviewDecision.COMMENTED) | ~Q(comment=""),
                name="update_review_comment_has_text",
                violation_error_message="A comment needs some text.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.reviewer}"


class Risk(models.Model):
    """A risk or issue in a workstream's log, scored likelihood x impact."""

    workstream = models.ForeignKey(Workstream, on_delete=models.CASCADE, related_name="risks")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(constants.RISK_SCALE_MIN),
            MaxValueValidator(constants.RISK_SCALE_MAX),
        ],
        help_text="1 (rare) to 5 (almost certain).",
    )
    impact = models.PositiveSmallIntegerField(
        validators=[
            MinValueValidator(constants.RISK_SCALE_MIN),
            MaxValueValidator(constants.RISK_SCALE_MAX),
        ],
        help_text="1 (negligible) to 5 (severe).",
    )
    score = models.GeneratedField(
        expression=F("likelihood") * F("impact"),
        output_field=models.PositiveSmallIntegerField(),
        db_persist=True,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risks_owned",
    )
    mitigation = models.TextField(blank=True)
    status = models.CharField(max_length=8, choices=RiskStatus.choices, default=RiskStatus.OPEN)
    escalated_to_dsg = models.BooleanField(default=False, verbose_name="Escalated to the DSG")
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["score"])

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "workstream__deal"
    # The workstream whose overview row it counts in (tracker.freshness).
    workstream_path: ClassVar[str] = "workstream"

    class Meta:
        ordering = ["workstream", "status", "-score", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(likelihood__gte=constants.RISK_SCALE_MIN)
                & Q(likelihood__lte=constants.RISK_SCALE_MAX),
                name="risk_likelihood_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=constants.RISK_SCALE_MIN)
                & Q(impact__lte=constants.RISK_SCALE_MAX),
                name="risk_impact_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RiskStatus.values), name="risk_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="risk_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rag(self) -> str:
        return risk_rag(self.likelihood * self.impact)


def risk_rag(score: int) -> str:
    if score >= constants.RISK_RED_FROM:
        return Rag.RED
    if score >= constants.RISK_AMBER_FROM:
        return Rag.AMBER
    return Rag.GREEN


class EngagementEntry(models.Model):
    """One line of a workstream's stakeholder engagement plan: who, through what, how often."""

    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="engagement_entries"
    )
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, related_name="engagements"
    )
    channel = models.ForeignKey(
        GovernanceBody,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="engagements",
        help_text="The existing board, forum or officer group used, if any.",
    )
    channel_notes = models.CharField(
        max_length=300, blank=True, help_text="How, if not through a body listed here."
    )
    frequency = models.CharField(max_length=16, choices=EngagementFrequency.choices)
    last_engaged_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL
    )
    revision = models.PositiveIntegerField(default=1, editable=False)
    is_demo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "workstream__deal"

    class Meta:
        ordering = ["workstream", "organisation__name"]
        verbose_name_plural = "engagement entries"
        constraints = [
            models.UniqueConstraint(
                fields=["workstream", "organisation"],
                name="engagement_one_entry_per_organisation",
                violation_error_message="This organisation is already in the plan.",
            ),
            models.CheckConstraint(
                condition=Q(frequency__in=EngagementFrequency.values),
                name="engagement_frequency_valid",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="engagement_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workstream}: {self.organisation}"


class AskResponse(models.Model):
    """The Devolution Strategy Group's answer to a workstream's ask of it, recorded at a meeting.

    An ask is the ``asks_of_dsg`` of the status update that carried it when it was answered
    (one answer per update, a database constraint). Updates carry the ask over from one period
    to the next word for word, so a later update asking the same words is the same ask, already
    answered; one that asks something new (other words) is a new ask, back on the DSG's list.
    ``asked`` keeps the words answered, for that comparison and for the history."""

    status_update = models.OneToOneField(
        StatusUpdate, on_delete=models.CASCADE, related_name="ask_response"
    )
    workstream = models.ForeignKey(
        Workstream, on_delete=models.CASCADE, related_name="ask_responses"
    )
    asked = models.TextField(help_text="The ask's words, as the update put them.")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="ask_responses")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="ask_responses"
    )
    outcome = models.CharField(max_length=16, choices=AskOutcome.choices)
    response = models.TextField(help_text="The DSG's answer in words.")
    classification = models.CharField(
        max_length=24,
        choices=Classification.choices,
        default=Classification.OFFICIAL,
        help_text="The ask's update's marking: the answer is read with the ask.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(default=False)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "workstream__deal"
    # The workstream whose overview row it counts in (tracker.freshness).
    workstream_path: ClassVar[str] = "workstream"

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["workstream", "asked"], name="ask_response_words_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=AskOutcome.values), name="ask_response_outcome_valid"
            ),
            models.CheckConstraint(
                condition=~Q(response=""),
                name="ask_response_has_words",
                violation_error_message="Say what the DSG answered.",
            ),
            models.CheckConstraint(
                condition=~Q(asked=""),
                name="ask_response_has_ask",
                violation_error_message="Only an update that asks something can be answered.",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="ask_response_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workstream}: {self.get_outcome_display()}"


class Action(models.Model):
    """An action a meeting agreed: who owns it (a person or an organisation, exactly one), by
    when, and whether it is open, done or dropped. Open ones go onto the body's next agenda and
    into its briefing pack; an overdue one reminds its owner once."""

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    agenda_item = models.ForeignKey(
        AgendaItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    description = models.TextField()
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions_owned",
        verbose_name="owner (a person)",
    )
    owner_organisation = models.ForeignKey(
        "core.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions_owned",
        verbose_name="owner (an organisation)",
    )
    due_on = models.DateField()
    status = models.CharField(
        max_length=16, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    classification = models.CharField(
        max_length=24, choices=Classification.choices, default=Classification.OFFICIAL
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closing_note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_demo = models.BooleanField(default=False)

    history = HistoricalRecords()

    objects = DealScopedQuerySet.as_manager()
    deal_path: ClassVar[str] = "meeting__body__deal"

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"], name="action_status_due_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner_user__isnull=False, owner_organisation__isnull=True)
                | Q(owner_user__isnull=True, owner_organisation__isnull=False),
                name="action_one_owner",
                violation_error_message="An action is owned by a person or by an organisation: "
                "choose one.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ActionStatus.values), name="action_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=ActionStatus.OPEN, closed_at__isnull=True)
                | (~Q(status=ActionStatus.OPEN) & Q(closed_at__isnull=False)),
                name="action_closed_has_time",
                violation_error_message="A done or dropped action says when it was closed, and "
                "an open one has not been.",
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="action_has_description",
                violation_error_message="Say what the action is.",
            ),
            models.CheckConstraint(
                condition=Q(classification__in=Classification.values),
                name="action_classification_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.description[:80]

    @property
    def owner(self) -> object:
        return self.owner_user or self.owner_organisation
