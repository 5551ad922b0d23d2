"""Synthetic demonstration data: people in every role, status updates with their sponsors'
sign-offs, risks, stakeholder engagement plans, proposals at every stage (up the governance
chain by their decisions at meetings, to government, through talks with its departments to an
outcome) with their answers to the deal's principles, a Proposition the last body of its chain
approved, the next meetings' agendas, and the real ONS figures as observations.

Every row written here is marked ``is_demo=True`` (memberships, many-to-many links, principle
answers, agenda items and the Proposition's items belong to a demo row), and reference data is
only linked to, never changed, but for two things an administrator keeps on it: the missions
each workstream moves (``WORKSTREAM_MISSIONS``), given only to workstreams that move none, and
the timeline's milestones that ended before the demo's day, marked done. Those changes are made
as the demo's administrator, and their history entries give ``DEMO_CHANGE`` as the reason:
removing the demo puts back what it changed where nobody has changed it since, and deletes
those entries. Loading replaces the previous demo rows: they are all deleted
first, and the load refuses to go on if that would delete or depend on a row that is not demo
data. The same seed gives the same data relative to the day it is loaded on; passwords are new
on every load and are written only to the logins file.

This is a loader, like a fixture: besides provisioning people through the accounts services it
writes rows in bulk, because no workflow (submitting, endorsing, negotiating) is being performed.
The audited models (status updates, risks, engagement entries, proposals and their principle
answers, talks with government, meetings) get the history entries that the services would have
written, dated when the rows say they were made, so that their pages' history reads true;
deleting the demo data deletes those history entries too.
"""

from __future__ import annotations

import csv
import os
import random
import secrets
from base64 import b32encode
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.models import User
from accounts.services import AccountsError, user_provision
from core.choices import Classification, OrganisationKind, Role
from core.models import Deal, Membership, Organisation
from core.policy import SENSITIVE_ROLES
from missions.models import Area, Indicator, Mission, Observation
from missions.periods import parse_period

from . import deal_file, signals
from .choices import (
    CLOSED_STAGES,
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
from .models import (
    Action,
    AgendaItem,
    AskResponse,
    Decision,
    EngagementEntry,
    GovernanceBody,
    GovernmentDepartment,
    Meeting,
    Milestone,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionItem,
    PropositionVersion,
    Risk,
    StatusUpdate,
    Theme,
    UpdateReview,
    Workstream,
    risk_rag,
)
from .periods import Period, deal_period, is_late, last_due_period
from .selectors.governance import chain_of
from .services import agenda_sync, milestone_update
from .services.governance import proposition_item_snapshot

DEFAULT_SEED = 2022
EMAIL_DOMAIN = "demo.example"  # reserved for examples (RFC 6761): mail to it goes nowhere
LOGINS_FILENAME = "demo-logins.txt"
ONS_CSV = Path(settings.BASE_DIR) / "data" / "ons_subnational_indicators_wmca_2022.csv"
STATUS_PERIODS = 12
PROPOSAL_COUNT = 28  # one for each of PLANS
# The workstreams left overdue: one that has never reported, and some that stopped.
LAPSED_WORKSTREAMS = 2
# How many engagement plans leave out the non-constituent authorities, so the flag shows.
PLANS_WITHOUT_NON_CONSTITUENT = (2, 3)


class DemoDataError(Exception):
    """The demo data cannot be loaded or replaced, and why."""


# --- What is loaded --------------------------------------------------------------------------

DEMO_ORGANISATIONS = {
    OrganisationKind.COMBINED_AUTHORITY: "Example Combined Authority (demo)",
    OrganisationKind.CONSTITUENT_AUTHORITY: "Example Metropolitan Borough Council (demo)",
    OrganisationKind.NON_CONSTITUENT_AUTHORITY: "Example District Council (demo)",
    OrganisationKind.GOVERNMENT_DEPARTMENT: "Example Government Department (demo)",
    OrganisationKind.BUSINESS: "Example Business Forum (demo)",
    OrganisationKind.UNIVERSITY: "Example University (demo)",
    OrganisationKind.VOLUNTARY_SECTOR: "Example Community Trust (demo)",
    OrganisationKind.OTHER: "Example Partnership (demo)",
}

# The departments the topics below name, by abbreviation (or name, for those without one). The
# deal's file lists them as reference data, and the demo uses those; a deal whose file lists
# none gets these, marked as demo, so that its proposals still have departments to talk to.
DEPARTMENTS = {
    "HMT": "HM Treasury",
    "MHCLG": "Ministry of Housing, Communities and Local Government",
    "DfT": "Department for Transport",
    "DfE": "Department for Education",
    "DESNZ": "Department for Energy Security and Net Zero",
    "DBT": "Department for Business and Trade",
    "DSIT": "Department for Science, Innovation and Technology",
    "DWP": "Department for Work and Pensions",
    "DHSC": "Department of Health and Social Care",
    "Home Office": "Home Office",
    "DCMS": "Department for Culture, Media and Sport",
}


FIRST_NAMES = [
    *["Amara", "Ben", "Chloe", "Dev", "Eleanor", "Farah", "Gareth", "Hannah", "Imran", "Jess"],
    *["Kwame", "Laura", "Mohammed", "Niamh", "Owen", "Priya", "Rhys", "Sofia", "Tom", "Uzma"],
    *["Victor", "Wendy", "Yusuf", "Zara"],
]
LAST_NAMES = [
    *["Adeyemi", "Bennett", "Chaudhry", "Davies", "Evans", "Fletcher", "Gill", "Hughes"],
    *["Iqbal", "Jones", "Kaur", "Lewis", "Mensah", "Nolan", "O'Brien", "Patel", "Quinn"],
    *["Roberts", "Singh", "Taylor", "Walsh", "Young"],
]

WHAT_THEY_CAN_DO = {
    Role.ADMIN: "runs the process: workstreams, boards, meetings, decisions, users; Django admin",
    Role.LEAD: "records status updates and proposals for {workstreams}",
    Role.SPONSOR: "sees and signs off updates for {workstreams}",
    Role.DSG: "reviews dashboards: RAG, proposal pipeline, missions, indicators",
    Role.PARTNER: "reads the partner view and briefings (OFFICIAL material only)",
}

M = 1_000_000


@dataclass(frozen=True)
class Ask:
    title: str
    ask_type: AskType
    value: tuple[int, int] | None = None  # a range in pounds, for asks with a price


@dataclass(frozen=True)
class Topic:
    """What a workstream is about, recognised from words in its name or slug."""

    words: tuple[str, ...]
    asks: tuple[Ask, ...]
    departments: tuple[str, ...] = ("MHCLG",)
    missions: tuple[int, ...] = (12,)
    indicators: tuple[str, ...] = ()


A = AskType
NET_ZERO_WORDS = ("net zero", "net-zero", "beis")
NON_CONSTITUENT_WORDS = ("non-constituent", "non constituent")
TOPICS = (
    Topic(
        ("smart",),
        (
            Ask("5G and smart infrastructure testbed follow-on", A.FUNDING, (10 * M, 40 * M)),
            Ask("Smart city data-sharing standards", A.DATA),
        ),
        ("DSIT", "DESNZ"),
        (4, 2),
        ("gigabit_broadband_premises_pct",),
    ),
    Topic(
        ("innovation",),
        (
            Ask("Innovation Accelerator: second-phase funding", A.FUNDING, (30 * M, 100 * M)),
            Ask("Regional R&D partnership with UKRI", A.OTHER),
            Ask("Access to place-based innovation data", A.DATA),
        ),
        ("DSIT", "HMT"),
        (2, 1),
        ("gva_per_hour_worked",),
    ),
    Topic(
        ("lep",),
        (
            Ask("Integrate LEP functions into the combined authority", A.POWER),
            Ask("LEP capital programme flexibilities", A.FREEDOM, (5 * M, 20 * M)),
        ),
        ("MHCLG", "DBT"),
        (1, 12),
    ),
    Topic(
        ("trade",),
        (
            Ask("Joint trade and investment office with DBT", A.OTHER),
            Ask("Investment zone incentives", A.FREEDOM, (20 * M, 80 * M)),
        ),
        ("DBT", "HMT"),
        (1,),
        ("gva_per_hour_worked",),
    ),
    Topic(
        ("business",),
        (
            Ask("Single front door for business support", A.FUNDING, (10 * M, 30 * M)),
            Ask("Multi-year Growth Hub funding", A.FUNDING, (3 * M, 10 * M)),
        ),
        ("DBT",),
        (1,),
        ("gva_per_hour_worked",),
    ),
    Topic(
        ("ukspf", "multiply"),
        (
            Ask("Multiply: flexibility to combine with adult skills", A.FREEDOM),
            Ask("Multi-year UKSPF allocation", A.FUNDING, (40 * M, 90 * M)),
        ),
        ("MHCLG", "DfE"),
        (6,),
    ),
    Topic(
        ("skills",),
        (
            Ask("Full devolution of the Adult Skills Fund", A.POWER, (100 * M, 150 * M)),
            Ask("Local commissioning of Skills Bootcamps", A.FREEDOM, (10 * M, 30 * M)),
            Ask("Joint ownership of the local skills improvement plan", A.POWER),
        ),
        ("DfE", "DWP"),
        (6, 1),
        ("employment_rate_16_64",),
    ),
    Topic(
        ("education",),
        (
            Ask("Co-commissioning of the careers hub", A.POWER),
            Ask("Technical education pilot for 16 to 19 year olds", A.FUNDING, (5 * M, 20 * M)),
        ),
        ("DfE",),
        (5, 6),
    ),
    Topic(
        ("housing", "regen", "planning"),
        (
            Ask("Brownfield land remediation fund", A.FUNDING, (100 * M, 250 * M)),
            Ask("Devolved share of the Affordable Homes Programme", A.FUNDING, (150 * M, 300 * M)),
            Ask("Compulsory purchase powers for regeneration", A.POWER),
        ),
        ("MHCLG", "HMT"),
        (10, 9),
    ),
    Topic(
        ("transport",),
        (
            Ask("Five-year integrated transport settlement", A.FUNDING, (500 * M, 1000 * M)),
            Ask("Funding for the move to bus franchising", A.FUNDING, (20 * M, 60 * M)),
            Ask("Devolution of local rail stations", A.POWER),
        ),
        ("DfT", "HMT"),
        (3,),
    ),
    Topic(
        NET_ZERO_WORDS,
        (
            Ask("Single retrofit funding pot", A.FUNDING, (50 * M, 150 * M)),
            Ask("Duty to prepare local area energy plans", A.POWER),
            Ask("Net zero neighbourhoods demonstrator", A.FUNDING, (10 * M, 30 * M)),
        ),
        ("DESNZ", "MHCLG"),
        (1, 9),
    ),
    Topic(
        ("digital",),
        (
            Ask("Regional role in co-ordinating gigabit rollout", A.POWER),
            Ask("Digital inclusion data-sharing agreement", A.DATA),
            Ask("Gigabit voucher top-up", A.FUNDING, (5 * M, 15 * M)),
        ),
        ("DSIT",),
        (4,),
        ("gigabit_broadband_premises_pct",),
    ),
    Topic(
        ("homeless",),
        (
            Ask("Pooled homelessness prevention budget", A.FUNDING, (10 * M, 30 * M)),
            Ask("Enforcement powers in the private rented sector", A.POWER),
        ),
        ("MHCLG", "DWP"),
        (10, 8),
    ),
    Topic(
        ("health",),
        (
            Ask("Joint commissioning to reduce health inequalities", A.POWER),
            Ask("Access to NHS population health data", A.DATA),
            Ask("Devolved work and health programme", A.FUNDING, (20 * M, 60 * M)),
        ),
        ("DHSC", "DWP"),
        (7, 8),
        ("healthy_life_expectancy_female", "healthy_life_expectancy_male"),
    ),
    Topic(
        ("crime", "safety"),
        (
            Ask("Police and crime commissioner functions for the Mayor", A.POWER),
            Ask("Multi-year funding for the violence reduction unit", A.FUNDING, (5 * M, 15 * M)),
        ),
        ("Home Office",),
        (11,),
    ),
    Topic(
        ("social",),
        (
            Ask("Social economy growth fund", A.FUNDING, (5 * M, 20 * M)),
            Ask("Community asset transfer powers", A.POWER),
        ),
        ("DCMS", "MHCLG"),
        (8, 9),
    ),
    Topic(
        ("culture",),
        (
            Ask("Cultural investment partnership with Arts Council England", A.OTHER),
            Ask("Flexibility in the Commonwealth Games legacy fund", A.FREEDOM, (10 * M, 30 * M)),
        ),
        ("DCMS",),
        (9, 8),
    ),
    Topic(
        NON_CONSTITUENT_WORDS,
        (
            Ask("Non-constituent authority access to devolved programmes", A.FREEDOM),
            Ask("Shared investment fund with non-constituent areas", A.FUNDING, (5 * M, 20 * M)),
        ),
        ("MHCLG",),
        (12,),
    ),
    Topic(
        ("funding",),
        (
            Ask("Single departmental-style funding settlement", A.FREEDOM),
            Ask("Full business rates retention for ten years", A.FREEDOM, (40 * M, 90 * M)),
            Ask("Power to introduce a tourism levy", A.POWER),
        ),
        ("HMT", "MHCLG"),
        (12,),
    ),
    Topic(
        ("data", "transparency"),
        (
            Ask("Access to HMRC and DWP microdata", A.DATA),
            Ask("Local outcomes framework reporting agreement", A.DATA),
            Ask("Data-sharing protocol with the Levelling Up Director", A.DATA),
        ),
        ("MHCLG", "HMT"),
        (12,),
    ),
)


# What the demo says each workstream moves: the missions of its topic above, as its proposals
# do. Where the Statement of Levelling Up Missions (2024) names a mission after the workstream's
# subject, that mission: "Mission 3: Transport", "Mission 4: Digital Connectivity", "Mission 5:
# Education", "Mission 6: Skills", "Mission 7: Health", "Mission 10: Housing", "Mission 11:
# Crime"; the economic workstreams move "Mission 1: Living Standards" (and innovation "Mission
# 2: Research and Development"), the social ones "Mission 8: Well-being" and "Mission 9: Pride
# in Place", and the cross-cutting ones (funding, data, the non-constituent authorities)
# "Mission 12: Local Leadership", which the Statement measures by devolution deals. Invented
# like the rest of the demo: the sources link no workstream to a mission.
def workstream_missions(workstream: Workstream) -> tuple[int, ...]:
    return _topic_for(workstream).missions


# The reason in the history of the reference rows the demo changes (see the module's docstring).
DEMO_CHANGE = "Demo data"


def _generic_topic(workstream: Workstream) -> Topic:
    return Topic(
        (),
        (
            Ask(f"{workstream.name}: devolved funding", A.FUNDING, (5 * M, 50 * M)),
            Ask(f"{workstream.name}: new local powers", A.POWER),
            Ask(f"{workstream.name}: access to government data", A.DATA),
        ),
    )


SUMMARIES = {
    Rag.GREEN: (
        "On track: the draft proposal is agreed with officials and engagement is going well.",
        "On schedule; the stakeholder engagement plan is in place and partners are involved.",
        "Good progress at the latest bilateral; no issues for the DSG.",
    ),
    Rag.AMBER: (
        "Some slippage: officials have asked for more evidence before the next bilateral.",
        "Engagement with the non-constituent authorities is behind plan.",
        "The costings are taking longer than planned; the timetable is tight but achievable.",
    ),
    Rag.RED: (
        "At risk: government has not yet engaged on the core ask.",
        "A key dependency on HM Treasury is unresolved; the Proposition timetable is at risk.",
        "The lead department has changed its position; the ask needs rethinking.",
    ),
}
PROGRESS = (
    "Bilateral held with departmental officials.",
    "Stakeholder engagement plan discussed at the thematic board.",
    "Evidence base refreshed with the latest ONS figures.",
    "Draft proposal shared with the Senior Local Authority Officers Group.",
    "Private sector partners confirmed their support in principle.",
    "Non-constituent authorities briefed at the officer group.",
)
NEXT_STEPS = (
    "Finalise the draft proposal for the Strategic Leadership Team.",
    "Arrange a follow-up bilateral with officials.",
    "Complete the costings and the value-for-money case.",
    "Test the ask against the deal principles with the core team.",
)
RISKS = (
    "Capacity in the team while two posts are vacant.",
    "Government's position may change after the fiscal event.",
    "Overlap with another workstream's ask needs resolving.",
    "Local authority partners have not all agreed the approach.",
    "",
)
# How many of the current asks the DSG has answered in the demo.
DEMO_ANSWERS = 3
ASKS_OF_DSG = (
    "Agree to escalate the core ask to the High Level Negotiating Team.",
    "Nominate a chief executive to join the next bilateral with government.",
    "Confirm whether this ask is a priority for the Proposition.",
    "Help unblock data sharing with the lead department.",
)
REFERRAL_REASONS = (
    "Set out the private sector support or co-investment behind the ask.",
    "Show how the ask draws powers down from government rather than up from local authorities.",
    "Link the ask to the mission metrics it moves and give a baseline.",
    "Describe the double devolution offer to local authorities.",
)
REJECTION_REASONS = (
    "Duplicates an ask in another workstream: to be folded into that proposal.",
    "Not a priority for this deal; to be pursued outside it.",
)
# What was agreed, or why not: the outcome's notes.
OUTCOME_NOTES: dict[str, str] = {
    Outcome.AGREED: (
        "Agreed in full: government will devolve this as asked from the next financial year, "
        "set out in the deal document and a memorandum of understanding with the department."
    ),
    Outcome.PARTIALLY_AGREED: (
        "Agreed in part: government accepts the principle for a three-year pilot and a smaller "
        "sum; the rest of the ask is to be revisited at the next spending review."
    ),
    Outcome.NOT_AGREED: (
        "Not agreed: the department will not devolve this ahead of its own national reforms."
    ),
    Outcome.DEFERRED: (
        "Deferred to the autumn fiscal event: officials want the evaluation of the current "
        "programme first."
    ),
    Outcome.WITHDRAWN: (
        "Withdrawn by the workstream: folded into a wider ask on the single funding settlement."
    ),
}
WITHDRAWN_IN_CHAIN = (
    "Withdrawn by the workstream before it reached government: overtaken by a national "
    "announcement that meets most of the ask."
)
TALK_SUMMARIES = (
    "Walked officials through the ask and the evidence pack; they asked for the costings by "
    "local authority area.",
    "Discussed the delivery model and the assurance the department would need.",
    "Officials tested the value-for-money case and the risk of overlap with national schemes.",
    "Agreed the scope of what can be offered now and what needs a spending review.",
    "Went through the department's draft wording for the deal document.",
)
TALK_NEXT_STEPS = (
    "Send the costings by local authority area before the next bilateral.",
    "Officials to confirm the department's position with ministers.",
    "Share the draft assurance framework with the department.",
    "Agree the wording of the deal document at official level.",
    "",
)
# A note for each principle a proposal says yes to, by the principle's slug.
PRINCIPLE_NOTES = {
    "aligns-with-plans-and-missions": "It delivers a priority of the regional plan and moves "
    "the missions the proposal names.",
    "involves-partners": "Discussed with the constituent authorities and the business and "
    "voluntary sector forums.",
    "private-sector-support": "Letters of support from business partners; co-investment is "
    "being discussed.",
    "double-devolution": "The local authorities would commission delivery in their own areas.",
    "draws-powers-down": "The powers sit with government today; nothing moves from the local "
    "authorities.",
    "data-and-accountability": "Progress reported through the indicators the proposal names.",
}
PRINCIPLE_NO = "Not yet: to be addressed before the proposal goes to the Devolution Strategy Group."
PRINCIPLE_NOT_APPLICABLE = "Not applicable to an ask of this type."
# Open proposals that leave some principles unanswered, so that the dashboard shows them.
PARTLY_ANSWERED = 4
PROPOSITION_INTRODUCTION = (
    "The proposals the last body in the chain endorsed, brought together as one Proposition to "
    "government (demo data)."
)
REVIEW_COMMENTS = (
    "Please add the date of the next bilateral before the DSG pack goes out.",
    "I agree the rating; keep the DSG sighted on the ask.",
    "Can you say how far the timetable has slipped, in weeks?",
    "A clear summary. Let's discuss the risk to the timetable at our next catch-up.",
)
REVISION_COMMENT = "Please revise: the summary should reflect the latest bilateral."

# (title, description, mitigation)
RISK_TEMPLATES = (
    (
        "Government does not engage on the core ask",
        "The lead department has not yet agreed a bilateral on the workstream's main ask.",
        "Escalate through the DSG; ask the government co-ordinating group for a named contact.",
    ),
    (
        "Evidence base not ready in time",
        "The value-for-money case needs data the workstream does not yet hold.",
        "Commission the analysis now and agree interim figures with the core team.",
    ),
    (
        "Capacity in the workstream team",
        "Two posts are vacant and the lead also covers another workstream.",
        "Borrow an analyst from the Core Team until the posts are filled.",
    ),
    (
        "Overlap with another workstream's ask",
        "Another workstream is asking government for part of the same funding.",
        "Agree a single joint ask at the Strategic Leadership Team.",
    ),
    (
        "Local authority partners do not agree the approach",
        "Not all the constituent authorities support the proposed delivery model.",
        "Take the options to the Senior Local Authority Officers Group.",
    ),
    (
        "The fiscal event changes the funding envelope",
        "Government may reduce the funding available to the trailblazer deals.",
        "Prepare a scaled-down version of the ask.",
    ),
    (
        "Data-sharing agreement delayed",
        "The department's lawyers have not yet reviewed the data-sharing agreement.",
        "Offer the region's standard template; escalate through the DSG if it slips again.",
    ),
    (
        "Non-constituent authorities not involved in time",
        "The proposal has not yet been discussed with the non-constituent authorities.",
        "Brief the non-constituent chief executive on the DSG and add them to the plan.",
    ),
    (
        "The new power needs primary legislation",
        "The ask may need an Act of Parliament, which would take it past the deal's timetable.",
        "Ask officials whether secondary legislation or a pilot would do.",
    ),
    (
        "Costs exceed the estimate",
        "Updated prices put the programme above the value in the proposal.",
        "Re-phase the programme and test the value-for-money case again.",
    ),
    (
        "Private sector co-investment not secured",
        "Partners support the ask in principle but have not committed funds.",
        "Seek letters of commitment through the business forums.",
    ),
)
# Likelihood x impact pairs by the RAG rating their score gives (constants.RISK_*_FROM), and
# how often each rating is drawn.
RISK_SCORES = {
    Rag.RED: ((3, 5), (5, 3), (4, 4), (4, 5), (5, 4), (5, 5)),
    Rag.AMBER: ((2, 3), (3, 2), (3, 3), (2, 4), (4, 2), (3, 4), (4, 3), (2, 5), (5, 2)),
    Rag.GREEN: ((1, 2), (2, 1), (2, 2), (1, 3), (3, 1), (1, 4), (4, 1)),
}
RISK_RAG_WEIGHTS = {Rag.RED: 25, Rag.AMBER: 45, Rag.GREEN: 30}
RISKS_ESCALATED = (3, 5)  # how many open red risks have gone to the DSG

K = OrganisationKind
# Further organisations that workstreams engage, beyond those the demo people work for.
ENGAGED_ORGANISATIONS = {
    "Example City Council (demo)": K.CONSTITUENT_AUTHORITY,
    "Example Shire District Council (demo)": K.NON_CONSTITUENT_AUTHORITY,
    "Example Chamber of Commerce (demo)": K.BUSINESS,
    "Example Metropolitan University (demo)": K.UNIVERSITY,
    "Example Housing Association (demo)": K.VOLUNTARY_SECTOR,
    "Example Integrated Care Board (demo)": K.OTHER,
}
# How a workstream engages an organisation of each kind when no board or group of the deal
# is the channel, and how often.
OTHER_CHANNELS: dict[str, str] = {
    K.CONSTITUENT_AUTHORITY: "Officer working group convened by the workstream lead",
    K.NON_CONSTITUENT_AUTHORITY: "Briefings for the non-constituent authorities' officers",
    K.GOVERNMENT_DEPARTMENT: "Bilateral meetings with departmental officials",
    K.BUSINESS: "Quarterly roundtable convened by the workstream lead",
    K.UNIVERSITY: "Monthly call with the research and enterprise office",
    K.VOLUNTARY_SECTOR: "Voluntary sector reference group",
    K.OTHER: "Meetings with the partnership's director",
}
# The net zero workstream's boards and forums (paragraph 16), by the kind of organisation met there.
NET_ZERO_CHANNELS = {
    K.CONSTITUENT_AUTHORITY: "local-authority-net-zero-directors-officers-group",
    K.BUSINESS: "net-zero-business-forum",
    K.UNIVERSITY: "environment-and-energy-board",
    K.VOLUNTARY_SECTOR: "wm-greener-together-forum",
    K.OTHER: "energy-capital-partnership",
}
FREQUENCIES: dict[str, tuple[str, str]] = {
    K.CONSTITUENT_AUTHORITY: (EngagementFrequency.FORTNIGHTLY, EngagementFrequency.MONTHLY),
    K.NON_CONSTITUENT_AUTHORITY: (EngagementFrequency.MONTHLY, EngagementFrequency.FORTNIGHTLY),
    K.GOVERNMENT_DEPARTMENT: (EngagementFrequency.FORTNIGHTLY, EngagementFrequency.WEEKLY),
    K.BUSINESS: (EngagementFrequency.MONTHLY, EngagementFrequency.QUARTERLY),
    K.UNIVERSITY: (EngagementFrequency.MONTHLY, EngagementFrequency.QUARTERLY),
    K.VOLUNTARY_SECTOR: (EngagementFrequency.QUARTERLY, EngagementFrequency.AS_NEEDED),
    K.OTHER: (EngagementFrequency.AS_NEEDED, EngagementFrequency.QUARTERLY),
}
# The most days between contacts that each frequency allows.
FREQUENCY_DAYS = {
    EngagementFrequency.WEEKLY: 7,
    EngagementFrequency.FORTNIGHTLY: 14,
    EngagementFrequency.MONTHLY: 31,
    EngagementFrequency.QUARTERLY: 92,
    EngagementFrequency.AS_NEEDED: 60,
}
ENGAGEMENT_NOTES = (
    "Shared the draft ask; comments due before the next bilateral.",
    "Agreed to co-sign the evidence pack.",
    "Prefers to be kept informed rather than involved in drafting.",
    "Wants the ask to cover the wider region, not only the metropolitan area.",
    "Offered data to strengthen the evidence base.",
    "",
)


@dataclass(frozen=True)
class Plan:
    """Where a demo proposal has got to: its stage, and the chain bodies it met on the way."""

    stage: ProposalStage
    at: int = 0  # the chain body it waits at (in governance), was rejected by or withdrawn at
    referred_at: int | None = None  # a body that referred it back once on the way
    outcome: Outcome | None = None
    withdrawn_in_chain: bool = False  # withdrawn while awaiting body ``at``, never submitted
    skipped_at: int | None = None  # a body an administrator skipped, with a reason

    @property
    def board_endorsed(self) -> bool:
        """Did the last body of the chain endorse it (so that it went to government)?"""
        return self.stage in ENDORSED_STAGES or (
            self.stage == S.CONCLUDED and not self.withdrawn_in_chain
        )

    @property
    def submitted(self) -> bool:
        return self.board_endorsed and self.stage != S.APPROVED

    @property
    def negotiated(self) -> bool:
        return self.stage == S.IN_NEGOTIATION or (self.stage == S.CONCLUDED and self.submitted)


S = ProposalStage
PLANS: tuple[Plan, ...] = (
    *(Plan(S.DRAFT),) * 4,
    Plan(S.DRAFT, referred_at=1),
    Plan(S.IN_GOVERNANCE, at=0),
    Plan(S.IN_GOVERNANCE, at=1),
    Plan(S.IN_GOVERNANCE, at=1, referred_at=0),
    Plan(S.IN_GOVERNANCE, at=2, referred_at=2),
    Plan(S.IN_GOVERNANCE, at=2, referred_at=1),
    Plan(S.IN_GOVERNANCE, at=3, skipped_at=1),
    Plan(S.IN_GOVERNANCE, at=4),
    Plan(S.REJECTED, at=2),
    Plan(S.APPROVED),
    Plan(S.APPROVED),
    Plan(S.APPROVED, referred_at=2),
    *(Plan(S.SUBMITTED),) * 2,
    *(Plan(S.IN_NEGOTIATION),) * 3,
    Plan(S.IN_NEGOTIATION, referred_at=3),
    *(Plan(S.CONCLUDED, outcome=outcome) for outcome in Outcome),
    Plan(S.CONCLUDED, at=3, outcome=Outcome.WITHDRAWN, withdrawn_in_chain=True),
)
# How long ago, at least, the last endorsement was: submission and negotiation take time.
SETTLING_DAYS = {S.SUBMITTED: 14, S.IN_NEGOTIATION: 28, S.CONCLUDED: 70}
# A proposal goes to government only as part of the Proposition the last body approved.
# The deal's timeline takes the Proposition to the Board in June, after the proposals were
# developed until May: the demo's Board approves it at its meeting nearest this many weeks
# before the demo's day (June, for a demo loaded in December), the version made this many days
# before that meeting from the proposals it had endorsed by then. Those are the proposals that
# went to government, each after the approval; proposals endorsed since are approved but wait
# for a new version.
PROPOSITION_WEEKS_AGO = 26
PROPOSITION_PAPERS_DAYS = 7
# How long ago, at most, a proposal still waiting for talks was submitted to government.
WAITING_FOR_TALKS_DAYS = (7, 21)
# How many bilateral talks a proposal in negotiation, or concluded, has had.
TALKS = {S.IN_NEGOTIATION: (1, 3), S.CONCLUDED: (2, 4)}
# At least this many of the proposals that went to government are OFFICIAL, for partners.
OFFICIAL_IN_GOVERNMENT = 3
# What moving a proposal on changes.
MOVED_FIELDS = [
    "stage",
    "awaiting_body",
    "board_endorsement",
    "submitted_on",
    "outcome",
    "outcome_on",
    "outcome_notes",
    "moved_at",
    "revision",
    "created_at",
    "updated_at",
]
SKIP_REASON = (
    "The Senior Local Authority Officers Group did not meet this cycle; the chief executives on "
    "the Devolution Strategy Group cover its view."
)
# How long before a meeting an administrator arranges it.
ARRANGED_DAYS_AHEAD = 28
MEETING_HOURS = 2


# --- Public entry points ---------------------------------------------------------------------


@dataclass
class DemoLogin:
    role: Role
    email: str
    password: str
    name: str
    can_do: str
    # For the roles that sign in with a code: the key to add to an authenticator app.
    authenticator_key: str = ""
    otpauth_uri: str = ""


@dataclass
class DemoSummary:
    created: Counter[str] = field(default_factory=Counter)
    deleted: int = 0
    logins: list[DemoLogin] = field(default_factory=list)
    logins_path: Path | None = None
    undated_periods: set[str] = field(default_factory=set)
    skipped_observations: int = 0


def demo_data_exists() -> bool:
    return User.objects.filter(is_demo=True).exists()


def demo_data_load(
    *, seed: int = DEFAULT_SEED, today: date | None = None, logins_path: Path | None = None
) -> DemoSummary:
    """Replace the demo data with a fresh set built from ``seed``, and write the logins file.

    All in one transaction; the logins file is written once it has committed, so it always
    matches the database.
    """
    with transaction.atomic():
        deal = _deal_required()
        deleted = demo_data_delete()
        # Synthetic data that must repeat for a seed, not secrets: passwords use `secrets`.
        rng = random.Random(seed)  # noqa: S311
        builder = _Builder(deal=deal, rng=rng, today=today or timezone.localdate())
        summary = builder.build()
        summary.deleted = deleted
        # Digest subscriptions that fall due minutes after the load, so a fresh demo sends some.
        for _, created in signals.demo_loaded.send(sender=Deal, deal=deal, today=builder.today):
            summary.created.update(created)
    summary.logins_path = demo_logins_write(
        summary.logins, logins_path or Path(settings.VAR_DIR) / LOGINS_FILENAME
    )
    return summary


# The demo models whose changes django-simple-history records (and that carry the demo flag;
# a proposal's principle answers are audited too, and go with the proposal).
AUDITED: tuple[type[models.Model], ...] = (
    StatusUpdate,
    Risk,
    EngagementEntry,
    Proposal,
    NegotiationEntry,
    Meeting,
    AskResponse,
    Action,
)


@transaction.atomic
def demo_data_delete() -> int:
    """Delete every demo row and the history of the demo records; refuse (and delete nothing)
    if a non-demo row would go with them."""
    # The apps above go first: their demo rows may protect this app's (a department).
    deleted = 0
    for _, count in signals.demo_deleting.send(sender=Deal):
        deleted += int(count or 0)
    demo_ids = {
        model: list(model._default_manager.filter(is_demo=True).values_list("pk", flat=True))
        for model in AUDITED
    }
    # The Proposition's items protect their proposals, and its approval the board's meeting.
    deleted += _demo_rows_delete(PropositionVersion.objects.filter(is_demo=True))
    # A proposal protects the last body's endorsement, one of its own decisions, so neither
    # could go: back to draft (which the database allows without one), then both go together.
    # Nothing is written if the deletion is refused: it is one transaction.
    Proposal.objects.filter(is_demo=True).update(
        stage=ProposalStage.DRAFT,
        awaiting_body=None,
        board_endorsement=None,
        submitted_on=None,
        outcome="",
        outcome_on=None,
    )
    # Children first: a decision protects its meeting, a proposal's decisions, answers,
    # agenda items and talks go with it, a talk protects its department, an engagement entry
    # protects its organisation.
    for model in (
        Proposal,
        Decision,
        NegotiationEntry,
        Risk,
        EngagementEntry,
        # An answer and an action protect their meeting.
        AskResponse,
        Action,
        Meeting,
        StatusUpdate,
        Observation,
    ):
        deleted += _demo_rows_delete(model._default_manager.filter(is_demo=True))
    deleted += _demo_history_delete(demo_ids)
    deleted += _answers_history_delete(demo_ids[Proposal])
    deleted += _demo_changes_undo()
    for reference_model in (User, GovernmentDepartment, Organisation):
        deleted += _demo_rows_delete(reference_model._default_manager.filter(is_demo=True))
    return deleted


def demo_logins_write(logins: Sequence[DemoLogin], path: Path) -> Path:
    """Write the logins table readable by its owner only (the passwords are real ones)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(demo_logins_format(logins))
    os.chmod(partial, 0o600)  # in case an older file had wider permissions
    os.replace(partial, path)
    return path


def demo_logins_format(logins: Sequence[DemoLogin]) -> str:
    """A plain-text table; the last column is left unpadded because it is the longest."""
    header = ["Role", "Email", "Password", "Authenticator key", "What they can do"]
    rows = [
        [
            login.role.label,
            login.email,
            login.password,
            login.authenticator_key or "not needed",
            login.can_do,
        ]
        for login in logins
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    rule = ["-" * width for width in widths] + ["-" * len(header[-1])]

    def line(cells: list[str]) -> str:
        padded = [cell.ljust(width) for cell, width in zip(cells, widths, strict=False)]
        return "  ".join([*padded, cells[-1]]).rstrip()

    title = "Demo logins: synthetic people, with new passwords every time the demo data is loaded."
    uris = [f"{login.email}  {login.otpauth_uri}" for login in logins if login.otpauth_uri]
    codes = [
        "",
        "Roles that see OFFICIAL-SENSITIVE material enter a 6-digit code after the password: add",
        "their authenticator key to an authenticator app (time-based, 6 digits), or make a QR code",
        "of the setup address below. TWO_FACTOR_REQUIRED=False turns the codes off.",
        "",
        *uris,
    ]
    body = [title, "", line(header), line(rule), *map(line, rows)]
    return "\n".join([*body, *(codes if uris else []), ""])


# --- Deleting --------------------------------------------------------------------------------


def _demo_rows_delete(queryset: models.QuerySet[Any]) -> int:
    collector = Collector(using=queryset.db, origin=queryset)
    try:
        collector.collect(queryset)
    except (ProtectedError, RestrictedError) as error:
        found = getattr(error, "protected_objects", None) or error.restricted_objects  # type: ignore[union-attr]
        blockers = sorted({f"{type(obj).__name__} {obj}" for obj in found})
        raise DemoDataError(
            f"Cannot replace the demo data: {len(blockers)} record(s) that are not demo data "
            f"depend on demo {queryset.model._meta.verbose_name_plural}, e.g. {blockers[0]}. "
            "Delete or change them first."
        ) from error
    _refuse_non_demo(collector)
    count, _ = collector.delete()
    return count


def _demo_history_delete(deleted: Mapping[type[models.Model], list[int]]) -> int:
    """Delete the history of demo records that no longer exist: history tables have no foreign
    keys, so nothing else would, and deleting a record even adds an entry to its history.

    A record's history is demo history if the record was demo data when it was deleted
    (``deleted``, its ids) or when the entry was written (the entry copies ``is_demo``). The
    history of records that still exist is kept (a demo record an administrator has made real
    keeps its past), and so is that of real records deleted earlier: it is the only account of
    their deletion.
    """
    count = 0
    for model, ids in deleted.items():
        history = model.history.model  # type: ignore[attr-defined]
        orphans = history.objects.filter(Q(is_demo=True) | Q(id__in=ids)).exclude(
            id__in=model._default_manager.values("pk")
        )
        count += orphans.delete()[0]
    return count


def _demo_changes_undo() -> int:
    """Put back what the demo changed on the reference data, where the demo's change is still
    the last one: a workstream's links to missions (it had none), a milestone's status (it was
    planned). Then delete the history entries of those changes. Neither write adds a history
    entry of its own: the history reads as it did before the demo."""
    ws_history = Workstream.history.model
    ms_history = Milestone.history.model
    ws_undo = _last_change_is_demo(ws_history)
    Workstream.missions.through.objects.filter(workstream_id__in=ws_undo).delete()
    ms_undo = _last_change_is_demo(ms_history)
    Milestone.objects.filter(pk__in=ms_undo).update(status=MilestoneStatus.PLANNED)
    count = ws_history.objects.filter(history_change_reason=DEMO_CHANGE).delete()[0]
    return int(count + ms_history.objects.filter(history_change_reason=DEMO_CHANGE).delete()[0])


def _last_change_is_demo(history: type[models.Model]) -> list[int]:
    latest = history._default_manager.filter(id=OuterRef("id")).order_by(
        "-history_date", "-history_id"
    )
    return list(
        history._default_manager.filter(
            history_change_reason=DEMO_CHANGE,
            history_id=Subquery(latest.values("history_id")[:1]),
        ).values_list("id", flat=True)
    )


def _answers_history_delete(proposal_ids: list[int]) -> int:
    """The history of the principle answers of deleted demo proposals (the answers carry no
    demo flag of their own: they belong to their proposal)."""
    history = PrincipleResponse.history.model
    orphans = history.objects.filter(proposal_id__in=proposal_ids).exclude(
        id__in=PrincipleResponse.objects.values("pk")
    )
    return int(orphans.delete()[0])


def _refuse_non_demo(collector: Collector) -> None:
    doomed: list[tuple[type[models.Model], models.QuerySet[Any]]] = [
        (model, model._base_manager.filter(pk__in=[obj.pk for obj in objs]))
        for model, objs in collector.data.items()
    ]
    doomed += [(qs.model, qs) for qs in collector.fast_deletes]
    for model, queryset in doomed:
        if _has_demo_flag(model) and (real := queryset.filter(is_demo=False).first()):
            raise DemoDataError(
                f"Cannot replace the demo data: deleting it would also delete "
                f"{model._meta.verbose_name} {real!s} (id {real.pk}), which is not demo data. "
                "Move it off the demo rows first."
            )


def _has_demo_flag(model: type[models.Model]) -> bool:
    return any(f.name == "is_demo" for f in model._meta.concrete_fields)


# --- Building --------------------------------------------------------------------------------


def demo_deal_slug() -> str:
    """The deal the demo is played in: the first of the deals under ``data/deals/``."""
    return deal_file.read(next(deal_file.files()))["slug"]


def _deal_required() -> Deal:
    slug = demo_deal_slug()
    deal = Deal.objects.filter(slug=slug).first()
    if deal is None:
        raise DemoDataError(
            f"The deal {slug!r} is missing: load the reference data first "
            "(python manage.py load_reference_data)."
        )
    return deal


def _aware(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _create_with_history(
    model: type[models.Model], objs: Sequence[models.Model], authors: Sequence[User | None]
) -> None:
    """Write the rows, each with the "Created" history entry the services would have written
    for its author. Date them afterwards with ``_dates_write``."""
    for obj, author in zip(objs, authors, strict=True):
        obj._history_user = author  # type: ignore[attr-defined]
    bulk_create_with_history(objs, model)


def _dates_write(model: type[models.Model], objs: Sequence[models.Model]) -> None:
    """Store the ``created_at`` and ``updated_at`` set on the objects, and date each row's
    "Created" history entry (and the copy of the row it holds) when the row was created.

    bulk_create stamps both the row and its history entry with the time of loading
    (``auto_now_add``); left so, the history would say everything was created today, and the
    first real edit would list "created at" among its changes.
    """
    rows = model._default_manager.filter(pk__in=[obj.pk for obj in objs])
    # bulk_update builds an expression per row and field: write one field where one will do.
    if all(obj.updated_at == obj.created_at for obj in objs):  # type: ignore[attr-defined]
        model._default_manager.bulk_update(objs, ["created_at"])
        rows.update(updated_at=F("created_at"))
    else:
        model._default_manager.bulk_update(objs, ["created_at", "updated_at"])
    made = model._default_manager.filter(pk=OuterRef("id")).values("created_at")[:1]
    history = model.history.model  # type: ignore[attr-defined]
    history.objects.filter(id__in=rows.values("pk"), history_type="+").update(
        history_date=Subquery(made), created_at=Subquery(made), updated_at=Subquery(made)
    )


class _Builder:
    def __init__(self, *, deal: Deal, rng: random.Random, today: date) -> None:
        self.deal = deal
        self.rng = rng
        self.today = today
        self.now = min(timezone.now(), _aware(today, 23, 59))
        self.summary = DemoSummary()
        self.chain = chain_of(deal)
        if not self.chain:
            raise DemoDataError(f"{deal} has no governance chain: load the reference data.")
        self.themes = list(Theme.objects.filter(deal=deal).order_by("position", "pk"))
        self.workstreams = list(
            Workstream.objects.filter(deal=deal, status=WorkstreamStatus.ACTIVE)
            .select_related("theme")
            .order_by("theme__position", "position", "pk")
        )
        if not self.workstreams:
            raise DemoDataError(f"{deal} has no active workstreams: load the reference data.")
        self.organisations: dict[str, Organisation] = {}
        self.engageable: list[Organisation] = []
        self.lead_of: dict[int, User] = {}
        self.sponsor_of: dict[int, User] = {}
        self.admin: User | None = None
        self.dsg: list[User] = []
        self.sponsors: list[User] = []
        self.departments: dict[str, GovernmentDepartment] = {}
        self.meetings: dict[int, list[Meeting]] = {}
        # The Board's approval of the Proposition (set once the meetings are arranged).
        self.proposition_meeting: Meeting | None = None
        self.proposition_on = self.today
        self.proposition_made = self.today
        self.periods = self._periods()

    def build(self) -> DemoSummary:
        self._organisations()
        self._people()
        self._workstream_missions()
        self._milestones_done()
        self._departments()
        self._meetings()
        self._proposition_meeting()
        self._reviews(self._status_updates())
        self._risks()
        self._engagement()
        self._proposals()
        self._meeting_history()
        self._ask_answers()
        self._actions()
        self._agendas()
        self._observations()
        return self.summary

    def _periods(self) -> list[Period]:
        """The last STATUS_PERIODS reporting periods, oldest first, ending with the current."""
        periods = [deal_period(self.deal, self.today)]
        while len(periods) < STATUS_PERIODS:
            periods.insert(0, deal_period(self.deal, periods[0].start - timedelta(days=1)))
        return periods

    def _some_time(self, first: date, last: date, hours: tuple[int, int] = (9, 18)) -> datetime:
        """A working-hours moment between two days, never after now."""
        span = max(0, (last - first).days)
        day = first + timedelta(days=self.rng.randint(0, span))
        return min(_aware(day, self.rng.randrange(*hours), self.rng.randrange(60)), self.now)

    # People and organisations

    def _organisations(self) -> None:
        wanted = [(name, kind) for kind, name in DEMO_ORGANISATIONS.items()]
        wanted += list(ENGAGED_ORGANISATIONS.items())
        created = Organisation.objects.bulk_create(
            Organisation(name=name, kind=kind, is_demo=True) for name, kind in wanted
        )
        self.organisations = {org.kind: org for org in created[: len(DEMO_ORGANISATIONS)]}
        # The combined authority is the workstreams' own organisation, not a stakeholder.
        self.engageable = [org for org in created if org.kind != K.COMBINED_AUTHORITY]
        self.summary.created["organisations"] += len(created)

    # What an administrator keeps on the reference data

    def _workstream_missions(self) -> None:
        """Link each workstream that moves no mission to those of its topic, as the demo's
        administrator, with ``DEMO_CHANGE`` in its history."""
        missions = {m.number: m for m in Mission.objects.all()}
        linked = set(
            Workstream.missions.through.objects.filter(workstream__in=self.workstreams).values_list(
                "workstream_id", flat=True
            )
        )
        for workstream in self.workstreams:
            wanted = [missions[n] for n in workstream_missions(workstream) if n in missions]
            if workstream.pk in linked or not wanted:
                continue  # an administrator's links are theirs
            workstream._history_user = self.admin  # type: ignore[attr-defined]
            workstream._change_reason = DEMO_CHANGE  # type: ignore[attr-defined]
            workstream.missions.add(*wanted)
            del workstream._change_reason  # type: ignore[attr-defined]  # this change only
            self.summary.created["workstream mission links"] += len(wanted)

    def _milestones_done(self) -> None:
        """Mark done, through the service and so by its rule, the planned milestones that ended
        before the demo's day and whose dependencies are done: the 2022 timeline has passed."""
        assert self.admin is not None
        ended = Milestone.objects.filter(
            deal=self.deal, status=MilestoneStatus.PLANNED, ends_on__lt=self.today
        ).prefetch_related("depends_on")
        done = set(
            Milestone.objects.filter(deal=self.deal, status=MilestoneStatus.DONE).values_list(
                "pk", flat=True
            )
        )
        for milestone in ended.order_by("ends_on", "starts_on", "position"):
            if any(m.pk not in done for m in milestone.depends_on.all()):
                continue
            marked = milestone_update(
                milestone=milestone, acting_user=self.admin, status=MilestoneStatus.DONE
            )
            entry = marked.history.order_by("-history_date", "-history_id").first()
            entry.history_change_reason = DEMO_CHANGE
            entry.save(update_fields=["history_change_reason"])
            done.add(milestone.pk)
            self.summary.created["milestones marked done"] += 1

    def _people(self) -> None:
        names = iter(self.rng.sample([f"{f} {s}" for f in FIRST_NAMES for s in LAST_NAMES], 60))
        staff = self.organisations[OrganisationKind.COMBINED_AUTHORITY]
        self.admin = self._person(Role.ADMIN, "admin", next(names), staff)
        for group in self._lead_groups():
            local = f"lead.{self._short_slug(group[0])}"
            lead = self._person(Role.LEAD, local, next(names), staff, group)
            for workstream in group:
                self.lead_of[workstream.pk] = lead
        self._sponsors(names, staff)
        dsg_orgs = [
            OrganisationKind.CONSTITUENT_AUTHORITY,
            OrganisationKind.NON_CONSTITUENT_AUTHORITY,
            OrganisationKind.COMBINED_AUTHORITY,
        ]
        for number, kind in enumerate(dsg_orgs, start=1):
            org = self.organisations[kind]
            self.dsg.append(self._person(Role.DSG, f"dsg.{number}", next(names), org))
        for kind in (OrganisationKind.BUSINESS, OrganisationKind.UNIVERSITY):
            self._person(Role.PARTNER, f"partner.{kind}", next(names), self.organisations[kind])
        self._passwords_set()
        self.summary.created["users"] += len(self.summary.logins)
        self.summary.created["memberships"] += Membership.objects.filter(user__is_demo=True).count()

    def _lead_groups(self) -> list[list[Workstream]]:
        """One lead per workstream, except that a few lead two neighbouring ones."""
        by_theme: dict[int, list[Workstream]] = defaultdict(list)
        for workstream in self.workstreams:
            by_theme[workstream.theme_id].append(workstream)
        pairs = [
            (items[i], items[i + 1])
            for items in by_theme.values()
            for i in range(0, len(items) - 1, 2)
        ]
        paired = self.rng.sample(pairs, min(4, len(pairs)))
        second = {b.pk for _, b in paired}
        partner_of = {a.pk: b for a, b in paired}
        return [
            [ws, partner_of[ws.pk]] if ws.pk in partner_of else [ws]
            for ws in self.workstreams
            if ws.pk not in second
        ]

    def _short_slug(self, workstream: Workstream) -> str:
        """The workstream's slug cut to its first word or two (lead.transport, lead.net-zero),
        unless another workstream's would be the same."""
        words = [w for w in workstream.slug.split("-") if w not in {"and", "of", "for", "the"}]
        short = "-".join(words[:1] if len(words[0]) >= 4 else words[:2])
        clashes = [ws for ws in self.workstreams if ws != workstream and ws.slug.startswith(short)]
        return workstream.slug if clashes or not short else short

    def _sponsors(self, names: Iterable[str], staff: Organisation) -> None:
        """An SLT sponsor per theme, sponsoring the theme's workstreams that have none yet."""
        taken = set(
            Membership.objects.filter(workstream__deal=self.deal, role=Role.SPONSOR).values_list(
                "workstream_id", flat=True
            )
        )
        name_iter = iter(names)
        for theme in self.themes:
            group = [
                ws for ws in self.workstreams if ws.theme_id == theme.pk and ws.pk not in taken
            ]
            if group:
                local = f"sponsor.{theme.slug}"
                sponsor = self._person(Role.SPONSOR, local, next(name_iter), staff, group)
                self.sponsors.append(sponsor)
                self.sponsor_of.update((ws.pk, sponsor) for ws in group)

    def _person(
        self,
        role: Role,
        local_part: str,
        full_name: str,
        organisation: Organisation,
        workstreams: Sequence[Workstream] = (),
    ) -> User:
        email = f"{local_part[:60]}@{EMAIL_DOMAIN}"
        if User.objects.filter(email__iexact=email, is_demo=False).exists():
            raise DemoDataError(
                f"{email} belongs to a user who is not demo data; the demo data needs that "
                "address. Change that user's email first."
            )
        try:
            user = user_provision(
                email=email,
                role=role,
                deal=self.deal,
                workstreams=workstreams,
                organisation_name=organisation.name,
                full_name=full_name,
                is_demo=True,
            )
        except AccountsError as error:
            raise DemoDataError(f"Could not create the demo user {email}: {error}") from error
        names = ", ".join(ws.name for ws in workstreams)
        login = DemoLogin(
            role=role,
            email=email,
            password=secrets.token_urlsafe(12),
            name=full_name,
            can_do=WHAT_THEY_CAN_DO[role].format(workstreams=names),
        )
        if role in SENSITIVE_ROLES:
            # Production's sign-in for the demo too: the app's key is in the logins file.
            device = TOTPDevice.objects.create(user=user, name="Demo authenticator", confirmed=True)
            login.authenticator_key = b32encode(device.bin_key).decode()
            login.otpauth_uri = device.config_url
        self.summary.logins.append(login)
        return user

    def _passwords_set(self) -> None:
        """Hash the generated passwords in parallel: each hash takes a noticeable fraction of a
        second by design, and the hashing releases the GIL."""
        logins = self.summary.logins
        with ThreadPoolExecutor() as pool:
            hashes = list(pool.map(make_password, [login.password for login in logins]))
        users = {u.email: u for u in User.objects.filter(email__in=[x.email for x in logins])}
        for login, hashed in zip(logins, hashes, strict=True):
            users[login.email].password = hashed
        User.objects.bulk_update(users.values(), ["password"])

    # Government departments and governance meetings

    def _departments(self) -> None:
        """The deal's own departments, the reference data of its file, found by abbreviation
        or name. Only a deal whose file lists none gets the demo's, marked as demo."""
        existing = list(GovernmentDepartment.objects.filter(deal=self.deal, is_demo=False))
        new = []
        if not existing:
            new = [
                GovernmentDepartment(
                    deal=self.deal,
                    name=name,
                    abbreviation="" if key == name else key,
                    is_demo=True,
                )
                for key, name in DEPARTMENTS.items()
            ]
            GovernmentDepartment.objects.bulk_create(new)
        for department in [*existing, *new]:
            self.departments[department.abbreviation or department.name] = department
        self.summary.created["government departments"] += len(new)

    def _meetings(self) -> None:
        """Each chain body meets once a cycle, a week after the body before it, so a proposal
        can climb the whole chain in one cycle. Past meetings are closed (the latest is held,
        its minutes not yet agreed); one cycle ahead is planned. A meeting today is held once it
        has started: nothing planned lies in the past, whatever the hour the demo is loaded."""
        weeks = max(len(self.chain), 4)
        monday = self.today - timedelta(days=self.today.weekday())
        meetings: list[Meeting] = []
        for index, body in enumerate(self.chain):
            days = [
                monday + timedelta(days=7 * weeks * cycle + 7 * index + (1 + index) % 5)
                for cycle in range(-8, 2)
            ]
            days = [d for d in days if d <= self.today + timedelta(days=7 * weeks)]
            starts = [_aware(day, 10) for day in days]
            past = [starts_at for starts_at in starts if starts_at <= self.now]
            for starts_at in starts:
                status = (
                    MeetingStatus.PLANNED
                    if starts_at > self.now
                    else MeetingStatus.HELD
                    if starts_at == past[-1]
                    else MeetingStatus.CLOSED
                )
                meetings.append(
                    Meeting(
                        body=body,
                        starts_at=starts_at,
                        ends_at=starts_at + timedelta(hours=MEETING_HOURS),
                        location="Example House, Room 2 (demo)",
                        status=status,
                        # What the negotiating team discusses is a negotiating position.
                        classification=(
                            Classification.OFFICIAL_SENSITIVE
                            if body.kind == BodyKind.NEGOTIATING_TEAM
                            else Classification.OFFICIAL
                        ),
                        is_demo=True,
                    )
                )
        Meeting.objects.bulk_create(meetings)
        for meeting in meetings:
            self.meetings.setdefault(meeting.body_id, []).append(meeting)
        self._attendees(meetings)
        self.summary.created["meetings"] += len(meetings)

    def _proposition_meeting(self) -> None:
        """The Board meeting that approves the Proposition: the held one nearest
        PROPOSITION_WEEKS_AGO, its version made PROPOSITION_PAPERS_DAYS before it."""
        target = self.today - timedelta(weeks=PROPOSITION_WEEKS_AGO)
        held = [
            m for m in self.meetings.get(self.chain[-1].pk, []) if m.status != MeetingStatus.PLANNED
        ]
        if held:
            meeting = min(held, key=lambda m: abs(m.starts_at.date() - target))
            self.proposition_meeting = meeting
            self.proposition_on = timezone.localdate(meeting.starts_at)
        else:
            self.proposition_on = target
        self.proposition_made = self.proposition_on - timedelta(days=PROPOSITION_PAPERS_DAYS)

    def _attendees(self, meetings: list[Meeting]) -> None:
        """The Core Team at every meeting, DSG members at the DSG's, sponsors at SLT's."""
        through = Meeting.attendees.through
        rows = []
        for meeting in meetings:
            if meeting.status == MeetingStatus.PLANNED:
                continue
            people = [self.admin]
            if meeting.body.kind == BodyKind.STRATEGY_GROUP:
                people += self.dsg
            if meeting.body.kind == BodyKind.LEADERSHIP_TEAM:
                people += self.sponsors
            rows += [through(meeting_id=meeting.pk, user_id=p.pk) for p in people if p]
        through.objects.bulk_create(rows)

    # Status updates and their sign-off

    def _status_updates(self) -> list[StatusUpdate]:
        """Updates for the last STATUS_PERIODS periods. Whatever the day, a few workstreams are
        overdue by the app's rule (the newest period whose due date has passed has no update):
        one has never reported and LAPSED_WORKSTREAMS stopped before that period. While the
        current period is not yet due, some of the others have reported for it already."""
        periods = self.periods
        due = periods.index(last_due_period(self.deal, self.today))
        early = self._early_reporting_chance(periods[-1])
        order = list(self.workstreams)
        self.rng.shuffle(order)
        silent, lapsed = order[0], {ws.pk for ws in order[1 : 1 + LAPSED_WORKSTREAMS]}
        updates: list[StatusUpdate] = []
        for workstream in self.workstreams:
            if workstream == silent:
                continue  # a workstream that has never reported
            first = self.rng.choice([0, 0, 0, 2, 4])  # some started reporting later
            if workstream.pk in lapsed:
                last = due - self.rng.choice([1, 2])
            elif due < len(periods) - 1 and self.rng.random() >= early:
                last = due  # not reported for the current period yet, and not late
            else:
                last = len(periods) - 1
            updates += self._workstream_updates(workstream, periods[first : last + 1])
        revisions = self._revisions(updates)
        updates += revisions
        made = {id(u): self._submitted_at(u) for u in updates}
        for revision in revisions:
            # Revised the same afternoon, after the sponsor's comment (see _reviews).
            original = made[id(revision._revises)]  # type: ignore[attr-defined]
            made[id(revision)] = min(original + timedelta(hours=3), self.now)
        self._one_reported_late(updates, revisions, made, periods[max(0, due - 4) : due])
        _create_with_history(StatusUpdate, updates, [u.author for u in updates])
        for update in updates:
            update.created_at = update.updated_at = made[id(update)]
        _dates_write(StatusUpdate, updates)
        self.summary.created["status updates"] += len(updates)
        return updates

    def _one_reported_late(
        self,
        updates: list[StatusUpdate],
        revisions: list[StatusUpdate],
        made: dict[int, datetime],
        past: Sequence[Period],
    ) -> None:
        """One update of a recent past period was posted a few days after it was due, as a
        lead reports a period they missed (marked late, as the app marks it)."""
        revised = {id(r._revises) for r in revisions}  # type: ignore[attr-defined]
        starts = {p.start: p for p in past}
        candidates = [
            u
            for u in updates
            if u.period_start in starts and u.version == 1 and id(u) not in revised
        ]
        if not candidates:
            return
        update = self.rng.choice(candidates)
        due_on = starts[update.period_start].due_on
        day = due_on + timedelta(days=self.rng.randint(2, 6))
        made[id(update)] = self._some_time(day, day)
        update.late = is_late(starts[update.period_start], timezone.localdate(made[id(update)]))

    def _early_reporting_chance(self, current: Period) -> float:
        """How likely a lead is to have reported already for the current period: the further
        into the period, the likelier."""
        length = max(1, (current.due_on - current.start).days)
        return 0.25 + 0.5 * min(1.0, (self.today - current.start).days / length)

    def _submitted_at(self, update: StatusUpdate) -> datetime:
        """In the last few days before the update was due (before today, for the current one)."""
        period = deal_period(self.deal, update.period_start)
        latest = min(period.due_on, self.today)
        first = max(period.start, latest - timedelta(days=3))
        return self._some_time(first, latest)

    def _workstream_updates(
        self, workstream: Workstream, periods: Sequence[Period]
    ) -> list[StatusUpdate]:
        scale = [Rag.RED, Rag.AMBER, Rag.GREEN]
        level = self.rng.choice([1, 1, 2, 2, 0])
        previous: int | None = None
        updates = []
        for period in periods:
            step = self.rng.choices([-1, 0, 1], weights=[2, 6, 2])[0]
            level = min(2, max(0, level + step))
            direction = (
                Direction.STABLE
                if previous is None or previous == level
                else Direction.IMPROVING
                if level > previous
                else Direction.WORSENING
            )
            updates.append(self._update(workstream, period, scale[level], direction))
            previous = level
        return updates

    def _update(
        self, workstream: Workstream, period: Period, rag: Rag, direction: Direction
    ) -> StatusUpdate:
        rng = self.rng
        sensitive = rng.random() < (0.4 if rag == Rag.RED else 0.15)
        # The database requires a summary, and next steps or an ask of the DSG when red: both
        # are always given here.
        return StatusUpdate(
            workstream=workstream,
            period_start=period.start,
            period_end=period.end,
            rag=rag,
            direction=direction,
            summary=rng.choice(SUMMARIES[rag]),
            progress=" ".join(rng.sample(PROGRESS, 2)),
            next_steps=rng.choice(NEXT_STEPS),
            risks_and_issues=rng.choice(RISKS),
            asks_of_dsg=rng.choice(ASKS_OF_DSG) if rag == Rag.RED and rng.random() < 0.6 else "",
            author=self.lead_of.get(workstream.pk),
            classification=(
                Classification.OFFICIAL_SENSITIVE if sensitive else Classification.OFFICIAL
            ),
            is_demo=True,
        )

    def _revisions(self, updates: list[StatusUpdate]) -> list[StatusUpdate]:
        """A couple of updates revised within their period, as leads sometimes do."""
        revisions = []
        for original in self.rng.sample(updates, min(2, len(updates))):
            revision = StatusUpdate(
                **{
                    f.attname: getattr(original, f.attname)
                    for f in StatusUpdate._meta.concrete_fields
                    if not f.primary_key
                }
                | {
                    "version": original.version + 1,
                    "summary": f"Revised: {original.summary}",
                }
            )
            revision._revises = original  # type: ignore[attr-defined]
            revisions.append(revision)
        return revisions

    def _reviews(self, updates: list[StatusUpdate]) -> None:
        """The demo sponsors sign off most past updates (the latest version of each period) and
        comment on a few; most of the current period's are still waiting. A workstream whose
        sponsor is a real person gets no reviews: the demo does not act in their name."""
        current = self.periods[-1].start
        latest: dict[tuple[int, date], StatusUpdate] = {}
        for update in updates:
            key = (update.workstream_id, update.period_start)
            if key not in latest or latest[key].version < update.version:
                latest[key] = update
        reviews: list[UpdateReview] = []
        for update in updates:
            sponsor = self.sponsor_of.get(update.workstream_id)
            if sponsor is None:
                continue
            if latest[(update.workstream_id, update.period_start)] is not update:
                reviews.append(self._review(update, sponsor, REVISION_COMMENT, hours=1))
                continue
            past = update.period_start < current
            signs = self.rng.random() < (0.85 if past else 0.2)
            if self.rng.random() < (0.15 if signs else 0.4 if past else 0.1):
                reviews.append(self._review(update, sponsor, self.rng.choice(REVIEW_COMMENTS)))
            if signs:
                reviews.append(self._review(update, sponsor, hours=self.rng.randint(30, 96)))
        UpdateReview.objects.bulk_create(reviews)
        for review in reviews:
            review.created_at = review._made  # type: ignore[attr-defined]
        UpdateReview.objects.bulk_update(reviews, ["created_at"])
        self.summary.created["sponsor reviews"] += len(reviews)

    def _review(
        self, update: StatusUpdate, sponsor: User, comment: str = "", hours: int = 24
    ) -> UpdateReview:
        review = UpdateReview(
            status_update=update,
            reviewer=sponsor,
            decision=ReviewDecision.COMMENTED if comment else ReviewDecision.SIGNED_OFF,
            comment=comment,
        )
        review._made = min(update.created_at + timedelta(hours=hours), self.now)  # type: ignore[attr-defined]
        return review

    # Risks and the stakeholder engagement plans

    def _risks(self) -> None:
        """3 to 6 risks a workstream, scored to give every RAG rating; some closed since, and a
        few red ones escalated to the DSG. Each change after creation is in the history."""
        start = self.periods[0].start
        risks: list[Risk] = []
        for workstream in self.workstreams:
            lead = self.lead_of.get(workstream.pk)
            owners = [o for o in (lead, lead, self.sponsor_of.get(workstream.pk)) if o]
            for title, description, mitigation in self.rng.sample(
                RISK_TEMPLATES, self.rng.randint(3, 6)
            ):
                rag = self.rng.choices(list(RISK_RAG_WEIGHTS), list(RISK_RAG_WEIGHTS.values()))[0]
                likelihood, impact = self.rng.choice(RISK_SCORES[rag])
                risk = Risk(
                    workstream=workstream,
                    title=title,
                    description=description,
                    likelihood=likelihood,
                    impact=impact,
                    owner=self.rng.choice(owners) if owners else None,
                    mitigation=mitigation,
                    classification=(
                        Classification.OFFICIAL_SENSITIVE
                        if self.rng.random() < 0.2
                        else Classification.OFFICIAL
                    ),
                    is_demo=True,
                )
                risk._made = self._some_time(start, self.today - timedelta(days=21))  # type: ignore[attr-defined]
                risks.append(risk)
        _create_with_history(Risk, risks, [self.lead_of.get(r.workstream_id) for r in risks])
        for risk in risks:
            risk.created_at = risk.updated_at = risk._made  # type: ignore[attr-defined]
        _dates_write(Risk, risks)
        self._risk_changes(risks)
        self.summary.created["risks"] += len(risks)

    def _risk_changes(self, risks: list[Risk]) -> None:
        red = [r for r in risks if risk_rag(r.likelihood * r.impact) == Rag.RED]
        escalated = self.rng.sample(red, min(len(red), self.rng.randint(*RISKS_ESCALATED)))
        for risk in escalated:
            risk.escalated_to_dsg = True
        closed = [r for r in risks if r not in escalated and self.rng.random() < 0.2]
        for risk in closed:
            risk.status = RiskStatus.CLOSED
        changed = escalated + closed
        for risk in changed:
            risk.revision += 1
            since = timezone.localdate(risk.created_at) + timedelta(days=7)
            risk.updated_at = self._some_time(since, self.today)
            risk._history_date = risk.updated_at  # type: ignore[attr-defined]
        fields = ["status", "escalated_to_dsg", "revision", "updated_at"]
        bulk_update_with_history(changed, Risk, fields)

    def _engagement(self) -> None:
        """Each workstream engages 3 to 6 organisations: a constituent authority always, a
        non-constituent one in all but a few plans (so the app's flag shows), through the
        deal's own boards and groups where one fits and otherwise as the plan describes."""
        general, net_zero = self._engagement_channels()
        by_kind: dict[str, list[Organisation]] = defaultdict(list)
        for org in self.engageable:
            by_kind[org.kind].append(org)
        without = self._plans_without_non_constituent()
        start = self.periods[0].start
        entries: list[EngagementEntry] = []
        for workstream in self.workstreams:
            chosen = [self.rng.choice(by_kind[K.CONSTITUENT_AUTHORITY])]
            if _is_about(workstream, NON_CONSTITUENT_WORDS):
                chosen += by_kind[K.NON_CONSTITUENT_AUTHORITY]
            elif workstream.pk not in without:
                chosen.append(self.rng.choice(by_kind[K.NON_CONSTITUENT_AUTHORITY]))
            others = [
                o
                for o in self.engageable
                if o not in chosen and o.kind != K.NON_CONSTITUENT_AUTHORITY
            ]
            wanted = max(0, self.rng.randint(3, 6) - len(chosen))
            chosen += self.rng.sample(others, min(wanted, len(others)))
            made = self._some_time(start, start + timedelta(days=42))
            channels = net_zero if _is_about(workstream, NET_ZERO_WORDS) else general
            entries += [self._entry(workstream, org, channels, made) for org in chosen]
        _create_with_history(
            EngagementEntry, entries, [self.lead_of.get(e.workstream_id) for e in entries]
        )
        for entry in entries:
            entry.created_at = entry.updated_at = entry._made  # type: ignore[attr-defined]
        _dates_write(EngagementEntry, entries)
        self.summary.created["engagement entries"] += len(entries)

    def _plans_without_non_constituent(self) -> set[int]:
        candidates = [ws for ws in self.workstreams if not _is_about(ws, NON_CONSTITUENT_WORDS)]
        count = min(len(candidates), self.rng.randint(*PLANS_WITHOUT_NON_CONSTITUENT))
        return {ws.pk for ws in self.rng.sample(candidates, count)}

    def _engagement_channels(
        self,
    ) -> tuple[dict[str, GovernanceBody], dict[str, GovernanceBody]]:
        """The deal's bodies that serve as the channel to each kind of organisation: for any
        workstream, and for the net zero workstream, which has boards and forums of its own.
        A body the deal lacks leaves the channel to the plan's own words."""
        bodies = {b.slug: b for b in GovernanceBody.objects.filter(deal=self.deal)}
        by_pk = {b.pk: b for b in bodies.values()}
        # The officers' group in the chain: the one whose work goes up to the strategy group.
        officers = next(
            (
                b
                for b in bodies.values()
                if b.kind == BodyKind.OFFICER_GROUP
                and getattr(by_pk.get(b.next_body_id or 0), "kind", None) == BodyKind.STRATEGY_GROUP
            ),
            None,
        )
        general = {
            K.CONSTITUENT_AUTHORITY: officers,
            K.NON_CONSTITUENT_AUTHORITY: officers,
            K.GOVERNMENT_DEPARTMENT: next(
                (b for b in bodies.values() if b.kind == BodyKind.GOVERNMENT_GROUP), None
            ),
        }
        net_zero = general | {kind: bodies.get(slug) for kind, slug in NET_ZERO_CHANNELS.items()}
        return (
            {kind: body for kind, body in general.items() if body is not None},
            {kind: body for kind, body in net_zero.items() if body is not None},
        )

    def _entry(
        self,
        workstream: Workstream,
        org: Organisation,
        channels: Mapping[str, GovernanceBody],
        made: datetime,
    ) -> EngagementEntry:
        rng = self.rng
        channel = channels.get(org.kind)
        frequency = rng.choice(FREQUENCIES[org.kind])
        entry = EngagementEntry(
            workstream=workstream,
            organisation=org,
            channel=channel,
            channel_notes="" if channel else OTHER_CHANNELS[org.kind],
            frequency=frequency,
            last_engaged_on=self._last_engaged(frequency, timezone.localdate(made)),
            notes=rng.choice(ENGAGEMENT_NOTES),
            # A partner's view flags a plan with no OFFICIAL entry for a non-constituent
            # authority: keep those entries OFFICIAL so the flag shows only where intended.
            classification=(
                Classification.OFFICIAL_SENSITIVE
                if org.kind != K.NON_CONSTITUENT_AUTHORITY and rng.random() < 0.15
                else Classification.OFFICIAL
            ),
            is_demo=True,
        )
        entry._made = made  # type: ignore[attr-defined]
        return entry

    def _last_engaged(self, frequency: str, since: date) -> date | None:
        """Mostly within the frequency; some overdue for contact; a few not yet engaged."""
        roll = self.rng.random()
        if roll < 0.08:
            return None
        days = FREQUENCY_DAYS[EngagementFrequency(frequency)]
        back = self.rng.randrange(days, 2 * days) if roll < 0.2 else self.rng.randrange(days)
        return max(since, self.today - timedelta(days=back))

    # Proposals, decisions, meetings

    def _proposals(self) -> None:
        """Proposals at every stage, with the decisions that took them there, their answers to
        the principles and their talks with government.

        The database refuses a proposal past the last body of the chain without that body's
        endorsement, which is a decision about the proposal: so the proposals are written as
        drafts, then their decisions, then moved to where they have got to. Their history says
        the same: drafted by the lead, then moved on by whoever made the last move."""
        missions = {m.number: m for m in Mission.objects.all()}
        indicators = {i.code: i for i in Indicator.objects.all()}
        picks = self._proposal_picks()
        plans = list(PLANS[: len(picks)])
        self.rng.shuffle(plans)
        proposals: list[Proposal] = []
        links: list[tuple[Proposal, Topic]] = []
        decisions: list[Decision] = []
        for (workstream, topic, ask), plan in zip(picks, plans, strict=True):
            proposal, made = self._proposal(workstream, ask, plan)
            proposals.append(proposal)
            links.append((proposal, topic))
            decisions += made
        self._some_official(proposals)
        Proposal.objects.bulk_create(proposals)
        for decision in decisions:
            decision.proposal_id = decision.proposal.pk
        Decision.objects.bulk_create(decisions)
        self._link(links, missions, indicators)
        self._backdate(proposals, decisions)
        talks = self._move_on(proposals, decisions)
        self._principles(proposals)
        self._talks(talks)
        self._minutes(decisions)
        self._proposition()
        self.summary.created["proposals"] += len(proposals)
        self.summary.created["decisions"] += len(decisions)

    def _proposal_picks(self) -> list[tuple[Workstream, Topic, Ask]]:
        """PROPOSAL_COUNT asks spread over the workstreams: one each first, then seconds."""
        offers: list[list[tuple[Workstream, Topic, Ask]]] = []
        for workstream in self.workstreams:
            topic = _topic_for(workstream)
            asks = list(topic.asks)
            self.rng.shuffle(asks)
            offers.append([(workstream, topic, ask) for ask in asks])
        self.rng.shuffle(offers)
        picks: list[tuple[Workstream, Topic, Ask]] = []
        while len(picks) < PROPOSAL_COUNT and any(offers):
            for queue in offers:
                if queue and len(picks) < PROPOSAL_COUNT:
                    picks.append(queue.pop(0))
        return picks

    def _proposal(
        self, workstream: Workstream, ask: Ask, plan: Plan
    ) -> tuple[Proposal, list[Decision]]:
        """The proposal as its lead drafted it (``_move_on`` takes it where ``plan`` says)."""
        rng = self.rng
        value = None
        if ask.value:
            low, high = ask.value
            value = Decimal(rng.randrange(low // M, high // M + 1) * M)
        proposal = Proposal(
            deal=self.deal,
            workstream=workstream,
            title=ask.title,
            ask=f"{ask.title}: we ask government to agree this as part of the deal.",
            ask_type=ask.ask_type,
            challenge=f"The {workstream.name.lower()} workstream has found that decisions on "
            "this are taken nationally, away from the places they affect.",
            progress="Discussed with officials at a bilateral; evidence pack in preparation.",
            prize="Decisions taken closer to the people affected, with funding that can be "
            "planned over several years.",
            estimated_value=value,
            classification=(
                Classification.OFFICIAL if rng.random() < 0.2 else Classification.OFFICIAL_SENSITIVE
            ),
            owner=self.lead_of.get(workstream.pk),
            stage=S.DRAFT,
            is_demo=True,
        )
        proposal._plan = plan  # type: ignore[attr-defined]
        return proposal, self._decisions(proposal, plan)

    def _some_official(self, proposals: list[Proposal]) -> None:
        """Partners see OFFICIAL proposals only: make sure a few that went to government are."""
        gone = [p for p in proposals if p._plan.submitted]  # type: ignore[attr-defined]
        official = [p for p in gone if p.classification == Classification.OFFICIAL]
        sensitive = [p for p in gone if p not in official]
        wanted = min(len(sensitive), max(0, OFFICIAL_IN_GOVERNMENT - len(official)))
        for proposal in self.rng.sample(sensitive, wanted):
            proposal.classification = Classification.OFFICIAL

    def _decisions(self, proposal: Proposal, plan: Plan) -> list[Decision]:
        steps = _steps(plan, len(self.chain))
        if not steps:
            return []
        # What goes to government is endorsed before the Proposition's version is made (a
        # decision taken by correspondence lands the day after its meeting: a day to spare).
        until = self.proposition_made - timedelta(days=2) if plan.submitted else None
        dated = self._schedule(steps, SETTLING_DAYS.get(plan.stage, 0), plan.stage, until)
        decisions = []
        for (index, outcome), (day, meeting) in zip(steps, dated, strict=True):
            notes = ""
            if outcome == DecisionOutcome.REFERRED_BACK:
                notes = self.rng.choice(REFERRAL_REASONS)
            elif outcome == DecisionOutcome.REJECTED:
                notes = self.rng.choice(REJECTION_REASONS)
            elif outcome == DecisionOutcome.SKIPPED:
                notes = SKIP_REASON
                meeting = None  # an administrator's step, not a body's decision
            decisions.append(
                Decision(
                    proposal=proposal,
                    body=self.chain[index],
                    meeting=meeting,
                    outcome=outcome,
                    notes=notes,
                    decided_on=day,
                    recorded_by=self.admin,
                    is_demo=True,
                )
            )
        return decisions

    def _schedule(
        self,
        steps: list[tuple[int, DecisionOutcome]],
        settling: int,
        stage: ProposalStage,
        until: date | None = None,
    ) -> list[tuple[date, Meeting | None]]:
        """A meeting for each step, each after the one before, the last ``settling`` days ago
        (and by ``until``, if given). A few decisions are taken by correspondence the day after
        a meeting instead."""
        latest = self.today - timedelta(days=settling)
        if until is not None:
            latest = min(latest, until)
        first_body = self.chain[steps[0][0]]
        starts = [m for m in self.meetings.get(first_body.pk, []) if m.starts_at.date() < latest]
        feasible = []
        for start in starts:
            run = self._run_from(start, steps)
            if run and run[-1].starts_at.date() <= latest:
                feasible.append(run)
        if not feasible:
            # No meetings fit (an unusually short history): weekly decisions without meetings.
            return [
                (latest - timedelta(days=7 * (len(steps) - i)), None) for i in range(len(steps))
            ]
        # Proposals still in the chain, or waiting to go to government or for talks to start,
        # moved recently; the others at any time.
        recent = stage in (S.IN_GOVERNANCE, S.APPROVED, S.SUBMITTED)
        run = feasible[-1] if recent else self.rng.choice(feasible)
        dated: list[tuple[date, Meeting | None]] = []
        for meeting in run:
            day = meeting.starts_at.date()
            if self.rng.random() < 0.15:
                dated.append((min(day + timedelta(days=1), self.today), None))
            else:
                dated.append((day, meeting))
        return dated

    def _run_from(self, start: Meeting, steps: list[tuple[int, DecisionOutcome]]) -> list[Meeting]:
        run = [start]
        for index, _ in steps[1:]:
            after = run[-1].starts_at
            following = [
                m
                for m in self.meetings.get(self.chain[index].pk, [])
                if m.starts_at > after and m.starts_at.date() < self.today
            ]
            if not following:
                return []
            run.append(following[0])
        return run

    def _link(
        self,
        links: list[tuple[Proposal, Topic]],
        missions: dict[int, Mission],
        indicators: dict[str, Indicator],
    ) -> None:
        rows: dict[str, list[models.Model]] = defaultdict(list)
        for proposal, topic in links:
            wanted = list(topic.departments[: self.rng.choice([1, 2])])
            chosen = [self.departments[abbr] for abbr in wanted if abbr in self.departments]
            proposal._departments = chosen  # type: ignore[attr-defined]
            rows["departments"] += [
                Proposal.departments.through(
                    proposal_id=proposal.pk, governmentdepartment_id=department.pk
                )
                for department in chosen
            ]
            for number in topic.missions:
                if number in missions:
                    rows["missions"].append(
                        Proposal.missions.through(
                            proposal_id=proposal.pk, mission_id=missions[number].pk
                        )
                    )
            for code in topic.indicators:
                if code in indicators:
                    rows["indicators"].append(
                        Proposal.indicators.through(
                            proposal_id=proposal.pk, indicator_id=indicators[code].pk
                        )
                    )
        for name, items in rows.items():
            getattr(Proposal, name).through.objects.bulk_create(items)

    def _backdate(self, proposals: list[Proposal], decisions: list[Decision]) -> None:
        """Give rows the dates they would have had, so that "what changed since" reads true:
        each proposal drafted a week or more before its first decision."""
        first_decided: dict[int, date] = {}
        for decision in decisions:
            decision.created_at = min(
                _aware(decision.decided_on, 16, self.rng.randrange(60)), self.now
            )
            pk = decision.proposal_id
            first_decided[pk] = min(first_decided.get(pk, decision.decided_on), decision.decided_on)
        for proposal in proposals:
            started = first_decided.get(proposal.pk, self.today) - timedelta(
                days=self.rng.randrange(7, 42)
            )
            proposal.created_at = proposal.updated_at = proposal.moved_at = _aware(started, 11)
        Decision.objects.bulk_update(decisions, ["created_at"])

    def _move_on(
        self, proposals: list[Proposal], decisions: list[Decision]
    ) -> list[NegotiationEntry]:
        """Take each proposal where its plan says, with the history entries the services would
        have written: "Created" as its lead drafted it, and one change for where it is now.
        Returns the talks with government to log."""
        by_proposal: dict[int, list[Decision]] = defaultdict(list)
        for decision in decisions:
            by_proposal[decision.proposal_id].append(decision)
        for proposal in proposals:
            proposal._history_user = proposal.owner  # type: ignore[attr-defined]
            proposal._history_date = proposal.created_at  # type: ignore[attr-defined]
        Proposal.history.bulk_history_create(proposals)
        talks: list[NegotiationEntry] = []
        for proposal in proposals:
            talks += self._move(proposal, by_proposal[proposal.pk])
        moved = [p for p in proposals if p.moved_at != p.created_at]
        for proposal in moved:
            proposal.revision += 1
            # Set in _move for every proposal in ``moved``, so never None here.
            proposal.updated_at = proposal._history_date = proposal.moved_at  # type: ignore[attr-defined,assignment]
        Proposal.objects.bulk_update(proposals, MOVED_FIELDS)
        Proposal.history.bulk_history_create(moved, update=True)
        return talks

    def _move(self, proposal: Proposal, decisions: list[Decision]) -> list[NegotiationEntry]:
        """Set the proposal's stage and what goes with it, ``moved_at`` and who moved it last."""
        plan: Plan = proposal._plan  # type: ignore[attr-defined]
        rng = self.rng
        last = decisions[-1] if decisions else None
        proposal.stage = plan.stage
        proposal._history_user = self.admin  # type: ignore[attr-defined]
        if last is not None:
            proposal.moved_at = last.created_at
        if plan.stage == S.IN_GOVERNANCE:
            proposal.awaiting_body = self.chain[min(plan.at, len(self.chain) - 1)]
            if last is None:  # submitted by its lead, not yet decided on
                submitted = proposal.created_at + timedelta(days=rng.randint(3, 6), hours=2)
                proposal.moved_at = min(submitted, self.now)
                proposal._history_user = proposal.owner  # type: ignore[attr-defined]
        if plan.stage == S.CONCLUDED:
            proposal.outcome = plan.outcome or Outcome.WITHDRAWN
            proposal.outcome_notes = OUTCOME_NOTES[Outcome(proposal.outcome)]
        if plan.withdrawn_in_chain:
            assert last is not None
            proposal.outcome_on = last.decided_on + timedelta(days=rng.randint(7, 30))
            proposal.outcome_notes = WITHDRAWN_IN_CHAIN
            proposal.moved_at = min(_aware(proposal.outcome_on, 15), self.now)
        if not plan.board_endorsed:
            return []
        assert last is not None and last.body == self.chain[-1]
        proposal.board_endorsement = last
        if plan.submitted:
            return self._to_government(proposal, plan, last.decided_on)
        return []

    def _to_government(
        self, proposal: Proposal, plan: Plan, endorsed_on: date
    ) -> list[NegotiationEntry]:
        """Submitted some days after the Board approved the Proposition that holds it (one
        still waiting for talks, more recently); then (SETTLING_DAYS allow for it) talks with
        the departments, and for some an outcome."""
        rng = self.rng
        approved_on = max(endorsed_on, self.proposition_on)
        room = (self.today - approved_on).days
        submitted_on = approved_on + timedelta(days=rng.randint(1, max(1, min(10, room // 4))))
        if plan.stage == S.SUBMITTED:
            recently = self.today - timedelta(days=rng.randint(*WAITING_FOR_TALKS_DAYS))
            submitted_on = max(submitted_on, recently)
        proposal.submitted_on = submitted_on
        proposal.moved_at = min(_aware(submitted_on, 12), self.now)
        if not plan.negotiated:
            return []
        until = self.today
        if plan.stage == S.CONCLUDED:
            proposal.outcome_on = self.today - timedelta(days=rng.randint(3, 21))
            proposal.moved_at = min(_aware(proposal.outcome_on, 15), self.now)
            until = proposal.outcome_on
        low, high = TALKS[plan.stage] if plan.outcome != Outcome.WITHDRAWN else (1, 1)
        span = (until - submitted_on).days - 1
        offsets = sorted(rng.sample(range(1, span + 1), min(span, rng.randint(low, high))))
        talks = [
            self._talk(proposal, submitted_on + timedelta(days=d), first=i == 0)
            for i, d in enumerate(offsets)
        ]
        if plan.stage == S.IN_NEGOTIATION:
            # Logging the first talk moved it into negotiation; the lead logs talks.
            proposal.moved_at = talks[0]._made  # type: ignore[attr-defined]
            proposal._history_user = proposal.owner  # type: ignore[attr-defined]
        return talks

    def _talk(self, proposal: Proposal, day: date, *, first: bool) -> NegotiationEntry:
        """Mostly OFFICIAL-SENSITIVE; the first talk about an OFFICIAL proposal is OFFICIAL,
        so that partners see some of the log."""
        rng = self.rng
        departments = getattr(proposal, "_departments", None) or list(self.departments.values())
        department = rng.choice(departments)
        lead = proposal.owner
        if proposal.classification == Classification.OFFICIAL:
            sensitive = not first and rng.random() < 0.5
        else:
            sensitive = rng.random() < 0.9
        entry = NegotiationEntry(
            proposal=proposal,
            department=department,
            held_on=day,
            attendees=f"{department.name} officials; "
            + (f"{lead.full_name} (workstream lead); " if lead else "")
            + self.deal.core_team_name,
            summary=rng.choice(TALK_SUMMARIES),
            next_steps=rng.choice(TALK_NEXT_STEPS),
            classification=(
                Classification.OFFICIAL_SENSITIVE if sensitive else Classification.OFFICIAL
            ),
            recorded_by=lead,
            is_demo=True,
        )
        entry._made = min(_aware(day, 17, rng.randrange(60)), self.now)  # type: ignore[attr-defined]
        return entry

    def _talks(self, talks: list[NegotiationEntry]) -> None:
        _create_with_history(NegotiationEntry, talks, [t.recorded_by for t in talks])
        for talk in talks:
            talk.created_at = talk.updated_at = talk._made  # type: ignore[attr-defined]
        _dates_write(NegotiationEntry, talks)
        self.summary.created["negotiation entries"] += len(talks)

    def _principles(self, proposals: list[Proposal]) -> None:
        """Each proposal's lead answers the deal's principles soon after drafting it; a few
        open proposals leave some unanswered, so that the dashboard has them to show."""
        rng = self.rng
        principles = list(Principle.objects.filter(deal=self.deal).order_by("position"))
        if not principles:
            return
        open_ = [p for p in proposals if p.stage not in CLOSED_STAGES]
        partly = {p.pk for p in rng.sample(open_, min(PARTLY_ANSWERED, len(open_)))}
        responses = []
        for proposal in proposals:
            chosen = principles
            if proposal.pk in partly:
                fewest = 0 if proposal.stage == S.DRAFT else 1
                count = rng.randint(fewest, len(principles) - 1)
                chosen = sorted(rng.sample(principles, count), key=lambda p: p.position)
            for principle in chosen:
                answer = rng.choices(list(PrincipleAnswer), weights=[75, 10, 15])[0]
                note = {
                    PrincipleAnswer.YES: PRINCIPLE_NOTES.get(principle.slug, ""),
                    PrincipleAnswer.NO: PRINCIPLE_NO,
                    PrincipleAnswer.NOT_APPLICABLE: PRINCIPLE_NOT_APPLICABLE,
                }[answer]
                response = PrincipleResponse(
                    proposal=proposal,
                    principle=principle,
                    answer=answer,
                    note=note,
                    answered_by=proposal.owner,
                )
                answered = proposal.created_at + timedelta(hours=rng.randint(2, 72))
                response._history_user = proposal.owner  # type: ignore[attr-defined]
                response._history_date = min(answered, self.now)  # type: ignore[attr-defined]
                responses.append(response)
        PrincipleResponse.objects.bulk_create(responses)
        for response in responses:
            response.updated_at = response._history_date  # type: ignore[attr-defined]
        PrincipleResponse.objects.bulk_update(responses, ["updated_at"])
        PrincipleResponse.history.bulk_history_create(responses)
        self.summary.created["principle answers"] += len(responses)

    def _minutes(self, decisions: list[Decision]) -> None:
        by_meeting: dict[int, list[Decision]] = defaultdict(list)
        for decision in decisions:
            if decision.meeting is not None:
                by_meeting[decision.meeting.pk].append(decision)
        closed = [
            m
            for meetings in self.meetings.values()
            for m in meetings
            if m.status == MeetingStatus.CLOSED
        ]
        for meeting in closed:
            items = by_meeting.get(meeting.pk, [])
            lines = [f"- {d.proposal.title}: {d.get_outcome_display().lower()}" for d in items]
            meeting.minutes = "\n".join(
                ["Demo minutes. Apologies noted; previous minutes agreed.", *lines]
                if lines
                else ["Demo minutes. Updates on the workstreams noted; no decisions."]
            )
        Meeting.objects.bulk_update(closed, ["minutes"])

    def _meeting_history(self) -> None:
        """The "Created" history entry of each meeting, as the administrator arranged it some
        weeks ahead (recorded as it stands now, minutes and all)."""
        meetings = [m for items in self.meetings.values() for m in items]
        for meeting in meetings:
            arranged = meeting.starts_at - timedelta(days=ARRANGED_DAYS_AHEAD, hours=1)
            meeting._history_user = self.admin  # type: ignore[attr-defined]
            meeting._history_date = min(arranged, self.now)  # type: ignore[attr-defined]
        Meeting.history.bulk_history_create(meetings)

    def _proposition(self) -> None:
        """The version of the Proposition the last body of the chain approved at the
        Proposition meeting (``_proposition_meeting``), made of the demo proposals it had
        endorsed when the version was made (``proposition_fill``). Every proposal that went to
        government is among them, and was submitted after the approval. A deal whose
        administrators have made versions of their own gets none, so that the demo takes no
        place in their numbering or their approval."""
        if PropositionVersion.objects.filter(deal=self.deal).exists():
            return
        version = PropositionVersion.objects.create(
            deal=self.deal,
            number=1,
            title=self.deal.proposition_name,
            introduction=PROPOSITION_INTRODUCTION,
            status=PropositionStatus.APPROVED,
            approved_on=self.proposition_on,
            approved_by=self.chain[-1],
            approved_at=self.proposition_meeting,
            created_by=self.admin,
            is_demo=True,
        )
        version.created_at = min(_aware(self.proposition_made, 9), self.now)
        PropositionVersion.objects.filter(pk=version.pk).update(created_at=version.created_at)
        if proposition_fill(version):
            self.summary.created["approved Proposition"] += 1
        else:
            version.delete()

    # The DSG's answers and the meetings' actions

    def _dsg_meetings_past(self) -> list[Meeting]:
        dsg = next((b for b in self.chain if b.kind == BodyKind.STRATEGY_GROUP), None)
        if dsg is None:
            return []
        return [m for m in self.meetings.get(dsg.pk, []) if m.status != MeetingStatus.PLANNED]

    def _ask_answers(self) -> None:
        """The DSG answered a few of the asks in the workstreams' newest updates at its last
        meeting (agreed, declined, noted), so those asks are off its list and the leads see the
        answers; the other asks still await it."""
        held = self._dsg_meetings_past()
        if not held:
            return
        meeting = held[-1]
        newest: dict[int, StatusUpdate] = {}
        for update in StatusUpdate.objects.filter(
            workstream__deal=self.deal, is_demo=True, created_at__lte=meeting.starts_at
        ).order_by("workstream_id", "-period_start", "-version"):
            newest.setdefault(update.workstream_id, update)
        asking = [u for u in newest.values() if u.asks_of_dsg][:DEMO_ANSWERS]
        words = {
            AskOutcome.AGREED: "Agreed: the Core Team takes it to the next bilateral (demo).",
            AskOutcome.DECLINED: "Declined for now: not a priority for the Proposition (demo).",
            AskOutcome.NOTED: "Noted: the DSG will come back to it next cycle (demo).",
        }
        outcomes = list(words)
        answers = [
            AskResponse(
                status_update=update,
                workstream_id=update.workstream_id,
                asked=update.asks_of_dsg,
                meeting=meeting,
                outcome=outcomes[i % len(outcomes)],
                response=words[outcomes[i % len(outcomes)]],
                classification=update.classification,
                recorded_by=self.admin,
                is_demo=True,
            )
            for i, update in enumerate(asking)
        ]
        AskResponse.objects.bulk_create(answers)
        self.summary.created["answers to asks"] += len(answers)

    def _actions(self) -> None:
        """Actions from the DSG's recent meetings: one done, one open and due ahead, one open
        and overdue (owned by an organisation), so the log, the next agenda, the pack and the
        reminders all have something to show."""
        held = self._dsg_meetings_past()
        if not held or self.admin is None:
            return
        last, earlier = held[-1], held[-2] if len(held) > 1 else held[-1]
        owner = next(iter(self.lead_of.values()), self.admin)
        organisation = next(iter(self.organisations.values()), None)
        closed_at = min(self.now, last.starts_at)
        actions = [
            Action(
                meeting=earlier,
                description="Circulate the draft engagement plan to the thematic boards (demo).",
                owner_user=self.admin,
                due_on=self.today - timedelta(days=14),
                status=ActionStatus.DONE,
                closed_at=closed_at,
                closed_by=self.admin,
                closing_note="Circulated (demo).",
                created_by=self.admin,
                is_demo=True,
            ),
            Action(
                meeting=earlier,
                description="Send the Core Team the evidence base for the housing ask (demo).",
                owner_user=None if organisation else owner,
                owner_organisation=organisation,
                due_on=self.today - timedelta(days=3),
                created_by=self.admin,
                is_demo=True,
            ),
            Action(
                meeting=last,
                description="Brief the portfolio leads on the asks the DSG agreed (demo).",
                owner_user=owner,
                due_on=self.today + timedelta(days=14),
                created_by=self.admin,
                is_demo=True,
            ),
        ]
        Action.objects.bulk_create(actions)
        self.summary.created["actions"] += len(actions)

    def _agendas(self) -> None:
        """The next planned meeting of each body lists what awaits it, as the services keep it."""
        for body in GovernanceBody.objects.filter(deal=self.deal):
            agenda_sync(body)
        self.summary.created["agenda items"] += AgendaItem.objects.filter(
            meeting__is_demo=True
        ).count()

    # Observations

    def _observations(self) -> None:
        indicators = {i.code: i for i in Indicator.objects.all()}
        areas = {a.gss_code: a for a in Area.objects.all()}
        taken = set(Observation.objects.values_list("indicator_id", "area_id", "period"))
        new = []
        with ONS_CSV.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                indicator = indicators.get(row["indicator"])
                area = areas.get(row["area_code"])
                if indicator is None or area is None:
                    continue
                if (indicator.pk, area.pk, row["period"]) in taken:
                    self.summary.skipped_observations += 1
                    continue
                start, end = self._period_dates(row["period"])
                new.append(
                    Observation(
                        indicator=indicator,
                        area=area,
                        period=row["period"],
                        period_start=start,
                        period_end=end,
                        value=Decimal(row["value"]),
                        source=row["source"],
                        is_demo=True,
                    )
                )
        Observation.objects.bulk_create(new)
        self.summary.created["observations"] += len(new)

    def _period_dates(self, label: str) -> tuple[date | None, date | None]:
        try:
            return parse_period(label)
        except ValueError:
            # Kept with its label and no dates rather than dated by a guess.
            self.summary.undated_periods.add(label)
            return None, None


def proposition_fill(version: PropositionVersion) -> int:
    """Fill a demo version of the Proposition as the services would have when it was made (its
    ``created_at``): every demo proposal of its deal the last body had endorsed by the day
    before, including any withdrawn since, copied in the services' order. Replaces the items
    it had; returns how many it has."""
    made = timezone.localdate(version.created_at)
    endorsed = (
        Proposal.objects.filter(
            deal_id=version.deal_id, is_demo=True, board_endorsement__decided_on__lt=made
        )
        .exclude(stage=S.CONCLUDED, outcome=Outcome.WITHDRAWN, outcome_on__lt=made)
        .select_related("workstream__theme")
        .prefetch_related("departments", "missions")
        .order_by("workstream__theme__position", "workstream__position", "title")
    )
    version.items.all().delete()
    items = PropositionItem.objects.bulk_create(
        [proposition_item_snapshot(version, position, p) for position, p in enumerate(endorsed, 1)],
        batch_size=500,
    )
    return len(items)


def _steps(plan: Plan, length: int) -> list[tuple[int, DecisionOutcome]]:
    """The decisions a proposal met, in order: (index of the chain body, outcome). A referral
    back sends it to draft, and once redrafted it climbs the chain again from the first body."""
    at = min(plan.at, length - 1)
    referred = None if plan.referred_at is None else min(plan.referred_at, length - 1)
    if plan.stage == S.DRAFT:
        passed = 0
    elif plan.stage in (S.IN_GOVERNANCE, S.REJECTED) or plan.withdrawn_in_chain:
        passed = at
    else:
        passed = length
    steps: list[tuple[int, DecisionOutcome]] = []
    if referred is not None:
        steps += [(index, DecisionOutcome.ENDORSED) for index in range(referred)]
        steps.append((referred, DecisionOutcome.REFERRED_BACK))
    steps += [
        (index, DecisionOutcome.SKIPPED if index == plan.skipped_at else DecisionOutcome.ENDORSED)
        for index in range(passed)
    ]
    if plan.stage == S.REJECTED:
        steps.append((at, DecisionOutcome.REJECTED))
    return steps


def _is_about(workstream: Workstream, words: tuple[str, ...]) -> bool:
    return _topic_for(workstream).words == words


def _topic_for(workstream: Workstream) -> Topic:
    words = f"{workstream.name} {workstream.slug}".lower()
    for topic in TOPICS:
        if any(word in words for word in topic.words):
            return topic
    return _generic_topic(workstream)
