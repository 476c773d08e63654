"""Keeping the dose roll-up up to date: recount the days the triggers marked, set-based, in batches.

The claim (DELETE … RETURNING of the marks) and the recount of those days and their blocks are one
transaction, so a dose committed meanwhile either is counted now or leaves its mark for the next run (each
statement leaves a mark of its own; see reports.models.DirtyDay). Safe to run twice and concurrently: the
claim takes each mark once, and the refreshes take turns (an advisory lock per batch).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from reports.models import AGE_BANDS, LOCAL_TIME_ZONE, UNKNOWN_AGE_BAND

# Days recounted per transaction: a full rebuild of a region's history goes in slices this size.
DAYS_PER_BATCH = 400


def _age_band_sql(age: str) -> str:
    cases = " ".join(
        f"WHEN {age} >= {low} THEN {index}" for index, (low, _label) in reversed(list(enumerate(AGE_BANDS)))
    )
    # A dose dated before the birth date is bad data: counted, under "unknown" age.
    return f"CASE WHEN {age} IS NULL OR {age} < 0 THEN {UNKNOWN_AGE_BAND} {cases} END"


_DAY = f"(v.given_at AT TIME ZONE '{LOCAL_TIME_ZONE}')::date"
_AGE = f"date_part('year', age({_DAY}, p.birth_date))"

RECOUNT_SQL = f"""
INSERT INTO reports_dosetally
    (caregiver_id, unit_id, day, product_id, age_band, campaign_id, doses, list_value, charged)
SELECT v.caregiver_id, v.unit_id, {_DAY}, v.product_id, {_age_band_sql(_AGE)}, c.campaign_id,
       count(*), coalesce(sum(c.list_price), 0), coalesce(sum(c.amount), 0)
FROM unnest(%s::bigint[], %s::timestamptz[], %s::timestamptz[]) AS d(caregiver_id, starts, ends)
-- LATERAL … OFFSET 0: each marked day is one range scan of the partial index on (caregiver_id, given_at).
CROSS JOIN LATERAL (
    SELECT * FROM journal_vaccination v
    WHERE v.caregiver_id = d.caregiver_id AND v.status = 'given'
      AND v.given_at >= d.starts AND v.given_at < d.ends
    OFFSET 0
) AS v
JOIN journal_patient p ON p.id = v.patient_id
LEFT JOIN billing_charge c
  ON c.vaccination_id = v.id AND c.status NOT IN ('removed', 'cancelled', 'credited')
WHERE NOT EXISTS (SELECT 1 FROM journal_vaccinationenteredinerror e WHERE e.vaccination_id = v.id)
GROUP BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608 - no user input; the f-string only places constants


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The local day as an instant range (computed here once, not per row in the database)."""
    zone = ZoneInfo(LOCAL_TIME_ZONE)
    start = dt.datetime.combine(day, dt.time.min, zone)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, zone)


# A block (reports.DoseBlock) is the days of one week that lie in one month; its first day is a Monday or
# the 1st of a month. The same expression is the page's (reports.selectors) and the migration's.
BLOCK_OF_DAY = "greatest(date_trunc('week', {day}::timestamp), date_trunc('month', {day}::timestamp))::date"

# The blocks of the recounted days, summed again from their day rows (a block lies within 7 days of its
# first day). `free` is counted per day row, as the page counted it over the day rows.
_BLOCKS = f"""
SELECT DISTINCT d.caregiver_id, {BLOCK_OF_DAY.format(day="d.day")} AS block
FROM unnest(%s::bigint[], %s::date[]) AS d(caregiver_id, day)
"""  # noqa: S608 - no user input; the f-string only places constants

UNBLOCK_SQL = f"""
DELETE FROM reports_doseblock b USING ({_BLOCKS}) AS blocks
WHERE b.caregiver_id = blocks.caregiver_id AND b.block = blocks.block
"""  # noqa: S608

REBLOCK_SQL = f"""
INSERT INTO reports_doseblock
    (caregiver_id, unit_id, block, product_id, age_band, campaign_id, doses, free, list_value, charged)
SELECT t.caregiver_id, t.unit_id, blocks.block, t.product_id, t.age_band, t.campaign_id,
       sum(t.doses), coalesce(sum(t.doses) FILTER (WHERE t.charged = 0), 0), sum(t.list_value), sum(t.charged)
FROM ({_BLOCKS}) AS blocks
JOIN reports_dosetally t
  ON t.caregiver_id = blocks.caregiver_id AND t.day >= blocks.block AND t.day < blocks.block + 7
 AND {BLOCK_OF_DAY.format(day="t.day")} = blocks.block
GROUP BY t.caregiver_id, t.unit_id, blocks.block, t.product_id, t.age_band, t.campaign_id
"""  # noqa: S608


def dose_blocks_sum(cursor, caregivers: list[int], days: list[dt.date]) -> None:
    """Sum the blocks of these (caregiver, day)s again from the day roll-up."""
    cursor.execute(UNBLOCK_SQL, [caregivers, days])
    cursor.execute(REBLOCK_SQL, [caregivers, days])


# One refresh at a time (a transaction-level lock, per batch): two recounting the same day or block at
# once would each insert its rows, and the unique keys would refuse the second.
_REFRESH_LOCK = 0x5245504F  # "REPO"


def tallies_refresh(*, batch: int = DAYS_PER_BATCH) -> int:
    """Recount every marked day and its block; returns how many (caregiver, day) pairs were recounted."""
    total = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_REFRESH_LOCK])
            # Each statement that changed a day left its own mark; this takes the marks it sees (a mark of a
            # transaction still open is not seen and stays for the next run).
            cursor.execute(
                """
                WITH claimed AS (
                    DELETE FROM reports_dirtyday WHERE id IN (
                        SELECT id FROM reports_dirtyday ORDER BY caregiver_id, day LIMIT %s FOR UPDATE SKIP LOCKED
                    ) RETURNING caregiver_id, day
                )
                SELECT DISTINCT caregiver_id, day FROM claimed
                """,
                [batch],
            )
            claimed = cursor.fetchall()
            if not claimed:
                break
            caregivers = [row[0] for row in claimed]
            days = [row[1] for row in claimed]
            cursor.execute(
                "DELETE FROM reports_dosetally t USING unnest(%s::bigint[], %s::date[]) AS d(caregiver_id, day) "
                "WHERE t.caregiver_id = d.caregiver_id AND t.day = d.day",
                [caregivers, days],
            )
            starts, ends = zip(*(_bounds(day) for day in days), strict=True)
            cursor.execute(RECOUNT_SQL, [caregivers, list(starts), list(ends)])
            dose_blocks_sum(cursor, caregivers, days)
            now = timezone.now()
            cursor.execute(
                "INSERT INTO reports_tallystate (caregiver_id, refreshed_at) "
                "SELECT DISTINCT unnest(%s::bigint[]), %s "
                "ON CONFLICT (caregiver_id) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at",
                [caregivers, now],
            )
            total += len(claimed)
    _stamp_all()
    return total


def _stamp_all() -> None:
    """Every caregiver's figures are current as of now (also those with nothing to recount)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reports_tallystate (caregiver_id, refreshed_at) SELECT id, %s FROM mittvaccin_caregiver "
            "ON CONFLICT (caregiver_id) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at",
            [timezone.now()],
        )


def tallies_rebuild() -> int:
    """Mark every day that has doses and recount them all (the nightly safety net, and after a restore)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO reports_dirtyday (caregiver_id, day) "  # noqa: S608
            f"SELECT DISTINCT v.caregiver_id, {_DAY} FROM journal_vaccination v WHERE v.status = 'given' "
            "UNION SELECT caregiver_id, day FROM reports_dosetally "
            "UNION SELECT caregiver_id, block FROM reports_doseblock"
        )
    return tallies_refresh()


# Folds the rows of differences that the booking and slot triggers appended for one unit and day into
# one row (a day with no figures left is dropped). A booking written meanwhile appends a row this
# statement does not see, so it stays for the next fold; two folds at once each fold only what they deleted.
FOLD_BOOKING_DAYS_SQL = """
WITH many AS (SELECT unit_id, day FROM reports_bookingday GROUP BY 1, 2 HAVING count(*) > 1),
gone AS (
    DELETE FROM reports_bookingday b USING many WHERE b.unit_id = many.unit_id AND b.day = many.day
    RETURNING b.unit_id, b.day, b.bookings, b.no_shows, b.late, b.capacity, b.booked
)
INSERT INTO reports_bookingday (unit_id, day, bookings, no_shows, late, capacity, booked)
SELECT unit_id, day, sum(bookings), sum(no_shows), sum(late), sum(capacity), sum(booked) FROM gone
GROUP BY 1, 2
HAVING sum(bookings) <> 0 OR sum(no_shows) <> 0 OR sum(late) <> 0 OR sum(capacity) <> 0 OR sum(booked) <> 0
"""


def booking_days_fold() -> int:
    """One row per unit and day again (from beat, with the dose roll-up); returns the days folded."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FOLD_BOOKING_DAYS_SQL)
        return cursor.rowcount


# As the booking fold, for the money roll-up's rows of differences (a key's due date may be empty).
FOLD_MONEY_DAYS_SQL = """
WITH many AS (
    SELECT caregiver_id, unit_id, invoice_date, due_date FROM reports_moneyday GROUP BY 1, 2, 3, 4 HAVING count(*) > 1
), gone AS (
    DELETE FROM reports_moneyday m USING many
    WHERE m.caregiver_id = many.caregiver_id AND m.unit_id = many.unit_id AND m.invoice_date = many.invoice_date
      AND m.due_date IS NOT DISTINCT FROM many.due_date
    RETURNING m.caregiver_id, m.unit_id, m.invoice_date, m.due_date, m.invoiced, m.credited, m.paid, m.owed
)
INSERT INTO reports_moneyday (caregiver_id, unit_id, invoice_date, due_date, invoiced, credited, paid, owed)
SELECT caregiver_id, unit_id, invoice_date, due_date, sum(invoiced), sum(credited), sum(paid), sum(owed) FROM gone
GROUP BY 1, 2, 3, 4
HAVING sum(invoiced) <> 0 OR sum(credited) <> 0 OR sum(paid) <> 0 OR sum(owed) <> 0
"""


def money_days_fold() -> int:
    """One row per unit, invoice date and due date again (from beat, with the others); returns the keys folded."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(FOLD_MONEY_DAYS_SQL)
        return cursor.rowcount
