"""The bench loaders (bench/): a regional load streams its rows a chunk at a time and they are the rows
of a whole build; indexes and keys dropped for a load come back as they were; every size but the
default has a database of its own (a 3,000,000-patient run never drops the 300,000 one)."""

from __future__ import annotations

import argparse
import datetime as dt
import random
from collections import defaultdict

import pytest
from django.db import connection

from bench import journal as bench_journal
from bench.rows import Clinic, Histories
from bench.run import BENCH_DB, Context, bench_database_name, gather_context, load_core
from journal.models import Patient

TABLES = (
    "journal_order",
    "journal_visit",
    "journal_healthdeclaration",
    "journal_checkconfirmation",
    "journal_vaccination",
)


def test_the_default_size_keeps_its_database_and_every_other_size_has_its_own():
    assert bench_database_name(300_000) == BENCH_DB
    assert bench_database_name(3_000_000) == f"{BENCH_DB}_p3000000"
    assert bench_database_name(20_000) not in (BENCH_DB, bench_database_name(3_000_000))


class Recording(Context):
    """The bench context on the test database, keeping the rows it is given to COPY."""

    def __init__(self, like: Context):
        super().__init__(
            args=like.args, caregiver_id=like.caregiver_id, unit_ids=like.unit_ids, users=like.users
        )
        self.copied: dict[str, list] = defaultdict(list)
        self.copies = 0

    def copy(self, table, columns, rows) -> int:
        rows = list(rows)
        self.copied[table] += rows
        self.copies += 1
        return len(rows)


@pytest.fixture
def bench(db):
    """The core of a tiny bench load: the bench caregiver, its users and 120 patients (by COPY)."""
    ctx = Context(args=argparse.Namespace(patients=120, journal_history_share=0.25))
    load_core(ctx)
    gather_context(ctx)
    products, batches = bench_journal._catalogue(ctx)
    with connection.cursor() as cursor:
        # The bench loads in autocommit; here the test's transaction still holds the deferred key checks
        # of the rows above, and a table with pending checks cannot lose a key.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    return ctx, products, batches, Clinic.of(ctx)


def test_histories_streamed_in_chunks_are_the_rows_of_the_build_before_streaming(bench, monkeypatch):
    ctx, products, batches, clinic = bench
    first = dict.fromkeys(TABLES, 1)

    def streamed(chunk: int) -> Recording:
        monkeypatch.setattr(Histories, "CHUNK", chunk)
        recording = Recording(ctx)
        bench_journal._histories(recording, Histories(clinic, dict(first)), products, batches)
        return recording

    # The loader before streaming: every patient's draw first, the histories built in one list each.
    rng = random.Random(2026)
    patients = list(
        Patient.objects.filter(caregiver_id=ctx.caregiver_id).values_list("id", "birth_date").order_by("id")
    )
    chosen = [p for p in patients if rng.random() < ctx.args.journal_history_share]
    whole = Histories(clinic, dict(first))
    today = dt.datetime.now(dt.UTC).date()
    for patient_id, birth in chosen:
        bench_journal._history(whole, rng, patient_id, birth, products, batches, today)
    before = Recording(ctx)
    whole.copy(before)

    in_chunks, at_once = streamed(3), streamed(10**9)
    assert len(before.copied["journal_vaccination"]) >= len(chosen) > 10
    assert at_once.copied == before.copied
    assert in_chunks.copied == before.copied
    # Each COPY round is five tables: the small chunk made many rounds, the large one a single one.
    assert at_once.copies == len(TABLES)
    assert in_chunks.copies >= len(TABLES) * len(chosen) // 3


def _definitions(tables: tuple[str, ...]) -> tuple[list, list]:
    """Every index (partitions' too) and foreign key of `tables`, as the catalogue reads them."""
    patterns = [f"{table}%" for table in tables]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename LIKE ANY(%s) ORDER BY 1, 2",
            [patterns],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable, condeferred, "
            "convalidated FROM pg_constraint WHERE contype = 'f' AND conrelid::regclass::text LIKE ANY(%s) "
            "ORDER BY 1, 2",
            [patterns],
        )
        keys = cursor.fetchall()
    return indexes, keys


def test_indexes_and_keys_dropped_for_a_load_come_back_as_they_were(bench):
    ctx = bench[0]
    tables = ("journal_patient", "journal_vaccination", "mittvaccin_accesslogentry")
    indexes, keys = _definitions(tables)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = %s::regclass", [tables[2]]
        )
        partitions = {row[0] for row in cursor.fetchall()}
    assert [row for row in indexes if row[0] in partitions], "the access log's partitions have their indexes"
    assert any(row[0] == "journal_vaccination" for row in keys)

    with ctx.indexes_after(*tables):
        during_indexes, during_keys = _definitions(tables)
        # The rows go in with the unique indexes (and primary keys) only, and no foreign key to check.
        assert len(during_indexes) < len(indexes)
        loaded = [row for row in during_indexes if row[0] in tables or row[0] in partitions]
        assert loaded and all("UNIQUE" in row[2] or "pkey" in row[1] for row in loaded)
        assert not [row for row in during_keys if row[0] in tables]

    assert _definitions(tables) == (indexes, keys)
