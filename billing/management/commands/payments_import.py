"""Import a BgMax file of incoming payments (the same service as the upload screen).

    manage.py payments_import FILE [--caregiver 232100-0156]

Without --caregiver the caregiver is the one whose billing settings hold the file's bankgiro number.
One transaction per file; a second import of the same file changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from billing import bgmax
from billing.models import BillingSettings
from billing.services.payments import PaymentFileError, payments_import
from mittvaccin.models import Caregiver


class Command(BaseCommand):
    help = "Imports Bankgirot's BgMax payment file: matches payments to invoices by OCR reference."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--caregiver", help="organisation number of the caregiver (default: by bankgiro)")

    def handle(self, *args, **options):
        path = options["file"]
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror}") from None
        caregiver = self._caregiver(options["caregiver"], content)
        try:
            result = payments_import(caregiver=caregiver, content=content, file_name=path.name)
        except PaymentFileError as error:
            raise CommandError(error.message) from None
        record = result.file
        if result.already_imported:
            self.stdout.write(f"Already imported {record.imported_at:%Y-%m-%d %H:%M}; nothing changed.")
            return
        self.stdout.write(
            f"{record.payment_count} payments ({record.total} kr) for {caregiver.name}: "
            f"{result.matched} matched, {result.to_handle} to handle, {record.duplicate_count} already imported."
        )

    def _caregiver(self, organisation_number, content):
        if organisation_number:
            caregiver = Caregiver.objects.filter(organisation_number=organisation_number).first()
            if caregiver is None:
                raise CommandError(f"No caregiver with organisation number {organisation_number}.")
            return caregiver
        try:
            bankgiros = bgmax.parse(content).bankgiros
        except bgmax.BgMaxError as error:
            raise CommandError(error.message) from None
        owners = {
            row.caregiver
            for row in BillingSettings.objects.filter(bankgiro__in=bankgiros).select_related("caregiver")
        }
        if len(owners) != 1:
            raise CommandError(
                f"No single caregiver has bankgiro {', '.join(sorted(bankgiros))}; name one with --caregiver."
            )
        return owners.pop()
