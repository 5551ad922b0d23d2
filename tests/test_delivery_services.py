"""Provisions and delivery reports through the services: who may write, the reporting rules,
revisions within a period, and importing a deal's provisions from a CSV file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.choices import Classification
from core.errors import StaleEdit
from core.models import Organisation
from delivery import services
from delivery.choices import Confidence, DeliveryState, ProvisionKind
from delivery.models import Provision, ProvisionReport
from tracker import services as tracker_services
from tracker.models import GovernmentDepartment, Workstream
from tracker.periods import Period

from .conftest import People

MAY = Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31), dt.date(2026, 5, 29))
JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30), dt.date(2026, 6, 26))


def transport(people: People) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug="transport")


def make(people: People, reference: str = "4.12", **fields: object) -> Provision:
    values = {
        "reference": reference,
        "chapter": "Transport",
        "title": "Bus franchising",
        "text": "Government will support the authority's franchising of bus services.",
        "workstream": transport(people),
        "kind": ProvisionKind.POWER,
        "classification": Classification.OFFICIAL,
    } | fields
    return services.provision_create(deal=people.deal, acting_user=people.admin, **values)


def submit(people: People, provision: Provision, **fields: object) -> ProvisionReport:
    values = {
        "state": DeliveryState.IN_PROGRESS,
        "confidence": Confidence.GREEN,
        "narrative": "On track.",
        "period": MAY,
    } | fields
    return services.report_submit(provision=provision, acting_user=people.lead, **values)


# --- Provisions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_administrator_adds_and_changes_a_provision_with_its_links(people: People) -> None:
    proposal = tracker_services.proposal_create(
        workstream=transport(people),
        acting_user=people.admin,
        title="Bus franchising powers",
        classification=Classification.OFFICIAL,
    )
    provision = make(people, proposals=[proposal])
    assert list(provision.proposals.all()) == [proposal]
    changed = services.provision_update(
        provision=provision, acting_user=people.admin, title="Bus franchising, phase 1"
    )
    assert (changed.title, changed.revision) == ("Bus franchising, phase 1", 2)
    assert changed.history.count() >= 2


@pytest.mark.django_db
def test_nobody_but_an_administrator_adds_or_changes_a_provision(people: People) -> None:
    provision = make(people)
    for name, user in people.all_roles().items():
        if name == "admin":
            continue
        with pytest.raises(PermissionDenied):
            services.provision_create(deal=people.deal, acting_user=user, reference="9.9")
        with pytest.raises(PermissionDenied):
            services.provision_update(provision=provision, acting_user=user, title="Mine")


@pytest.mark.django_db
def test_a_provision_edited_from_a_stale_copy_is_refused_with_what_changed(
    people: People,
) -> None:
    provision = make(people)
    services.provision_update(provision=provision, acting_user=people.admin, title="New title")
    with pytest.raises(StaleEdit) as stale:
        services.provision_update(
            provision=provision, acting_user=people.admin, expected_revision=1, chapter="Other"
        )
    assert [c.field for c in stale.value.changes] == []  # the chapter is unchanged since
    assert Provision.objects.get().chapter == "Transport"


@pytest.mark.django_db
def test_a_duplicate_reference_is_refused(people: People) -> None:
    make(people)
    with pytest.raises(ValidationError, match="already has a provision"):
        make(people)


@pytest.mark.django_db
def test_a_merged_workstreams_provisions_move_to_the_survivor(people: People) -> None:
    provision = make(people)
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    tracker_services.workstream_merge(
        workstream=transport(people), into=skills, acting_user=people.admin
    )
    provision.refresh_from_db()
    assert provision.workstream == skills


# --- Reports ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_lead_reports_and_the_baseline_is_the_first_forecast(people: People) -> None:
    provision = make(people)
    first = submit(people, provision, forecast_on=dt.date(2027, 3, 31))
    assert (first.baseline_on, first.forecast_on, first.author) == (
        dt.date(2027, 3, 31),
        dt.date(2027, 3, 31),
        people.lead,
    )
    later = submit(
        people,
        provision,
        period=JUNE,
        confidence=Confidence.AMBER,
        narrative="The consultation slipped by a quarter.",
        forecast_on=dt.date(2027, 6, 30),
        forecast_reason="The consultation slipped.",
    )
    assert (later.baseline_on, later.forecast_on) == (dt.date(2027, 3, 31), dt.date(2027, 6, 30))


@pytest.mark.django_db
def test_only_the_lead_of_its_workstream_or_an_administrator_reports(people: People) -> None:
    provision = make(people)
    for name, user in people.all_roles().items():
        if name in ("lead", "admin"):
            submit(people, provision) if name == "lead" else services.report_submit(
                provision=provision,
                acting_user=user,
                state=DeliveryState.IN_PROGRESS,
                confidence=Confidence.GREEN,
                narrative="Still on track.",
                period=MAY,
            )
            continue
        with pytest.raises(PermissionDenied):
            services.report_submit(
                provision=provision,
                acting_user=user,
                state=DeliveryState.IN_PROGRESS,
                confidence=Confidence.GREEN,
                narrative="Mine.",
                period=MAY,
            )


@pytest.mark.django_db
def test_a_rating_below_green_must_be_explained(people: People) -> None:
    provision = make(people)
    for confidence in (Confidence.AMBER_GREEN, Confidence.RED):
        with pytest.raises(ValidationError) as error:
            submit(people, provision, confidence=confidence, narrative="  ")
        assert "Explain why delivery confidence is" in str(error.value)
    with pytest.raises(ValidationError, match="Enter a narrative"):
        submit(people, provision, narrative="")
    assert not ProvisionReport.objects.exists()


@pytest.mark.django_db
def test_a_forecast_that_moves_needs_a_reason(people: People) -> None:
    provision = make(people)
    submit(people, provision, forecast_on=dt.date(2027, 3, 31))
    with pytest.raises(ValidationError) as error:
        submit(people, provision, period=JUNE, forecast_on=dt.date(2027, 9, 30))
    assert error.value.message_dict == {
        "forecast_reason": ["Say why the forecast moved from 31 March 2027 to 30 September 2027"]
    }
    # An unchanged forecast needs no reason.
    submit(people, provision, period=JUNE, forecast_on=dt.date(2027, 3, 31))


@pytest.mark.django_db
def test_a_second_report_in_a_period_revises_it_and_a_stale_one_is_refused(
    people: People,
) -> None:
    provision = make(people)
    first = submit(people, provision, based_on_revision=0)
    revised = submit(people, provision, narrative="Revised.", based_on_revision=1)
    assert (revised.pk, revised.revision, revised.narrative) == (first.pk, 2, "Revised.")
    with pytest.raises(StaleEdit) as stale:
        submit(people, provision, narrative="From the old copy.", based_on_revision=1)
    assert [c.field for c in stale.value.changes] == ["narrative"]
    with pytest.raises(StaleEdit):
        submit(people, provision, narrative="As if new.", based_on_revision=0)
    assert ProvisionReport.objects.get().narrative == "Revised."


@pytest.mark.django_db
def test_a_merged_workstreams_provision_takes_no_report_under_it(people: People) -> None:
    provision = make(people)
    Workstream.objects.filter(pk=transport(people).pk).update(status="ceased", ceased_on=MAY.end)
    with pytest.raises(services.DeliveryError, match="ceased"):
        submit(people, provision)


# --- Importing --------------------------------------------------------------------------------

HEADER = "reference,chapter,title,text,workstream,kind,classification,lead_organisation,department"


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.mark.django_db
def test_an_administrator_imports_provisions_all_at_once(people: People) -> None:
    organisation = Organisation.objects.order_by("pk").first()
    GovernmentDepartment.objects.get(deal=people.deal, abbreviation="DfT")
    data = csv_file(
        f'4.12,Transport,Bus franchising,"Government will, in time, support it.",transport,'
        f"Power,OFFICIAL,{organisation.name},DfT",
        "5.1,Skills,Adult skills fund,The fund is devolved.,skills,funding,official-sensitive,,",
    )
    preview = services.import_provisions(
        data, deal=people.deal, acting_user=people.admin, dry_run=True
    )
    assert preview.ok and len(preview.provisions) == 2
    assert not Provision.objects.exists()
    services.import_provisions(data, deal=people.deal, acting_user=people.admin)
    first, second = Provision.objects.order_by("reference")
    assert (first.kind, first.department.abbreviation, first.lead_organisation) == (
        "power",
        "DfT",
        organisation,
    )
    assert second.classification == Classification.OFFICIAL_SENSITIVE
    assert first.history.get().history_user == people.admin


@pytest.mark.django_db
def test_a_bad_file_is_refused_whole_with_each_rows_number_and_reason(people: People) -> None:
    make(people, "1.1")
    data = csv_file(
        "2.1,Transport,Fine,A fine provision.,transport,power,official,,",
        "1.1,Transport,Taken,Already held.,transport,power,official,,",
        "2.2,Transport,Odd,Odd kind.,nowhere,treaty,secret,Nobody Ltd,Ministry of Magic",
        "2.1,Transport,Again,Twice in the file.,transport,power,official,,",
        ",,,,transport,power,official,,",
    )
    with pytest.raises(services.ImportRejected) as rejected:
        services.import_provisions(data, deal=people.deal, acting_user=people.admin)
    errors = [(e.row, e.reason) for e in rejected.value.errors]
    assert (3, "The deal already has a provision 1.1.") in errors
    assert {row for row, _ in errors} == {3, 4, 5, 6}
    row_4 = " ".join(reason for row, reason in errors if row == 4)
    for named in ("'nowhere'", "'treaty'", "'secret'", "'Nobody Ltd'", "'Ministry of Magic'"):
        assert named in row_4
    assert (5, "The reference 2.1 is on row 2 too: each provision is given once.") in errors
    assert "Row 6: The reference is empty." in str(rejected.value)
    assert Provision.objects.count() == 1


@pytest.mark.django_db
def test_a_file_without_the_columns_or_not_in_utf8_is_refused(people: People) -> None:
    for data, reason in [
        (b"reference,title\n1,x\n", "The header row lacks the column(s): chapter, text"),
        ("reference\n\u00e9".encode("latin-1"), "not UTF-8"),
        (csv_file(), "no rows"),
    ]:
        plan = services.import_provisions(
            data, deal=people.deal, acting_user=people.admin, dry_run=True
        )
        assert plan.errors[0].row == 1 and reason in plan.errors[0].reason


@pytest.mark.django_db
def test_only_an_administrator_imports(people: People) -> None:
    with pytest.raises(PermissionDenied):
        services.import_provisions(csv_file(), deal=people.deal, acting_user=people.lead)
