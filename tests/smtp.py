"""A real SMTP server for tests: aiosmtpd on loopback, with the messages it accepted parsed back.

    with SmtpServer() as server:
        server.use_in(settings)  # pytest-django's settings fixture
        ...
        server.wait_for(2)
        [message] = server.messages_to("pat@example.org")

``refuse(address)`` makes the server answer 550 to that recipient; ``stop()`` and ``start()``
take it away and bring it back on the same port (a refused connection, as when a mail server is
down).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, smtp: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address.lower() in self.server.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.server.lock:
            for recipient in envelope.rcpt_tos:
                self.server.received.append((recipient.lower(), parsed))  # type: ignore[arg-type]
        return "250 Message accepted"


class SmtpServer:
    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.refused: set[str] = set()
        # Seconds the server takes to accept each message: a slow server.
        self.delay = 0.0
        self.received: list[tuple[str, EmailMessage]] = []
        self.lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(_Handler(self), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def refuse(self, address: str) -> None:
        self.refused.add(address.lower())

    def use_in(self, django_settings: Any) -> None:
        """Point Django's email at this server (pytest-django's ``settings`` fixture)."""
        django_settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        django_settings.EMAIL_HOST = "127.0.0.1"
        django_settings.EMAIL_PORT = self.port
        django_settings.EMAIL_HOST_USER = django_settings.EMAIL_HOST_PASSWORD = ""
        django_settings.EMAIL_USE_TLS = django_settings.EMAIL_USE_SSL = False
        django_settings.EMAIL_TIMEOUT = 5

    @property
    def messages(self) -> list[EmailMessage]:
        with self.lock:
            return [message for _, message in self.received]

    def messages_to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [message for to, message in self.received if to == address.lower()]

    def recipients(self) -> list[str]:
        with self.lock:
            return sorted(to for to, _ in self.received)

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """Wait until the server has accepted at least ``count`` messages."""
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(self.received)} of {count} messages arrived")
            time.sleep(0.02)
        return self.messages


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    return body.get_content() if body is not None else ""


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    return body.get_content() if body is not None else ""
