"""Setting up the timebook: visit types, schedules, exceptions, and the slots they plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Booking, OpeningHours, Schedule, ScheduleException, Slot
from booking.public_holidays import swedish_holidays
from booking.selectors import affected_bookings
from booking.services.common import BookingError, _now
from booking.timebook import day_bounds, planned_slots


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    closed: int = 0
    affected: list = field(default_factory=list)


@transaction.atomic
def timebook_sync(*, unit, first_day: dt.date | None = None, days: int | None = None, now=None) -> SyncResult:
    """Make the stored slots of `unit` match its schedules and exceptions from `first_day` on.

    Never removes a booking: a slot that is no longer planned is deleted only if nobody ever booked it,
    otherwise it is closed, and a lowered capacity never goes below what is booked. The bookings that
    a change leaves in a closed or over-full slot are returned (and listed for staff to handle).
    """
    now = _now(now)
    first_day = first_day or timezone.localtime(now).date()
    days = days if days is not None else settings.BOOKING_HORIZON_DAYS
    last_day = first_day + dt.timedelta(days=days - 1)

    range_start, _unused = day_bounds(first_day)
    _unused, range_end = day_bounds(last_day)
    range_start = max(range_start, now)
    schedules = list(Schedule.objects.filter(unit=unit).prefetch_related("hours"))
    exceptions = list(ScheduleException.objects.filter(unit=unit, day__gte=first_day, day__lte=last_day))
    # A6: public holidays are closed unless the unit has opened the day deliberately.
    opened = {e.day for e in exceptions if e.kind == ScheduleException.Kind.OPEN}
    closed_days = frozenset(swedish_holidays(first_day, last_day).keys() - opened)
    planned = {
        key: slot
        for key, slot in planned_slots(schedules, exceptions, first_day, last_day, closed_days).items()
        if slot.starts_at >= range_start
    }
    existing = list(
        Slot.objects.select_for_update()
        .filter(unit=unit, starts_at__gte=range_start, starts_at__lt=range_end)
        .order_by("pk")
    )
    ever_booked = set(
        Booking.objects.filter(slot__in=[s.pk for s in existing]).values_list("slot_id", flat=True).distinct()
    )
    result = SyncResult()
    seen = set()
    to_update = []
    to_delete = []
    for slot in existing:
        key = (slot.schedule_id, slot.starts_at)
        plan = planned.get(key)
        if plan is None:
            if slot.pk not in ever_booked:
                to_delete.append(slot.pk)
            elif not slot.is_closed:
                slot.is_closed = True
                to_update.append(slot)
                result.closed += 1
            continue
        seen.add(key)
        capacity = max(plan.capacity, slot.booked_count)
        if (slot.ends_at, slot.planned_capacity, slot.capacity, slot.is_closed) != (
            plan.ends_at,
            plan.capacity,
            capacity,
            False,
        ):
            slot.ends_at, slot.planned_capacity, slot.capacity, slot.is_closed = (
                plan.ends_at,
                plan.capacity,
                capacity,
                False,
            )
            to_update.append(slot)
    if to_delete:
        result.removed = Slot.objects.filter(pk__in=to_delete).delete()[0]
    if to_update:
        for slot in to_update:
            slot.updated_at = now
        Slot.objects.bulk_update(
            to_update, ["ends_at", "planned_capacity", "capacity", "is_closed", "updated_at"]
        )
        result.updated = len(to_update)
    new = [
        Slot(
            unit=unit,
            schedule_id=plan.schedule_id,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            capacity=plan.capacity,
            planned_capacity=plan.capacity,
        )
        for key, plan in planned.items()
        if key not in seen
    ]
    Slot.objects.bulk_create(new, batch_size=1000)
    result.created = len(new)

    result.affected = list(affected_bookings(unit, now=now))
    return result


@transaction.atomic
def visit_type_save(*, visit_type, data: dict, vaccines) -> object:
    for name, value in data.items():
        setattr(visit_type, name, value)
    visit_type.full_clean()
    visit_type.save()
    visit_type.vaccines.set(vaccines)
    return visit_type


@transaction.atomic
def schedule_save(
    *, schedule: Schedule, data: dict, visit_types, hours: list[tuple[int, dt.time, dt.time]], now=None
) -> SyncResult:
    """Save a schedule with its weekly hours and bring the slots in line (see timebook_sync)."""
    for name, value in data.items():
        setattr(schedule, name, value)
    schedule.full_clean()
    schedule.save()
    schedule.visit_types.set(visit_types)
    schedule.hours.all().delete()

    OpeningHours.objects.bulk_create(
        [OpeningHours(schedule=schedule, weekday=w, start_time=s, end_time=e) for w, s, e in hours]
    )
    return timebook_sync(unit=schedule.unit, now=now)


@transaction.atomic
def schedule_exception_add(*, unit, data: dict, now=None) -> tuple[ScheduleException, SyncResult]:
    exception = ScheduleException(unit=unit, **data)
    exception.full_clean()
    exception.save()
    return exception, timebook_sync(unit=unit, now=now)


@transaction.atomic
def schedule_exception_remove(*, exception: ScheduleException, now=None) -> SyncResult:
    unit = exception.unit
    exception.delete()
    return timebook_sync(unit=unit, now=now)


def holiday_open(*, unit, day: dt.date, now=None) -> SyncResult:
    """Open a public holiday at the unit deliberately: the weekly hours apply that day (A6)."""
    if day not in swedish_holidays(day, day):
        raise BookingError(_("%(day)s är ingen helgdag.") % {"day": day.isoformat()})
    name = swedish_holidays(day, day)[day]
    _exception, result = schedule_exception_add(
        unit=unit, data={"day": day, "kind": ScheduleException.Kind.OPEN, "reason": name}, now=now
    )
    return result
