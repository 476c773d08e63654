"""The access log is partitioned by month (migration mittvaccin 0002), partitions are made ahead by a
beat job through a SECURITY DEFINER function, and every partition is append-only."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from mittvaccin.models import AccessLogEntry
from mittvaccin.partitions import access_log_partitions, access_log_partitions_ensure, months_from
from mittvaccin.tasks import access_log_partitions as access_log_partitions_task
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

TABLE = "mittvaccin_accesslogentry"


def partition_of(entry) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT tableoid::regclass::text FROM {TABLE} WHERE id = %s", [entry.pk])  # noqa: S608
        return cursor.fetchone()[0]


def log_row(cast, patient, at):
    return AccessLogEntry.objects.create(
        at=at,
        user=cast.alice,
        caregiver=cast.caregiver_a,
        patient_id=patient.pk,
        patient_identity=patient.identity_number,
        action="journal.patient",
    )


def test_the_log_is_partitioned_by_month_and_a_read_lands_in_its_month(cast, patient_a):
    with connection.cursor() as cursor:
        cursor.execute("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = %s::regclass", [TABLE])
        assert cursor.fetchone() == ("r",)
    client_for(cast.alice).get(reverse("journal:patient", args=[patient_a.pk]))
    entry = AccessLogEntry.objects.get(patient_id=patient_a.pk)
    assert partition_of(entry) == f"{TABLE}_{entry.at.astimezone(dt.UTC):%Y_%m}"


def test_the_beat_job_makes_this_month_and_three_ahead_and_twice_makes_nothing_twice(cast):
    today = timezone.now().astimezone(dt.UTC).date()
    expected = [f"{TABLE}_{month:%Y_%m}" for month in months_from(today, 4)]
    assert access_log_partitions_task() == expected
    assert access_log_partitions_task() == expected
    assert set(expected) <= set(access_log_partitions())


def test_a_month_made_ahead_takes_its_rows(cast, patient_a):
    later = timezone.now() + dt.timedelta(days=400)
    access_log_partitions_ensure(today=later.date(), ahead=0)
    assert partition_of(log_row(cast, patient_a, later)) == f"{TABLE}_{later.astimezone(dt.UTC):%Y_%m}"


def test_a_row_whose_month_has_no_partition_is_kept_in_the_default_partition(cast, patient_a):
    far = timezone.now() + dt.timedelta(days=3650)
    entry = log_row(cast, patient_a, far)
    assert partition_of(entry) == f"{TABLE}_default"
    # Its month is then served by the default partition: the row is never moved (or deleted).
    assert access_log_partitions_ensure(today=far.date(), ahead=0) == [f"{TABLE}_default"]
    assert partition_of(entry) == f"{TABLE}_default"


def test_every_partition_refuses_update_and_delete(cast, patient_a):
    now = timezone.now()
    access_log_partitions_ensure()
    rows = [log_row(cast, patient_a, now), log_row(cast, patient_a, now + dt.timedelta(days=3650))]
    partitions = access_log_partitions()
    assert len(partitions) >= 5
    with connection.cursor() as cursor:
        for name in partitions:
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE %s AND tgenabled = 'O'",
                [name, "pgtrigger_access_log_append_only_%"],
            )
            assert cursor.fetchone() == (1,), name
    for entry in rows:
        partition = partition_of(entry)
        # Straight at the partition, past the partitioned table.
        update = f"UPDATE {partition} SET action = 'x' WHERE id = %s"  # noqa: S608
        delete = f"DELETE FROM {partition} WHERE id = %s"  # noqa: S608
        statements = (update, delete)
        for statement in statements:
            with (
                pytest.raises(DatabaseError, match="access_log_append_only"),
                transaction.atomic(),
                connection.cursor() as cursor,
            ):
                cursor.execute(statement, [entry.pk])
        entry.refresh_from_db()
        assert entry.action == "journal.patient"


def test_partitions_are_made_by_a_security_definer_function_with_a_fixed_search_path(cast):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.prosecdef, p.proconfig, pg_get_userbyid(p.proowner) = pg_get_userbyid(c.relowner),"
            " has_function_privilege('public', p.oid, 'EXECUTE')"
            " FROM pg_proc p, pg_class c WHERE p.proname = 'access_log_partition_ensure' AND c.oid = %s::regclass",
            [TABLE],
        )
        definer, config, same_owner, public_may_run = cursor.fetchone()
    assert definer
    assert "search_path=pg_catalog, pg_temp" in config
    assert same_owner  # the role that owns the table (migrations) owns the function
    assert not public_may_run  # EXECUTE is granted to the application role, not to everyone


def test_a_year_of_one_patients_log_reads_only_that_years_partitions(cast, patient_a):
    access_log_partitions_ensure(today=timezone.localdate() - dt.timedelta(days=400), ahead=16)
    today = timezone.localdate()
    response = client_for(cast.admin_a).get(
        reverse("journal:access_log"),
        {
            "patient": patient_a.identity_display,
            "date_from": (today - dt.timedelta(days=365)).isoformat(),
            "date_to": today.isoformat(),
        },
    )
    assert response.status_code == 200
    entries = AccessLogEntry.objects.filter(
        caregiver=cast.caregiver_a,
        patient_identity=patient_a.identity_number,
        at__gte=timezone.now() - dt.timedelta(days=365),
        at__lt=timezone.now(),
    )
    plan = entries.explain()
    scanned = {name for name in access_log_partitions() if name in plan}
    assert 12 <= len(scanned) <= 13, scanned
    assert f"{TABLE}_default" not in scanned
