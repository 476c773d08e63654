"""Reminders: a configurable time before the visit, once, with the cancel link and the rule."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from booking import services
from booking.models import ActorKind, Booking
from booking.schedules import BEAT_SCHEDULE
from booking.tasks import send_due_reminders
from mittvaccin.celery import app
from mittvaccin.models import OutboundMessage
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, make_slot
from tests.factories import PatientFactory
from tests.worker import wait_for_queued_tasks


def _booking(
    cast,
    *,
    starts_in: dt.timedelta,
    made_before: dt.timedelta,
    phone="070-111 22 33",
    email="r@example.invalid",
):
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    schedule = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[])
    start = (timezone.now() + starts_in).replace(second=0, microsecond=0)
    slot = make_slot(schedule, start)
    return services.booking_create(
        slot=slot,
        visit_type=visit_type,
        patient=PatientFactory(caregiver=cast.caregiver_a),
        made_by_kind=ActorKind.RESIDENT,
        contact_phone=phone,
        contact_email=email,
        now=start - made_before,
    )


def test_beat_schedule_has_the_reminder_job():
    assert BEAT_SCHEDULE["booking-send-due-reminders"]["task"] == "booking.send_due_reminders"
    # As a starting worker does: autodiscovery is lazy, so the registry depends on what ran before.
    app.loader.import_default_modules()
    assert "booking.send_due_reminders" in app.tasks


@pytest.mark.django_db
@override_settings(BOOKING_REMINDER_HOURS=48)
def test_reminder_due_within_the_lead_time_only(cast):
    due = _booking(cast, starts_in=dt.timedelta(hours=30), made_before=dt.timedelta(days=10))
    _booking(cast, starts_in=dt.timedelta(hours=60), made_before=dt.timedelta(days=10))  # not yet
    _booking(
        cast, starts_in=dt.timedelta(hours=30), made_before=dt.timedelta(hours=40)
    )  # booked inside the window
    _booking(cast, starts_in=dt.timedelta(hours=30), made_before=dt.timedelta(days=10), phone="", email="")
    assert list(services.reminders_due()) == [due]
    with override_settings(BOOKING_REMINDER_HOURS=72):
        assert services.reminders_due().count() == 2


@pytest.mark.django_db
def test_reminder_text_has_cancel_link_and_rule(cast):
    booking = _booking(cast, starts_in=dt.timedelta(hours=30), made_before=dt.timedelta(days=10))
    assert services.reminders_send_due() == 1
    email = OutboundMessage.objects.get(purpose="booking_reminder", channel="email")
    sms = OutboundMessage.objects.get(purpose="booking_reminder", channel="sms")
    assert "/bokning/" in email.body
    assert "/bokning/" in sms.body
    assert "24 timmar" in email.body
    assert "24 tim" in sms.body
    assert email.reference == booking.reference
    booking.refresh_from_db()
    assert booking.reminder_sent_at is not None
    assert services.reminders_send_due() == 0


@pytest.mark.django_db
def test_moved_booking_is_reminded_again_for_its_new_time(cast):
    booking = _booking(cast, starts_in=dt.timedelta(hours=30), made_before=dt.timedelta(days=10))
    services.reminders_send_due()
    target = make_slot(booking.slot.schedule, booking.starts_at + dt.timedelta(hours=2))
    services.booking_move(booking=booking, new_slot=target, by_kind=ActorKind.STAFF, user=cast.alice)
    assert services.reminders_send_due() == 1


@pytest.mark.django_db(transaction=True)
def test_reminder_claim_is_exactly_once_under_concurrent_runs(cast):
    booking = _booking(cast, starts_in=dt.timedelta(hours=20), made_before=dt.timedelta(days=5))
    barrier = threading.Barrier(6)
    outcomes = []

    def run():
        try:
            barrier.wait()
            outcomes.append(services.booking_reminder_send(booking_id=booking.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False] * 5 + [True]
    assert OutboundMessage.objects.filter(purpose="booking_reminder").count() == 2  # one e-mail, one SMS


def test_reminder_job_runs_twice_on_a_real_worker_and_sends_once(cast, celery_worker):
    booking = _booking(cast, starts_in=dt.timedelta(hours=20), made_before=dt.timedelta(days=5))

    send_due_reminders.delay()
    send_due_reminders.delay()
    wait_for_queued_tasks()
    sent = OutboundMessage.objects.filter(purpose="booking_reminder", reference=booking.reference)
    assert sorted(sent.values_list("channel", flat=True)) == ["email", "sms"]
    assert Booking.objects.get(pk=booking.pk).events.filter(kind="reminded").count() == 1
