"""No overbooking, ever: many residents at the last seats at once, each on its own database connection."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from booking import services
from booking.models import ActorKind, Booking, Slot
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.concurrency import race
from tests.factories import PatientFactory

CLIENTS = 16


@pytest.mark.django_db(transaction=True)
def test_r14_concurrent_bookings_at_the_last_seats_fill_exactly_capacity(cast):
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    schedule = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[], capacity=5)
    slot = make_slot(schedule, in_days(2), capacity=5)
    # Two of the five seats are taken already: 16 residents race for the last three.
    for _ in range(2):
        services.booking_create(
            slot=slot,
            visit_type=visit_type,
            patient=PatientFactory(caregiver=cast.caregiver_a),
            made_by_kind=ActorKind.RESIDENT,
        )
    patients = [PatientFactory(caregiver=cast.caregiver_a) for _ in range(CLIENTS)]

    def attempt(patient):
        return lambda: services.booking_create(
            slot=slot, visit_type=visit_type, patient=patient, made_by_kind=ActorKind.RESIDENT
        )

    results = race([attempt(p) for p in patients])
    won = [r for r in results if isinstance(r, Booking)]
    lost = [r for r in results if not isinstance(r, Booking)]
    assert len(won) == 3
    assert len(lost) == CLIENTS - 3
    assert all(isinstance(r, services.SlotFull) for r in lost), lost
    assert all("fullbokad" in r.message for r in lost)
    slot.refresh_from_db()
    assert Booking.objects.filter(slot=slot).exclude(status="cancelled").count() == 5 == slot.booked_count
    assert slot.booked_count <= slot.capacity


@pytest.mark.django_db(transaction=True)
def test_r14_one_resident_racing_for_two_overlapping_times_gets_one(cast):
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    first = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[])
    second = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[])
    when = in_days(2)
    slots = [make_slot(first, when), make_slot(second, when)]
    patient = PatientFactory(caregiver=cast.caregiver_a)
    results = race(
        [
            (
                lambda s=s: services.booking_create(
                    slot=s, visit_type=visit_type, patient=patient, made_by_kind="resident"
                )
            )
            for s in slots * 3
        ]
    )
    assert sum(isinstance(r, Booking) for r in results) == 1
    assert all(isinstance(r, (Booking, services.PatientBusy)) for r in results)
    assert Booking.objects.filter(patient=patient).count() == 1
    assert sum(Slot.objects.filter(pk__in=[s.pk for s in slots]).values_list("booked_count", flat=True)) == 1


@pytest.mark.django_db(transaction=True)
def test_r14_a_booking_in_progress_does_not_hold_up_another_time_at_the_unit(cast):
    """Only the slot's row is locked: not its unit or schedule, which every booking there shares."""
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    schedule = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[])
    first, second = make_slot(schedule, in_days(2)), make_slot(schedule, in_days(3))
    patients = [PatientFactory(caregiver=cast.caregiver_a) for _ in range(2)]
    booked, finish, outcome = threading.Event(), threading.Event(), {}

    def book_and_hold():
        # A booking of the first time, made and not yet committed (its confirmation still being queued).
        try:
            with transaction.atomic():
                outcome["held"] = services.booking_create(
                    slot=first, visit_type=visit_type, patient=patients[0], made_by_kind=ActorKind.RESIDENT
                )
                booked.set()
                finish.wait(30)
        finally:
            booked.set()
            connection.close()

    holder = threading.Thread(target=book_and_hold)
    holder.start()
    try:
        assert booked.wait(30)
        with transaction.atomic():
            with connection.cursor() as cursor:
                # A lock on the unit or the schedule would wait here for the holder, and time out.
                cursor.execute("SET LOCAL lock_timeout = '3s'")
            booking = services.booking_create(
                slot=second, visit_type=visit_type, patient=patients[1], made_by_kind=ActorKind.RESIDENT
            )
    finally:
        finish.set()
        holder.join()
    assert booking.slot_id == second.pk
    assert outcome["held"].slot_id == first.pk
    assert Booking.objects.filter(slot__in=[first, second]).count() == 2
