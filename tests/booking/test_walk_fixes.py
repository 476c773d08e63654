"""Fixes found by a walk through every role: the resident's messages, moving, cancelled bookings."""

from __future__ import annotations

import datetime as dt
import html

import pytest
from django.test import Client
from django.urls import reverse

from booking import notices, services
from booking.models import ActorKind, Booking
from booking.timebook import local_datetime
from booking.tokens import make_token
from mittvaccin.models import OutboundMessage
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
    from django.test import override_settings

    from booking.tokens import manage_url
    from mittvaccin.launch import run_environment

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
