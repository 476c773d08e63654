"""The access log's monthly partitions, made ahead of time (see migration mittvaccin 0005).

The application role may create nothing; it asks the database function `access_log_partition_ensure`
(SECURITY DEFINER, owned by the migrations' role) for each month. A row whose month has no partition
yet still goes in, into the default partition, so a missed run costs speed, never a lost log row.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

MONTHS_AHEAD = 3


def months_from(day: dt.date, count: int) -> list[dt.date]:
    """The first days of `count` months, starting with the month of `day`."""
    first = day.replace(day=1)
    months = []
    for offset in range(count):
        year, month = divmod(first.month - 1 + offset, 12)
        months.append(dt.date(first.year + year, month + 1, 1))
    return months


def access_log_partitions_ensure(*, today: dt.date | None = None, ahead: int = MONTHS_AHEAD) -> list[str]:
    """This month's partition and `ahead` more; returns the partitions that serve them."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    with connection.cursor() as cursor:
        names = []
        for month in months_from(today, ahead + 1):
            cursor.execute("SELECT access_log_partition_ensure(%s)", [month])
            names.append(cursor.fetchone()[0])
    return names


def access_log_partitions() -> list[str]:
    """Every partition of the access log, oldest first (the default partition last)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'mittvaccin_accesslogentry'::regclass ORDER BY c.relname = "
            "'mittvaccin_accesslogentry_default', c.relname"
        )
        return [row[0] for row in cursor.fetchall()]
