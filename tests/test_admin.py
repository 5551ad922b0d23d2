"""The Django admin the TDD Core Team runs the deal from: every page loads, lists cost a fixed
number of queries however long they grow, and the forms keep rows inside their deal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.db.models import Model, ProtectedError
from django.test import Client
from django.urls import reverse
from simple_history.models import HistoricalChanges

from accounts.models import User
from core.choices import OrganisationKind, Role
from core.models import Deal, Membership, Organisation
from missions.choices import AreaLevel, Coverage, Direction, TargetKind, Unit
from missions.models import (
    Area,
    Indicator,
    IndicatorFramework,
    IndicatorTheme,
    Metric,
    MissingFigure,
    Mission,
    MissionStatement,
    Observation,
    Target,
)
from tracker.choices import (
    AskOutcome,
    AskType,
    BodyKind,
    DecisionOutcome,
    ProposalStage,
    Rag,
    WorkstreamStatus,
)
from tracker.choices import Direction as UpdateDirection
from tracker.models import (
    Action,
    AgendaItem,
    AskResponse,
    BodyMember,
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
)

APPS = ("core", "accounts", "tracker", "missions")
REGISTERED = sorted(
    model._meta.label_lower for model in admin.site._registry if model._meta.app_label in APPS
)


def url(model: type[Model] | str, view: str, *args: object) -> str:
    if isinstance(model, str):
        model = apps.get_model(model)
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def superuser(django_user_model: type[User]) -> User:
    return django_user_model.objects.create_superuser(
        email="core.team@example.org", password="a-long-admin-password", full_name="Core Team"
    )


@pytest.fixture
def client(superuser: User) -> Client:
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def deal(db: None) -> Deal:
    return Deal.objects.create(name="Test Trailblazer Deal", short_name="Test TDD", slug="test-tdd")


@pytest.fixture
def theme(deal: Deal) -> Theme:
    return Theme.objects.create(deal=deal, name="Transport", slug="transport")


@pytest.fixture
def one_of_each(superuser: User, deal: Deal, theme: Theme) -> dict[str, Model]:
    """One row of every model in the three apps, linked as they are in real use."""
    organisation = Organisation.objects.create(
        name="Test Combined Authority", kind=OrganisationKind.COMBINED_AUTHORITY
    )
    workstream = Workstream.objects.create(
        deal=deal, theme=theme, name="Buses", slug="buses", can_proceed_outside_deal=True
    )
    membership = Membership.objects.create(
        user=superuser, deal=deal, role=Role.LEAD, workstream=workstream
    )
    department = GovernmentDepartment.objects.create(
        deal=deal, name="Department for Transport", abbreviation="DfT"
    )
    board = GovernanceBody.objects.create(
        deal=deal, name="Board", slug="board", kind=BodyKind.DECISION_BOARD
    )
    forum = GovernanceBody.objects.create(
        deal=deal,
        name="Transport Forum",
        slug="transport-forum",
        kind=BodyKind.THEMATIC_BOARD,
        next_body=board,
        is_chain_start=True,
    )
    seat = BodyMember.objects.create(body=board, user=superuser, position="Chair", is_chair=True)
    meeting = Meeting.objects.create(
        body=forum, starts_at=dt.datetime(2025, 6, 2, 10, tzinfo=dt.UTC)
    )
    meeting.attendees.add(superuser)
    milestone = Milestone.objects.create(
        deal=deal,
        title="Proposals agreed",
        when_label="June",
        starts_on=dt.date(2025, 6, 1),
        ends_on=dt.date(2025, 6, 30),
    )
    mission = Mission.objects.create(number=1, short_name="Living standards", slug="living")
    statement = MissionStatement.objects.create(
        mission=mission,
        text="Pay, employment and productivity will have risen in every area.",
        source="Levelling Up White Paper",
        stated_on=dt.date(2022, 2, 2),
        is_current=True,
    )
    metric = Metric.objects.create(
        mission=mission, name="Gross value added per hour", slug="gva", coverage=Coverage.UK
    )
    framework = IndicatorFramework.objects.create(name="Missions", slug="missions", deal=deal)
    indicator_theme = IndicatorTheme.objects.create(framework=framework, name="Economy")
    indicator = Indicator.objects.create(
        framework=framework,
        theme=indicator_theme,
        metric=metric,
        code="gva_per_hour",
        name="GVA per hour worked",
        unit=Unit.GBP,
        direction=Direction.HIGHER_IS_BETTER,
    )
    area = Area.objects.create(
        gss_code="E47000007", name="West Midlands", level=AreaLevel.COMBINED_AUTHORITY
    )
    observation = Observation.objects.create(
        indicator=indicator, area=area, period="2021", value=Decimal("33.5")
    )
    missing = MissingFigure.objects.create(
        indicator=indicator,
        area=area,
        period="2020",
        period_start=dt.date(2020, 1, 1),
        period_end=dt.date(2020, 12, 31),
        status="x",
    )
    target = Target.objects.create(
        indicator=indicator, area=area, kind=TargetKind.BASELINE, value=Decimal("33.5"), year=2021
    )
    proposal = Proposal.objects.create(
        deal=deal,
        workstream=workstream,
        title="Bus franchising",
        ask="Powers to franchise buses.",
        ask_type=AskType.POWER,
        owner=superuser,
    )
    proposal.departments.add(department)
    proposal.missions.add(mission)
    proposal.indicators.add(indicator)
    workstream.metrics.add(metric)
    decision = Decision.objects.create(
        proposal=proposal,
        body=forum,
        meeting=meeting,
        outcome=DecisionOutcome.ENDORSED,
        decided_on=dt.date(2025, 6, 2),
        recorded_by=superuser,
    )
    principle = Principle.objects.create(
        deal=deal, slug="double-devolution", short_name="Double devolution", question="Does it?"
    )
    response = PrincipleResponse.objects.create(
        proposal=proposal, principle=principle, answer="yes", note="A note"
    )
    agenda_item = AgendaItem.objects.create(
        meeting=meeting, title="Apologies", workstream=workstream, position=1
    )
    negotiation = NegotiationEntry.objects.create(
        proposal=proposal,
        department=department,
        held_on=dt.date(2025, 7, 1),
        attendees="Officials of both sides",
        summary="A first bilateral",
    )
    version = PropositionVersion.objects.create(deal=deal, number=1, title="TDD Proposition")
    item = PropositionItem.objects.create(
        version=version,
        proposal=proposal,
        position=1,
        theme_name=theme.name,
        workstream_name=workstream.name,
        title=proposal.title,
        ask_type=proposal.ask_type,
        ask=proposal.ask,
        classification=proposal.classification,
    )
    update = StatusUpdate.objects.create(
        workstream=workstream,
        period_start=dt.date(2025, 6, 2),
        period_end=dt.date(2025, 6, 13),
        rag=Rag.AMBER,
        direction=UpdateDirection.IMPROVING,
        summary="Bilateral with officials booked.",
        author=superuser,
    )
    review = UpdateReview.objects.create(
        status_update=update, reviewer=superuser, decision="signed-off"
    )
    risk = Risk.objects.create(
        workstream=workstream, title="Officials change", likelihood=3, impact=4
    )
    engagement = EngagementEntry.objects.create(
        workstream=workstream, organisation=organisation, frequency="monthly"
    )
    asking = StatusUpdate.objects.create(
        workstream=workstream,
        period_start=dt.date(2025, 6, 16),
        period_end=dt.date(2025, 6, 27),
        rag=Rag.AMBER,
        direction=UpdateDirection.IMPROVING,
        summary="Waiting on officials.",
        asks_of_dsg="Escalate the bus ask.",
        author=superuser,
    )
    answer = AskResponse.objects.create(
        status_update=asking,
        workstream=workstream,
        asked=asking.asks_of_dsg,
        meeting=meeting,
        agenda_item=agenda_item,
        outcome=AskOutcome.AGREED,
        response="Agreed.",
        recorded_by=superuser,
    )
    action = Action.objects.create(
        meeting=meeting,
        agenda_item=agenda_item,
        description="Write to the department.",
        owner_organisation=organisation,
        due_on=dt.date(2025, 6, 20),
    )
    rows: list[Model] = [
        answer,
        action,
        review,
        risk,
        engagement,
        organisation,
        superuser,
        membership,
        deal,
        theme,
        workstream,
        department,
        board,
        seat,
        meeting,
        milestone,
        proposal,
        decision,
        principle,
        response,
        agenda_item,
        negotiation,
        version,
        item,
        update,
        mission,
        statement,
        metric,
        framework,
        indicator_theme,
        indicator,
        area,
        observation,
        missing,
        target,
    ]
    return {row._meta.label_lower: row for row in rows}


# --- Every page loads -------------------------------------------------------------------------


def test_every_model_of_the_three_apps_is_in_the_admin():
    # History tables are shown through each audited model's "History" page instead.
    models = {
        m._meta.label_lower
        for app in APPS
        for m in apps.get_app_config(app).get_models()
        if not issubclass(m, HistoricalChanges)
    }
    # The data versions are the caches' bookkeeping (tracker.freshness), which nobody edits; a
    # person's sign-in sessions are theirs to see and end (/accounts/sessions/), and disabling
    # the person ends them all.
    bookkeeping = {
        "tracker.dataversion",
        "tracker.dealdataversion",
        "tracker.dealtopicversion",
        "tracker.workstreamdataversion",
        "accounts.usersession",
    }
    assert models - bookkeeping == set(REGISTERED)


@pytest.mark.parametrize("label", REGISTERED)
def test_the_list_of_every_model_loads_with_a_row_in_it(client, one_of_each, label):
    response = client.get(url(label, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


@pytest.mark.parametrize("label", REGISTERED)
def test_searching_the_list_of_every_model_works(client, one_of_each, label):
    response = client.get(url(label, "changelist"), {"q": "a"})
    assert response.status_code == 200


# Written only through services that check the governance rules, or kept forever as written
# (status updates and their sign-offs): shown in the admin, not added, changed or deleted.
VIEW_ONLY = {
    "missions.missingfigure",
    "tracker.decision",
    "tracker.negotiationentry",
    "tracker.principleresponse",
    "tracker.propositionitem",
    "tracker.propositionversion",
    "tracker.statusupdate",
    "tracker.updatereview",
}


@pytest.mark.parametrize("label", sorted(set(REGISTERED) - VIEW_ONLY))
def test_the_add_page_of_every_model_loads(client, db, label):
    assert client.get(url(label, "add")).status_code == 200


@pytest.mark.parametrize("label", sorted(VIEW_ONLY))
def test_records_the_governance_rules_write_cannot_be_added_or_changed_in_the_admin(
    client, one_of_each, label
):
    row = one_of_each[label]
    assert client.get(url(label, "add")).status_code == 403
    page = client.get(url(label, "change", row.pk))
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert client.post(url(label, "delete", row.pk), {"post": "yes"}).status_code == 403


def test_a_proposal_a_body_has_decided_on_is_withdrawn_not_deleted(client, one_of_each):
    """A version of the Proposition holds it, and its decisions are records the admin cannot
    delete, so neither can it be; the Board's endorsing decision is protected in the database
    as well."""
    proposal, decision = one_of_each["tracker.proposal"], one_of_each["tracker.decision"]
    delete = url("tracker.proposal", "delete", proposal.pk)
    refused = client.post(delete, {"post": "yes"})
    assert refused.status_code == 200 and refused.context["protected"]
    PropositionItem.objects.filter(proposal=proposal).delete()
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Proposal.objects.filter(pk=proposal.pk).exists()
    Proposal.objects.filter(pk=proposal.pk).update(
        stage=ProposalStage.APPROVED, board_endorsement=decision, awaiting_body=None
    )
    with pytest.raises(ProtectedError):
        Decision.objects.filter(pk=decision.pk).delete()
    draft = Proposal.objects.create(
        deal=proposal.deal,
        workstream=proposal.workstream,
        title="A mistake",
        classification="official",
    )
    assert (
        client.post(url("tracker.proposal", "delete", draft.pk), {"post": "yes"}).status_code == 302
    )
    assert not Proposal.objects.filter(pk=draft.pk).exists()


@pytest.mark.parametrize("label", REGISTERED)
def test_the_change_page_of_every_model_loads(client, one_of_each, label):
    row = one_of_each[label]
    assert client.get(url(label, "change", row.pk)).status_code == 200


@pytest.mark.parametrize("label", REGISTERED)
def test_every_filter_on_every_list_can_be_applied(client, one_of_each, label):
    """Choosing the first two real choices of each filter gives a page, not an error."""
    changelist = url(label, "changelist")
    cl = client.get(changelist).context["cl"]
    for spec in cl.filter_specs:
        for choice in list(spec.choices(cl))[1:3]:  # the first is "All"
            assert client.get(changelist + choice["query_string"]).status_code == 200


def test_with_the_reference_data_loaded_every_list_and_the_first_row_of_each_load(
    client, reference
):
    for label in REGISTERED:
        changelist = client.get(url(label, "changelist"))
        assert changelist.status_code == 200, label
        for row in list(changelist.context["cl"].result_list)[:1]:
            assert client.get(url(label, "change", row.pk)).status_code == 200, label


# --- Lists cost a fixed number of queries -----------------------------------------------------


def make_workstreams(deal: Deal, theme: Theme, count: int) -> list[Workstream]:
    workstreams = Workstream.objects.bulk_create(
        Workstream(deal=deal, theme=theme, name=f"Workstream {i}", slug=f"ws-{i}", position=i)
        for i in range(count)
    )
    users = User.objects.bulk_create(
        User(email=f"person{i}@example.org", full_name=f"Person {i}") for i in range(count * 2)
    )
    Membership.objects.bulk_create(
        [
            Membership(user=users[2 * i], deal=deal, role=Role.LEAD, workstream=ws)
            for i, ws in enumerate(workstreams)
        ]
        + [
            Membership(user=users[2 * i + 1], deal=deal, role=Role.SPONSOR, workstream=ws)
            for i, ws in enumerate(workstreams)
        ]
    )
    return workstreams


def make_updates(deal: Deal, theme: Theme, count: int) -> None:
    author = User.objects.create_user(email="author@example.org")
    StatusUpdate.objects.bulk_create(
        StatusUpdate(
            workstream=ws,
            period_start=dt.date(2025, 6, 2),
            period_end=dt.date(2025, 6, 13),
            rag=Rag.GREEN,
            direction=UpdateDirection.STABLE,
            summary="On track.",
            author=author,
        )
        for ws in make_workstreams(deal, theme, count)
    )


def make_proposals(deal: Deal, theme: Theme, count: int) -> None:
    owner = User.objects.create_user(email="owner@example.org")
    Proposal.objects.bulk_create(
        Proposal(
            deal=deal,
            workstream=ws,
            title=f"Ask {ws.position}",
            ask="Something of government.",
            ask_type=AskType.FUNDING,
            owner=owner,
        )
        for ws in make_workstreams(deal, theme, count)
    )


def make_observations(deal: Deal, theme: Theme, count: int) -> None:
    framework = IndicatorFramework.objects.create(name="ONS", slug="ons")
    indicator = Indicator.objects.create(
        framework=framework,
        code="healthy_life_expectancy",
        name="Healthy life expectancy",
        unit=Unit.YEARS,
        direction=Direction.HIGHER_IS_BETTER,
    )
    areas = Area.objects.bulk_create(
        Area(gss_code=f"E080000{i:02d}", name=f"District {i}", level=AreaLevel.LOCAL_AUTHORITY)
        for i in range(count)
    )
    Observation.objects.bulk_create(
        Observation(indicator=indicator, area=area, period="2021", value=Decimal(60))
        for area in areas
    )


LISTS = [
    pytest.param(Workstream, make_workstreams, id="workstreams"),
    pytest.param(StatusUpdate, make_updates, id="status updates"),
    pytest.param(Proposal, make_proposals, id="proposals"),
    pytest.param(Observation, make_observations, id="observations"),
]
# Each of these lists runs under ten queries; one query per row would pass twenty at once.
QUERY_CAP = 12


@pytest.mark.parametrize("rows", [20, 60])
@pytest.mark.parametrize(("model", "make"), LISTS)
def test_a_list_runs_the_same_few_queries_however_many_rows_it_shows(
    client, deal, theme, django_assert_max_num_queries, model, make, rows
):
    make(deal, theme, rows)
    with django_assert_max_num_queries(QUERY_CAP):
        response = client.get(url(model, "changelist"))
    assert response.status_code == 200
    assert response.context["cl"].result_count == rows


# --- What the lists show ----------------------------------------------------------------------


def test_the_workstream_list_shows_its_leads_its_sponsor_and_the_outside_the_deal_mark(
    client, one_of_each
):
    sponsor = User.objects.create_user(email="sue@example.org", full_name="Sue Sponsor")
    Membership.objects.create(
        user=sponsor,
        deal=one_of_each["core.deal"],
        role=Role.SPONSOR,
        workstream=one_of_each["tracker.workstream"],
    )
    response = client.get(url(Workstream, "changelist"))
    page = response.content.decode()
    assert "* outside the deal" in page
    assert "Core Team" in page
    assert "Sue Sponsor" in page
    assert 'alt="True"' in page


def test_the_governance_body_list_shows_where_work_goes_next_and_where_the_chain_starts(
    client, one_of_each
):
    response = client.get(url(GovernanceBody, "changelist"))
    rows = {row.name: row for row in response.context["cl"].result_list}
    assert rows["Transport Forum"].next_body.name == "Board"
    assert rows["Transport Forum"].is_chain_start
    assert "Next body" in response.content.decode()
    change = client.get(url(GovernanceBody, "change", rows["Transport Forum"].pk))
    assert "Board" in change.content.decode()


# --- Users sign in with their email -----------------------------------------------------------


def test_a_person_added_in_the_admin_signs_in_with_their_email_in_lower_case(client, db):
    response = client.post(
        url(User, "add"),
        {
            "email": "New.Person@Example.ORG",
            "full_name": "New Person",
            "usable_password": "true",
            "password1": "a-good-long-password",
            "password2": "a-good-long-password",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person = User.objects.get(full_name="New Person")
    assert person.email == "new.person@example.org"
    assert person.check_password("a-good-long-password")


def test_the_admin_refuses_a_second_person_whose_email_differs_only_in_case(client, superuser):
    response = client.post(
        url(User, "add"),
        {
            "email": "Core.Team@example.org",
            "usable_password": "true",
            "password1": "a-good-long-password",
            "password2": "a-good-long-password",
        },
    )
    assert response.status_code == 200
    assert "email" in response.context["adminform"].form.errors
    assert User.objects.count() == 1


def test_a_persons_details_can_be_changed_on_their_page(client, one_of_each):
    person = User.objects.create_user(email="pat@example.org", full_name="Pat")
    organisation = one_of_each["core.organisation"]
    response = client.post(
        url(User, "change", person.pk),
        {
            "email": "pat@example.org",
            "full_name": "Pat Partner",
            "job_title": "Policy officer",
            "organisation": organisation.pk,
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "1",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-deal": one_of_each["core.deal"].pk,
            "memberships-0-role": Role.PARTNER,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    person.refresh_from_db()
    assert (person.full_name, person.organisation) == ("Pat Partner", organisation)
    assert person.memberships.get().role == Role.PARTNER


# --- Rows stay inside their deal --------------------------------------------------------------


def theme_form(theme: Theme, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "deal": theme.deal_id,
        "name": theme.name,
        "slug": theme.slug,
        "position": theme.position,
        "workstreams-TOTAL_FORMS": "0",
        "workstreams-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_a_workstream_added_under_its_theme_takes_the_themes_deal(client, theme):
    response = client.post(
        url(Theme, "change", theme.pk),
        theme_form(
            theme,
            **{
                "workstreams-TOTAL_FORMS": "1",
                "workstreams-0-name": "Rail",
                "workstreams-0-slug": "rail",
                "workstreams-0-position": "1",
            },
        ),
    )
    assert response.status_code == 302
    assert Workstream.objects.get(slug="rail").deal == theme.deal


def test_a_workstream_name_already_used_in_the_deal_is_refused_on_the_theme_page(
    client, one_of_each
):
    theme = one_of_each["tracker.theme"]
    response = client.post(
        url(Theme, "change", theme.pk),
        theme_form(
            theme,
            **{
                "workstreams-TOTAL_FORMS": "1",
                "workstreams-0-name": "Buses",
                "workstreams-0-slug": "buses-2",
                "workstreams-0-position": "1",
            },
        ),
    )
    assert response.status_code == 200
    assert Workstream.objects.count() == 1


def test_two_new_workstreams_with_one_name_are_refused_on_the_theme_page(client, theme):
    rows = {
        "workstreams-TOTAL_FORMS": "2",
        "workstreams-0-name": "Rail",
        "workstreams-0-slug": "rail",
        "workstreams-0-position": "1",
        "workstreams-1-name": "Rail",
        "workstreams-1-slug": "rail-2",
        "workstreams-1-position": "2",
    }
    response = client.post(url(Theme, "change", theme.pk), theme_form(theme, **rows))
    assert response.status_code == 200
    assert not Workstream.objects.exists()


def workstream_form(workstream: Workstream, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "deal": workstream.deal_id,
        "theme": workstream.theme_id,
        "name": workstream.name,
        "slug": workstream.slug,
        "position": workstream.position,
        "status": workstream.status,
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_a_lead_added_under_a_workstream_holds_the_role_in_its_deal(client, one_of_each):
    workstream = one_of_each["tracker.workstream"]
    person = User.objects.create_user(email="alice@example.org", full_name="Alice Lead")
    Membership.objects.all().delete()
    response = client.post(
        url(Workstream, "change", workstream.pk),
        workstream_form(
            workstream,
            **{
                "memberships-TOTAL_FORMS": "1",
                "memberships-0-user": person.pk,
                "memberships-0-role": Role.LEAD,
            },
        ),
    )
    assert response.status_code == 302
    membership = Membership.objects.get()
    assert (membership.user, membership.deal, membership.workstream) == (
        person,
        workstream.deal,
        workstream,
    )


def test_a_second_sponsor_for_a_workstream_is_refused_on_its_page(client, one_of_each):
    workstream = one_of_each["tracker.workstream"]
    first = User.objects.create_user(email="sue@example.org")
    second = User.objects.create_user(email="sam@example.org")
    response = client.post(
        url(Workstream, "change", workstream.pk),
        workstream_form(
            workstream,
            **{
                "memberships-TOTAL_FORMS": "2",
                "memberships-0-user": first.pk,
                "memberships-0-role": Role.SPONSOR,
                "memberships-1-user": second.pk,
                "memberships-1-role": Role.SPONSOR,
            },
        ),
    )
    assert response.status_code == 200
    assert not Membership.objects.filter(role=Role.SPONSOR).exists()


def test_a_workstream_cannot_be_put_under_another_deals_theme(client, one_of_each):
    other = Deal.objects.create(name="Another deal", short_name="Other", slug="other")
    foreign_theme = Theme.objects.create(deal=other, name="Housing", slug="housing")
    workstream = one_of_each["tracker.workstream"]
    response = client.post(
        url(Workstream, "change", workstream.pk),
        workstream_form(workstream, theme=foreign_theme.pk),
    )
    assert response.status_code == 200
    assert "theme" in response.context["adminform"].form.errors


def test_a_merged_workstream_must_name_the_one_it_merged_into(client, one_of_each):
    workstream = one_of_each["tracker.workstream"]
    response = client.post(
        url(Workstream, "change", workstream.pk),
        workstream_form(workstream, status=WorkstreamStatus.MERGED),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors


def test_the_escalation_chain_cannot_be_made_into_a_loop(client, one_of_each):
    board = GovernanceBody.objects.get(slug="board")
    forum = GovernanceBody.objects.get(slug="transport-forum")
    response = client.post(
        url(GovernanceBody, "change", board.pk),
        {
            "deal": board.deal_id,
            "name": board.name,
            "slug": board.slug,
            "kind": board.kind,
            "position": "0",
            "next_body": forum.pk,
            "members-TOTAL_FORMS": "0",
            "members-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "next_body" in response.context["adminform"].form.errors


def test_the_same_deal_wide_role_given_twice_on_a_persons_page_is_refused(client, one_of_each):
    person = User.objects.create_user(email="dan@example.org")
    deal = one_of_each["core.deal"]
    response = client.post(
        url(User, "change", person.pk),
        {
            "email": person.email,
            "is_active": "on",
            "date_joined_0": "2025-01-01",
            "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "2",
            "memberships-INITIAL_FORMS": "0",
            "memberships-0-deal": deal.pk,
            "memberships-0-role": Role.DSG,
            "memberships-1-deal": deal.pk,
            "memberships-1-role": Role.DSG,
        },
    )
    assert response.status_code == 200
    assert not person.memberships.exists()


def test_two_current_wordings_of_a_mission_are_refused_on_its_page(client, db):
    mission = Mission.objects.create(number=2, short_name="Research", slug="research")
    rows = {
        "statements-TOTAL_FORMS": "2",
        "statements-INITIAL_FORMS": "0",
        "metrics-TOTAL_FORMS": "0",
        "metrics-INITIAL_FORMS": "0",
    }
    for i, year in enumerate((2022, 2024)):
        rows |= {
            f"statements-{i}-stated_on": f"{year}-02-02",
            f"statements-{i}-is_current": "on",
            f"statements-{i}-source": "White Paper",
            f"statements-{i}-text": "More research spending.",
        }
    response = client.post(
        url(Mission, "change", mission.pk),
        {"number": "2", "short_name": "Research", "slug": "research", **rows},
    )
    assert response.status_code == 200
    assert not MissionStatement.objects.exists()
