"""The payment screens: upload, the list of what needs a look, settling by hand, overdue invoices,
reminders (once per invoice, with the fee, a PDF with the invoice's OCR) and the import command."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from billing.models import Payment, PaymentFile, PaymentSettlement, Reminder
from billing.receivables import balance_of
from billing.services.common import BillingError
from billing.services.payments import payments_import
from billing.services.reminders import reminder_send
from tests.billing.factories import ready_caregiver
from tests.billing.test_payments import bgmax_file, issued_invoice
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def upload(client, content, name="bgmax.txt"):
    return client.post(
        reverse("billing:payments"), {"file": SimpleUploadedFile(name, content, "text/plain")}, follow=True
    )


def test_clinic_staff_upload_a_file_and_see_what_needs_a_look(cast):
    invoice = issued_invoice(cast, "300")
    client = client_for(cast.clinic_a)
    response = upload(client, bgmax_file((invoice.ocr, "300.00", "1"), ("4711", "25.00", "2")))
    text = response.content.decode()
    assert response.status_code == 200
    assert "2 betalningar inlästa (325,00\xa0kr): 1 matchade, 1 att hantera." in text
    page = client.get(reverse("billing:payments")).content.decode()
    assert "OCR-referensen matchar ingen faktura" in page and "4711" in page


def test_the_same_upload_twice_says_so_and_changes_nothing(cast):
    invoice = issued_invoice(cast)
    client = client_for(cast.clinic_a)
    content = bgmax_file((invoice.ocr, "300.00", "1"))
    upload(client, content)
    response = upload(client, content)
    assert "Filen är redan inläst" in response.content.decode()
    assert Payment.objects.count() == 1 and PaymentFile.objects.count() == 1


def test_a_broken_file_shows_the_reason_on_the_form_and_nothing_is_saved(cast):
    issued_invoice(cast)
    response = upload(client_for(cast.clinic_a), b"01BGMAX               01nonsense")
    assert response.status_code == 200
    assert "Rad 1: Tidsstämpeln" in response.content.decode()
    assert not PaymentFile.objects.exists()


def test_payments_need_the_invoicing_right(cast):
    assert client_for(cast.alice).get(reverse("billing:payments")).status_code == 403
    assert client_for(cast.alice).get(reverse("billing:reminders")).status_code == 403


def test_settle_by_hand_through_the_form(cast):
    invoice = issued_invoice(cast, "300")
    client = client_for(cast.clinic_a)
    upload(client, bgmax_file(("4711", "300.00", "1")))
    payment = Payment.objects.get()
    url = reverse("billing:payment_settle", args=[payment.pk])
    refused = client.post(url, {"action": "matched", "note": "Fakturanumret angavs"})
    assert "Ange fakturanumret" in refused.content.decode()
    unknown = client.post(url, {"action": "matched", "invoice_number": "999999", "note": "Fel nummer"})
    assert "Det finns ingen faktura med det numret." in unknown.content.decode()
    client.post(
        url, {"action": "matched", "invoice_number": str(invoice.number), "note": "Fakturanumret angavs"}
    )
    assert PaymentSettlement.objects.get().invoice == invoice
    assert balance_of(invoice).outstanding == 0


def test_command_imports_by_the_files_bankgiro_and_twice_changes_nothing(cast, tmp_path, capsys):
    invoice = issued_invoice(cast)
    path = tmp_path / "bgmax.txt"
    path.write_bytes(bgmax_file((invoice.ocr, "300.00", "1")))
    call_command("payments_import", str(path))
    call_command("payments_import", str(path))
    out = capsys.readouterr().out
    assert "1 payments (300.00 kr) for Region A: 1 matched" in out and "nothing changed" in out
    broken = tmp_path / "broken.txt"
    broken.write_bytes(b"junk")
    with pytest.raises(CommandError):
        call_command("payments_import", str(broken))
    assert Payment.objects.count() == 1


# --- Reminders ----------------------------------------------------------------------------------------


def overdue_invoice(cast, amount="300"):
    """An invoice issued 60 days ago, so it is past due and past the reminder delay."""
    with time_machine.travel(timezone.now() - dt.timedelta(days=60)):
        invoice = issued_invoice(cast, amount)
    return invoice


def test_overdue_invoices_are_listed_with_what_is_left(cast):
    ready_caregiver(cast.caregiver_a, reminder_fee=Decimal("60.00"))
    invoice = overdue_invoice(cast)
    current = issued_invoice(cast)
    page = client_for(cast.clinic_a).get(reverse("billing:reminders")).content.decode()
    assert f">{invoice.number}</a>" in page and f">{current.number}</a>" not in page
    assert "300,00\xa0kr" in page


def test_reminder_once_per_invoice_with_the_fee_and_the_invoices_ocr(cast):
    ready_caregiver(cast.caregiver_a, reminder_fee=Decimal("60.00"), reminder_terms_days=10)
    invoice = overdue_invoice(cast)
    client = client_for(cast.clinic_a)
    client.post(reverse("billing:reminders_send"), {"invoice": [invoice.pk]})
    reminder = Reminder.objects.get()
    assert reminder.fee == Decimal("60.00") and reminder.amount_due == Decimal("360.00")
    assert reminder.due_date == timezone.localdate() + dt.timedelta(days=10)
    again = client.post(reverse("billing:reminders_send"), {"invoice": [invoice.pk]}, follow=True)
    assert "har redan fått sin påminnelse" in again.content.decode()
    assert Reminder.objects.count() == 1
    assert balance_of(invoice).outstanding == Decimal("360.00")  # the fee is owed too
    pdf = client.get(reverse("billing:reminder_pdf", args=[invoice.pk]))
    assert pdf["Content-Type"] == "application/pdf"

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "PÅMINNELSE" in text and invoice.ocr in text and "360,00" in text


def test_reminder_refused_before_the_delay_and_for_a_paid_invoice(cast):

    ready_caregiver(cast.caregiver_a, reminder_after_days=7)
    fresh = issued_invoice(cast)
    with pytest.raises(BillingError, match="tidigast"):
        reminder_send(invoice=fresh, user=cast.clinic_a, today=fresh.due_date + dt.timedelta(days=1))
    paid = overdue_invoice(cast)
    payments_import(caregiver=cast.caregiver_a, content=bgmax_file((paid.ocr, "300.00", "9")), file_name="p")
    with pytest.raises(BillingError, match="betald"):
        reminder_send(invoice=paid, user=cast.clinic_a)
    assert not Reminder.objects.exists()


def test_a_payment_of_the_reminder_settles_the_invoice_and_fee(cast):

    ready_caregiver(cast.caregiver_a, reminder_fee=Decimal("60.00"))
    invoice = overdue_invoice(cast)
    reminder = reminder_send(invoice=invoice, user=cast.clinic_a)
    result = payments_import(
        caregiver=cast.caregiver_a,
        content=bgmax_file((invoice.ocr, str(reminder.amount_due), "5")),
        file_name="r",
    )
    assert result.matched == 1
    assert balance_of(invoice).outstanding == 0


def test_reminder_fee_above_the_legal_cap_is_refused_on_the_form(cast):
    response = client_for(cast.admin_a).post(
        reverse("billing:settings"),
        {
            "reminder_fee": "75",
            "reminder_after_days": "7",
            "reminder_terms_days": "10",
            "short_notice_hours": "24",
        },
    )
    assert "högst 60 kr" in response.content.decode()
