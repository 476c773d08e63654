"""A7 on a real Celery worker: run twice, and a run killed half-way then run again, report each dose once.

Committed data (transactional database): the worker thread and the crash use their own connections.
"""

import threading
import time

import pytest
from django.db import connection, connections
from django.urls import reverse

from nvr.models import NvrEntry, NvrReport
from nvr.services import nvr_run
from nvr.tasks import report_all, report_caregiver
from tests.conftest import client_for
from tests.nvr.conftest import given_dose, rows
from tests.worker import wait_for_queued_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def reported_references(recording) -> list[str]:
    return [row["uniqueReference"] for file in recording.delivered for row in rows(file["content"])]


def test_a7_the_job_twice_on_a_real_worker_reports_each_dose_once(cast, celery_worker, recording):
    doses = [given_dose(cast) for _ in range(3)]
    report_caregiver.delay(cast.caregiver_a.pk)
    report_caregiver.delay(cast.caregiver_a.pk)
    report_all.delay()
    wait_for_queued_tasks()
    wait_for_queued_tasks()  # report_all queued one task per caregiver behind the first sentinel
    references = reported_references(recording)
    assert len(references) == 3 == len(set(references))
    assert NvrReport.objects.filter(caregiver=cast.caregiver_a).count() == 1
    assert NvrEntry.objects.filter(vaccination__in=doses).count() == 3


def test_a7_send_now_runs_on_the_worker(cast, celery_worker, recording):
    given_dose(cast)
    response = client_for(cast.admin_a).post(reverse("nvr:send_now"), follow=True)
    assert "Rapporteringen är startad" in response.content.decode()
    wait_for_queued_tasks()
    report = NvrReport.objects.get()
    assert report.triggered_by == cast.admin_a
    assert report.delivered_at is not None


def test_a7_run_killed_half_way_and_run_again_reports_each_dose_once(cast, celery_worker, recording):
    doses = [given_dose(cast) for _ in range(4)]
    blocker = doses[2]
    # Another connection holds an uncommitted claim of the third dose: the run blocks there, after its
    # report row and the first claims are written, and is then killed like a crashed worker.
    holder = connections.create_connection("default")
    holder.set_autocommit(False)
    with holder.cursor() as cursor:
        cursor.execute(
            "INSERT INTO nvr_nvrreport (caregiver_id, number, created_at, file_name, content, checksum, rows,"
            " new_rows, withdrawn_rows, attempts, last_error) VALUES (%s, 999, now(), 'x', '', '', 0, 0, 0, 0, '')"
            " RETURNING id",
            [cast.caregiver_b.pk],
        )
        report_id = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO nvr_nvrentry (report_id, vaccination_id, kind, unique_reference) VALUES (%s, %s, 'new', 'x')",
            [report_id, blocker.pk],
        )
    crash = {}

    def run():
        try:
            nvr_run(caregiver=cast.caregiver_a)
        except Exception as error:  # the killed connection ends the run, as a crash would
            crash["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    with connection.cursor() as cursor:
        pid = wait_for(lambda: _blocked_backend(cursor), "the run to block on the held claim")
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    thread.join()
    holder.rollback()
    holder.close()

    assert "error" in crash
    assert NvrReport.objects.count() == 0
    assert NvrEntry.objects.count() == 0
    assert recording.delivered == []

    report_caregiver.delay(cast.caregiver_a.pk)
    report_caregiver.delay(cast.caregiver_a.pk)
    wait_for_queued_tasks()
    references = reported_references(recording)
    assert sorted(references) == sorted(
        cast.caregiver_a.organisation_number.replace("-", "") + f"-{dose.pk}" for dose in doses
    )


def wait_for(condition, what):
    for _ in range(600):  # waiting for an outcome, not measuring time
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


def _blocked_backend(cursor):
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%%nvr_nvrentry%%' "
        "AND pid <> pg_backend_pid()"
    )
    row = cursor.fetchone()
    return row[0] if row else None
