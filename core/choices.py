"""The choices every deal-scoped app shares: roles in a deal, kinds of organisation, the security
classification of deal material and the reporting cadence."""

from django.db import models


class Classification(models.TextChoices):
    """The UK government security marking every piece of deal material carries."""

    OFFICIAL = "official", "OFFICIAL"
    OFFICIAL_SENSITIVE = "official-sensitive", "OFFICIAL-SENSITIVE"


class Cadence(models.TextChoices):
    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Fortnightly"
    MONTHLY = "monthly", "Monthly"


class OrganisationKind(models.TextChoices):
    COMBINED_AUTHORITY = "combined-authority", "Combined authority"
    CONSTITUENT_AUTHORITY = "constituent-authority", "Constituent authority"
    NON_CONSTITUENT_AUTHORITY = "non-constituent-authority", "Non-constituent authority"
    GOVERNMENT_DEPARTMENT = "government-department", "Government department"
    BUSINESS = "business", "Business"
    UNIVERSITY = "university", "University"
    VOLUNTARY_SECTOR = "voluntary-sector", "Voluntary sector"
    OTHER = "other", "Other"


class Role(models.TextChoices):
    ADMIN = "admin", "Administrator"
    LEAD = "lead", "Workstream lead"
    SPONSOR = "sponsor", "SLT sponsor"
    DSG = "dsg", "Devolution Strategy Group member"
    PARTNER = "partner", "Partner"


# Roles that are held for one workstream; the others are held for the whole deal.
WORKSTREAM_ROLES = (Role.LEAD, Role.SPONSOR)
