"""Reference data for the West Midlands Trailblazer Devolution Deal, as the WMCA Overview &
Scrutiny Committee report of 7 March 2022 gives it: the combined authority, the deal, its 5
themes and 20 workstreams (paragraph 12), the principles every proposal answers (paragraph
10), its governance bodies and how work flows up through
them (paragraphs 15 to 21), and its timeline (paragraph 23); and the West Midlands Outcomes
Framework, which the West Midlands Levelling Up Growth Prospectus describes but does not list.

``load_reference_data()`` loads it idempotently, keyed on natural keys, and returns how many rows
of each model it created, updated or left unchanged. It needs the missions loaded first (see
``missions.reference``); the caller provides the transaction. Values an administrator owns (a
deal's reporting cadence and start date, a workstream's status, a milestone's status, people in
seats) are set when a row is created and left alone after.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.text import slugify

from accounts.choices import OrganisationKind
from accounts.models import Organisation
from missions.models import IndicatorFramework
from missions.reference import CREATED, UNCHANGED, UPDATED, Counts, new_counts, tally, upsert

from .choices import BodyKind
from .models import BodyMember, Deal, GovernanceBody, Milestone, Principle, Theme, Workstream

SCRUTINY_REPORT = "WMCA Overview & Scrutiny Committee report, 7 March 2022"

COMBINED_AUTHORITY = {
    "name": "West Midlands Combined Authority",
    "kind": OrganisationKind.COMBINED_AUTHORITY,
}

DEAL = {
    "slug": "west-midlands-tdd",
    "name": "West Midlands Trailblazer Devolution Deal",
    "short_name": "WM TDD",
    "source": SCRUTINY_REPORT,
    # Reporting periods are counted from the report's date, a Monday. Set when the deal is
    # created only: the administrators own the reporting calendar after that.
    "reporting_starts_on": datetime.date(2022, 3, 7),
    # Paragraph 8.
    "description": (
        "However, the offer for the West Midlands goes even further. We, alongside Greater "
        "Manchester, have been invited to negotiate a Trailblazer Devolution Deal (TDD) which "
        "goes beyond what is on offer to the rest of the country. We have the opportunity to "
        "seek ambitious changes to increase the powers and resources devolved to us, "
        "strengthening our region and setting us up for future success."
    ),
}

# Paragraph 12's table: each theme and its workstreams, in the table's order. A leading "*"
# "Indicates workstreams where there is some work which can be taken forward outside of the TDD
# itself but will be part of our joined-up approach to responding to the LUWP."
THEMES: list[tuple[str, list[str]]] = [
    (
        "Inclusive economic growth",
        [
            "Innovation",
            "*WM Smart City Region",
            "LEP Integration",
            "Trade and Investment",
            "Business Support System",
        ],
    ),
    ("Building human capital", ["Skills", "Education", "*UKSPF (Multiply)"]),
    (
        "Connecting communities",
        ["*Housing, regen and planning", "Transport", "Net Zero (BEIS)", "Digital"],
    ),
    (
        "Building social capital",
        [
            "Homelessness prevention",
            "Health",
            "Crime, community safety and resilience",
            "Social capital and social economy",
            "Culture",
        ],
    ),
    (
        "Cross-cutting",
        ["Funding", "Benefits for non-constituent authorities", "Data and transparency"],
    ),
]

# --- Principles (paragraph 10) -----------------------------------------------------------------

# "A number of principles have been articulated to help guide the TDD process": each proposal
# answers every one. The text is the paragraph's own; the short name and the question are how
# the app asks it.
PRINCIPLES: list[tuple[str, str, str, str]] = [
    (
        "aligns-with-plans-and-missions",
        "Aligns with plans and missions",
        "Does it align with local and regional plans and the levelling up missions?",
        "It is essential that we are very clear about our priorities and focus our efforts on "
        "those matters that align with local and regional plans which align with the levelling "
        "up missions.",
    ),
    (
        "involves-partners",
        "Involves local authorities and stakeholders",
        "Are local authorities and wider stakeholders, including the private and voluntary "
        "sectors, involved?",
        "There needs to be extensive involvement of local authorities and wider stakeholders, "
        "including the private and voluntary sectors, throughout the policy development and "
        "negotiation process.",
    ),
    (
        "private-sector-support",
        "Private sector support",
        "Does it have private sector support and, where relevant, co-investment?",
        "It will be essential to secure private sector support for many of our devolution "
        "propositions and, where relevant, demonstrate their co-investment in key priorities.",
    ),
    (
        "double-devolution",
        "Double devolution",
        "Does it provide for the ‘double-devolution’ of powers and resources within the region?",
        "In order to address intra-regional inequalities and local pockets of deprivation, it is "
        "important that the devolution process makes provision for the ‘double-devolution’ of "
        "certain powers and resources.",
    ),
    (
        "draws-powers-down",
        "Draws powers down",
        "Does it draw powers down from government, rather than up from local authorities?",
        "The opportunity provided by the TDD should be focused on drawing powers down from "
        "government and not ‘sucking powers up’ from local authorities.",
    ),
    (
        "data-and-accountability",
        "Data and accountability",
        "Can its progress on the levelling up missions be shown with data?",
        "There will be a strong emphasis on data and accountability and the ability to "
        "demonstrate progress on achieving the levelling up missions for any devolution "
        "proposition.",
    ),
]

# --- Governance bodies (paragraphs 15 to 21) ---------------------------------------------------

SLT = "Strategic Leadership Team and TDD Core Team"
SLAOG = "Senior Local Authority Officers Group"
DSG = "Devolution Strategy Group"
HLNT = "High Level Negotiating Team"
WMCA_BOARD = "WMCA Board"

PARAGRAPH_16 = (
    "Thematic workstream discussions on key policy issues will take place using the existing "
    "thematic boards and other discussion forums. For example, matters concerning net zero will "
    "be discussed with the local authority Net Zero Directors officers' group, the Environment "
    "and Energy Board and, where appropriate, through the Net Zero Business Forum, the Energy "
    "Capital Partnership and WM Greener Together Forum."
)
CO_ORDINATION = (
    "Workstream discussions and bilateral negotiations will be co-ordinated through a "
    "co-ordinating group in government and through Strategic Leadership Team and TDD Core Team "
    "in WMCA."
)
FED_UP = (
    "These matters will be fed up through a Senior Local Authority Officers Group into a "
    "Devolution Strategy Group (see below)."
)
SUPPORTED_BY = "The DSG will be supported by a Senior LA Officers' Group."
POSITIONS_CRYSTALLISE = (
    "As policy positions crystallise, they will come to the High Level Negotiating Team and to "
    "the WMCA Board as appropriate."
)
NO_FINAL_DEAL = "No final deal will be agreed without the endorsement of the WMCA Board."

# A seat: (position, how many, is_chair, held for the combined authority). Seats are vacant
# posts; administrators put people in them.
Seat = tuple[str, int, bool, bool]

# Each body: "next" is where its work goes next in the escalation chain (empty for the last);
# the chain runs SLT and TDD Core Team -> Senior Local Authority Officers Group -> Devolution
# Strategy Group -> High Level Negotiating Team -> WMCA Board. Listed in display order.
BODIES: list[dict[str, Any]] = [
    {
        "name": SLT,
        "kind": BodyKind.LEADERSHIP_TEAM,
        "is_chain_start": True,
        "next": SLAOG,
        "composition": "",
        "remit": f"{CO_ORDINATION} {FED_UP}",
    },
    {
        "name": SLAOG,
        "kind": BodyKind.OFFICER_GROUP,
        "next": DSG,
        "composition": "",
        "remit": f"{FED_UP}\n\n{SUPPORTED_BY}",
    },
    {
        "name": DSG,
        "short_name": "DSG",
        "kind": BodyKind.STRATEGY_GROUP,
        "next": HLNT,
        "composition": "7 Met Chief Execs, 1 Non-con Chief Exec, plus 2 WMCA Exec Directors",
        "remit": f"{FED_UP}\n\n{SUPPORTED_BY}",
        "seats": [
            ("Metropolitan chief executive", 7, False, False),
            ("Non-constituent authority chief executive", 1, False, False),
            ("WMCA executive director", 2, False, True),
        ],
    },
    {
        "name": HLNT,
        "kind": BodyKind.NEGOTIATING_TEAM,
        "next": WMCA_BOARD,
        "composition": (
            "Led by the mayor together with up to 3 local authority leaders. On occasion the "
            "team may choose to invite private sector or other stakeholders to support their "
            "negotiations."
        ),
        "remit": POSITIONS_CRYSTALLISE,
        "seats": [
            ("Mayor", 1, True, True),
            ("Local authority leader", 3, False, False),
        ],
    },
    {
        "name": WMCA_BOARD,
        "kind": BodyKind.DECISION_BOARD,
        "next": None,
        "composition": "",
        "remit": (
            f"{POSITIONS_CRYSTALLISE} When a composite TDD Proposition comes together it will be "
            f"brought to the WMCA Board for approval. {NO_FINAL_DEAL}"
        ),
    },
    {
        "name": "Mayor and Portfolio Leads Liaison Meeting",
        "kind": BodyKind.LEADERSHIP_TEAM,
        "next": None,
        "stands_in_for": WMCA_BOARD,
        "composition": "",
        "remit": (
            "Given the lack of WMCA Board meetings during the pre-election period until May, it "
            "is proposed that we hold meetings of the Mayor and Portfolio Leads Liaison Meeting "
            "as required to update about the TDD process and discuss any immediate policy "
            "issues.\n\n"
            "Regular meetings of the Mayor and Portfolio Leads Liaison meetings to keep leaders "
            "informed about key issues."
        ),
    },
    {
        # Paragraph 17's "co-ordinating group in government", which the report does not name.
        "name": "Government co-ordinating group",
        "kind": BodyKind.GOVERNMENT_GROUP,
        "next": None,
        "composition": "",
        "remit": CO_ORDINATION,
    },
    # Paragraph 16's examples of the existing boards and forums that workstreams use; their
    # matters come up through the Strategic Leadership Team and TDD Core Team.
    *(
        {"name": name, "kind": kind, "next": SLT, "composition": "", "remit": PARAGRAPH_16}
        for name, kind in [
            ("Local authority Net Zero Directors officers' group", BodyKind.OFFICER_GROUP),
            ("Environment and Energy Board", BodyKind.THEMATIC_BOARD),
            ("Net Zero Business Forum", BodyKind.THEMATIC_BOARD),
            ("Energy Capital Partnership", BodyKind.THEMATIC_BOARD),
            ("WM Greener Together Forum", BodyKind.THEMATIC_BOARD),
        ]
    ),
]

# --- Timeline (paragraph 23) -------------------------------------------------------------------
#
# The report is dated 7 March 2022, so "Now - May" runs from then to the end of May 2022, and
# "Autumn" is September to November 2022.

NOW_TO_MAY = ("Now - May", datetime.date(2022, 3, 7), datetime.date(2022, 5, 31))
MILESTONES: list[tuple[str, tuple[str, datetime.date, datetime.date]]] = [
    (
        "Development of ambitious policy proposals brought together into a coherent TDD "
        "Proposition.",
        NOW_TO_MAY,
    ),
    (
        "Continuous internal and external engagement, including with local authorities, wider "
        "regional partners, and central Government.",
        NOW_TO_MAY,
    ),
    (
        "Regular meetings of the Mayor and Portfolio Leads Liaison meetings to keep leaders "
        "informed about key issues.",
        NOW_TO_MAY,
    ),
    (
        "TDD Proposition submitted to WMCA Board.",
        ("June", datetime.date(2022, 6, 1), datetime.date(2022, 6, 30)),
    ),
    (
        "Initial TDD announcement from central Government.",
        ("July / August", datetime.date(2022, 7, 1), datetime.date(2022, 8, 31)),
    ),
    (
        "Potential further detail in announcement linked to fiscal event.",
        ("Autumn", datetime.date(2022, 9, 1), datetime.date(2022, 11, 30)),
    ),
]

# The paragraph lists the timeline in order, each step building on the one before: the
# Proposition is developed, then submitted to the Board, then announced, then detailed. Set
# when the milestones are first loaded; administrators own the dependencies after that.
MILESTONE_DEPENDENCIES: list[tuple[str, str]] = [
    (MILESTONES[3][0], MILESTONES[0][0]),
    (MILESTONES[4][0], MILESTONES[3][0]),
    (MILESTONES[5][0], MILESTONES[4][0]),
]

# --- The West Midlands Outcomes Framework ------------------------------------------------------
#
# The Prospectus gives its size, not its contents: no themes or indicators are loaded, and
# administrators enter them.

OUTCOMES_FRAMEWORK = {
    "slug": "west-midlands-outcomes-framework",
    "name": "West Midlands Outcomes Framework",
    "source": "West Midlands Levelling Up Growth Prospectus",
    "description": (
        "The WMOF contains 24 headline indicators across 8 different themes, and these will "
        "provide the basis for regional partners to assess their progress in terms of levelling "
        "up."
    ),
    "expected_theme_count": 8,
    "expected_indicator_count": 24,
}


# --- Loading -----------------------------------------------------------------------------------


def load_deal(counts: Counts) -> Deal:
    organisation = upsert(
        counts,
        Organisation,
        {"name": COMBINED_AUTHORITY["name"]},
        {"kind": COMBINED_AUTHORITY["kind"], "is_demo": False},
    )
    values = {
        "name": DEAL["name"],
        "short_name": DEAL["short_name"],
        "combined_authority": organisation,
        "description": DEAL["description"],
        "source": DEAL["source"],
    }
    if not Deal.objects.filter(slug=DEAL["slug"]).exists():
        values["reporting_starts_on"] = DEAL["reporting_starts_on"]
    return upsert(counts, Deal, {"slug": DEAL["slug"]}, values)


def load_workstreams(counts: Counts, deal: Deal) -> None:
    position = 0
    for theme_position, (theme_name, workstreams) in enumerate(THEMES, start=1):
        theme = upsert(
            counts,
            Theme,
            {"deal": deal, "slug": slugify(theme_name)},
            {"name": theme_name, "position": theme_position},
        )
        for listed in workstreams:
            position += 1
            name = listed.removeprefix("*")
            upsert(
                counts,
                Workstream,
                {"deal": deal, "slug": slugify(name)},
                {
                    "theme": theme,
                    "name": name,
                    "position": position,
                    "can_proceed_outside_deal": listed.startswith("*"),
                },
            )


def load_bodies(counts: Counts, deal: Deal) -> None:
    loaded: dict[str, GovernanceBody] = {}
    pending = list(enumerate(BODIES, start=1))
    while pending:
        # A body is loaded after the bodies it points to.
        ready = [
            (position, data)
            for position, data in pending
            if all(
                data.get(ref) in loaded or not data.get(ref) for ref in ("next", "stands_in_for")
            )
        ]
        if not ready:
            raise ValueError("The governance bodies' references go round in a circle.")
        for position, data in ready:
            pending.remove((position, data))
            body = upsert(
                counts,
                GovernanceBody,
                {"deal": deal, "slug": slugify(data["name"])},
                {
                    "name": data["name"],
                    "short_name": data.get("short_name", ""),
                    "kind": data["kind"],
                    "composition": data["composition"],
                    "remit": data["remit"],
                    "next_body": loaded[data["next"]] if data["next"] else None,
                    "is_chain_start": data.get("is_chain_start", False),
                    "stands_in_for": loaded.get(data.get("stands_in_for", "")),
                    "position": position,
                },
            )
            loaded[data["name"]] = body
            load_seats(counts, body, data.get("seats", []))


def load_seats(counts: Counts, body: GovernanceBody, seats: list[Seat]) -> None:
    """Make sure ``body`` has the seats the source describes, keyed by (body, position, ordinal).

    Seats with the position, oldest first, count towards the number wanted; only the missing
    ones are created. A vacant seat is kept as the source describes it; a seat an administrator
    has put someone in is theirs and left alone. Nothing is ever deleted, so seats an
    administrator adds survive every load.
    """
    combined_authority = body.deal.combined_authority
    for position, number, is_chair, for_combined_authority in seats:
        organisation = combined_authority if for_combined_authority else None
        existing = list(body.members.filter(position=position).order_by("pk")[:number])
        for seat in existing:
            if seat.user_id or seat.name:
                tally(counts, BodyMember, UNCHANGED)
                continue
            wanted = {"is_chair": is_chair, "organisation_id": getattr(organisation, "pk", None)}
            changed = [f for f, v in wanted.items() if getattr(seat, f) != v]
            for field in changed:
                setattr(seat, field, wanted[field])
            if changed:
                seat.save(update_fields=changed)
            tally(counts, BodyMember, UPDATED if changed else UNCHANGED)
        for _ in range(number - len(existing)):
            BodyMember.objects.create(
                body=body, position=position, is_chair=is_chair, organisation=organisation
            )
            tally(counts, BodyMember, CREATED)


def load_principles(counts: Counts, deal: Deal) -> None:
    for position, (slug, short_name, question, text) in enumerate(PRINCIPLES, start=1):
        upsert(
            counts,
            Principle,
            {"deal": deal, "slug": slug},
            {"short_name": short_name, "question": question, "text": text, "position": position},
        )


def load_milestones(counts: Counts, deal: Deal) -> None:
    new = not Milestone.objects.filter(deal=deal).exists()
    for position, (title, (when_label, starts_on, ends_on)) in enumerate(MILESTONES, start=1):
        upsert(
            counts,
            Milestone,
            {"deal": deal, "title": title},
            {
                "when_label": when_label,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "position": position,
            },
        )
    if new:
        by_title = {m.title: m for m in Milestone.objects.filter(deal=deal)}
        for milestone, needs in MILESTONE_DEPENDENCIES:
            by_title[milestone].depends_on.add(by_title[needs])


def load_outcomes_framework(counts: Counts, deal: Deal) -> None:
    data = OUTCOMES_FRAMEWORK
    upsert(
        counts,
        IndicatorFramework,
        {"slug": data["slug"]},
        {
            "name": data["name"],
            "description": data["description"],
            "source": data["source"],
            "deal": deal,
            "expected_theme_count": data["expected_theme_count"],
            "expected_indicator_count": data["expected_indicator_count"],
        },
    )


def load_reference_data() -> Counts:
    """Load the West Midlands deal and everything the sources say about it. Call it inside a
    transaction, after the missions; returns the counts per model."""
    counts = new_counts(
        [
            Organisation,
            Deal,
            Theme,
            Workstream,
            GovernanceBody,
            BodyMember,
            Milestone,
            Principle,
            IndicatorFramework,
        ]
    )
    deal = load_deal(counts)
    load_workstreams(counts, deal)
    load_bodies(counts, deal)
    load_milestones(counts, deal)
    load_principles(counts, deal)
    load_outcomes_framework(counts, deal)
    return counts
