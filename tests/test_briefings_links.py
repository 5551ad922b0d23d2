"""Partner links made many at a time (``links.PartnerLinks``: one signer, each page's address
reversed once) are the links ``links.partner_url`` makes one at a time, each signed for its own
subscription, page and object."""

import datetime as dt

import pytest
import time_machine

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
