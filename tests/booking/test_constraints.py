"""Every database constraint of the timebook, hit directly (bypassing the services)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from booking.models import (
    ActorKind,
    Booking,
    BookingEvent,
    OpeningHours,
    Schedule,
    ScheduleException,
    Slot,
    VisitType,
)
from tests.booking.factories import in_days, make_slot
from tests.factories import PatientFactory


def _raw_booking(timebook, patient, slot=None, **fields) -> Booking:
    slot = slot or timebook.slot
    values = {
        "unit": timebook.unit,
        "patient": patient,
        "visit_type": timebook.visit_type,
        "slot": slot,
        "starts_at": slot.starts_at,
        "ends_at": slot.ends_at,
        "made_by_kind": ActorKind.RESIDENT,
    }
    values.update(fields)
    return Booking.objects.create(**values)


def _violates(name: str, action) -> None:
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        action()
    assert name in str(error.value)


@pytest.mark.django_db
def test_slot_never_overbooked_even_by_raw_inserts(cast, timebook):
    """The trigger keeps booked_count; the check constraint refuses the third seat of a two-seat slot."""
    _raw_booking(timebook, PatientFactory(caregiver=cast.caregiver_a))
    _raw_booking(timebook, PatientFactory(caregiver=cast.caregiver_a))
    timebook.slot.refresh_from_db()
    assert timebook.slot.booked_count == 2
    _violates(
        "slot_never_overbooked", lambda: _raw_booking(timebook, PatientFactory(caregiver=cast.caregiver_a))
    )
    assert Booking.objects.filter(slot=timebook.slot).count() == 2


@pytest.mark.django_db
def test_slot_count_follows_cancellation_and_move(cast, timebook):
    other = timebook.slot_at(in_days(3, 11))
    booking = _raw_booking(timebook, PatientFactory(caregiver=cast.caregiver_a))
    Booking.objects.filter(pk=booking.pk).update(slot=other, starts_at=other.starts_at, ends_at=other.ends_at)
    timebook.slot.refresh_from_db()
    other.refresh_from_db()
    assert (timebook.slot.booked_count, other.booked_count) == (0, 1)
    Booking.objects.filter(pk=booking.pk).update(
        status="cancelled", cancelled_at=timezone.now(), cancelled_by_kind="resident"
    )
    other.refresh_from_db()
    assert other.booked_count == 0


@pytest.mark.django_db
def test_r14_patient_never_holds_two_overlapping_bookings(cast, timebook, resident):
    _raw_booking(timebook, resident)
    overlapping = timebook.slot_at(timebook.slot.starts_at + dt.timedelta(minutes=5))
    _violates("booking_patient_no_overlap", lambda: _raw_booking(timebook, resident, slot=overlapping))
    # Back to back is fine, and so is another patient at the same time.
    _raw_booking(timebook, resident, slot=timebook.slot_at(timebook.slot.ends_at))
    _raw_booking(timebook, PatientFactory(caregiver=cast.caregiver_a))


@pytest.mark.django_db
def test_cancelled_booking_frees_the_time_for_the_patient(cast, timebook, resident):
    first = _raw_booking(timebook, resident)
    Booking.objects.filter(pk=first.pk).update(
        status="cancelled", cancelled_at=timezone.now(), cancelled_by_kind="resident"
    )
    _raw_booking(timebook, resident)


@pytest.mark.django_db
def test_bookings_are_never_deleted_and_history_is_append_only(cast, timebook, resident):
    booking = _raw_booking(timebook, resident)
    with pytest.raises(DatabaseError), transaction.atomic():
        Booking.objects.filter(pk=booking.pk).delete()
    event = BookingEvent.objects.create(booking=booking, kind="made", actor_kind="resident")
    with pytest.raises(DatabaseError), transaction.atomic():
        BookingEvent.objects.filter(pk=event.pk).update(detail="changed")
    with pytest.raises(DatabaseError), transaction.atomic():
        BookingEvent.objects.filter(pk=event.pk).delete()


BOOKING_CHECKS = [
    ("booking_ends_after_start", lambda b: {"ends_at": b.starts_at}),
    ("booking_made_by_consistent", lambda b: {"made_by_kind": "staff", "made_by": None}),
    ("booking_made_by_consistent", lambda b: {"made_by_kind": "clinic"}),
    ("booking_cancellation_consistent", lambda b: {"status": "cancelled"}),
    (
        "booking_cancellation_consistent",
        lambda b: {"cancelled_at": timezone.now(), "cancelled_by_kind": "resident"},
    ),
    ("booking_late_cancellation_only_by_resident_side", lambda b: {"late_cancellation": True}),
    (
        "booking_late_cancellation_only_by_resident_side",
        lambda b: {
            "status": "cancelled",
            "cancelled_at": timezone.now(),
            "cancelled_by_kind": "clinic",
            "late_cancellation": True,
        },
    ),
    ("booking_no_show_marked", lambda b: {"status": "no_show"}),
    (
        "booking_no_show_marked",
        lambda b: {
            "status": "no_show",
            "no_show_marked_at": timezone.now(),
            "no_show_undone_at": timezone.now(),
            "no_show_undone_by": b.made_by,
            "no_show_undo_reason": "kom",
        },
    ),
    ("booking_no_show_undo_complete", lambda b: {"no_show_undo_reason": "kom ändå"}),
    ("booking_checked_in_has_visit", lambda b: {"status": "checked_in", "checked_in_at": timezone.now()}),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("constraint", "change"), BOOKING_CHECKS, ids=[c for c, _ in BOOKING_CHECKS])
def test_booking_check_constraints(cast, timebook, resident, constraint, change):
    booking = _raw_booking(timebook, resident)
    _violates(constraint, lambda: Booking.objects.filter(pk=booking.pk).update(**change(booking)))


@pytest.mark.django_db
def test_booking_reference_and_submission_key_unique(cast, timebook):
    first = _raw_booking(timebook, PatientFactory(caregiver=cast.caregiver_a), submission_key="abc")
    other_slot = timebook.slot_at(in_days(4))
    _violates(
        "reference",
        lambda: _raw_booking(
            timebook, PatientFactory(caregiver=cast.caregiver_a), slot=other_slot, reference=first.reference
        ),
    )
    _violates(
        "booking_submission_once",
        lambda: _raw_booking(
            timebook, PatientFactory(caregiver=cast.caregiver_a), slot=other_slot, submission_key="abc"
        ),
    )


@pytest.mark.django_db
def test_slot_constraints(timebook):
    slot = timebook.slot
    _violates("slot_unique_start_per_schedule", lambda: make_slot(timebook.schedule, slot.starts_at))
    _violates("slot_ends_after_start", lambda: Slot.objects.filter(pk=slot.pk).update(ends_at=F("starts_at")))
    _violates(
        "booking_slot_booked_count_check", lambda: Slot.objects.filter(pk=slot.pk).update(booked_count=-1)
    )
    _violates("slot_never_overbooked", lambda: Slot.objects.filter(pk=slot.pk).update(booked_count=3))


@pytest.mark.django_db
def test_setup_constraints(cast, timebook):
    unit, schedule = timebook.unit, timebook.schedule
    _violates(
        "visit_type_name_unique_per_unit",
        lambda: VisitType.objects.create(unit=unit, name=timebook.visit_type.name),
    )
    _violates(
        "visit_type_duration_positive",
        lambda: VisitType.objects.create(unit=unit, name="x", duration_minutes=0),
    )
    today = timezone.localdate()
    _violates(
        "schedule_slot_at_least_5_minutes",
        lambda: Schedule.objects.create(unit=unit, name="a", slot_minutes=2, valid_from=today),
    )
    _violates(
        "schedule_capacity_positive",
        lambda: Schedule.objects.create(unit=unit, name="b", capacity=0, valid_from=today),
    )
    _violates(
        "schedule_validity_ordered",
        lambda: Schedule.objects.create(
            unit=unit, name="c", valid_from=today, valid_until=today - dt.timedelta(days=1)
        ),
    )
    _violates(
        "opening_hours_ordered",
        lambda: OpeningHours.objects.create(
            schedule=schedule, weekday=0, start_time=dt.time(10), end_time=dt.time(9)
        ),
    )
    _violates(
        "opening_hours_weekday",
        lambda: OpeningHours.objects.create(
            schedule=schedule, weekday=7, start_time=dt.time(8), end_time=dt.time(9)
        ),
    )
    OpeningHours.objects.create(schedule=schedule, weekday=1, start_time=dt.time(8), end_time=dt.time(9))
    _violates(
        "opening_hours_unique_start",
        lambda: OpeningHours.objects.create(
            schedule=schedule, weekday=1, start_time=dt.time(8), end_time=dt.time(10)
        ),
    )
    _violates(
        "schedule_exception_times",
        lambda: ScheduleException.objects.create(unit=unit, day=today, kind="closed", start_time=dt.time(8)),
    )
    _violates(
        "schedule_exception_extra_has_schedule_and_times",
        lambda: ScheduleException.objects.create(unit=unit, day=today, kind="extra"),
    )
