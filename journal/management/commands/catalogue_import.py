"""Load or update the national vaccine catalogue from a catalogue file (format: docs/catalogue.md)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from journal.catalogue import (
    STARTER_CATALOGUE,
    CatalogueError,
    CatalogueFileError,
    catalogue_apply,
    catalogue_plan,
)


class Command(BaseCommand):
    help = (
        "Reads a catalogue file (CSV, see docs/catalogue.md), prints what it adds and changes, and applies it "
        "in one transaction. A file with an unknown column or a bad row changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            nargs="?",
            help=f"catalogue file (default: the starter catalogue {STARTER_CATALOGUE.name})",
        )
        parser.add_argument("--dry-run", action="store_true", help="Only print what would change.")
        parser.add_argument("--comment", default="", help="Kept with every product version the file writes.")

    def handle(self, *args, **options):
        path = Path(options["file"]) if options["file"] else STARTER_CATALOGUE
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{path} is not UTF-8.") from None
        try:
            plan = catalogue_plan(text)
        except CatalogueFileError as error:
            raise CommandError(
                "Nothing applied. " + "\n".join(str(problem) for problem in error.problems)
            ) from None
        for row in plan.added:
            self.stdout.write(f"  + {row.name}")
        for row in plan.changed:
            self.stdout.write(
                f"  ~ {row.name}: " + "; ".join(f"{label}: {old} → {new}" for label, old, new in row.changes)
            )
        summary = f"{len(plan.added)} to add, {len(plan.changed)} to change, {len(plan.unchanged)} unchanged"
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {summary}.")
            return
        try:
            counts = catalogue_apply(plan, source="import", comment=options["comment"] or path.name)
        except CatalogueError as error:
            raise CommandError(f"Nothing applied. {error.message}") from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Catalogue from {path.name}: {counts['add']} added, {counts['change']} changed, "
                f"{counts['unchanged']} unchanged."
            )
        )
