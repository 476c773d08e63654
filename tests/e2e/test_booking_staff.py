"""A nurse sees the day, checks a patient in and lands in the vaccination flow."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from booking import services
from booking.models import Booking
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, make_slot
from tests.e2e.conftest import login, screenshot
from tests.factories import PatientFactory

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("eager_celery")]


@pytest.fixture
def midday():
    """The day view shows one local day: run at 12:00 today so the slots around now never cross midnight."""
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0)))
    with time_machine.travel(noon, tick=True):
        yield


def test_r14_nurse_checks_in_and_lands_in_the_vaccination_flow(cast, page, transactional_db, midday):
    unit = cast.unit_a
    tbe = VisitTypeFactory(unit=unit, name="TBE dos 2")
    flu = VisitTypeFactory(unit=unit, name="Influensa", duration_minutes=5)
    schedule = ScheduleFactory(
        unit=unit, name="Vaccinationsmottagning", visit_types=[tbe, flu], hours=[], capacity=3
    )
    now = timezone.now()
    base = now.replace(second=0, microsecond=0) - dt.timedelta(minutes=now.minute % 10)
    slots = [make_slot(schedule, base + dt.timedelta(minutes=10 * i)) for i in range(-2, 5)]
    maja = PatientFactory(caregiver=cast.caregiver_a, family_name="Eriksson", given_names="Maja")
    olle = PatientFactory(caregiver=cast.caregiver_a, family_name="Berg", given_names="Olle")
    hidden = PatientFactory(
        caregiver=cast.caregiver_a, family_name="Hemlig", given_names="Hanna", protected=True
    )
    # Booked a week ago, as a resident would have.
    booked_at = now - dt.timedelta(days=7)
    made = {}
    for patient, slot, visit_type in [(olle, slots[0], flu), (hidden, slots[1], tbe), (maja, slots[3], tbe)]:
        made[patient.pk] = services.booking_create(
            slot=slot, visit_type=visit_type, patient=patient, made_by_kind="resident", now=booked_at
        )
    services.booking_mark_no_show(
        booking=made[olle.pk], user=cast.alice, now=slots[0].starts_at + dt.timedelta(minutes=5)
    )

    login(page, "alice")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Tidbok", exact=True).click()
    table = page.get_by_test_id("day-table")
    expect(table).to_contain_text("ERIKSSON, Maja")
    expect(table).to_contain_text("Skyddad identitet")
    expect(table).to_contain_text("Uteblev")
    expect(page.get_by_test_id("day-free")).to_be_visible()
    screenshot(page, "booking-staff-day-desktop")

    row = page.locator(f"#booking-{made[maja.pk].pk}")
    row.get_by_role("button", name="Ankomst").click()
    page.wait_for_url(lambda url: "/tidbok/" not in url)
    booking = Booking.objects.get(pk=made[maja.pk].pk)
    assert booking.status == "checked_in"
    assert booking.visit is not None
    assert f"/patient/{maja.pk}/" in page.url
    expect(page.get_by_test_id("patient-header")).to_contain_text("ERIKSSON, Maja")
    screenshot(page, "booking-staff-after-check-in")


def test_staff_week_and_setup_screens(cast, page, transactional_db):
    unit = cast.unit_a
    tbe = VisitTypeFactory(unit=unit, name="TBE dos 1", minimum_age_years=1)
    ScheduleFactory(unit=unit, name="Vaccinationsmottagning", visit_types=[tbe], capacity=3,
                    hours=[(w, dt.time(8), dt.time(11)) for w in range(5)])  # fmt: skip
    services.timebook_sync(unit=unit, days=14)
    login(page, "clinic")
    # Next week: a weekday schedule has bookable times there whatever day the test runs on.
    today = timezone.localdate()
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    page.goto(f"/tidbok/{unit.pk}/vecka/{next_monday.isoformat()}/")
    expect(page.get_by_test_id("week-table")).to_be_visible()
    screenshot(page, "booking-staff-week-desktop")
    page.goto(f"/tidbok-schema/{unit.pk}/")
    expect(page.get_by_role("heading", name="Scheman och öppettider")).to_be_visible()
    screenshot(page, "booking-staff-setup-desktop")
