from django.db import models


class Coverage(models.TextChoices):
    """Where a mission metric is reported, by the 2024 Statement's marks."""

    UK = "uk", "UK-wide (*)"
    ENGLAND_WALES = "england-wales", "England and Wales only (†)"
    ENGLAND = "england", "England only (‡)"


COVERAGE_MARKS = {"*": Coverage.UK, "†": Coverage.ENGLAND_WALES, "‡": Coverage.ENGLAND}


class Unit(models.TextChoices):
    GBP = "GBP", "Pounds (£)"
    PERCENT = "percent", "Per cent"
    YEARS = "years", "Years"
    COUNT = "count", "Count"
    SCORE_0_10 = "score 0-10", "Score (0 to 10)"
    INDEX = "index", "Index"
    RATE = "rate", "Rate"
    OTHER = "other", "As the source states it"  # the indicator's unit_label says which


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher", "Higher is better"
    LOWER_IS_BETTER = "lower", "Lower is better"


class AreaLevel(models.TextChoices):
    COUNTRY = "country", "Country"
    REGION = "region", "Region (ITL1)"
    COMBINED_AUTHORITY = "combined-authority", "Combined authority area"
    METROPOLITAN_DISTRICT = "metropolitan-district", "Metropolitan district"
    LOCAL_AUTHORITY = "local-authority", "Local authority"
    POLICE_FORCE_AREA = "police-force-area", "Police force area"
    # The levels of ONS's Explore Local Statistics files, by GSS entity code (missions.ons).
    CITY_REGION = "city-region", "City region"
    COUNTY = "county", "County"
    METROPOLITAN_COUNTY = "metropolitan-county", "Metropolitan county"
    UNITARY_AUTHORITY = "unitary-authority", "Unitary authority"
    LONDON_BOROUGH = "london-borough", "London borough"
    DISTRICT = "district", "Non-metropolitan district"
    COUNCIL_AREA = "council-area", "Council area (Scotland)"
    LOCAL_GOVERNMENT_DISTRICT = "ni-district", "Local government district (NI)"
    ITL1 = "itl1", "ITL1 region"
    ITL2 = "itl2", "ITL2 region"
    ITL3 = "itl3", "ITL3 region"
    GROUPING = "grouping", "Areas reported together"


class TargetKind(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    TARGET = "target", "Target"


class YearBasis(models.TextChoices):
    """What a split-year period such as ``2019-20`` means for an indicator: publishers use that
    shape for financial years and for academic years alike."""

    NONE = "", "Not set"
    FINANCIAL = "financial", "Financial year (April to March)"
    ACADEMIC = "academic", "Academic year (September to August)"


class Frequency(models.IntegerChoices):
    """How often an indicator's figures are expected, in months."""

    MONTHLY = 1, "Monthly"
    QUARTERLY = 3, "Quarterly"
    ANNUAL = 12, "Annual"
    TWO_YEARLY = 24, "Every two years"
