"""Reference data for the Levelling Up missions, their headline metrics, the indicators that
report them, and the areas they are measured in, as the source documents give them.

The wording is the documents' own: the 2022 mission statements as the White Paper gave them
(as quoted in the report ``data/mission_sources.yaml`` cites, paragraph 6), the 2024
statements, metric names, coverage marks, geographies and descriptions from the Statement of
Levelling Up Missions (25 January 2024). Metric names keep the Statement's capitalisation (most
are lower case in its running text).

``load_reference_data()`` loads it idempotently, keyed on natural keys, and returns how many rows
of each model it created, updated or left unchanged. The caller provides the transaction.
"""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import yaml
from django.conf import settings
from django.db import models
from django.utils.text import slugify

from .choices import COVERAGE_MARKS, AreaLevel, Direction, Unit
from .models import Area, Indicator, IndicatorFramework, Metric, Mission, MissionStatement

# --- Counting what a load did ------------------------------------------------------------------

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
OUTCOMES = (CREATED, UPDATED, UNCHANGED)

Counts = dict[str, dict[str, int]]
"""Model label (e.g. ``missions.Mission``) -> {"created": n, "updated": n, "unchanged": n}."""

M = TypeVar("M", bound=models.Model)


def new_counts(model_classes: Iterable[type[models.Model]] = ()) -> Counts:
    return {model._meta.label: dict.fromkeys(OUTCOMES, 0) for model in model_classes}


def tally(counts: Counts, model: type[models.Model], outcome: str) -> None:
    counts.setdefault(model._meta.label, dict.fromkeys(OUTCOMES, 0))[outcome] += 1


def merge_counts(*parts: Counts) -> Counts:
    merged: Counts = {}
    for part in parts:
        for label, outcomes in part.items():
            row = merged.setdefault(label, dict.fromkeys(OUTCOMES, 0))
            for outcome, n in outcomes.items():
                row[outcome] += n
    return merged


def changed(counts: Counts) -> bool:
    """Whether a load created or updated any row."""
    return any(row[CREATED] or row[UPDATED] for row in counts.values())


def count_lines(counts: Counts) -> list[str]:
    """A load's counts as the loading commands print them, a model a line."""
    width = max((len(label) for label in counts), default=0)
    return [
        f"{label:<{width}}  {row[CREATED]:>3} created, {row[UPDATED]:>3} updated, "
        f"{row[UNCHANGED]:>3} unchanged"
        for label, row in counts.items()
    ]


def _stored(obj: models.Model, name: str, value: Any) -> tuple[str, Any, Any]:
    """The attribute to compare for a field, its stored value and the wanted value; a foreign
    key is compared by id so that comparing does not fetch the related row."""
    field = obj._meta.get_field(name)
    if isinstance(field, models.ForeignKey):
        wanted = value.pk if isinstance(value, models.Model) else value
        return field.attname, getattr(obj, field.attname), wanted
    return name, getattr(obj, name), value


def upsert(
    counts: Counts,
    model: type[M],
    lookup: Mapping[str, Any],
    values: Mapping[str, Any],
) -> M:
    """Create the row ``lookup`` names with ``values``, or bring an existing one up to date.

    Unlike ``update_or_create`` it saves only when a value differs, and only the fields that
    differ, so a second load writes nothing and can say so.
    """
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        tally(counts, model, CREATED)
        return obj
    changed = []
    for name, value in values.items():
        attname, stored, wanted = _stored(obj, name, value)
        if stored != wanted:
            setattr(obj, attname, wanted)
            changed.append(attname)
    if changed:
        obj.save(update_fields=changed)
        tally(counts, model, UPDATED)
    else:
        tally(counts, model, UNCHANGED)
    return obj


# --- Sources -----------------------------------------------------------------------------------


def _mission_sources() -> dict[str, dict[str, Any]]:
    with (settings.BASE_DIR / "data" / "mission_sources.yaml").open(encoding="utf-8") as f:
        return yaml.safe_load(f)


_SOURCES = _mission_sources()
WHITE_PAPER_2022: str = _SOURCES["statement_2022"]["source"]
WHITE_PAPER_2022_DATE: datetime.date = _SOURCES["statement_2022"]["stated_on"]
STATEMENT_2024: str = _SOURCES["statement_2024"]["source"]
STATEMENT_2024_DATE: datetime.date = _SOURCES["statement_2024"]["stated_on"]

# The geographies the Statement measures at, in its words.
UK_LOWER_TIER = (
    "lower tier local authority level in England, local authorities in Wales, council areas in "
    "Scotland and local government areas in Northern Ireland"
)
UK_UPPER_TIER = (
    "upper tier local authorities in England, local authorities in Wales, council areas in "
    "Scotland and local government areas in Northern Ireland"
)
UK_LOCAL_AUTHORITY = (
    "local authority level in England, local authorities in Wales, council areas in Scotland "
    "and local government areas in Northern Ireland"
)

# Sentences of the Statement that describe more than one metric.
M1_LIVING_STANDARDS = (
    "To monitor living standards, this mission will use the metrics GVA per hour*, gross median "
    "weekly pay* and employment rates (16-64)*. These metrics will be measured over ITL1 areas."
)
M4_DIGITAL = (
    "The headline metrics for this mission are geographical 4G and 5G coverage* and premises "
    "coverage of gigabit broadband*. The metrics for this mission will be tracked at lower tier "
    "local authority level in England, local authorities in Wales, council areas in Scotland and "
    "local government areas in Northern Ireland. using Office of Communications (Ofcom) and "
    "Think Broadband data."
)
M5_EDUCATION = (
    "The two headline metrics for this mission are the percentage of primary school children who "
    "reach the expected standard in reading, writing and maths in England‡, and the percentage of "
    "children reaching the expected standard in the areas in England where education attainment "
    "is weakest (Education Investment Areas)‡."
)
M8_WELL_BEING = (
    "Since the mission is focussed on improving outcomes for people with the lowest well-being, "
    "rather than the general population, the headline metrics will track the share of "
    "individuals who have low well-being according to each of the ONS4 questions. In line with "
    "the ONS' guidance, we consider low well-being to be a score of 0-4 in the positively worded "
    "survey questions (those relating to life satisfaction, feeling worthwhile and happiness) and "
    "a score of 6-10 for the negatively worded question (relating to anxiety)."
)
M9_COMMUNITY_LIFE_SURVEY = (
    "The Department for Culture, Media & Sport (DCMS) runs the Community Life Survey, which has "
    "been expanded to include measures related to Pride in Place and will be delivered at a local "
    "authority level. The CLS will provide data for the headline metrics for local area "
    "attractiveness and engagement in cultural, heritage and sporting activities."
)
M11_CRIME = (
    "The headline metrics for this mission are homicides†, serious violence‡ and neighbourhood "
    "crime†. Police-recorded data will be used to measure homicide and NHS hospital admissions "
    "data for sharp object assaults among under 25s will be used to measure serious violence. "
    "Both datasets are available at the police force area level. The worst-affected areas for "
    "both homicide and serious violence will be defined as the 20 forces with the largest volumes "
    "of hospital admissions over a six-year period (2015–16 to 2021-22). For neighbourhood crime, "
    "the worst-affected areas will be identified using police-recorded crime data and "
    "neighbourhood crime levels will be tracked for the worst-affected areas in aggregate, using "
    "Crime Survey data. An expansion of the Crime Survey is being implemented that will support "
    "more accurate estimates of neighbourhood crime levels in these areas."
)


def indicator(
    code: str, unit: str, direction: str, source: str = STATEMENT_2024, name: str = ""
) -> dict[str, str]:
    """One indicator reporting a metric; ``name`` defaults to the metric's name."""
    return {"code": code, "unit": unit, "direction": direction, "source": source, "name": name}


HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER

# --- The missions ------------------------------------------------------------------------------
#
# Each mission: its number, the 2024 Statement's heading, its 2022 and 2024 wording, and its
# headline metrics in the Statement's order. A metric's "mark" is the Statement's coverage mark
# (* UK-wide, † England and Wales, ‡ England); "geography" is where the Statement says it is
# measured (blank where it does not say); "description" is the Statement's own sentences on it.
# Indicator codes that the ONS subnational data file uses are kept, so its rows map onto the
# metrics.

MISSIONS: list[dict[str, Any]] = [
    {
        "number": 1,
        "short_name": "Living Standards",
        "statement_2022": (
            "By 2030, pay, employment and productivity will have risen in every area of the UK, "
            "with each containing a globally competitive city, with the gap between the top "
            "performing and other areas closing."
        ),
        "statement_2024": (
            "By 2030, pay, employment and productivity will have risen in every area of the UK, "
            "with each containing a globally competitive city, and the gap between the top "
            "performing and other areas closing."
        ),
        "metrics": [
            {
                "slug": "gva-per-hour",
                "name": "GVA per hour",
                "mark": "*",
                "geography": "ITL1 areas",
                "description": M1_LIVING_STANDARDS,
                "indicators": [indicator("gva_per_hour_worked", Unit.GBP, HIGHER)],
            },
            {
                "slug": "gross-median-weekly-pay",
                "name": "gross median weekly pay",
                "mark": "*",
                "geography": "ITL1 areas",
                "description": M1_LIVING_STANDARDS,
                "indicators": [indicator("gross_median_weekly_pay", Unit.GBP, HIGHER)],
            },
            {
                "slug": "employment-rates-16-64",
                "name": "employment rates (16-64)",
                "mark": "*",
                "geography": "ITL1 areas",
                "description": M1_LIVING_STANDARDS,
                "indicators": [indicator("employment_rate_16_64", Unit.PERCENT, HIGHER)],
            },
            {
                "slug": "gva-per-worker",
                "name": "Gross Value Added (GVA) per worker",
                "mark": "*",
                # Used "to measure globally competitive cities"; no geography is stated.
                "geography": "",
                "description": (
                    "To measure globally competitive cities, we will use a globally comparable "
                    "headline productivity metric: Gross Value Added (GVA) per worker*."
                ),
                "indicators": [indicator("gva_per_worker", Unit.GBP, HIGHER)],
            },
        ],
    },
    {
        "number": 2,
        "short_name": "Research and Development",
        "statement_2022": (
            "By 2030, domestic public investment in Research & Development outside the Greater "
            "South East will increase by at least 40% and at least one third over the Spending "
            "Review period, with that additional government funding seeking to leverage at least "
            "twice as much private sector investment over the long term to stimulate innovation "
            "and productivity growth."
        ),
        "statement_2024": (
            "By 2030, domestic public investment in R&D outside the Greater South East will "
            "increase by at least 40%, and over the Spending Review period by at least one "
            "third. This additional government funding will seek to leverage at least twice as "
            "much private sector investment over the long term to stimulate innovation and "
            "productivity growth."
        ),
        "metrics": [
            {
                "slug": "uk-government-domestic-rd-spending",
                "name": "UK Government domestic R&D spending",
                "mark": "*",
                "geography": "ITL1 region",
                "description": (
                    "The headline metrics for this mission are UK Government domestic R&D "
                    "spending* and Business Enterprise Research and Development (BERD)* by "
                    "region, measured on an annual basis. UK Government Departments are working "
                    "with ONS to collect and publish data breakdowns of their domestic R&D "
                    "spending by ITL1 region. This will be used to calculate UK Government "
                    "domestic R&D spending outside the Greater South East, which comprises the "
                    "ITL1 regions of London, the South East and East of England."
                ),
                "indicators": [
                    indicator("uk_government_domestic_rd_spending", Unit.GBP, HIGHER, "ONS")
                ],
            },
            {
                "slug": "berd",
                "name": "Business Enterprise Research and Development (BERD)",
                "mark": "*",
                "geography": "ITL1 region",
                "description": (
                    "The headline metrics for this mission are UK Government domestic R&D "
                    "spending* and Business Enterprise Research and Development (BERD)* by "
                    "region, measured on an annual basis."
                ),
                "indicators": [indicator("berd", Unit.GBP, HIGHER)],
            },
        ],
    },
    {
        "number": 3,
        "short_name": "Transport",
        "statement_2022": (
            "By 2030, local public transport connectivity across the country will be "
            "significantly closer to the standards of London, with improved services, simpler "
            "fares and integrated ticketing."
        ),
        "statement_2024": (
            "By 2030, local public transport connectivity across the country will be "
            "significantly closer to the standards of London, with improved services, simpler "
            "fares and integrated ticketing."
        ),
        "metrics": [
            {
                "slug": "public-transport-trips-proportion",
                "name": "public transport trips as a proportion of total trips per year",
                "mark": "‡",
                "geography": "",
                "description": (
                    "The first headline metric is public transport trips as a proportion of total "
                    "trips per year[‡]. The data behind this is derived from the National Travel "
                    "Survey and is already published by the DfT as accredited official statistics "
                    "(formally known as ‘National Statistics’). This metric measures behavioural "
                    "change; it thus establishes how far improved services, simpler fares and "
                    "integrated ticketing have impacted on the public."
                ),
                "indicators": [
                    indicator(
                        "public_transport_trips_proportion",
                        Unit.PERCENT,
                        HIGHER,
                        "DfT National Travel Survey",
                    )
                ],
            },
            {
                "slug": "public-transport-connectivity",
                "name": "public transport connectivity",
                "mark": "†",
                "geography": "",
                "description": (
                    "The second headline metric is public transport connectivity[†]. DfT has "
                    "developed a new model to assess connectivity between regions and places. "
                    "Public transport connectivity measures how easy it is for people to get to "
                    "where they need to go using buses, trains and other forms of public "
                    "transport. It takes account of different types of destination (offices, "
                    "schools etc.) and how long it takes to reach them based on public transport "
                    "timetable information."
                ),
                "indicators": [
                    indicator(
                        "public_transport_connectivity",
                        Unit.INDEX,
                        HIGHER,
                        "DfT public transport connectivity model",
                    )
                ],
            },
        ],
    },
    {
        "number": 4,
        "short_name": "Digital Connectivity",
        "statement_2022": (
            "By 2030, the UK will have nationwide gigabit-capable broadband and 4G coverage, with "
            "5G coverage for the majority of the population."
        ),
        # The Statement ends this with a footnote mark, dropped here.
        "statement_2024": (
            "By 2030, the UK will have nationwide coverage of gigabit-capable broadband and 4G "
            "mobile networks, and our ambition is that higher quality, standalone 5G will extend "
            "to all populated areas."
        ),
        "metrics": [
            {
                "slug": "geographical-4g-and-5g-coverage",
                "name": "geographical 4G and 5G coverage",
                "mark": "*",
                "geography": UK_LOWER_TIER,
                "description": M4_DIGITAL,
                "indicators": [
                    indicator(
                        "geographical_4g_and_5g_coverage",
                        Unit.PERCENT,
                        HIGHER,
                        "Ofcom and Think Broadband",
                    )
                ],
            },
            {
                "slug": "premises-coverage-of-gigabit-broadband",
                "name": "premises coverage of gigabit broadband",
                "mark": "*",
                "geography": UK_LOWER_TIER,
                "description": M4_DIGITAL,
                "indicators": [
                    indicator(
                        "gigabit_broadband_premises_pct",
                        Unit.PERCENT,
                        HIGHER,
                        "Ofcom and Think Broadband",
                    )
                ],
            },
        ],
    },
    {
        "number": 5,
        "short_name": "Education",
        "statement_2022": (
            "By 2030, the number of primary school children achieving the expected standard in "
            "reading, writing and maths will have significantly increased. In England, this will "
            "mean 90% of children will achieve the expected standard, and the percentage of "
            "children meeting the expected standard in the worst performing areas will have "
            "increased by over a third."
        ),
        "statement_2024": (
            "By 2030, the number of primary school children achieving the expected standard in "
            "reading, writing and maths will have significantly increased. In England, this will "
            "mean 90% of children will achieve the expected standard, and the percentage of "
            "children meeting the expected standard in the worst performing areas will have "
            "increased by over a third."
        ),
        "metrics": [
            {
                "slug": "primary-expected-standard-england",
                "name": (
                    "percentage of primary school children who reach the expected standard in "
                    "reading, writing and maths in England"
                ),
                "mark": "‡",
                "geography": "",
                "description": M5_EDUCATION,
                "indicators": [
                    indicator("primary_expected_standard_england", Unit.PERCENT, HIGHER)
                ],
            },
            {
                "slug": "primary-expected-standard-education-investment-areas",
                "name": (
                    "percentage of children reaching the expected standard in the areas in "
                    "England where education attainment is weakest (Education Investment Areas)"
                ),
                "mark": "‡",
                "geography": "",
                "description": M5_EDUCATION,
                "indicators": [
                    indicator(
                        "primary_expected_standard_education_investment_areas",
                        Unit.PERCENT,
                        HIGHER,
                    )
                ],
            },
        ],
    },
    {
        "number": 6,
        "short_name": "Skills",
        "statement_2022": (
            "By 2030, the number of people successfully completing high-quality skills training "
            "will have significantly increased in every area of the UK. In England, this will "
            "lead to 200,000 more people successfully completing high-quality skills training "
            "annually, driven by 80,000 more people completing courses in the lowest skilled "
            "areas."
        ),
        "statement_2024": (
            "By 2030, the number of people successfully completing high-quality skills training "
            "will have significantly increased in every area of the UK. In England, this will "
            "lead to 200,000 more people successfully completing high-quality skills training "
            "annually, driven by 80,000 more people completing courses in the lowest skilled "
            "areas."
        ),
        "metrics": [
            {
                "slug": "adults-completing-high-quality-skills-training",
                "name": (
                    "number of adults who are successfully completing high-quality skills training"
                ),
                # The mark follows the metric's scope in the next paragraph: "... but not
                # Higher Education‡".
                "mark": "‡",
                "geography": "upper tier local authorities",
                "description": (
                    "The headline metric for this mission is the number of adults who are "
                    "successfully completing high-quality skills training. Achieving or "
                    "completing skills training is closely associated with positive outcomes, "
                    "such as further training, employment and higher wages, and is therefore a "
                    "good measure of whether people are acquiring the skills they need to make "
                    "them more productive and succeed in a modern and changing economy.\n\n"
                    "The baseline calculations for this metric include qualification-focused 19+ "
                    "Further Education and skills training achievement (including "
                    "apprenticeships), but not Higher Education‡. Training within the scope of "
                    "this mission needs to be high-quality training that matches the needs of "
                    "local employers and builds capabilities, to ensure it improves economic and "
                    "social outcomes. This mission focuses on the third of upper tier local "
                    "authorities where skill levels, defined as the share of the population with "
                    "level 3+ qualifications, are lowest."
                ),
                "indicators": [
                    indicator("adults_completing_high_quality_skills_training", Unit.COUNT, HIGHER)
                ],
            },
        ],
    },
    {
        "number": 7,
        "short_name": "Health",
        "statement_2022": (
            "By 2030, the gap in Healthy Life Expectancy (HLE) between local areas where it is "
            "highest and lowest will have narrowed, and by 2035 HLE will rise by 5 years."
        ),
        "statement_2024": (
            "By 2030, the gap in Healthy Life Expectancy (HLE) between local areas where it is "
            "highest and lowest will have narrowed, and by 2035 HLE will rise by five years."
        ),
        "metrics": [
            {
                "slug": "hle-at-birth",
                "name": "HLE at birth",
                "mark": "*",
                "geography": UK_UPPER_TIER,
                "description": (
                    "The mission will be measured using the ‘HLE at birth’ statistic published "
                    "by ONS*. This is an estimate of the average number of years a person born "
                    "today can expect to live in a state of “very good” or “good” health. The "
                    "statistic is produced for females and males separately, and is based on (i) "
                    "how individuals self-assess their general health and (ii) each local area’s "
                    "mortality rates throughout the lifespan based on the current health of the "
                    "population. This metric will be measured over upper tier local authorities "
                    "in England, local authorities in Wales, council areas in Scotland and local "
                    "government areas in Northern Ireland. The gap referenced in the mission will "
                    "be measured as the difference between the median HLE values in the top and "
                    "bottom deciles of local areas, when ranked by HLE from the highest to the "
                    "lowest. The health mission will be assessed against the baseline of HLE data "
                    "for the reporting period 2017-2019."
                ),
                # "The statistic is produced for females and males separately".
                "indicators": [
                    indicator(
                        "healthy_life_expectancy_female",
                        Unit.YEARS,
                        HIGHER,
                        "ONS",
                        name="HLE at birth (females)",
                    ),
                    indicator(
                        "healthy_life_expectancy_male",
                        Unit.YEARS,
                        HIGHER,
                        "ONS",
                        name="HLE at birth (males)",
                    ),
                ],
            },
        ],
    },
    {
        "number": 8,
        "short_name": "Well-being",
        "statement_2022": (
            "By 2030, well-being will have improved in every area of the UK, with the gap between "
            "top performing and other areas closing."
        ),
        "statement_2024": (
            "By 2030, well-being will have improved in every area of the UK, with the gap between "
            "top performing and other areas closing."
        ),
        "metrics": [
            {
                "slug": "low-life-satisfaction",
                "name": "Proportion of individuals aged 16+ with low ratings of life satisfaction",
                "mark": "*",
                "geography": UK_LOWER_TIER,
                "description": M8_WELL_BEING,
                "indicators": [indicator("low_life_satisfaction", Unit.PERCENT, LOWER, "ONS")],
            },
            {
                "slug": "low-worthwhile",
                "name": (
                    "Proportion of individuals aged 16+ with low ratings of feelings that things "
                    "done in life are worthwhile"
                ),
                "mark": "*",
                "geography": UK_LOWER_TIER,
                "description": M8_WELL_BEING,
                "indicators": [indicator("low_worthwhile", Unit.PERCENT, LOWER, "ONS")],
            },
            {
                "slug": "low-happiness",
                "name": "Proportion of individuals aged 16+ with low ratings of feeling happy",
                "mark": "*",
                "geography": UK_LOWER_TIER,
                "description": M8_WELL_BEING,
                "indicators": [indicator("low_happiness", Unit.PERCENT, LOWER, "ONS")],
            },
            {
                "slug": "high-anxiety",
                "name": "Proportion of individuals aged 16+ with high ratings of feeling anxious",
                "mark": "*",
                "geography": UK_LOWER_TIER,
                "description": M8_WELL_BEING,
                "indicators": [indicator("high_anxiety", Unit.PERCENT, LOWER, "ONS")],
            },
        ],
    },
    {
        "number": 9,
        "short_name": "Pride in Place",
        "statement_2022": (
            "By 2030, pride in place, such as people's satisfaction with their town centre and "
            "engagement in local culture and community, will have risen in every area of the UK, "
            "with the gap between the top performing and other areas closing."
        ),
        "statement_2024": (
            "By 2030, pride in place, such as people’s satisfaction with their town centre and "
            "engagement in local culture and community, will have risen in every area of the UK, "
            "with the gap between top performing and other areas closing."
        ),
        "metrics": [
            {
                "slug": "anti-social-behaviour-perceived-problem",
                "name": "Percentage of people who perceive ASB is a problem in their local area",
                "mark": "†",
                # The four metrics are measured at local authority level, but this one is
                # "available at the police force area level".
                "geography": "police force area level",
                "description": (
                    "The headline metric for Anti-Social Behaviour will be sourced from the Crime "
                    "Survey for England and Wales, which is available at the police force area "
                    "level."
                ),
                "indicators": [
                    indicator(
                        "anti_social_behaviour_perceived_problem",
                        Unit.PERCENT,
                        LOWER,
                        "Crime Survey for England and Wales",
                    )
                ],
            },
            {
                "slug": "local-area-attractive",
                "name": (
                    "Percentage of people that agree/ disagree that their local area is attractive"
                ),
                "mark": "‡",
                "geography": UK_LOCAL_AUTHORITY,
                "description": M9_COMMUNITY_LIFE_SURVEY,
                "indicators": [
                    indicator(
                        "local_area_attractive",
                        Unit.PERCENT,
                        HIGHER,
                        "DCMS Community Life Survey",
                    )
                ],
            },
            {
                "slug": "social-fabric-index-relationship-thread",
                "name": "Social Fabric Index (Adapted Relationship thread)",
                "mark": "*",
                "geography": UK_LOCAL_AUTHORITY,
                # The Statement breaks this paragraph across a page, with a footnote between
                # "composed of" and "multiple indicators".
                "description": (
                    "The Social Fabric Index is published by Onward. For the Pride in Place "
                    "mission metric, the metric will only consist of the relationship thread and "
                    "the five different strands which are composed of multiple indicators, each "
                    "representing a different statistical measure. The relationship thread "
                    "comprises of the following strands: community assets, membership and "
                    "participation, and neighbourliness. The adapted metric will also include a "
                    "strand from the positive norms thread and is referred to as ‘democracy’."
                ),
                "indicators": [
                    indicator(
                        "social_fabric_index_relationship_thread", Unit.INDEX, HIGHER, "Onward"
                    )
                ],
            },
            {
                "slug": "cultural-heritage-sport-engagement",
                "name": (
                    "Percentage of the local population engaged with cultural, heritage and "
                    "sport activities"
                ),
                "mark": "‡",
                "geography": UK_LOCAL_AUTHORITY,
                "description": M9_COMMUNITY_LIFE_SURVEY,
                "indicators": [
                    indicator(
                        "cultural_heritage_sport_engagement",
                        Unit.PERCENT,
                        HIGHER,
                        "DCMS Community Life Survey",
                    )
                ],
            },
        ],
    },
    {
        "number": 10,
        "short_name": "Housing",
        "statement_2022": (
            "By 2030, renters will have a secure path to ownership with the number of first-time "
            "buyers increasing in all areas; and the government's ambition is for the number of "
            "non-decent rented homes to have fallen by 50%, with the biggest improvements in the "
            "lowest performing areas."
        ),
        "statement_2024": (
            "By 2030, renters will have a secure path to ownership with the number of first-time "
            "buyers increasing in all areas; and the government’s ambition is for the number of "
            "non-decent rented homes to have fallen by 50%, with the biggest improvements in the "
            "lowest performing areas."
        ),
        "metrics": [
            {
                "slug": "first-time-buyers-per-year",
                "name": "first time buyer numbers per year",
                # The mark follows the commitment to develop the metric: "... within the next
                # year‡".
                "mark": "‡",
                "geography": "England ITL1 region",
                "description": (
                    "For home ownership, the intention is to use first time buyer numbers per "
                    "year, by England ITL1 region. This metric best captures the extent to which "
                    "the UK Government is delivering a viable path to home ownership for "
                    "existing renters. However, there are currently no official UK Government "
                    "statistics that provide this data at a regional level. Data from the "
                    "English Housing Survey (EHS) shows the number of recent (in the last three "
                    "years) first-time buyers, but due to limited sample sizes this is only "
                    "broken down by London vs. the rest of England. The UK Government is "
                    "committed to developing a public metric for annual first-time buyer numbers "
                    "at the sub-national level within the next year‡. A potential source is "
                    "undergoing quality considerations and supporting metrics drawn from the EHS "
                    "will be used to track home ownership trends in the interim."
                ),
                "indicators": [indicator("first_time_buyers_per_year", Unit.COUNT, HIGHER)],
            },
            {
                "slug": "rented-homes-not-decent",
                "name": "proportion of rented homes that do not meet the decent homes standard",
                "mark": "‡",
                "geography": "ITL1 region level in England",
                "description": (
                    "The headline metric for housing quality is the proportion of rented homes "
                    "that do not meet the decent homes standard‡. The Decent Homes Standard is "
                    "being reviewed to ensure it is fit for the present day, and the UK "
                    "Government’s intention is to apply it across all rented tenures. The UK "
                    "Government will set out our position on the future of the Decent Homes "
                    "Standard in due course as we develop a DHS for the social and private rented "
                    "sectors. The measure is limited to renters as it is in the private and "
                    "social rented sectors where concerted action is needed to improve quality, "
                    "as tenants have less ability to make improvements for themselves. The UK "
                    "Government also has greater levers to effectively drive change in these "
                    "sectors. We primarily measure and report housing quality at the ITL1 region "
                    "level in England through the English Housing Survey. We have, however, for "
                    "the first time this year modelled housing quality at a local authority level "
                    "in England."
                ),
                "indicators": [
                    indicator(
                        "rented_homes_not_decent",
                        Unit.PERCENT,
                        LOWER,
                        "English Housing Survey",
                    )
                ],
            },
        ],
    },
    {
        "number": 11,
        "short_name": "Crime",
        "statement_2022": (
            "By 2030, homicide, serious violence, and neighbourhood crime will have fallen, "
            "focused on the worst-affected areas."
        ),
        "statement_2024": (
            "By 2030, homicide, serious violence and neighbourhood crime will have fallen, "
            "focused on the worst affected areas."
        ),
        "metrics": [
            {
                "slug": "homicides",
                "name": "homicides",
                "mark": "†",
                "geography": "police force area level",
                "description": M11_CRIME,
                "indicators": [
                    indicator("homicides", Unit.COUNT, LOWER, "Police-recorded data"),
                ],
            },
            {
                "slug": "serious-violence",
                "name": "serious violence",
                "mark": "‡",
                "geography": "police force area level",
                "description": M11_CRIME,
                "indicators": [
                    indicator(
                        "serious_violence",
                        Unit.COUNT,
                        LOWER,
                        "NHS hospital admissions data for sharp object assaults among under 25s",
                    ),
                ],
            },
            {
                "slug": "neighbourhood-crime",
                "name": "neighbourhood crime",
                "mark": "†",
                # Tracked "for the worst-affected areas in aggregate"; no geography is stated.
                "geography": "",
                "description": M11_CRIME,
                "indicators": [
                    indicator(
                        "neighbourhood_crime",
                        Unit.RATE,
                        LOWER,
                        "Police-recorded crime data and the Crime Survey",
                    ),
                ],
            },
        ],
    },
    {
        "number": 12,
        "short_name": "Local Leadership",
        "statement_2022": (
            "By 2030, every part of England that wants one will have a devolution deal with powers "
            "at or approaching the highest level of devolution and a simplified, long-term funding "
            "settlement."
        ),
        "statement_2024": (
            "By 2030, every part of England that wants one will have a devolution deal with powers "
            "at or approaching the highest level of devolution and a simplified, long-term funding "
            "settlement."
        ),
        "metrics": [
            {
                "slug": "population-with-local-devolution",
                "name": (
                    "proportion of the population living in an area with the various levels of "
                    "local devolution in England"
                ),
                "mark": "‡",
                "geography": "",
                "description": (
                    "This mission will be measured by the proportion of the population living in "
                    "an area with the various levels of local devolution in England‡."
                ),
                "indicators": [indicator("population_with_local_devolution", Unit.PERCENT, HIGHER)],
            },
        ],
    },
]

MISSION_METRICS_FRAMEWORK = {
    "name": "Statement of Levelling Up Missions 2024: headline metrics",
    "slug": "levelling-up-missions-2024-headline-metrics",
    "description": (
        "The headline metrics the Government will use to measure progress against the 12 "
        "Levelling Up missions, one indicator per metric (two for healthy life expectancy, which "
        "is produced for females and males separately)."
    ),
    "source": STATEMENT_2024,
}

# --- Areas -------------------------------------------------------------------------------------
#
# Real geographies with their ONS (GSS) codes, each listed after its parent, in data/areas.csv.

AREAS_FILE = "areas.csv"


def read_areas() -> list[dict[str, str]]:
    """The rows of ``data/areas.csv``: gss_code, name, level (an ``AreaLevel`` value) and the
    parent's GSS code (blank for none)."""
    with (settings.BASE_DIR / "data" / AREAS_FILE).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


# --- Loading -----------------------------------------------------------------------------------


def load_missions(counts: Counts) -> None:
    framework = upsert(
        counts,
        IndicatorFramework,
        {"slug": MISSION_METRICS_FRAMEWORK["slug"]},
        {
            "name": MISSION_METRICS_FRAMEWORK["name"],
            "description": MISSION_METRICS_FRAMEWORK["description"],
            "source": MISSION_METRICS_FRAMEWORK["source"],
            "deal": None,
            "expected_theme_count": None,
            "expected_indicator_count": None,
        },
    )
    indicator_position = 0
    for data in MISSIONS:
        mission = upsert(
            counts,
            Mission,
            {"number": data["number"]},
            {"short_name": data["short_name"], "slug": slugify(data["short_name"])},
        )
        # The older statement first, so that a mission never has two current ones.
        for text, source, stated_on, is_current in [
            (data["statement_2022"], WHITE_PAPER_2022, WHITE_PAPER_2022_DATE, False),
            (data["statement_2024"], STATEMENT_2024, STATEMENT_2024_DATE, True),
        ]:
            upsert(
                counts,
                MissionStatement,
                {"mission": mission, "stated_on": stated_on},
                {"text": text, "source": source, "is_current": is_current},
            )
        for position, metric_data in enumerate(data["metrics"], start=1):
            metric = upsert(
                counts,
                Metric,
                {"slug": metric_data["slug"]},
                {
                    "mission": mission,
                    "name": metric_data["name"],
                    "description": metric_data["description"],
                    "coverage": COVERAGE_MARKS[metric_data["mark"]],
                    "geography": metric_data["geography"],
                    "position": position,
                },
            )
            for ind in metric_data["indicators"]:
                indicator_position += 1
                upsert(
                    counts,
                    Indicator,
                    {"code": ind["code"]},
                    {
                        "framework": framework,
                        "theme": None,
                        "metric": metric,
                        "name": ind["name"] or metric_data["name"],
                        "unit": ind["unit"],
                        "direction": ind["direction"],
                        "source": ind["source"],
                        "position": indicator_position,
                    },
                )


def load_areas(counts: Counts) -> None:
    by_code: dict[str, Area] = {}
    for data in read_areas():
        parent_code = data["parent"]
        by_code[data["gss_code"]] = upsert(
            counts,
            Area,
            {"gss_code": data["gss_code"]},
            {
                "name": data["name"],
                "level": AreaLevel(data["level"]),
                "parent": by_code[parent_code] if parent_code else None,
            },
        )


def load_reference_data() -> Counts:
    """Load the missions, their statements and metrics, the national indicator framework and
    the areas. Call it inside a transaction; returns the counts per model."""
    counts = new_counts([Mission, MissionStatement, Metric, IndicatorFramework, Indicator, Area])
    load_missions(counts)
    load_areas(counts)
    return counts
