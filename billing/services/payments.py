"""Incoming payments: importing Bankgirot's BgMax file, and settling by hand what did not match.

One file is one transaction: a file that is wrong anywhere leaves nothing behind. The same file
imported again is recognised by its SHA-256 and changes nothing; a payment that another file already
brought (the same Bankgirot serial number) is skipped and counted, never booked twice.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import bgmax
from billing.models import (
    BillingSettings,
    Invoice,
    InvoiceKind,
    Payment,
    PaymentFile,
    PaymentProblem,
    PaymentSettlement,
    SettlementAction,
)
from billing.receivables import with_balance
from billing.references import ocr_is_valid
from billing.services.common import BillingError
from billing.services.prices import billing_settings_for

ZERO = Decimal("0.00")
MAX_FILE_BYTES = 20 * 1024 * 1024


class PaymentFileError(BillingError):
    """A payment file refused as a whole; the message names what is wrong (and the line)."""


@dataclass
class ImportResult:
    file: PaymentFile
    already_imported: bool = False
    counts: dict = field(default_factory=lambda: defaultdict(int))

    @property
    def matched(self) -> int:
        return self.counts[PaymentProblem.NONE]

    @property
    def to_handle(self) -> int:
        return sum(count for problem, count in self.counts.items() if problem != PaymentProblem.NONE)


def _reference_key(reference: str) -> str:
    """The OCR as we issued it: banks may pad with spaces or leading zeros."""
    return reference.strip().replace(" ", "").lstrip("0")


def payments_import(*, caregiver, content: bytes, file_name: str, user=None) -> ImportResult:
    """Import one BgMax file for `caregiver`. Raises PaymentFileError and imports nothing if it is wrong."""
    if not content:
        raise PaymentFileError(_("Filen är tom."))
    if len(content) > MAX_FILE_BYTES:
        raise PaymentFileError(_("Filen är större än 20 MB; är det en BgMax-fil?"))
    digest = hashlib.sha256(content).hexdigest()
    try:
        parsed = bgmax.parse(content)
    except bgmax.BgMaxError as error:
        raise PaymentFileError(error.message) from None
    if parsed.test:
        raise PaymentFileError(
            _("Filen är en testfil från Bankgirot (markerad T). Bara skarpa filer (P) läses in.")
        )
    if not parsed.payments:
        raise PaymentFileError(_("Filen innehåller inga betalningar."))
    with transaction.atomic():
        # One import at a time per caregiver: the second of two concurrent imports of the same file
        # waits here, then finds the first one's row and changes nothing.
        settings_row = BillingSettings.objects.select_for_update().get(pk=billing_settings_for(caregiver).pk)
        existing = PaymentFile.objects.filter(caregiver=caregiver, sha256=digest).first()
        if existing is not None:
            return ImportResult(file=existing, already_imported=True)
        own = settings_row.bankgiro
        foreign = sorted(b for b in parsed.bankgiros if b != own)
        if not own:
            raise PaymentFileError(
                _(
                    "Vårdgivaren har inget bankgironummer i faktureringsinställningarna; filen kan inte läsas in."
                )
            )
        if foreign:
            raise PaymentFileError(
                _(
                    "Filen gäller bankgiro %(file)s, men vårdgivarens bankgiro är %(own)s. Ingenting är inläst."
                )
                % {"file": ", ".join(foreign), "own": own}
            )
        return _book(caregiver=caregiver, parsed=parsed, digest=digest, file_name=file_name, user=user)


def _book(*, caregiver, parsed, digest, file_name, user) -> ImportResult:
    payments = parsed.payments
    seen_serials = set(
        Payment.objects.filter(
            caregiver=caregiver, bank_serial__in=[p.bank_serial for p in payments]
        ).values_list("bank_serial", flat=True)
    )
    fresh, duplicates, in_file = [], 0, set()
    for payment in payments:
        if payment.bank_serial in seen_serials or payment.bank_serial in in_file:
            duplicates += 1
            continue
        in_file.add(payment.bank_serial)
        fresh.append(payment)
    keys = {_reference_key(p.reference) for p in fresh}
    invoices = {
        invoice.ocr: invoice
        for invoice in with_balance(
            Invoice.objects.filter(caregiver=caregiver, kind=InvoiceKind.INVOICE, ocr__in=keys - {""})
        ).only("pk", "ocr", "total")
    }
    remaining = {invoice.pk: invoice.outstanding for invoice in invoices.values()}
    record = PaymentFile.objects.create(
        caregiver=caregiver,
        file_name=file_name[:200],
        sha256=digest,
        bankgiro=sorted(parsed.bankgiros)[0],
        written_at=timezone.make_aware(parsed.written_at),
        payment_count=len(fresh),
        total=sum((p.amount for p in fresh), ZERO),
        duplicate_count=duplicates,
        imported_by=user,
    )
    result = ImportResult(file=record)
    rows = []
    for payment in fresh:
        invoice, problem, excess = _match(payment, invoices, remaining)
        result.counts[problem] += 1
        rows.append(
            Payment(
                caregiver=caregiver,
                file=record,
                line=payment.line,
                bank_serial=payment.bank_serial,
                paid_on=payment.paid_on,
                reference=payment.reference[:25],
                amount=payment.amount,
                sender_bankgiro=payment.sender_bankgiro[:10],
                payer_name=payment.payer_name[:70],
                invoice=invoice,
                problem=problem,
                excess=excess,
            )
        )
    Payment.objects.bulk_create(rows, batch_size=2000)
    return result


def _match(payment, invoices, remaining):
    """(invoice, problem, excess) for one payment; `remaining` follows the file's earlier payments."""
    if payment.deduction:
        return None, PaymentProblem.DEDUCTION, ZERO
    if payment.extra_references:
        return None, PaymentProblem.SEVERAL_REFERENCES, ZERO
    key = _reference_key(payment.reference)
    if not key or payment.reference_code in bgmax.NO_REFERENCE_CODES:
        return None, PaymentProblem.NO_REFERENCE, ZERO
    invoice = invoices.get(key) if ocr_is_valid(key) else None
    if invoice is None:
        return None, PaymentProblem.UNKNOWN_REFERENCE, ZERO
    left = remaining[invoice.pk]
    remaining[invoice.pk] = left - payment.amount
    if payment.amount > left:
        return invoice, PaymentProblem.OVERPAID, payment.amount - max(left, ZERO)
    return invoice, PaymentProblem.NONE, ZERO


@transaction.atomic
def payment_settle(*, payment: Payment, user, action: str, note: str, invoice: Invoice | None = None):
    """Close a payment that needed a look: match it to an invoice, or record that it was refunded."""
    note = (note or "").strip()
    if action not in SettlementAction.values:
        raise BillingError(_("Välj vad som har gjorts med betalningen."), field="action")
    if len(note) < 3:
        raise BillingError(_("Skriv vad som har gjorts, så att det går att följa i efterhand."), field="note")
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if PaymentSettlement.objects.filter(payment=locked).exists():
        raise BillingError(_("Betalningen är redan hanterad."))
    if not locked.problem:
        raise BillingError(_("Betalningen matchade sin faktura och behöver inte hanteras."))
    if action == SettlementAction.MATCHED:
        if invoice is None:
            raise BillingError(_("Ange fakturanumret som betalningen ska kopplas till."), field="invoice")
        if invoice.caregiver_id != locked.caregiver_id or invoice.kind != InvoiceKind.INVOICE:
            raise BillingError(_("Det finns ingen sådan faktura."), field="invoice")
        if locked.invoice_id is not None:
            raise BillingError(
                _("Betalningen är redan kopplad till sin faktura; registrera återbetalningen i stället."),
                field="action",
            )
    else:
        invoice = None
    return PaymentSettlement.objects.create(
        payment=locked, action=action, invoice=invoice, note=note, by=user
    )
