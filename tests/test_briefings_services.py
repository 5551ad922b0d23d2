"""Subscriptions are written through the briefings services only: who may manage which, the rules
of audience, scope and day, and when each is next due in UK time across the clock changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from briefings import services
from briefings.choices import Audience, Frequency, Scope
from briefings.models import Subscription
from core.models import Deal
from tracker.models import Theme, Workstream

from .conftest import People

UK = ZoneInfo("Europe/London")
# A Wednesday in winter (GMT), four days before the clocks go forward on Sunday 29 March 2026.
WINTER = dt.datetime(2026, 3, 25, 12, 0, tzinfo=UK)


def _other_deal() -> Deal:
    deal = Deal.objects.create(name="Greater Manchester TDD", short_name="GM", slug="gm-tdd")
    theme = Theme.objects.create(deal=deal, name="Transport", slug="transport")
    Workstream.objects.create(deal=deal, theme=theme, name="Buses", slug="buses")
    return deal


def _external(people: People, **fields) -> Subscription:
    return services.subscription_create(
        deal=people.deal,
        acting_user=people.admin,
        email="clerk@walsall.example",
        name="Walsall clerk",
        organisation="Walsall Council",
        **fields,
    )


# --- Who may manage which ---------------------------------------------------------------------


def test_an_administrator_subscribes_an_external_address_to_the_partner_digest(
    people: People,
) -> None:
    with time_machine.travel(WINTER, tick=False):
        sub = _external(people, frequency=Frequency.WEEKLY, day=0, send_at=dt.time(8))
    assert sub.is_active and sub.audience == Audience.PARTNER
    assert sub.created_by == people.admin
    assert sub.covered_until is None
    assert sub.next_due_at == dt.datetime(2026, 3, 30, 8, 0, tzinfo=UK)


@pytest.mark.parametrize("persona", ["lead", "sponsor", "dsg", "partner"])
def test_anyone_with_a_role_subscribes_themselves(people: People, persona: str) -> None:
    user = people.all_roles()[persona]
    sub = services.subscription_create(deal=people.deal, acting_user=user)
    assert sub.user == user and sub.email == ""


@pytest.mark.parametrize("persona", ["lead", "sponsor", "dsg", "partner"])
def test_no_one_but_an_administrator_subscribes_someone_else(people: People, persona: str) -> None:
    user = people.all_roles()[persona]
    with pytest.raises(PermissionDenied):
        services.subscription_create(deal=people.deal, acting_user=user, user=people.other_lead)
    with pytest.raises(PermissionDenied):
        services.subscription_create(
            deal=people.deal, acting_user=user, email="someone@example.org"
        )
    assert not Subscription.objects.exists()


def test_someone_without_a_role_in_the_deal_cannot_subscribe(people: People) -> None:
    with pytest.raises(PermissionDenied):
        services.subscription_create(deal=people.deal, acting_user=people.nobody)


def test_an_administrator_cannot_subscribe_someone_without_a_role(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        services.subscription_create(deal=people.deal, acting_user=people.admin, user=people.nobody)
    assert "user" in error.value.message_dict


def test_an_administrator_of_another_deal_manages_nothing_here(people: People) -> None:
    sub = services.subscription_create(deal=people.deal, acting_user=people.lead)
    from core.models import Membership

    other = _other_deal()
    Membership.objects.create(user=people.other_lead, deal=other, role="admin")
    with pytest.raises(PermissionDenied):
        services.subscription_update(
            subscription=sub, acting_user=people.other_lead, frequency=Frequency.MONTHLY, day=3
        )


def test_a_lead_changes_their_own_subscription_but_not_someone_elses(people: People) -> None:
    own = services.subscription_create(deal=people.deal, acting_user=people.lead)
    theirs = services.subscription_create(deal=people.deal, acting_user=people.other_lead)
    services.subscription_update(subscription=own, acting_user=people.lead, day=4)
    with pytest.raises(PermissionDenied):
        services.subscription_update(subscription=theirs, acting_user=people.lead, day=4)
    with pytest.raises(PermissionDenied):
        services.subscription_set_active(subscription=theirs, acting_user=people.lead, active=False)
    with pytest.raises(PermissionDenied):
        services.subscription_update(subscription=own, acting_user=people.lead, user=people.dsg)


def test_an_administrator_changes_and_turns_off_anyones_subscription(people: People) -> None:
    sub = services.subscription_create(deal=people.deal, acting_user=people.lead)
    services.subscription_update(subscription=sub, acting_user=people.admin, day=2)
    services.subscription_set_active(subscription=sub, acting_user=people.admin, active=False)
    sub.refresh_from_db()
    assert sub.day == 2 and not sub.is_active and sub.next_due_at is None


def test_someone_who_lost_their_role_can_still_turn_their_subscription_off(
    people: People,
) -> None:
    sub = services.subscription_create(deal=people.deal, acting_user=people.dsg)
    people.dsg.memberships.all().delete()
    dsg = type(people.dsg).objects.get(pk=people.dsg.pk)
    services.subscription_set_active(subscription=sub, acting_user=dsg, active=False)
    with pytest.raises(PermissionDenied):
        services.subscription_set_active(subscription=sub, acting_user=dsg, active=True)


# --- Audience, scope and day ------------------------------------------------------------------


def test_a_partner_may_only_have_the_partner_digest(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        services.subscription_create(
            deal=people.deal, acting_user=people.partner, audience=Audience.INTERNAL
        )
    assert "audience" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            user=people.partner,
            audience=Audience.INTERNAL,
        )


@pytest.mark.parametrize("persona", ["admin", "lead", "sponsor", "dsg"])
def test_wmca_roles_may_have_the_internal_digest(people: People, persona: str) -> None:
    user = people.all_roles()[persona]
    sub = services.subscription_create(
        deal=people.deal, acting_user=user, audience=Audience.INTERNAL
    )
    assert sub.audience == Audience.INTERNAL


def test_an_external_address_gets_the_partner_digest_only(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        _external(people, audience=Audience.INTERNAL)
    assert "audience" in error.value.message_dict


def test_an_internal_subscription_cannot_be_turned_back_on_once_its_person_is_a_partner(
    people: People,
) -> None:
    sub = services.subscription_create(
        deal=people.deal, acting_user=people.dsg, audience=Audience.INTERNAL
    )
    services.subscription_set_active(subscription=sub, acting_user=people.admin, active=False)
    people.dsg.memberships.update(role="partner")
    with pytest.raises(ValidationError) as error:
        services.subscription_set_active(subscription=sub, acting_user=people.admin, active=True)
    assert "audience" in error.value.message_dict


def test_a_theme_must_be_of_the_deal_and_only_for_a_themes_digest(people: People) -> None:
    theme = Theme.objects.filter(deal=people.deal).first()
    foreign = Theme.objects.get(deal=_other_deal())
    sub = _external(people, scope=Scope.THEME, theme=theme)
    assert sub.theme == theme
    for fields in (
        {"scope": Scope.THEME},
        {"scope": Scope.THEME, "theme": foreign},
        {"scope": Scope.DEAL, "theme": theme},
    ):
        with pytest.raises(ValidationError) as error:
            _external(people, **fields)
        assert "theme" in error.value.message_dict


def test_chosen_workstreams_must_be_of_the_deal_at_least_one_and_only_for_that_scope(
    people: People,
) -> None:
    mine = list(Workstream.objects.filter(deal=people.deal)[:2])
    foreign = list(Workstream.objects.filter(deal=_other_deal()))
    sub = _external(people, scope=Scope.WORKSTREAMS, workstreams=mine)
    assert set(sub.workstreams.all()) == set(mine)
    for fields in (
        {"scope": Scope.WORKSTREAMS},
        {"scope": Scope.WORKSTREAMS, "workstreams": foreign},
        {"scope": Scope.DEAL, "workstreams": mine},
    ):
        with pytest.raises(ValidationError) as error:
            _external(people, **fields)
        assert "workstreams" in error.value.message_dict


def test_leaving_a_scope_takes_its_theme_or_workstreams_with_it(people: People) -> None:
    mine = list(Workstream.objects.filter(deal=people.deal)[:2])
    sub = _external(people, scope=Scope.WORKSTREAMS, workstreams=mine)
    services.subscription_update(subscription=sub, acting_user=people.admin, scope=Scope.DEAL)
    assert not sub.workstreams.exists()


@pytest.mark.parametrize(
    ("frequency", "day"),
    [(Frequency.WEEKLY, 7), (Frequency.FORTNIGHTLY, -1), (Frequency.MONTHLY, 0), ("monthly", 29)],
)
def test_the_day_must_fit_the_frequency(people: People, frequency: str, day: int) -> None:
    with pytest.raises(ValidationError) as error:
        _external(people, frequency=frequency, day=day)
    assert "day" in error.value.message_dict


def test_an_address_and_a_person_are_not_both_given(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        services.subscription_create(
            deal=people.deal, acting_user=people.admin, user=people.lead, email="x@example.org"
        )
    assert "email" in error.value.message_dict


def test_fields_the_services_keep_cannot_be_set(people: People) -> None:
    with pytest.raises(ValidationError) as error:
        _external(people, next_due_at=WINTER)
    assert "next_due_at" in error.value.message_dict


# --- When it is next due ----------------------------------------------------------------------


def test_a_weekly_digest_stays_at_eight_in_the_morning_uk_time_across_the_spring_change(
    people: People,
) -> None:
    with time_machine.travel(WINTER, tick=False):
        sub = _external(people, frequency=Frequency.WEEKLY, day=0, send_at=dt.time(8))
    # Monday 30 March is in British Summer Time: 08:00 BST is 07:00 UTC.
    assert sub.next_due_at.astimezone(dt.UTC) == dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC)
    assert services.next_due_label(sub) == "Monday 30 March 2026, 08:00 BST"


def test_a_change_of_schedule_moves_next_due_and_other_changes_do_not(people: People) -> None:
    with time_machine.travel(WINTER, tick=False):
        sub = _external(people, frequency=Frequency.WEEKLY, day=4, send_at=dt.time(9))
        assert sub.next_due_at == dt.datetime(2026, 3, 27, 9, 0, tzinfo=UK)
        services.subscription_update(subscription=sub, acting_user=people.admin, name="Clerk")
        sub.refresh_from_db()
        assert sub.next_due_at == dt.datetime(2026, 3, 27, 9, 0, tzinfo=UK)
    # Autumn: the clocks go back on Sunday 25 October 2026.
    with time_machine.travel(dt.datetime(2026, 10, 20, 12, 0, tzinfo=UK), tick=False):
        services.subscription_update(
            subscription=sub, acting_user=people.admin, frequency=Frequency.MONTHLY, day=26
        )
    sub.refresh_from_db()
    assert sub.next_due_at.astimezone(dt.UTC) == dt.datetime(2026, 10, 26, 9, 0, tzinfo=dt.UTC)
    assert services.next_due_label(sub) == "Monday 26 October 2026, 09:00 GMT"


def test_turning_off_clears_next_due_and_turning_on_starts_from_now(people: People) -> None:
    with time_machine.travel(WINTER, tick=False):
        sub = _external(people, frequency=Frequency.FORTNIGHTLY, day=2, send_at=dt.time(17, 30))
        services.subscription_set_active(subscription=sub, acting_user=people.admin, active=False)
    sub.refresh_from_db()
    assert sub.next_due_at is None
    assert services.next_due_label(sub) == "Not scheduled (turned off)"
    covered = dt.datetime(2026, 3, 18, 17, 30, tzinfo=UK)
    Subscription.objects.filter(pk=sub.pk).update(covered_until=covered)
    with time_machine.travel(dt.datetime(2026, 4, 8, 18, 0, tzinfo=UK), tick=False):
        services.subscription_set_active(subscription=sub, acting_user=people.admin, active=True)
    sub.refresh_from_db()
    assert sub.is_active
    assert sub.next_due_at == dt.datetime(2026, 4, 15, 17, 30, tzinfo=UK)
    assert sub.covered_until == covered


# --- The database's own rules, hit only by writes that skip the services ----------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"user": None, "email": ""},
        {"email": "x@example.org"},
        {"user": None, "email": "x@example.org", "audience": Audience.INTERNAL},
        {"frequency": Frequency.MONTHLY, "day": 0},
        {"frequency": "daily"},
        {"scope": Scope.THEME},
        {"is_active": True, "next_due_at": None},
    ],
)
def test_the_database_refuses_an_invalid_direct_write(people: People, fields: dict) -> None:
    values = {
        "deal": people.deal,
        "user": people.lead,
        "next_due_at": WINTER,
        **fields,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(**values)
