"""A copy of a shared digest is encoded with its bodies put in as bytes (``emails.CopyEmail``):
the same email, header for header and byte for byte, as Django's own encoding of it, whatever
the names and lines it carries; anything Django would encode otherwise is left to Django."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Iterator

import pytest
import time_machine
from django.core.mail import EmailMultiAlternatives

from briefings import sending
from briefings.choices import Audience
from briefings.digest import compose_shared
from briefings.emails import CopyEmail, PreparedMIME
from briefings.models import Delivery, Subscription
from tests import test_briefings_digest as digest_tests
from tests.conftest import People
from tests.test_briefings_digest import Period, subscribe
from tracker.models import StatusUpdate

period = digest_tests.period
records = digest_tests.records
BOUNDARY = re.compile(rb'boundary="([^"]+)"')
LONG_LINE = "Skills bootcamps contracts signed. " * 40  # 1,400 characters on one line


@pytest.fixture
def frozen(period: Period) -> Iterator[dt.datetime]:
    """One moment for both encodings: each dates its message when it is made."""
    moment = period.end - dt.timedelta(seconds=30)
    with time_machine.travel(moment, tick=False):
        yield moment


def _both(message: EmailMultiAlternatives) -> tuple[bytes, bytes]:
    """The message as the copy encodes it, and as Django encodes it, as SMTP sends them, with
    the random multipart boundary of each made the same."""
    fast = message.message().as_bytes(linesep="\r\n")
    slow = EmailMultiAlternatives.message(message).as_bytes(linesep="\r\n")
    return _same_boundary(fast), _same_boundary(slow)


def _same_boundary(data: bytes) -> bytes:
    found = BOUNDARY.search(data)
    assert found is not None
    return data.replace(found[1], b"=====the-boundary=====")


def _parsed(data: bytes) -> list[tuple[list[tuple[str, str]], object]]:
    """Each part's headers and content, as a mail reader parses them."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    return [
        (
            [(name, str(value)) for name, value in part.items()],
            None if part.is_multipart() else part.get_content(),
        )
        for part in message.walk()
    ]


def _assert_encoded_as_django_does(message: EmailMultiAlternatives, *, fast: bool) -> None:
    assert isinstance(message.message(), PreparedMIME) is fast
    mine, django = _both(message)
    assert _parsed(mine) == _parsed(django)
    assert mine == django


# --- The encoding -------------------------------------------------------------------------------


def _copy(subject: str, to: str, text: str, html: str) -> CopyEmail:
    message = CopyEmail(
        subject=subject,
        body=text,
        from_email="Deal tracker <tracker@example.org>",
        to=[to],
        headers={
            "Message-ID": "<digest.0123456789abcdef@tracker.example.org>",
            "List-Unsubscribe": "<https://tracker.example.org/briefings/unsubscribe/"
            + "x" * 120
            + "/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(html, "text/html")
    return message


@pytest.mark.parametrize(
    ("subject", "to", "text", "html"),
    [
        ("Weekly briefing", "reader@example.org", "For you.\n", "<p>For you.</p>\n"),
        # Non-ASCII names: RFC 2047 headers, an 8bit body beside a 7bit one.
        ("Briefing for Zoë", "Zoë Ångström <zoe@example.org>", "For Zoë.\n", "<p>For you.</p>"),
        # Line endings of every kind, none at the end, a line of exactly 998 bytes.
        ("Briefing", "reader@example.org", "a\r\nb\rc\n" + "x" * 998, "<p>\r\n</p>\r\n"),
    ],
)
def test_a_copy_is_encoded_byte_for_byte_as_django_encodes_it(
    frozen: dt.datetime, subject: str, to: str, text: str, html: str
) -> None:
    _assert_encoded_as_django_does(_copy(subject, to, text, html), fast=True)


def test_a_line_over_998_bytes_is_left_to_django_which_sends_it_quoted_printable(
    frozen: dt.datetime,
) -> None:
    message = _copy("Briefing", "reader@example.org", "short\n", "<p>" + "é" * 500 + "</p>")
    _assert_encoded_as_django_does(message, fast=False)
    assert b"quoted-printable" in message.message().as_bytes()


def test_a_body_holding_its_messages_boundary_gets_another_boundary(
    frozen: dt.datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The email package picks a boundary no body line holds; the stand-ins it was picked
    against are not the bodies, so the copy checks the bodies and picks again."""
    text = "--===============1234567890==\nand after\n"
    message = _copy("Briefing", "reader@example.org", text, "<p>x</p>\n")
    prepared = message.message()
    prepared.set_boundary("===============1234567890==")
    data = prepared.as_bytes(linesep="\r\n")
    boundary = prepared.get_boundary()
    assert boundary != "===============1234567890=="
    parsed = email.message_from_bytes(data, policy=email.policy.default)
    [plain, html] = parsed.iter_parts()
    assert plain.get_content().replace("\r\n", "\n") == text


# --- Real digests -------------------------------------------------------------------------------


@pytest.fixture
def readers(people: People, records: None) -> list[Subscription]:
    """Partner addresses (one with a name in full UTF-8) and people of every visibility."""
    subs = [
        subscribe(people.deal, email="reader@partner-forum.example.org"),
        subscribe(people.deal, email="zoe@partner-forum.example.org"),
    ]
    Subscription.objects.filter(pk=subs[1].pk).update(name="Zoë Ångström-Łukasiewicz")
    for user in (people.dsg, people.admin, people.partner):
        subs.append(subscribe(people.deal, user=user, audience=Audience.INTERNAL))
    subs.append(subscribe(people.deal, user=people.other_lead))  # an account, partner digest
    return [Subscription.objects.select_related("user", "deal").get(pk=s.pk) for s in subs]


def _copies(readers: list[Subscription], now: dt.datetime) -> Iterator[EmailMultiAlternatives]:
    start = now - dt.timedelta(days=7)
    for sub in readers:
        shared = compose_shared(sub, period_start=start, period_end=now, now=now)
        assert shared is not None
        message = shared.message_for(sub)
        delivery = Delivery(kind="digest", key=f"digest:{sub.pk}:{now.isoformat()}")
        message.extra_headers["Message-ID"] = sending.message_id_for(delivery)
        yield message


def test_every_copy_of_a_real_digest_is_the_email_django_would_encode(
    readers: list[Subscription], frozen: dt.datetime
) -> None:
    copies = list(_copies(readers, frozen))
    for message in copies:
        _assert_encoded_as_django_does(message, fast=True)
    # The name in full UTF-8 is in its copy, sent 8bit.
    data = copies[1].message().as_bytes(linesep="\r\n")
    assert "For Zoë Ångström-Łukasiewicz".encode() in data
    assert b"Content-Transfer-Encoding: 8bit" in data


def test_a_real_digest_with_a_line_over_998_bytes_is_encoded_by_django(
    people: People, readers: list[Subscription], frozen: dt.datetime
) -> None:
    """An update written as one long paragraph: the HTML carries it on one line, which Django
    sends quoted-printable; the copy leaves it to Django."""
    StatusUpdate.objects.filter(summary="Skills bootcamps contracts signed.").update(
        summary=LONG_LINE
    )
    for message in _copies(readers, frozen):
        _assert_encoded_as_django_does(message, fast=False)
        data = message.message().as_bytes(linesep="\r\n")
        assert b"Content-Transfer-Encoding: quoted-printable" in data
