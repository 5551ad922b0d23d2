from django.db import models


class Classification(models.TextChoices):
    """The UK government security marking every piece of deal material carries."""

    OFFICIAL = "official", "OFFICIAL"
    OFFICIAL_SENSITIVE = "official-sensitive", "OFFICIAL-SENSITIVE"


class Rag(models.TextChoices):
    RED = "red", "Red"
    AMBER = "amber", "Amber"
    GREEN = "green", "Green"


class Direction(models.TextChoices):
    IMPROVING = "improving", "Improving"
    STABLE = "stable", "Stable"
    WORSENING = "worsening", "Worsening"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"


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
    DRAFT = "draft", "Draft"
    IN_GOVERNANCE = "in-governance", "In the governance chain"
    APPROVED = "approved", "Approved by the WMCA Board"
    REJECTED = "rejected", "Rejected"
    IN_NEGOTIATION = "in-negotiation", "In negotiation with government"
    CONCLUDED = "concluded", "Concluded"


class Outcome(models.TextChoices):
    AGREED = "agreed", "Agreed"
    PARTIALLY_AGREED = "partially-agreed", "Partially agreed"
    NOT_AGREED = "not-agreed", "Not agreed"
    DEFERRED = "deferred", "Deferred"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DecisionOutcome(models.TextChoices):
    ENDORSED = "endorsed", "Endorsed"
    REFERRED_BACK = "referred_back", "Referred back"
    REJECTED = "rejected", "Rejected"
    NOTED = "noted", "Noted"


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
