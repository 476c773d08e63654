"""Is the process that runs a job still alive? Asked of PostgreSQL, without waiting for a clock.

While a job runs, its process holds a PostgreSQL advisory lock on a connection of its own. When the
process dies (a killed worker, a lost machine) the server closes that connection and the lock is gone
at once, so the next run can see "running, but nobody holds it" and take over immediately, instead of
waiting for a heartbeat to grow old. The connection is separate from Django's, so nothing Django does
with its own connection (closing it between tasks, a transaction rolling back) releases the lock.
"""

from __future__ import annotations

import contextlib
import logging

import psycopg
from django.db import connections

logger = logging.getLogger(__name__)


def _connect():

    settings_dict = connections["default"].settings_dict
    params = {"dbname": settings_dict["NAME"], "user": settings_dict["USER"], "autocommit": True}
    for key, name in (("HOST", "host"), ("PORT", "port"), ("PASSWORD", "password")):
        if settings_dict.get(key):
            params[name] = settings_dict[key]
    return psycopg.connect(**params, application_name="mittvaccin-liveness")


@contextlib.contextmanager
def held(namespace: int, key: int):
    """Hold the lock (namespace, key) while the block runs. Raises Busy when someone else holds it."""
    conn = _connect()
    acquired = False
    try:
        acquired = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", [namespace, key]).fetchone()[0]
        if not acquired:
            raise Busy(namespace, key)
        yield
    finally:
        if acquired:
            # Released before the answer: a closed session's locks go only once the server has noticed,
            # and a busy server may still show them to the next is_held a moment later.
            with contextlib.suppress(psycopg.Error):
                conn.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])
        conn.close()  # closing the session releases the lock too (a lost connection, a killed worker)


class Busy(Exception):
    pass


def is_held(namespace: int, key: int) -> bool:
    """Whether a live session of this database holds the lock (namespace, key)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            """
            SELECT EXISTS (
                SELECT 1 FROM pg_locks
                WHERE locktype = 'advisory' AND granted AND objsubid = 2
                  AND classid = %s AND objid = %s
                  AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
            )
            """,
            [namespace, key],
        )
        return cursor.fetchone()[0]
