"""R8, R9: booking's triggers put a booking whose fee became due on the jobs' work list (FeeDue), and
nothing else: an ordinary booking, however it is made or changed, is never listed."""

from __future__ import annotations

import datetime as dt

import pytest

from booking import services
from booking.models import ActorKind, Booking, FeeDue
from tests.booking.factories import make_slot
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def book(timebook, patient, **kwargs) -> Booking:
    return services.booking_create(
        slot=timebook.slot,
        visit_type=timebook.visit_type,
        patient=patient,
        made_by_kind=ActorKind.RESIDENT,
        **kwargs,
    )


def listed() -> dict:
    return {row.booking_id: (row.kind, row.due_at) for row in FeeDue.objects.all()}


def test_an_ordinary_booking_is_not_listed_when_made_moved_cancelled_in_time_or_checked(
    cast, timebook, resident
):
    booking = book(timebook, resident)
    other = make_slot(timebook.schedule, timebook.slot.starts_at + dt.timedelta(hours=1), capacity=5)
    booking = services.booking_move(booking=booking, new_slot=other, by_kind=ActorKind.RESIDENT)
    services.booking_cancel(
        booking=booking, by_kind=ActorKind.RESIDENT, now=booking.starts_at - dt.timedelta(days=2)
    )
    clinic = book(timebook, PatientFactory(caregiver=cast.caregiver_a))
    services.booking_cancel(
        booking=clinic,
        by_kind=ActorKind.CLINIC,
        user=cast.alice,
        reason="sjuk personal",
        now=clinic.starts_at - dt.timedelta(hours=2),
    )
    assert listed() == {}


def test_r8_a_no_show_is_listed_when_marked_and_stays_listed_when_undone(cast, timebook, resident):
    booking = book(timebook, resident)
    assert listed() == {}
    at = booking.starts_at + dt.timedelta(minutes=15)
    services.booking_mark_no_show(booking=booking, user=cast.alice, now=at)
    assert listed() == {booking.pk: ("no_show", at)}
    # Undone, it stays listed: the job takes it off (and withdraws a charge it may have made).
    services.booking_undo_no_show(booking=booking, user=cast.bob, reason="Kom sent", now=at)
    assert listed() == {booking.pk: ("no_show", at)}


def test_r9_a_late_cancellation_is_listed_when_cancelled(cast, timebook, resident):
    booking = book(timebook, resident)
    at = booking.starts_at - dt.timedelta(hours=3)
    services.booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT, now=at)
    assert listed() == {booking.pk: ("late_cancellation", at)}


def test_a_booking_inserted_already_due_is_listed_and_a_settled_one_does_not_come_back(cast, timebook):
    """The insert path (e.g. a COPY of bookings); and once the job took a booking off the list, an
    unrelated change of it does not put it back."""
    at = timebook.slot.starts_at
    common = {
        "unit": cast.unit_a,
        "visit_type": timebook.visit_type,
        "slot": timebook.slot,
        "starts_at": at,
        "ends_at": at + dt.timedelta(minutes=10),
        "made_by_kind": ActorKind.RESIDENT,
    }
    no_show = Booking.objects.create(
        patient=PatientFactory(caregiver=cast.caregiver_a),
        status=Booking.Status.NO_SHOW,
        no_show_marked_at=at + dt.timedelta(minutes=20),
        no_show_marked_by=cast.alice,
        **common,
    )
    late = Booking.objects.create(
        patient=PatientFactory(caregiver=cast.caregiver_a),
        status=Booking.Status.CANCELLED,
        cancelled_at=at - dt.timedelta(hours=2),
        cancelled_by_kind=ActorKind.RESIDENT,
        late_cancellation=True,
        **common,
    )
    ordinary = Booking.objects.create(patient=PatientFactory(caregiver=cast.caregiver_a), **common)
    assert listed() == {
        no_show.pk: ("no_show", at + dt.timedelta(minutes=20)),
        late.pk: ("late_cancellation", at - dt.timedelta(hours=2)),
    }
    FeeDue.objects.filter(booking_id__in=[no_show.pk, late.pk]).delete()
    Booking.objects.filter(pk__in=[no_show.pk, late.pk, ordinary.pk]).update(contact_phone="0701234567")
    assert listed() == {}
    # Its moment moved (marked again after an undo): listed again, at the new moment.
    Booking.objects.filter(pk=no_show.pk).update(no_show_marked_at=at + dt.timedelta(minutes=40))
    assert listed() == {no_show.pk: ("no_show", at + dt.timedelta(minutes=40))}
