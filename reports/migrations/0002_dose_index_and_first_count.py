"""The index the recount reads doses through, and every day that already has doses marked for counting.

The index is on the journal's table but serves only the statistics, so it is created here, by the app
that reads through it (a dose is found by caregiver and time; `given` doses only).
"""

from django.db import migrations

INDEX = "reports_vaccination_given_idx"


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON journal_vaccination (caregiver_id, given_at) "
            "WHERE status = 'given'",
            f"DROP INDEX IF EXISTS {INDEX}",
        ),
        migrations.RunSQL(
            "INSERT INTO reports_dirtyday (caregiver_id, day) "
            "SELECT DISTINCT caregiver_id, (given_at AT TIME ZONE 'Europe/Stockholm')::date "
            "FROM journal_vaccination WHERE status = 'given' ON CONFLICT DO NOTHING",
            migrations.RunSQL.noop,
        ),
    ]
