"""The kinds of provision, their delivery states and the delivery confidence scale.

The confidence scale is the five-point Delivery Confidence Assessment that government's major
projects are rated on (the Infrastructure and Projects Authority's annual report on the
Government Major Projects Portfolio defines it). Each level's definition is here, once, for
every page, export and email that prints it, reworded from "the project" to "the provision"."""

from django.db import models


class ProvisionKind(models.TextChoices):
    POWER = "power", "Power"
    FUNDING = "funding", "Funding"
    FREEDOM = "freedom", "Freedom"
    DUTY = "duty", "Duty"
    PARTNERSHIP = "partnership", "Partnership"


class DeliveryState(models.TextChoices):
    NOT_STARTED = "not-started", "Not started"
    IN_PROGRESS = "in-progress", "In progress"
    DELIVERED = "delivered", "Delivered"
    STALLED = "stalled", "Stalled"
    SUPERSEDED = "superseded", "Superseded"


class Confidence(models.TextChoices):
    GREEN = "green", "Green"
    AMBER_GREEN = "amber-green", "Amber/Green"
    AMBER = "amber", "Amber"
    AMBER_RED = "amber-red", "Amber/Red"
    RED = "red", "Red"


CONFIDENCE_DEFINITIONS: dict[str, str] = {
    Confidence.GREEN: (
        "Successful delivery of the provision on time, budget and quality appears highly likely, "
        "and there are no major outstanding issues that at this stage appear to threaten "
        "delivery significantly."
    ),
    Confidence.AMBER_GREEN: (
        "Successful delivery appears probable. However, constant attention will be needed to "
        "ensure risks do not materialise into major issues threatening delivery."
    ),
    Confidence.AMBER: (
        "Successful delivery appears feasible, but significant issues already exist, requiring "
        "management attention. These appear resolvable at this stage and, if addressed "
        "promptly, should not present a cost or schedule overrun."
    ),
    Confidence.AMBER_RED: (
        "Successful delivery of the provision is in doubt, with major risks or issues apparent "
        "in a number of key areas. Urgent action is needed to address these problems and/or "
        "assess whether resolution is feasible."
    ),
    Confidence.RED: (
        "Successful delivery of the provision appears to be unachievable. There are major issues "
        "with its definition, schedule, budget, quality and/or benefits which at this stage do "
        "not appear to be manageable or resolvable. It may need re-scoping and/or its overall "
        "viability reassessed."
    ),
}

# Every rating below Green must be explained in the report's narrative.
BELOW_GREEN = frozenset(set(Confidence) - {Confidence.GREEN})
