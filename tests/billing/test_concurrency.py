"""R15: the invoice number series is gapless and never reused, also when issuers race or fail.

These tests commit for real (transactional database) and issue from separate connections (threads).
"""

import threading
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from billing import services
from billing.models import Invoice, InvoiceDocument
from billing.services.invoices import next_invoice_number
from tests.billing.factories import adult, approved, dose_charge, product_with_price, ready_caregiver

pytestmark = pytest.mark.django_db(transaction=True)


def _patients_with_approved_charges(cast, count):
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, "345")
    found = []
    for _ in range(count):
        patient = adult(cast.caregiver_a)
        charges = approved(dose_charge(patient, cast.unit_a, product, user=cast.alice), cast.clinic_a)
        found.append((patient, [c.pk for c in charges]))
    return found


def _in_threads(jobs):
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:  # collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


class Deliberate(Exception):
    pass


def test_r15_gapless_series_under_concurrent_issuing(cast):
    work = _patients_with_approved_charges(cast, 12)

    def issue(patient, ids):
        return lambda: services.invoice_issue_for_patient(
            caregiver=cast.caregiver_a, patient=patient, charge_ids=ids, user=cast.clinic_a
        )

    assert _in_threads([issue(p, ids) for p, ids in work]) == []
    numbers = sorted(Invoice.objects.filter(caregiver=cast.caregiver_a).values_list("number", flat=True))
    assert numbers == list(range(1, 13))


def test_r15_failed_issues_give_their_numbers_back(cast):
    work = _patients_with_approved_charges(cast, 8)

    def issue(patient, ids, fail):
        def job():
            with transaction.atomic():
                services.invoice_issue_for_patient(
                    caregiver=cast.caregiver_a, patient=patient, charge_ids=ids, user=cast.clinic_a
                )
                if fail:
                    raise Deliberate

        return job

    errors = _in_threads([issue(p, ids, index % 2 == 0) for index, (p, ids) in enumerate(work)])
    assert len(errors) == 4
    assert all(isinstance(e, Deliberate) for e in errors)
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4]
    # The failed patients' charges are untouched and get the next numbers.
    result = services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a)
    assert sorted(i.number for i in result.invoices) == [5, 6, 7, 8]


def test_r15_same_charges_issued_twice_at_once_make_one_invoice(cast):
    [(patient, ids)] = _patients_with_approved_charges(cast, 1)

    def issue():
        services.invoice_issue_for_patient(
            caregiver=cast.caregiver_a, patient=patient, charge_ids=ids, user=cast.clinic_a
        )

    assert _in_threads([issue, issue, issue]) == []
    assert Invoice.objects.count() == 1
    assert Invoice.objects.get().number == 1


def test_r15_counter_rolls_back_with_its_transaction(cast):
    def take_and_fail():
        with transaction.atomic():
            assert next_invoice_number(cast.caregiver_a) == 1
            raise Deliberate

    with pytest.raises(Deliberate):
        take_and_fail()
    with transaction.atomic():
        assert next_invoice_number(cast.caregiver_a) == 1


def test_r15_pdf_is_rendered_by_a_real_worker_after_commit(cast, celery_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    [(patient, ids)] = _patients_with_approved_charges(cast, 1)
    invoice = services.invoice_issue_for_patient(
        caregiver=cast.caregiver_a, patient=patient, charge_ids=ids, user=cast.clinic_a
    )
    document = _wait_for_document(invoice)
    stored = Path(tmp_path) / document.path
    assert stored.read_bytes().startswith(b"%PDF")
    assert document.size == stored.stat().st_size
    assert str(invoice.number) in document.path


def _wait_for_document(invoice):
    # Waiting for an outcome, not measuring time: the worker thread renders when it gets the task.
    for _ in range(600):
        document = InvoiceDocument.objects.filter(invoice=invoice).first()
        if document:
            return document
        time.sleep(0.1)
    raise AssertionError("the worker did not render the PDF")


def test_r15_batches_issued_at_once_stay_gapless_and_add_up(cast):
    work = _patients_with_approved_charges(cast, 12)
    halves = [[p.pk for p, _ids in work[:6]], [p.pk for p, _ids in work[6:]]]

    def issue(patient_ids):
        return lambda: services.invoices_issue(
            caregiver=cast.caregiver_a, user=cast.clinic_a, patient_ids=patient_ids
        )

    assert _in_threads([issue(half) for half in halves]) == []
    invoices = list(Invoice.objects.filter(caregiver=cast.caregiver_a).prefetch_related("lines"))
    assert sorted(i.number for i in invoices) == list(range(1, 13))
    for invoice in invoices:
        assert sum(line.amount for line in invoice.lines.all()) == invoice.total
    # Each batch took one block: its numbers follow each other.
    for half in halves:
        numbers = sorted(i.number for i in invoices if i.patient_id in half)
        assert numbers == list(range(numbers[0], numbers[0] + 6))


def test_r15_the_same_charges_in_two_batches_at_once_are_invoiced_once(cast):
    work = _patients_with_approved_charges(cast, 5)
    everyone = [p.pk for p, _ids in work]

    def issue():
        services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a, patient_ids=everyone)

    assert _in_threads([issue, issue]) == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    assert numbers == [1, 2, 3, 4, 5]


def test_r15_a_failed_batch_gives_its_whole_block_of_numbers_back(cast):
    work = _patients_with_approved_charges(cast, 4)

    def issue_then_fail():
        with transaction.atomic():
            assert len(services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices) == 4
            raise Deliberate

    with pytest.raises(Deliberate):
        issue_then_fail()
    assert not Invoice.objects.exists()
    result = services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a)
    assert sorted(i.number for i in result.invoices) == [1, 2, 3, 4]
    assert {i.patient_id for i in result.invoices} == {p.pk for p, _ids in work}
