"""A late cancellation becomes an invoice with the right fee (R9, R15), in chromium with a real worker."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.models import ArticleKind, Charge, Invoice, JobRun, JobStatus
from tests.billing.factories import adult, article_price, late_cancellation, ready_caregiver, timebook_for
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r9_late_cancellation_becomes_an_invoice_with_the_fee(cast, page, celery_worker, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    ready_caregiver(cast.caregiver_a)
    article_price(cast.caregiver_a, ArticleKind.NO_SHOW, "400")
    article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")
    patient = adult(cast.caregiver_a, family_name="Sundqvist", given_names="Per")
    booking = late_cancellation(patient, cast.unit_a, hours_before=6, timebook=timebook_for(cast.unit_a))

    login(page, "clinic")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Granska fakturering").click()
    page.get_by_role("navigation", name="Fakturering").get_by_role("link", name="Körningar").click()
    page.get_by_role("button", name="Kör nu: Fakturering av sena avbokningar").click()
    expect(page.locator("#messages")).to_contain_text("har startat")
    # The worker does the run; the page follows its progress by itself until it is done.
    run_row = page.get_by_test_id("job-run").first
    expect(run_row).to_contain_text("Klar", timeout=60_000)
    expect(run_row.get_by_test_id("job-created")).to_have_text("1")
    screenshot(page, "billing-late-01-run")
    run = JobRun.objects.get()
    assert (run.status, run.created, run.total) == (JobStatus.FINISHED, 1, 1)

    charge = Charge.objects.get(booking_id=booking.pk)
    page.get_by_role("navigation", name="Fakturering").get_by_role("link", name="Granskning").click()
    row = page.locator(f"#charge-{charge.pk}")
    expect(row).to_contain_text("Sent avbokat besök vaccination")
    expect(row.get_by_test_id("charge-amount")).to_contain_text("300,00")
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Godkänn markerade").click()
    expect(page.locator("#messages")).to_contain_text("1 debiteringar godkända")
    page.get_by_role("button", name="Skapa fakturor för godkända i urvalet").click()
    expect(page.locator("#messages")).to_contain_text("1 fakturor skapade")

    invoice = Invoice.objects.get()
    assert invoice.total == Decimal("300.00")
    assert invoice.patient == patient
    page.goto(f"/fakturering/fakturor/{invoice.pk}/")
    lines = page.get_by_test_id("invoice-lines")
    expect(lines).to_contain_text("Sent avbokat besök vaccination")
    expect(page.get_by_test_id("invoice-total")).to_contain_text("300,00")
    expect(page.get_by_test_id("invoice-pdf")).to_be_visible()
    screenshot(page, "billing-late-02-invoice")
