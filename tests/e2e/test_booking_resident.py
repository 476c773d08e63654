"""A resident books on a phone, gets the confirmation, and cancels late through the private link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from booking.models import Booking
from tests.billing.factories import product_with_price
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, make_slot
from tests.e2e.conftest import screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("eager_celery")]


def test_r9_resident_books_on_the_phone_and_cancels_late(cast, mobile_page, transactional_db):
    unit = cast.unit_a
    unit.phone = "054-10 20 30"
    unit.address, unit.postal_code, unit.city = "Drottninggatan 20", "652 25", "Karlstad"
    unit.save()
    tbe = VisitTypeFactory(
        unit=unit, name="TBE dos 1", description="Första dosen mot TBE.", price_text="gratis för barn"
    )
    # R18: the price shown is the caregiver's price list, not a figure typed on the visit type.
    tbe.vaccines.set([product_with_price(unit.caregiver, "350", name="TBE e2e")])
    VisitTypeFactory(unit=unit, name="Influensa", duration_minutes=5, price_text="för dig över 65 år")
    schedule = ScheduleFactory(unit=unit, visit_types=[tbe], hours=[], capacity=3)
    # A time a day and a half ahead: booked in good time, then cancelled less than 24 hours before.
    later = (timezone.now() + dt.timedelta(hours=36)).replace(minute=0, second=0, microsecond=0)
    slot = make_slot(schedule, later)
    for minutes in (10, 20, 30, 50):
        make_slot(schedule, later + dt.timedelta(minutes=minutes))
    page = mobile_page

    with time_machine.travel(timezone.now(), tick=True) as clock:
        page.goto(f"/boka/{unit.slug}/")
        expect(page.get_by_role("heading", name="Vad vill du boka?")).to_be_visible()
        expect(page.get_by_text("Avboka senast 24 timmar före besöket")).to_be_visible()
        expect(page.get_by_test_id("public-price").first).to_contain_text("350,00 kr per dos")
        screenshot(page, "booking-public-1-visit-types-phone")
        page.get_by_role("link", name=re.compile("TBE dos 1")).click()

        expect(page.get_by_role("heading", name="Välj en ledig tid")).to_be_visible()
        day = timezone.localtime(slot.starts_at).date()
        if day != timezone.localdate():
            page.goto(f"/boka/{unit.slug}/{tbe.pk}/?dag={day.isoformat()}")
        screenshot(page, "booking-public-2-times-phone")
        page.get_by_role(
            "link", name=re.compile(timezone.localtime(slot.starts_at).strftime("%H:%M"))
        ).click()

        expect(page.get_by_role("heading", name="Dina uppgifter")).to_be_visible()
        page.get_by_label("Personnummer").fill("19850412-1230")
        page.get_by_label("Förnamn").fill("Elin")
        page.get_by_label("Efternamn").fill("Svensson")
        page.get_by_label("Mobiltelefon").fill("070-123 45 67")
        page.get_by_label("E-post").fill("elin@example.invalid")
        screenshot(page, "booking-public-3-details-phone")
        page.get_by_role("button", name="Boka").click()
        # The rule must be accepted: the form says so and books nothing.
        expect(page.get_by_text("Bekräfta att du har läst avbokningsreglerna.")).to_be_visible()
        assert not Booking.objects.exists()
        page.get_by_label("Jag har läst avbokningsreglerna.").check()
        page.get_by_role("button", name="Boka").click()

        expect(page.get_by_test_id("confirmation")).to_contain_text("Din tid är bokad")
        booking = Booking.objects.get()
        expect(page.get_by_test_id("confirmation")).to_contain_text(booking.reference_display)
        expect(page.get_by_role("link", name=re.compile("Lägg till i kalendern"))).to_be_visible()
        screenshot(page, "booking-public-4-confirmation-phone")
        assert booking.made_within_24h is False
        manage = page.url

        # Fourteen hours later the visit is less than 24 hours away: the link warns of the fee.
        clock.shift(dt.timedelta(hours=14))
        page.goto(manage)
        page.get_by_role("link", name="Avboka").click()
        expect(page.get_by_test_id("late-warning")).to_contain_text("mindre än 24 timmar")
        screenshot(page, "booking-public-5-late-cancel-phone")
        page.get_by_role("button", name="Avboka ändå").click()
        expect(page.get_by_test_id("booking-status")).to_contain_text("Avbokad")
        expect(page.get_by_text("faktura för sent avbokat besök")).to_be_visible()
        screenshot(page, "booking-public-6-cancelled-phone")
    booking.refresh_from_db()
    assert (booking.status, booking.late_cancellation, booking.cancelled_by_kind) == (
        "cancelled",
        True,
        "resident",
    )


def test_public_pages_at_desktop_width(cast, page, transactional_db):
    unit = cast.unit_a
    tbe = VisitTypeFactory(unit=unit, name="TBE dos 1", price_text="gratis för barn")
    schedule = ScheduleFactory(unit=unit, visit_types=[tbe], hours=[], capacity=2)
    start = (timezone.now() + dt.timedelta(days=2)).replace(hour=8, minute=0, second=0, microsecond=0)
    for index in range(12):
        make_slot(schedule, start + dt.timedelta(minutes=10 * index))
    page.goto(f"/boka/{unit.slug}/{tbe.pk}/")
    expect(page.get_by_test_id("free-times")).to_be_visible()
    screenshot(page, "booking-public-times-desktop")
