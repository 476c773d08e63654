"""Incoming payments from Bankgirot's BgMax file: matching by OCR, paid and partly paid, what needs a
look, and files that are wrong (nothing half-imported, a second import changes nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from billing import bgmax, services
from billing.models import Payment, PaymentFile, PaymentProblem, PaymentSettlement, SettlementAction
from billing.receivables import balance_of, payment_status
from billing.services.common import BillingError
from billing.services.payments import PaymentFileError, payment_settle, payments_import
from tests.billing.factories import (
    BANKGIRO,
    adult,
    approved,
    dose_charge,
    product_with_price,
    ready_caregiver,
)

PAID_ON = dt.date(2026, 3, 2)


def issued_invoice(cast, amount="300"):
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, amount)
    charges = approved(
        dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=cast.alice), cast.clinic_a
    )
    [invoice] = services.invoices_issue(
        caregiver=cast.caregiver_a, user=cast.clinic_a, patient_ids=[charges[0].patient_id]
    ).invoices
    return invoice


def bgmax_file(*payments, bankgiro=BANKGIRO, test=False):
    return bgmax.write(
        bankgiro=bankgiro,
        paid_on=PAID_ON,
        payments=[
            bgmax.OutgoingPayment(reference=r, amount=Decimal(a), bank_serial=s) for r, a, s in payments
        ],
        test=test,
    )


def test_parse_reads_the_documented_positions():
    content = bgmax_file(("1234", "150.50", "000000000017"))
    parsed = bgmax.parse(content)
    [payment] = parsed.payments
    assert parsed.bankgiros == {BANKGIRO}
    assert payment.reference == "1234"
    assert payment.amount == Decimal("150.50")
    assert payment.bank_serial == "000000000017"
    assert payment.paid_on == PAID_ON
    assert not parsed.test


@pytest.mark.django_db
def test_payment_matched_by_ocr_makes_the_invoice_paid(cast):
    invoice = issued_invoice(cast, "300")
    result = payments_import(
        caregiver=cast.caregiver_a, content=bgmax_file((invoice.ocr, "300.00", "1")), file_name="a.txt"
    )
    assert result.matched == 1 and result.to_handle == 0
    payment = Payment.objects.get()
    assert payment.invoice == invoice and payment.problem == ""
    balance = balance_of(invoice)
    assert balance.outstanding == 0
    assert payment_status(balance, today=PAID_ON) == "paid"


@pytest.mark.django_db
def test_part_payment_leaves_the_invoice_partly_paid_and_a_second_one_settles_it(cast):
    invoice = issued_invoice(cast, "300")
    payments_import(
        caregiver=cast.caregiver_a, content=bgmax_file((invoice.ocr, "100.00", "1")), file_name="1"
    )
    balance = balance_of(invoice)
    assert balance.outstanding == Decimal("200.00")
    assert payment_status(balance, today=PAID_ON) == "partly_paid"
    payments_import(
        caregiver=cast.caregiver_a, content=bgmax_file((invoice.ocr, "200.00", "2")), file_name="2"
    )
    assert balance_of(invoice).outstanding == 0


@pytest.mark.django_db
def test_unmatched_and_overpaid_payments_are_listed_with_a_reason(cast):
    invoice = issued_invoice(cast, "300")
    result = payments_import(
        caregiver=cast.caregiver_a,
        content=bgmax_file(
            (invoice.ocr, "250.00", "1"),
            (invoice.ocr, "100.00", "2"),  # 50 kr too much once the first is counted
            ("12345682", "80.00", "3"),  # a valid OCR shape, but no such invoice
            ("", "40.00", "4"),
        ),
        file_name="mixed.txt",
    )
    assert result.matched == 1 and result.to_handle == 3
    by_serial = {p.bank_serial.lstrip("0"): p for p in Payment.objects.all()}
    assert by_serial["2"].problem == PaymentProblem.OVERPAID and by_serial["2"].excess == Decimal("50.00")
    assert by_serial["2"].invoice == invoice
    assert by_serial["3"].problem == PaymentProblem.UNKNOWN_REFERENCE and by_serial["3"].invoice is None
    assert by_serial["4"].problem == PaymentProblem.NO_REFERENCE
    assert payment_status(balance_of(invoice), today=PAID_ON) == "overpaid"


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(cast):
    invoice = issued_invoice(cast)
    content = bgmax_file((invoice.ocr, "300.00", "1"), ("999", "10.00", "2"))
    first = payments_import(caregiver=cast.caregiver_a, content=content, file_name="x.txt")
    second = payments_import(caregiver=cast.caregiver_a, content=content, file_name="x-again.txt")
    assert not first.already_imported and second.already_imported
    assert second.file == first.file
    assert PaymentFile.objects.count() == 1 and Payment.objects.count() == 2


@pytest.mark.django_db
def test_a_payment_another_file_already_brought_is_skipped(cast):
    invoice = issued_invoice(cast)
    payments_import(
        caregiver=cast.caregiver_a, content=bgmax_file((invoice.ocr, "300.00", "1")), file_name="1"
    )
    other = bgmax_file((invoice.ocr, "300.00", "1"), ("999", "10.00", "2"))
    result = payments_import(caregiver=cast.caregiver_a, content=other, file_name="2")
    assert result.file.duplicate_count == 1 and result.file.payment_count == 1
    assert balance_of(invoice).outstanding == 0  # not paid twice


def _broken(content: bytes, line: int, replacement: str) -> bytes:
    lines = content.decode("latin-1").split("\r\n")
    lines[line - 1] = replacement.ljust(80)
    return "\r\n".join(lines).encode("latin-1")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda c: _broken(c, 3, "20" + "X" * 60), "Rad 3"),
        (lambda c: _broken(c, 3, "99 okänd post"), "Okänd posttyp ”99”"),
        (lambda c: c.replace(b"SEK00000002", b"SEK00000003"), "anger 3 betalningar men innehåller 2"),
        (lambda c: c.rsplit(b"70", 1)[0], "saknar slutpost"),
        (lambda c: b"hello world\r\n", "startpost"),
        (lambda c: b"", "tom"),
    ],
    ids=["broken-record", "unknown-type", "wrong-count", "truncated", "not-bgmax", "empty"],
)
def test_a_wrong_file_is_refused_with_the_line_and_nothing_is_imported(cast, mutate, expected):
    invoice = issued_invoice(cast)
    content = mutate(bgmax_file((invoice.ocr, "300.00", "1"), ("77", "5.00", "2")))
    with pytest.raises(PaymentFileError) as refused:
        payments_import(caregiver=cast.caregiver_a, content=content, file_name="bad.txt")
    assert expected in refused.value.message
    assert not PaymentFile.objects.exists() and not Payment.objects.exists()


@pytest.mark.django_db
def test_a_wrong_total_is_refused(cast):
    invoice = issued_invoice(cast)
    content = bgmax_file((invoice.ocr, "300.00", "1"))
    lines = content.decode("latin-1").split("\r\n")
    deposit = lines[-3]
    lines[-3] = deposit[:50] + f"{29999:018d}" + deposit[68:]
    with pytest.raises(PaymentFileError) as refused:
        payments_import(caregiver=cast.caregiver_a, content="\r\n".join(lines).encode(), file_name="sum.txt")
    assert "summa är 299.99 kr men betalningarna summerar till 300.00 kr" in refused.value.message
    assert not Payment.objects.exists()


@pytest.mark.django_db
def test_a_file_for_another_bankgiro_is_refused(cast):
    invoice = issued_invoice(cast)
    content = bgmax_file((invoice.ocr, "300.00", "1"), bankgiro="5402-9681")
    with pytest.raises(PaymentFileError) as refused:
        payments_import(caregiver=cast.caregiver_a, content=content, file_name="other.txt")
    assert "5402-9681" in refused.value.message and BANKGIRO in refused.value.message
    assert not PaymentFile.objects.exists()


@pytest.mark.django_db
def test_a_test_file_is_refused(cast):
    invoice = issued_invoice(cast)
    with pytest.raises(PaymentFileError):
        payments_import(
            caregiver=cast.caregiver_a,
            content=bgmax_file((invoice.ocr, "300", "1"), test=True),
            file_name="t",
        )


@pytest.mark.django_db
def test_an_unmatched_payment_is_matched_by_hand_and_pays_the_invoice(cast):
    invoice = issued_invoice(cast, "300")
    payments_import(caregiver=cast.caregiver_a, content=bgmax_file(("4711", "300.00", "1")), file_name="1")
    payment = Payment.objects.get()
    with pytest.raises(BillingError):
        payment_settle(payment=payment, user=cast.clinic_a, action=SettlementAction.MATCHED, note="")
    payment_settle(
        payment=payment,
        user=cast.clinic_a,
        action=SettlementAction.MATCHED,
        invoice=invoice,
        note="Betalaren skrev fakturanumret i stället för OCR.",
    )
    assert balance_of(invoice).outstanding == 0
    with pytest.raises(BillingError):
        payment_settle(payment=payment, user=cast.clinic_a, action=SettlementAction.REFUNDED, note="igen")


@pytest.mark.django_db
def test_payments_are_append_only(cast):
    invoice = issued_invoice(cast)
    payments_import(
        caregiver=cast.caregiver_a, content=bgmax_file((invoice.ocr, "300.00", "1")), file_name="1"
    )
    payment = Payment.objects.get()
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 - the trigger's own exception
        Payment.objects.filter(pk=payment.pk).update(amount=Decimal("1.00"))
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017
        PaymentFile.objects.all().delete()
    assert Payment.objects.get().amount == Decimal("300.00")


@pytest.mark.django_db
def test_database_refuses_a_payment_twice(cast):
    invoice = issued_invoice(cast)
    payments_import(
        caregiver=cast.caregiver_a, content=bgmax_file((invoice.ocr, "300.00", "1")), file_name="1"
    )
    payment = Payment.objects.get()
    payment.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        payment.save()
    assert not PaymentSettlement.objects.exists()
