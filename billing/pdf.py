"""The invoice PDF: Swedish, A4, print-ready, rendered with WeasyPrint outside any transaction."""

from __future__ import annotations

import hashlib
import os
import tempfile
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from billing.models import Invoice, InvoiceDocument
from billing.services.invoices import patient_is_protected
from billing.services.prices import billing_settings_for
from mittvaccin.pdf import render_pdf


def invoice_context(invoice: Invoice) -> dict:
    """What the document shows. A protected recipient (R7) gets the tax agency's forwarding address.

    Protection is checked again at rendering: a patient protected after the invoice was issued gets
    no address printed either.
    """
    protected = invoice.recipient_protected or patient_is_protected(invoice.patient)
    settings_row = billing_settings_for(invoice.caregiver)
    lines = list(invoice.lines.all().order_by("position"))
    remaining = None
    if invoice.credited_invoice_id:
        # What is left to pay of the credited invoice once this and earlier credit notes are counted.
        credits = invoice.credited_invoice.credit_notes.filter(number__lte=invoice.number)
        remaining = invoice.credited_invoice.total + sum((note.total for note in credits), Decimal("0.00"))
    return {
        "remaining": remaining,
        "invoice": invoice,
        "lines": lines,
        "protected": protected,
        "address_lines": [] if protected else invoice.recipient_address_lines,
        "forwarding_lines": settings_row.forwarding_lines if protected else [],
        "credited": invoice.credited_invoice,
        "has_campaign": any(line.campaign_name for line in lines),
    }


STYLESHEET = Path(__file__).resolve().parent / "invoice_pdf.css"


def render_invoice_pdf(invoice: Invoice) -> tuple[bytes, bool]:
    """The PDF bytes, and whether the recipient was rendered as protected."""
    context = invoice_context(invoice)
    html = render_to_string("billing/invoice_pdf.html", context)
    pdf = render_pdf(html, stylesheet=STYLESHEET, base_url=str(settings.BASE_DIR))
    return pdf, context["protected"]


def document_path(invoice: Invoice) -> Path:
    kind = "kredit" if invoice.is_credit_note else "faktura"
    return Path(settings.BILLING_PDF_DIR) / str(invoice.caregiver_id) / f"{kind}-{invoice.number}.pdf"


def invoice_pdf_store(invoice: Invoice, *, force: bool = False) -> InvoiceDocument:
    """Render and store the PDF under MEDIA_ROOT (atomically: write, then rename). Safe to repeat."""
    existing = InvoiceDocument.objects.filter(invoice=invoice).first()
    if existing and not force and (Path(settings.MEDIA_ROOT) / existing.path).exists():
        return existing
    pdf, protected = render_invoice_pdf(invoice)
    relative = document_path(invoice)
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".tmp") as handle:
        handle.write(pdf)
        temporary = handle.name
    os.replace(temporary, target)
    values = {
        "path": str(relative),
        "sha256": hashlib.sha256(pdf).hexdigest(),
        "size": len(pdf),
        "rendered_at": timezone.now(),
        "rendered_protected": protected,
    }
    if existing:
        # Re-rendered (forced, or its file was lost): the one row now describes the new file.
        for field, value in values.items():
            setattr(existing, field, value)
        existing.save(update_fields=list(values))
        return existing
    # The row was looked up above, so a first render inserts straight away: one INSERT, not
    # update_or_create's second look-up and savepoints, for each of a batch's many invoices.
    try:
        with transaction.atomic():
            return InvoiceDocument.objects.create(invoice=invoice, **values)
    except IntegrityError:
        # Two workers rendered the same invoice at once; the file is the same, the row exists.
        return InvoiceDocument.objects.get(invoice=invoice)


def invoice_pdf_bytes(invoice: Invoice) -> bytes:
    """The PDF to hand out: the stored file, unless it would now show a protected patient's address."""
    document = InvoiceDocument.objects.filter(invoice=invoice).first()
    stale = document is None or (not document.rendered_protected and patient_is_protected(invoice.patient))
    path = Path(settings.MEDIA_ROOT) / document.path if document else None
    if stale or not path.exists():
        document = invoice_pdf_store(invoice, force=True)
        path = Path(settings.MEDIA_ROOT) / document.path
    return path.read_bytes()
