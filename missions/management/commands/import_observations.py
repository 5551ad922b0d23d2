"""python manage.py import_observations PATH [--create-missing-indicators] [--dry-run]
[--areas-of-deals] [--if-empty]"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import reset_queries

from missions import ons, services


class Command(BaseCommand):
    help = (
        "Import observations. PATH is a CSV file in the long format (indicator, unit, period, "
        "area_code, area_name, value, source); or a file of ONS's Explore Local Statistics "
        "(recognised from its header, with the metadata beside it, <name>.json); or a directory "
        "of such files, one folder per indicator, each imported all or nothing and reported as "
        "imported, unchanged or refused with its reasons. A bad row rejects its file, with the "
        "row numbers and reasons, and nothing of it is written. A figure already held is left "
        "alone when the same and replaced when it differs (the old value is kept in the "
        "history), so importing a file twice changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="A CSV file (UTF-8), or a directory.")
        parser.add_argument(
            "--create-missing-indicators",
            action="store_true",
            help="Long format: create an indicator the file names that is not known yet (in "
            "the 'Imported indicators' framework, for an administrator to name and place). "
            "ONS files always create theirs, from their metadata.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Check the files and say what would change."
        )
        parser.add_argument(
            "--areas-of-deals",
            action="store_true",
            help="ONS files: import only the figures of the deals' areas (each deal's combined "
            "authority area, its districts, its region, England and the UK), every combined "
            "authority and every metropolitan district, and for the indicators the Statement's "
            "gap measures rank, the areas they rank (upper tier for healthy life expectancy, "
            "lower tier for well-being). Each file's slice is checked and imported all or "
            "nothing; its other rows are not read, and are counted as outside the slice.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="ONS files: do nothing if ONS's figures have been imported already.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        areas = services.areas_of_deals() if options["areas_of_deals"] else None
        if path.is_dir():
            if options["if_empty"] and services.ons_figures_held():
                self.stdout.write("ONS's figures are already imported: left as they are.")
                return
            folders = services.ons_folders(path)
            if not folders:
                raise CommandError(f"{path} holds no indicator folder (<name>/<name>.csv).")
            reports = []
            for folder in folders:
                reports.append(
                    services.import_ons_folder(
                        folder, acting_user=None, dry_run=options["dry_run"], areas=areas
                    )
                )
                # With DEBUG on, Django keeps every query's SQL until told to forget them (as
                # each request's start does): a file's inserts would stay for the whole run.
                reset_queries()
            self._ons_reports(reports, options["dry_run"])
            return
        try:
            with path.open("rb") as file:
                first_line = file.readline()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}.") from None
        if ons.is_ons_header(first_line.decode("utf-8", "replace").split(",")):
            if options["if_empty"] and services.ons_figures_held():
                self.stdout.write("ONS's figures are already imported: left as they are.")
                return
            metadata = path.with_suffix(".json")
            report = services.import_ons_file(
                path,  # read as it goes, not whole
                metadata.read_bytes() if metadata.exists() else None,
                name=path.stem,
                acting_user=None,
                dry_run=options["dry_run"],
                areas=areas,
            )
            self._ons_reports([report], options["dry_run"])
            return
        self._long_format(path, path.read_bytes(), options)

    def _ons_reports(self, reports: list[services.FileReport], dry_run: bool) -> None:
        for report in reports:
            if report.outcome == services.REFUSED:
                self.stderr.write(f"{report.name}: refused; nothing of it was imported.")
                for problem in report.problems:
                    self.stderr.write(f"  {problem}")
                continue
            verb = {services.IMPORTED: "would import" if dry_run else "imported"}.get(
                report.outcome, report.outcome
            )
            self.stdout.write(
                f"{report.name}: {verb}: {report.new} new, {report.corrected} corrected, "
                f"{report.unchanged} unchanged ({report.missing} missing figures kept with "
                f"their reasons); {report.new_areas} new areas, {report.new_indicators} new and "
                f"{report.updated_indicators} updated indicators."
            )
            if report.outside_slice:
                self.stdout.write(
                    f"  {report.outside_slice} rows outside the slice (--areas-of-deals): not "
                    "read or imported."
                )
            if report.repeats:
                self.stdout.write(
                    f"  {report.repeats} rows repeated an area's figure under another "
                    "geography label: kept once."
                )
            for left_out in report.left_out:
                self.stdout.write(f"  Row {left_out.row} left out: {left_out.reason}")
        refused = [r.name for r in reports if r.outcome == services.REFUSED]
        if len(reports) > 1:
            count = Counter(r.outcome for r in reports)
            self.stdout.write(
                f"{len(reports)} files: {count[services.IMPORTED]} "
                f"{'would be imported' if dry_run else 'imported'}, "
                f"{count[services.UNCHANGED]} unchanged, {len(refused)} refused; "
                f"{sum(r.new for r in reports):,} new figures (missing ones among them), "
                f"{sum(r.corrected for r in reports):,} corrected, "
                f"{sum(r.outside_slice for r in reports):,} outside the slice."
            )
        if refused:
            raise CommandError(
                f"{len(refused)} of {len(reports)} file(s) refused: {', '.join(refused)}."
            )

    def _long_format(self, path: Path, data: bytes, options: dict[str, Any]) -> None:
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
