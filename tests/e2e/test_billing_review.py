"""Clinic staff adjust a charge with a reason, approve it and issue the invoice (R11, R15), in chromium."""

import pytest
from playwright.sync_api import expect

from billing.models import ChargeStatus, Invoice
from tests.billing.factories import adult, dose_charge, product_with_price, ready_caregiver
from tests.e2e.conftest import login, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_r11_r15_clinic_staff_adjust_a_charge_with_a_reason_and_issue_the_invoice(
    cast, page, celery_worker, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, "345", name="Havrix e2e")
    patient = adult(cast.caregiver_a, family_name="Lindgren", given_names="Karin")
    [charge] = dose_charge(patient, cast.unit_a, product, user=cast.alice)

    login(page, "clinic")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Granska fakturering").click()
    row = page.locator(f"#charge-{charge.pk}")
    expect(row).to_contain_text("LINDGREN, Karin")
    expect(row.get_by_test_id("charge-amount")).to_contain_text("345,00")
    screenshot(page, "billing-review-01-list")

    # Adjust in place: without a reason, or with a negative amount, the change is refused with a message.
    row.get_by_role("link", name="Justera").click()
    form = row.get_by_test_id("charge-form")
    form.get_by_label("Nytt belopp (kr)").fill("200")
    form.get_by_role("button", name="Spara belopp").click()
    expect(form).to_contain_text("Skriv varför")
    form.get_by_label("Nytt belopp (kr)").fill("-5")
    form.get_by_label("Skäl").fill("Rabatt enligt avtal med kommunen")
    form.get_by_role("button", name="Spara belopp").click()
    expect(form).to_contain_text("negativt")
    screenshot(page, "billing-review-02-refused")
    form.get_by_label("Nytt belopp (kr)").fill("200")
    form.get_by_role("button", name="Spara belopp").click()
    expect(row).to_contain_text("Beloppet är ändrat")
    expect(row.get_by_test_id("charge-amount")).to_contain_text("200,00")
    expect(row).to_contain_text("justerad")
    screenshot(page, "billing-review-03-adjusted")

    # Approve, then issue.
    row.get_by_role("checkbox").check()
    page.get_by_role("button", name="Godkänn markerade").click()
    expect(page.locator("#messages")).to_contain_text("1 debiteringar godkända")
    expect(page.locator(f"#charge-{charge.pk}")).to_contain_text("Godkänd")
    page.get_by_role("button", name="Skapa fakturor för godkända i urvalet").click()
    expect(page.locator("#messages")).to_contain_text("1 fakturor skapade")
    screenshot(page, "billing-review-04-issued")

    invoice = Invoice.objects.get()
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.INVOICED
    assert invoice.total == 200

    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Fakturor").click()
    page.get_by_role("link", name=str(invoice.number), exact=True).click()
    expect(page.get_by_test_id("invoice-total")).to_contain_text("200,00")
    expect(page.get_by_test_id("invoice-ocr")).to_have_text(invoice.ocr)
    # The worker renders the PDF after commit; the page notices by itself (htmx polling).
    expect(page.get_by_test_id("invoice-pdf")).to_be_visible()
    screenshot(page, "billing-review-05-invoice")
    response = page.request.get(page.get_by_test_id("invoice-pdf").get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")

    # The history of the charge shows who changed what and why.
    page.goto(f"/fakturering/debitering/{charge.pk}/")
    history = page.get_by_test_id("charge-history")
    expect(history).to_contain_text("Rabatt enligt avtal med kommunen")
    expect(history).to_contain_text("Cecilia")
    screenshot(page, "billing-review-06-history")
