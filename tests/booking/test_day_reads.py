"""The day view's reads, compiled once per process (booking/compiled.py, issue 11): the same rows as the
querysets they are made from, whatever the unit, the day or the moment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from booking import selectors, services
from booking.compiled import MOMENTS, NO_ID, Compiled
from booking.models import ActorKind, Booking, Slot
from booking.timebook import day_bounds
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def _book(slot, visit_type, patient, user):
    return services.booking_create(
        slot=slot, visit_type=visit_type, patient=patient, made_by_kind=ActorKind.STAFF, user=user
    )


def _two_units_two_days(cast, timebook):
    """Bookings at unit A on two days (one cancelled, one in a closed slot, one in a slot whose planned
    capacity was lowered) and at unit B on the same day, which unit A's reads must never return."""
    slots = [timebook.slot, timebook.slot_at(in_days(3, 10, 15)), timebook.slot_at(in_days(3, 10, 30))]
    slots.append(timebook.slot_at(in_days(4, 9)))
    patients = [PatientFactory(caregiver=cast.caregiver_a) for _n in range(7)]
    bookings = [
        _book(slots[n % len(slots)], timebook.visit_type, patient, cast.alice)
        for n, patient in enumerate(patients)
    ]
    services.booking_cancel(booking=bookings[1], by_kind=ActorKind.CLINIC, user=cast.alice)
    Slot.objects.filter(pk=slots[2].pk).update(is_closed=True)
    Slot.objects.filter(pk=slots[0].pk).update(planned_capacity=1)
    visit_type_b = VisitTypeFactory(unit=cast.unit_b, name="Influensa", minimum_age_years=0)
    schedule_b = ScheduleFactory(unit=cast.unit_b, name="B", visit_types=[visit_type_b], hours=[])
    slot_b = make_slot(schedule_b, in_days(3))
    _book(slot_b, visit_type_b, PatientFactory(caregiver=cast.caregiver_b), cast.charlie)
    return bookings


def test_the_compiled_reads_return_the_rows_of_their_querysets(cast, timebook):
    _two_units_two_days(cast, timebook)
    for unit in (cast.unit_a, cast.unit_b):
        for days in (2, 3, 4):
            start, end = day_bounds(timezone.localdate() + dt.timedelta(days=days))
            for read in (selectors._DAY_BOOKINGS, selectors._DAY_SLOTS):
                expected = list(read._make(unit_id=unit.pk, start=start, end=end))
                assert read.rows(unit_id=unit.pk, start=start, end=end) == expected
    start, end = day_bounds(timezone.localdate() + dt.timedelta(days=3))
    rows = selectors._DAY_BOOKINGS.rows(unit_id=cast.unit_a.pk, start=start, end=end)
    assert len(rows) == 6 and {row[2] for row in rows} == {"booked", "cancelled"}


def test_the_affected_count_is_the_count_of_the_affected_bookings(cast, timebook):
    _two_units_two_days(cast, timebook)
    for unit in (cast.unit_a, cast.unit_b):
        for now in (timezone.now(), in_days(3, 10, 10), in_days(3, 10, 20), in_days(5)):
            count = selectors.affected_count(unit, now=now)
            assert count == selectors.affected_bookings(unit, now=now).count()
    assert (
        selectors.affected_count(cast.unit_a, now=timezone.now()) == 4
    )  # two in the slot over its planned seats, two in the closed one
    assert selectors.affected_count(cast.unit_b, now=timezone.now()) == 0


def test_a_placeholder_that_is_not_a_parameter_of_the_query_is_refused(cast):
    read = Compiled(
        lambda unit_id, start: Booking.objects.filter(unit_id=unit_id).values_list("id"),
        unit_id=NO_ID,
        start=MOMENTS[0],
    )
    with pytest.raises(ValueError, match="placeholder"):
        read.rows(unit_id=cast.unit_a.pk, start=timezone.now())


def test_the_ages_are_in_the_pages_language_though_translated_once_per_process(cast, timebook):
    """The day view's "N år" texts are kept per process (booking/views/timebook.py `_age_text`): keyed by
    the language, so a page in English after one in Swedish shows English, and one year is singular."""
    born = timezone.localdate() - dt.timedelta(days=366 * 40)
    infant = timezone.localdate().replace(day=1) - dt.timedelta(days=400)
    for birth_date in (born, infant):
        services.booking_create(
            slot=timebook.slot,
            visit_type=timebook.visit_type,
            patient=PatientFactory(caregiver=cast.caregiver_a, birth_date=birth_date),
            made_by_kind=ActorKind.STAFF,
            user=cast.alice,
        )
    url = reverse("booking:day", args=[cast.unit_a.pk, timezone.localtime(timebook.slot.starts_at).date()])
    client = client_for(cast.alice)
    swedish = client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english = client.get(url).content.decode()
    assert '<span class="muted">40 år</span>' in swedish and '<span class="muted">1 år</span>' in swedish
    assert '<span class="muted">40 years</span>' in english and '<span class="muted">1 year</span>' in english
    assert "år</span>" not in english
