from django.db import models


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Direction(models.TextChoices):
    IMPROVING = "improving", "Improving"
    STABLE = "stable", "Stable"
    WORSENING = "worsening", "Worsening"


class WorkstreamStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    MERGED = "merged", "Merged into another workstream"
    CEASED = "ceased", "Ceased"


class BodyKind(models.TextChoices):
    THEMATIC_BOARD = "thematic-board", "Thematic board or forum"
    OFFICER_GROUP = "officer-group", "Officer group"
    LEADERSHIP_TEAM = "leadership-team", "Leadership team"
    STRATEGY_GROUP = "strategy-group", "Strategy group"
    NEGOTIATING_TEAM = "negotiating-team", "Negotiating team"
    DECISION_BOARD = "decision-board", "Decision board"
    GOVERNMENT_GROUP = "government-group", "Government group"


class MeetingStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CLOSED = "closed", "Closed"


class AskType(models.TextChoices):
    POWER = "power", "Power or duty"
    FREEDOM = "freedom", "Freedom or flexibility"
    FUNDING = "funding", "Funding"
    DATA = "data", "Data access"
    OTHER = "other", "Other"


class ProposalStage(models.TextChoices):
    """Where a proposal is on its way from a workstream to the deal. The transitions are in
    ``tracker.services.proposals``; the hard rule (nothing is submitted to government or agreed
    without the last body's endorsement) is also a database constraint."""

    DRAFT = "draft", "Draft"
    IN_GOVERNANCE = "in_governance", "In the governance chain"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SUBMITTED = "submitted", "Submitted to government"
    IN_NEGOTIATION = "in_negotiation", "In negotiation"
    CONCLUDED = "concluded", "Concluded"


# Stages in which nothing more happens to a proposal.
CLOSED_STAGES = (ProposalStage.REJECTED, ProposalStage.CONCLUDED)
# Stages in which talks with government departments are logged: while the lead develops the
# proposal ("Workstream lead will also be responsible for leading bilateral discussion with
# government officials' relevant departments", the scrutiny report's paragraph 16), and once it
# has been submitted to government. On its way up the chain it is the bodies' to decide on.
TALKS_STAGES = (ProposalStage.DRAFT, ProposalStage.SUBMITTED, ProposalStage.IN_NEGOTIATION)
TALKS_REFUSAL = (
    "talks with departments are logged while it is a draft and once it has been submitted to "
    "government."
)
# Stages that only a proposal the last body of the chain endorsed can reach.
ENDORSED_STAGES = (ProposalStage.APPROVED, ProposalStage.SUBMITTED, ProposalStage.IN_NEGOTIATION)


class Outcome(models.TextChoices):
    AGREED = "agreed", "Agreed"
    PARTIALLY_AGREED = "partially_agreed", "Partially agreed"
    NOT_AGREED = "not_agreed", "Not agreed"
    DEFERRED = "deferred", "Deferred"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DecisionOutcome(models.TextChoices):
    ENDORSED = "endorsed", "Endorsed"
    REFERRED_BACK = "referred_back", "Referred back"
    REJECTED = "rejected", "Rejected"
    NOTED = "noted", "Noted"
    # Not a body's decision: an administrator moved the proposal past the body, with a reason.
    SKIPPED = "skipped", "Skipped by an administrator"
    # Not a body's decision either: the body is one work comes to "as appropriate", and an
    # administrator passed the proposal on because it was not needed there.
    NOT_NEEDED = "not_needed", "Not needed"


# What a body may decide; a skip is recorded by its own service.
BODY_DECISIONS = (
    DecisionOutcome.ENDORSED,
    DecisionOutcome.REFERRED_BACK,
    DecisionOutcome.REJECTED,
    DecisionOutcome.NOTED,
)


class PrincipleAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_APPLICABLE = "not_applicable", "Not applicable"


class PropositionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    APPROVED = "approved", "Approved by the board"
    SUPERSEDED = "superseded", "Superseded"


class MilestoneStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


class ReviewDecision(models.TextChoices):
    SIGNED_OFF = "signed-off", "Signed off"
    COMMENTED = "commented", "Commented"


class EngagementFrequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"
    AS_NEEDED = "as-needed", "As needed"


class AskOutcome(models.TextChoices):
    """The Devolution Strategy Group's answer to a workstream's ask of it."""

    AGREED = "agreed", "Agreed"
    DECLINED = "declined", "Declined"
    NOTED = "noted", "Noted"


class ActionStatus(models.TextChoices):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    DROPPED = "dropped", "Dropped"
