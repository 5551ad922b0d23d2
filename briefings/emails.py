"""The one way this app builds an email: three templates (subject, plain text, HTML).

``templates/briefings/email/<name>/subject.txt``, ``body.txt`` and ``body.html`` are rendered
with the same context. HTML emails use inline styles and no external images, so they read the
same in common mail clients.
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.message import RFC5322_EMAIL_LINE_LENGTH_LIMIT, SafeMIMEMultipart
from django.template.loader import render_to_string

from core.text import printable


def plain(rendered: str) -> str:
    """What a plain-text template rendered, as the plain text it is.

    Django marks whatever a template renders as safe HTML. Plain text is not HTML: its templates
    leave what people wrote unescaped, as an email's text part must. Left marked safe, it would
    be printed into any page that shows it (a preview, an admin page) as markup.
    """
    return str.__str__(rendered)


def absolute(path: str) -> str:
    """A link for an email: the site's address (``SITE_URL``) and a path."""
    return settings.SITE_URL.rstrip("/") + path


def render_parts(name: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """The subject, plain text and HTML of the email ``name``."""
    folder = f"briefings/email/{name}"
    context = {"site_url": settings.SITE_URL.rstrip("/"), **context}
    # No part of an email carries a control character, whatever the database holds.
    subject = printable(plain(render_to_string(f"{folder}/subject.txt", context)))
    subject = " ".join(subject.split())
    text = printable(plain(render_to_string(f"{folder}/body.txt", context)))
    html = printable(render_to_string(f"{folder}/body.html", context))
    return subject, text, html


def build_message(
    name: str,
    context: dict[str, Any],
    *,
    to: str,
    headers: dict[str, str] | None = None,
) -> EmailMultiAlternatives:
    """The email ``name`` rendered for ``to``, with a plain-text body and an HTML alternative."""
    subject, text, html = render_parts(name, context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[to],
        headers=headers or {},
    )
    message.attach_alternative(html, "text/html")
    return message


# --- Encoding a large email's body once ---------------------------------------------------------
#
# Django's MIME encoding of a 270 kB digest (the email package checking, copying and writing each
# of its thousands of lines) costs more than everything else a copy of a shared digest needs.
# Yet for UTF-8 text whose lines all fit in 998 bytes Django sends the body as it is, 7bit or
# 8bit: the encoded body is the text's UTF-8 with each line ending made CRLF, nothing else. So a
# copy can be encoded as Django encodes it by letting Django encode the message with a short
# stand-in for each body (every header, the boundary, each part's headers: Django's own work)
# and putting the body's bytes in place of the stand-in. Anything else (a line over 998 bytes,
# which Django sends quoted-printable; attachments; other charsets) is left to Django.

NEWLINES = re.compile(r"\r\n|\r|\n")


class CopyEmail(EmailMultiAlternatives):
    """An email with a plain-text body and one HTML alternative whose MIME form is made as
    Django makes it (``message()``), with its large bodies encoded directly (see above)."""

    def message(self, **kwargs: Any) -> Any:
        if kwargs:  # options of a later Django's: its own encoding
            return super().message(**kwargs)
        bodies = self._plain_bodies()
        if bodies is None:
            return super().message()
        (text, text_bytes), (html, html_bytes) = bodies
        stand_in = EmailMultiAlternatives(
            subject=self.subject,
            body=text,
            from_email=self.from_email,
            to=self.to,
            headers=self.extra_headers,
        )
        stand_in.attach_alternative(html, "text/html")
        message = stand_in.message()
        if not isinstance(message, SafeMIMEMultipart):  # pragma: no cover - Django's own
            return super().message()
        return PreparedMIME.of(message, {text.encode(): text_bytes, html.encode(): html_bytes})

    def _plain_bodies(self) -> tuple[tuple[str, bytes], tuple[str, bytes]] | None:
        """Each body's stand-in and its bytes (lines ending LF), when Django would send both as
        they are; else None."""
        simple = not (self.attachments or self.cc or self.bcc or self.reply_to or self.encoding)
        alternatives = list(self.alternatives)
        if not simple or self.content_subtype != "plain" or len(alternatives) != 1:
            return None
        html, mimetype = alternatives[0]
        if mimetype != "text/html" or not isinstance(html, str) or not isinstance(self.body, str):
            return None
        if settings.DEFAULT_CHARSET.lower() != "utf-8":
            return None
        parts = []
        for body in (self.body, html):
            data = _lf_lines(body)
            if max(map(len, data.split(b"\n"))) > RFC5322_EMAIL_LINE_LENGTH_LIMIT:
                return None  # Django sends it quoted-printable
            # A stand-in of the same kind (ASCII or not) gets the same transfer encoding.
            stand_in = "body" + secrets.token_hex(16) + ("" if data.isascii() else "\u00e9")
            parts.append((stand_in, data))
        return parts[0], parts[1]


def _lf_lines(body: str) -> bytes:
    if "\r" in body:
        body = NEWLINES.sub("\n", body)
    return body.encode()


class PreparedMIME(SafeMIMEMultipart):
    """The MIME message Django made of a ``CopyEmail`` with stand-ins for its bodies, which its
    bytes carry in their place."""

    bodies: dict[bytes, bytes]

    @classmethod
    def of(cls, message: SafeMIMEMultipart, bodies: dict[bytes, bytes]) -> PreparedMIME:
        message.__class__ = cls  # Django's message, only written out differently
        assert isinstance(message, PreparedMIME)
        message.bodies = bodies
        return message

    # Django's signatures (``MIMEMixin``), which the stubs find at odds with the email package's.
    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:  # type: ignore[override]
        newline = linesep.encode()
        bodies = {
            k: v.replace(b"\n", newline) if newline != b"\n" else v for k, v in self.bodies.items()
        }
        data = super().as_bytes(unixfrom=unixfrom, linesep=linesep)
        # The email package chose a boundary not in the stand-ins: nor must it be in the bodies.
        while any(b"--" + str(self.get_boundary()).encode() in body for body in bodies.values()):
            self.set_boundary("=" * 15 + secrets.token_hex(10) + "==")
            data = super().as_bytes(unixfrom=unixfrom, linesep=linesep)
        stand_ins = re.compile(b"|".join(re.escape(stand_in) for stand_in in bodies))
        data, found = stand_ins.subn(lambda match: bodies[match[0]], data)
        if found != len(bodies):  # pragma: no cover - random stand-ins, in a message of ours
            raise ValueError("A body's stand-in was not found once in its message.")
        return data

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:  # type: ignore[override]
        return self.as_bytes(unixfrom=unixfrom, linesep=linesep).decode()
