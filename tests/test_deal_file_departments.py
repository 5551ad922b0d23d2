"""Government departments are reference data from the deal's file, under the names and
abbreviations GOV.UK gives them today; the names the sources knew them by are kept with them.
Loading is idempotent, matches a department on its abbreviation (so a renamed department keeps
its talks) and takes over a department the demo had made for itself."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.models import Deal
from tracker import deal_file
from tracker.choices import AskType
from tracker.models import GovernmentDepartment, NegotiationEntry, Proposal, Workstream

FILE = """\
name: Northfold Trailblazer Deal
slug: northfold
short_name: NTD
authority: Northfold Combined Authority
area: {{code: E47000001, name: Northfold}}
themes:
  - name: Prosperity
    workstreams: [{{name: Harbour Skills}}]
departments:
{departments}
"""
TODAY = """\
  - {name: "Ministry of Housing, Communities and Local Government", abbreviation: MHCLG,
     formerly: "Department for Levelling Up, Housing and Communities (DLUHC)"}
  - {name: "Department for Culture, Media and Sport", abbreviation: DCMS}
  - {name: Home Office}"""


def load(tmp_path: Path, departments: str) -> str:
    path = tmp_path / "northfold.yaml"
    path.write_text(FILE.format(departments=departments), encoding="utf-8")
    out = io.StringIO()
    call_command("load_deal", str(path), stdout=out)
    return out.getvalue()


def departments(deal: Deal | str) -> list[tuple[str, str, str, bool]]:
    rows = GovernmentDepartment.objects.filter(
        deal__slug=deal if isinstance(deal, str) else deal.slug
    )
    return [(d.name, d.abbreviation, d.formerly, d.is_demo) for d in rows.order_by("name")]


def test_the_west_midlands_departments_have_their_names_of_today_and_the_sources_old_ones(
    reference: Deal,
) -> None:
    by_abbreviation = {
        d.abbreviation or d.name: d for d in GovernmentDepartment.objects.filter(deal=reference)
    }

    assert by_abbreviation["MHCLG"].name == (
        "Ministry of Housing, Communities and Local Government"
    )
    # The 2024 Statement of Levelling Up Missions is published under the department's old name.
    assert "Department for Levelling Up, Housing and Communities (DLUHC)" in (
        by_abbreviation["MHCLG"].formerly
    )
    # The report's "Net Zero (BEIS)" workstream: BEIS's energy brief is DESNZ's today.
    assert by_abbreviation["DESNZ"].name == "Department for Energy Security and Net Zero"
    assert "(BEIS)" in by_abbreviation["DESNZ"].formerly
    assert by_abbreviation["DCMS"].name == "Department for Culture, Media and Sport"
    assert by_abbreviation["DfT"].name == "Department for Transport"
    assert by_abbreviation["HMT"].name == "HM Treasury"
    assert by_abbreviation["Home Office"].abbreviation == ""
    assert not any(d.is_demo for d in by_abbreviation.values())
    assert not {"DLUHC", "BEIS", "DIT"} & set(by_abbreviation)
    assert len(by_abbreviation) == len(
        deal_file.read(deal_file.DEALS_DIR / "wmca-tdd.yaml")["departments"]
    )


@pytest.mark.django_db
def test_departments_load_once_and_a_second_load_writes_nothing(tmp_path: Path) -> None:
    out = load(tmp_path, TODAY)
    assert "tracker.GovernmentDepartment    3 created,   0 updated,   0 unchanged" in out

    again = load(tmp_path, TODAY)

    assert "tracker.GovernmentDepartment    0 created,   0 updated,   3 unchanged" in again
    assert departments("northfold") == [
        ("Department for Culture, Media and Sport", "DCMS", "", False),
        ("Home Office", "", "", False),
        (
            "Ministry of Housing, Communities and Local Government",
            "MHCLG",
            "Department for Levelling Up, Housing and Communities (DLUHC)",
            False,
        ),
    ]


@pytest.mark.django_db
def test_a_renamed_department_keeps_its_row_and_its_talks_and_the_demo_s_becomes_reference(
    tmp_path: Path,
) -> None:
    load(tmp_path, "  - {name: Home Office}")
    deal = Deal.objects.get(slug="northfold")
    # What an installation had before: the demo's department under its 2022 name, and a talk.
    old = GovernmentDepartment.objects.create(
        deal=deal,
        name="Department for Digital, Culture, Media and Sport",
        abbreviation="DCMS",
        is_demo=True,
    )
    proposal = Proposal.objects.create(
        deal=deal,
        workstream=Workstream.objects.get(deal=deal),
        title="Harbour heritage fund",
        ask="Fund it.",
        ask_type=AskType.FUNDING,
    )
    talk = NegotiationEntry.objects.create(
        proposal=proposal,
        department=old,
        held_on=dt.date(2022, 6, 1),
        summary="Met.",
        attendees="Officials",
    )

    load(tmp_path, TODAY)

    talk.refresh_from_db()
    assert talk.department_id == old.pk
    assert talk.department.name == "Department for Culture, Media and Sport"
    assert not talk.department.is_demo
    assert GovernmentDepartment.objects.filter(deal=deal).count() == 3


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("departments_text", "problem"),
    [
        (
            "  - {name: Home Office}\n  - {name: Home Office, abbreviation: HO}",
            "departments[1].name: another item of departments has this name",
        ),
        (
            "  - {name: Home Office, abbreviation: HO}\n"
            "  - {name: Cabinet Office, abbreviation: HO}",
            "departments[1].abbreviation: another item of departments has this abbreviation",
        ),
        ("  - {name: Home Office, abbreviation: ''}", "departments[0].abbreviation:"),
        ("  - {abbreviation: HO}", "departments[0].name: is required"),
        ("  - {name: Home Office, formerly_known: x}", "departments[0].formerly_known: is not"),
    ],
)
def test_a_file_that_names_a_department_twice_or_wrongly_is_refused(
    tmp_path: Path, departments_text: str, problem: str
) -> None:
    with pytest.raises(CommandError) as refused:
        load(tmp_path, departments_text)

    assert problem in str(refused.value), str(refused.value)
    assert not GovernmentDepartment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("home_office", "added"),
    [
        # The Home Office has the abbreviation the file gives the Cabinet Office: both entries
        # would be the one row.
        ("CO", "  - {name: Cabinet Office, abbreviation: CO}"),
        # The file renames the DCMS to the name the deal's Home Office has.
        ("", "  - {name: Home Office, abbreviation: DCMS}"),
    ],
)
def test_a_file_that_would_make_two_departments_one_is_refused_and_writes_nothing(
    tmp_path: Path, home_office: str, added: str
) -> None:
    load(tmp_path, TODAY)
    deal = Deal.objects.get(slug="northfold")
    GovernmentDepartment.objects.filter(deal=deal, name="Home Office").update(
        abbreviation=home_office
    )
    before = departments(deal)
    listed = TODAY.replace("  - {name: Home Office}", "  - {name: Home Office}\n" + added)
    if "DCMS}" in added:
        listed = listed.replace(
            '  - {name: "Department for Culture, Media and Sport", abbreviation: DCMS}\n', ""
        ).replace("  - {name: Home Office}\n", "")

    with pytest.raises(CommandError) as refused:
        load(tmp_path, listed)

    assert "departments[" in str(refused.value) and "rename" in str(refused.value)
    assert departments(deal) == before
