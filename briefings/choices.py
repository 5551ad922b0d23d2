from django.db import models


class Audience(models.TextChoices):
    PARTNER = "partner", "Partner: OFFICIAL material only"
    INTERNAL = "internal", "Internal: everything the subscriber's role may see"


class Frequency(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"


class Scope(models.TextChoices):
    DEAL = "deal", "The whole deal"
    THEME = "theme", "One theme"
    WORKSTREAMS = "workstreams", "Chosen workstreams"
    MISSIONS = "missions", "The workstreams and proposals of chosen missions"
    ENGAGEMENT = "engagement", "The workstreams whose engagement plan names an organisation"


class DeliveryKind(models.TextChoices):
    DIGEST = "digest", "Digest"
    UPDATE_DUE = "update-due", "Reminder: update due in two days"
    UPDATE_OVERDUE = "update-overdue", "Reminder: update overdue"
    SPONSOR_OVERDUE = "sponsor-overdue", "Sponsor's weekly list of overdue workstreams"
    ACTION_OVERDUE = "action-overdue", "Reminder: a meeting's action is overdue"
    BRIEFING_REQUEST = "briefing-request", "A partner's request for a briefing session"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped: nothing to say"
    RETRYING = "retrying", "Mail server unavailable: will retry"
    FAILED = "failed", "Refused permanently"


# Statuses after which a delivery is never attempted again.
FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.SKIPPED, DeliveryStatus.FAILED)


class BriefingRequestStatus(models.TextChoices):
    OPEN = "open", "Open"
    ARRANGED = "arranged", "Arranged"
    DECLINED = "declined", "Declined"


class BriefingFormat(models.TextChoices):
    """The report offers "in-person and online briefing sessions as requested" (paragraph 22)."""

    IN_PERSON = "in-person", "In person"
    ONLINE = "online", "Online"
    EITHER = "either", "Either"
