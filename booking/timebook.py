"""From schedules to slots: which bookable times a unit's schedules and exceptions give, day by day.

Pure computation (no writes); `services.timebook_sync` compares the result with the stored slots.
Times are local (Europe/Stockholm) wall-clock times turned into aware datetimes per day, so a slot at
08:00 stays at 08:00 across the change to and from summer time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings


def local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=local_zone())


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as an aware half-open interval [midnight, next midnight)."""
    return local_datetime(day, dt.time.min), local_datetime(day + dt.timedelta(days=1), dt.time.min)


@dataclass(frozen=True)
class PlannedSlot:
    schedule_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int


def _periods_minus(periods: list[tuple[dt.time, dt.time]], closed: list[tuple[dt.time, dt.time]]):
    """Opening periods with the closed windows taken out (both lists of (start, end) local times)."""
    result = list(periods)
    for c_start, c_end in closed:
        next_result = []
        for start, end in result:
            if c_end <= start or c_start >= end:
                next_result.append((start, end))
                continue
            if start < c_start:
                next_result.append((start, c_start))
            if c_end < end:
                next_result.append((c_end, end))
        result = next_result
    return result


def planned_slots(
    schedules, exceptions, first_day: dt.date, last_day: dt.date, closed_days=frozenset()
) -> dict:
    """{(schedule_id, starts_at): PlannedSlot} for the days first_day..last_day inclusive.

    `schedules` must have their `hours` prefetched; `exceptions` are the unit's exceptions in the range.
    `closed_days` are whole days without any slot (public holidays the unit has not opened, A6).
    A slot is only planned when it fits wholly inside an open period.
    """
    by_day: dict[dt.date, list] = {}
    for exception in exceptions:
        by_day.setdefault(exception.day, []).append(exception)
    planned: dict = {}
    day = first_day
    whole_day = (dt.time.min, dt.time.max)
    while day <= last_day:
        if day in closed_days:
            day += dt.timedelta(days=1)
            continue
        todays = by_day.get(day, [])
        for schedule in schedules:
            if not schedule.is_active or not schedule.is_valid_on(day):
                continue
            periods = [(h.start_time, h.end_time) for h in schedule.hours.all() if h.weekday == day.weekday()]
            periods += [
                (e.start_time, e.end_time)
                for e in todays
                if e.kind == "extra" and e.schedule_id == schedule.pk
            ]
            closed = [
                (e.start_time, e.end_time) if e.start_time else whole_day
                for e in todays
                if e.kind == "closed" and e.schedule_id in (None, schedule.pk)
            ]
            step = dt.timedelta(minutes=schedule.slot_minutes)
            for start, end in _periods_minus(sorted(periods), closed):
                cursor = dt.datetime.combine(day, start)
                stop = dt.datetime.combine(day, end)
                while cursor + step <= stop:
                    starts_at = cursor.replace(tzinfo=local_zone())
                    key = (schedule.pk, starts_at)
                    planned[key] = PlannedSlot(
                        schedule_id=schedule.pk,
                        starts_at=starts_at,
                        ends_at=(cursor + step).replace(tzinfo=local_zone()),
                        capacity=schedule.capacity,
                    )
                    cursor += step
        day += dt.timedelta(days=1)
    return planned
