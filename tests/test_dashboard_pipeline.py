"""The DSG's pipeline (with the timeline ahead), mission coverage and asks pages: who sees them,
what a partner sees of them, the stuck-proposal weeks, the coverage matrix on a constructed
example, the asks list, and a bounded number of queries however much there is."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from core.choices import Classification
from missions.models import Indicator, Metric, Mission
from tracker import services
from tracker.choices import (
    AskType,
    DecisionOutcome,
    Direction,
    MilestoneStatus,
    Outcome,
    PrincipleAnswer,
    ProposalStage,
    Rag,
    RiskStatus,
)
from tracker.models import (
    GovernanceBody,
    Milestone,
    Principle,
    Proposal,
    Risk,
    StatusUpdate,
    Workstream,
)
from tracker.periods import deal_period, last_due_period
from tracker.selectors import pipeline as pipeline_selectors
from tracker.selectors.governance import chain_of

from .conftest import People

PAGES = ["/dashboard/pipeline/", "/dashboard/coverage/", "/dashboard/asks/"]
SECRET = "Secret rail ask"


def _ws(people: People, slug: str) -> Workstream:
    return Workstream.objects.get(deal=people.deal, slug=slug)


def _proposal(
    people: People,
    title: str,
    *,
    ws: str = "transport",
    classification: str = Classification.OFFICIAL,
    **fields: Any,
) -> Proposal:
    author = people.lead if ws == "transport" else people.other_lead
    values = {"ask": "A ten-year funding settlement.", "ask_type": AskType.FUNDING} | fields
    return services.proposal_create(
        workstream=_ws(people, ws),
        acting_user=author,
        title=title,
        classification=classification,
        **values,
    )


def _in_chain(people: People, title: str, **kw: Any) -> Proposal:
    proposal = _proposal(people, title, **kw)
    services.proposal_submit(proposal=proposal, acting_user=people.admin)
    proposal.refresh_from_db()
    return proposal


def _endorse(people: People, proposal: Proposal) -> None:
    proposal.refresh_from_db()
    assert proposal.awaiting_body is not None
    services.decision_record(
        proposal=proposal,
        body=proposal.awaiting_body,
        outcome=DecisionOutcome.ENDORSED,
        acting_user=people.admin,
    )


def _first_body(people: People) -> GovernanceBody:
    return GovernanceBody.objects.get(deal=people.deal, is_chain_start=True)


def _age(proposal: Proposal, weeks: float) -> None:
    """As if the proposal last moved ``weeks`` weeks ago (the clock cannot be wound back
    through the services)."""
    then = timezone.now() - dt.timedelta(weeks=weeks)
    Proposal.objects.filter(pk=proposal.pk).update(moved_at=then, created_at=then)


# --- Who sees the pages -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["admin", "lead", "other_lead", "sponsor", "dsg", "partner"])
@pytest.mark.parametrize("url", PAGES)
def test_everyone_with_a_role_in_the_deal_sees_the_pages(
    client: Client, people: People, persona: str, url: str
) -> None:
    client.force_login(people.all_roles()[persona])
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["deal"] == people.deal


@pytest.mark.parametrize("url", PAGES)
def test_no_role_is_not_found_and_signed_out_goes_to_sign_in(
    client: Client, people: People, url: str
) -> None:
    assert client.get(url).status_code == 302
    client.force_login(people.nobody)
    assert client.get(url).status_code == 404
    client.force_login(people.dsg)
    assert client.get(url + "?deal=no-such-deal").status_code == 404


def test_the_pages_are_routed_by_name() -> None:
    from django.urls import reverse

    assert reverse("dashboard-pipeline") == "/dashboard/pipeline/"
    assert reverse("dashboard-coverage") == "/dashboard/coverage/"
    assert reverse("dashboard-asks") == "/dashboard/asks/"


# --- The pipeline -----------------------------------------------------------------------------


def test_the_pipeline_counts_by_body_stage_and_outcome_and_links_each_number(
    client: Client, people: People
) -> None:
    chain = chain_of(people.deal)
    first, second = chain[0], chain[1]
    _proposal(people, "A draft")
    waiting = _in_chain(people, "Bus settlement")
    _in_chain(people, "Rail powers")
    moved_on = _in_chain(people, "Skills funding", ws="skills")
    _endorse(people, moved_on)
    withdrawn = _proposal(people, "Withdrawn ask")
    services.proposal_conclude(
        proposal=withdrawn, acting_user=people.admin, outcome=Outcome.WITHDRAWN, notes="Dropped"
    )
    client.force_login(people.dsg)
    response = client.get("/dashboard/pipeline/")
    pipeline = response.context["pipeline"]
    assert [c.body for c in pipeline.chain] == chain
    by_body = {c.body.pk: c for c in pipeline.chain}
    assert by_body[first.pk].count == 2
    assert {p.title for p in by_body[first.pk].proposals} == {"Bus settlement", "Rail powers"}
    assert by_body[second.pk].count == 1
    assert [p.title for p in by_body[second.pk].proposals] == ["Skills funding"]
    stages = {t.key: t.count for t in pipeline.stages}
    assert stages == {
        ProposalStage.DRAFT: 1,
        ProposalStage.IN_GOVERNANCE: 3,
        ProposalStage.APPROVED: 0,
        ProposalStage.REJECTED: 0,
        ProposalStage.SUBMITTED: 0,
        ProposalStage.IN_NEGOTIATION: 0,
        ProposalStage.CONCLUDED: 1,
    }
    outcomes = {t.key: t.count for t in pipeline.outcomes}
    assert outcomes[Outcome.WITHDRAWN] == 1
    assert sum(outcomes.values()) == 1
    assert pipeline.total == 5
    html = response.content.decode()
    assert f'href="/proposals/?stage=in_governance&amp;body={first.slug}">2 proposals' in html
    assert 'href="/proposals/?stage=draft">1<' in html
    assert 'href="/proposals/?stage=concluded&amp;outcome=withdrawn">1<' in html
    assert f'href="/proposals/{waiting.pk}/"' in html
    # The links lead to the same records in the proposals list.
    listed = client.get(f"/proposals/?stage=in_governance&body={first.slug}")
    assert {p.title for p, _ in listed.context["proposals"]} == {"Bus settlement", "Rail powers"}


def test_what_awaits_each_bodys_next_meeting(client: Client, people: People) -> None:
    first = _first_body(people)
    proposal = _in_chain(people, "Bus settlement")
    soon = services.meeting_create(
        body=first, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=9)
    )
    services.meeting_create(
        body=first, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=40)
    )
    client.force_login(people.sponsor)
    response = client.get("/dashboard/pipeline/")
    meetings = response.context["next_meetings"]
    assert [m.pk for m in meetings] == [soon.pk]
    assert [i.proposal for i in meetings[0].proposal_items] == [proposal]
    assert f'href="/meetings/{soon.pk}/"' in response.content.decode()


def test_stuck_proposals_after_the_default_and_a_chosen_number_of_weeks(
    client: Client, people: People
) -> None:
    old = _in_chain(people, "Waiting ten weeks")
    _age(old, 10)
    middling = _proposal(people, "Draft of four weeks")
    _age(middling, 4)
    _in_chain(people, "Moved today")
    closed = _proposal(people, "Closed long ago")
    services.proposal_conclude(
        proposal=closed, acting_user=people.admin, outcome=Outcome.WITHDRAWN, notes="Dropped"
    )
    _age(closed, 30)
    client.force_login(people.dsg)
    response = client.get("/dashboard/pipeline/")
    assert pipeline_selectors.STUCK_AFTER_WEEKS == 6
    assert response.context["stuck"].weeks == 6
    assert [p.title for p in response.context["stuck"].proposals] == ["Waiting ten weeks"]
    response = client.get("/dashboard/pipeline/?weeks=3")
    stuck = response.context["stuck"]
    assert stuck.weeks == 3
    assert [p.title for p in stuck.proposals] == ["Waiting ten weeks", "Draft of four weeks"]
    assert stuck.count == 2
    assert not response.context["form"].errors
    assert "2 proposals not closed have not moved for 3 weeks" in response.content.decode()
    response = client.get("/dashboard/pipeline/?weeks=104")
    assert response.context["stuck"].weeks == 104
    assert response.context["stuck"].proposals == []


@pytest.mark.parametrize("weeks", ["0", "-3", "105", "abc", "2.5", ""])
def test_a_wrong_number_of_weeks_is_explained_and_the_default_used(
    client: Client, people: People, weeks: str
) -> None:
    old = _in_chain(people, "Waiting ten weeks")
    _age(old, 10)
    client.force_login(people.dsg)
    response = client.get(f"/dashboard/pipeline/?weeks={weeks}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "There is a problem" in html
    assert "Enter the number of weeks as a whole number from 1 to 104" in html
    assert "<title>Error: " in html
    assert response.context["stuck"].weeks == pipeline_selectors.STUCK_AFTER_WEEKS
    assert [p.title for p in response.context["stuck"].proposals] == ["Waiting ten weeks"]


def test_the_timeline_ahead_holds_milestones_not_done_and_meetings_of_the_next_eight_weeks(
    client: Client, people: People
) -> None:
    today = timezone.localdate()
    first = _first_body(people)
    Milestone.objects.filter(deal=people.deal).delete()
    soon = Milestone.objects.create(
        deal=people.deal,
        title="Soon",
        when_label="Soon",
        starts_on=today + dt.timedelta(days=20),
        ends_on=today + dt.timedelta(days=25),
    )
    late = Milestone.objects.create(
        deal=people.deal,
        title="Overdue",
        when_label="Last month",
        starts_on=today - dt.timedelta(days=40),
        ends_on=today - dt.timedelta(days=30),
    )
    Milestone.objects.create(
        deal=people.deal,
        title="Done already",
        when_label="Next week",
        starts_on=today + dt.timedelta(days=7),
        ends_on=today + dt.timedelta(days=7),
        status=MilestoneStatus.DONE,
    )
    Milestone.objects.create(
        deal=people.deal,
        title="Far off",
        when_label="Next year",
        starts_on=today + dt.timedelta(weeks=9),
        ends_on=today + dt.timedelta(weeks=10),
    )
    meeting = services.meeting_create(
        body=first, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=10)
    )
    services.meeting_create(
        body=first, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(weeks=9)
    )
    client.force_login(people.partner)
    entries = client.get("/dashboard/pipeline/").context["timeline"]
    assert [(e.milestone, e.meeting) for e in entries] == [
        (late, None),
        (None, meeting),
        (soon, None),
    ]
    assert entries[0].overdue and not entries[2].overdue


# --- Partners ---------------------------------------------------------------------------------


def test_a_partner_sees_no_sensitive_proposal_and_no_count_that_includes_one(
    client: Client, people: People
) -> None:
    first = _first_body(people)
    secret = _in_chain(people, SECRET, classification=Classification.OFFICIAL_SENSITIVE)
    _age(secret, 12)
    _in_chain(people, "Open bus ask")
    secret_draft = _proposal(
        people, "Secret skills draft", ws="skills", classification=Classification.OFFICIAL_SENSITIVE
    )
    _age(secret_draft, 12)
    services.meeting_create(
        body=first, acting_user=people.admin, starts_at=timezone.now() + dt.timedelta(days=5)
    )
    pages = {}
    for persona in ("partner", "dsg"):
        client.force_login(people.all_roles()[persona])
        pages[persona] = client.get("/dashboard/pipeline/")
    partner, dsg = pages["partner"], pages["dsg"]
    html = partner.content.decode()
    assert SECRET not in html and "Secret skills draft" not in html
    assert SECRET in dsg.content.decode()
    first_count = {c.body.pk: c.count for c in partner.context["pipeline"].chain}[first.pk]
    assert first_count == 1
    assert {c.body.pk: c.count for c in dsg.context["pipeline"].chain}[first.pk] == 2
    partner_stages = {t.key: t.count for t in partner.context["pipeline"].stages}
    assert partner_stages[ProposalStage.IN_GOVERNANCE] == 1
    assert partner_stages[ProposalStage.DRAFT] == 0
    assert partner.context["pipeline"].total == 1
    assert dsg.context["pipeline"].total == 3
    assert partner.context["stuck"].count == 0
    assert dsg.context["stuck"].count == 2
    partner_items = [
        i.proposal.title for m in partner.context["next_meetings"] for i in m.proposal_items
    ]
    assert partner_items == ["Open bus ask"]
    # The agenda count on the timeline counts only what the partner may see.
    meeting_entries = [e.meeting for e in partner.context["timeline"] if e.meeting]
    assert [m.agenda_size for m in meeting_entries] == [1]
    assert "1 item on the agenda" in html


def test_a_partners_coverage_and_asks_leave_sensitive_records_out(
    client: Client, people: People
) -> None:
    mission = Mission.objects.get(number=5)
    _proposal(people, SECRET, classification=Classification.OFFICIAL_SENSITIVE, missions=[mission])
    transport = _ws(people, "transport")
    period = last_due_period(people.deal, timezone.localdate())
    services.status_update_submit(
        workstream=transport,
        acting_user=people.lead,
        period=period,
        rag=Rag.RED,
        direction=Direction.WORSENING,
        summary="Slipping.",
        asks_of_dsg="Secret ask of the DSG",
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    services.risk_create(
        workstream=transport,
        acting_user=people.lead,
        title="Secret escalated risk",
        likelihood=4,
        impact=4,
        escalated_to_dsg=True,
        classification=Classification.OFFICIAL_SENSITIVE,
    )
    client.force_login(people.partner)
    coverage = client.get("/dashboard/coverage/")
    asks = client.get("/dashboard/asks/")
    for response in (coverage, asks):
        html = response.content.decode()
        assert SECRET not in html
        assert "Secret ask of the DSG" not in html
        assert "Secret escalated risk" not in html
    missions = {row.mission.number: row for row in coverage.context["coverage"].missions}
    assert missions[5].proposals == 0 and missions[5].unaddressed
    assert coverage.context["coverage"].proposal_rows == []
    assert asks.context["asks"] == []
    client.force_login(people.dsg)
    missions = {
        row.mission.number: row
        for row in client.get("/dashboard/coverage/").context["coverage"].missions
    }
    assert missions[5].proposals == 1 and not missions[5].unaddressed
    assert len(client.get("/dashboard/asks/").context["asks"]) == 2


# --- Mission coverage -------------------------------------------------------------------------


def test_the_coverage_matrix_on_a_constructed_example(client: Client, people: People) -> None:
    m1, m2, m3, m4 = (Mission.objects.get(number=n) for n in (1, 2, 3, 4))
    metric2 = Metric.objects.filter(mission=m2).order_by("position", "pk").first()
    indicator3 = Indicator.objects.filter(metric__mission=m3).order_by("pk").first()
    assert metric2 is not None and indicator3 is not None
    transport = _ws(people, "transport")
    services.workstream_links_set(
        workstream=transport, acting_user=people.lead, missions=[m1], metrics=[], indicators=[]
    )
    named = _proposal(people, "Names mission 1", missions=[m1])
    by_metric = _proposal(people, "Names a metric of mission 2", metrics=[metric2])
    by_indicator = _in_chain(people, "Names an indicator of mission 3", indicators=[indicator3])
    closed = _proposal(people, "Closed, names mission 4", missions=[m4])
    services.proposal_conclude(
        proposal=closed, acting_user=people.admin, outcome=Outcome.WITHDRAWN, notes="Dropped"
    )
    client.force_login(people.dsg)
    response = client.get("/dashboard/coverage/")
    coverage = response.context["coverage"]
    assert [row.mission.number for row in coverage.missions] == list(range(1, 13))
    rows = {row.record.title: row.cells for row in coverage.proposal_rows}
    assert set(rows) == {named.title, by_metric.title, by_indicator.title}
    assert rows[named.title][0] == "direct" and rows[named.title].count("") == 11
    assert rows[by_metric.title][1] == "indirect" and rows[by_metric.title].count("") == 11
    assert rows[by_indicator.title][2] == "indirect"
    ws_rows = {row.record: row.cells for row in coverage.workstream_rows}
    assert ws_rows[transport] == ["direct"] + [""] * 11
    unaddressed = {row.mission.number for row in coverage.unaddressed}
    # Mission 4 is claimed only by a closed proposal; 2 only through a metric, 3 an indicator.
    assert unaddressed == set(range(4, 13))
    missions = {row.mission.number: row for row in coverage.missions}
    assert missions[2].proposals == 1 and missions[1].workstreams == 1
    metrics2 = {m.metric: m for m in missions[2].metrics}
    assert metrics2[metric2].covered and metrics2[metric2].proposals == 1
    assert all(not m.covered for m in missions[2].metrics if m.metric != metric2)
    metrics3 = {m.metric: m for m in missions[3].metrics}
    assert metrics3[indicator3.metric].covered
    assert not any(m.covered for m in missions[4].metrics)
    html = response.content.decode()
    assert html.count("No active proposal</strong>") == 9
    assert ">By metric<" in html
    assert (
        'class="app-table-scroll" role="region" aria-labelledby="matrix-caption" tabindex="0"'
        in html
    )
    assert "Not covered</strong>" in html


def test_principles_checklist_gaps_name_the_unanswered_principles(
    client: Client, people: People
) -> None:
    principles = list(Principle.objects.filter(deal=people.deal).order_by("position"))
    assert len(principles) >= 2
    partly = _proposal(people, "Partly answered")
    services.principles_answer(
        proposal=partly,
        acting_user=people.lead,
        answers={principles[0]: (PrincipleAnswer.YES, "")},
    )
    full = _proposal(people, "All answered")
    services.principles_answer(
        proposal=full,
        acting_user=people.lead,
        answers={p: (PrincipleAnswer.NOT_APPLICABLE, "") for p in principles},
    )
    client.force_login(people.dsg)
    response = client.get("/dashboard/coverage/")
    gaps = {g.proposal.title: g.unanswered for g in response.context["coverage"].gaps}
    assert gaps == {"Partly answered": [p.short_name for p in principles[1:]]}
    html = response.content.decode()
    assert all(f"<li>{p.short_name}</li>" in html for p in principles[1:])
    assert f"<li>{principles[0].short_name}</li>" not in html


# --- Asks of the DSG --------------------------------------------------------------------------


def _update(people: People, ws: str, period: Any, asks: str = "", **kw: Any) -> StatusUpdate:
    author = people.lead if ws == "transport" else people.other_lead
    values = {
        "rag": Rag.AMBER,
        "direction": Direction.STABLE,
        "summary": "Progress as planned.",
        "next_steps": "Carry on.",
    } | kw
    return services.status_update_submit(
        workstream=_ws(people, ws),
        acting_user=author,
        period=period,
        asks_of_dsg=asks,
        **values,
    )


def test_the_asks_list_holds_current_asks_and_escalated_risks_newest_first(
    client: Client, people: People
) -> None:
    today = timezone.localdate()
    last = last_due_period(people.deal, today)
    long_ago = deal_period(people.deal, today - dt.timedelta(days=120))
    # Transport asked long ago only: not current.
    _update(people, "transport", long_ago, asks="An old ask")
    # Skills asked in the last period, then revised without the ask: the revision is current.
    _update(people, "skills", long_ago, asks="Another old ask")
    first = _update(people, "skills", last, asks="Withdrawn ask")
    _update(people, "skills", last, based_on_version=first.version)
    transport = _ws(people, "transport")
    risk_old = services.risk_create(
        workstream=transport,
        acting_user=people.lead,
        title="Treasury sign-off late",
        likelihood=5,
        impact=4,
        escalated_to_dsg=True,
    )
    Risk.objects.filter(pk=risk_old.pk).update(updated_at=timezone.now() - dt.timedelta(days=3))
    services.risk_create(
        workstream=transport,
        acting_user=people.lead,
        title="Not escalated",
        likelihood=2,
        impact=2,
    )
    services.risk_create(
        workstream=transport,
        acting_user=people.lead,
        title="Escalated but closed",
        likelihood=2,
        impact=2,
        escalated_to_dsg=True,
        status=RiskStatus.CLOSED,
    )
    current = _update(
        people,
        "transport",
        last,
        asks="Escalate the funding formula to the SLT sponsor.",
        rag=Rag.RED,
    )
    client.force_login(people.sponsor)
    response = client.get("/dashboard/asks/")
    asks = response.context["asks"]
    assert [(a.update, a.risk) for a in asks] == [(current, None), (None, risk_old)]
    assert asks[0].rag == Rag.RED and asks[0].workstream == transport
    assert asks[1].rag == Rag.RED  # 5 x 4 = 20
    html = response.content.decode()
    assert f'href="/workstreams/transport/updates/{current.pk}/"' in html
    assert f'href="/workstreams/transport/risks/{risk_old.pk}/"' in html
    for absent in ("An old ask", "Another old ask", "Withdrawn ask", "Not escalated", "closed"):
        assert absent not in html
    assert "Escalate the funding formula to the SLT sponsor." in html
    assert html.index("Escalate the funding formula") < html.index("Treasury sign-off late")


# --- Queries ----------------------------------------------------------------------------------


def _fill(people: People, size: int) -> None:
    """``size`` proposals at every stage with missions, principles, meetings, milestones,
    updates with asks and escalated risks, half of them sensitive."""
    missions = list(Mission.objects.order_by("number"))
    metrics = list(Metric.objects.order_by("pk")[:3])
    principles = list(Principle.objects.filter(deal=people.deal))
    first = _first_body(people)
    for n in range(size):
        marking = Classification.OFFICIAL if n % 2 else Classification.OFFICIAL_SENSITIVE
        proposal = _proposal(
            people,
            f"Proposal {n:03}",
            classification=marking,
            missions=[missions[n % 12]],
            metrics=[metrics[n % 3]],
        )
        services.principles_answer(
            proposal=proposal,
            acting_user=people.lead,
            answers={principles[0]: (PrincipleAnswer.YES, "")},
        )
        if n % 3:
            services.proposal_submit(proposal=proposal, acting_user=people.admin)
        if n % 3 == 2:
            _endorse(people, proposal)
        if n % 4 == 0:
            _age(proposal, 10)
        services.risk_create(
            workstream=_ws(people, "transport"),
            acting_user=people.lead,
            title=f"Risk {n:03}",
            likelihood=3,
            impact=4,
            escalated_to_dsg=True,
            classification=marking,
        )
        Milestone.objects.create(
            deal=people.deal,
            title=f"Milestone {n:03}",
            when_label="Soon",
            starts_on=timezone.localdate() + dt.timedelta(days=n % 50),
            ends_on=timezone.localdate() + dt.timedelta(days=n % 50),
        )
    for days in range(1, 1 + max(2, size // 5)):
        services.meeting_create(
            body=first,
            acting_user=people.admin,
            starts_at=timezone.now() + dt.timedelta(days=days, hours=1),
        )
    today = timezone.localdate()
    for ws in ("transport", "skills"):
        for weeks_back in range(max(1, size // 10), 0, -1):
            old = deal_period(people.deal, today - dt.timedelta(weeks=4 * weeks_back + 8))
            _update(people, ws, old, asks=f"Old ask {weeks_back}")
        _update(people, ws, last_due_period(people.deal, today), asks=f"Ask of {ws}")


CACHED_QUERIES = 5


def _main(response: Any) -> str:
    html = response.content.decode()
    return html[html.index('<main class="govuk-main-wrapper"') : html.index("</main>")]


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("persona", ["dsg", "partner"])
def test_the_pages_ask_a_bounded_number_of_queries(
    client: Client,
    people: People,
    django_assert_max_num_queries: Any,
    size: int,
    persona: str,
) -> None:
    _fill(people, size)
    client.force_login(people.all_roles()[persona])
    # Each built afresh: the reads, and the versions of what the page reads (its cache key);
    # the asks also read the versions their rendered items are kept under (two).
    limits = {"/dashboard/pipeline/": 14, "/dashboard/coverage/": 17, "/dashboard/asks/": 9}
    for url, limit in limits.items():
        with django_assert_max_num_queries(limit):
            first = client.get(url)
        assert first.status_code == 200
        # Then from the cache until what it reads changes: the session, the person, their
        # roles, the deal and the versions.
        with django_assert_max_num_queries(CACHED_QUERIES):
            again = client.get(url)
        assert _main(again) == _main(first)
    with django_assert_max_num_queries(limits["/dashboard/pipeline/"]):
        assert client.get("/dashboard/pipeline/?weeks=2").status_code == 200
