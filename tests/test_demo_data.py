import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from simple_history.models import HistoricalChanges

from accounts.models import User
from core.choices import Cadence, Classification
from core.models import Deal
from missions.models import Area, Indicator, Mission, Observation
from tracker.choices import (
    DecisionOutcome,
    MilestoneStatus,
    ProposalStage,
    PropositionStatus,
)
from tracker.demo import DEMO_CHANGE, demo_data_delete, demo_deal_slug
from tracker.models import (
    AgendaItem,
    Decision,
    EngagementEntry,
    GovernmentDepartment,
    Meeting,
    Milestone,
    NegotiationEntry,
    PrincipleResponse,
    Proposal,
    PropositionItem,
    PropositionVersion,
    Risk,
    StatusUpdate,
    Workstream,
)
from tracker.periods import deal_period
from tracker.selectors.governance import chain_of
from tracker.selectors.reporting import with_reporting_state, workstreams_for
from tracker.services import (
    milestone_update,
    proposal_create,
    proposal_submit,
    proposition_version_create,
    risk_create,
    workstream_links_set,
)

S = ProposalStage
# Every model that carries the demo flag: each row the demo loader writes is one of these.
# History tables copy the flag but hold records of changes, not data of their own.
FLAGGED = [
    m
    for m in apps.get_models()
    if any(f.name == "is_demo" for f in m._meta.fields) and not issubclass(m, HistoricalChanges)
]
# Rows without the flag that belong to demo rows.
CHILDREN = [PrincipleResponse, AgendaItem, PropositionItem]
# The reference data: the demo may link to it but must never change it.
REFERENCE_MODELS = [
    apps.get_model(label)
    for label in [
        "core.Deal",
        "tracker.Theme",
        "tracker.Workstream",
        "tracker.GovernanceBody",
        "tracker.BodyMember",
        "tracker.GovernmentDepartment",
        "tracker.Milestone",
        "missions.Mission",
        "missions.MissionStatement",
        "missions.Metric",
        "missions.IndicatorFramework",
        "missions.IndicatorTheme",
        "missions.Indicator",
        "missions.Area",
        "missions.Target",
    ]
]

# Sees every record whatever its marking, as the demo's own checks need.
SUPERUSER = User(is_superuser=True)


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def reference(db):
    call_command("load_reference_data", verbosity=0)
    return Deal.objects.get(slug=demo_deal_slug())


def load(*args):
    out = StringIO()
    call_command("load_demo_data", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(reference):
    return load()


def reference_snapshot():
    rows = {m.__name__: list(m.objects.order_by("pk").values()) for m in REFERENCE_MODELS}
    for workstream in Workstream.objects.order_by("pk"):
        rows[f"links {workstream.slug}"] = [
            sorted(workstream.missions.values_list("pk", flat=True)),
            sorted(workstream.metrics.values_list("pk", flat=True)),
            sorted(workstream.indicators.values_list("pk", flat=True)),
        ]
    return rows


def logins(var_dir: Path) -> list[tuple[str, str, str]]:
    """(role label, email, password) from the logins file's table."""
    rows = []
    for line in (var_dir / "demo-logins.txt").read_text().splitlines():
        match = re.match(r"^(.+?)\s{2,}(\S+@demo\.example)\s+(\S+)\s{2,}", line)
        if match:
            rows.append(match.groups())
    return rows


def content():
    """What the demo data says, without ids or passwords: equal for equal seeds."""
    return (
        sorted(User.objects.filter(is_demo=True).values_list("email", "full_name")),
        sorted(Proposal.objects.values_list("workstream__slug", "title", "stage", "outcome")),
        sorted(
            StatusUpdate.objects.values_list(
                "workstream__slug", "period_start", "version", "rag", "summary"
            )
        ),
        sorted(
            Decision.objects.values_list("proposal__title", "body__slug", "outcome", "decided_on")
        ),
        sorted(
            NegotiationEntry.objects.values_list(
                "proposal__title", "department__name", "held_on", "classification"
            )
        ),
        sorted(
            PrincipleResponse.objects.values_list("proposal__title", "principle__slug", "answer")
        ),
        sorted(Proposal.objects.values_list("title", "submitted_on", "outcome_on", "moved_at")),
    )


@pytest.mark.django_db
def test_it_needs_the_reference_data_and_says_how_to_load_it():
    with pytest.raises(CommandError, match="load_reference_data"):
        load()
    assert not User.objects.exists()


@pytest.mark.django_db
def test_every_row_it_writes_is_marked_as_demo_data(reference):
    real_before = {m.__name__: m.objects.filter(is_demo=False).count() for m in FLAGGED}

    load()

    assert {m.__name__: m.objects.filter(is_demo=False).count() for m in FLAGGED} == real_before
    for model in FLAGGED:
        if model is Deal:  # the demo plays in the real deal; only the scaled demo has its own
            assert not Deal.objects.filter(is_demo=True).exists()
            continue
        if model is GovernmentDepartment:  # it talks to the departments the deal's file lists
            assert not GovernmentDepartment.objects.filter(is_demo=True).exists()
            continue
        assert model.objects.filter(is_demo=True).exists(), model.__name__


@pytest.mark.django_db
def without_demo_changes(snapshot):
    """The snapshot without what the demo keeps on the reference data as an administrator
    would: the missions each workstream moves and the milestones' status."""
    rows = dict(snapshot)
    rows["Milestone"] = [{k: v for k, v in m.items() if k != "status"} for m in rows["Milestone"]]
    for key in [k for k in rows if k.startswith("links ")]:
        rows[key] = rows[key][1:]
    return rows


def test_it_changes_the_reference_data_only_as_an_administrator_would(reference):
    # Behaviour changed: the demo now shows workstreams' missions and the 2022 timeline done.
    before = reference_snapshot()

    load()
    load("--seed", "3")

    assert without_demo_changes(reference_snapshot()) == without_demo_changes(before)
    assert reference_snapshot() != before


def test_removing_the_demo_puts_the_reference_data_back_as_it_was(reference):
    before = reference_snapshot()
    load()

    demo_data_delete()

    assert reference_snapshot() == before
    for model in (Workstream, Milestone):
        assert not model.history.filter(history_change_reason=DEMO_CHANGE).exists()


def test_a_workstream_an_administrator_linked_keeps_its_own_links(reference):
    admin = User.objects.create_superuser(email="core@example.org", password="x" * 20)
    transport = Workstream.objects.get(deal=reference, slug="transport")
    workstream_links_set(
        workstream=transport,
        acting_user=admin,
        missions=Mission.objects.filter(number=12),
        metrics=[],
        indicators=[],
    )

    load()
    assert list(transport.missions.values_list("number", flat=True)) == [12]
    demo_data_delete()

    assert list(transport.missions.values_list("number", flat=True)) == [12]


def test_what_an_administrator_changed_after_the_demo_stays_when_it_goes(demo, reference):
    admin = User.objects.create_superuser(email="core@example.org", password="x" * 20)
    announced = Milestone.objects.get(deal=reference, when_label="July / August")
    milestone_update(milestone=announced, acting_user=admin, status=MilestoneStatus.MISSED)
    skills = Workstream.objects.get(deal=reference, slug="skills")
    workstream_links_set(
        workstream=skills,
        acting_user=admin,
        missions=Mission.objects.filter(number=6),
        metrics=[],
        indicators=[],
    )

    demo_data_delete()

    assert Milestone.objects.get(pk=announced.pk).status == MilestoneStatus.MISSED
    assert list(skills.missions.values_list("number", flat=True)) == [6]
    others = Milestone.objects.filter(deal=reference).exclude(pk=announced.pk)
    assert set(others.values_list("status", flat=True)) == {MilestoneStatus.PLANNED}
    assert not Workstream.missions.through.objects.exclude(workstream=skills).exists()


@pytest.mark.django_db
def test_with_if_empty_a_second_run_changes_nothing(demo, var_dir):
    before = content(), list(User.objects.values_list("pk", "password"))
    file_before = (var_dir / "demo-logins.txt").read_text()

    out = load("--if-empty")

    assert "already loaded" in out
    assert (content(), list(User.objects.values_list("pk", "password"))) == before
    assert (var_dir / "demo-logins.txt").read_text() == file_before


@pytest.mark.django_db
def test_with_if_empty_a_missing_logins_file_is_explained(demo, var_dir):
    (var_dir / "demo-logins.txt").unlink()

    out = load("--if-empty")

    assert "logins file is missing" in out and "without --if-empty" in out


@pytest.mark.django_db
def test_with_if_empty_it_loads_when_there_is_no_demo_data(reference):
    load("--if-empty")

    assert User.objects.filter(is_demo=True).exists()


@pytest.mark.django_db
def test_a_rerun_replaces_the_demo_data_rather_than_adding_to_it(demo, var_dir, client):
    counts = {m.__name__: m.objects.count() for m in [*FLAGGED, *CHILDREN]}
    old_users = set(User.objects.values_list("pk", flat=True))
    old_logins = logins(var_dir)

    out = load()

    assert "Replaced the previous demo data" in out
    assert {m.__name__: m.objects.count() for m in [*FLAGGED, *CHILDREN]} == counts
    assert not old_users & set(User.objects.values_list("pk", flat=True))
    _, email, old_password = old_logins[0]
    assert not client.login(email=email, password=old_password)


@pytest.mark.django_db
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(reference):
    load("--seed", "5")
    first = content()
    load("--seed", "5")
    again = content()
    load("--seed", "6")

    assert again == first
    assert content() != first


@pytest.mark.django_db
def test_a_rerun_never_deletes_a_row_that_is_not_demo_data(demo, reference):
    proposal = Proposal.objects.filter(stage=S.DRAFT).first()
    body = chain_of(reference)[0]
    real = Decision.objects.create(
        proposal=proposal, body=body, outcome=DecisionOutcome.NOTED, decided_on=timezone.localdate()
    )
    counts = {m.__name__: m.objects.count() for m in FLAGGED}

    with pytest.raises(CommandError, match="not demo data"):
        load()

    assert Decision.objects.filter(pk=real.pk).exists()
    assert {m.__name__: m.objects.count() for m in FLAGGED} == counts


@pytest.mark.django_db
def test_figures_already_in_the_database_are_kept_not_duplicated(reference):
    indicator = Indicator.objects.get(code="gva_per_hour_worked")
    birmingham = Area.objects.get(gss_code="E08000025")
    real = Observation.objects.create(
        indicator=indicator, area=birmingham, period="2019", value=Decimal("1.5")
    )

    out = load()

    assert "1 ONS figures were already in the database" in out
    real.refresh_from_db()
    assert real.value == Decimal("1.5") and not real.is_demo
    assert Observation.objects.filter(indicator=indicator, area=birmingham).count() == 1


# A due Friday, the Saturday after it (the current period is the one last due) and the Monday
# that starts the next period, in Europe/London.
DUE_FRIDAY = date(2026, 12, 4)
REPORTING_DAYS = [DUE_FRIDAY, DUE_FRIDAY + timedelta(days=1), DUE_FRIDAY + timedelta(days=3)]


@pytest.mark.django_db
@pytest.mark.parametrize("day", REPORTING_DAYS, ids=["due-friday", "saturday", "monday-after"])
def test_a_few_workstreams_are_overdue_whatever_the_day(reference, day):
    assert deal_period(reference, DUE_FRIDAY).due_on == DUE_FRIDAY
    with time_machine.travel(timezone.make_aware(datetime.combine(day, time(12))), tick=False):
        load()
        admin = User.objects.get(email="admin@demo.example")
        workstreams = with_reporting_state(workstreams_for(admin).filter(deal=reference))

    overdue = [ws for ws in workstreams if ws.reporting.overdue]
    waiting = [ws for ws in workstreams if not ws.reporting.reported_this_period]

    assert 2 <= len(overdue) <= 3
    if day == DUE_FRIDAY:
        # Due today, not yet late: some have still to report for this period.
        assert len(waiting) > len(overdue)
    if day == DUE_FRIDAY + timedelta(days=1):
        assert len(waiting) == len(overdue), "all but the overdue reported by the due date"


@pytest.mark.django_db
def test_the_demo_follows_the_deals_reporting_calendar_as_its_administrators_set_it(reference):
    Deal.objects.filter(pk=reference.pk).update(
        reporting_cadence=Cadence.WEEKLY, reporting_starts_on=date(2024, 1, 3)
    )
    call_command("load_reference_data", verbosity=0)
    deal = Deal.objects.get(pk=reference.pk)

    load()

    assert deal.reporting_starts_on == date(2024, 1, 3), "reloading keeps the administrators'"
    for update in StatusUpdate.objects.all():
        period = deal_period(deal, update.period_start)
        assert (update.period_start, update.period_end) == (period.start, period.end)
        assert update.period_start.weekday() == date(2024, 1, 3).weekday()
        assert update.period_end - update.period_start == timedelta(days=6)


# --- Proposals past the chain: the Proposition ------------------------------------------------


@pytest.mark.django_db
def test_loaded_in_december_the_board_approves_the_proposition_in_june(reference):
    """The deal's timeline: proposals developed until May, the Proposition to the WMCA Board in
    June, then to government."""
    day = timezone.make_aware(datetime(2026, 12, 5, 12))
    with time_machine.travel(day, tick=False):
        load()
    version = PropositionVersion.objects.get()
    first_submitted = Proposal.objects.filter(submitted_on__isnull=False).order_by("submitted_on")

    assert (version.approved_on.year, version.approved_on.month) == (2026, 6)
    assert version.status == PropositionStatus.APPROVED
    assert version.approved_on < first_submitted.first().submitted_on
    endorsed = Proposal.objects.filter(pk__in=version.items.values("proposal_id"))
    assert not endorsed.filter(board_endorsement__decided_on__month__gt=5).exists()


@pytest.mark.django_db
def test_deleting_the_demo_data_leaves_no_demo_row_or_history_and_keeps_real_ones(demo, reference):
    admin = User.objects.create_superuser(email="core@example.org", password="x" * 20)
    transport = Workstream.objects.get(deal=reference, slug="transport")
    real = proposal_create(
        workstream=transport,
        acting_user=admin,
        title="A real proposal",
        classification=Classification.OFFICIAL,
        ask="Something of government",
        ask_type="power",
    )
    proposal_submit(proposal=real, acting_user=admin)

    demo_data_delete()

    for model in FLAGGED:
        assert not model.objects.filter(is_demo=True).exists(), model.__name__
    assert not PrincipleResponse.objects.exists()
    assert not PrincipleResponse.history.exists()
    assert not PropositionItem.objects.exists()
    for model in (*AUDITED, Meeting):
        assert not model.history.filter(is_demo=True).exists(), model.__name__
    assert list(Proposal.objects.all()) == [real]
    assert real.history.count() == 2


@pytest.mark.django_db
def test_a_rerun_is_refused_while_a_real_proposition_holds_demo_proposals(demo, reference):
    admin = User.objects.create_superuser(email="core@example.org", password="x" * 20)
    version = proposition_version_create(deal=reference, acting_user=admin)
    counts = {m.__name__: m.objects.count() for m in [*FLAGGED, *CHILDREN]}

    with pytest.raises(CommandError, match="not demo data"):
        load()

    assert PropositionVersion.objects.filter(pk=version.pk).exists()
    assert {m.__name__: m.objects.count() for m in [*FLAGGED, *CHILDREN]} == counts
    assert Proposal.objects.filter(board_endorsement__isnull=False).exists()


# --- History -----------------------------------------------------------------------------------

AUDITED = [StatusUpdate, Risk, EngagementEntry, Proposal, NegotiationEntry]


def history_counts():
    return {m.__name__: m.history.count() for m in [*AUDITED, Meeting, PrincipleResponse]}


@pytest.mark.django_db
def test_a_rerun_leaves_no_history_of_the_previous_demo_records(demo):
    before = history_counts()

    load()

    assert history_counts() == before
    for model in [*AUDITED, Meeting, PrincipleResponse]:
        ids = set(model.objects.values_list("pk", flat=True))
        assert set(model.history.values_list("id", flat=True)) == ids, model.__name__
        assert not model.history.filter(history_type="-").exists()


@pytest.mark.django_db
def test_a_rerun_keeps_the_history_of_real_records_even_deleted_ones(demo, reference):
    admin = User.objects.create_superuser(email="core@example.org", password="x" * 20)
    workstream = Workstream.objects.get(deal=reference, slug="transport")
    kept = risk_create(
        workstream=workstream, acting_user=admin, title="Real", likelihood=2, impact=3
    )
    gone = risk_create(
        workstream=workstream, acting_user=admin, title="Gone", likelihood=1, impact=1
    )
    gone_id = gone.pk
    gone.delete()
    real_history = list(Risk.history.filter(is_demo=False).values_list("history_id", flat=True))

    load()

    assert Risk.objects.filter(pk=kept.pk).exists()
    assert sorted(
        Risk.history.filter(is_demo=False).values_list("history_id", flat=True)
    ) == sorted(real_history)
    assert Risk.history.filter(id=gone_id, history_type="-").exists()
