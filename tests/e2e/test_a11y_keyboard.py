"""Keyboard only: the nurse's whole flow and the resident's booking, without the mouse.

Every step moves with Tab, Shift+Tab, Space, Enter, arrows and typing; at every stop the focused
control must show a visible focus ring (WCAG 2.4.7) and be on screen. htmx swaps keep the keyboard's
place or move it where the user continues, and say what changed in the page's live region.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Booking
from journal.models import Vaccination
from tests.e2e.a11y_ids import scene
from tests.e2e.conftest import screenshot
from tests.e2e.test_journal_vaccination import tbe_setup  # noqa: F401 - the same patient and order
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUS_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return {ok: false, what: 'nothing has the focus'};
  const s = getComputedStyle(e);
  const ring = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none';
  const r = e.getBoundingClientRect();
  const onScreen = r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  return {ok: ring && onScreen, what: e.outerHTML.slice(0, 140), ring, onScreen,
          focus: e.matches(':focus'), visible: e.matches(':focus-visible'), outline: s.outline, shadow: s.boxShadow,
          hasFocus: document.hasFocus()};
}"""


def assert_focus_visible(page) -> None:
    state = page.evaluate(FOCUS_JS)
    assert state["ok"], f"focus not visible: {state}"


def tab_to(page, selector: str, *, back: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `selector` has the focus, checking the focus at every stop."""
    for _ in range(limit):
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector):
            assert_focus_visible(page)
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
        assert_focus_visible(page)
    raise AssertionError(f"{selector} was not reached with the keyboard in {limit} steps")


def focused(page, selector: str) -> bool:
    return page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)", selector)


def keyboard_login(page, username: str) -> None:
    page.goto("/logga-in/")
    assert focused(page, "#id_username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    assert_focus_visible(page)
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/logga-in/" not in url)


def choose_day_tab(page) -> None:
    """Enter on the focused day tab: it becomes the current day and keeps the focus after the swap."""
    href = page.evaluate("document.activeElement.getAttribute('href')")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "h => document.querySelector('a.day-tab[aria-current=date]')?.getAttribute('href') === h", arg=href
    )
    page.wait_for_function(
        "h => document.activeElement && document.activeElement.getAttribute('href') === h", arg=href
    )


def test_a11y_nurse_vaccinates_with_the_keyboard_alone(page, cast, tbe_setup):  # noqa: F811
    patient, _product, batch, _order = tbe_setup
    keyboard_login(page, "alice")

    # Search: the start page's field has the focus; an exact number opens the patient.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'home-q'")
    page.keyboard.type(patient.identity_display)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patient/{patient.pk}/")

    # Visit: from the patient page, Tab to "start a visit".
    tab_to(page, "[data-testid=start-visit]")
    page.keyboard.press("Enter")
    page.wait_for_url("**/besok/**")
    page.get_by_test_id("dose-blockers").wait_for()

    # Declaration sent empty: refused, and the focus lands on the first question to fix.
    tab_to(page, "[data-testid=declaration-form] button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement && document.activeElement.getAttribute('aria-invalid') === 'true'"
    )
    assert_focus_visible(page)
    screenshot(page, "a11y-keyboard-01-declaration-refused")

    # Declaration: every question answered "Nej" with Space, moving with Tab.
    questions = page.evaluate(
        "[...document.querySelectorAll('[data-testid=declaration-form] input[type=radio][value=no]')].map(e => e.name)"
    )
    assert len(questions) >= 5
    for key in questions:
        tab_to(page, f"#id_{key}_0, #id_{key}_1")
        if focused(page, f"#id_{key}_1"):
            page.keyboard.press("ArrowUp")  # within a radio group the arrows choose
        page.keyboard.press("Space")
        assert page.locator(f"#id_{key}_0").is_checked()
    tab_to(page, "[data-testid=declaration-form] button[type=submit]")
    page.keyboard.press("Enter")
    page.get_by_text("Hälsodeklarationen är sparad").wait_for()
    assert_focus_visible(page)  # the message, where the nurse continues reading

    # Checks: confirmed with the keyboard.
    tab_to(page, "[data-testid=confirm-checks]")
    page.keyboard.press("Enter")
    page.get_by_test_id("checks-confirmed").wait_for()
    assert page.get_by_test_id("sign-dose").is_enabled()

    # Dose: lot typed, site chosen with the arrows, signed with Enter.
    tab_to(page, "#id_lot")
    page.keyboard.type("TBE2027A")
    tab_to(page, "#id_site")
    for _ in range(10):
        if page.locator("#id_site").input_value() == "left_deltoid":
            break
        page.keyboard.press("ArrowDown")
    assert page.locator("#id_site").input_value() == "left_deltoid"
    tab_to(page, "[data-testid=sign-dose]")
    page.keyboard.press("Enter")
    page.get_by_text("Vaccination signerad").wait_for()
    assert_focus_visible(page)
    screenshot(page, "a11y-keyboard-02-signed")
    dose = Vaccination.objects.get(patient=patient)
    assert (dose.batch, dose.given_by, dose.site) == (batch, cast.alice, "left_deltoid")

    # Certificate: back to the patient overview, then the PDF, both by keyboard.
    tab_to(page, f".visit-line a[href$='/patient/{patient.pk}/']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/patient/{patient.pk}/")
    tab_to(page, "[data-testid=certificate-link]")
    # A PDF opened from a link downloads in headless chromium, which the press reports as an error.
    with page.expect_response(lambda r: r.url.endswith("/intyg.pdf")) as pdf, contextlib.suppress(Exception):
        page.keyboard.press("Enter")
    assert pdf.value.status == 200
    assert pdf.value.headers["content-type"] == "application/pdf"


def test_a11y_resident_books_with_the_keyboard_alone(mobile_page, cast):
    booking_scene = scene(cast)
    page = mobile_page
    page.goto(f"/boka/{booking_scene.unit.slug}/")
    tab_to(page, f"a.choice[href$='/{booking_scene.visit_type.pk}/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Välj en ledig tid")).to_be_visible()

    # Another day by its tab: htmx draws the times anew; the focus stays on the chosen tab and
    # the live region says which day it is and how many times are free.
    tab_to(page, "a.day-tab:not([aria-current]):not(.nav)")
    choose_day_tab(page)
    assert_focus_visible(page)
    page.wait_for_function("() => /lediga? tid/.test(document.getElementById('announcer').textContent)")
    screenshot(page, "a11y-keyboard-10-other-day-phone")

    # Back to the first day, then its first free time.
    tab_to(page, "a.day-tab", back=True)
    while page.evaluate(
        "document.activeElement.previousElementSibling?.matches('a.day-tab:not(.nav)') || false"
    ):
        page.keyboard.press("Shift+Tab")
        assert_focus_visible(page)
    choose_day_tab(page)
    tab_to(page, f"a.time-button[href$='/{booking_scene.free_slot.pk}/']")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Dina uppgifter")).to_be_visible()

    # The form: typed field by field; the rule's box ticked with Space; sent with Enter.
    tab_to(page, "input[name=identity]")
    page.keyboard.type("19850412-1230")
    for name, text in (
        ("given_names", "Elin"),
        ("family_name", "Svensson"),
        ("phone", "070-123 45 67"),
        ("email", "elin@example.invalid"),
    ):
        tab_to(page, f"input[name={name}]")
        page.keyboard.type(text)
    tab_to(page, "input[type=checkbox]")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit]")
    screenshot(page, "a11y-keyboard-11-details-phone")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("confirmation")).to_contain_text("Din tid är bokad")
    booking = Booking.objects.get(slot=booking_scene.free_slot)
    assert booking.slot == booking_scene.free_slot
    assert booking.starts_at > timezone.now() - dt.timedelta(minutes=1)
    # The statement is one Tab-reach away on every public page.
    tab_to(page, "[data-testid=accessibility-link]")


def test_a11y_htmx_swaps_keep_the_focus_and_say_what_changed(page, cast):
    """The timebook's day arrows and the patient search swap part of the page: the keyboard stays on
    the control it used, and the live region reads out the new day or the number of patients found."""
    booking_scene = scene(cast)
    keyboard_login(page, cast.clinic_a.username)
    page.goto(f"/tidbok/{booking_scene.unit.pk}/dag/")
    tab_to(page, "#day a[aria-label='Nästa dag']")
    page.keyboard.press("Enter")
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    page.wait_for_url(f"**/dag/{tomorrow}/")
    page.wait_for_function("() => document.activeElement?.getAttribute('aria-label') === 'Nästa dag'")
    assert_focus_visible(page)
    page.wait_for_function(f"() => document.getElementById('announcer').textContent.includes('{tomorrow}')")
    assert "Ledigt:" in page.locator("#announcer").text_content()

    page.context.clear_cookies()
    keyboard_login(page, cast.alice.username)
    page.goto("/patienter/sok/")
    assert focused(page, "#search-q")
    page.keyboard.type("Hemlig")
    page.keyboard.press("Enter")
    page.get_by_test_id("search-results").wait_for()
    assert focused(page, "#search-q")  # the field keeps the focus; the count is read out
    page.wait_for_function(
        "() => document.getElementById('announcer').textContent.includes('1 patient hittades')"
    )
