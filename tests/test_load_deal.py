"""A deal is data: ``load_deal FILE.yaml`` creates or updates a deal from one file, refuses a
file that breaks a rule whole (every key path and reason, nothing written), and the West
Midlands deal is such a file, which ``load_reference_data`` loads."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from accounts.models import User
from core.models import Deal
from missions.models import Area
from tracker import deal_file
from tracker.models import BodyMember, GovernanceBody, Milestone, Principle, Theme, Workstream

from .conftest import PASSWORD

NORTHFOLD = """\
name: Northfold Trailblazer Deal      # required
slug: northfold                       # required, unique
short_name: NTD
authority: Northfold Combined Authority
area: {code: E47000001, name: Northfold}
cadence: weekly
reporting_starts_on: 2027-01-04
themes:
  - name: Prosperity
    workstreams: [{name: Harbour Skills}, {name: Moorland Transport, flag: "*"}]
  - name: Places
    workstreams: [{name: Coastal Housing}]
bodies:
  - name: Northfold Officers Board
    kind: officer-group
    chain_start: true
    next: Northfold Strategy Group
    composition: Chief executives of the four councils
  - name: Northfold Strategy Group
    kind: strategy-group
    next: Northfold Board
    seats:
      - {position: Council leader, count: 4}
      - {position: Mayor, chair: true, for_authority: true}
  - {name: Northfold Board, kind: decision-board}
principles:
  - Every proposal draws powers down from government.
  - {slug: data, short_name: Data, question: "Can it be measured?", text: It is measured.}
timeline:
  - {name: Proposition agreed, when: Spring, starts_on: 2027-03-01, ends_on: 2027-05-31}
  - name: Deal announced
    when: Summer
    starts_on: 2027-06-01
    ends_on: 2027-08-31
    depends_on: [Proposition agreed]
"""


def write(tmp_path: Path, text: str, name: str = "northfold.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(path: Path) -> str:
    out = io.StringIO()
    call_command("load_deal", str(path), stdout=out)
    return out.getvalue()


def held() -> tuple[int, ...]:
    models = [Deal, Theme, Workstream, GovernanceBody, BodyMember, Milestone, Principle, Area]
    return tuple(model.objects.count() for model in models)


@pytest.mark.django_db
def test_a_second_deal_is_loaded_from_its_file_and_a_second_load_changes_nothing(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, NORTHFOLD)
    out = load(path)
    assert "NTD (northfold) loaded from" in out
    assert "tracker.Workstream              3 created,   0 updated,   0 unchanged" in out

    deal = Deal.objects.get(slug="northfold")
    assert (deal.name, deal.short_name, deal.area_code) == (
        "Northfold Trailblazer Deal",
        "NTD",
        "E47000001",
    )
    assert deal.combined_authority is not None
    assert deal.combined_authority.name == "Northfold Combined Authority"
    assert (deal.reporting_cadence, str(deal.reporting_starts_on)) == ("weekly", "2027-01-04")
    assert Area.objects.get(gss_code="E47000001").name == "Northfold"
    workstreams = Workstream.objects.filter(deal=deal).order_by("position")
    assert [(w.theme.name, w.name, w.can_proceed_outside_deal) for w in workstreams] == [
        ("Prosperity", "Harbour Skills", False),
        ("Prosperity", "Moorland Transport", True),
        ("Places", "Coastal Housing", False),
    ]
    chain = GovernanceBody.objects.get(deal=deal, is_chain_start=True)
    names = [chain.name]
    while chain.next_body is not None:
        chain = chain.next_body
        names.append(chain.name)
    assert names == ["Northfold Officers Board", "Northfold Strategy Group", "Northfold Board"]
    seats = BodyMember.objects.filter(body__deal=deal)
    assert seats.count() == 5 and seats.filter(is_chair=True, position="Mayor").count() == 1
    assert [p.slug for p in Principle.objects.filter(deal=deal).order_by("position")] == [
        "every-proposal-draws-powers-down-from-government",
        "data",
    ]
    announced = Milestone.objects.get(deal=deal, title="Deal announced")
    assert [m.title for m in announced.depends_on.all()] == ["Proposition agreed"]

    before = held()
    again = load(path)
    assert "NTD (northfold) unchanged from" in again
    assert " 0 created,   0 updated" in again and " 1 created" not in again
    assert held() == before


@pytest.mark.django_db
def test_a_changed_file_updates_the_deal_in_place(tmp_path: Path) -> None:
    load(write(tmp_path, NORTHFOLD))
    changed = NORTHFOLD.replace("{name: Coastal Housing}", "{name: Coastal Housing, flag: '*'}")
    load(write(tmp_path, changed.replace("short_name: NTD", "short_name: Northfold TD")))
    deal = Deal.objects.get(slug="northfold")
    assert deal.short_name == "Northfold TD"
    assert Workstream.objects.get(deal=deal, slug="coastal-housing").can_proceed_outside_deal
    assert Deal.objects.filter(slug="northfold").count() == 1


BROKEN = [
    ("name: Northfold Trailblazer Deal", "", "name: is required"),
    ("slug: northfold ", "slug: North Fold ", "slug: 'North Fold' does not match"),
    ("cadence: weekly", "cadence: daily", "cadence: 'daily' is not one of weekly, fortnightly"),
    ("cadence: weekly", "cadance: weekly", "cadance: is not a key here"),
    ("code: E47000001", "code: X47000001", "area.code: 'X47000001' does not match"),
    ("{name: Coastal Housing}", "{nmae: Coastal Housing}", "themes[1].workstreams[0].nmae: is not"),
    ("kind: strategy-group", "kind: committee", "bodies[1].kind: 'committee' is not one of"),
    ("count: 4}", "count: four}", "bodies[1].seats[0].count: 'four' is not of type 'integer'"),
    (
        "ends_on: 2027-05-31",
        "ends_on: 2027-02-30",
        "timeline[0].ends_on: '2027-02-30' is not a date",
    ),
    ("ends_on: 2027-05-31", "ends_on: 2027-02-28", "timeline[0].ends_on: is before starts_on"),
    (
        "next: Northfold Board",
        "next: The Board",
        "bodies[1].next: there is no body called 'The Board'",
    ),
    (
        "{name: Northfold Board, kind: decision-board}",
        "{name: Northfold Board, kind: decision-board, next: Northfold Officers Board}",
        "bodies[0].next: the chain from 'Northfold Officers Board' goes round in a circle",
    ),
    (
        "{name: Coastal Housing}",
        "{name: Harbour skills}",
        "themes[1].workstreams[0].name: another workstream has this name",
    ),
    (
        "depends_on: [Proposition agreed]",
        "depends_on: [Agreed]",
        "timeline[1].depends_on[0]: 'Agreed'",
    ),
    (
        "slug: data,",
        "slug: every-proposal-draws-powers-down-from-government,",
        "principles[1].slug:",
    ),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("old", "new", "problem"), BROKEN, ids=[c[2].split(":")[0] for c in BROKEN]
)
def test_a_file_that_breaks_a_rule_is_refused_with_its_key_path_and_nothing_is_written(
    tmp_path: Path, old: str, new: str, problem: str
) -> None:
    assert old in NORTHFOLD
    before = held()
    with pytest.raises(CommandError) as refused:
        load(write(tmp_path, NORTHFOLD.replace(old, new, 1)))
    message = str(refused.value)
    assert "was not loaded; nothing was written" in message
    assert problem in message, message
    assert held() == before


@pytest.mark.django_db
def test_every_problem_of_a_file_is_reported_at_once(tmp_path: Path) -> None:
    broken = NORTHFOLD.replace("cadence: weekly", "cadence: daily").replace(
        "kind: decision-board", "kind: board"
    )
    with pytest.raises(deal_file.DealFileError) as refused:
        deal_file.read(write(tmp_path, broken.replace("slug: northfold", "slug: Northfold")))
    assert len(refused.value.problems) == 3, refused.value.problems


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("name: [unclosed", "not YAML"),
        (
            "- a list\n- not a deal\n",
            "(the file): ['a list', 'not a deal'] is not of type 'object'",
        ),
        ("", "(the file): None is not of type 'object'"),
    ],
)
def test_a_file_that_is_not_a_deal_at_all_is_refused(
    tmp_path: Path, text: str, problem: str
) -> None:
    with pytest.raises(CommandError, match="nothing was written") as refused:
        load(write(tmp_path, text))
    assert problem in str(refused.value)
    assert not Deal.objects.exists()


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(deal_file.DealFileError, match="cannot be read"):
        deal_file.read(tmp_path / "nowhere.yaml")


def test_a_name_another_deal_has_is_refused(reference: Deal, tmp_path: Path) -> None:
    clash = NORTHFOLD.replace("name: Northfold Trailblazer Deal", f"name: {reference.name}")
    with pytest.raises(CommandError, match=f"name: another deal is called '{reference.name}'"):
        load(write(tmp_path, clash))


def test_the_west_midlands_deal_is_a_file_that_loads_as_the_reference_data(
    reference: Deal,
) -> None:
    assert [path.name for path in deal_file.files()] == ["wmca-tdd.yaml"]
    data = deal_file.read(deal_file.DEALS_DIR / "wmca-tdd.yaml")
    assert (data["slug"], data["area"]["code"]) == ("wmca-tdd", "E47000007")
    assert (reference.slug, reference.area_code) == ("wmca-tdd", "E47000007")
    assert Workstream.objects.filter(deal=reference).count() == 20
    assert "unchanged from" in load(deal_file.DEALS_DIR / "wmca-tdd.yaml")


def test_a_new_deal_from_a_file_gets_an_administrator_who_sees_only_it(
    reference: Deal, tmp_path: Path
) -> None:
    """Tried as a new user would: load the file, add its administrator, look at the API."""
    load(write(tmp_path, NORTHFOLD))
    call_command(
        "add_user",
        "nora@northfold.example.org",
        "--role",
        "admin",
        "--deal",
        "northfold",
        stdout=io.StringIO(),
    )
    nora = User.objects.get(email="nora@northfold.example.org")
    nora.set_password(PASSWORD)
    nora.save()
    api = APIClient()
    api.force_authenticate(nora)
    assert [d["slug"] for d in api.get("/api/v1/deals/").json()["results"]] == ["northfold"]
    names = {w["name"] for w in api.get("/api/v1/workstreams/").json()["results"]}
    assert names == {"Harbour Skills", "Moorland Transport", "Coastal Housing"}


def test_the_deal_file_gives_the_core_teams_contact_address(reference: Deal) -> None:
    # The sources give no address for the Core Team: the file's is a placeholder, named as one,
    # for the operator to replace.
    assert reference.contact_email == "tdd-core-team@example.invalid"


@pytest.mark.django_db
def test_a_contact_address_is_loaded_and_one_that_is_not_an_address_refused(
    tmp_path: Path,
) -> None:
    with_address = "slug: northfold\ncontact_email: team@northfold.example\n"
    load(write(tmp_path, NORTHFOLD.replace("slug: northfold", with_address, 1)))
    assert Deal.objects.get(slug="northfold").contact_email == "team@northfold.example"
    broken = NORTHFOLD.replace("slug: northfold", "slug: northfold\ncontact_email: nobody\n", 1)
    with pytest.raises(CommandError, match="contact_email"):
        load(write(tmp_path, broken, name="broken.yaml"))
