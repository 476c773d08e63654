"""The reads of a booking rush's post, in SQL written once instead of built by the ORM on each post.

In a rush four of five posts are for a time just taken, and that answer is these two reads: the slot
(with the booking the form's one-time key already made) and up to six other free times. Building and
compiling the two ORM querysets cost about four times what PostgreSQL spent answering them. The SQL is
put together once, from the models' own table and column names; `tests/booking/test_public_reads.py`
holds both reads to the ORM's answers (`selectors.free_slots` is the rule for a free time). The
one post of five that makes a booking locks the slot's row with `slot_locked`.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from booking.models import Booking, Schedule, Slot

_SLOT_FIELDS = [f.attname for f in Slot._meta.concrete_fields]
_SCHEDULE_FIELDS = [f.attname for f in Schedule._meta.concrete_fields]
_OFFERS = Schedule.visit_types.through._meta
_OFFERS_SCHEDULE = _OFFERS.get_field("schedule").column
_OFFERS_VISIT_TYPE = _OFFERS.get_field("visittype").column


def _columns(model, alias: str) -> str:
    return ", ".join(f'{alias}."{f.column}"' for f in model._meta.concrete_fields)


_SLOT_SQL = f"""
SELECT {_columns(Slot, "s")}, {_columns(Schedule, "sc")},
       (SELECT b."id" FROM "{Booking._meta.db_table}" b WHERE b."submission_key" = %s LIMIT 1),
       EXISTS (SELECT 1 FROM "{_OFFERS.db_table}" v
                WHERE v."{_OFFERS_SCHEDULE}" = s."schedule_id" AND v."{_OFFERS_VISIT_TYPE}" = %s)
  FROM "{Slot._meta.db_table}" s
  JOIN "{Schedule._meta.db_table}" sc ON sc."id" = s."schedule_id"
 WHERE s."unit_id" = %s AND s."id" = %s
"""  # noqa: S608  (the models' own table and column names, no input)

_LOCK_SQL = f"""
SELECT {_columns(Slot, "s")} FROM "{Slot._meta.db_table}" s WHERE s."id" = %s FOR UPDATE
"""  # noqa: S608  (the models' own table and column names, no input)

_FREE_SQL = f"""
SELECT s."id", s."starts_at"
  FROM "{Slot._meta.db_table}" s
  JOIN "{Schedule._meta.db_table}" sc ON sc."id" = s."schedule_id"
 WHERE s."unit_id" = %s AND NOT s."is_closed" AND s."starts_at" >= %s AND s."starts_at" < %s
   AND s."booked_count" < s."capacity" AND s."id" <> %s
   AND sc."is_active" AND sc."slot_minutes" >= %s
   AND EXISTS (SELECT 1 FROM "{_OFFERS.db_table}" v
                WHERE v."{_OFFERS_SCHEDULE}" = sc."id" AND v."{_OFFERS_VISIT_TYPE}" = %s)
 ORDER BY s."starts_at", s."id"
 LIMIT %s
"""  # noqa: S608  (the models' own table and column names, no input)


def slot_with_submission(unit, slot_id: int, submission: str, visit_type) -> Slot | None:
    """The unit's slot with its schedule, `submitted_id`: the booking a form with this one-time key
    already made (None when there is none, or no key), and `offers_visit_type`: whether the slot's
    schedule offers `visit_type` (a booking needs it; a slot's schedule never changes)."""
    with connection.cursor() as cursor:
        cursor.execute(_SLOT_SQL, [submission or None, visit_type.pk, unit.pk, slot_id])
        row = cursor.fetchone()
    if row is None:
        return None
    split = len(_SLOT_FIELDS)
    slot = Slot.from_db(connection.alias, _SLOT_FIELDS, row[:split])
    slot.schedule = Schedule.from_db(connection.alias, _SCHEDULE_FIELDS, row[split:-2])
    slot.submitted_id, slot.offers_visit_type = row[-2:]
    return slot


def slot_locked(slot: Slot) -> Slot:
    """`slot`'s row read again under its row lock, with the unit and schedule `slot` came with (a
    booking made online: the page read them a moment ago). What `select_for_update(of=("self",))`
    answers, without building that queryset on every booking made."""
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_SQL, [slot.pk])
        row = cursor.fetchone()
    if row is None:
        raise Slot.DoesNotExist
    locked = Slot.from_db(connection.alias, _SLOT_FIELDS, row)
    locked.unit, locked.schedule = slot.unit, slot.schedule
    return locked


def free_times(unit, visit_type, *, start: dt.datetime, end: dt.datetime, but: int, limit: int):
    """(id, starts_at) of the first `limit` free times in [start, end) other than slot `but`: what
    `selectors.free_slots` answers, without the slots' other columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            _FREE_SQL, [unit.pk, start, end, but, visit_type.duration_minutes, visit_type.pk, limit]
        )
        return cursor.fetchall()
