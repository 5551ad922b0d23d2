"""The records of a deal as tables for spreadsheets (CSV and Excel), and the reads behind a
meeting's briefing pack.

Every row comes from the same permission-aware selectors as the pages, so a partner's export
holds OFFICIAL rows only (and, for decisions, decisions on OFFICIAL proposals only), and each
table is built with a fixed number of queries whatever the number of rows.

Apps above tracker add their own tables and sections of the pack (delivery's provisions):
tracker never imports them, they register with ``register_export`` and
``register_pack_section`` when they are ready.

Cells are written for people who open them in a spreadsheet: a text cell that begins with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote, so that
the spreadsheet shows it as text instead of running it as a formula (OWASP, "CSV Injection").
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core import csv_files, policy
from core.choices import Classification
from core.models import Deal

from . import selectors
from .choices import PrincipleAnswer
from .models import AgendaItem, Decision, Meeting, Principle, Proposal, Risk, StatusUpdate

if TYPE_CHECKING:
    from .selectors.base import AnyUser
    from .selectors.dashboards import ThemeRow
    from .selectors.proposals import ChainStep

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}

XLSX_DATE_FORMAT = "d mmm yyyy"
XLSX_MAX_WIDTH = 60

Cell = str | int | dt.date | None


@dataclass(frozen=True)
class Column:
    header: str
    width: int  # in characters, for the spreadsheet


@dataclass
class Table:
    kind: str
    title: str
    columns: list[Column]
    rows: list[list[Cell]] = field(default_factory=list)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _classification(value: str) -> str:
    return Classification(value).label


def _local_date(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None


def _name(user: Any) -> str:
    return str(user) if user is not None else ""


# --- The tables -------------------------------------------------------------------------------


def workstream_table(user: AnyUser, deal: Deal, today: dt.date | None = None) -> Table:
    workstreams = selectors.reporting.with_reporting_state(
        selectors.workstreams_for(user).filter(deal=deal).order_by("theme__position", "position"),
        today,
    )
    updates = selectors.reporting.current_updates(user, deal)
    table = Table(
        "workstreams",
        "Workstreams with their current status",
        [
            Column("Theme", 30),
            Column("Workstream", 34),
            Column("Leads", 28),
            Column("Sponsor", 24),
            Column("Current RAG", 12),
            Column("Period from", 13),
            Column("Period to", 13),
            Column("Last update", 13),
            Column("Overdue", 9),
            Column("Summary of the current update", 60),
        ],
    )
    for ws in workstreams:
        leads, sponsor = selectors.reporting.people_in(ws)
        update = updates.get(ws.pk)
        table.rows.append(
            [
                ws.theme.name,
                ws.name,
                ", ".join(str(u) for u in leads),
                _name(sponsor),
                update.get_rag_display() if update else "No update",
                update.period_start if update else None,
                update.period_end if update else None,
                _local_date(ws.last_update_at),  # type: ignore[attr-defined]
                _yes_no(ws.reporting.overdue),  # type: ignore[attr-defined]
                update.summary if update else "",
            ]
        )
    return table


def proposal_table(user: AnyUser, deal: Deal, today: dt.date | None = None) -> Table:
    proposals = (
        selectors.proposals_for(user)
        .filter(deal=deal)
        .select_related("workstream__theme", "awaiting_body")
        .order_by("workstream__theme__position", "workstream__position", "title", "pk")
    )
    table = Table(
        "proposals",
        "Proposals with their stage and outcome",
        [
            Column("Workstream", 34),
            Column("Title", 50),
            Column("Type of ask", 22),
            Column("Stage", 24),
            Column("Awaiting", 34),
            Column("Outcome", 18),
            Column("Outcome date", 13),
            Column("Classification", 20),
        ],
    )
    for p in proposals:
        table.rows.append(
            [
                p.workstream.name,
                p.title,
                p.get_ask_type_display(),
                p.get_stage_display(),
                p.awaiting_body.name if p.awaiting_body else "",
                p.get_outcome_display(),
                p.outcome_on,
                _classification(p.classification),
            ]
        )
    return table


def decision_table(user: AnyUser, deal: Deal, today: dt.date | None = None) -> Table:
    decisions = (
        selectors.governance.decisions_for(user)
        .filter(proposal__deal=deal)
        .order_by("-decided_on", "-created_at", "-pk")
    )
    table = Table(
        "decisions",
        "Decisions of the governance bodies",
        [
            Column("Date", 13),
            Column("Proposal", 50),
            Column("Body", 34),
            Column("Outcome", 26),
            Column("Meeting", 13),
            Column("Notes", 60),
        ],
    )
    for d in decisions:
        table.rows.append(
            [
                d.decided_on,
                d.proposal.title,
                d.body.name,
                d.get_outcome_display(),
                _local_date(d.meeting.starts_at) if d.meeting else None,
                d.notes,
            ]
        )
    return table


def risk_table(user: AnyUser, deal: Deal, today: dt.date | None = None) -> Table:
    risks = (
        selectors.reporting.risks_for(user)
        .filter(workstream__deal=deal)
        .select_related("workstream", "owner")
        .order_by("workstream__theme__position", "workstream__position", "-score", "title", "pk")
    )
    table = Table(
        "risks",
        "Risks and issues",
        [
            Column("Workstream", 34),
            Column("Title", 50),
            Column("Likelihood", 11),
            Column("Impact", 9),
            Column("Score", 8),
            Column("Status", 9),
            Column("Escalated to the DSG", 12),
            Column("Owner", 24),
            Column("Classification", 20),
        ],
    )
    for r in risks:
        table.rows.append(
            [
                r.workstream.name,
                r.title,
                r.likelihood,
                r.impact,
                r.score,
                r.get_status_display(),
                _yes_no(r.escalated_to_dsg),
                _name(r.owner),
                _classification(r.classification),
            ]
        )
    return table


@dataclass(frozen=True)
class ExportKind:
    slug: str
    name: str
    description: str
    build: Callable[..., Table]


KINDS: dict[str, ExportKind] = {
    k.slug: k
    for k in (
        ExportKind(
            "workstreams",
            "Workstreams",
            "Each active workstream with its theme, leads, sponsor, current RAG rating and "
            "period, the date of its last update, whether it is overdue and the summary of its "
            "current update.",
            workstream_table,
        ),
        ExportKind(
            "proposals",
            "Proposals",
            "Each proposal with its workstream, type of ask, stage, the body it awaits, its "
            "outcome and the date of the outcome, and its classification.",
            proposal_table,
        ),
        ExportKind(
            "decisions",
            "Decisions",
            "Each decision a governance body recorded on a proposal: the date, the proposal, "
            "the body, the outcome, the meeting and the notes.",
            decision_table,
        ),
        ExportKind(
            "risks",
            "Risks and issues",
            "Each risk and issue in the workstreams' logs with its likelihood, impact, score, "
            "status, whether it is escalated to the DSG, its owner and its classification.",
            risk_table,
        ),
    )
}


# Tracker never imports the apps above it: an app that offers a table of its own (delivery's
# provisions) registers it from its ``AppConfig.ready``, and it is listed and downloaded with
# tracker's.
CONTRIBUTED_KINDS: dict[str, ExportKind] = {}


def register_export(kind: ExportKind) -> None:
    """Offer another table on the exports page, named by a slug no other export has."""
    taken = KINDS.get(kind.slug) or CONTRIBUTED_KINDS.get(kind.slug)
    if taken is not None and taken != kind:
        raise ImproperlyConfigured(f"Two exports are called {kind.slug!r}.")
    CONTRIBUTED_KINDS[kind.slug] = kind


def export_kinds() -> dict[str, ExportKind]:
    """Every export by slug: tracker's own, then those the apps above registered."""
    return {**KINDS, **CONTRIBUTED_KINDS}


# --- Writing the files ------------------------------------------------------------------------


def _csv_value(value: Cell) -> str | int:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def to_csv(table: Table) -> bytes:
    """UTF-8 with a byte order mark, so that Excel reads the accents and the pound sign."""
    out = io.StringIO()
    writer = csv_files.Writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(table.headers)
    writer.writerows([_csv_value(v) for v in row] for row in table.rows)
    return out.getvalue().encode("utf-8-sig")


def to_xlsx(table: Table) -> bytes:
    """One sheet: a bold, frozen header row, columns wide enough to read, dates as dates."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = table.kind.capitalize()
    sheet.append(table.headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for index, column in enumerate(table.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(column.width, XLSX_MAX_WIDTH)
    for row in table.rows:
        sheet.append([csv_files.neutralise(v) for v in row])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, dt.date):
                cell.number_format = XLSX_DATE_FORMAT
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


WRITERS: dict[str, Callable[[Table], bytes]] = {"csv": to_csv, "xlsx": to_xlsx}


def filename(deal: Deal, kind: str, fmt: str, today: dt.date) -> str:
    return f"{deal.slug}-{kind}-{today:%Y-%m-%d}.{fmt}"


# --- The briefing pack ------------------------------------------------------------------------


@dataclass(frozen=True)
class PackItem:
    item: AgendaItem
    unanswered: list[Principle]  # principles the proposal has not answered
    answered_no: list[Principle]  # principles it answers "no"

    @property
    def has_gaps(self) -> bool:
        return bool(self.unanswered or self.answered_no)


def pack_agenda(user: AnyUser, meeting: Meeting) -> list[PackItem]:
    """The meeting's agenda items the person may see, each proposal's principles gaps with it
    (three queries)."""
    items = selectors.governance.agenda_for(user, meeting)
    principles = selectors.proposals.principles_of(meeting.body.deal_id)
    proposal_ids = [i.proposal_id for i in items if i.proposal_id]
    answers = selectors.proposals.principle_answers(proposal_ids)
    lines = []
    for item in items:
        given = answers.get(item.proposal_id or 0, {})
        proposal = item.proposal_id is not None
        lines.append(
            PackItem(
                item=item,
                unanswered=[p for p in principles if proposal and p.pk not in given],
                answered_no=[p for p in principles if given.get(p.pk) == PrincipleAnswer.NO],
            )
        )
    return lines


def pack_asks(updates: dict[int, StatusUpdate]) -> list[StatusUpdate]:
    """The asks of the DSG in the workstreams' current updates, in the order of the deal."""
    asks = [u for u in updates.values() if u.asks_of_dsg.strip()]
    return sorted(asks, key=lambda u: (u.workstream.theme.position, u.workstream.position))


SENSITIVE = Classification.OFFICIAL_SENSITIVE


@dataclass(frozen=True)
class PackLastMeeting:
    """The same body's previous held meeting, as the person may read it: its minutes if the
    record's marking allows, and the decisions recorded at it on proposals they may see."""

    meeting: Meeting | None
    minutes_visible: bool = False
    decisions: list[Decision] = field(default_factory=list)

    @property
    def sensitive(self) -> bool:
        if self.meeting is None:
            return False
        shows_minutes = self.minutes_visible and bool(self.meeting.minutes.strip())
        return (shows_minutes and self.meeting.classification == SENSITIVE) or any(
            d.proposal.classification == SENSITIVE for d in self.decisions
        )


def pack_last_meeting(user: AnyUser, meeting: Meeting) -> PackLastMeeting:
    """The body's meeting before this one (two queries)."""
    previous = selectors.governance.previous_held_meeting(user, meeting)
    if previous is None:
        return PackLastMeeting(None)
    return PackLastMeeting(
        previous,
        minutes_visible=policy.can_see_record(user, meeting.body.deal_id, previous.classification),
        decisions=selectors.governance.decisions_at(user, previous),
    )


@dataclass(frozen=True)
class PackRisks:
    """The open risks and issues escalated to the DSG that the person may see."""

    risks: list[Risk]

    @property
    def sensitive(self) -> bool:
        return any(r.classification == SENSITIVE for r in self.risks)


def pack_risks(user: AnyUser, deal: Deal) -> PackRisks:
    """One query."""
    return PackRisks(selectors.reporting.escalated_risks(user, deal))


@dataclass(frozen=True)
class PackProposal:
    proposal: Proposal
    steps: list[ChainStep]  # where it stands against each body of the chain

    @property
    def awaiting(self) -> ChainStep | None:
        return next((s for s in self.steps if s.state == "awaiting"), None)


@dataclass(frozen=True)
class PackProposals:
    """Each proposal on the agenda the person may see, with what a member reads before the
    meeting: its own words, its ask, its way through the chain, departments and missions."""

    lines: list[PackProposal]

    @property
    def sensitive(self) -> bool:
        return any(line.proposal.classification == SENSITIVE for line in self.lines)


def pack_proposals(user: AnyUser, meeting: Meeting, agenda: Sequence[PackItem]) -> PackProposals:
    """The agenda's proposals in the agenda's order: those of the items the person may see,
    which follow the proposal's marking (four queries, however many)."""
    proposals = [line.item.proposal for line in agenda if line.item.proposal is not None]
    selectors.proposals.with_briefing(proposals)
    chain = selectors.governance.chain_of(meeting.body.deal_id)
    return PackProposals(
        [PackProposal(p, selectors.proposals.journey(p, chain)) for p in proposals]
    )


def pack_is_sensitive(
    user: AnyUser,
    deal: Deal,
    agenda: Sequence[PackItem],
    updates: Iterable[StatusUpdate],
    overview: Iterable[ThemeRow],
    sections: Iterable[PackPart] = (),
) -> bool:
    """Whether the pack, as this person gets it, holds OFFICIAL-SENSITIVE material: an agenda
    item or its proposal, a current update (whose RAG and asks it shows), a record counted in
    the overview, or a section (tracker's own or one an app above added) that says it holds
    some. A person who may
    not see such material never gets any."""
    if not policy.can_see_sensitive(user, deal):
        return False
    sensitive = Classification.OFFICIAL_SENSITIVE
    return (
        any(
            line.item.classification == sensitive
            or (line.item.proposal is not None and line.item.proposal.classification == sensitive)
            for line in agenda
        )
        or any(u.classification == sensitive for u in updates)
        or any(w.includes_sensitive for theme in overview for w in theme.workstreams)
        or any(section.sensitive for section in sections)
    )


class PackPart(Protocol):
    """A section of the pack: whether it holds OFFICIAL-SENSITIVE material as the person gets
    it, which marks the whole pack so."""

    @property
    def sensitive(self) -> bool: ...


# --- What the apps above add to the pack -------------------------------------------------------


@dataclass(frozen=True)
class PackSection:
    """A section an app above tracker adds to a meeting's briefing pack, after tracker's own:
    its anchor and heading (for the contents), the template that renders it and what with
    (``section.context`` there), and whether it holds OFFICIAL-SENSITIVE material, which marks
    the whole pack so."""

    anchor: str
    heading: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    sensitive: bool = False


# Builds an app's section of the pack for the person, the meeting and the day, from what the
# person may see and in a fixed number of queries; None to add nothing.
PackBuilder = Callable[["AnyUser", Meeting, dt.date], "PackSection | None"]
PACK_BUILDERS: list[PackBuilder] = []


def register_pack_section(build: PackBuilder) -> None:
    """Add a section to every briefing pack (an app above calls it from its
    ``AppConfig.ready``, since tracker never imports it)."""
    if build not in PACK_BUILDERS:
        PACK_BUILDERS.append(build)


def pack_sections(user: AnyUser, meeting: Meeting, today: dt.date) -> list[PackSection]:
    """The sections the apps above add to this person's pack for the meeting, in the order
    they registered."""
    built = (build(user, meeting, today) for build in PACK_BUILDERS)
    return [section for section in built if section is not None]
