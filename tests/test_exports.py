"""The CSV and Excel exports and a meeting's briefing pack, tried as every persona: each export
in both formats holds the rows the person may see (a partner's only OFFICIAL ones), cells that
a spreadsheet would run as formulas come out as text, the files cost the same queries at ten
times the data, and the pack holds the overview, the agenda's proposals and the asks of the DSG
with the marking its contents call for, on A4 pages when printed."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.choices import Classification
from core.csv_files import neutralise
from core.models import Deal
from tracker import services
from tracker.choices import (
    AskType,
    BodyKind,
    DecisionOutcome,
    Direction,
    PrincipleAnswer,
    Rag,
    RiskStatus,
)
from tracker.exports import KINDS
from tracker.models import (
    Decision,
    GovernanceBody,
    Meeting,
    Principle,
    Proposal,
    Risk,
    StatusUpdate,
    Workstream,
)
from tracker.periods import deal_period, last_due_period
from tracker.selectors.governance import chain_of

from .conftest import People

OFFICIAL = Classification.OFFICIAL
SENSITIVE = Classification.OFFICIAL_SENSITIVE
WMCA_ROLES = ["admin", "lead", "other_lead", "sponsor", "dsg"]
PERSONAS = [*WMCA_ROLES, "partner"]
FORMATS = ["csv", "xlsx"]

# Words that appear only in OFFICIAL-SENSITIVE records: a partner must never meet them.
SENSITIVE_WORDS = [
    "Rail fares negotiating position",
    "Treasury may veto rail devolution",
    "Treasury red line on fares",
    "Agree the fallback on rail fares",
]
INJECTIONS = [
    '=HYPERLINK("http://evil.example","Click")',
    "+SUM(1,2)",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1,2)",
    "\t=1+1",
    "\r=1+1",
]


# --- The records ------------------------------------------------------------------------------


def _ws(people: People, slug: str) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug=slug)


def _proposal(people: People, title: str, classification: str, ws: str = "transport") -> Proposal:
    return services.proposal_create(
        workstream=_ws(people, ws),
        acting_user=people.admin,
        title=title,
        classification=classification,
        ask="A ten-year settlement for local buses.",
        ask_type=AskType.FUNDING,
    )


def _update(people: People, ws: str, days_ago: int | None = None, **kw: Any) -> StatusUpdate:
    """An update for the period of ``days_ago`` days back, or by default for the newest period
    whose due date has passed, so that the workstream is up to date whatever the day."""
    values = {"rag": Rag.GREEN, "direction": Direction.STABLE, "summary": "On track."} | kw
    today = timezone.localdate()
    period = (
        last_due_period(people.deal, today)
        if days_ago is None
        else deal_period(people.deal, today - dt.timedelta(days=days_ago))
    )
    return services.status_update_submit(
        workstream=_ws(people, ws), acting_user=people.admin, period=period, **values
    )


@dataclass
class Records:
    official: Proposal
    sensitive: Proposal
    meeting: Meeting  # held, with decisions on both proposals
    next_meeting: Meeting  # planned, with both proposals on its agenda


@pytest.fixture
def records(people: People) -> Records:
    first = chain_of(people.deal)[0]
    held = services.meeting_create(
        body=first, acting_user=people.admin, starts_at=timezone.now() - dt.timedelta(days=3)
    )
    official = _proposal(people, "Bus franchising settlement", OFFICIAL)
    sensitive = _proposal(people, SENSITIVE_WORDS[0], SENSITIVE)
    for proposal in (official, sensitive):
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
        services.decision_record(
            proposal=proposal,
            body=first,
            outcome=DecisionOutcome.REFERRED_BACK,
            notes="Show the costs year by year.",
            meeting=held,
            acting_user=people.admin,
        )
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
    upcoming = services.meeting_create(
        body=first, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=5)
    )
    services.risk_create(
        workstream=_ws(people, "transport"),
        acting_user=people.admin,
        title="Bus operators leave the market",
        likelihood=3,
        impact=4,
        owner=people.lead,
        classification=OFFICIAL,
    )
    services.risk_create(
        workstream=_ws(people, "transport"),
        acting_user=people.admin,
        title=SENSITIVE_WORDS[1],
        likelihood=4,
        impact=5,
        escalated_to_dsg=True,
        classification=SENSITIVE,
    )
    _update(people, "transport", 40, summary="Bus franchising consultation done.")
    _update(
        people,
        "transport",
        rag=Rag.AMBER,
        summary=SENSITIVE_WORDS[2],
        asks_of_dsg=SENSITIVE_WORDS[3],
        classification=SENSITIVE,
    )
    _update(
        people,
        "skills",
        rag=Rag.RED,
        summary="Adult skills funding formula not yet agreed with DfE.",
        asks_of_dsg="Escalate the funding formula to the SLT sponsor.",
    )
    return Records(official, sensitive, held, upcoming)


# --- Reading the files ------------------------------------------------------------------------


def _download(client: Client, kind: str, fmt: str, query: str = "") -> Any:
    return client.get(f"/exports/{kind}.{fmt}{query}")


def _rows(response: Any, fmt: str) -> list[list[Any]]:
    """Header row first, every cell as the spreadsheet would hold it ("" for an empty cell)."""
    if fmt == "csv":
        text = response.content.decode("utf-8-sig")
        return [list(row) for row in csv.reader(io.StringIO(text))]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]


def _column(rows: list[list[Any]], header: str) -> list[Any]:
    index = rows[0].index(header)
    return [row[index] for row in rows[1:]]


def _text(rows: list[list[Any]]) -> str:
    return "\n".join(str(v) for row in rows for v in row)


# --- The exports ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("role", PERSONAS)
def test_each_export_holds_the_rows_the_person_may_see(
    client: Client, people: People, records: Records, role: str, fmt: str
) -> None:
    client.force_login(people.all_roles()[role])
    sees_sensitive = role != "partner"
    proposals = _column(_rows(_download(client, "proposals", fmt), fmt), "Title")
    expected = {"Bus franchising settlement"} | ({SENSITIVE_WORDS[0]} if sees_sensitive else set())
    assert set(proposals) == expected

    decisions = _rows(_download(client, "decisions", fmt), fmt)
    assert sorted(_column(decisions, "Proposal")) == sorted(expected)
    assert set(_column(decisions, "Outcome")) == {"Referred back"}
    assert set(_column(decisions, "Notes")) == {"Show the costs year by year."}

    risks = _column(_rows(_download(client, "risks", fmt), fmt), "Title")
    expected_risks = {"Bus operators leave the market"}
    assert set(risks) == expected_risks | ({SENSITIVE_WORDS[1]} if sees_sensitive else set())

    workstreams = _rows(_download(client, "workstreams", fmt), fmt)
    active = Workstream.objects.filter(deal=people.deal, status="active").count()
    assert len(workstreams) == active + 1
    by_name = {row[1]: dict(zip(workstreams[0], row, strict=True)) for row in workstreams[1:]}
    transport, skills = by_name["Transport"], by_name["Skills"]
    assert skills["Current RAG"] == "Red"
    assert skills["Summary of the current update"].startswith("Adult skills funding formula")
    if sees_sensitive:
        assert (transport["Current RAG"], transport["Summary of the current update"]) == (
            "Amber",
            SENSITIVE_WORDS[2],
        )
    else:
        assert (transport["Current RAG"], transport["Summary of the current update"]) == (
            "Green",
            "Bus franchising consultation done.",
        )
    assert transport["Leads"] == "Alice Lead"
    assert transport["Sponsor"] == "Sue Sponsor"
    assert transport["Overdue"] == "No"
    assert by_name["Education"]["Overdue"] == "Yes"
    assert by_name["Education"]["Current RAG"] == "No update"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_a_partners_export_never_holds_a_sensitive_word(
    client: Client, people: People, records: Records, kind: str, fmt: str
) -> None:
    client.force_login(people.partner)
    text = _text(_rows(_download(client, kind, fmt), fmt))
    assert text  # the header at least
    for word in SENSITIVE_WORDS:
        assert word not in text
    assert "OFFICIAL-SENSITIVE" not in text
    client.force_login(people.dsg)
    dsg_text = _text(_rows(_download(client, kind, fmt), fmt))
    assert any(word in dsg_text for word in SENSITIVE_WORDS)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_decision_on_a_sensitive_proposal_is_not_in_a_partners_export(
    client: Client, people: People, records: Records, fmt: str
) -> None:
    client.force_login(people.partner)
    decisions = _rows(_download(client, "decisions", fmt), fmt)
    assert _column(decisions, "Proposal") == ["Bus franchising settlement"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(KINDS))
def test_someone_with_no_role_gets_no_export(
    client: Client, people: People, records: Records, kind: str, fmt: str
) -> None:
    client.force_login(people.nobody)
    assert _download(client, kind, fmt).status_code == 404
    client.logout()
    assert _download(client, kind, fmt).status_code == 302  # to sign in


def test_an_unknown_export_or_format_or_deal_is_not_found(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.dsg)
    assert _download(client, "minutes", "csv").status_code == 404
    assert _download(client, "risks", "pdf").status_code == 404
    assert _download(client, "risks", "csv", "?deal=no-such-deal").status_code == 404
    assert _download(client, "risks", "csv", f"?deal={people.deal.slug}").status_code == 200


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_files_are_named_and_typed_for_the_deal_the_records_and_the_day(
    client: Client, people: People, records: Records, kind: str
) -> None:
    client.force_login(people.dsg)
    day = timezone.localdate().isoformat()
    response = _download(client, kind, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # so that Excel reads it as UTF-8
    assert response["Content-Disposition"] == (f'attachment; filename="wmca-tdd-{kind}-{day}.csv"')
    response = _download(client, kind, "xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == (f'attachment; filename="wmca-tdd-{kind}-{day}.xlsx"')


def test_the_workbook_has_a_bold_frozen_header_readable_widths_and_real_dates(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.dsg)
    book = openpyxl.load_workbook(io.BytesIO(_download(client, "decisions", "xlsx").content))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert all(cell.font.bold for cell in sheet[1])
    assert not any(cell.font.bold for cell in sheet[2])
    assert sheet.column_dimensions["B"].width >= 30  # the proposal's title
    assert sheet.column_dimensions["A"].width >= 10
    date_cell, meeting_cell = sheet["A2"], sheet["E2"]
    assert date_cell.is_date and meeting_cell.is_date
    assert date_cell.value.date() == timezone.localdate(records.meeting.starts_at)
    assert meeting_cell.value.date() == timezone.localdate(records.meeting.starts_at)


def test_the_csv_writes_dates_as_iso_dates(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.dsg)
    rows = _rows(_download(client, "decisions", "csv"), "csv")
    assert set(_column(rows, "Date")) == {timezone.localdate(records.meeting.starts_at).isoformat()}


@pytest.mark.parametrize("value", INJECTIONS)
def test_a_cell_that_would_run_as_a_formula_is_prefixed_with_a_quote(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("Bus franchising") == "Bus franchising"
    assert neutralise("") == ""
    assert neutralise(-5) == -5  # numbers are numbers
    assert neutralise(None) is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_formulas_in_records_come_out_as_text(
    client: Client, people: People, records: Records, fmt: str
) -> None:
    for n, value in enumerate(INJECTIONS):
        services.risk_create(
            workstream=_ws(people, "skills"),
            acting_user=people.admin,
            title=f"{value} {n}",
            likelihood=1,
            impact=1,
            classification=OFFICIAL,
        )
    client.force_login(people.partner)
    response = _download(client, "risks", fmt)
    titles = set(_column(_rows(response, fmt), "Title"))
    for n, value in enumerate(INJECTIONS):
        assert f"'{value} {n}" in titles
    assert not any(str(t).startswith(("=", "+", "-", "@", "\t", "\r")) for t in titles)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        assert "f" not in {c.data_type for row in sheet.iter_rows() for c in row}  # no formula


# --- Query counts -----------------------------------------------------------------------------


def _grow(people: People, start: int, stop: int) -> None:
    """Proposals with a decision each, risks, and a status update for as many workstreams."""
    body = chain_of(people.deal)[0]
    workstreams = list(Workstream.objects.filter(deal=people.deal, status="active"))
    proposals = Proposal.objects.bulk_create(
        Proposal(
            deal=people.deal,
            workstream=workstreams[n % len(workstreams)],
            title=f"Grown proposal {n}",
            classification=SENSITIVE if n % 2 else OFFICIAL,
        )
        for n in range(start, stop)
    )
    Decision.objects.bulk_create(
        Decision(
            proposal=p, body=body, outcome=DecisionOutcome.NOTED, decided_on=timezone.localdate()
        )
        for p in proposals
    )
    Risk.objects.bulk_create(
        Risk(
            workstream=workstreams[n % len(workstreams)],
            title=f"Grown risk {n}",
            likelihood=1 + n % 5,
            impact=1 + n % 3,
            owner=people.lead,
            status=RiskStatus.OPEN,
            classification=SENSITIVE if n % 2 else OFFICIAL,
        )
        for n in range(start, stop)
    )
    period = deal_period(people.deal, timezone.localdate() - dt.timedelta(days=14))
    StatusUpdate.objects.bulk_create(
        StatusUpdate(
            workstream=workstreams[n],
            period_start=period.start,
            period_end=period.end,
            version=1,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary=f"Grown update {n}",
            asks_of_dsg=f"Grown ask {n}",
        )
        for n in range(start, min(stop, len(workstreams)))
        if not StatusUpdate.objects.filter(
            workstream=workstreams[n], period_start=period.start
        ).exists()
    )


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("role", ["dsg", "partner"])
def test_each_export_costs_the_same_queries_with_ten_times_the_data(
    client: Client,
    people: People,
    django_assert_max_num_queries: Any,
    kind: str,
    fmt: str,
    role: str,
) -> None:
    _grow(people, 0, 2)
    client.force_login(people.all_roles()[role])
    url = f"/exports/{kind}.{fmt}"
    small = _queries(client, url)
    _grow(people, 2, 20)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    rows = _rows(response, fmt)
    assert len(rows) > 10  # the larger data set is in the file


def test_the_pack_costs_the_same_queries_with_ten_times_the_data(
    client: Client, people: People, django_assert_max_num_queries: Any
) -> None:
    body = chain_of(people.deal)[0]
    meeting = services.meeting_create(
        body=body, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=5)
    )
    _grow(people, 0, 2)
    Proposal.objects.filter(title__startswith="Grown").update(
        stage="in_governance", awaiting_body=body, ask="An ask.", ask_type=AskType.DATA
    )
    services.agenda_sync(body)
    client.force_login(people.dsg)
    url = f"/meetings/{meeting.pk}/pack/"
    small = _queries(client, url)
    _grow(people, 2, 20)
    Proposal.objects.filter(title__startswith="Grown").update(
        stage="in_governance", awaiting_body=body, ask="An ask.", ask_type=AskType.DATA
    )
    services.agenda_sync(body)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    # Each on the agenda, and again among the agenda's proposals.
    assert response.content.decode().count("Grown proposal") == 40


# --- The exports page -------------------------------------------------------------------------


@pytest.mark.parametrize("role", PERSONAS)
def test_the_exports_page_links_every_download(client: Client, people: People, role: str) -> None:
    client.force_login(people.all_roles()[role])
    response = client.get("/exports/")
    assert response.status_code == 200
    html = response.content.decode()
    for kind in KINDS:
        for fmt in FORMATS:
            assert f'href="/exports/{kind}.{fmt}"' in html
    assert ("OFFICIAL records only" in html) == (role == "partner")


def test_the_exports_page_is_not_found_for_someone_with_no_role(
    client: Client, people: People
) -> None:
    client.force_login(people.nobody)
    assert client.get("/exports/").status_code == 404


# --- The briefing pack ------------------------------------------------------------------------


def _pack(client: Client, meeting: Meeting, query: str = "") -> Any:
    return client.get(f"/meetings/{meeting.pk}/pack/{query}")


def _answer_two_principles(people: People, proposal: Proposal) -> list[Principle]:
    principles = list(Principle.objects.filter(deal=people.deal).order_by("position"))
    services.principles_answer(
        proposal=proposal,
        acting_user=people.admin,
        answers={
            principles[0]: (PrincipleAnswer.YES, ""),
            principles[1]: (PrincipleAnswer.NO, "It sucks powers up."),
        },
    )
    return principles


def test_the_pack_gives_the_dsg_the_agenda_the_asks_and_the_overview(
    client: Client, people: People, records: Records
) -> None:
    principles = _answer_two_principles(people, records.official)
    client.force_login(people.dsg)
    response = _pack(client, records.next_meeting)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="marking">OFFICIAL-SENSITIVE<', html)
    # The agenda: both proposals, with their ask, stage and principles gaps.
    assert "Bus franchising settlement" in html
    assert SENSITIVE_WORDS[0] in html
    assert "A ten-year settlement for local buses." in html
    assert "In the governance chain" in html
    assert f"Answered no: {principles[1].short_name}" in html
    unanswered = "; ".join(p.short_name for p in principles[2:])
    assert f"Not answered: {unanswered}" in html
    # The asks of the DSG from the current updates, sensitive ones too.
    assert "Escalate the funding formula to the SLT sponsor." in html
    assert SENSITIVE_WORDS[3] in html
    # The overview: every active workstream, with its RAG and whether it is overdue.
    active = Workstream.objects.filter(deal=people.deal, status="active")
    for workstream in active:
        assert workstream.name.replace("&", "&amp;") in html
    assert "Overdue" in html and "Not signed off" in html


def test_the_pack_gives_a_partner_only_official_material(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.partner)
    response = _pack(client, records.next_meeting)
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'id="marking">OFFICIAL<', html)
    assert "OFFICIAL-SENSITIVE" not in html
    assert "Bus franchising settlement" in html
    assert "Escalate the funding formula to the SLT sponsor." in html
    for word in SENSITIVE_WORDS:
        assert word not in html


def test_the_pack_is_marked_official_when_nothing_in_it_is_sensitive(
    client: Client, people: People
) -> None:
    body = chain_of(people.deal)[0]
    meeting = services.meeting_create(
        body=body, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=5)
    )
    proposal = _proposal(people, "Bus franchising settlement", OFFICIAL)
    services.proposal_submit(proposal=proposal, acting_user=people.admin)
    _update(people, "skills", summary="Fine.", asks_of_dsg="Note the plan.")
    client.force_login(people.dsg)
    html = _pack(client, meeting).content.decode()
    assert re.search(r'id="marking">OFFICIAL<', html)
    assert "Bus franchising settlement" in html
    # One sensitive open risk in the counts makes the pack sensitive for the DSG.
    services.risk_create(
        workstream=_ws(people, "skills"),
        acting_user=people.admin,
        title="A sensitive risk",
        likelihood=2,
        impact=2,
        classification=SENSITIVE,
    )
    html = _pack(client, meeting).content.decode()
    assert re.search(r'id="marking">OFFICIAL-SENSITIVE<', html)


def test_the_pack_prints_on_a4_with_a_page_per_section_and_no_site_furniture(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.dsg)
    html = _pack(client, records.next_meeting).content.decode()
    style = re.search(r'<style media="print" nonce="[^"]+">(.*?)</style>', html, re.S)
    assert style is not None
    css = style.group(1)
    assert re.search(r"@page\s*{\s*size:\s*A4;\s*margin:", css)
    assert "break-before: page" in css
    assert ".app-no-print" in css and "display: none" in css
    assert 'a[href^="/"]::after' in css  # the tracker's own addresses are not printed
    # The overview, the last meeting, the agenda, its proposals, the asks with their answers,
    # the open actions and the risks.
    assert html.count('class="app-pack__section"') == 7
    # The download link and the printing instructions are not printed.
    assert re.search(r'<div class="app-no-print">\s*<div class="govuk-button-group">', html)
    assert "Print command" in html


def test_the_pack_downloads_as_the_same_html(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.dsg)
    page = _pack(client, records.next_meeting)
    download = _pack(client, records.next_meeting, "?download=1")
    assert download.status_code == 200
    assert download["Content-Type"] == "text/html; charset=utf-8"
    day = timezone.localdate(records.next_meeting.starts_at).isoformat()
    body = records.next_meeting.body.slug
    assert download["Content-Disposition"] == (
        f'attachment; filename="wmca-tdd-briefing-pack-{body}-{day}.html"'
    )
    assert f'href="/meetings/{records.next_meeting.pk}/pack/?download=1"' in page.content.decode()
    assert _without_csrf_token(page) == _without_csrf_token(download)


def _without_csrf_token(response: Any) -> str:
    """The page's HTML without the sign-out form's token and the print stylesheet's policy
    nonce, which differ on every response."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())
    return re.sub(r' nonce="[^"]*"', "", html)


def test_the_pack_is_not_found_for_an_unknown_meeting_or_another_deals(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.dsg)
    assert client.get("/meetings/999999/pack/").status_code == 404
    other = Deal.objects.create(name="Another deal", short_name="Other", slug="other-deal")
    body = GovernanceBody.objects.create(
        deal=other, name="Other board", slug="other-board", kind=BodyKind.DECISION_BOARD
    )
    meeting = Meeting.objects.create(body=body, starts_at=timezone.now() + dt.timedelta(days=1))
    assert _pack(client, meeting).status_code == 404
    # Asked for through another deal than its own, a meeting is not found either.
    assert _pack(client, records.next_meeting, "?deal=other-deal").status_code == 404
    client.force_login(people.nobody)
    assert _pack(client, records.next_meeting).status_code == 404


def _transport_row(html: str) -> tuple[str, ...]:
    """The pack overview's cells for Transport: RAG, its update, open risks, proposals."""
    row = re.search(r">Transport</a></th>(.*?)</tr>", html, re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return tuple(re.sub(r"<[^>]+>", "", c).strip() for c in cells)


@pytest.mark.parametrize("role", ["dsg", "partner"])
def test_the_packs_overview_counts_what_the_person_may_see(
    client: Client, people: People, records: Records, role: str
) -> None:
    client.force_login(people.all_roles()[role])
    html = _pack(client, records.next_meeting).content.decode()
    # The DSG sees the sensitive current update, risk and proposal; a partner the OFFICIAL
    # ones only. Neither update is signed off by the sponsor.
    assert _transport_row(html) == (
        ("Amber", "Not signed off", "2", "2")
        if role == "dsg"
        else ("Green", "Not signed off", "1", "1")
    )


def test_the_meeting_page_and_the_dashboards_lead_to_the_pack_and_the_exports(
    client: Client, people: People, records: Records
) -> None:
    client.force_login(people.dsg)
    meeting = client.get(f"/meetings/{records.next_meeting.pk}/").content.decode()
    assert f'href="/meetings/{records.next_meeting.pk}/pack/"' in meeting
    for url in ["/dashboard/", "/dashboard/pipeline/"]:
        assert 'href="/exports/"' in client.get(url).content.decode()


# --- Control characters -----------------------------------------------------------------------

# What text pasted from other programs brings: a spreadsheet (XML) can hold none of them.
CONTROLS = "\x01\x08\x0b\x0c\x1b\x1f"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_every_export_is_written_whatever_control_characters_the_database_holds(
    client: Client, people: People, records: Records, fmt: str
) -> None:
    """Text that reached the database with control characters (before they were refused, or
    by a route that skipped the checks) is exported without them, in every kind and format;
    an XLSX with one answered 500 for everyone."""
    Workstream.objects.filter(pk=_ws(people, "transport").pk).update(name=f"Trans{CONTROLS}port")
    Proposal.objects.filter(pk=records.official.pk).update(title=f"Bus{CONTROLS} franchising")
    StatusUpdate.objects.filter(workstream__slug="transport").update(summary=f"On{CONTROLS} track")
    client.force_login(people.admin)
    for kind in KINDS:
        response = _download(client, kind, fmt)
        assert response.status_code == 200, kind
        cells = [str(cell) for row in _rows(response, fmt) for cell in row]
        assert not [c for c in cells if re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", c)], kind
        assert {"Transport", "Bus franchising"} & set(cells), kind  # cleaned, not dropped
    proposals = [str(c) for row in _rows(_download(client, "proposals", fmt), fmt) for c in row]
    assert "Bus franchising" in proposals
