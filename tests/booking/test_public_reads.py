"""The rush's two reads in written SQL (booking/public_reads.py) answer what the ORM answers.

`selectors.free_slots` is the rule for a free time (the staff pages and the public time list use it);
the written SQL must never drift from it, nor from the slot the ORM reads.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from booking import public_reads, selectors
from booking.models import Booking, Slot
from booking.timebook import day_bounds
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.booking.test_public import book_url, form_data

pytestmark = pytest.mark.django_db


def _fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_the_slot_read_in_sql_is_the_orms_slot_with_its_schedule_and_the_forms_booking(cast, timebook):
    assert Client().post(book_url(timebook), form_data(key="first")).status_code == 302
    made = Booking.objects.get()
    orm = Slot.objects.select_related("schedule").get(pk=timebook.slot.pk)

    read = public_reads.slot_with_submission(cast.unit_a, timebook.slot.pk, "s-first", timebook.visit_type)
    assert _fields(read) == _fields(orm)
    assert _fields(read.schedule) == _fields(orm.schedule)
    assert read.free == orm.free == 1
    assert read.submitted_id == made.pk
    assert not read._state.adding  # a row from the database, as the ORM's own
    assert read.offers_visit_type is True
    vt = timebook.visit_type
    assert (
        public_reads.slot_with_submission(cast.unit_a, timebook.slot.pk, "s-other", vt).submitted_id is None
    )
    assert public_reads.slot_with_submission(cast.unit_a, timebook.slot.pk, "", vt).submitted_id is None
    # A visit type the slot's schedule does not offer (the booking then asks and refuses).
    other = VisitTypeFactory(unit=cast.unit_a, name="Annan")
    assert (
        public_reads.slot_with_submission(cast.unit_a, timebook.slot.pk, "", other).offers_visit_type is False
    )
    assert timebook.schedule.visit_types.filter(pk=other.pk).exists() is False
    # Another unit's address never reaches this unit's slot (tenancy), nor does a slot that is not there.
    assert public_reads.slot_with_submission(cast.unit_b, timebook.slot.pk, "", vt) is None
    assert public_reads.slot_with_submission(cast.unit_a, timebook.slot.pk + 10_000, "", vt) is None


def test_the_slot_locked_in_sql_is_the_orms_slot_with_the_unit_and_schedule_it_came_with(cast, timebook):
    page = public_reads.slot_with_submission(cast.unit_a, timebook.slot.pk, "", timebook.visit_type)
    page.unit = cast.unit_a
    assert Client().post(book_url(timebook), form_data(key="first")).status_code == 302  # after the read
    with transaction.atomic():
        locked = public_reads.slot_locked(page)
        assert _fields(locked) == _fields(Slot.objects.get(pk=timebook.slot.pk))
        assert (page.booked_count, locked.booked_count) == (0, 1)  # the row as it is now
        assert locked.unit is page.unit and locked.schedule is page.schedule
        assert not locked._state.adding
        page.pk += 10_000
        with pytest.raises(Slot.DoesNotExist):
            public_reads.slot_locked(page)


def test_the_free_times_read_in_sql_are_selectors_free_slots(cast, timebook):
    unit, visit_type, schedule = timebook.unit, timebook.visit_type, timebook.schedule
    taken = timebook.slot_at(in_days(3, 9), capacity=1)
    assert Client().post(book_url(timebook, taken), form_data(key="taken")).status_code == 302
    closed = timebook.slot_at(in_days(4, 9))
    Slot.objects.filter(pk=closed.pk).update(is_closed=True)
    for day, hour in [(3, 11), (3, 12), (4, 8), (5, 9), (9, 9), (15, 9), (16, 9), (20, 9)]:
        timebook.slot_at(in_days(day, hour))
    timebook.slot_at(timezone.now() - dt.timedelta(minutes=5))  # already begun
    # Schedules whose times this visit type cannot be booked at: another visit type only, too short,
    # switched off; and another unit's.
    other_type = VisitTypeFactory(unit=unit, name="Annat")
    make_slot(ScheduleFactory(unit=unit, visit_types=[other_type], hours=[]), in_days(3, 13))
    short = ScheduleFactory(unit=unit, visit_types=[visit_type], hours=[], slot_minutes=5)
    visit_type.duration_minutes = 10
    visit_type.save()
    make_slot(short, in_days(3, 14))
    make_slot(ScheduleFactory(unit=unit, visit_types=[visit_type], hours=[], is_active=False), in_days(3, 15))
    foreign = VisitTypeFactory(unit=cast.unit_b)
    make_slot(ScheduleFactory(unit=cast.unit_b, visit_types=[foreign, visit_type], hours=[]), in_days(3, 16))

    now = timezone.now()
    for first_day, but, limit in [
        (timezone.localdate(), timebook.slot.pk, 6),
        (timezone.localdate() + dt.timedelta(days=3), timebook.slot.pk, 6),
        (timezone.localdate() + dt.timedelta(days=3), taken.pk, 2),
        (timezone.localdate() + dt.timedelta(days=5), 0, 20),
    ]:
        expected = [
            (s.pk, s.starts_at)
            for s in selectors.free_slots(unit, visit_type, first_day=first_day, days=14, now=now)
            if s.pk != but
        ][:limit]
        start, _unused = day_bounds(first_day)
        _unused, end = day_bounds(first_day + dt.timedelta(days=13))
        read = public_reads.free_times(unit, visit_type, start=max(start, now), end=end, but=but, limit=limit)
        assert read == expected, (first_day, but, limit)
        assert read  # each case has times to compare
    assert schedule.slots.count() > 10
