"""R8: the kill-half-way test with a real worker process, killed with SIGKILL in the middle of a run.

The worker is `celery worker` in a process of its own, connected as the application role like the
production worker, doing two chunks at once. The run is held half-way (another connection holds an
uncommitted visit for the fourth and fifth bookings, so each of its two chunk connections waits in the
middle of a chunk), the worker is killed, and the recovery that beat runs
every minute marks the run interrupted at once (its liveness lock died with the worker: no waiting
for a heartbeat to grow old) and continues it on a new worker. Each booking gets one charge.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from billing.models import Charge, JobKind, JobRun, JobStatus
from billing.services.jobs import LIVENESS_NAMESPACE, job_queue, jobs_recover
from booking.models import FeeDue
from journal.models import Visit, VisitKind
from mittvaccin import liveness
from mittvaccin.celery import app
from mittvaccin.models import OutboxTask
from tests.billing.factories import no_shows_with_the_fourth_held

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
# Recorded for the closing note: seconds from the kill to the finished continuation.
FIGURES: dict[str, float] = {}


def wait_for(condition, what, polls=6000):
    # Waiting for an outcome, not measuring time.
    for _ in range(polls):
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def application_database_url() -> str:
    """The test database, as the application role (what DATABASE_URL is for the real worker)."""
    params = connection.settings_dict
    host = quote(params["HOST"] or "", safe="")
    port = f":{params['PORT']}" if params.get("PORT") else ""
    return f"postgres://{settings.DATABASE_APP_ROLE}@{host}{port}/{params['NAME']}"


def start_worker(name: str) -> subprocess.Popen:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_OWNER_URL", "MITTVACCIN_TESTING", "PYTEST_XDIST_WORKER")
    }
    env.update(
        DATABASE_URL=application_database_url(),
        REDIS_URL=settings.REDIS_URL,
        DJANGO_SETTINGS_MODULE="tests.worker_settings",
        MITTVACCIN_ALLOW_DEV_SECRET="1",
    )
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "mittvaccin",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"{name}-{os.getpid()}@test",
        ],
        cwd=ROOT,
        env=env,
    )


def _blocked_by(holder_pid: int) -> int:
    """How many backends wait for the holder's locks (pg_locks, readable by any role, unlike other
    roles' rows of pg_stat_activity)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(DISTINCT pid) FROM pg_locks WHERE NOT granted AND %s = ANY(pg_blocking_pids(pid))",
            [holder_pid],
        )
        return cursor.fetchone()[0]


def test_r8_a_killed_worker_process_is_detected_at_once_and_the_run_continues(cast):

    app.control.purge()  # nothing left over from earlier tests reaches the worker first
    bookings, holder, holder_pid = no_shows_with_the_fourth_held(cast, held=2)
    first_worker = start_worker("doomed")
    second_worker = None
    holder_open = True
    try:
        run = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW, user=cast.clinic_a)
        assert not OutboxTask.objects.exists()  # handed to the broker at commit
        wait_for(lambda: _blocked_by(holder_pid) == 2, "both chunk connections to block half-way")
        assert JobRun.objects.get(pk=run.pk).processed == 3
        assert liveness.is_held(LIVENESS_NAMESPACE, run.pk)

        first_worker.send_signal(signal.SIGKILL)
        killed_at = time.monotonic()
        first_worker.wait(timeout=30)
        holder.rollback()
        holder.close()
        holder_open = False

        dead = JobRun.objects.get(pk=run.pk)
        assert dead.status == JobStatus.RUNNING  # the dead worker could not say anything
        wait_for(
            lambda: not liveness.is_held(LIVENESS_NAMESPACE, run.pk), "the server to notice the dead worker"
        )

        second_worker = start_worker("fresh")
        [continuation] = jobs_recover()  # what beat runs every minute
        dead.refresh_from_db()
        assert dead.status == JobStatus.INTERRUPTED
        finished = wait_for(
            lambda: JobRun.objects.filter(pk=continuation.pk, status=JobStatus.FINISHED).first(),
            "the continuation to finish on the new worker",
        )
        FIGURES["seconds_from_kill_to_finished_rerun"] = round(time.monotonic() - killed_at, 1)
        print(f"\ndead worker figures: {FIGURES}")
    finally:
        if holder_open:
            holder.rollback()
            holder.close()
        for worker in (first_worker, second_worker):
            if worker is not None and worker.poll() is None:
                worker.kill()
                worker.wait(timeout=30)

    # What the dead run committed left the work list with its charges: the continuation reads the rest.
    assert (finished.created, finished.already_done, finished.triggered_by) == (3, 0, cast.clinic_a)
    assert not FeeDue.objects.exists()
    for booking in bookings:
        assert Charge.objects.filter(booking_id=booking.pk).count() == 1
        assert Visit.objects.filter(booking_id=booking.pk, kind=VisitKind.NO_SHOW).count() == 1
    assert jobs_recover() == []  # nothing else to recover


def test_a_running_run_whose_worker_lives_is_never_taken_over(cast):
    run = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    JobRun.objects.filter(pk=run.pk).update(status=JobStatus.RUNNING)
    with liveness.held(LIVENESS_NAMESPACE, run.pk):
        assert jobs_recover() == []
        assert JobRun.objects.get(pk=run.pk).status == JobStatus.RUNNING
    [continuation] = jobs_recover()
    assert JobRun.objects.get(pk=run.pk).status == JobStatus.INTERRUPTED
    assert continuation.status == JobStatus.QUEUED
