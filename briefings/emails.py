"""The one way this app builds an email: three templates (subject, plain text, HTML).

``templates/briefings/email/<name>/subject.txt``, ``body.txt`` and ``body.html`` are rendered
with the same context. HTML emails use inline styles and no external images, so they read the
same in common mail clients.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
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
