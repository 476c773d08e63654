"""The access log becomes a table partitioned by month (PostgreSQL's own range partitioning on `at`).

About partitioning only: the columns stay whatever they are when this runs (the new table is made
LIKE the old one), and so do the indexes and foreign keys (re-created from their definitions).

- One partition per calendar month (UTC), made ahead by the beat job `mittvaccin.access_log_partitions`
  through `access_log_partition_ensure(month)`: a SECURITY DEFINER function owned by the role that runs
  the migrations, with a fixed search_path, so the application role (which may create nothing) can
  ask for the next month. A default partition takes any row whose month has no partition yet, so
  writing the log never fails; such a month then stays in the default partition.
- The primary key is (id, at): PostgreSQL wants the partition key in every unique index; `id` alone
  still comes from one sequence.
- The append-only trigger is created on the partitioned table, which gives it to every partition,
  present and future.
"""

import pgtrigger.compiler
import pgtrigger.migrations
from django.db import migrations, models

TABLE = "mittvaccin_accesslogentry"
OLD = "mittvaccin_accesslogentry_unpartitioned"
# Months made ahead when the table is created; the beat job keeps this many ahead from then on.
MONTHS_AHEAD = 3

ENSURE_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.access_log_partition_ensure(month date) RETURNS text
LANGUAGE plpgsql
SECURITY DEFINER
-- Nothing the caller can create is ever looked up: catalog first, temporary objects last.
SET search_path = pg_catalog, pg_temp
-- Month bounds as UTC timestamps, whatever time zone the caller's session has.
SET TimeZone = 'UTC'
AS $$
DECLARE
    first_day date := date_trunc('month', month)::date;
    lower_bound timestamptz := first_day::timestamp;
    upper_bound timestamptz := (first_day + interval '1 month')::timestamp;
    partition_name text := '{table}_' || to_char(first_day, 'YYYY_MM');
BEGIN
    -- One creator at a time: two workers asking for the same month find it made.
    PERFORM pg_advisory_xact_lock(hashtext('{schema}.{table} partitions'));
    IF to_regclass(format('%I.%I', '{schema_name}', partition_name)) IS NOT NULL THEN
        RETURN partition_name;
    END IF;
    -- Rows of that month already in the default partition stay there (moving them would mean
    -- deleting from the log): the month is then served by the default partition.
    IF EXISTS (
        SELECT 1 FROM {schema}.{table}_default WHERE at >= lower_bound AND at < upper_bound
    ) THEN
        RETURN '{table}_default';
    END IF;
    EXECUTE format(
        'CREATE TABLE %I.%I PARTITION OF %I.%I FOR VALUES FROM (%L) TO (%L)',
        '{schema_name}', partition_name, '{schema_name}', '{table}', lower_bound, upper_bound
    );
    RETURN partition_name;
END;
$$;
REVOKE ALL ON FUNCTION {schema}.access_log_partition_ensure(date) FROM PUBLIC;
"""


def partition(apps, schema_editor):
    connection = schema_editor.connection
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        schema_name = cursor.fetchone()[0]
        schema = quote(schema_name)
        # What to re-create on the new table: every index but the primary key, every foreign key.
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = %s AND tablename = %s "
            "AND indexname <> %s ORDER BY indexname",
            [schema_name, TABLE, f"{TABLE}_pkey"],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
            [f"{schema}.{quote(TABLE)}"],
        )
        foreign_keys = cursor.fetchall()

        cursor.execute(f"ALTER TABLE {schema}.{quote(TABLE)} RENAME TO {quote(OLD)}")
        # LIKE: the same columns, defaults and checks; no identity (a partitioned table cannot have one
        # in PostgreSQL 16), no indexes yet (the old ones still hold their names).
        cursor.execute(
            f"CREATE TABLE {schema}.{quote(TABLE)} (LIKE {schema}.{quote(OLD)} INCLUDING DEFAULTS "
            f"INCLUDING CONSTRAINTS INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE (at)"
        )
        cursor.execute(
            f"CREATE TABLE {schema}.{quote(TABLE + '_default')} PARTITION OF {schema}.{quote(TABLE)} DEFAULT"
        )
        cursor.execute(ENSURE_FUNCTION.format(schema=schema, schema_name=schema_name, table=TABLE))
        cursor.execute(
            f"SELECT {schema}.access_log_partition_ensure(month::date) FROM generate_series("
            f"  date_trunc('month', LEAST(now(), (SELECT min(at) FROM {schema}.{quote(OLD)})) AT TIME ZONE 'UTC'),"
            f"  date_trunc('month', now() AT TIME ZONE 'UTC') + interval '{MONTHS_AHEAD} months',"
            f"  interval '1 month') AS month"
        )
        cursor.execute(f"INSERT INTO {schema}.{quote(TABLE)} SELECT * FROM {schema}.{quote(OLD)}")
        cursor.execute(f"DROP TABLE {schema}.{quote(OLD)}")

        sequence = quote(f"{TABLE}_id_seq")
        cursor.execute(f"CREATE SEQUENCE {schema}.{sequence} OWNED BY {schema}.{quote(TABLE)}.id")
        cursor.execute(
            f"SELECT setval('{schema}.{sequence}', COALESCE((SELECT max(id) FROM {schema}.{quote(TABLE)}), 0) + 1, false)"
        )
        cursor.execute(
            f"ALTER TABLE {schema}.{quote(TABLE)} ALTER COLUMN id SET DEFAULT nextval('{schema}.{sequence}')"
        )
        cursor.execute(f"ALTER TABLE {schema}.{quote(TABLE)} ADD PRIMARY KEY (id, at)")
        for definition in indexes:
            cursor.execute(definition)
        for name, definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {schema}.{quote(TABLE)} ADD CONSTRAINT {quote(name)} {definition}")


class Migration(migrations.Migration):
    dependencies = [
        ("mittvaccin", "0004_patient_register_right"),
    ]

    operations = [
        # The trigger leaves with the old table and comes back on the partitioned one, unchanged.
        pgtrigger.migrations.RemoveTrigger(model_name="accesslogentry", name="access_log_append_only"),
        migrations.RunPython(partition, migrations.RunPython.noop, elidable=False),
        pgtrigger.migrations.AddTrigger(
            model_name="accesslogentry",
            trigger=pgtrigger.compiler.Trigger(
                name="access_log_append_only",
                sql=pgtrigger.compiler.UpsertTriggerSql(
                    func="RAISE EXCEPTION 'pgtrigger: Cannot update or delete rows from % table', TG_TABLE_NAME;",
                    hash="256738bc37a11a8a566387359c99608aab6df58e",
                    operation="UPDATE OR DELETE",
                    pgid="pgtrigger_access_log_append_only_3e5ad",
                    table="mittvaccin_accesslogentry",
                    when="BEFORE",
                ),
            ),
        ),
        # The log review looks a person up by number over a period (journal.views.access_log).
        migrations.AddIndex(
            model_name="accesslogentry",
            index=models.Index(fields=["caregiver", "patient_identity", "-at"], name="accesslog_identity_idx"),
        ),
    ]
