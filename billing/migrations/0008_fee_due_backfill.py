"""The jobs' work list (booking.FeeDue) starts with every booking whose fee is due and not yet charged.

From here on booking's triggers add the bookings that become due and the jobs delete the settled ones.
One set-based statement per kind (an anti-join with the charges of the fee's article); the lookback is
left to the jobs, as they read the list.
"""

from django.db import migrations

BACKFILL = """
INSERT INTO booking_feedue (booking_id, kind, due_at)
SELECT b.id, %(kind)s, b.{moment}
  FROM booking_booking b
 WHERE {due}
   AND NOT EXISTS (
       SELECT 1 FROM billing_charge c JOIN billing_article a ON a.id = c.article_id
        WHERE c.booking_id = b.id AND a.kind = %(kind)s)
ON CONFLICT (booking_id) DO NOTHING
"""
# booking.selectors.no_shows and late_cancellations, the one definition of due.
DUE = {
    "no_show": ("no_show_marked_at", "b.status = 'no_show' AND b.no_show_undone_at IS NULL"),
    "late_cancellation": ("cancelled_at", "b.status = 'cancelled' AND b.late_cancellation"),
}


def backfill(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        for kind, (moment, due) in DUE.items():
            cursor.execute(BACKFILL.format(moment=moment, due=due), {"kind": kind})


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_charge_unit_caregiver_fk"),
        ("booking", "0006_fee_due"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
