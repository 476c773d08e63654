"""The invoice PDF as a worker renders it (issue 11: many a second on one core): the page foot's facts,
the statements one stored document costs, a re-render that keeps the one row, and the same PDF from
the styles a worker keeps between invoices."""

import io

import pytest
import weasyprint.css
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from billing.models import InvoiceDocument
from billing.pdf import invoice_pdf_store, render_invoice_pdf
from billing.tasks import invoice_render_pdf
from mittvaccin import pdf_styles
from tests.billing.factories import ready_caregiver
from tests.billing.test_payments import issued_invoice
from tests.mittvaccin.test_pdf_styles import without_dates

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_page_foot_shows_the_sender_the_bankgiro_and_where_to_ask(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ready_caregiver(cast.caregiver_a, invoice_phone="054-61 00 00", invoice_email="faktura@example.se")
    invoice = issued_invoice(cast)
    content = (tmp_path / invoice_pdf_store(invoice).path).read_bytes()
    text = pdf_text(content)
    # The foot is four columns of a label above its value, laid out without a table.
    for label, value in (
        ("Avsändare", invoice.sender_name),
        ("Organisationsnummer", invoice.sender_organisation_number),
        ("Bankgiro", invoice.bankgiro),
        ("Frågor om fakturan", "Tel. 054-61 00 00"),
    ):
        assert label in text and value in text, label
    assert "faktura@example.se" in text
    for line in invoice.sender_address_lines:
        assert line in text
    assert "Sida 1 av 1" in text
    # Whitespace between the tags is left out of the HTML, the words' own spaces are not.
    assert "Hälso- och sjukvård är undantagen från mervärdesskatt: ingen moms." in text


def test_a_rendered_invoice_costs_the_worker_few_statements(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    invoice = issued_invoice(cast)
    with CaptureQueriesContext(connection) as queries:
        assert invoice_render_pdf(invoice.pk, invoice.number)
    statements = [query["sql"] for query in queries.captured_queries]
    # The invoice, its document (none yet), the billing settings, the lines, and the new document's
    # row in a savepoint of its own; update_or_create looked the row up again inside two more.
    assert len(statements) <= 7, statements
    assert sum(sql.startswith("INSERT") for sql in statements) == 1
    assert sum("billing_invoicedocument" in sql and sql.startswith("SELECT") for sql in statements) == 1


def test_a_lost_file_is_rendered_again_into_the_same_row(cast, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    invoice = issued_invoice(cast)
    first = invoice_pdf_store(invoice)
    first_rendered_at = first.rendered_at
    (tmp_path / first.path).unlink()
    again = invoice_pdf_store(invoice)
    assert again.pk == first.pk
    stored = InvoiceDocument.objects.get(invoice=invoice)
    assert stored.rendered_at > first_rendered_at
    content = (tmp_path / stored.path).read_bytes()
    assert stored.size == len(content) and content.startswith(b"%PDF")
    assert invoice.ocr in pdf_text(content)


def test_an_invoice_styled_from_kept_styles_is_the_pdf_weasyprint_renders_alone(cast, monkeypatch):
    invoice = issued_invoice(cast)
    render_invoice_pdf(invoice)
    kept = pdf_styles.kept_count()
    from_kept, _ = render_invoice_pdf(invoice)
    assert pdf_styles.kept_count() == kept
    monkeypatch.setattr(weasyprint.css, "StyleFor", pdf_styles.StyleFor)
    alone, _ = render_invoice_pdf(invoice)
    assert without_dates(from_kept) == without_dates(alone)
    assert invoice.ocr in pdf_text(from_kept)
