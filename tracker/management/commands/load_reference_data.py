"""Load the reference data the source documents give: missions, metrics, indicators, areas, and
every deal under ``data/deals/`` with its themes, workstreams, governance bodies and timeline.

Safe to run again: rows are matched on their natural keys and only changed values are written,
so a second run creates and updates nothing. Never marks anything as demonstration data.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from missions import reference as missions_reference
from tracker import freshness
from tracker import reference as tracker_reference


class Command(BaseCommand):
    help = (
        "Load the reference data from the source documents (missions, metrics, indicators, "
        "areas, and every deal in data/deals/ with its themes, workstreams, bodies and "
        "timeline). "
        "Idempotent: prints how many rows of each model were created, updated or unchanged."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            counts = missions_reference.merge_counts(
                missions_reference.load_reference_data(),
                tracker_reference.load_reference_data(),
            )
            if missions_reference.changed(counts):
                freshness.data_changed()  # the loaders write in bulk, past the signals
        if options["verbosity"] < 1:
            return
        for line in missions_reference.count_lines(counts):
            self.stdout.write(line)
        created = sum(row["created"] for row in counts.values())
        updated = sum(row["updated"] for row in counts.values())
        unchanged = sum(row["unchanged"] for row in counts.values())
        summary = (
            f"Reference data loaded: {created} created, {updated} updated, {unchanged} unchanged."
        )
        self.stdout.write(self.style.SUCCESS(summary))
