"""R8, R9: a run's chunks done two at once, each on a connection of its own (billing/services/jobs_lanes.py).

Committed data (transactional database): the lanes' connections see only what is committed. A run the
caller starts inside a transaction stays on the caller's connection (every test of test_jobs.py).
"""

import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from billing.models import ArticleKind, Charge, JobKind, JobRun, JobStatus
from billing.services.jobs import job_execute, job_queue
from billing.services.jobs_lanes import run_in_lanes
from booking.models import FeeDue
from journal.models import Visit, VisitKind
from tests.billing.factories import (
    adult,
    article_price,
    late_cancellation,
    no_shows_with_the_fourth_held,
    ready_caregiver,
    timebook_for,
)
from tests.billing.test_jobs_worker import _blocked_backend, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_r8_r9_two_lanes_charge_each_booking_once_with_the_runs_figures(cast):
    ready_caregiver(cast.caregiver_a, exempt_short_notice_bookings=True)
    article_price(cast.caregiver_a, ArticleKind.LATE_CANCELLATION, "300")
    timebook = timebook_for(cast.unit_a)
    due = [late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=timebook) for _ in range(7)]
    late_cancellation(
        adult(cast.caregiver_a), cast.unit_a, hours_before=5, made_hours_before=8, timebook=timebook
    )
    late_cancellation(
        adult(cast.caregiver_a), cast.unit_a_no_payment, timebook=timebook_for(cast.unit_a_no_payment)
    )
    late_cancellation(adult(cast.caregiver_a), cast.unit_a, timebook=timebook, identity_verified=False)

    queued = job_queue(caregiver=cast.caregiver_a, kind=JobKind.LATE_CANCELLATION, user=cast.clinic_a)
    with CaptureQueriesContext(connection) as here:
        done = job_execute(run_id=queued.pk, chunk=2, lanes=2)
    # The charges were written on the lanes' connections, not on this one.
    assert not [q["sql"] for q in here.captured_queries if "INSERT INTO" in q["sql"]]
    assert (done.status, done.total, done.processed, done.created, done.error_count) == (
        JobStatus.FINISHED,
        7,
        7,
        7,
        0,
    )
    assert (done.skipped_exception, done.skipped_no_invoicing, done.to_review) == (1, 1, 1)
    assert "1 webbokningar" in done.errors[0]["message"]
    for booking in due:
        [charge] = Charge.objects.filter(booking_id=booking.pk)
        assert charge.visit.kind == VisitKind.LATE_CANCELLATION
        assert charge.visit.booking_id == booking.pk
        assert charge.patient_id == booking.patient_id
        assert (charge.unit_id, charge.caregiver_id) == (cast.unit_a.pk, cast.caregiver_a.pk)
        assert charge.created_by == cast.clinic_a
    assert Charge.objects.count() == 7

    again = job_execute(
        run_id=job_queue(caregiver=cast.caregiver_a, kind=JobKind.LATE_CANCELLATION).pk, chunk=2, lanes=2
    )
    assert (again.status, again.total, again.processed, again.created, again.already_done) == (
        JobStatus.FINISHED,
        0,
        0,
        0,
        0,
    )
    # The charged ones left the work list; the skipped ones stay on it and are looked at every run.
    assert (again.skipped_exception, again.skipped_no_invoicing, again.to_review) == (1, 1, 1)
    assert FeeDue.objects.count() == 3
    assert Charge.objects.count() == 7
    assert Visit.objects.filter(kind=VisitKind.LATE_CANCELLATION).count() == 7


def test_r8_a_lane_whose_connection_dies_loses_its_chunk_only_and_the_rerun_does_the_rest(cast):
    # The fourth booking's visit is held by another connection: the lane that takes it waits, the other
    # lane goes on with the fifth and the sixth. Then the waiting lane's connection is killed.
    bookings, holder, _holder_pid = no_shows_with_the_fourth_held(cast)
    held = sorted(bookings, key=lambda b: (b.starts_at, b.pk))[3]
    queued = job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW)
    crash = {}

    def worker():
        try:
            job_execute(run_id=queued.pk, chunk=1, lanes=2)
        except Exception as error:  # the killed connection ends the run, as a crash would
            crash["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        wait_for(lambda: JobRun.objects.get(pk=queued.pk).processed == 5, "the other lane to do the rest")
        with connection.cursor() as cursor:
            pid = wait_for(lambda: _blocked_backend(cursor), "a lane to wait for the held visit")
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        thread.join()
    finally:
        holder.rollback()
        holder.close()

    assert isinstance(crash["error"], OperationalError)
    killed = JobRun.objects.get(pk=queued.pk)
    assert killed.status == JobStatus.FAILED
    assert (killed.processed, killed.created) == (5, 5)
    assert killed.errors
    # Only the killed lane's chunk is missing: no charge and no visit of the held booking.
    assert not Charge.objects.filter(booking_id=held.pk).exists()
    assert not Visit.objects.filter(booking_id=held.pk).exists()
    assert Charge.objects.count() == 5

    rerun = job_execute(
        run_id=job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW).pk, chunk=1, lanes=2
    )
    assert (rerun.status, rerun.created, rerun.already_done) == (JobStatus.FINISHED, 1, 0)
    assert not FeeDue.objects.exists()
    for booking in bookings:
        assert Charge.objects.filter(booking_id=booking.pk).count() == 1
        assert Visit.objects.filter(booking_id=booking.pk, kind=VisitKind.NO_SHOW).count() == 1


def test_a_failing_lane_stops_the_others_after_the_page_they_hold():
    done, read, failing = [], [], threading.Event()

    def pages():
        for page in range(10_000):
            read.append(page)
            yield page

    def work(_state, page):
        if page == 1:
            failing.set()
            raise RuntimeError("lane lost")
        if page == 0:
            failing.wait(timeout=30)  # the other lane fails while this one holds its page
        done.append(page)

    with pytest.raises(RuntimeError, match="lane lost"):
        run_in_lanes(pages(), work, lanes=2, start=object)
    # The page held when the other failed was finished; the reading stopped soon after the failure.
    assert 0 in done
    assert 1 not in done
    assert len(read) < 10_000


def test_an_error_while_reading_the_pages_stops_the_lanes():
    def pages():
        yield from range(3)
        raise OSError("reading failed")

    done = []
    with pytest.raises(OSError, match="reading failed"):
        run_in_lanes(pages(), lambda _state, page: done.append(page), lanes=2, start=object)
    assert set(done) <= {0, 1, 2}


def test_a_lane_works_in_the_callers_language_and_time_zone():
    seen = []

    def work(_state, _page):
        seen.append((translation.get_language(), str(timezone.get_current_timezone())))

    with translation.override("en"), timezone.override(ZoneInfo("America/New_York")):
        run_in_lanes(range(4), work, lanes=2, start=object)
    assert seen == [("en", "America/New_York")] * 4
