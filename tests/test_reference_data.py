"""The reference data says what the source documents say, and loading it twice changes nothing.

Expectations are read from the documents in ``data/sources`` and the ONS data file in ``data``,
so a typo in the reference data fails here rather than being copied into the test.
"""

from __future__ import annotations

import csv
import datetime
import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.utils.text import slugify

from core.choices import Cadence
from core.models import Deal, Organisation
from missions.choices import COVERAGE_MARKS, AreaLevel, Direction, Unit
from missions.models import Area, Indicator, IndicatorFramework, Metric, Mission
from tracker.choices import BodyKind, MilestoneStatus
from tracker.models import BodyMember, GovernanceBody, Milestone, Principle, Theme, Workstream

DATA = Path(__file__).resolve().parent.parent / "data"
SOURCES = DATA / "sources"
ONS_CSV = DATA / "ons_subnational_indicators_wmca_2022.csv"

pytestmark = pytest.mark.django_db

FOOTNOTE_MARKS = "¹²³⁴⁵⁶⁷⁸⁹⁰"
COUNT_LINE = re.compile(
    r"^(?P<label>\w+\.\w+)\s+(?P<created>\d+) created,\s+(?P<updated>\d+) updated"
)


# --- Reading the sources -----------------------------------------------------------------------


def source(prefix: str) -> str:
    (path,) = SOURCES.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def normalise(text: str) -> str:
    return " ".join(text.split())


def without_footnotes(text: str) -> str:
    """The text with footnotes (lines starting with a superscript number) taken out, so that a
    paragraph broken across a page reads on."""
    return re.sub(rf"^[{FOOTNOTE_MARKS}].*$", "", text, flags=re.MULTILINE)


def paragraph(text: str, number: int) -> str:
    """Numbered paragraph ``number`` of the scrutiny report, up to the next one."""
    # The missions quoted in paragraph 6 are numbered too, but in *italics*.
    match = re.search(
        rf"^{number}\. (?!\*)(.*?)(?=^{number + 1}\. (?!\*))", text, re.MULTILINE | re.DOTALL
    )
    assert match, f"paragraph {number} not found"
    return match.group(1)


SCRUTINY_REPORT = source("003")
STATEMENT = source("004")
PROSPECTUS = source("000")


def statement_sections() -> dict[int, tuple[str, str]]:
    """Mission number -> (heading, the section's text) from the 2024 Statement; the table of
    contents lines carry page numbers and do not match."""
    headings = list(re.finditer(r"^Mission (\d+): ([^\t.\n]+)$", STATEMENT, re.MULTILINE))
    sections = {}
    for here, after in zip(headings, [*headings[1:], None], strict=True):
        end = after.start() if after else len(STATEMENT)
        sections[int(here.group(1))] = (here.group(2), STATEMENT[here.end() : end])
    return sections


def metrics_part(number: int) -> str:
    """What the Statement says under a mission's "Metrics" heading."""
    _, section = statement_sections()[number]
    return section.split("\nMetrics\n", 1)[1]


def white_paper_missions() -> dict[int, str]:
    """Paragraph 6 of the scrutiny report: the 2022 missions, in *italics*."""
    items = re.findall(r"^\s*(\d+)\.\s+\*(.+?)\*\s*$", paragraph(SCRUTINY_REPORT, 6), re.MULTILINE)
    return {int(number): text for number, text in items}


def workstream_table() -> list[tuple[str, str, bool]]:
    """Paragraph 12's table as (theme, workstream, marked *), in the table's order."""
    table = SCRUTINY_REPORT.split("These are as follows:", 1)[1].split("**Indicates", 1)[0]
    rows, theme = [], ""
    for line in table.splitlines():
        if "\t" not in line:
            continue
        first, workstream = (cell.strip() for cell in line.split("\t", 1))
        theme = first or theme
        rows.append((theme, workstream.removeprefix("*"), workstream.startswith("*")))
    return rows


def timeline() -> list[tuple[str, str]]:
    """Paragraph 23's timeline as (period as written, activity), in order."""
    text = SCRUTINY_REPORT.split("\n23. ", 1)[1]
    entries, period = [], ""
    for line in text.splitlines():
        labelled = re.match(r"^\s*- (Now - May|June|July / August|Autumn):\s*(.*)$", line)
        if labelled:
            period = labelled.group(1)
            if labelled.group(2):
                entries.append((period, labelled.group(2).strip()))
        elif period and (item := re.match(r"^\s*- (.+)$", line)):
            entries.append((period, item.group(1).strip()))
    return entries


def report_date() -> datetime.date:
    match = re.search(r"^Date\t(.+)$", SCRUTINY_REPORT, re.MULTILINE)
    assert match
    return datetime.datetime.strptime(match.group(1).strip(), "%d %B %Y").date()


def ons_rows() -> list[dict[str, str]]:
    with ONS_CSV.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


# --- Loading -----------------------------------------------------------------------------------


def load() -> str:
    out = StringIO()
    call_command("load_reference_data", stdout=out)
    return out.getvalue()


def counts_in(output: str) -> dict[str, tuple[int, int]]:
    """Model label -> (created, updated) from the command's output."""
    return {
        m["label"]: (int(m["created"]), int(m["updated"]))
        for m in map(COUNT_LINE.match, output.splitlines())
        if m
    }


@pytest.fixture
def loaded() -> str:
    return load()


@pytest.fixture
def deal(loaded: str) -> Deal:
    return Deal.objects.get(slug="wmca-tdd")


def body(deal: Deal, name: str) -> GovernanceBody:
    return GovernanceBody.objects.get(deal=deal, name=name)


def snapshot() -> dict[str, list[dict]]:
    """Every row of every model in the apps the reference data touches."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for label in ("core", "accounts", "tracker", "missions")
        for model in apps.get_app_config(label).get_models()
    }


# --- Missions ----------------------------------------------------------------------------------


def test_there_are_twelve_missions_named_as_the_2024_statement_headings(loaded):
    headings = {number: heading for number, (heading, _) in statement_sections().items()}
    missions = {m.number: m for m in Mission.objects.all()}

    assert len(headings) == 12
    assert {n: m.short_name for n, m in missions.items()} == headings
    assert all(m.slug == slugify(m.short_name) for m in missions.values())


def test_each_mission_has_its_2022_and_2024_statements_and_only_the_2024_one_is_current(loaded):
    for mission in Mission.objects.all():
        statements = list(mission.statements.order_by("stated_on"))
        assert [s.stated_on for s in statements] == [
            datetime.date(2022, 2, 2),
            datetime.date(2024, 1, 25),
        ]
        assert [s.is_current for s in statements] == [False, True]
        assert statements[0].source.startswith("Levelling Up the United Kingdom (White Paper)")
        assert statements[1].source == "Statement of Levelling Up Missions, 25 January 2024"
    assert sum(m.statements.count() for m in Mission.objects.all()) == 24


def test_the_2022_statements_are_paragraph_6_of_the_scrutiny_report_without_the_italics(loaded):
    quoted = white_paper_missions()

    assert len(quoted) == 12
    for mission in Mission.objects.all():
        text = mission.statements.get(stated_on=datetime.date(2022, 2, 2)).text
        assert "*" not in text
        assert normalise(text) == normalise(quoted[mission.number])


def test_the_2024_statements_follow_their_headings_in_the_statement_without_footnote_marks(
    loaded,
):
    sections = statement_sections()
    for mission in Mission.objects.all():
        text = mission.statements.get(is_current=True).text
        first_paragraph = sections[mission.number][1].strip().split("\n\n", 1)[0]
        assert not set(text) & set(FOOTNOTE_MARKS)
        assert normalise(text) == normalise(first_paragraph.strip(FOOTNOTE_MARKS))


# --- Metrics -----------------------------------------------------------------------------------


def test_every_metric_is_named_in_its_missions_metrics_section(loaded):
    assert Metric.objects.count() == 28
    for metric in Metric.objects.select_related("mission"):
        assert metric.name in metrics_part(metric.mission.number), metric.name


def test_every_metrics_coverage_is_the_mark_that_follows_its_name_in_the_statement(loaded):
    for metric in Metric.objects.select_related("mission"):
        text = metrics_part(metric.mission.number)
        after_name = text[text.index(metric.name) + len(metric.name) :]
        mark = re.search(r"[*†‡]", after_name)
        assert mark, metric.name
        assert metric.coverage == COVERAGE_MARKS[mark.group()], metric.name


def test_each_coverage_mark_is_used_as_the_statement_uses_it(loaded):
    coverage = dict(Metric.objects.values_list("slug", "coverage"))

    assert coverage["gva-per-hour"] == "uk"
    assert coverage["public-transport-connectivity"] == "england-wales"
    assert coverage["public-transport-trips-proportion"] == "england"
    assert coverage["homicides"] == "england-wales"
    assert coverage["serious-violence"] == "england"


def test_metric_descriptions_and_geographies_are_the_statements_own_words(loaded):
    statement = normalise(without_footnotes(STATEMENT))
    for metric in Metric.objects.select_related("mission"):
        assert metric.description, metric.name
        for part in metric.description.split("\n\n"):
            assert normalise(part) in statement, metric.name
        section = normalise(statement_sections()[metric.mission.number][1])
        assert normalise(metric.geography) in section, metric.name


def test_metrics_are_measured_where_the_statement_says(loaded):
    geography = dict(Metric.objects.values_list("slug", "geography"))

    assert geography["gva-per-hour"] == "ITL1 areas"
    assert geography["hle-at-birth"].startswith("upper tier local authorities in England")
    assert geography["low-happiness"].startswith("lower tier local authority level in England")
    assert geography["anti-social-behaviour-perceived-problem"] == "police force area level"
    assert geography["population-with-local-devolution"] == ""


# --- Indicators --------------------------------------------------------------------------------


def test_the_statement_framework_has_one_indicator_per_metric_and_two_for_hle(loaded):
    framework = IndicatorFramework.objects.get(
        name="Statement of Levelling Up Missions 2024: headline metrics"
    )
    hle = Metric.objects.get(mission__number=7)

    assert framework.deal is None
    assert framework.source == "Statement of Levelling Up Missions, 25 January 2024"
    assert framework.indicators.count() == Metric.objects.count() + 1
    assert all(m.indicators.filter(framework=framework).exists() for m in Metric.objects.all())
    assert set(hle.indicators.values_list("code", flat=True)) == {
        "healthy_life_expectancy_female",
        "healthy_life_expectancy_male",
    }


def test_the_ons_data_files_indicator_codes_and_units_map_onto_the_statements_metrics(loaded):
    units = {row["indicator"]: row["unit"] for row in ons_rows()}
    mapped = Indicator.objects.filter(code__in=units).select_related("metric__mission")
    missions = {i.code: i.metric.mission.number for i in mapped}

    # The data file's README names these as the Statement's metrics for missions 1, 4 and 7.
    assert missions == {
        "gva_per_hour_worked": 1,
        "gross_median_weekly_pay": 1,
        "employment_rate_16_64": 1,
        "gigabit_broadband_premises_pct": 4,
        "healthy_life_expectancy_female": 7,
        "healthy_life_expectancy_male": 7,
    }
    for indicator in mapped:
        assert indicator.unit == units[indicator.code], indicator.code


def test_indicator_units_and_directions_fit_their_metrics(loaded):
    indicators = {i.code: i for i in Indicator.objects.all()}

    assert indicators["gross_median_weekly_pay"].unit == Unit.GBP
    assert indicators["gross_median_weekly_pay"].direction == Direction.HIGHER_IS_BETTER
    assert indicators["healthy_life_expectancy_male"].unit == Unit.YEARS
    for code in ("low_life_satisfaction", "low_worthwhile", "low_happiness", "high_anxiety"):
        assert indicators[code].unit == Unit.PERCENT
        assert indicators[code].direction == Direction.LOWER_IS_BETTER
    assert indicators["gigabit_broadband_premises_pct"].source == "Ofcom and Think Broadband"
    assert all(re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", code) for code in indicators)


def test_the_west_midlands_outcomes_framework_has_its_stated_size_and_no_invented_contents(deal):
    framework = IndicatorFramework.objects.get(name="West Midlands Outcomes Framework")
    stated = re.search(
        r"contains (\d+) headline indicators across (\d+) different themes", PROSPECTUS
    )

    assert stated
    assert framework.deal == deal
    assert framework.expected_indicator_count == int(stated.group(1))
    assert framework.expected_theme_count == int(stated.group(2))
    assert normalise(framework.description) in normalise(PROSPECTUS)
    assert framework.source == "West Midlands Levelling Up Growth Prospectus"
    assert framework.themes.count() == 0
    assert framework.indicators.count() == 0


# --- Areas -------------------------------------------------------------------------------------


def test_the_metropolitan_districts_are_the_ons_data_files_areas(loaded):
    in_file = {(row["area_code"], row["area_name"]) for row in ons_rows()}
    districts = Area.objects.filter(level=AreaLevel.METROPOLITAN_DISTRICT)

    assert set(districts.values_list("gss_code", "name")) == in_file
    assert len(in_file) == 7
    assert {d.parent.gss_code for d in districts} == {"E47000007"}


def test_areas_nest_from_the_districts_up_to_the_united_kingdom(loaded):
    chain = []
    area = Area.objects.get(name="Birmingham").parent
    while area:
        chain.append((area.gss_code, area.name, area.level))
        area = area.parent

    assert chain == [
        ("E47000007", "West Midlands Combined Authority", AreaLevel.COMBINED_AUTHORITY),
        ("E12000005", "West Midlands", AreaLevel.REGION),
        ("E92000001", "England", AreaLevel.COUNTRY),
        ("K02000001", "United Kingdom", AreaLevel.COUNTRY),
    ]
    assert Area.objects.count() == 11


# --- The deal, its themes and workstreams ------------------------------------------------------


def test_the_deal_is_the_west_midlands_trailblazer_described_by_paragraph_8(deal):
    assert deal.name == "West Midlands Trailblazer Devolution Deal"
    assert deal.short_name == "WM TDD"
    assert deal.combined_authority.name == "West Midlands Combined Authority"
    assert deal.combined_authority.kind == "combined-authority"
    assert deal.source == "WMCA Overview & Scrutiny Committee report, 7 March 2022"
    assert deal.reporting_cadence == Cadence.FORTNIGHTLY
    # Reporting periods are counted from the report's own date, 7 March 2022 (a Monday).
    assert deal.reporting_starts_on == datetime.date(2022, 3, 7)
    assert normalise(deal.description) == normalise(paragraph(SCRUTINY_REPORT, 8))


def test_the_five_themes_are_the_tables_themes_in_order(deal):
    table_themes = list(dict.fromkeys(theme for theme, _, _ in workstream_table()))

    assert len(table_themes) == 5
    assert list(deal.themes.order_by("position").values_list("name", flat=True)) == table_themes


def test_the_twenty_workstreams_sit_under_their_themes_in_the_tables_order(deal):
    loaded_rows = [
        (w.theme.name, w.name, w.can_proceed_outside_deal)
        for w in Workstream.objects.filter(deal=deal).select_related("theme")
    ]

    assert len(loaded_rows) == 20
    assert loaded_rows == workstream_table()
    assert all(w.slug == slugify(w.name) for w in deal.workstreams.all())


def test_the_three_workstreams_marked_with_an_asterisk_can_proceed_outside_the_deal(deal):
    marked = {name for _, name, starred in workstream_table() if starred}
    flagged = set(
        deal.workstreams.filter(can_proceed_outside_deal=True).values_list("name", flat=True)
    )

    assert flagged == marked
    assert flagged == {"WM Smart City Region", "UKSPF (Multiply)", "Housing, regen and planning"}


# --- Governance --------------------------------------------------------------------------------


def test_work_flows_up_from_the_core_team_and_the_slt_to_the_wmca_board(deal):
    chain = []
    current = GovernanceBody.objects.get(deal=deal, is_chain_start=True)
    while current:
        chain.append((current.name, current.kind))
        current = current.next_body

    assert chain == [
        ("TDD Core Team", BodyKind.OFFICER_GROUP),
        ("Strategic Leadership Team", BodyKind.LEADERSHIP_TEAM),
        ("Senior Local Authority Officers Group", BodyKind.OFFICER_GROUP),
        ("Devolution Strategy Group", BodyKind.STRATEGY_GROUP),
        ("High Level Negotiating Team", BodyKind.NEGOTIATING_TEAM),
        ("WMCA Board", BodyKind.DECISION_BOARD),
    ]
    for name, _ in chain:
        assert name in normalise(SCRUTINY_REPORT)


def test_every_bodys_remit_and_composition_are_the_reports_words(deal):
    report = normalise(SCRUTINY_REPORT).casefold()
    for each in deal.bodies.all():
        assert each.remit, each.name
        for part in each.remit.split("\n\n"):
            assert normalise(part).casefold() in report, each.name
        assert normalise(each.composition).casefold() in report, each.name


def test_the_devolution_strategy_group_has_the_ten_seats_paragraph_19_describes(deal):
    dsg = body(deal, "Devolution Strategy Group")
    stated = re.search(
        r"formed of the (\d+) Met Chief Execs, (\d+) Non-con Chief Exec, plus (\d+) WMCA Exec "
        r"Directors",
        SCRUTINY_REPORT,
    )
    seats = list(dsg.members.values_list("position", flat=True))

    assert stated
    assert dsg.composition == "7 Met Chief Execs, 1 Non-con Chief Exec, plus 2 WMCA Exec Directors"
    assert seats.count("Metropolitan chief executive") == int(stated.group(1))
    assert seats.count("Non-constituent authority chief executive") == int(stated.group(2))
    assert seats.count("WMCA executive director") == int(stated.group(3))
    assert len(seats) == 10
    assert not dsg.members.filter(user__isnull=False).exists()
    assert not dsg.members.exclude(name="").exists()


def test_the_high_level_negotiating_team_is_the_mayor_in_the_chair_and_up_to_three_leaders(deal):
    team = body(deal, "High Level Negotiating Team")
    stated = re.search(
        r"led by the mayor together with up to (\d+) local authority leaders", SCRUTINY_REPORT
    )

    assert stated
    assert list(team.members.filter(is_chair=True).values_list("position", flat=True)) == ["Mayor"]
    assert team.members.filter(position="Local authority leader").count() == int(stated.group(1))
    assert team.members.count() == int(stated.group(1)) + 1


def test_no_final_deal_is_agreed_without_the_wmca_board(deal):
    board = body(deal, "WMCA Board")
    rule = "No final deal will be agreed without the endorsement of the WMCA Board."

    assert rule in SCRUTINY_REPORT
    assert rule in board.remit
    assert board.next_body is None


def test_the_mayor_and_portfolio_leads_meet_outside_the_chain_in_no_bodys_place(deal):
    liaison = body(deal, "Mayor and Portfolio Leads Liaison Meeting")

    assert "Mayor and Portfolio Leads Liaison Meeting" in SCRUTINY_REPORT
    # Its meetings "update about the TDD process and discuss any immediate policy issues"
    # while the Board does not meet: the report does not have it decide in the Board's place.
    assert liaison.stands_in_for is None
    assert not deal.bodies.filter(stands_in_for__isnull=False).exists()
    assert liaison.kind == BodyKind.LEADERSHIP_TEAM
    assert liaison.next_body is None
    assert not liaison.is_chain_start
    assert not liaison.previous_bodies.exists()


def test_government_has_its_own_co_ordinating_group_outside_the_chain(deal):
    group = deal.bodies.get(kind=BodyKind.GOVERNMENT_GROUP)

    assert "co-ordinating group in government" in group.remit
    assert group.next_body is None
    assert not group.previous_bodies.exists()


def test_the_thematic_boards_paragraph_16_names_feed_the_core_team(deal):
    core_team = body(deal, "TDD Core Team")
    paragraph_16 = normalise(paragraph(SCRUTINY_REPORT, 16)).casefold()
    feeders = core_team.previous_bodies.all()

    assert feeders.count() == 5
    assert {f.kind for f in feeders} == {BodyKind.THEMATIC_BOARD, BodyKind.OFFICER_GROUP}
    for feeder in feeders:
        assert feeder.name.casefold() in paragraph_16, feeder.name
    assert deal.bodies.count() == 13


# --- Timeline ----------------------------------------------------------------------------------


def test_the_milestones_are_paragraph_23s_timeline_word_for_word(deal):
    milestones = Milestone.objects.filter(deal=deal).order_by("position")

    assert [(m.when_label, m.title) for m in milestones] == timeline()
    assert milestones.count() == 6


def test_the_milestones_are_dated_from_the_reports_date_in_2022(deal):
    spans = {m.when_label: (m.starts_on, m.ends_on) for m in Milestone.objects.filter(deal=deal)}

    assert spans == {
        "Now - May": (report_date(), datetime.date(2022, 5, 31)),
        "June": (datetime.date(2022, 6, 1), datetime.date(2022, 6, 30)),
        "July / August": (datetime.date(2022, 7, 1), datetime.date(2022, 8, 31)),
        "Autumn": (datetime.date(2022, 9, 1), datetime.date(2022, 11, 30)),
    }
    assert report_date() == datetime.date(2022, 3, 7)


def test_a_milestone_waits_for_the_one_before_it_from_the_proposition_to_the_fiscal_event(deal):
    titles = [title for _, title in timeline()]
    needs = {
        m.title: sorted(d.title for d in m.depends_on.all())
        for m in Milestone.objects.filter(deal=deal)
    }

    assert needs == {
        titles[0]: [],
        titles[1]: [],
        titles[2]: [],
        titles[3]: [titles[0]],  # the Proposition goes to the Board once it is developed
        titles[4]: [titles[3]],
        titles[5]: [titles[4]],
    }


def test_milestone_dependencies_are_set_on_the_first_load_only(deal):
    by_title = {m.title: m for m in Milestone.objects.filter(deal=deal)}
    titles = [title for _, title in timeline()]
    to_the_board = by_title[titles[3]]
    to_the_board.depends_on.set([by_title[titles[1]]])  # an administrator's judgement
    by_title[titles[5]].depends_on.clear()

    load()

    assert [m.title for m in to_the_board.depends_on.all()] == [titles[1]]
    assert not by_title[titles[5]].depends_on.exists()


# --- Principles (paragraph 10) -----------------------------------------------------------------


def principles_in_paragraph_10() -> list[str]:
    """The bulleted principles of paragraph 10, each as one line of text."""
    bullets = re.findall(r"^\s*- (.+)$", paragraph(SCRUTINY_REPORT, 10), re.MULTILINE)
    return [normalise(bullet) for bullet in bullets]


def test_the_six_principles_are_paragraph_10s_word_for_word_in_its_order(deal):
    principles = list(Principle.objects.filter(deal=deal).order_by("position"))

    assert len(principles_in_paragraph_10()) == 6
    assert [normalise(p.text) for p in principles] == principles_in_paragraph_10()
    assert [p.position for p in principles] == [1, 2, 3, 4, 5, 6]
    for principle in principles:
        assert principle.short_name and principle.question.endswith("?")
        assert principle.slug == slugify(principle.slug)
    assert Principle.objects.count() == 6


def test_the_principles_ask_what_the_issue_asks_of_each_proposal(deal):
    questions = " ".join(p.question.casefold() for p in Principle.objects.filter(deal=deal))

    for words in (
        "levelling up missions",
        "local authorities and wider stakeholders",
        "private sector support",
        "double-devolution",
        "draw powers down from government, rather than up from local authorities",
        "shown with data",
    ):
        assert words in questions, words


def test_loading_again_keeps_one_set_of_principles_and_restores_their_words(deal):
    Principle.objects.filter(deal=deal, position=1).update(text="Anything goes.")

    counts = counts_in(load())
    load()

    assert counts["tracker.Principle"] == (0, 1)
    assert Principle.objects.count() == 6
    assert (
        normalise(Principle.objects.get(deal=deal, position=1).text)
        == (principles_in_paragraph_10()[0])
    )


# --- Loading again -----------------------------------------------------------------------------


def test_the_first_load_reports_what_it_created(loaded):
    counts = counts_in(loaded)

    assert counts["missions.Mission"] == (12, 0)
    assert counts["tracker.Workstream"] == (20, 0)
    assert counts["tracker.BodyMember"] == (14, 0)
    assert "Reference data loaded" in loaded


def test_loading_twice_changes_no_row_and_reports_nothing_created_or_updated(loaded):
    before = snapshot()
    second = load()

    assert snapshot() == before
    counts = counts_in(second)
    assert len(counts) >= 13
    assert set(counts.values()) == {(0, 0)}
    assert "Reference data loaded: 0 created, 0 updated," in second


def test_loading_again_puts_back_a_changed_value_and_says_so(loaded):
    Mission.objects.filter(number=3).update(short_name="Buses")

    counts = counts_in(load())

    assert Mission.objects.get(number=3).short_name == "Transport"
    assert counts["missions.Mission"] == (0, 1)


def test_loading_again_keeps_what_administrators_own(deal):
    dsg = body(deal, "Devolution Strategy Group")
    seat = dsg.members.filter(position="Metropolitan chief executive").order_by("pk").first()
    seat.name = "A Chief Executive"
    seat.save()
    BodyMember.objects.create(body=dsg, position="Observer", name="An Observer")
    Deal.objects.filter(pk=deal.pk).update(reporting_cadence=Cadence.MONTHLY)
    Milestone.objects.filter(deal=deal, when_label="June").update(status=MilestoneStatus.DONE)

    load()

    assert dsg.members.count() == 11
    assert dsg.members.filter(name="A Chief Executive").count() == 1
    assert dsg.members.filter(name="An Observer").count() == 1
    assert dsg.members.filter(position="Metropolitan chief executive").count() == 7
    assert Deal.objects.get(pk=deal.pk).reporting_cadence == Cadence.MONTHLY
    assert Milestone.objects.get(deal=deal, when_label="June").status == MilestoneStatus.DONE


def test_a_missing_seat_is_put_back_without_duplicating_the_others(deal):
    team = body(deal, "High Level Negotiating Team")
    team.members.filter(position="Local authority leader").first().delete()

    counts = counts_in(load())

    assert team.members.filter(position="Local authority leader").count() == 3
    assert counts["tracker.BodyMember"] == (1, 0)


def test_reference_data_is_never_marked_as_demonstration_data(loaded):
    for model in apps.get_models():
        if any(f.name == "is_demo" for f in model._meta.get_fields()):
            assert not model._default_manager.filter(is_demo=True).exists(), model
    assert Organisation.objects.count() == 1
    assert Theme.objects.count() == 5
