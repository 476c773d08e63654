"""R8, R9: the jobs on a real Celery worker, and a run killed half-way then run again.

Committed data (transactional database): the worker thread and the crash use their own connections.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from billing.models import ArticleKind, Charge, JobKind, JobRun, JobStatus
from billing.services.jobs import job_execute, job_queue, late_cancellation_charge
from billing.tasks import noshow_invoicing
from booking.models import FeeDue
from journal.models import Visit, VisitKind
from tests.billing.factories import (
    adult,
    article_price,
    late_cancellation,
    no_show,
    no_shows_with_the_fourth_held,
    timebook_for,
)

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(condition, what):
    # Waiting for an outcome, not measuring time.
    for _ in range(600):
        result = condition()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting for {what}")


def finished(run_id):
    return wait_for(
        lambda: JobRun.objects.filter(pk=run_id, status__in=[JobStatus.FINISHED, JobStatus.FAILED]).first(),
        "the run to finish",
    )


@pytest.mark.parametrize(
    ("kind", "article", "make"),
    [
        (JobKind.NO_SHOW, ArticleKind.NO_SHOW, "no_show"),
        (JobKind.LATE_CANCELLATION, ArticleKind.LATE_CANCELLATION, "late_cancellation"),
    ],
)
def test_r8_r9_job_runs_on_a_real_worker_and_is_idempotent(cast, celery_worker, kind, article, make):
    article_price(cast.caregiver_a, article, "350")
    timebook = timebook_for(cast.unit_a)
    for _ in range(4):
        if make == "no_show":
            no_show(adult(cast.caregiver_a), cast.unit_a, cast.alice, timebook=timebook)
        else:
            late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=timebook)

    first = finished(job_queue(caregiver=cast.caregiver_a, kind=kind, user=cast.clinic_a).pk)
    second = finished(job_queue(caregiver=cast.caregiver_a, kind=kind, user=cast.clinic_a).pk)
    assert (first.status, first.total, first.processed, first.created) == (JobStatus.FINISHED, 4, 4, 4)
    # The first run took its bookings off the work list: the second reads none of them.
    assert (second.status, second.total, second.created, second.already_done) == (JobStatus.FINISHED, 0, 0, 0)
    assert not FeeDue.objects.exists()
    assert first.started_at and first.finished_at >= first.started_at
    assert Charge.objects.filter(article__kind=article).count() == 4


def test_r8_beat_task_runs_every_caregiver_on_the_worker(cast, celery_worker):
    article_price(cast.caregiver_a, ArticleKind.NO_SHOW, "400")
    no_show(adult(cast.caregiver_a), cast.unit_a, cast.alice, timebook=timebook_for(cast.unit_a))
    noshow_invoicing.delay()
    run = wait_for(
        lambda: JobRun.objects.filter(caregiver=cast.caregiver_a, status=JobStatus.FINISHED).first(),
        "the beat run",
    )
    assert run.created == 1
    assert run.triggered_by is None
    # The task runs the caregivers one after the other: wait for B's run too.
    assert wait_for(
        lambda: JobRun.objects.filter(caregiver=cast.caregiver_b, status=JobStatus.FINISHED).exists(),
        "caregiver B's run",
    )


def test_r8_run_killed_half_way_and_run_again_makes_each_charge_once(cast):
    # Another connection holds an uncommitted visit for the fourth booking: the run (one chunk at a
    # time; two at once: test_jobs_lanes.py) blocks there, after three bookings are committed (one per
    # chunk), and is then killed like a crashed worker.
    bookings, holder, _holder_pid = no_shows_with_the_fourth_held(cast)
    queued = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    crash = {}

    def worker():
        try:
            job_execute(run_id=queued.pk, chunk=1, lanes=1)
        except Exception as error:  # the killed connection ends the run, as a crash would
            crash["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    with connection.cursor() as cursor:
        pid = wait_for(lambda: _blocked_backend(cursor), "the run to block on the held visit")
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    thread.join()
    holder.rollback()
    holder.close()

    assert "error" in crash
    assert Charge.objects.count() == 3
    # The worker process survived the lost connection, so the run says it failed and why. (A worker
    # that dies leaves it running; the next run then marks it interrupted, see test_jobs.py.)
    killed = JobRun.objects.get(pk=queued.pk)
    assert killed.status == JobStatus.FAILED
    assert killed.processed == 3
    assert killed.errors
    # The three committed chunks took their bookings off the work list with their charges; the rest
    # stay on it.
    charged = set(Charge.objects.values_list("booking_id", flat=True))
    assert set(FeeDue.objects.values_list("booking_id", flat=True)) == {b.pk for b in bookings} - charged

    rerun = job_execute(run_id=job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW).pk)
    assert (rerun.total, rerun.created, rerun.already_done) == (3, 3, 0)
    assert not FeeDue.objects.exists()
    for booking in bookings:
        assert Charge.objects.filter(booking_id=booking.pk).count() == 1
        assert Visit.objects.filter(booking_id=booking.pk, kind=VisitKind.NO_SHOW).count() == 1
    with transaction.atomic():
        assert job_execute(run_id=job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW).pk).created == 0


def test_r9_a_booking_charged_by_hand_while_the_run_waits_is_left_to_that_charge(cast):
    """The charge INSERT's one named conflict: a clerk charges a booking by hand (R9's manual path) after
    the run read its page and before the run's insert; the run waits for the clerk's transaction, then
    leaves the booking to the clerk's charge, without an error, and charges the rest."""
    article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")
    timebook = timebook_for(cast.unit_a)
    bookings = [late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=timebook) for _ in range(3)]
    by_hand = bookings[1]
    charged, release, outcome = threading.Event(), threading.Event(), {}

    def clerk():
        try:
            with transaction.atomic():
                late_cancellation_charge(booking=by_hand, user=cast.clinic_a)
                charged.set()
                release.wait(60)
        finally:
            connection.close()

    def worker():
        try:
            outcome["run"] = job_execute(run_id=queued.pk, lanes=1)
        finally:
            connection.close()

    hand = threading.Thread(target=clerk)
    hand.start()
    assert charged.wait(60)
    queued = job_queue(caregiver=cast.caregiver_a, kind=JobKind.LATE_CANCELLATION)
    job = threading.Thread(target=worker)
    job.start()
    try:
        with connection.cursor() as cursor:
            wait_for(lambda: _blocked_backend(cursor), "the run to wait for the clerk's visit")
    finally:
        release.set()
        hand.join()
        job.join()

    done = outcome["run"]
    assert (done.status, done.total, done.processed, done.created, done.error_count) == (
        JobStatus.FINISHED,
        3,
        3,
        2,
        0,
    )
    assert Charge.objects.get(booking_id=by_hand.pk).created_by == cast.clinic_a
    for booking in bookings:
        assert Charge.objects.filter(booking_id=booking.pk).count() == 1
        assert Visit.objects.filter(booking_id=booking.pk, kind=VisitKind.LATE_CANCELLATION).count() == 1


def _blocked_backend(cursor):
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%%journal_visit%%' "
        "AND pid <> pg_backend_pid()"
    )
    row = cursor.fetchone()
    return row[0] if row else None
