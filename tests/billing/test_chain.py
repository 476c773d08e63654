"""The chain: one full trail built through the services (dose → charge adjusted → invoice → credit note
and a corrected charge → new invoice → reminder → payment), walked from the dose and back from a line."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import Charge, ChargeStatus, InvoiceLine
from billing.services.invoices import credit_note_issue
from billing.services.payments import payments_import
from billing.services.reminders import reminder_send
from mittvaccin.models import AccessLogEntry
from tests.billing.factories import product_with_price, ready_caregiver
from tests.billing.test_payments import bgmax_file
from tests.conftest import client_for
from tests.journal.factories import ready_visit, register

pytestmark = pytest.mark.django_db


def full_chain(cast):
    ready_caregiver(cast.caregiver_a, reminder_fee=Decimal("60.00"))
    product = product_with_price(cast.caregiver_a, "500", name="Kedjevaccin")
    with time_machine.travel(timezone.now() - dt.timedelta(days=90)):
        ready = ready_visit(cast, product=product, doses=1)
        dose = register(cast, ready)
        charge = Charge.objects.get(vaccination=dose)
        services.charge_adjust(
            charge=charge, amount=Decimal("450.00"), reason="Rabatt enligt avtal", user=cast.clinic_a
        )
        services.charges_approve(caregiver=cast.caregiver_a, charge_ids=[charge.pk], user=cast.clinic_a)
        [first] = services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices
        note = credit_note_issue(invoice=first, user=cast.clinic_a, reason="Fel belopp", reopen=True)
        corrected = Charge.objects.get(corrects=charge)
        services.charges_approve(caregiver=cast.caregiver_a, charge_ids=[corrected.pk], user=cast.clinic_a)
        [second] = services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices
    reminder = reminder_send(invoice=second, user=cast.clinic_a)
    payments_import(
        caregiver=cast.caregiver_a,
        content=bgmax_file((second.ocr, str(reminder.amount_due), "77")),
        file_name="p",
    )
    return dose, charge, corrected, first, note, second, reminder


def test_the_chain_from_a_dose_shows_every_step(cast):
    dose, charge, corrected, first, note, second, reminder = full_chain(cast)
    client = client_for(cast.clinic_a)
    page = client.get(reverse("billing:chain_dose", args=[dose.pk])).content.decode()
    assert f"version {dose.declaration.questionnaire.version}" in page
    assert dose.check_confirmation.signature in page
    assert dose.order.signature in page and "Kedjevaccin, 1 doser" in page
    assert "Rabatt enligt avtal" in page  # the adjustment and its reason
    assert f'id="charge-{charge.pk}"' in page and f'id="charge-{corrected.pk}"' in page
    for number in (first.number, note.number, second.number):
        assert f">{number}</a>" in page
    assert "Fel belopp" in page  # the credit note's reason
    assert reminder.reminder_date.strftime("%Y-%m-%d") in page and "60,00\xa0kr" in page
    assert "Betald" in page
    assert AccessLogEntry.objects.filter(patient_id=dose.patient_id, user=cast.clinic_a).exists()
    assert corrected.status == ChargeStatus.OPEN  # as made; approved and invoiced after


def test_from_an_invoice_line_back_to_the_dose(cast):
    dose, _charge, corrected, _first, note, second, _reminder = full_chain(cast)
    client = client_for(cast.clinic_a)
    invoice_page = client.get(reverse("billing:invoice", args=[second.pk])).content.decode()
    line = InvoiceLine.objects.get(invoice=second)
    assert reverse("billing:chain_line", args=[line.pk]) in invoice_page
    response = client.get(reverse("billing:chain_line", args=[line.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("billing:chain_dose", args=[dose.pk]) + f"#charge-{corrected.pk}"
    credit_line = InvoiceLine.objects.get(invoice=note)
    back = client.get(reverse("billing:chain_line", args=[credit_line.pk]))
    assert back["Location"].startswith(reverse("billing:chain_dose", args=[dose.pk]))


def test_the_chain_needs_the_invoicing_right(cast):
    dose = full_chain(cast)[0]
    assert client_for(cast.alice).get(reverse("billing:chain_dose", args=[dose.pk])).status_code == 403
