"""Create a deal, or bring it up to date, from its YAML file (tracker/deal_file.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from missions import reference
from tracker import deal_file, freshness


class Command(BaseCommand):
    help = (
        "Create a deal, or bring it up to date, from one YAML file: its name, slug, combined "
        "authority and area, cadence, themes and workstreams, governance bodies, principles and "
        "timeline. The whole file is checked first: a file with any problem is refused with "
        "each key path and reason, and nothing is written. Loading the same file again "
        "changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The deal's YAML file, e.g. data/deals/x.yaml")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = deal_file.read(path)
        except deal_file.DealFileError as error:
            problems = "\n".join(f"  {problem}" for problem in error.problems)
            raise CommandError(f"{path} was not loaded; nothing was written:\n{problems}") from None
        with transaction.atomic():
            deal, counts = deal_file.load(data)
            changed = reference.changed(counts)
            if changed:
                freshness.data_changed()  # the loader writes past the signals
        if options["verbosity"] < 1:
            return
        for line in reference.count_lines(counts):
            self.stdout.write(line)
        verb = "loaded" if changed else "unchanged"
        self.stdout.write(self.style.SUCCESS(f"{deal} ({deal.slug}) {verb} from {path}."))
