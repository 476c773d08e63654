"""Fixes found by a walk through every role: the resident's messages, moving, cancelled bookings."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from booking import notices, services
from booking.models import ActorKind, Booking, ScheduleException, Slot
from booking.public_holidays import swedish_holidays
from booking.timebook import local_datetime, local_zone
from booking.tokens import make_token, manage_url
from mittvaccin.launch import run_environment
from mittvaccin.models import OutboundMessage
from tests.booking.factories import ScheduleFactory
from tests.booking.test_public import _booked, book_url
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_messages_use_swedish_dates():
    booking = Booking(starts_at=local_datetime(dt.date(2026, 12, 4), dt.time(9, 0)))
    assert notices.when_text(booking, today=dt.date(2026, 12, 1)) == "fredag 4 december kl. 09.00"
    assert notices.when_text(booking, today=dt.date(2025, 12, 1)) == "fredag 4 december 2026 kl. 09.00"


@pytest.mark.parametrize("invoicing", [True, False])
def test_r9_the_cancellation_rule_is_the_same_on_the_page_in_the_sms_and_in_the_email(
    cast, timebook, invoicing, django_capture_on_commit_callbacks
):
    if not invoicing:
        cast.unit_a.payment_solution_configured = False
        cast.unit_a.save()
    page = html.unescape(Client().get(book_url(timebook)).content.decode())
    with django_capture_on_commit_callbacks(execute=True):
        booking = _booked(timebook)
    rule = notices.booking_rule(booking)
    assert rule in page
    sent = {m.channel: m for m in OutboundMessage.objects.filter(reference=booking.reference)}
    assert rule in sent["sms"].body
    assert rule in sent["email"].body
    assert ("faktura" in rule) == invoicing


def test_a_resident_confirms_before_the_booking_moves_and_the_messages_say_the_new_time(
    timebook, django_capture_on_commit_callbacks
):
    booking = _booked(timebook)
    target = timebook.slot_at(timebook.slot.starts_at + dt.timedelta(days=1, hours=1))
    client = Client()
    url = reverse("booking:manage_move", args=[make_token(booking)])
    page = client.post(url, {"slot": target.pk}).content.decode()
    assert "Flytta tiden?" in page and 'name="confirm"' in page
    assert Booking.objects.get(pk=booking.pk).slot_id == timebook.slot.pk
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"slot": target.pk, "confirm": "1"})
    moved = Booking.objects.get(pk=booking.pk)
    assert moved.slot_id == target.pk
    sms = OutboundMessage.objects.filter(reference=booking.reference, channel="sms").latest("pk")
    assert notices.when_text(moved) in sms.body and sms.body.startswith("Flyttad")


def test_staff_confirm_before_a_booking_is_moved(cast, timebook, resident):
    booking = services.booking_create(
        slot=timebook.slot,
        visit_type=timebook.visit_type,
        patient=resident,
        made_by_kind=ActorKind.STAFF,
        user=cast.alice,
    )
    target = timebook.slot_at(timebook.slot.starts_at + dt.timedelta(days=1))
    client = client_for(cast.alice)
    url = reverse("booking:booking_move", args=[booking.pk])
    page = client.post(url, {"slot": target.pk, "visit_type": timebook.visit_type.pk}).content.decode()
    assert 'data-testid="move-confirm"' in page
    assert Booking.objects.get(pk=booking.pk).slot_id == timebook.slot.pk
    client.post(url, {"slot": target.pk, "visit_type": timebook.visit_type.pk, "confirm": "1"})
    assert Booking.objects.get(pk=booking.pk).slot_id == target.pk


def test_going_back_to_a_cancelled_bookings_pages_shows_it_is_cancelled(timebook):
    booking = _booked(timebook)
    token = make_token(booking)
    client = Client()
    client.post(reverse("booking:manage_cancel", args=[token]))
    for name in ("booking:manage", "booking:manage_cancel", "booking:manage_move"):
        response = client.get(reverse(name, args=[token]))
        page = response.content.decode()
        assert "Avbokad" in page, name
        assert "Ja, avboka" not in page and 'name="slot"' not in page, name
        assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"], name


def test_links_in_messages_follow_the_port_make_run_serves_on(timebook):

    env = run_environment({"PATH": "/usr/bin"}, "8107")
    assert env["MITTVACCIN_PUBLIC_URL"] == "http://127.0.0.1:8107"
    named = run_environment({"MITTVACCIN_PUBLIC_URL": "https://vaccin.example.se"}, "8107")
    assert named["MITTVACCIN_PUBLIC_URL"] == "https://vaccin.example.se"
    booking = _booked(timebook)
    with override_settings(PUBLIC_URL=env["MITTVACCIN_PUBLIC_URL"]):
        assert manage_url(booking).startswith("http://127.0.0.1:8107/bokning/")
        assert "@127.0.0.1:8107" in notices.ics(booking)


@pytest.mark.parametrize("page", ["login", "public_unit"])
def test_the_language_choice_is_offered_before_signing_in_each_language_in_its_own_words(timebook, page):
    url = reverse("login") if page == "login" else reverse("booking:public_unit", args=[timebook.unit.slug])
    client = Client()
    body = client.get(url).content.decode()
    assert 'data-testid="language-choice"' in body
    assert ">English</option>" in body and ">Svenska</option>" in body
    response = client.post(reverse("set_language"), {"language": "en", "next": url})
    assert response.status_code == 302 and response["Location"] == url
    english = client.get(url)
    assert english["Content-Language"] == "en"
    assert ">English</option>" in english.content.decode() and ">Svenska</option>" in english.content.decode()


def _slot_days(unit):

    return {
        s.starts_at.astimezone(local_zone()).date() for s in Slot.objects.filter(unit=unit, is_closed=False)
    }


def test_a6_swedish_public_holidays_are_closed_by_default(cast, timebook):

    ScheduleFactory(unit=cast.unit_a, visit_types=[timebook.visit_type])  # open every day 08–16

    first = dt.date(2026, 12, 20)
    services.timebook_sync(
        unit=cast.unit_a, first_day=first, days=14, now=local_datetime(first, dt.time(0, 1))
    )
    days = _slot_days(cast.unit_a)
    holidays = swedish_holidays(first, first + dt.timedelta(days=13))
    assert {dt.date(2026, 12, 24), dt.date(2026, 12, 25), dt.date(2026, 12, 26), dt.date(2027, 1, 1)} <= set(
        holidays
    )
    assert not days & set(holidays)
    assert dt.date(2026, 12, 23) in days and dt.date(2026, 12, 28) in days


def test_a6_a_unit_opens_a_holiday_deliberately_and_closing_it_again_lists_its_bookings(
    cast, timebook, resident
):
    christmas_eve = dt.date(2026, 12, 24)
    ScheduleFactory(unit=cast.unit_a, visit_types=[timebook.visit_type], valid_from=dt.date(2026, 1, 1))
    now = local_datetime(dt.date(2026, 12, 20), dt.time(0, 1))
    services.holiday_open(unit=cast.unit_a, day=christmas_eve, now=now)
    services.timebook_sync(unit=cast.unit_a, first_day=dt.date(2026, 12, 20), days=10, now=now)
    assert christmas_eve in _slot_days(cast.unit_a)

    slot = Slot.objects.filter(unit=cast.unit_a, starts_at=local_datetime(christmas_eve, dt.time(10))).first()
    booking = services.booking_create(
        slot=slot,
        visit_type=timebook.visit_type,
        patient=resident,
        made_by_kind=ActorKind.STAFF,
        user=cast.alice,
        now=now,
    )
    opened = ScheduleException.objects.get(unit=cast.unit_a, day=christmas_eve, kind="open")
    result = services.schedule_exception_remove(exception=opened, now=now)
    assert booking in result.affected  # listed under "Att hantera", never removed
    assert Booking.objects.get(pk=booking.pk).status == "booked"
    with pytest.raises(services.BookingError, match="ingen helgdag"):
        services.holiday_open(unit=cast.unit_a, day=dt.date(2026, 12, 22), now=now)


def test_a6_the_setup_page_lists_the_holidays_with_a_button_to_open_each(cast, timebook):

    today = timezone.localdate()
    upcoming = swedish_holidays(today, today + dt.timedelta(days=56))
    page = client_for(cast.clinic_a).get(reverse("booking:setup", args=[cast.unit_a.pk])).content.decode()
    assert 'data-testid="holidays"' in page
    for day, name in upcoming.items():
        assert name in page
        assert reverse("booking:holiday_open", args=[cast.unit_a.pk, day]) in page
