"""Load synthetic demonstration data, replacing any loaded before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracker import freshness
from tracker.demo import (
    DEFAULT_SEED,
    LOGINS_FILENAME,
    DemoDataError,
    demo_data_exists,
)
from tracker.demo_scale import DEAL_NAME, DEAL_SLUG, MAX_SCALE, demo_load


def _scale(text: str) -> int:
    """A whole number from 1 to MAX_SCALE, or a clear error."""
    try:
        number = int(text)
    except ValueError:
        raise CommandError(f"--scale must be a whole number, not {text!r}.") from None
    if not 1 <= number <= MAX_SCALE:
        raise CommandError(f"--scale must be from 1 to {MAX_SCALE}, not {number}.")
    return number


class Command(BaseCommand):
    help = (
        "Load demo people, status updates and their sign-offs, risks, engagement plans, "
        "proposals at every stage with their decisions, principle answers and negotiations, "
        "meetings with their agendas, an approved version of the deal's Proposition and the ONS "
        "observations, all marked as demo data. Any "
        "demo data already loaded is replaced, with its history; nothing else is changed. "
        "Writes the demo logins (with new passwords) to "
        "VAR_DIR/demo-logins.txt. Needs the reference data (load_reference_data). "
        f"With --scale N, also creates a deal of its own, '{DEAL_NAME}' (slug {DEAL_SLUG}, "
        "marked as demo data, in which the demo people hold roles too), with N times a "
        "realistic deal of synthetic data for measuring the pages at scale: 20N workstreams "
        "('Synthetic workstream 0001'...) with their leads and sponsors from the demo people, "
        "52 fortnightly status updates each, 400N risks, 150N proposals with their decisions, "
        "and 12N synthetic indicators x 50 synthetic areas (GSS codes E06900001...) x 10 years "
        "of observations; the demo's own deal is left as the plain load leaves it. Every load, "
        "with or without --scale, first removes the synthetic deal of an earlier scaled load."
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
        parser.add_argument(
            "--scale",
            type=str,
            default=None,
            metavar="N",
            help="Add a synthetic deal of its own, N times a realistic deal (a whole number from "
            f"1 to {MAX_SCALE}), after the demo data; 10 is 200 workstreams, 10,400 status "
            "updates, 4,000 risks, 1,500 proposals and 60,000 observations.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = None if options["scale"] is None else _scale(str(options["scale"]))
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
            summary, scaled = demo_load(seed=options["seed"], scale=scale)
        except DemoDataError as error:
            raise CommandError(str(error)) from error
        freshness.data_changed()  # the demo is written in bulk, past the signals
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
        if scaled is not None:
            made = ", ".join(f"{count} {name}" for name, count in scaled.created.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Added synthetic data at scale {scaled.scale}, in the deal "
                    f"{scaled.deal_name} (?deal={scaled.deal_slug} on its pages):"
                )
            )
            self.stdout.write(f"  {made}.")
        self.stdout.write(f"Demo logins written to {summary.logins_path}.")
