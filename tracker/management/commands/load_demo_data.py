"""Load synthetic demonstration data, replacing any loaded before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker.demo import (
    DEFAULT_SEED,
    LOGINS_FILENAME,
    DemoDataError,
    demo_data_exists,
    demo_data_load,
)


class Command(BaseCommand):
    help = (
        "Load demo people, status updates and their sign-offs, risks, engagement plans, "
        "proposals at every stage with their decisions, principle answers and negotiations, "
        "meetings with their agendas, an approved TDD Proposition and the ONS observations, "
        "all marked as demo data. Any "
        "demo data already loaded is replaced, with its history; nothing else is changed. "
        "Writes the demo logins (with new passwords) to "
        "VAR_DIR/demo-logins.txt. Needs the reference data (load_reference_data)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if demo data has been loaded already (keeps the logins working).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"The same seed gives the same data (default {DEFAULT_SEED}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and demo_data_exists():
            self.stdout.write("Demo data is already loaded: left as it is (--if-empty).")
            if not (Path(settings.VAR_DIR) / LOGINS_FILENAME).exists():
                # The passwords exist only as hashes now: new ones mean loading afresh.
                self.stdout.write(
                    "Its logins file is missing: run load_demo_data without --if-empty to "
                    "replace the demo data and write new logins."
                )
            return
        try:
            summary = demo_data_load(seed=options["seed"])
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        if summary.deleted:
            self.stdout.write(f"Replaced the previous demo data ({summary.deleted} rows deleted).")
        created = ", ".join(f"{count} {name}" for name, count in summary.created.items())
        self.stdout.write(self.style.SUCCESS(f"Loaded demo data (seed {options['seed']}):"))
        self.stdout.write(f"  {created}.")
        if summary.skipped_observations:
            kept = summary.skipped_observations
            self.stdout.write(
                f"  {kept} ONS figures were already in the database: kept as they are."
            )
        if summary.undated_periods:
            labels = ", ".join(sorted(summary.undated_periods))
            self.stdout.write(f"  Observations kept without dates (ambiguous periods): {labels}.")
        self.stdout.write(f"Demo logins written to {summary.logins_path}.")
