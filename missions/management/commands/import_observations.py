"""python manage.py import_observations FILE [--create-missing-indicators] [--dry-run]"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from missions import services


class Command(BaseCommand):
    help = (
        "Import observations from a CSV file in the long format (indicator, unit, period, "
        "area_code, area_name, value, source). All or nothing: any bad row rejects the file, "
        "with the row numbers and reasons, and nothing is written. A figure already held is "
        "left alone when the same and replaced when it differs (the old value is kept in the "
        "history), so importing a file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file (UTF-8).")
        parser.add_argument(
            "--create-missing-indicators",
            action="store_true",
            help="Create an indicator the file names that is not known yet (in the 'Imported "
            "indicators' framework, for an administrator to name and place).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the file and say what would change."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        plan = services.plan_import(
            data,
            acting_user=None,
            create_missing_indicators=options["create_missing_indicators"],
        )
        if not plan.ok:
            for row_error in plan.errors:
                self.stderr.write(f"Row {row_error.row}: {row_error.reason}")
            raise CommandError(
                f"{path.name}: {len({e.row for e in plan.errors})} bad row(s); nothing was "
                "imported."
            )
        if not options["dry_run"]:
            services.apply_plan(plan, acting_user=None)
        verb = "would import" if options["dry_run"] else "imported"
        self.stdout.write(
            f"{path.name}: {verb} {len(plan.new)} new, {len(plan.corrected)} corrected, "
            f"{plan.unchanged} unchanged; {len(plan.new_indicators)} new indicator(s)."
        )
        for warning in plan.undated:
            self.stdout.write(f"Row {warning.row}: kept without dates. {warning.reason}")
