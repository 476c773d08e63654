"""The access log in the benchmark: millions of rows over the last year, and one patient's log review.

    make bench ARGS="--log-rows 2000000"

load(ctx)     makes the monthly partitions of the last 13 months (mittvaccin.partitions) and fills them
              in the database itself: real log rows written by the product (a patient page read per
              bench user) are the templates, copied with another time and patient, so the loader
              follows the table's columns whatever they become.
measure(ctx)  log_review_ms / _ratio / _queries: the administrator's Loggkontroll for one patient over
              the last 365 days.
"""

from __future__ import annotations

import datetime as dt
import time

LOADER_VERSION = 1
# Rows per INSERT … SELECT: one transaction each, so a slow machine shows progress.
STEP = 1_000_000
DAYS = 395


def add_arguments(parser) -> None:
    parser.add_argument(
        "--log-rows",
        type=int,
        default=20_000_000,
        help="access-log rows over the last 13 months (20,000,000)",
    )


def load(ctx) -> None:
    from django.db import connection
    from django.utils import timezone

    from mittvaccin.models import AccessLogEntry, User
    from mittvaccin.partitions import access_log_partitions_ensure

    started = time.perf_counter()
    first = timezone.now() - dt.timedelta(days=DAYS)
    access_log_partitions_ensure(today=first.date(), ahead=17)
    # Template rows: what the product's writer stores for a patient page read, one per bench user (the
    # rows are copied column by column, so the loader follows the table whatever its columns become).
    from journal import access
    from journal.models import Patient
    from mittvaccin.access_log import access_log_record

    patient = Patient.objects.get(pk=ctx.patient_ids[0])

    class _Request:
        META = {"REMOTE_ADDR": "10.1.2.3"}

        def __init__(self, user):
            self.user, self.unit = user, user.default_unit

        def get_full_path(self):
            return f"/patient/{patient.pk}/"

    for user in User.objects.filter(username__in=list(ctx.users.values())).order_by("pk"):
        access_log_record(request=_Request(user), patient=patient, action=access.PATIENT)
    template_ids = list(
        AccessLogEntry.objects.filter(patient_id=patient.pk, action=access.PATIENT.code).values_list(
            "pk", flat=True
        )
    )

    table = AccessLogEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND table_schema = "
            "current_schema() ORDER BY ordinal_position",
            [table],
        )
        columns = [row[0] for row in cursor.fetchall() if row[0] != "id"]
        varied = {
            "at": "%(first)s::timestamptz + (g.i::float8 / %(rows)s) * make_interval(days => %(days)s)",
            "patient_id": "p.id",
            "patient_identity": "p.identity_number",
            "patient_protected": "p.protected_identity",
        }
        select = ", ".join(varied.get(column, f"t.{column}") for column in columns)
        cursor.execute("SELECT count(*) FROM journal_patient WHERE caregiver_id = %s", [ctx.caregiver_id])
        patients = cursor.fetchone()[0]
    rows = ctx.args.log_rows
    ctx.progress(f"  access log: {rows:,} rows over {DAYS} days, {STEP:,} a statement …")
    with ctx.indexes_after(table):
        for start in range(0, rows, STEP):
            with connection.cursor() as cursor:
                # In time order (each partition's indexes on the time grow at their end), patients spread.
                cursor.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608  (bench: names from the catalogue)
                    f"SELECT {select} FROM generate_series(%(start)s, %(stop)s) AS g(i) "
                    "JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, identity_number, protected_identity "
                    "FROM journal_patient WHERE caregiver_id = %(caregiver)s) p ON p.n = (g.i::bigint * 7919) %% %(patients)s "
                    "JOIN (SELECT *, row_number() OVER (ORDER BY id) - 1 AS k FROM "
                    f"{table} WHERE id = ANY(%(templates)s)) t ON t.k = g.i %% %(users)s",
                    {
                        "first": first,
                        "rows": rows,
                        "days": DAYS,
                        "start": start,
                        "stop": min(start + STEP, rows) - 1,
                        "patients": patients,
                        "caregiver": ctx.caregiver_id,
                        "templates": template_ids,
                        "users": len(template_ids),
                    },
                )
            ctx.progress(f"    {min(start + STEP, rows):,} rows, {time.perf_counter() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table}")


def measure(ctx) -> dict:
    import urllib.parse

    from django.utils import timezone

    from journal.models import Patient

    patient = Patient.objects.get(pk=ctx.patient_ids[1])
    today = timezone.localdate()
    query = urllib.parse.urlencode(
        {
            "patient": patient.identity_display,
            "date_from": (today - dt.timedelta(days=365)).isoformat(),
            "date_to": today.isoformat(),
        }
    )
    path = f"/loggkontroll/?{query}"
    admin = ctx.login(ctx.users["admin"])
    review = ctx.timed(admin, "GET", path, max(20, ctx.args.requests // 4), expect=(200,))
    from mittvaccin.models import AccessLogEntry

    return {
        "log_rows": ctx.args.log_rows,
        "log_review_patient_rows": AccessLogEntry.objects.filter(patient_id=patient.pk).count(),
        "log_review_ms": review.median_ms,
        "log_review_p95_ms": review.p95_ms,
        "log_review_ratio": ctx.ratio(review),
        "log_review_fw_ratio": ctx.fw_ratio(review),
        "log_review_queries": ctx.queries(ctx.users["admin"], "GET", path),
    }
