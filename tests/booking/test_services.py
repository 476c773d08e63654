"""The timebook's use cases: book, move, cancel, check in, no-show, and schedules that never drop a booking."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from booking import selectors, services
from booking.models import ActorKind, Booking, BookingEvent, ScheduleException, Slot
from journal.models import Visit
from journal.selectors import care_relationship
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, local
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def book(timebook, patient, slot=None, **kwargs) -> Booking:
    kwargs.setdefault("made_by_kind", ActorKind.STAFF)
    if kwargs["made_by_kind"] == ActorKind.STAFF:
        kwargs.setdefault("user", None) or kwargs.update(user=kwargs.get("user"))
    return services.booking_create(
        slot=slot or timebook.slot, visit_type=timebook.visit_type, patient=patient, **kwargs
    )


def test_r14_staff_books_a_patient(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    timebook.slot.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert (booking.made_by_kind, booking.made_by) == (ActorKind.STAFF, cast.alice)
    assert booking.starts_at == timebook.slot.starts_at
    assert booking.ends_at == booking.starts_at + dt.timedelta(minutes=10)
    assert timebook.slot.booked_count == 1
    assert len(booking.reference) == 8
    assert list(booking.events.values_list("kind", flat=True)) == ["made"]
    assert booking.made_within_24h is False


def test_booking_made_less_than_24_hours_before_is_recorded(cast, timebook, resident):
    slot = timebook.slot_at(timezone.now() + dt.timedelta(hours=5))
    assert book(timebook, resident, slot=slot, user=cast.alice).made_within_24h is True


def test_full_slot_refused_with_the_slot_just_filled(cast, timebook):
    book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    with pytest.raises(services.SlotFull) as refusal:
        book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    assert "fullbokad" in refusal.value.message


def test_past_and_closed_slots_refused(cast, timebook, resident):
    past = timebook.slot_at(timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(services.BookingError) as refusal:
        book(timebook, resident, slot=past, user=cast.alice)
    assert refusal.value.code == "past"
    Slot.objects.filter(pk=timebook.slot.pk).update(is_closed=True)
    with pytest.raises(services.BookingError) as refusal:
        book(timebook, resident, user=cast.alice)
    assert refusal.value.code == "closed"
    assert not Booking.objects.exists()


def test_visit_type_must_belong_to_the_slot(cast, timebook, resident):
    other = VisitTypeFactory(unit=cast.unit_a, name="Resevaccination", duration_minutes=10)
    with pytest.raises(services.BookingError) as refusal:
        services.booking_create(
            slot=timebook.slot, visit_type=other, patient=resident, made_by_kind="staff", user=cast.alice
        )
    assert refusal.value.code == "wrong_type"
    too_long = VisitTypeFactory(unit=cast.unit_a, name="Lång", duration_minutes=30)
    timebook.schedule.visit_types.add(too_long)
    with pytest.raises(services.BookingError):
        services.booking_create(
            slot=timebook.slot, visit_type=too_long, patient=resident, made_by_kind="staff", user=cast.alice
        )


def test_minimum_age_refused_on_the_visit_day(cast, timebook):
    timebook.visit_type.minimum_age_years = 12
    timebook.visit_type.save()
    visit_day = timezone.localtime(timebook.slot.starts_at).date()
    child = PatientFactory(
        caregiver=cast.caregiver_a,
        birth_date=visit_day.replace(year=visit_day.year - 12) + dt.timedelta(days=1),
    )
    with pytest.raises(services.BookingError) as refusal:
        book(timebook, child, user=cast.alice)
    assert refusal.value.code == "too_young"
    assert "12 års ålder" in refusal.value.message
    turns_twelve = PatientFactory(
        caregiver=cast.caregiver_a, birth_date=visit_day.replace(year=visit_day.year - 12)
    )
    book(timebook, turns_twelve, user=cast.alice)


def test_r14_one_patient_one_time(cast, timebook, resident):
    book(timebook, resident, user=cast.alice)
    overlapping = timebook.slot_at(timebook.slot.starts_at + dt.timedelta(minutes=5))
    with pytest.raises(services.PatientBusy):
        book(timebook, resident, slot=overlapping, user=cast.alice)


def test_same_submission_twice_gives_the_same_booking(cast, timebook, resident):
    first = book(timebook, resident, user=cast.alice, submission_key="k1")
    again = book(timebook, resident, user=cast.alice, submission_key="k1")
    assert again.pk == first.pk
    assert Booking.objects.count() == 1


def test_protected_patient_booking_stores_no_contact(cast, timebook, protected_patient_a):
    booking = book(
        timebook, protected_patient_a, user=cast.alice, contact_phone="070-1", contact_email="a@b.se"
    )
    assert (booking.contact_phone, booking.contact_email) == ("", "")


# --- Cancellation (R9) --------------------------------------------------------------------------


def test_r9_late_cancel_flagged_when_less_than_24_hours_before(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    cancelled = services.booking_cancel(
        booking=booking,
        by_kind=ActorKind.RESIDENT,
        now=booking.starts_at - dt.timedelta(hours=23, minutes=59),
    )
    assert cancelled.late_cancellation is True
    assert cancelled.cancelled_by_kind == ActorKind.RESIDENT
    assert cancelled.cancelled_by is None
    assert list(selectors.late_cancellations(unit=cast.unit_a)) == [cancelled]


def test_r9_cancel_more_than_24_hours_before_is_free(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    cancelled = services.booking_cancel(
        booking=booking, by_kind=ActorKind.RESIDENT, now=booking.starts_at - dt.timedelta(hours=24, minutes=1)
    )
    assert cancelled.late_cancellation is False
    timebook.slot.refresh_from_db()
    assert timebook.slot.booked_count == 0
    assert not selectors.late_cancellations().exists()


def test_r9_late_cancel_by_staff_on_residents_behalf_flagged_by_clinic_never(cast, timebook):
    one = book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    two = book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    late = one.starts_at - dt.timedelta(hours=2)
    one = services.booking_cancel(
        booking=one, by_kind=ActorKind.STAFF, user=cast.alice, reason="ringde", now=late
    )
    two = services.booking_cancel(
        booking=two, by_kind=ActorKind.CLINIC, user=cast.alice, reason="sjuk personal", now=late
    )
    assert (one.late_cancellation, one.cancelled_by) == (True, cast.alice)
    assert two.late_cancellation is False
    assert list(selectors.late_cancellations(unit=cast.unit_a)) == [one]


def test_cancel_twice_or_after_the_time_refused(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    with pytest.raises(services.BookingError) as refusal:
        services.booking_cancel(
            booking=booking, by_kind=ActorKind.RESIDENT, now=booking.starts_at + dt.timedelta(minutes=1)
        )
    assert refusal.value.code == "past"
    services.booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT)
    with pytest.raises(services.BookingError) as refusal:
        services.booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT)
    assert refusal.value.code == "already_cancelled"


def test_late_cancellation_selector_filters_unit_day_and_since(cast, timebook):
    booking = book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    at = booking.starts_at - dt.timedelta(hours=1)
    services.booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT, now=at)
    visit_day = timezone.localtime(booking.starts_at).date()
    assert selectors.late_cancellations(unit=cast.unit_a, day=visit_day).count() == 1
    assert selectors.late_cancellations(unit=cast.unit_a, day=visit_day + dt.timedelta(days=1)).count() == 0
    assert selectors.late_cancellations(unit=cast.unit_a_no_payment).count() == 0
    assert selectors.late_cancellations(since=at).count() == 1
    assert selectors.late_cancellations(since=at + dt.timedelta(seconds=1)).count() == 0


# --- Move ---------------------------------------------------------------------------------------


def test_staff_moves_a_booking_and_the_seats_follow(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    target = timebook.slot_at(in_days(4, 9))
    moved = services.booking_move(booking=booking, new_slot=target, by_kind=ActorKind.STAFF, user=cast.alice)
    timebook.slot.refresh_from_db()
    target.refresh_from_db()
    assert (moved.slot, moved.starts_at) == (target, target.starts_at)
    assert (timebook.slot.booked_count, target.booked_count) == (0, 1)
    assert moved.events.filter(kind="moved").count() == 1


def test_resident_cannot_move_online_within_24_hours(cast, timebook, resident):
    slot = timebook.slot_at(timezone.now() + dt.timedelta(hours=20))
    booking = book(timebook, resident, slot=slot, made_by_kind=ActorKind.RESIDENT)
    with pytest.raises(services.BookingError) as refusal:
        services.booking_move(booking=booking, new_slot=timebook.slot, by_kind=ActorKind.RESIDENT)
    assert refusal.value.code == "too_late"
    services.booking_move(booking=booking, new_slot=timebook.slot, by_kind=ActorKind.STAFF, user=cast.alice)


def test_move_to_a_full_slot_refused(cast, timebook, resident):
    booking = book(timebook, resident, slot=timebook.slot_at(in_days(5)), user=cast.alice)
    book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    book(timebook, PatientFactory(caregiver=cast.caregiver_a), user=cast.alice)
    with pytest.raises(services.SlotFull):
        services.booking_move(
            booking=booking, new_slot=timebook.slot, by_kind=ActorKind.STAFF, user=cast.alice
        )
    booking.refresh_from_db()
    assert booking.starts_at == in_days(5)


# --- At the clinic (R8) -------------------------------------------------------------------------


def test_check_in_opens_the_journal_visit_once(cast, timebook, resident):
    slot = timebook.slot_at(timezone.now() + dt.timedelta(minutes=5))
    booking = book(timebook, resident, slot=slot, user=cast.alice)
    visit = services.booking_check_in(booking=booking, user=cast.alice)
    again = services.booking_check_in(booking=booking, user=cast.alice)
    booking.refresh_from_db()
    assert visit == again
    assert visit.booking_id == booking.pk
    assert visit.unit == cast.unit_a
    assert booking.status == Booking.Status.CHECKED_IN
    assert booking.visit == visit
    assert Visit.objects.filter(booking_id=booking.pk).count() == 1


def test_check_in_refused_before_the_visit_day(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    with pytest.raises(services.BookingError) as refusal:
        services.booking_check_in(booking=booking, user=cast.alice)
    assert refusal.value.code == "not_today"


def test_r8_no_show_only_after_the_time_and_undo_is_kept(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    with pytest.raises(services.BookingError) as refusal:
        services.booking_mark_no_show(booking=booking, user=cast.alice)
    assert refusal.value.code == "not_yet"
    after = booking.starts_at + dt.timedelta(minutes=15)
    marked = services.booking_mark_no_show(booking=booking, user=cast.alice, now=after)
    assert marked.status == Booking.Status.NO_SHOW
    assert marked.no_show_marked_at == after
    assert list(selectors.no_shows(unit=cast.unit_a)) == [marked]
    with pytest.raises(services.BookingError):
        services.booking_undo_no_show(booking=booking, user=cast.bob, reason="")
    undone = services.booking_undo_no_show(
        booking=booking, user=cast.bob, reason="Kom sent, vaccinerad", now=after
    )
    assert undone.status == Booking.Status.ATTENDED
    assert (undone.no_show_undone_by, undone.no_show_undo_reason) == (cast.bob, "Kom sent, vaccinerad")
    assert undone.no_show_marked_at == after  # the mark itself is kept
    assert not selectors.no_shows().exists()
    assert list(undone.events.values_list("kind", flat=True)) == ["made", "no_show", "no_show_undone"]
    with pytest.raises(services.BookingError):
        services.booking_mark_no_show(booking=booking, user=cast.alice, now=after)


def test_no_shows_selector_filters_unit_day_and_since(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    at = booking.starts_at + dt.timedelta(minutes=30)
    services.booking_mark_no_show(booking=booking, user=cast.alice, now=at)
    day = timezone.localtime(booking.starts_at).date()
    assert selectors.no_shows(unit=cast.unit_a, day=day).count() == 1
    assert selectors.no_shows(day=day - dt.timedelta(days=1)).count() == 0
    assert selectors.no_shows(since=at + dt.timedelta(seconds=1)).count() == 0


# --- Schedules ----------------------------------------------------------------------------------


def test_timebook_sync_opens_slots_from_weekly_hours(cast):
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    schedule = ScheduleFactory(
        unit=cast.unit_a,
        visit_types=[visit_type],
        slot_minutes=15,
        capacity=3,
        hours=[(0, dt.time(8), dt.time(9, 10))],
    )
    result = services.timebook_sync(unit=cast.unit_a, first_day=monday, days=7)
    slots = list(Slot.objects.filter(schedule=schedule).order_by("starts_at"))
    assert result.created == 4 == len(slots)  # 08:00 08:15 08:30 08:45 (09:00 does not fit before 09:10)
    assert slots[0].starts_at == local(monday, 8)
    assert slots[-1].starts_at == local(monday, 8, 45)
    assert {s.capacity for s in slots} == {3}
    again = services.timebook_sync(unit=cast.unit_a, first_day=monday, days=7)
    assert (again.created, again.updated, again.removed) == (0, 0, 0)


def test_schedule_validity_and_extra_hours(cast):
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    day = timezone.localdate() + dt.timedelta(days=10)
    schedule = ScheduleFactory(
        unit=cast.unit_a, visit_types=[visit_type], hours=[], valid_from=day, valid_until=day
    )
    ScheduleException.objects.create(
        unit=cast.unit_a,
        schedule=schedule,
        day=day,
        kind="extra",
        start_time=dt.time(18),
        end_time=dt.time(18, 30),
    )
    ScheduleException.objects.create(
        unit=cast.unit_a,
        schedule=schedule,
        day=day + dt.timedelta(days=1),
        kind="extra",
        start_time=dt.time(18),
        end_time=dt.time(19),
    )
    services.timebook_sync(unit=cast.unit_a)
    assert [timezone.localtime(s.starts_at).time() for s in Slot.objects.filter(schedule=schedule)] == [
        dt.time(18),
        dt.time(18, 10),
        dt.time(18, 20),
    ]


def test_closing_a_day_never_removes_a_booking(cast, timebook, resident):
    day = timezone.localdate() + dt.timedelta(days=3)
    timebook.schedule.hours.create(weekday=day.weekday(), start_time=dt.time(10), end_time=dt.time(11))
    services.timebook_sync(unit=cast.unit_a)
    slot = Slot.objects.get(schedule=timebook.schedule, starts_at=local(day, 10))
    booking = book(timebook, resident, slot=slot, user=cast.alice)
    exception, result = services.schedule_exception_add(
        unit=cast.unit_a, data={"day": day, "kind": "closed", "reason": "Helgdag"}
    )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.BOOKED
    assert [b.pk for b in result.affected] == [booking.pk]
    assert Slot.objects.filter(schedule=timebook.schedule, starts_at__date=day, is_closed=False).count() == 0
    assert Slot.objects.filter(pk=slot.pk, is_closed=True).exists()  # booked: closed, kept
    assert result.removed == 5  # the unbooked slots of the hour are gone
    assert list(selectors.affected_bookings(cast.unit_a)) == [booking]
    # Reopening the day reopens the slot and the booking is no longer affected.
    result = services.schedule_exception_remove(exception=exception)
    assert not result.affected
    assert Slot.objects.filter(pk=slot.pk, is_closed=False).exists()


def test_lower_capacity_keeps_bookings_and_sinks_as_they_leave(cast, timebook):
    day = timezone.localdate() + dt.timedelta(days=3)
    timebook.schedule.hours.create(weekday=day.weekday(), start_time=dt.time(12), end_time=dt.time(12, 10))
    timebook.schedule.capacity = 3
    timebook.schedule.save()
    services.timebook_sync(unit=cast.unit_a)
    slot = Slot.objects.get(schedule=timebook.schedule, starts_at=local(day, 12))
    bookings = [
        book(timebook, PatientFactory(caregiver=cast.caregiver_a), slot=slot, user=cast.alice)
        for _ in range(3)
    ]
    result = services.schedule_save(
        schedule=timebook.schedule,
        data={"capacity": 1},
        visit_types=[timebook.visit_type],
        hours=[(day.weekday(), dt.time(12), dt.time(12, 10))],
    )
    slot.refresh_from_db()
    assert (slot.capacity, slot.planned_capacity, slot.booked_count) == (3, 1, 3)
    assert len(result.affected) == 3
    services.booking_cancel(booking=bookings[0], by_kind=ActorKind.CLINIC, user=cast.alice)
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked_count, slot.free) == (2, 2, 0)
    services.booking_cancel(booking=bookings[1], by_kind=ActorKind.CLINIC, user=cast.alice)
    services.booking_cancel(booking=bookings[2], by_kind=ActorKind.CLINIC, user=cast.alice)
    slot.refresh_from_db()
    assert (slot.capacity, slot.booked_count, slot.free) == (1, 0, 1)


def test_day_view_counts_and_rows(cast, timebook, resident):
    booking = book(timebook, resident, user=cast.alice)
    timebook.slot_at(timebook.slot.starts_at + dt.timedelta(minutes=10), capacity=3)
    view = selectors.day_view(cast.unit_a, timezone.localtime(timebook.slot.starts_at).date())
    assert (view.capacity, view.free, view.booked) == (5, 4, 1)
    assert [b.pk for b in view.rows[0].bookings] == [booking.pk]
    assert BookingEvent.objects.filter(booking=booking).count() == 1


def test_r6_a_booking_at_the_unit_is_a_care_relationship_for_the_shared_record(cast, timebook, resident):
    assert not care_relationship(resident, cast.unit_a)
    booking = book(timebook, resident, user=cast.alice)
    assert care_relationship(resident, cast.unit_a)
    assert not care_relationship(resident, cast.unit_a_no_payment)  # another unit has no relationship
    services.booking_cancel(booking=booking, by_kind=ActorKind.CLINIC, user=cast.alice)
    assert not care_relationship(resident, cast.unit_a)
