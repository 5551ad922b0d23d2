"""Digests in batches: one build and render for every subscription with the same content, a copy
for each with its own address and links, sent over one SMTP connection, each exactly once."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator

import pytest
import time_machine

from briefings import links, sending
from briefings.choices import Audience, DeliveryStatus, Scope
from briefings.digest import DealReads, build, compose, content_key
from briefings.models import Delivery, Subscription
from core.choices import Classification, OrganisationKind, Role
from core.models import Membership, Organisation
from missions.models import Mission
from tests import test_briefings_digest as digest_tests
from tests.conftest import People
from tests.smtp import SmtpServer, html_of, text_of
from tests.test_briefings_digest import SECRET_WORDS, Period, subscribe
from tracker.choices import EngagementFrequency
from tracker.models import EngagementEntry, Theme, Workstream

PARTNERS = [f"reader{n}@partner-forum.example.org" for n in range(3)]
PLACEHOLDER = re.compile(r"dgp[0-9a-f]{24}")
SENSITIVE = Classification.OFFICIAL_SENSITIVE
# The digest tests' period and records: updates, proposals and risks of both markings.
period = digest_tests.period
records = digest_tests.records


@pytest.fixture
def frozen(period: Period) -> Iterator[dt.datetime]:
    """A moment just after the records, held still, so that signed links made twice match."""
    moment = period.end - dt.timedelta(seconds=30)
    with time_machine.travel(moment, tick=False):
        yield moment


@pytest.fixture
def readers(people: People, records: None) -> dict[str, Subscription]:
    """Partner addresses, people of every visibility with internal digests, and someone with an
    account given the partner digest, all of the whole deal."""
    subs = {address: subscribe(people.deal, email=address) for address in PARTNERS}
    for name in ("dsg", "admin", "partner", "nobody"):
        user = getattr(people, name)
        subs[name] = subscribe(people.deal, user=user, audience=Audience.INTERNAL)
    # A lead who may see OFFICIAL-SENSITIVE material, given the partner digest.
    subs["partner-account"] = subscribe(people.deal, user=people.other_lead)
    return subs


def _claim(now: dt.datetime) -> list[int]:
    """Every subscription's digest of the week to ``now``, claimed (sent early)."""
    Subscription.objects.update(covered_until=now - dt.timedelta(days=7))
    return sending.claim_due(now, all_now=True)


def _key(sub: Subscription, now: dt.datetime) -> tuple[object, ...]:
    sub = Subscription.objects.select_related("user", "deal").get(pk=sub.pk)
    return content_key(sub, period_start=now - dt.timedelta(days=7), period_end=now)


def _lines(text: str) -> list[str]:
    """A body as lines, whichever line endings the mail carried."""
    return text.replace("\r\n", "\n").rstrip("\n").split("\n")


def _everything(message) -> str:
    return "\n".join([message["Subject"], text_of(message), html_of(message)])


# --- Grouping -----------------------------------------------------------------------------------


def test_subscriptions_shown_the_same_records_share_one_key_and_others_do_not(
    people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    keys = {name: _key(sub, frozen) for name, sub in readers.items()}
    # Partner addresses: one digest. The DSG and an administrator both see OFFICIAL-SENSITIVE
    # material: one digest.
    assert len({keys[address] for address in PARTNERS}) == 1
    assert keys["dsg"] == keys["admin"]
    # Who may see OFFICIAL-SENSITIVE material never shares with who may not; someone with no
    # role in the deal sees nothing of it; a partner with an account gets other links.
    distinct = [keys[PARTNERS[0]], keys["dsg"], keys["partner"], keys["nobody"]]
    distinct.append(keys["partner-account"])
    assert len(set(distinct)) == len(distinct)


def test_a_different_scope_period_or_schedule_is_another_digest(
    people: People, records: None, frozen: dt.datetime
) -> None:
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    whole = subscribe(people.deal, email="a@example.org")
    theme = Theme.objects.filter(deal=people.deal).first()
    themed = subscribe(people.deal, email="b@example.org", scope=Scope.THEME, theme=theme)
    chosen = [
        subscribe(people.deal, email=f"{n}@example.org", scope=Scope.WORKSTREAMS, workstreams=ws)
        for n, ws in enumerate([[transport], [skills], [skills, transport], [transport, skills]])
    ]
    monthly = subscribe(people.deal, email="c@example.org")
    Subscription.objects.filter(pk=monthly.pk).update(frequency="monthly", day=1)
    keys = [_key(s, frozen) for s in (whole, themed, *chosen[:3], monthly)]
    assert len(set(keys)) == len(keys)
    assert _key(chosen[2], frozen) == _key(chosen[3], frozen)  # the same choice, in any order
    later = content_key(
        Subscription.objects.get(pk=whole.pk),
        period_start=frozen - dt.timedelta(days=6),
        period_end=frozen,
    )
    assert later != _key(whole, frozen)


def test_a_batch_builds_each_content_once_and_each_copy_is_the_email_compose_makes(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    ids = _claim(frozen)
    result = sending.deliver_batch(ids, now=frozen)

    # Partner addresses, sensitive readers, an OFFICIAL-only reader and a partner with an
    # account; the person with no role in the deal is told nothing (skipped).
    assert result.builds == 5
    statuses = Counter(o.status for o in result.outcomes)
    assert statuses == {DeliveryStatus.SENT: len(readers) - 1, DeliveryStatus.SKIPPED: 1}
    for delivery in Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENT):
        sub = Subscription.objects.select_related("user", "deal").get(pk=delivery.subscription_id)
        [received] = smtp.messages_to(sub.address)
        expected = compose(
            sub, period_start=delivery.period_start, period_end=delivery.period_end, now=frozen
        )
        assert expected is not None
        message = expected.message
        assert received["Subject"] == message.subject
        assert _lines(text_of(received)) == _lines(message.body)
        assert _lines(html_of(received)) == _lines(str(message.alternatives[0][0]))
        assert received["List-Unsubscribe"].strip() == message.extra_headers["List-Unsubscribe"]
        assert received["Message-ID"] == delivery.message_id == sending.message_id_for(delivery)
        assert not PLACEHOLDER.search(_everything(received))


# --- Never shared across visibility ----------------------------------------------------------


def test_sensitive_material_reaches_only_those_who_may_see_it_in_a_shared_batch(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    sending.deliver_batch(_claim(frozen), now=frozen)
    may_see = {people.dsg.email, people.admin.email}
    for to, message in smtp.received:
        text = _everything(message)
        assert "Skills bootcamps" in text  # OFFICIAL: in every digest
        if to in may_see:
            assert any(word in text for word in SECRET_WORDS)
        else:
            assert not any(word in text for word in SECRET_WORDS), to


def test_a_reader_who_loses_their_role_gets_their_own_digest_not_the_sensitive_one(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    """Two administrators share a digest until one is made a partner: then each gets the
    digest of what they may see, in the same batch."""
    other = subscribe(people.deal, user=people.lead, audience=Audience.INTERNAL)
    Membership.objects.filter(user=people.lead).update(role=Role.PARTNER, workstream=None)
    assert _key(other, frozen) != _key(readers["admin"], frozen)
    assert _key(other, frozen) == _key(readers["partner"], frozen)
    sending.deliver_batch(_claim(frozen), now=frozen)
    [to_lead] = smtp.messages_to(people.lead.email)
    assert not any(word in _everything(to_lead) for word in SECRET_WORDS)


def test_each_copy_carries_its_own_name_and_signed_links(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    sending.deliver_batch(_claim(frozen), now=frozen)
    for address in PARTNERS:
        sub = readers[address]
        received = smtp.messages_to(address)[0]
        text = text_of(received)
        tokens = re.findall(r"/briefings/partner/([^/\s]+)/", text)
        assert tokens
        assert {links.read_partner_token(t).subscription_id for t in tokens} == {sub.pk}
        unsubscribe = re.search(r"/unsubscribe/([^/\s>]+)/", received["List-Unsubscribe"])
        assert unsubscribe and links.read_unsubscribe_token(unsubscribe[1]) == sub.pk
        view = re.search(r"/briefings/view/([^/\s]+)/", text)
        assert view and links.read_view_token(view[1]).subscription_id == sub.pk
        assert f"For {address}" in text


# --- Exactly once ----------------------------------------------------------------------------


def test_a_refused_message_in_a_batch_fails_alone_and_a_second_run_sends_nothing(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    smtp.refuse(PARTNERS[1])
    ids = _claim(frozen)
    outcomes = {o.email: o.status for o in sending.deliver_batch(ids, now=frozen).outcomes}
    assert outcomes[PARTNERS[1]] == DeliveryStatus.FAILED
    assert outcomes[PARTNERS[0]] == outcomes[PARTNERS[2]] == DeliveryStatus.SENT
    received = len(smtp.received)
    assert received == len(readers) - 2  # all but the refused one and the one with nothing

    again = sending.deliver_batch(ids, now=frozen)
    assert {o.detail for o in again.outcomes} == {"already final"}
    assert again.builds == 0 and len(smtp.received) == received
    copies = Counter(m["Message-ID"] for m in smtp.messages)
    assert set(copies.values()) == {1}


def test_with_the_mail_server_away_a_batch_leaves_each_delivery_to_retry(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    smtp.stop()
    ids = _claim(frozen)
    result = sending.deliver_batch(ids, now=frozen)
    retrying = [o.delivery_id for o in result.outcomes if o.status == DeliveryStatus.RETRYING]
    assert len(retrying) == len(readers) - 1
    smtp.start()
    for delivery_id in retrying:
        sending.deliver(delivery_id, now=frozen)
    assert len(smtp.received) == len(readers) - 1
    assert set(Counter(m["Message-ID"] for m in smtp.messages).values()) == {1}


def test_a_batch_stopped_midway_leaves_the_rest_pending_for_the_recovery(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    ids = _claim(frozen)
    result = sending.deliver_batch(ids, now=frozen, stop=lambda: len(smtp.received) >= 3)
    assert len(result.left) == len(ids) - len(result.outcomes) > 0
    assert set(Delivery.objects.filter(pk__in=result.left).values_list("status", flat=True)) == {
        DeliveryStatus.PENDING
    }
    later = frozen + sending.STALE_PENDING + dt.timedelta(minutes=1)
    recovered = sending.recover_stale(later)
    assert recovered == sorted(result.left)
    sending.deliver_batch(recovered, now=later)
    assert len(smtp.received) == len(readers) - 1
    assert set(Counter(m["Message-ID"] for m in smtp.messages).values()) == {1}


class WorkerKilled(BaseException):
    """The process dying: nothing in the batch catches it."""


def test_a_worker_killed_mid_batch_resends_only_the_message_it_had_not_recorded(
    smtp: SmtpServer,
    people: People,
    readers: dict[str, Subscription],
    frozen: dt.datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Killed after the server took the third message and before its row was committed: the
    two before it stay sent, the rest stay pending; the recovery sends the third again with the
    same Message-ID (the one window, as for a single send) and the rest once."""
    finish = sending._finish

    def killed_at_third(delivery, status, **kwargs):
        if status == DeliveryStatus.SENT and len(smtp.received) == 3:
            raise WorkerKilled
        return finish(delivery, status, **kwargs)

    monkeypatch.setattr(sending, "_finish", killed_at_third)
    ids = _claim(frozen)
    with pytest.raises(WorkerKilled):
        sending.deliver_batch(ids, now=frozen)
    monkeypatch.setattr(sending, "_finish", finish)
    assert Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENT).count() == 2
    third = smtp.messages[2]["Message-ID"]

    later = frozen + sending.STALE_PENDING + dt.timedelta(minutes=1)
    sending.deliver_batch(sending.recover_stale(later), now=later)
    copies = Counter(m["Message-ID"] for m in smtp.messages)
    assert copies.pop(third) == 2
    assert set(copies.values()) == {1} and len(copies) == len(readers) - 2
    assert not Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING).exists()


# --- Queries ---------------------------------------------------------------------------------


@pytest.mark.parametrize("copies", [3, 12])
def test_a_batch_reads_each_content_once_and_a_fixed_number_per_delivery(
    smtp: SmtpServer,
    people: People,
    records: None,
    frozen: dt.datetime,
    copies: int,
    django_assert_max_num_queries,
) -> None:
    """Partner addresses and sensitive readers: two digests built, whatever the number of
    readers; each delivery costs its own lock, its record and its subscription's progress."""
    for n in range(copies):
        subscribe(people.deal, email=f"reader{n}@partner-forum.example.org")
    for user in (people.dsg, people.admin, people.lead):
        subscribe(people.deal, user=user, audience=Audience.INTERNAL)
    ids = _claim(frozen)
    # Reading the batch (deliveries, subscriptions and their choices, roles, refusals) and two
    # builds of nine queries each; then per delivery: savepoint, lock, record, progress, release.
    with django_assert_max_num_queries(23 + 5 * len(ids)):
        result = sending.deliver_batch(ids, now=frozen)
    assert result.builds == 2
    assert len(smtp.received) == len(ids)


def test_the_batch_plan_keeps_each_content_together(
    people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    ids = _claim(frozen)
    batches = sending.plan_batches(ids, size=3)
    assert sorted(pk for batch in batches for pk in batch) == sorted(ids)
    partner_ids = set(
        Delivery.objects.filter(pk__in=ids, email__in=PARTNERS).values_list("pk", flat=True)
    )
    assert any(set(batch) == partner_ids for batch in batches)


# --- The deal's records read once for every scope ------------------------------------------------


@pytest.fixture
def scoped(people: People, records: None) -> list[Subscription]:
    """Subscriptions of every scope, for partner addresses, partners with an account and people
    who may see OFFICIAL-SENSITIVE material."""
    transport = Workstream.objects.get(deal=people.deal, slug="transport")
    skills = Workstream.objects.get(deal=people.deal, slug="skills")
    mission = Mission.objects.order_by("number")[2]
    transport.missions.add(mission)
    coventry = Organisation.objects.create(name="Coventry", kind=OrganisationKind.values[0])
    for workstream, marking in ((transport, Classification.OFFICIAL), (skills, SENSITIVE)):
        EngagementEntry.objects.create(
            workstream=workstream,
            organisation=coventry,
            frequency=EngagementFrequency.MONTHLY,
            classification=marking,
        )
    scopes = [
        {},
        {"scope": Scope.THEME, "theme": transport.theme},
        {"scope": Scope.WORKSTREAMS, "workstreams": [skills]},
        {"scope": Scope.WORKSTREAMS, "workstreams": [skills, transport]},
    ]
    subs = []
    for n, scope in enumerate(scopes):
        subs.append(subscribe(people.deal, email=f"scope{n}@partner-forum.example.org", **scope))
        subs.append(subscribe(people.deal, user=people.dsg, audience=Audience.INTERNAL, **scope))
        subs.append(
            subscribe(people.deal, user=people.partner, audience=Audience.INTERNAL, **scope)
        )
    for user, audience in ((None, Audience.PARTNER), (people.admin, Audience.INTERNAL)):
        email = "" if user else "missions@partner-forum.example.org"
        by_mission = subscribe(people.deal, user=user, email=email, audience=audience)
        Subscription.objects.filter(pk=by_mission.pk).update(scope=Scope.MISSIONS)
        by_mission.missions.set([mission])
        by_engagement = subscribe(people.deal, user=user, email=email, audience=audience)
        Subscription.objects.filter(pk=by_engagement.pk).update(
            scope=Scope.ENGAGEMENT, engaged_organisation=coventry
        )
        subs += [by_mission, by_engagement]
    return list(
        Subscription.objects.select_related("user", "deal", "theme", "engaged_organisation")
        .prefetch_related("workstreams", "missions")
        .filter(pk__in=[s.pk for s in subs])
        .order_by("pk")
    )


def test_builds_sharing_the_deals_records_are_each_scopes_own_build(
    people: People, scoped: list[Subscription], frozen: dt.datetime
) -> None:
    """Each scope's digest, built from the records of the whole deal read once for every scope
    of one reader, is the digest built alone: the same records, in the same order, with the
    same links. Rows read for one visibility are never another's."""
    start = frozen - dt.timedelta(days=7)
    shared = DealReads()
    for sub in scoped:
        alone = build(sub, period_start=start, period_end=frozen, now=frozen)
        together = build(sub, period_start=start, period_end=frozen, now=frozen, shared=shared)
        assert together == alone, (sub.scope, sub.audience, sub.user)
        assert alone.has_news or sub.scope == Scope.ENGAGEMENT
    # A scope's digest is not the whole deal's (the test tells something apart).
    assert (
        len(
            {
                len(build(s, period_start=start, period_end=frozen, now=frozen).updates)
                for s in scoped
            }
        )
        > 1
    )


def test_a_batch_of_every_scope_sends_each_the_email_compose_makes_and_no_secret_to_partners(
    smtp: SmtpServer, people: People, scoped: list[Subscription], frozen: dt.datetime
) -> None:
    ids = _claim(frozen)
    sending.deliver_batch(ids, now=frozen)
    may_see = {people.dsg.email, people.admin.email}
    for delivery in Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENT):
        sub = Subscription.objects.select_related("user", "deal").get(pk=delivery.subscription_id)
        received = [
            m for m in smtp.messages_to(sub.address) if m["Message-ID"] == delivery.message_id
        ]
        assert len(received) == 1
        expected = compose(
            sub, period_start=delivery.period_start, period_end=delivery.period_end, now=frozen
        )
        assert expected is not None
        assert _lines(text_of(received[0])) == _lines(expected.message.body)
        assert _lines(html_of(received[0])) == _lines(str(expected.message.alternatives[0][0]))
        if sub.address not in may_see:
            assert not any(word in _everything(received[0]) for word in SECRET_WORDS)


# --- Builds kept for a plan's next batches ---------------------------------------------------


def _halves(ids: list[int]) -> tuple[list[int], list[int]]:
    """A plan's two batches, each with deliveries of some content of the other."""
    ordered = sorted(ids)
    return ordered[0::2], ordered[1::2]


def test_a_plans_next_batch_in_the_process_uses_the_builds_of_the_one_before(
    smtp: SmtpServer, people: People, readers: dict[str, Subscription], frozen: dt.datetime
) -> None:
    """The second batch of a plan builds nothing its process built for the first; each copy is
    still the email compose makes for its subscriber, and no one is sent a digest of another
    visibility."""
    for n in range(3, 8):
        subscribe(people.deal, email=f"reader{n}@partner-forum.example.org")
    ids = _claim(frozen)
    by_address = dict(Delivery.objects.filter(pk__in=ids).values_list("email", "pk"))
    # The second batch: partner addresses and an administrator, whose digests are those of
    # partner addresses and of the DSG in the first.
    second = [pk for address, pk in by_address.items() if address.startswith("reader")][::2]
    second.append(by_address[people.admin.email])
    first = [pk for pk in ids if pk not in second]
    one = sending.deliver_batch(first, now=frozen, plan="plan-a")
    two = sending.deliver_batch(second, now=frozen + dt.timedelta(seconds=30), plan="plan-a")
    assert one.builds > 0 and two.builds == 0
    may_see = {people.dsg.email, people.admin.email}
    for delivery in Delivery.objects.filter(status=DeliveryStatus.SENT):
        sub = Subscription.objects.select_related("user", "deal").get(pk=delivery.subscription_id)
        [received] = [m for m in smtp.messages if m["Message-ID"] == delivery.message_id]
        expected = compose(
            sub, period_start=delivery.period_start, period_end=delivery.period_end, now=frozen
        )
        assert expected is not None
        assert _lines(text_of(received)) == _lines(expected.message.body)
        assert received["To"] == sub.address
        secret = any(word in _everything(received) for word in SECRET_WORDS)
        assert secret is (sub.address in may_see), sub.address


@pytest.mark.parametrize(
    ("plan", "later"),
    [
        (None, dt.timedelta(seconds=30)),  # a batch on its own builds for itself
        ("plan-b", dt.timedelta(seconds=30)),  # another tick's batches
        ("plan-a", dt.timedelta(seconds=sending.REUSE_SECONDS + 1)),  # built too long ago
    ],
)
def test_builds_are_not_reused_without_the_plan_or_once_too_old(
    smtp: SmtpServer,
    people: People,
    readers: dict[str, Subscription],
    frozen: dt.datetime,
    plan: str | None,
    later: dt.timedelta,
) -> None:
    first, second = _halves(_claim(frozen))
    one = sending.deliver_batch(first, now=frozen, plan="plan-a")
    two = sending.deliver_batch(second, now=frozen + later, plan=plan)
    assert one.builds > 0 and two.builds > 0


def test_a_build_that_failed_is_tried_again_by_the_next_batch(
    smtp: SmtpServer,
    people: People,
    readers: dict[str, Subscription],
    frozen: dt.datetime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from briefings import digest

    first, second = _halves(_claim(frozen))
    build = digest.compose_shared

    def broken(*args, **kwargs):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr(digest, "compose_shared", broken)
    assert {o.status for o in sending.deliver_batch(first, now=frozen, plan="plan-c").outcomes} == {
        sending.ERROR
    }
    monkeypatch.setattr(digest, "compose_shared", build)
    two = sending.deliver_batch(second, now=frozen, plan="plan-c")
    assert two.builds > 0
    assert DeliveryStatus.SENT in {o.status for o in two.outcomes}


def test_planning_keys_each_delivery_as_its_batch_will(
    people: People, scoped: list[Subscription], frozen: dt.datetime
) -> None:
    """The plan reads the chosen workstreams and missions from their link tables, the batch
    through the subscriptions: the same content key for each delivery, so the plan keeps
    together what one build serves."""
    ids = _claim(frozen)
    deliveries = list(Delivery.objects.filter(pk__in=ids).order_by("pk"))
    planned = sending.Batch(deliveries, frozen, planning=True)
    sent = sending.Batch(deliveries, frozen)
    keys = [planned.key_of(d) for d in deliveries]
    assert keys == [sent.key_of(d) for d in deliveries]
    assert len(set(keys)) > len(scoped) // 3  # scopes and readers told apart
