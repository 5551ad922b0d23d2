"""The digest builder: what a subscription's email says for a period, within its scope and
audience, with a bounded number of queries; and its signed links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pytest
import time_machine
from django.utils import timezone

from briefings import links
from briefings.choices import Audience, Frequency, Scope
from briefings.digest import DigestEmail, build, compose
from briefings.models import Subscription
from core.choices import Classification
from core.models import Membership
from tracker import services
from tracker.choices import AskType, DecisionOutcome, Direction, MilestoneStatus, Outcome, Rag
from tracker.models import GovernanceBody, Meeting, Milestone, Workstream
from tracker.periods import deal_period

from .conftest import People

SENSITIVE = Classification.OFFICIAL_SENSITIVE
# Words that appear only in OFFICIAL-SENSITIVE records: a partner's email never contains them.
SECRET_WORDS = ["Zephyrine", "Quokka", "Narwhal", "Obsidian"]
OPEN_WORDS = ["Bus franchising", "Rail devolution", "Operators' data late", "Skills bootcamps"]


def subscribe(
    deal,
    *,
    user=None,
    email: str = "",
    audience: str = Audience.PARTNER,
    scope: str = Scope.DEAL,
    theme=None,
    workstreams: Iterable[Workstream] = (),
) -> Subscription:
    subscription = Subscription.objects.create(
        deal=deal,
        user=user,
        email=email,
        audience=audience,
        frequency=Frequency.WEEKLY,
        day=0,
        send_at=dt.time(8, 0),
        scope=scope,
        theme=theme,
        next_due_at=timezone.now() + dt.timedelta(days=7),
    )
    subscription.workstreams.set(list(workstreams))
    return subscription


def parts(email: DigestEmail) -> tuple[str, str, str]:
    message = email.message
    return message.subject, message.body, str(message.alternatives[0][0])


def everything(email: DigestEmail) -> str:
    return "\n".join(parts(email))


@dataclass
class Period:
    start: dt.datetime
    end: dt.datetime


@pytest.fixture
def period(people: People) -> Period:
    """The period the records below are made in: from an hour ago to a minute from now."""
    now = timezone.now()
    return Period(now - dt.timedelta(hours=1), now + dt.timedelta(minutes=1))


@pytest.fixture
def records(people: People, period: Period) -> None:
    """Updates, proposals, a decision, an outcome and escalated risks of both markings, made in
    the period, after an OFFICIAL update from before it (so Transport's RAG changes)."""
    deal = people.deal
    transport = Workstream.objects.get(deal=deal, slug="transport")
    skills = Workstream.objects.get(deal=deal, slug="skills")
    today = timezone.localdate()
    earlier = deal_period(deal, today - dt.timedelta(days=21))
    current = deal_period(deal, today - dt.timedelta(days=7))
    with time_machine.travel(period.start - dt.timedelta(days=10), tick=False):
        services.status_update_submit(
            workstream=transport,
            acting_user=people.lead,
            period=earlier,
            rag=Rag.GREEN,
            direction=Direction.STABLE,
            summary="An update from before the period.",
        )
    services.status_update_submit(
        workstream=transport,
        acting_user=people.lead,
        period=current,
        rag=Rag.AMBER,
        direction=Direction.WORSENING,
        summary="Bus franchising consultation closed late.",
    )
    services.status_update_submit(
        workstream=transport,
        acting_user=people.lead,
        period=current,
        based_on_version=1,
        rag=Rag.RED,
        direction=Direction.WORSENING,
        summary="Zephyrine: HM Treasury will not fund the rail tunnel.",
        asks_of_dsg="Raise the Zephyrine position with the mayor.",
        classification=SENSITIVE,
    )
    services.status_update_submit(
        workstream=skills,
        acting_user=people.other_lead,
        period=current,
        rag=Rag.GREEN,
        direction=Direction.IMPROVING,
        summary="Skills bootcamps contracts signed.",
    )
    proposals = {}
    for ws, title, marking in [
        (transport, "Quokka settlement for buses", SENSITIVE),
        (transport, "Rail devolution", Classification.OFFICIAL),
        (skills, "Adult skills budget", Classification.OFFICIAL),
    ]:
        proposals[title] = services.proposal_create(
            workstream=ws,
            acting_user=people.admin,
            title=title,
            classification=marking,
            ask="A ten-year settlement.",
            ask_type=AskType.FUNDING,
        )
        services.proposal_submit(proposal=proposals[title], acting_user=people.admin)
    quokka = proposals["Quokka settlement for buses"]
    quokka.refresh_from_db()
    services.decision_record(
        proposal=quokka,
        body=quokka.awaiting_body,
        outcome=DecisionOutcome.ENDORSED,
        acting_user=people.admin,
    )
    services.proposal_conclude(
        proposal=proposals["Adult skills budget"],
        acting_user=people.admin,
        outcome=Outcome.WITHDRAWN,
        notes="Folded into the skills settlement.",
    )
    for ws, title, marking in [
        (transport, "Narwhal: the Treasury's red line", SENSITIVE),
        (transport, "Operators' data late", Classification.OFFICIAL),
    ]:
        services.risk_create(
            workstream=ws,
            acting_user=people.admin,
            title=title,
            description="Obsidian" if marking == SENSITIVE else "",
            likelihood=4,
            impact=4,
            escalated_to_dsg=True,
            classification=marking,
        )


# --- Audience -----------------------------------------------------------------------------------


def test_a_partner_digest_never_contains_official_sensitive_titles_or_text(
    people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    for part in parts(email):
        for word in SECRET_WORDS:
            assert word not in part
        assert "SENSITIVE" not in part.upper()
    assert "Bus franchising consultation closed late." in email.message.body
    assert email.message.subject.startswith("OFFICIAL: ")
    assert email.context["marking"] == "OFFICIAL"


def test_a_partner_digest_shows_the_official_changes(
    people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    for part in parts(email)[1:]:
        for word in OPEN_WORDS:
            assert word.replace("'", "&#x27;") in part or word in part
        assert "Adult skills budget" in part  # the outcome: withdrawn
    digest = email.context["digest"]
    # The partner's Transport update is the OFFICIAL one: amber, after green before the period.
    transport = next(i for i in digest.updates if i.update.workstream.slug == "transport")
    assert (transport.update.rag, transport.rag_before) == (Rag.AMBER, Rag.GREEN)
    assert digest.decisions == []  # the only decision is about the sensitive proposal


@pytest.mark.parametrize("persona", ["partner", "nobody"])
def test_an_internal_digest_of_someone_without_a_sensitive_role_shows_only_official_material(
    people: People, records: None, period: Period, persona: str
) -> None:
    user = getattr(people, persona)
    subscription = subscribe(people.deal, user=user, audience=Audience.INTERNAL)
    email = compose(subscription, period_start=period.start, period_end=period.end)
    if email is None:  # someone with no role in the deal is told nothing at all
        assert persona == "nobody"
        return
    text = everything(email)
    for word in SECRET_WORDS:
        assert word not in text
    assert "SENSITIVE" not in text.upper()


def test_an_internal_digest_of_someone_who_lost_their_role_stops_showing_sensitive_material(
    people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL)
    assert "Zephyrine" in everything(
        compose(subscription, period_start=period.start, period_end=period.end)
    )
    Membership.objects.filter(user=people.dsg).delete()
    subscription = Subscription.objects.get(pk=subscription.pk)  # a fresh user, no cached roles
    assert compose(subscription, period_start=period.start, period_end=period.end) is None


@pytest.mark.parametrize("persona", ["dsg", "admin"])
def test_an_internal_digest_for_the_dsg_or_an_administrator_contains_sensitive_material(
    people: People, records: None, period: Period, persona: str
) -> None:
    subscription = subscribe(people.deal, user=getattr(people, persona), audience=Audience.INTERNAL)
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    subject, text, html = parts(email)
    assert subject.startswith("OFFICIAL-SENSITIVE: ")
    for part in (text, html):
        for word in SECRET_WORDS[:3]:
            assert word in part
        assert "Rail devolution" in part
    digest = email.context["digest"]
    transport = next(i for i in digest.updates if i.update.workstream.slug == "transport")
    assert transport.rag_changed and transport.update.rag == Rag.RED
    assert "was Green" in html and "(was Green)" in text
    assert [d.obj.proposal.title for d in digest.decisions] == ["Quokka settlement for buses"]


def test_a_partner_audience_caps_even_a_dsg_member_at_official(
    people: People, records: None, period: Period
) -> None:
    subscription = subscribe(people.deal, user=people.dsg, audience=Audience.PARTNER)
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    for word in SECRET_WORDS:
        assert word not in everything(email)


# --- Scope --------------------------------------------------------------------------------------


def test_a_theme_digest_covers_that_themes_workstreams_only(
    people: People, records: None, period: Period
) -> None:
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    subscription = subscribe(
        people.deal,
        user=people.admin,
        audience=Audience.INTERNAL,
        scope=Scope.THEME,
        theme=transport.theme,
    )
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    text = email.message.body
    assert "Rail devolution" in text and "Zephyrine" in text
    assert "Skills bootcamps" not in text and "Adult skills budget" not in text
    assert f"the {transport.theme.name} theme" in text


def test_a_digest_of_chosen_workstreams_covers_them_only(
    people: People, records: None, period: Period
) -> None:
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    subscription = subscribe(
        people.deal,
        user=people.admin,
        audience=Audience.INTERNAL,
        scope=Scope.WORKSTREAMS,
        workstreams=[skills],
    )
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    text = email.message.body
    assert "Skills bootcamps" in text and "Adult skills budget" in text
    for word in ("Rail devolution", "Zephyrine", "Bus franchising", "Narwhal"):
        assert word not in text
    # What is overdue is within scope too: Skills has reported; no other workstream is named.
    assert [w.obj.slug for w in email.context["digest"].overdue_workstreams] == []


# --- Nothing to say, and what is coming ---------------------------------------------------------


def test_nothing_to_say_means_no_email(people: People, records: None) -> None:
    subscription = subscribe(people.deal, user=people.admin, audience=Audience.INTERNAL)
    start = timezone.now() - dt.timedelta(days=60)
    assert (
        compose(subscription, period_start=start, period_end=start + dt.timedelta(days=7)) is None
    )


def test_a_meeting_coming_in_the_next_period_is_worth_an_email(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    end = timezone.now()
    start = end - dt.timedelta(days=7)
    assert compose(subscription, period_start=start, period_end=end) is None
    body = GovernanceBody.objects.filter(deal=people.deal).order_by("position").first()
    meeting = services.meeting_create(
        body=body, acting_user=people.admin, starts_at=end + dt.timedelta(days=3)
    )
    email = compose(subscription, period_start=start, period_end=end)
    assert email is not None
    assert body.name in email.message.body
    # Named, without a link to a page a subscriber with no account could not open...
    assert "/meetings/" not in str(email.message.alternatives[0][0])
    # ...which someone with an account gets.
    with_account = subscribe(people.deal, user=people.partner)
    email_of_account = compose(with_account, period_start=start, period_end=end)
    assert email_of_account is not None
    assert f"/meetings/{meeting.pk}/" in str(email_of_account.message.alternatives[0][0])
    # Every workstream is overdue with no updates at all: said, with the meeting.
    assert "WHAT IS OVERDUE" in email.message.body
    Meeting.objects.all().delete()


# --- Email form -----------------------------------------------------------------------------


def test_the_email_has_one_click_unsubscribe_headers_and_absolute_links(
    people: People, records: None, period: Period, settings
) -> None:
    settings.SITE_URL = "https://tracker.example.org"
    subscription = subscribe(people.deal, email="partner@example.com")
    email = compose(subscription, period_start=period.start, period_end=period.end)
    assert email is not None
    headers = email.message.extra_headers
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert headers["List-Unsubscribe"].startswith("<https://tracker.example.org/briefings/")
    token = headers["List-Unsubscribe"].rsplit("/unsubscribe/", 1)[1].rstrip("/>")
    assert links.read_unsubscribe_token(token) == subscription.pk
    subject, text, html = parts(email)
    for part in (text, html):
        assert "https://tracker.example.org/briefings/view/" in part
        assert "https://tracker.example.org/briefings/unsubscribe/" in part
        assert "https://tracker.example.org/briefings/partner/" in part
        assert 'href="/' not in part
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "<link" not in html.lower()
    assert email.message.to == ["partner@example.com"]


# --- Query count --------------------------------------------------------------------------------


def _volume(people: People, size: int, start: dt.datetime) -> None:
    """``size`` workstreams, each with an update, a proposal moved and an escalated risk."""
    deal = people.deal
    theme = Workstream.objects.get(deal=deal, slug="transport").theme
    existing = list(Workstream.objects.filter(deal=deal).order_by("pk"))
    for n in range(max(0, size - len(existing))):
        existing.append(
            Workstream.objects.create(
                deal=deal, theme=theme, name=f"Extra {n}", slug=f"extra-{n}", position=50 + n
            )
        )
    current = deal_period(deal, timezone.localdate() - dt.timedelta(days=7))
    for n, ws in enumerate(existing[:size]):
        marking = SENSITIVE if n % 2 else Classification.OFFICIAL
        services.status_update_submit(
            workstream=ws,
            acting_user=people.admin,
            period=current,
            rag=Rag.AMBER,
            direction=Direction.STABLE,
            summary=f"Update {n}",
            classification=marking,
        )
        proposal = services.proposal_create(
            workstream=ws,
            acting_user=people.admin,
            title=f"Proposal {n}",
            classification=marking,
            ask="An ask.",
            ask_type=AskType.POWER,
        )
        services.proposal_submit(proposal=proposal, acting_user=people.admin)
        services.risk_create(
            workstream=ws,
            acting_user=people.admin,
            title=f"Risk {n}",
            likelihood=3,
            impact=3,
            escalated_to_dsg=True,
            classification=marking,
        )


# The digest's budget (briefings/digest.py): the ten reads it had before it told of provisions,
# one for the provisions reported on, and one for the lead organisations a partner's names.
MAX_QUERIES = 12


@pytest.mark.parametrize("size", [3, 30])
@pytest.mark.parametrize("audience", [Audience.INTERNAL, Audience.PARTNER])
def test_the_digest_is_built_in_a_fixed_number_of_queries(
    people: People, django_assert_max_num_queries, size: int, audience: str
) -> None:
    start = timezone.now() - dt.timedelta(hours=1)
    _volume(people, size, start)
    subscription = subscribe(people.deal, user=people.dsg, audience=audience)
    subscription = Subscription.objects.get(pk=subscription.pk)
    end = timezone.now() + dt.timedelta(minutes=1)
    with django_assert_max_num_queries(MAX_QUERIES):
        email = compose(subscription, period_start=start, period_end=end)
    assert email is not None
    digest = email.context["digest"]
    expected = size if audience == Audience.INTERNAL else (size + 1) // 2
    assert len(digest.updates) == len(digest.risks) == len(digest.moved) == expected


# --- Links ------------------------------------------------------------------------------------


def test_a_view_token_reads_back_its_subscription_and_period(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    end = timezone.now().replace(microsecond=0)
    start = end - dt.timedelta(days=7)
    link = links.read_view_token(links.view_token(subscription, start, end))
    assert (link.subscription_id, link.period_start, link.period_end) == (
        subscription.pk,
        start,
        end,
    )


def test_a_tampered_or_misused_token_is_refused(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    now = timezone.now()
    view = links.view_token(subscription, now - dt.timedelta(days=7), now)
    unsubscribe = links.unsubscribe_token(subscription)
    tampered = view[:-3] + ("AAA" if not view.endswith("AAA") else "BBB")
    with pytest.raises(links.LinkExpired):
        links.read_view_token(tampered)
    with pytest.raises(links.LinkExpired):
        links.read_view_token(unsubscribe)  # another purpose's token (another salt)
    with pytest.raises(links.LinkExpired):
        links.read_unsubscribe_token(view)
    with pytest.raises(links.LinkExpired):
        links.read_unsubscribe_token("not-a-token")


def test_a_view_link_expires_after_sixty_days_and_an_unsubscribe_link_lasts_longer(
    people: People,
) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    now = timezone.now()
    view = links.view_token(subscription, now - dt.timedelta(days=7), now)
    unsubscribe = links.unsubscribe_token(subscription)
    with time_machine.travel(now + dt.timedelta(days=59)):
        links.read_view_token(view)
    with time_machine.travel(now + dt.timedelta(days=61)):
        with pytest.raises(links.LinkExpired):
            links.read_view_token(view)
        assert links.read_unsubscribe_token(unsubscribe) == subscription.pk
    with time_machine.travel(now + dt.timedelta(days=401)), pytest.raises(links.LinkExpired):
        links.read_unsubscribe_token(unsubscribe)


def test_unsubscribing_deactivates_once(people: People) -> None:
    subscription = subscribe(people.deal, email="partner@example.com")
    first = timezone.now()
    assert links.unsubscribe(subscription, now=first) is True
    assert links.unsubscribe(subscription, now=first + dt.timedelta(hours=1)) is False
    subscription.refresh_from_db()
    assert not subscription.is_active
    assert subscription.next_due_at is None
    assert subscription.unsubscribed_at == first


def test_milestones_an_administrator_marked_done_are_no_longer_overdue(
    people: People, period: Period
) -> None:
    subscription = subscribe(people.deal, email="partner@example.org")

    def overdue() -> list[str]:
        digest = build(
            subscription, period_start=period.start, period_end=period.end, now=timezone.now()
        )
        return [item.obj.title for item in digest.overdue_milestones]

    timeline = list(Milestone.objects.filter(deal=people.deal).order_by("ends_on", "position"))
    assert len(overdue()) == 6  # the 2022 timeline, all still planned
    for milestone in timeline[:4]:
        services.milestone_update(
            milestone=milestone, acting_user=people.admin, status=MilestoneStatus.DONE
        )

    assert overdue() == [m.title for m in timeline[4:]]
    for milestone in timeline[4:]:
        services.milestone_update(
            milestone=milestone, acting_user=people.admin, status=MilestoneStatus.DONE
        )
    assert overdue() == []
