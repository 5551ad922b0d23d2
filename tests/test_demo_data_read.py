"""What the demo data holds, read by tests that share one load of it: loading the demo is nearly
all such a test costs, so it is loaded once for this module (tests/once.py) rather than once for
each test, in a transaction rolled back after the module's last test, each test in a savepoint
rolled back after it. The tests here only read the demo (what one signs in or tries is undone
before the next); those that load, reload, delete or change it are in tests/test_demo_data.py.
"""

import csv
import stat
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Q
from django.test import override_settings
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from accounts.models import User
from core import policy
from core.choices import Classification, OrganisationKind, Role
from core.models import Deal, Membership, Organisation
from missions.models import Area, Indicator, Observation
from missions.periods import parse_period
from tracker.choices import (
    ENDORSED_STAGES,
    BodyKind,
    DecisionOutcome,
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
from tracker.demo import DEMO_CHANGE, ONS_CSV, demo_deal_slug
from tracker.models import (
    AgendaItem,
    Decision,
    EngagementEntry,
    GovernmentDepartment,
    Meeting,
    Milestone,
    NegotiationEntry,
    Principle,
    PrincipleResponse,
    Proposal,
    PropositionVersion,
    Risk,
    StatusUpdate,
    UpdateReview,
    Workstream,
    risk_rag,
)
from tracker.periods import deal_period, last_due_period
from tracker.selectors.governance import chain_of, next_meeting
from tracker.selectors.history import history_of
from tracker.selectors.proposals import (
    negotiations_for,
    proposal_list,
    proposals_for,
    with_unanswered_principles,
)
from tracker.selectors.reporting import lacks_non_constituent
from tracker.services import proposal_submit, status_update_errors
from tracker.services.base import TrackerError

from .once import assert_inside_once, built_once
from .test_demo_data import AUDITED, SUPERUSER, load, logins

S = ProposalStage


@pytest.fixture(scope="module")
def loaded(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory
) -> Iterator[tuple[int, str, Path, datetime]]:
    """The reference data and the demo, loaded once for the module's tests as `load_demo_data`
    loads them: the deal's id, what the command said, its var directory (the logins file) and
    the moment it was loaded."""
    var_dir = tmp_path_factory.mktemp("demo")

    def build() -> tuple[int, str, Path, datetime]:
        with override_settings(VAR_DIR=var_dir):
            call_command("load_reference_data", verbosity=0)
            out = load()
            moment = timezone.now()
        return Deal.objects.get(slug=demo_deal_slug()).pk, out, var_dir, moment

    with built_once(django_db_blocker, build) as held:
        yield held


@pytest.fixture(autouse=True)
def as_when_loaded(loaded, db) -> Iterator[None]:
    """Each test reads the clock from the moment the demo was loaded, as it did when it loaded
    the demo itself a moment before, so a test run late in the module sees the same day, period
    and meetings; and it leaves the demo's files as it found them."""
    assert_inside_once()
    _, _, var_dir, moment = loaded
    files = {path: path.read_bytes() for path in var_dir.iterdir()}
    with time_machine.travel(moment, tick=True):
        yield
    assert {path: path.read_bytes() for path in var_dir.iterdir()} == files, "a test wrote"


@pytest.fixture
def var_dir(loaded, settings):
    settings.VAR_DIR = loaded[2]
    return loaded[2]


@pytest.fixture
def reference(loaded, db):
    return Deal.objects.get(pk=loaded[0])


@pytest.fixture
def demo(loaded, db):
    return loaded[1]


@pytest.mark.django_db
def test_every_role_is_present_with_its_memberships(demo, reference):
    demo_members = Membership.objects.filter(user__is_demo=True)
    by_role = Counter(demo_members.values_list("role", flat=True))
    people = {
        role: demo_members.filter(role=role).values("user").distinct().count() for role in Role
    }
    active = Workstream.objects.filter(deal=reference, status=WorkstreamStatus.ACTIVE)

    assert people[Role.ADMIN] == 1
    assert people[Role.DSG] == 3
    assert people[Role.PARTNER] == 2
    assert 4 <= people[Role.SPONSOR] <= 6
    assert by_role[Role.LEAD] == by_role[Role.SPONSOR] == active.count()
    for workstream in active:
        assert demo_members.filter(workstream=workstream, role=Role.LEAD).count() == 1
        assert demo_members.filter(workstream=workstream, role=Role.SPONSOR).count() == 1
    assert people[Role.LEAD] < active.count(), "some leads lead two workstreams"
    assert all(u.is_staff for u in User.objects.filter(memberships__role=Role.ADMIN))
    assert all(e.endswith("@demo.example") for e in User.objects.values_list("email", flat=True))


def test_every_workstream_moves_the_missions_its_subject_names(demo, reference):
    moves = {
        w.slug: sorted(w.missions.values_list("number", flat=True))
        for w in Workstream.objects.filter(deal=reference, status=WorkstreamStatus.ACTIVE)
    }

    assert len(moves) == 20 and all(moves.values())
    assert moves["transport"] == [3]
    assert moves["skills"] == [1, 6]
    assert moves["health"] == [7, 8]
    assert moves["digital"] == [4]
    assert moves["crime-community-safety-and-resilience"] == [11]
    transport = Workstream.objects.get(deal=reference, slug="transport")
    entry = transport.history.first()
    assert entry.history_change_reason == DEMO_CHANGE
    assert entry.history_user.email == "admin@demo.example"


def test_the_workstream_page_shows_the_missions_it_moves(demo, reference, client):
    client.force_login(User.objects.get(email="admin@demo.example"))

    page = client.get("/workstreams/transport/").content.decode()

    assert "None recorded</dd>" not in page.split("Missions it moves")[1].split("</div>")[0]
    assert "Transport" in page.split("Missions it moves")[1].split("</div>")[0]


def test_the_2022_milestones_are_done_by_the_demos_administrator(demo, reference):
    milestones = Milestone.objects.filter(deal=reference)

    assert milestones.count() == 6
    assert set(milestones.values_list("status", flat=True)) == {MilestoneStatus.DONE}
    for milestone in milestones:
        entry = milestone.history.first()
        assert (entry.status, entry.history_change_reason) == (MilestoneStatus.DONE, DEMO_CHANGE)
        assert entry.history_user.email == "admin@demo.example"


@pytest.mark.django_db
def test_the_logins_file_lists_every_demo_user_with_a_working_password(demo, var_dir, client):
    path = var_dir / "demo-logins.txt"
    rows = logins(var_dir)

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(email for _, email, _ in rows) == sorted(
        User.objects.filter(is_demo=True).values_list("email", flat=True)
    )
    assert {label for label, _, _ in rows} == {role.label for role in Role}
    assert "What they can do" in path.read_text()
    for _, email, password in rows:
        assert client.login(email=email, password=password), email
    assert len({password for _, _, password in rows}) == len(rows)


@pytest.mark.django_db
def test_observations_are_the_ons_figures_for_the_reference_indicators(demo):
    with ONS_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    codes = set(Indicator.objects.values_list("code", flat=True))
    wanted = [row for row in rows if row["indicator"] in codes]

    assert wanted, "the reference data has indicators that the ONS file reports"
    assert Observation.objects.count() == len(wanted)
    for row in wanted[:: max(1, len(wanted) // 10)]:
        observation = Observation.objects.get(
            indicator__code=row["indicator"],
            area=Area.objects.get(gss_code=row["area_code"]),
            period=row["period"],
        )
        assert observation.value == Decimal(row["value"])
        assert observation.source == row["source"]
        assert (observation.period_start, observation.period_end) == parse_period(row["period"])
        assert observation.is_demo


def climbs(decisions, position):
    """The chain positions passed (endorsed or skipped) on each climb: a referral back sends
    a proposal to draft, and it climbs again from the first body."""
    runs = [[]]
    for decision in decisions:
        if decision.outcome == DecisionOutcome.REFERRED_BACK:
            assert position[decision.body_id] == len(runs[-1]), "referred by the awaited body"
            runs.append([])
        elif decision.outcome in (DecisionOutcome.ENDORSED, DecisionOutcome.SKIPPED):
            runs[-1].append(position[decision.body_id])
    return runs


@pytest.mark.django_db
def test_decisions_follow_the_governance_chain_in_date_order(demo, reference):
    chain = chain_of(reference)
    position = {body.pk: index for index, body in enumerate(chain)}
    today = timezone.localdate()

    for proposal in Proposal.objects.all():
        decisions = list(proposal.decisions.order_by("decided_on", "pk"))
        runs = climbs(decisions, position)
        passed = runs[-1]
        assert all(run == list(range(len(run))) for run in runs), proposal.title
        assert [d.decided_on for d in decisions] == sorted(d.decided_on for d in decisions)
        for decision in decisions:
            assert decision.body_id in position
            assert decision.decided_on <= today
            if decision.outcome in (
                DecisionOutcome.REFERRED_BACK,
                DecisionOutcome.REJECTED,
                DecisionOutcome.SKIPPED,
            ):
                assert decision.notes
            if decision.outcome == DecisionOutcome.SKIPPED:
                assert decision.meeting is None and decision.body != chain[-1]
            if decision.meeting:
                assert decision.meeting.body_id == decision.body_id
                assert decision.meeting.starts_at.date() == decision.decided_on
                assert decision.meeting.status != MeetingStatus.PLANNED

        if proposal.stage == S.DRAFT:
            assert not decisions or decisions[-1].outcome == DecisionOutcome.REFERRED_BACK
        elif proposal.stage == S.IN_GOVERNANCE:
            assert position[proposal.awaiting_body_id] == len(passed)
        elif proposal.stage == S.REJECTED:
            assert decisions[-1].outcome == DecisionOutcome.REJECTED
            assert position[decisions[-1].body_id] == len(passed)
        elif proposal.board_endorsement_id is None:
            assert (proposal.stage, proposal.outcome) == (S.CONCLUDED, Outcome.WITHDRAWN)
            assert len(passed) < len(chain), "withdrawn before the WMCA Board"
        else:
            assert passed == list(range(len(chain))), "the WMCA Board endorsed it last"
            assert decisions[-1].body == chain[-1]
            assert proposal.board_endorsement == decisions[-1]


@pytest.mark.django_db
def test_proposals_are_spread_over_the_stages_and_every_outcome(demo):
    stages = Counter(Proposal.objects.values_list("stage", flat=True))
    outcomes = set(Proposal.objects.exclude(outcome="").values_list("outcome", flat=True))
    waiting_at = set(
        Proposal.objects.filter(stage=S.IN_GOVERNANCE).values_list("awaiting_body", flat=True)
    )
    sensitive = Proposal.objects.filter(classification=Classification.OFFICIAL_SENSITIVE).count()

    assert 20 <= Proposal.objects.count() <= 30
    assert set(stages) == set(S.values)
    assert outcomes == set(Outcome.values)
    assert len(waiting_at) >= 3
    assert sensitive > Proposal.objects.count() / 2
    assert Decision.objects.filter(outcome=DecisionOutcome.REFERRED_BACK).count() >= 2
    assert Decision.objects.filter(outcome=DecisionOutcome.SKIPPED).exists()
    assert Decision.objects.filter(meeting__isnull=False).exists()
    assert (
        Proposal.objects.filter(departments__isnull=False).distinct().count()
        == Proposal.objects.count()
    )
    assert Proposal.objects.filter(missions__isnull=False).exists()


@pytest.mark.django_db
def test_meetings_have_happened_and_some_are_planned(demo):
    now = timezone.now()

    assert Meeting.objects.filter(status=MeetingStatus.PLANNED, starts_at__gt=now).exists()
    assert not Meeting.objects.filter(status=MeetingStatus.PLANNED, starts_at__lt=now).exists()
    assert (
        not Meeting.objects.exclude(status=MeetingStatus.PLANNED).filter(starts_at__gt=now).exists()
    )


@pytest.mark.django_db
def test_status_updates_cover_recent_periods_as_the_app_counts_them(demo, reference):
    today = timezone.localdate()
    starts = sorted(set(StatusUpdate.objects.values_list("period_start", flat=True)))

    assert starts[-1] in (
        deal_period(reference, today).start,
        last_due_period(reference, today).start,
    )
    assert starts[-1] - starts[0] == timedelta(days=14 * 11), "12 fortnights"
    assert all(b - a == timedelta(days=14) for a, b in zip(starts, starts[1:], strict=False))
    for update in StatusUpdate.objects.all():
        period = deal_period(reference, update.period_start)
        assert (update.period_start, update.period_end) == (period.start, period.end)
        assert update.created_at <= timezone.now()
        # One missed period was reported a few days late, and is marked so.
        posted = timezone.localdate(update.created_at)
        assert (posted > period.due_on) == update.late, update
    late = StatusUpdate.objects.filter(late=True)
    assert late.count() == 1 and late.get().period_start < last_due_period(reference, today).start
    assert set(StatusUpdate.objects.values_list("rag", flat=True)) == set(Rag.values)
    assert set(StatusUpdate.objects.values_list("classification", flat=True)) == set(
        Classification.values
    )
    official = StatusUpdate.objects.filter(classification=Classification.OFFICIAL).count()
    assert official > StatusUpdate.objects.count() / 2
    assert StatusUpdate.objects.filter(rag=Rag.RED).exclude(asks_of_dsg="").exists()
    assert StatusUpdate.objects.filter(version=2).exists()


@pytest.mark.django_db
def test_status_updates_meet_the_reporting_rules(demo):
    assert not StatusUpdate.objects.filter(summary="").exists()
    assert not StatusUpdate.objects.filter(rag=Rag.RED, next_steps="", asks_of_dsg="").exists()
    for update in StatusUpdate.objects.all():
        assert not status_update_errors(
            rag=update.rag,
            summary=update.summary,
            next_steps=update.next_steps,
            asks_of_dsg=update.asks_of_dsg,
        )


@pytest.mark.django_db
def test_every_demo_proposal_meets_the_rules_of_its_stage(demo, reference):
    board = chain_of(reference)[-1]
    today = timezone.localdate()
    proposals = Proposal.objects.select_related("board_endorsement").prefetch_related("decisions")

    for proposal in proposals:
        proposal.full_clean()  # the database's constraints, as the model states them
        endorsed = proposal.stage in ENDORSED_STAGES or (
            proposal.stage == S.CONCLUDED and proposal.outcome != Outcome.WITHDRAWN
        )
        decisions = sorted(proposal.decisions.all(), key=lambda d: (d.decided_on, d.pk))
        if endorsed:
            endorsement = proposal.board_endorsement
            assert endorsement is not None, proposal.title
            assert endorsement.proposal_id == proposal.pk
            assert (endorsement.body, endorsement.outcome) == (board, DecisionOutcome.ENDORSED)
        if endorsed and proposal.stage != S.APPROVED:
            assert proposal.board_endorsement.decided_on < proposal.submitted_on <= today
        if proposal.stage in (S.DRAFT, S.IN_GOVERNANCE, S.REJECTED):
            assert proposal.submitted_on is None and proposal.board_endorsement_id is None
        if proposal.stage == S.APPROVED:
            assert proposal.submitted_on is None
        if proposal.stage == S.CONCLUDED:
            assert proposal.outcome_on <= today and proposal.outcome_notes
            assert proposal.submitted_on is None or proposal.submitted_on < proposal.outcome_on
        else:
            assert (proposal.outcome, proposal.outcome_on) == ("", None)
        assert proposal.created_at <= proposal.moved_at <= timezone.now()
        if decisions and proposal.stage in (S.DRAFT, S.IN_GOVERNANCE, S.APPROVED, S.REJECTED):
            assert proposal.moved_at == decisions[-1].created_at, "its last move was a decision"
        assert proposal.updated_at == proposal.moved_at


@pytest.mark.django_db
def test_talks_with_government_are_logged_only_for_proposals_that_reached_it(demo):
    talks = list(NegotiationEntry.objects.select_related("proposal", "department"))
    talked = {t.proposal_id for t in talks}
    sensitive = [t for t in talks if t.classification == Classification.OFFICIAL_SENSITIVE]

    # The talks are demo; the departments they are held with are the deal file's own.
    assert talks and all(t.is_demo and not t.department.is_demo for t in talks)
    assert not GovernmentDepartment.objects.filter(is_demo=True).exists()
    assert len(sensitive) > len(talks) / 2
    assert len(sensitive) < len(talks), "some talks are OFFICIAL"
    for talk in talks:
        proposal = talk.proposal
        assert proposal.submitted_on is not None and proposal.board_endorsement_id is not None
        assert proposal.stage in (S.IN_NEGOTIATION, S.CONCLUDED)
        assert proposal.submitted_on < talk.held_on < timezone.localdate()
        if proposal.outcome_on:
            assert talk.held_on < proposal.outcome_on
        assert proposal.departments.filter(pk=talk.department_id).exists()
        assert talk.summary and talk.attendees and talk.recorded_by == proposal.owner
        talk.full_clean()
    negotiated = Proposal.objects.filter(
        Q(stage=S.IN_NEGOTIATION) | Q(stage=S.CONCLUDED, submitted_on__isnull=False)
    )
    assert set(negotiated.values_list("pk", flat=True)) == talked
    assert not Proposal.objects.filter(stage=S.SUBMITTED, pk__in=talked).exists()
    for proposal in Proposal.objects.filter(stage=S.IN_NEGOTIATION):
        first = proposal.negotiations.order_by("held_on", "created_at").first()
        assert proposal.moved_at == first.created_at, "the first talk moved it into negotiation"


@pytest.mark.django_db
def test_partners_see_some_proposals_that_went_to_government_and_some_talks(demo):
    partner = User.objects.filter(is_demo=True, memberships__role=Role.PARTNER).first()
    visible = proposals_for(partner)
    talks = negotiations_for(partner)

    assert visible.filter(submitted_on__isnull=False).count() >= 3
    assert not visible.exclude(classification=Classification.OFFICIAL).exists()
    assert talks.exists()
    assert not talks.exclude(classification=Classification.OFFICIAL).exists()
    assert not talks.exclude(proposal__classification=Classification.OFFICIAL).exists()


@pytest.mark.django_db
def test_most_proposals_answer_every_principle_and_a_few_open_ones_leave_some(demo, reference):
    admin = User.objects.get(email="admin@demo.example")
    principles = Principle.objects.filter(deal=reference).count()
    listed = proposal_list(admin)
    unanswered = with_unanswered_principles(listed)

    assert principles == 6
    assert 2 <= unanswered.count() <= 4
    assert listed.filter(principles_answered=principles).count() > 0.8 * listed.count()
    assert not unanswered.filter(stage__in=[S.REJECTED, S.CONCLUDED]).exists()
    answers = PrincipleResponse.objects.select_related("proposal", "principle")
    assert {a.answer for a in answers} == set(PrincipleAnswer.values)
    for answer in answers:
        assert answer.answered_by == answer.proposal.owner
        assert answer.proposal.created_at < answer.updated_at <= timezone.now()
        assert answer.note
    created = PrincipleResponse.history.filter(history_type="+")
    assert created.count() == answers.count()


@pytest.mark.django_db
def test_the_wmca_board_approved_a_proposition_of_the_proposals_it_had_endorsed(demo, reference):
    board = chain_of(reference)[-1]
    version = PropositionVersion.objects.get()
    items = list(version.items.select_related("proposal__workstream"))

    assert version.is_demo and version.number == 1
    assert version.status == PropositionStatus.APPROVED
    assert version.approved_by == board
    assert version.approved_at.body == board
    assert version.approved_at.status != MeetingStatus.PLANNED
    assert version.approved_on == timezone.localdate(version.approved_at.starts_at)
    made = timezone.localdate(version.created_at)
    assert made < version.approved_on
    assert items
    # Those withdrawn since were not withdrawn yet when the version was made.
    endorsed_by_then = Proposal.objects.filter(board_endorsement__decided_on__lt=made).exclude(
        stage=S.CONCLUDED, outcome=Outcome.WITHDRAWN, outcome_on__lt=made
    )
    assert {i.proposal_id for i in items} == set(endorsed_by_then.values_list("pk", flat=True))
    assert [i.position for i in items] == list(range(1, len(items) + 1))
    for item in items:
        proposal = item.proposal
        assert (item.title, item.ask, item.ask_type, item.classification) == (
            proposal.title,
            proposal.ask,
            proposal.ask_type,
            proposal.classification,
        )
        assert item.workstream_name == proposal.workstream.name


@pytest.mark.django_db
def test_what_went_to_government_went_as_part_of_the_proposition_the_board_approved(
    demo, reference
):
    """A proposal goes to government only as an item of the approved Proposition, which the
    Board approved about half a year ago."""
    version = PropositionVersion.objects.get(status=PropositionStatus.APPROVED)
    held = version.items.values_list("proposal_id", flat=True)
    gone = Proposal.objects.filter(submitted_on__isnull=False)

    weeks_ago = (timezone.localdate() - version.approved_on).days / 7
    assert 23 <= weeks_ago <= 29, "the Board meets every five weeks"
    assert gone.count() >= 10
    assert set(gone.values_list("pk", flat=True)) <= set(held)
    assert all(version.approved_on < p.submitted_on for p in gone)
    # The proposals endorsed since wait for a new version, and the services say so.
    waiting = Proposal.objects.filter(stage=S.APPROVED)
    assert waiting.exists()
    assert not waiting.filter(pk__in=held).exists()
    admin = User.objects.get(email="admin@demo.example")
    with pytest.raises(TrackerError, match="not in the TDD Proposition the WMCA Board approved"):
        proposal_submit(proposal=waiting.first(), acting_user=admin)


@pytest.mark.django_db
def test_the_next_meeting_of_each_body_in_the_chain_lists_what_awaits_it(demo, reference):
    chain = chain_of(reference)
    for body in chain:
        meeting = next_meeting(body)
        awaiting = set(Proposal.objects.filter(awaiting_body=body).values_list("pk", flat=True))
        on_agenda = set(
            meeting.agenda_items.filter(proposal__isnull=False).values_list("proposal", flat=True)
        )
        assert meeting.is_demo and meeting.status == MeetingStatus.PLANNED
        assert on_agenda == awaiting, body.name
    dsg = chain[3]
    asks = next_meeting(dsg).agenda_items.filter(proposal__isnull=True, generated=True)
    assert dsg.kind == BodyKind.STRATEGY_GROUP and asks.exists()
    assert AgendaItem.objects.filter(proposal__isnull=False).count() == (
        Proposal.objects.filter(stage=S.IN_GOVERNANCE).count()
    )


@pytest.mark.django_db
def test_meetings_end_after_they_start_and_the_negotiating_teams_record_is_sensitive(demo):
    meetings = list(Meeting.objects.select_related("body"))

    assert all(m.ends_at > m.starts_at for m in meetings)
    for meeting in meetings:
        sensitive = meeting.body.kind == BodyKind.NEGOTIATING_TEAM
        assert (meeting.classification == Classification.OFFICIAL_SENSITIVE) == sensitive
    created = {h.id: h for h in Meeting.history.filter(history_type="+")}
    assert set(created) == {m.pk for m in meetings}
    assert all(created[m.pk].history_date < m.starts_at for m in meetings)
    assert {h.history_user.email for h in created.values()} == {"admin@demo.example"}


@pytest.mark.django_db
def test_a_moved_proposals_history_shows_it_drafted_and_then_moved_on(demo):
    moved = Proposal.objects.exclude(stage=S.DRAFT)
    assert moved.exists()
    for proposal in moved:
        entries = history_of(proposal, SUPERUSER)
        assert [e.kind for e in entries] == ["Changed", "Created"]
        assert entries[0].when == proposal.moved_at
        assert "stage" in {c.field for c in entries[0].changes}
        assert proposal.revision == 2
        created = proposal.history.get(history_type="+")
        assert created.stage == S.DRAFT and created.board_endorsement_id is None
        latest = proposal.history.get(history_type="~")
        assert (latest.stage, latest.board_endorsement_id, latest.outcome) == (
            proposal.stage,
            proposal.board_endorsement_id,
            proposal.outcome,
        )
    movers = {
        p.stage: p.history.get(history_type="~").history_user
        for p in Proposal.objects.filter(stage__in=[S.APPROVED, S.IN_NEGOTIATION])
    }
    assert movers[S.APPROVED].email == "admin@demo.example", "an administrator records decisions"
    assert movers[S.IN_NEGOTIATION].email.startswith("lead."), "the lead logged the first talk"


def sponsor_of(workstream_id):
    return Membership.objects.get(workstream_id=workstream_id, role=Role.SPONSOR).user


@pytest.mark.django_db
def test_sponsors_sign_off_most_past_updates_and_few_current_ones(demo, reference):
    today = timezone.localdate()
    current = deal_period(reference, today).start
    latest = {}
    for update in StatusUpdate.objects.order_by("version"):
        latest[(update.workstream_id, update.period_start)] = update
    signed = set(
        UpdateReview.objects.filter(decision=ReviewDecision.SIGNED_OFF).values_list(
            "status_update", flat=True
        )
    )
    past = [u for (_, start), u in latest.items() if start < current]
    now = [u for (_, start), u in latest.items() if start == current]

    assert sum(u.pk in signed for u in past) > 0.7 * len(past)
    assert sum(u.pk in signed for u in now) < 0.5 * max(1, len(now))
    assert signed <= {u.pk for u in latest.values()}, "only the latest version is signed off"
    for review in UpdateReview.objects.select_related("status_update"):
        assert review.reviewer == sponsor_of(review.status_update.workstream_id)
        assert review.reviewer.is_demo
        assert review.status_update.created_at <= review.created_at <= timezone.now()
    comments = UpdateReview.objects.filter(decision=ReviewDecision.COMMENTED)
    assert comments.count() >= 3
    assert not comments.filter(comment="").exists()
    for comment in comments.exclude(status_update__in=[u.pk for u in latest.values()]):
        earlier = comment.status_update
        revised = latest[(earlier.workstream_id, earlier.period_start)]
        assert earlier.created_at <= comment.created_at <= revised.created_at


@pytest.mark.django_db
def test_every_workstream_keeps_a_scored_risk_log(demo, reference):
    active = Workstream.objects.filter(deal=reference, status=WorkstreamStatus.ACTIVE)
    risks = list(Risk.objects.select_related("owner"))
    ratings = Counter(risk_rag(r.likelihood * r.impact) for r in risks)
    escalated = [r for r in risks if r.escalated_to_dsg]
    sensitive = [r for r in risks if r.classification == Classification.OFFICIAL_SENSITIVE]

    for workstream in active:
        assert 3 <= workstream.risks.count() <= 6, workstream.name
    assert all(r.is_demo for r in risks)
    assert all(ratings[rag] >= 0.15 * len(risks) for rag in Rag.values), ratings
    assert (
        0.1 * len(risks) <= sum(r.status == RiskStatus.CLOSED for r in risks) <= 0.35 * len(risks)
    )
    assert 3 <= len(escalated) <= 5
    assert all(r.status == RiskStatus.OPEN and r.rag == Rag.RED for r in escalated)
    assert 0.1 * len(risks) <= len(sensitive) <= 0.35 * len(risks)
    for risk in risks:
        people = Membership.objects.filter(
            workstream=risk.workstream_id, role__in=[Role.LEAD, Role.SPONSOR]
        ).values_list("user", flat=True)
        assert risk.owner_id in set(people), risk
        assert policy.can_see_record(risk.owner, reference.pk, risk.classification)
        risk.full_clean()
    assert all(r.score == r.likelihood * r.impact for r in Risk.objects.all())


@pytest.mark.django_db
def test_engagement_plans_involve_non_constituent_authorities_but_for_a_few(demo, reference):
    active = Workstream.objects.filter(deal=reference, status=WorkstreamStatus.ACTIVE)
    entries = EngagementEntry.objects.select_related("organisation", "channel")
    official = [e for e in entries if e.classification == Classification.OFFICIAL]
    by_workstream = {ws.pk: [e for e in entries if e.workstream_id == ws.pk] for ws in active}
    official_by_workstream = {
        ws.pk: [e for e in official if e.workstream_id == ws.pk] for ws in active
    }

    assert all(3 <= len(plan) <= 6 for plan in by_workstream.values())
    assert 2 <= sum(lacks_non_constituent(p) for p in by_workstream.values()) <= 3
    # A partner sees the OFFICIAL entries only, and the same plans flagged.
    assert {pk for pk, p in by_workstream.items() if lacks_non_constituent(p)} == {
        pk for pk, p in official_by_workstream.items() if lacks_non_constituent(p)
    }
    benefits = active.get(slug="benefits-for-non-constituent-authorities")
    assert not lacks_non_constituent(by_workstream[benefits.pk])


@pytest.mark.django_db
def test_engagement_uses_the_deals_bodies_where_they_fit_and_says_how_otherwise(demo, reference):
    entries = list(EngagementEntry.objects.select_related("organisation", "channel"))
    kinds = {e.organisation.kind for e in entries}

    assert all(e.is_demo and e.organisation.is_demo for e in entries)
    assert all(bool(e.channel) != bool(e.channel_notes) for e in entries)
    assert all(e.channel.deal_id == reference.pk for e in entries if e.channel)
    assert sum(bool(e.channel) for e in entries) > len(entries) / 4
    assert sum(bool(e.channel_notes) for e in entries) > len(entries) / 4
    assert OrganisationKind.COMBINED_AUTHORITY not in kinds
    assert {
        OrganisationKind.CONSTITUENT_AUTHORITY,
        OrganisationKind.NON_CONSTITUENT_AUTHORITY,
    } < kinds
    assert Organisation.objects.get(name="Example Shire District Council (demo)").kind == (
        OrganisationKind.NON_CONSTITUENT_AUTHORITY
    )
    assert Organisation.objects.get(name="Example City Council (demo)").kind == (
        OrganisationKind.CONSTITUENT_AUTHORITY
    )
    net_zero = [e for e in entries if e.workstream.slug == "net-zero-beis" and e.channel]
    assert any(e.channel.kind == BodyKind.THEMATIC_BOARD for e in net_zero)
    for entry in entries:
        assert entry.last_engaged_on is None or entry.last_engaged_on <= timezone.localdate()
        entry.full_clean()


def author_of(obj):
    if isinstance(obj, StatusUpdate):
        return obj.author
    if isinstance(obj, Proposal):
        return obj.owner
    if isinstance(obj, NegotiationEntry):
        return obj.recorded_by
    return Membership.objects.get(workstream=obj.workstream_id, role=Role.LEAD).user


@pytest.mark.django_db
@pytest.mark.parametrize("model", AUDITED, ids=lambda m: m.__name__)
def test_each_audited_demo_record_shows_when_and_by_whom_it_was_created(demo, model):
    objs = list(model.objects.all())
    created = {h.id: h for h in model.history.filter(history_type="+")}

    assert len(created) == len(objs)
    for obj in objs:
        entry = created[obj.pk]
        assert entry.history_date == entry.created_at == obj.created_at
        assert entry.history_user == author_of(obj) and entry.history_user is not None
        assert entry.is_demo
        assert history_of(obj, SUPERUSER)[-1].kind == "Created"


@pytest.mark.django_db
def test_a_closed_or_escalated_risks_history_shows_the_change(demo):
    changed = Risk.objects.filter(Q(status=RiskStatus.CLOSED) | Q(escalated_to_dsg=True))

    assert changed.exists()
    for risk in changed:
        entries = history_of(risk, SUPERUSER)
        assert [e.kind for e in entries] == ["Changed", "Created"]
        assert entries[0].when == risk.updated_at > entries[1].when == risk.created_at
        fields = {c.field for c in entries[0].changes}
        assert fields and fields <= {"status", "escalated_to_dsg"}
        assert risk.revision == 2
    assert not Risk.history.filter(history_type="~").exclude(id__in=changed.values("pk")).exists()
