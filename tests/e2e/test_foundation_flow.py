"""The foundation in a real browser: a nurse finds a patient, the administrator sees the read."""

import pytest

from tests.e2e.conftest import login, screenshot
from tests.factories import PatientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_nurse_searches_by_personnummer_and_the_administrator_sees_the_log_row(
    cast, page, browser, live_server
):
    patient = PatientFactory(caregiver=cast.caregiver_a, family_name="Eriksson", given_names="Maja")
    number = patient.identity_number

    login(page, "alice")
    screenshot(page, "foundation-01-home")
    # The start page's search has the focus; the short form of the number is accepted.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'home-q'")
    page.keyboard.type(f"{number[2:8]}-{number[8:]}")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patient/{patient.pk}/")
    # From any other page "/" jumps to the search in the header.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "patient-search-input"
    page.keyboard.type(number)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patient/{patient.pk}/")
    header = page.get_by_test_id("patient-header")
    assert "ERIKSSON, Maja" in header.inner_text()
    assert patient.identity_display in header.inner_text()
    screenshot(page, "foundation-02-patient")

    admin_context = browser.new_context(base_url=live_server.url, locale="sv-SE")
    admin_page = admin_context.new_page()
    login(admin_page, "admin_a")
    admin_page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Loggkontroll").click()
    admin_page.get_by_label("Patientens personnummer").fill(patient.identity_display)
    admin_page.get_by_role("button", name="Sök i loggen").click()
    log = admin_page.get_by_test_id("access-log")
    assert "Alice" in log.inner_text()
    assert "Patientöversikt" in log.inner_text()
    assert cast.unit_a.name in log.inner_text()
    screenshot(admin_page, "foundation-03-access-log")
    admin_context.close()


def test_a_bad_personnummer_gets_a_clear_message_in_the_browser(cast, page):
    login(page, "alice")
    page.get_by_label("Sök patient").first.fill("19850412-9861")
    page.keyboard.press("Enter")
    assert "Kontrollsiffran stämmer inte" in page.get_by_test_id("search-error").inner_text()


def test_pages_are_readable_on_a_tablet(cast, browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="sv-SE", viewport={"width": 820, "height": 1180}
    )
    page = context.new_page()
    patient = PatientFactory(caregiver=cast.caregiver_a)
    login(page, "alice")
    page.goto(f"/patient/{patient.pk}/")
    # Nothing wider than the screen: no horizontal scrolling on a tablet.
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    screenshot(page, "foundation-04-tablet")
    context.close()
