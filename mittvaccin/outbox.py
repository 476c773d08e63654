"""Work that must reach Celery after a commit, even when Redis is away at that moment.

`enqueue(task, *args)` inside a service's transaction writes an OutboxTask row with the change; after
the commit the row is handed to the broker and deleted. When Redis is away the hand-over fails
quietly (the page still answers), the row stays, and the beat job `mittvaccin.outbox_flush` hands it
over once Redis is back. Nothing is lost between the commit and the broker: the row is in the same
transaction as the change that needed the work.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from mittvaccin.celery import app
from mittvaccin.models import OutboxTask

logger = logging.getLogger(__name__)

# The flush leaves younger rows to the hand-over that their own commit started.
FLUSH_AFTER = dt.timedelta(seconds=30)
BATCH = 200


def _name(task) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task, *args) -> OutboxTask:
    """Run `task(*args)` on a worker after the current transaction commits (args must be JSON)."""
    row = OutboxTask.objects.create(task_name=_name(task), args=list(args))
    transaction.on_commit(lambda: dispatch(ids=[row.pk]), robust=True)
    return row


def enqueue_many(task, argument_lists) -> list[OutboxTask]:
    rows = OutboxTask.objects.bulk_create(
        [OutboxTask(task_name=_name(task), args=list(args)) for args in argument_lists]
    )
    if rows:
        ids = [row.pk for row in rows]
        transaction.on_commit(lambda: dispatch(ids=ids), robust=True)
    return rows


def _publish(row: OutboxTask) -> None:

    if app.conf.task_always_eager:
        # Celery's eager mode (tests) runs a task in place; send_task alone would ignore it.
        app.tasks[row.task_name].apply(args=row.args, throw=True)
        return
    # No retries here: with Redis away the row simply waits for the next flush.
    app.send_task(row.task_name, args=row.args, retry=False)


def _broker_failed(row: OutboxTask, error: Exception, sent: int) -> None:
    OutboxTask.objects.filter(pk=row.pk).update(
        attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:500]
    )
    logger.warning("outbox: %s waits for the broker (%s); %s handed over", row.task_name, error, sent)


# One commit's one row (a booking's confirmation, on every booking made): taken and deleted in one
# statement instead of a locking read and a delete. The delete stays uncommitted until the broker has
# the task, so a failed publish (or a process that dies) rolls it back and the row waits for the flush.
_TAKE_ONE = f"""
DELETE FROM "{OutboxTask._meta.db_table}" WHERE "id" =
    (SELECT "id" FROM "{OutboxTask._meta.db_table}" WHERE "id" = %s FOR UPDATE SKIP LOCKED)
RETURNING "id", "task_name", "args"
"""  # noqa: S608  (the model's own table name, no input)


def _hand_over_one(pk: int) -> int:
    failed = None
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(_TAKE_ONE, [pk])
            taken = cursor.fetchone()
        if taken is None:  # a flush has it (locked) or has already sent it
            return 0
        row_id, task_name, args = taken
        row = OutboxTask(
            pk=row_id, task_name=task_name, args=json.loads(args) if isinstance(args, str) else args
        )
        try:
            _publish(row)
        except Exception as error:  # the broker is away: the delete is undone, the row waits
            failed = error
            transaction.set_rollback(True)
    if failed is not None:
        _broker_failed(row, failed, 0)
        return 0
    return 1


def dispatch(*, ids=None, older_than: dt.timedelta | None = None) -> int:
    """Hand waiting rows to the broker; returns how many went. Stops at the first broker failure.

    A row is locked while it is handed over (SKIP LOCKED: two flushes never send the same row), and
    deleted in the same transaction; the lock covers only that one quick hand-over.
    """
    if ids is not None and len(ids) == 1 and older_than is None:
        return _hand_over_one(ids[0])
    rows = OutboxTask.objects.order_by("pk")
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    if older_than is not None:
        rows = rows.filter(created_at__lte=timezone.now() - older_than)
    sent = 0
    while True:
        with transaction.atomic():
            batch = list(rows.select_for_update(skip_locked=True)[:BATCH])
            if not batch:
                return sent
            done = []
            failed = None
            for row in batch:
                try:
                    _publish(row)
                except Exception as error:  # the broker is away: keep the rows, say so once
                    failed = (row, error)
                    break
                done.append(row.pk)
            OutboxTask.objects.filter(pk__in=done).delete()
            sent += len(done)
            if not failed and ids is not None and len(ids) <= BATCH:
                # One commit's rows fit one pass: what it skipped is another flush's, which hands it
                # over; asking again would find nothing (two more round trips on every booking).
                return sent
            if failed:
                _broker_failed(*failed, sent)
                return sent


def flush() -> int:
    """The beat job: hand over what waited (Redis was away, or the process died after its commit)."""
    return dispatch(older_than=FLUSH_AFTER)


def ready() -> None:
    """Build now what a process's first hand-over would build: every app's tasks (as the Celery worker
    imports them), the task registry bound to the app, and the message and transport machinery. No
    connection to the broker is opened. A web worker calls this at start-up (mittvaccin/wsgi.py):
    otherwise its first booking built it all, part of it inside the booking's transaction (`enqueue`
    names the task), about 150 ms of CPU once per worker, in the middle of a booking rush.
    """
    app.autodiscover_tasks(force=True)
    app.finalize(auto=True)
    app.amqp  # noqa: B018  (a cached property: builds the message machinery)
    app.backend  # noqa: B018  (likewise: the result backend, disabled here)
    with app.connection_for_write() as broker:
        broker.transport  # noqa: B018  (imports and builds the transport; connects nothing)


def waiting() -> int:
    return OutboxTask.objects.count()
