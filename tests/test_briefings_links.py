"""Partner links made many at a time (``links.PartnerLinks``: one signer, each page's address
reversed once) are the links ``links.partner_url`` makes one at a time, each signed for its own
subscription, page and object."""

import datetime as dt

import pytest
import time_machine
from django.core import signing

from briefings import links
from briefings.models import Subscription

KINDS = links.PartnerPage.KINDS


def test_links_made_many_at_a_time_are_those_made_one_at_a_time():
    subscriptions = [Subscription(pk=7), Subscription(pk=4242)]
    with time_machine.travel(dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC), tick=False):
        maker = links.PartnerLinks()
        for subscription in subscriptions:
            for kind in KINDS:
                for object_id in (1, 31, 90210):
                    url = maker.url(subscription, kind, object_id)
                    assert url == links.partner_url(subscription, kind, object_id)
                    token = url.rstrip("/").removesuffix("/briefing-session").rsplit("/", 1)[1]
                    assert links.read_partner_token(token) == links.PartnerLink(
                        subscription.pk, kind, object_id
                    )


def test_links_made_many_at_a_time_keep_their_own_age():
    maker = links.PartnerLinks()
    with time_machine.travel(dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC), tick=False):
        token = links.partner_token(Subscription(pk=7), "w", 1, signer=maker.signer)
    later = dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC) + links.partner_link_max_age()
    with (
        time_machine.travel(later + dt.timedelta(days=1), tick=False),
        pytest.raises(links.PartnerLinkExpired),
    ):
        links.read_partner_token(token)


# --- The fast signer --------------------------------------------------------------------------


def test_the_fast_signer_makes_the_token_django_makes_byte_for_byte():
    """Its key derived once and its payload written by hand, it makes what ``signing.dumps``
    makes for the same subscription, page, object and second."""
    with time_machine.travel(dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC), tick=False):
        fast = links.PartnerSigner()
        for subscription_id in (1, 7, 4242, 2**40):
            for kind in KINDS:
                for object_id in (0, 1, 31, 90210):
                    made = fast.token(subscription_id, kind, object_id)
                    payload = {"s": subscription_id, "k": kind, "o": object_id}
                    assert made == signing.dumps(payload, salt=links.PARTNER_SALT)


def test_fast_tokens_open_their_page_by_the_normal_path_and_normal_ones_match_them():
    moment = dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC)
    with time_machine.travel(moment, tick=False):
        fast = links.PartnerSigner()
        token = fast.token(7, links.PartnerPage.PROPOSAL, 31)
        normal = links.partner_token(Subscription(pk=7), links.PartnerPage.PROPOSAL, 31)
    with time_machine.travel(moment + dt.timedelta(days=1), tick=False):
        # Both read back by the one reading path, to the same link.
        assert links.read_partner_token(token) == links.read_partner_token(normal)
        assert links.read_partner_token(token) == links.PartnerLink(7, "p", 31)
        # A day later, each link signed anew carries its own (new) timestamp.
        assert fast.token(7, links.PartnerPage.PROPOSAL, 31) != token


def test_a_fast_token_altered_or_made_with_another_key_is_refused(settings):
    with time_machine.travel(dt.datetime(2026, 3, 9, 8, tzinfo=dt.UTC), tick=False):
        token = links.PartnerSigner().token(7, links.PartnerPage.WORKSTREAM, 1)
        other = links.PartnerSigner().token(8, links.PartnerPage.WORKSTREAM, 1)
        # Another subscription's payload under this token's signature.
        forged = other.rsplit(":", 1)[0] + ":" + token.rsplit(":", 1)[1]
        with pytest.raises(links.LinkExpired):
            links.read_partner_token(forged)
        settings.SECRET_KEY = "another-secret-key-" + "x" * 40
        settings.SECRET_KEY_FALLBACKS = []
        with pytest.raises(links.LinkExpired):
            links.read_partner_token(token)  # made with the old key
        renewed = links.PartnerSigner().token(7, links.PartnerPage.WORKSTREAM, 1)
        assert renewed != token
        assert links.read_partner_token(renewed) == links.PartnerLink(7, "w", 1)
