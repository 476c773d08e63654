"""Set-based journal writes for batch jobs: one statement per batch, never one round-trip per row.

The same rules as the one-at-a-time services (journal.services.visit_open), for callers that have
already read and checked their rows in bulk (the invoicing jobs of billing).
"""

from __future__ import annotations

from django.db import connection

from journal.models import Visit


def visits_open_for_bookings(*, rows, kind: str, user=None) -> dict[int, int]:
    """One visit of `kind` per booking, idempotent like visit_open: {booking id: visit id} for every row.

    `rows` are (booking_id, patient_id, unit_id, started_at), patient and unit of the same caregiver
    (the caller checked). A booking that already has its visit keeps it: the unique constraint
    `visit_one_per_booking_and_kind` decides, also against a concurrent check-in (which this waits for).
    """
    rows = list(rows)
    if not rows:
        return {}
    booking_ids, patient_ids, unit_ids, starts = (list(column) for column in zip(*rows, strict=True))
    table = Visit._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {table} (patient_id, unit_id, kind, started_at, started_by_id, booking_id)
            SELECT t.patient_id, t.unit_id, %s, t.started_at, %s, t.booking_id
              FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::timestamptz[])
                   AS t(booking_id, patient_id, unit_id, started_at)
            ON CONFLICT (booking_id, kind) DO NOTHING
            """,  # noqa: S608  (table name from the model, values as parameters)
            [kind, getattr(user, "pk", None), booking_ids, patient_ids, unit_ids, starts],
        )
        cursor.execute(
            f"SELECT booking_id, id FROM {table} WHERE kind = %s AND booking_id = ANY(%s::bigint[])",  # noqa: S608
            [kind, booking_ids],
        )
        return dict(cursor.fetchall())
