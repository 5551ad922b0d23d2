"""An external subscriber asks to be removed (the privacy notice's promise): an administrator
erases their address, name and organisation from every subscription of the deal to that
address and from the delivery log, mail server errors included, and nothing is sent to them
again. The database holds the rule too."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from briefings import links, sending, services
from briefings.choices import DeliveryKind, DeliveryStatus, Frequency
from briefings.models import ERASED, Delivery, Subscription
from core.models import Deal
from tracker.models import Theme, Workstream

from .conftest import PASSWORD, People

UK = ZoneInfo("Europe/London")
ADDRESS = "Clerk@Walsall.example"


def _external(people: People, email: str = ADDRESS, **fields):
    fields.setdefault("name", "Walsall clerk")
    fields.setdefault("organisation", "Walsall Council")
    return services.subscription_create(
        deal=people.deal, acting_user=people.admin, email=email, **fields
    )


def _delivery(sub: Subscription, n: int, status: str, error: str = "") -> Delivery:
    slot = dt.datetime(2026, 3, 2, 8, tzinfo=UK) + dt.timedelta(days=7 * n)
    return Delivery.objects.create(
        kind=DeliveryKind.DIGEST,
        key=f"digest:{sub.pk}:{n}",
        subscription=sub,
        email=sub.address,
        slot=slot,
        period_start=slot - dt.timedelta(days=7),
        period_end=slot,
        status=status,
        attempts=1,
        last_error=error,
        sent_at=slot if status == DeliveryStatus.SENT else None,
    )


@pytest.fixture
def subscriber(people: People) -> dict:
    weekly = _external(people, frequency=Frequency.WEEKLY, day=0)
    # The same person, their address written in another case, on a monthly digest.
    monthly = _external(people, email=ADDRESS.lower(), frequency=Frequency.MONTHLY, day=1)
    other = _external(
        people, email="someone.else@dudley.example", name="Dudley officer", organisation="Dudley"
    )
    deliveries = [
        _delivery(weekly, 0, DeliveryStatus.SENT),
        _delivery(
            weekly,
            1,
            DeliveryStatus.FAILED,
            f"SMTPRecipientsRefused: {{'{ADDRESS.lower()}': (550, b'5.1.1 <{ADDRESS}>: no such "
            "mailbox')}",
        ),
        _delivery(monthly, 2, DeliveryStatus.PENDING),
        _delivery(monthly, 3, DeliveryStatus.RETRYING, "Connection refused"),
        _delivery(other, 4, DeliveryStatus.SENT),
    ]
    return {"weekly": weekly, "monthly": monthly, "other": other, "deliveries": deliveries}


def test_the_address_name_and_organisation_go_from_every_subscription_and_the_log(
    people: People, subscriber: dict
) -> None:
    erased = services.subscriber_erase(subscription=subscriber["weekly"], acting_user=people.admin)
    assert (erased.subscriptions, erased.deliveries) == (2, 4)

    for key in ("weekly", "monthly"):
        sub = Subscription.objects.get(pk=subscriber[key].pk)
        assert (sub.email, sub.name, sub.organisation) == ("", "", "")
        assert not sub.is_active and sub.next_due_at is None
        assert sub.erased_at is not None and sub.erased_by == people.admin
        assert sub.display_name == ERASED
    mine = Delivery.objects.filter(subscription__in=[subscriber["weekly"], subscriber["monthly"]])
    assert set(mine.values_list("email", flat=True)) == {""}
    # Nothing of the address is left anywhere in the two tables, in any letter case.
    for model in (Subscription, Delivery):
        for row in model.objects.values():
            assert "walsall" not in repr(row).lower(), row
    # What was sent stays sent; what was waiting will never go.
    assert [d.status for d in mine.order_by("slot")] == [
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.SKIPPED,
        DeliveryStatus.SKIPPED,
    ]
    assert "[erased address]" in mine.get(status=DeliveryStatus.FAILED).last_error
    # Someone else's subscription and delivery are untouched.
    other = Subscription.objects.get(pk=subscriber["other"].pk)
    assert other.email == "someone.else@dudley.example" and other.is_active
    assert Delivery.objects.get(subscription=other).email == "someone.else@dudley.example"


def test_the_same_address_in_another_deal_is_not_touched(people: People) -> None:
    deal = Deal.objects.create(name="Greater Manchester TDD", short_name="GM", slug="gm-tdd")
    Theme.objects.create(deal=deal, name="Transport", slug="transport")
    sub = _external(people)
    elsewhere = Subscription.objects.create(
        deal=deal, email=ADDRESS, name="Walsall clerk", next_due_at=dt.datetime.now(tz=UK)
    )
    services.subscriber_erase(subscription=sub, acting_user=people.admin)
    elsewhere.refresh_from_db()
    assert elsewhere.email == ADDRESS and elsewhere.erased_at is None


def test_nothing_is_sent_to_an_erased_subscriber(people: People, subscriber: dict) -> None:
    pending = subscriber["deliveries"][2]
    services.subscriber_erase(subscription=subscriber["monthly"], acting_user=people.admin)
    erased = [subscriber["weekly"], subscriber["monthly"]]
    claimed = sending.claim_due(all_now=True)
    # Only the other subscriber's digest is claimed; nothing new is owed to the erased one.
    assert Delivery.objects.filter(pk__in=claimed, subscription__in=erased).count() == 0
    assert Delivery.objects.filter(subscription__in=erased).count() == 4
    assert sending.deliver(pending.pk).detail == "already final"


@pytest.mark.parametrize("persona", ["lead", "sponsor", "dsg", "partner", "nobody"])
def test_only_an_administrator_erases(people: People, subscriber: dict, persona: str) -> None:
    with pytest.raises(PermissionDenied):
        services.subscriber_erase(
            subscription=subscriber["weekly"], acting_user=people.all_roles()[persona]
        )
    assert Subscription.objects.get(pk=subscriber["weekly"].pk).email == ADDRESS


def test_a_subscriber_with_an_account_is_not_erased_here(people: People) -> None:
    sub = services.subscription_create(deal=people.deal, acting_user=people.lead, user=people.lead)
    with pytest.raises(ValidationError, match="has an account|with an account"):
        services.subscriber_erase(subscription=sub, acting_user=people.admin)
    assert Subscription.objects.get(pk=sub.pk).user == people.lead


def test_an_erased_subscription_cannot_be_changed_turned_on_or_erased_again(
    people: People, subscriber: dict
) -> None:
    sub = subscriber["weekly"]
    services.subscriber_erase(subscription=sub, acting_user=people.admin)
    with pytest.raises(ValidationError, match="erased"):
        services.subscription_set_active(subscription=sub, acting_user=people.admin, active=True)
    with pytest.raises(ValidationError, match="erased"):
        services.subscription_update(
            subscription=sub, acting_user=people.admin, email="new@walsall.example"
        )
    with pytest.raises(ValidationError, match="erased"):
        services.subscription_check(
            deal=people.deal, acting_user=people.admin, subscription=sub, name="x"
        )
    with pytest.raises(ValidationError, match="erased"):
        services.subscriber_erase(subscription=sub, acting_user=people.admin)


def test_the_links_in_old_emails_no_longer_open(people: People, subscriber: dict) -> None:
    sub = subscriber["weekly"]
    view = links.view_url(
        sub, dt.datetime(2026, 3, 2, 8, tzinfo=UK), dt.datetime(2026, 3, 9, 8, tzinfo=UK)
    )
    unsubscribe = links.unsubscribe_url(sub)
    services.subscriber_erase(subscription=sub, acting_user=people.admin)
    client = Client()
    assert client.get(view).status_code == 404
    assert client.get(unsubscribe).status_code == 404
    assert client.post(unsubscribe).status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"email": ADDRESS},
        {"name": "Walsall clerk"},
        {"organisation": "Walsall Council"},
        {"is_active": True},
    ],
    ids=["address", "name", "organisation", "active"],
)
def test_the_database_refuses_an_erased_subscription_that_keeps_anything(
    people: People, subscriber: dict, fields: dict
) -> None:
    sub = subscriber["weekly"]
    services.subscriber_erase(subscription=sub, acting_user=people.admin)
    values = dict(fields)
    if values.get("is_active"):
        values["next_due_at"] = dt.datetime.now(tz=UK)
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.filter(pk=sub.pk).update(**values)


def test_the_database_refuses_a_subscription_with_no_one_unless_erased(people: People) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Subscription.objects.create(deal=people.deal, next_due_at=dt.datetime.now(tz=UK))


# --- The page -----------------------------------------------------------------------------------


def _client(user) -> Client:
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    return client


def test_the_administrator_is_told_what_will_go_and_then_erases_it(
    people: People, subscriber: dict
) -> None:
    client = _client(people.admin)
    url = f"/subscriptions/{subscriber['weekly'].pk}/erase/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert ADDRESS in text and "Walsall Council" in text
    assert "from 2 subscriptions" in text and "from 4 deliveries" in text
    assert "This cannot be undone" in text

    done = client.post(url, follow=True)
    assert done.redirect_chain[-1][0].startswith("/subscriptions/")
    assert "Erased from 2 subscriptions and 4 deliveries in the log" in done.content.decode()
    listing = client.get("/subscriptions/").content.decode()
    assert "walsall" not in listing.lower()
    assert ERASED in listing
    log = client.get("/subscriptions/deliveries/").content.decode()
    assert "walsall" not in log.lower()


def test_an_erased_subscription_s_page_says_so_and_its_change_page_leads_there(
    people: People, subscriber: dict
) -> None:
    sub = subscriber["weekly"]
    services.subscriber_erase(subscription=sub, acting_user=people.admin)
    client = _client(people.admin)
    edit = client.get(f"/subscriptions/{sub.pk}/edit/")
    assert edit.status_code == 302 and edit["Location"].endswith(f"/subscriptions/{sub.pk}/erase/")
    page = client.get(f"/subscriptions/{sub.pk}/erase/").content.decode()
    assert "was erased on" in page and "Erase the data" not in page
    again = client.post(f"/subscriptions/{sub.pk}/erase/")
    assert again.status_code == 400
    assert "was erased at the subscriber" in again.content.decode()
    assert client.get(f"/subscriptions/{sub.pk}/preview/").status_code == 404


def test_the_page_of_a_subscriber_with_an_account_offers_no_erasure(people: People) -> None:
    sub = services.subscription_create(deal=people.deal, acting_user=people.lead, user=people.lead)
    page = _client(people.admin).get(f"/subscriptions/{sub.pk}/erase/").content.decode()
    assert "has an account" in page and "Erase the data" not in page


def test_the_list_offers_erasure_for_external_addresses_only(
    people: People, subscriber: dict
) -> None:
    own = services.subscription_create(deal=people.deal, acting_user=people.lead, user=people.lead)
    listing = _client(people.admin).get("/subscriptions/").content.decode()
    assert f"/subscriptions/{subscriber['weekly'].pk}/erase/" in listing
    assert f"/subscriptions/{own.pk}/erase/" not in listing


def test_only_the_deal_s_administrators_open_the_page(people: People, subscriber: dict) -> None:
    url = f"/subscriptions/{subscriber['weekly'].pk}/erase/"
    for persona in ("lead", "sponsor", "dsg", "partner"):
        client = _client(people.all_roles()[persona])
        assert client.get(url).status_code in (403, 404), persona
        assert client.post(url).status_code in (403, 404), persona
    assert Subscription.objects.get(pk=subscriber["weekly"].pk).email == ADDRESS


def test_the_workstreams_of_a_chosen_scope_stay_with_the_erased_subscription(
    people: People,
) -> None:
    chosen = list(Workstream.objects.filter(deal=people.deal)[:2])
    sub = _external(people, scope="workstreams", workstreams=chosen)
    services.subscriber_erase(subscription=sub, acting_user=people.admin)
    assert set(Subscription.objects.get(pk=sub.pk).workstreams.all()) == set(chosen)
