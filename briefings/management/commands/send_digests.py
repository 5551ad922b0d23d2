"""Send what is due now, in this process: what the beat's tick and the workers do together."""

from __future__ import annotations

import contextlib
import smtplib
from typing import Any

from django.core.mail import get_connection
from django.core.management.base import BaseCommand, CommandParser

from briefings import reminders, sending
from briefings.choices import DeliveryStatus


class Command(BaseCommand):
    help = (
        "Claim the digests and reminders now due (and any a stopped worker left unsent) and "
        "send them here, printing each one's outcome. --all-now sends every active "
        "subscription's current digest early, up to now; it is still sent once for its period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all-now",
            action="store_true",
            help="Treat every active subscription as due now.",
        )

    def handle(self, *args: Any, all_now: bool = False, **options: Any) -> None:
        ids = sending.claim_due(all_now=all_now) + reminders.claim_reminders()
        counts: dict[str, int] = {}
        # One connection for the run. A server that is down must not stop the run: each send
        # then tries to connect, and is recorded as waiting for a retry if it cannot.
        connection = get_connection()
        with contextlib.suppress(OSError, smtplib.SMTPException):
            connection.open()
        try:
            for delivery_id in ids:
                status = self._send(delivery_id, connection)
                counts[status] = counts.get(status, 0) + 1
        finally:
            with contextlib.suppress(Exception):
                connection.close()
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        self.stdout.write(f"{len(ids)} due: {summary or 'nothing to send'}.")

    def _send(self, delivery_id: int, connection: Any) -> str:
        try:
            outcome = sending.deliver(delivery_id, connection=connection)
        except sending.TransientSendError as error:
            self.stdout.write(f"#{delivery_id} will be retried: {error}")
            return str(DeliveryStatus.RETRYING)
        line = f"#{outcome.delivery_id} {outcome.kind} to {outcome.email}: {outcome.status}"
        self.stdout.write(line + (f" ({outcome.detail})" if outcome.detail else ""))
        return outcome.status
