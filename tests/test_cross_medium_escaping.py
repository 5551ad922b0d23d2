"""Text made for another medium is escaped when a page shows it.

An email's plain-text part is rendered with autoescape off, as plain text must be; Django marks
whatever a template renders as safe HTML all the same. Shown in a page unescaped, a lead's
summary could redirect an administrator's browser or put an attacker's link on the page. The
same holds for any text from data that a template would print as markup (a form field's help).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import time_machine
from django.test import Client
from django.utils.html import escape
from django.utils.safestring import SafeData

from briefings import reminders, sending
from briefings.choices import Audience, Frequency
from briefings.digest import compose
from briefings.schedule import UK
from briefings.services import subscription_create
from core.choices import Classification
from tests.conftest import People
from tracker.choices import AskType, Direction, Rag
from tracker.models import Principle, Workstream
from tracker.services import proposal_create, proposal_submit
from tracker.services.reporting import status_update_submit

# What an attacker would write where text is shown: each must arrive as text, never as markup.
# Each is shorter than a plain-text line, so the email's text keeps it whole.
PAYLOADS = [
    '<meta http-equiv="refresh" content="0;url=https://attacker.example/">',
    '<a href="https://attacker.example/">Sign in again</a>',
    "</pre><script>location='https://attacker.example/'</script>",
    '<img src="x" onerror="alert(1)">',
    '"><svg onload=alert(1)>',
]
NOW = dt.datetime(2026, 3, 11, 12, 0, tzinfo=UK)


def _post(people: People, **texts: str) -> None:
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        status_update_submit(
            workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
            acting_user=people.lead,
            rag=Rag.AMBER,
            direction=Direction.WORSENING,
            **texts,
        )


def _assert_shown_as_text(page: str, payloads: list[str]) -> None:
    for payload in payloads:
        assert payload not in page, payload
        assert escape(payload) in page, payload
    assert "attacker.example/" not in page.replace(escape("https://attacker.example/"), "")


def _subscription(people: People) -> Any:
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        return subscription_create(
            deal=people.deal,
            acting_user=people.admin,
            email="briefings@partner-forum.example.org",
            audience=Audience.PARTNER,
            frequency=Frequency.WEEKLY,
            day=0,
            send_at=dt.time(8),
        )


def test_the_digest_preview_shows_what_a_lead_wrote_as_text(people: People) -> None:
    subscription = _subscription(people)
    _post(people, summary="\n".join(PAYLOADS))
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        proposal_submit(
            proposal=proposal_create(
                workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
                acting_user=people.admin,
                title=PAYLOADS[1],
                classification=Classification.OFFICIAL,
                ask="A ten-year funding settlement for franchised buses.",
                ask_type=AskType.FUNDING,
            ),
            acting_user=people.admin,
        )
    client = Client()
    client.force_login(people.admin)
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"/subscriptions/{subscription.pk}/preview/")
    assert response.status_code == 200
    page = response.content.decode()
    plain_text = page[page.index('id="plain-text"') :]
    assert escape(f'"{PAYLOADS[1]}"') in plain_text  # the proposal that moved, by its title
    _assert_shown_as_text(page, PAYLOADS)


def test_every_email_the_app_builds_has_a_plain_text_part_that_is_not_marked_safe(
    people: People,
) -> None:
    """Whatever shows an email's text later (a preview, the admin, a log) escapes it."""
    subscription = _subscription(people)
    _post(people, summary=PAYLOADS[0])
    digest = compose(subscription, period_start=NOW - dt.timedelta(days=7), period_end=NOW, now=NOW)
    assert digest is not None
    messages = [digest.message]
    # A reminder: Skills has never reported, so Bob is told it is overdue.
    with time_machine.travel(NOW, tick=False):
        for pk in reminders.claim_reminders(NOW):
            delivery = sending.Delivery.objects.get(pk=pk)
            message = sending._message_for(delivery, NOW)
            if message is not None:
                messages.append(message)
    assert len(messages) >= 2
    for message in messages:
        assert not isinstance(message.body, SafeData)
        assert not isinstance(message.subject, SafeData)
    assert PAYLOADS[0] in digest.message.body  # plain text keeps what was written, unescaped


def test_a_form_shows_help_text_from_data_as_text(people: People) -> None:
    """A principle's text, which administrators edit, is the help of its question."""
    principle = Principle.objects.filter(deal=people.deal).order_by("position").first()
    assert principle is not None
    principle.text = " ".join(PAYLOADS)
    principle.save()
    proposal = proposal_create(
        workstream=Workstream.objects.get(deal=people.deal, slug="transport"),
        acting_user=people.admin,
        title="Bus franchising settlement",
        classification=Classification.OFFICIAL,
        ask="A ten-year funding settlement for franchised buses.",
    )
    client = Client()
    client.force_login(people.lead)
    page = client.get(f"/proposals/{proposal.pk}/principles/").content.decode()
    _assert_shown_as_text(page, [" ".join(PAYLOADS)])
