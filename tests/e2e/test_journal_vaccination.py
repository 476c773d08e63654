"""The nurse's and the physician's flows in chromium, from finding the patient to a signed dose."""

import datetime as dt

import pytest
from django.utils import timezone

from journal import services
from journal.models import Note, Vaccination
from tests.e2e.conftest import login, screenshot
from tests.factories import PatientFactory
from tests.journal.factories import batch_for, make_order, ready_visit, tbe_product

pytestmark = pytest.mark.e2e


def answer_declaration(page, **yes):
    """Answer every yes/no question with the keyboard-reachable radios; `yes` maps key to detail text."""
    questions = [
        "unwell",
        "allergy",
        "earlier_reaction",
        "pregnant",
        "immune",
        "bleeding",
        "recent_vaccination",
    ]
    for index, key in enumerate(questions):
        if key in yes:
            page.locator(f"#id_{key}_1").check()
            page.locator(f"#id_{key}_detail").fill(yes[key])
        else:
            page.locator(f"#id_{key}_0").check()
        assert index >= 0


def open_visit_ready_to_vaccinate(page, patient):
    """From the patient's page: start a visit, declare no to every question and confirm the checks."""
    page.goto(f"/patient/{patient.pk}/")
    page.get_by_test_id("start-visit").click()
    page.wait_for_url("**/besok/**")
    answer_declaration(page)
    page.get_by_role("button", name="Spara hälsodeklaration").click()
    page.get_by_text("Hälsodeklarationen är sparad").wait_for()
    page.get_by_test_id("confirm-checks").click()
    page.get_by_test_id("checks-confirmed").wait_for()


@pytest.fixture
def tbe_setup(transactional_db, cast):
    patient = PatientFactory(
        caregiver=cast.caregiver_a,
        family_name="Lindgren",
        given_names="Karin",
        birth_date=dt.date(1975, 3, 14),
    )
    product = tbe_product("FSME-Immun")
    batch = batch_for(cast.caregiver_a, product, lot="TBE2027A")
    batch_for(cast.caregiver_a, product, lot="TBEOLD1", expiry=timezone.localdate() - dt.timedelta(days=10))
    order = make_order(cast, patient, product, doses=3)
    return patient, product, batch, order


def test_journal_nurse_vaccinates_with_an_existing_order(page, cast, tbe_setup):
    patient, _product, batch, order = tbe_setup
    login(page, "alice")
    page.wait_for_load_state("load")
    # Keyboard only: the start page's search has the focus; an exact number opens the patient.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'home-q'")
    page.keyboard.type(patient.identity_display)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patient/{patient.pk}/")
    screenshot(page, "journal-01-patient")
    start = page.get_by_test_id("start-visit")
    start.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/besok/**")
    page.get_by_test_id("dose-blockers").wait_for()
    assert page.get_by_test_id("sign-dose").is_disabled()
    screenshot(page, "journal-02-visit-without-declaration")

    answer_declaration(page)
    page.get_by_role("button", name="Spara hälsodeklaration").press("Enter")
    page.get_by_text("Hälsodeklarationen är sparad").wait_for()
    assert "/besok/" in page.url  # htmx swapped the workspace; no page load
    screenshot(page, "journal-03-declared")

    page.get_by_test_id("confirm-checks").press("Enter")
    page.get_by_test_id("checks-confirmed").wait_for()
    assert page.get_by_test_id("sign-dose").is_enabled()
    assert "3 av 3 kvar" in page.locator("#id_order").inner_text()
    screenshot(page, "journal-04-checks-confirmed")

    page.locator("#id_lot").select_option("TBE2027A")
    page.get_by_label("Injektionsställe").select_option("left_deltoid")
    page.get_by_label("Behåll produkt och batch").check()
    page.get_by_test_id("sign-dose").press("Enter")
    page.get_by_text("Vaccination signerad").wait_for()
    screenshot(page, "journal-05-signed")
    assert "Nästa dos (dos 2)" in page.locator(".visit-messages").inner_text()
    assert page.get_by_test_id("given-here").count() == 1

    dose = Vaccination.objects.get(patient=patient)
    assert dose.order == order
    assert dose.batch == batch
    assert dose.dose_number == 1
    assert dose.given_by == cast.alice
    assert dose.next_due_date == timezone.localdate() + dt.timedelta(days=30)


def test_journal_physician_assesses_a_flagged_declaration_then_the_nurse_vaccinates(
    page, browser, live_server, cast, tbe_setup
):
    patient, _product, _batch, _order = tbe_setup
    visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice)
    login(page, "alice")
    page.goto(f"/patient/{patient.pk}/besok/{visit.pk}/")
    answer_declaration(page, allergy="ägg (nässelfeber)")
    page.get_by_role("button", name="Spara hälsodeklaration").click()
    page.get_by_test_id("awaiting-assessment").wait_for()
    assert page.locator(".answer.flag").count() == 1
    screenshot(page, "journal-10-flagged-declaration")

    physician = browser.new_context(
        base_url=live_server.url, locale="sv-SE", viewport={"width": 1280, "height": 900}
    )
    doctor = physician.new_page()
    login(doctor, "bob")
    doctor.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Väntar på bedömning").click()
    doctor.get_by_test_id("assessment-queue").get_by_text(patient.display_name).wait_for()
    screenshot(doctor, "journal-11-assessment-queue")
    doctor.get_by_test_id("assessment-queue").get_by_role("link", name="Bedöm").click()
    doctor.get_by_label("Vaccination kan ges").check()
    doctor.get_by_label("Bedömningens text").fill(
        "Äggallergi utan anafylaxi. TBE-vaccin kan ges, observation 30 min."
    )
    doctor.get_by_role("button", name="Signera bedömning").click()
    doctor.get_by_test_id("assessment").wait_for()
    screenshot(doctor, "journal-12-assessed")
    physician.close()

    page.reload()
    page.get_by_test_id("assessment").wait_for()
    page.get_by_test_id("confirm-checks").click()
    page.get_by_test_id("checks-confirmed").wait_for()
    page.locator("#id_lot").select_option("TBE2027A")
    page.get_by_label("Injektionsställe").select_option("right_deltoid")
    page.get_by_test_id("sign-dose").click()
    page.get_by_text("Vaccination signerad").wait_for()
    screenshot(page, "journal-13-signed-after-assessment")
    assert Note.objects.get(patient=patient).author == cast.bob
    assert Vaccination.objects.filter(patient=patient, status="given").count() == 1


def test_journal_dose_on_an_expired_batch_is_never_offered_and_refused_if_forced(
    page, cast, transactional_db
):
    product = tbe_product("FSME-Immun")
    ready = ready_visit(cast, product=product)
    batch_for(cast.caregiver_a, product, lot="TBEOLD1", expiry=timezone.localdate() - dt.timedelta(days=10))
    login(page, "alice")
    page.goto(f"/patient/{ready.patient.pk}/besok/{ready.visit.pk}/")
    offered = page.locator("#id_lot option").all_inner_texts()
    assert offered and not any("TBEOLD1" in text for text in offered)
    # A form changed outside the screen still meets the service's refusal.
    page.evaluate(
        """() => { const s = document.querySelector('#id_lot'); const o = new Option('TBEOLD1', 'TBEOLD1');
                   s.add(o); s.value = 'TBEOLD1'; }"""
    )
    page.get_by_label("Injektionsställe").select_option("left_deltoid")
    page.get_by_test_id("sign-dose").click()
    error = page.get_by_text("gick ut")
    error.first.wait_for()
    assert "Batch TBEOLD1 gick ut" in page.locator("#dose-panel").inner_text()
    assert page.locator('#id_lot[aria-invalid="true"]').count() == 1
    screenshot(page, "journal-20-expired-batch-refused")
    assert not Vaccination.objects.exists()
