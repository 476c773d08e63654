"""Invoices and reminders are tagged PDFs (PDF/UA), like the certificate: residents get them, and a
screen reader must read their headings and tables in order (WCAG 1.3.1). One renderer makes them all
(mittvaccin.pdf)."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from billing.pdf import invoice_pdf_bytes
from billing.pdf_reminder import reminder_pdf_bytes
from billing.services.reminders import reminder_send
from tests.billing.test_payments import issued_invoice

pytestmark = pytest.mark.django_db


def tagged(content: bytes) -> bool:
    root = PdfReader(io.BytesIO(content)).trailer["/Root"]
    return "/StructTreeRoot" in root and bool(root["/MarkInfo"]["/Marked"]) and root["/Lang"] == "sv"


def test_the_invoice_and_its_reminder_are_tagged_pdfs_with_a_language(cast):
    invoice = issued_invoice(cast)
    assert tagged(invoice_pdf_bytes(invoice))
    reminder = reminder_send(
        invoice=invoice, user=cast.clinic_a, today=invoice.due_date + dt.timedelta(days=60)
    )
    assert tagged(reminder_pdf_bytes(reminder))
