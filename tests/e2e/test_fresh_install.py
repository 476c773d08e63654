"""Fresh install to first dose in chromium: after the two documented commands, everything on the screens.

The administrator adds a unit and a nurse, the nurse receives a delivery and registers a dose.
"""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from journal.identity import identity_with_check_digit
from journal.models import Patient, Vaccination
from journal.stock_models import StockBalance
from tests.e2e.conftest import login, screenshot
from tests.e2e.test_journal_vaccination import open_visit_ready_to_vaccinate

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "forsta-dagen-2026"
NURSE_PASSWORD = "vaccinera-nu-2026"
OWN_PASSWORD = "eget-val-av-ord-77"


def test_fresh_install_the_administrator_the_delivery_and_the_first_dose(page, transactional_db):
    call_command(
        "caregiver_create", "Region Ny", "212000-1835", unit="Vaccinationsmottagningen Centrum",
        unit_slug="centrum", admin="karin", admin_name="Karin Ek", password=ADMIN_PASSWORD, stdout=io.StringIO(),
    )  # fmt: skip
    call_command("catalogue_import", stdout=io.StringIO())

    # The administrator adds a unit and a nurse who may order.
    login(page, "karin", ADMIN_PASSWORD)
    menu = page.get_by_role("navigation", name="Huvudmeny")
    menu.get_by_role("link", name="Enheter").click()
    page.get_by_role("link", name="Ny enhet").click()
    page.get_by_label("Namn").fill("Vaccinationsmottagningen Norr")
    page.get_by_label("Webbadress").fill("norr")
    page.get_by_label("Vaccination är huvudverksamhet").check()
    page.get_by_role("button", name="Spara").click()
    page.get_by_text("Enheten Vaccinationsmottagningen Norr är sparad").wait_for()
    menu.get_by_role("link", name="Personal").click()
    page.get_by_role("link", name="Nytt konto").click()
    page.get_by_label("Användarnamn").fill("eva")
    page.get_by_label("Lösenord").fill(NURSE_PASSWORD)
    page.get_by_label("Förnamn").fill("Eva")
    page.get_by_label("Efternamn").fill("Sjöberg")
    page.get_by_label("Yrke").select_option("nurse")
    page.get_by_label("Förvald enhet").select_option(label="Vaccinationsmottagningen Norr")
    for right in (
        "Läsa vaccinationsjournal",
        "Registrera patienter och ändra deras uppgifter",
        "Registrera vaccinationer",
        "Ordinera vaccin",
        "Hantera vaccinlager",
    ):
        page.get_by_label(right).check()
    screenshot(page, "fresh-01-admin-adds-nurse")
    page.get_by_role("button", name="Spara").click()
    page.get_by_text("är skapat").wait_for()
    page.get_by_role("button", name="Logga ut").click()

    # The nurse receives a delivery at her unit.
    login(page, "eva", NURSE_PASSWORD)
    # The administrator chose that password: the first sign-in asks the nurse for her own.
    page.locator("#id_new_password1").fill(OWN_PASSWORD)
    page.locator("#id_new_password2").fill(OWN_PASSWORD)
    page.get_by_role("button", name="Spara lösenordet").click()
    page.wait_for_url(lambda url: "/konto/" not in url)
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Lager").click()
    page.get_by_test_id("stock-empty").wait_for()
    page.get_by_role("link", name="Ta emot leverans").first.click()
    page.locator("#id_product").select_option(label="FSME-Immun (TBE)")
    page.get_by_label("Batchnummer").fill("FSME 2611A")
    page.get_by_label("Utgångsdatum").fill((timezone.localdate() + dt.timedelta(days=400)).isoformat())
    page.get_by_label("Antal doser").fill("20")
    page.get_by_label("Leverantör").fill("Apoteket AB")
    screenshot(page, "fresh-02-delivery")
    page.get_by_role("button", name="Registrera leveransen").click()
    page.get_by_text("Leveransen är registrerad").wait_for()
    assert "20 doser" in page.get_by_test_id("lot-balance").inner_text()

    # The nurse registers the patient, orders, and signs the first dose from the lot in stock.
    number = identity_with_check_digit(1985, 4, 12, 982)
    page.goto("/patienter/ny/")
    page.locator("#id_identity").fill(number)
    page.locator("#id_family_name").fill("Första")
    page.locator("#id_given_names").fill("Patienten")
    page.get_by_role("button", name="Registrera").click()
    page.wait_for_url("**/patient/*/")
    patient = Patient.objects.get(identity_number=number)
    page.goto(f"/patient/{patient.pk}/ordination/ny/")
    page.locator("#id_product").select_option(label="FSME-Immun (TBE)")
    page.get_by_label("Antal doser").fill("3")
    page.get_by_label("Gäller till och med").fill((timezone.localdate() + dt.timedelta(days=365)).isoformat())
    page.get_by_role("button", name="Signera ordination").click()
    page.wait_for_url(f"**/patient/{patient.pk}/**")
    open_visit_ready_to_vaccinate(page, patient)
    assert page.locator("#id_lot").input_value() == "FSME 2611A"  # in stock here, pre-selected
    page.get_by_label("Injektionsställe").select_option("left_deltoid")
    screenshot(page, "fresh-03-first-dose")
    page.get_by_test_id("sign-dose").click()
    page.get_by_text("Vaccination signerad").wait_for()
    dose = Vaccination.objects.get(patient=patient)
    assert (dose.unit.slug, dose.lot_number, dose.status) == ("norr", "FSME 2611A", "given")
    assert StockBalance.objects.get(unit=dose.unit).balance == 19
