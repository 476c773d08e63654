"""Factories and helpers for the timebook tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from booking.models import OpeningHours, Schedule, Slot, VisitType
from booking.timebook import local_datetime
from tests.factories import UnitFactory


class VisitTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VisitType

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"TBE dos {n}")
    duration_minutes = 10


class ScheduleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Schedule
        skip_postgeneration_save = True

    unit = factory.SubFactory(UnitFactory)
    name = factory.Sequence(lambda n: f"Schema {n}")
    slot_minutes = 10
    capacity = 2
    valid_from = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=30))

    @factory.post_generation
    def visit_types(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.visit_types.set(extracted)

    @factory.post_generation
    def hours(obj, create, extracted, **kwargs):
        """Every day 08:00–16:00 unless given as [(weekday, start, end), ...]."""
        if not create:
            return
        periods = extracted if extracted is not None else [(w, dt.time(8), dt.time(16)) for w in range(7)]
        OpeningHours.objects.bulk_create(
            [OpeningHours(schedule=obj, weekday=w, start_time=s, end_time=e) for w, s, e in periods]
        )


def make_slot(schedule, starts_at, *, capacity=None, minutes=None) -> Slot:
    capacity = schedule.capacity if capacity is None else capacity
    return Slot.objects.create(
        unit=schedule.unit,
        schedule=schedule,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=minutes or schedule.slot_minutes),
        capacity=capacity,
        planned_capacity=capacity,
    )


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return local_datetime(day, dt.time(hour, minute))


def in_days(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return local(timezone.localdate() + dt.timedelta(days=days), hour, minute)
