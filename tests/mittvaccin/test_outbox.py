"""The outbox's hand-over after a commit: one commit's one row is taken and deleted in one statement,
and stays (with its failure noted) when the broker cannot take it."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mittvaccin import outbox
from mittvaccin.models import OutboxTask

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch):
    sent = []
    monkeypatch.setattr(outbox, "_publish", lambda row: sent.append((row.pk, row.task_name, row.args)))
    return sent


def _enqueued(django_capture_on_commit_callbacks, *args):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        row = outbox.enqueue("booking.send_confirmation", *args)
    return row, callbacks


def test_one_commits_one_row_is_handed_over_in_one_statement(django_capture_on_commit_callbacks, published):
    row, callbacks = _enqueued(django_capture_on_commit_callbacks, 7, "confirmation", "ABCD1234", 1)
    [hand_over] = callbacks
    with CaptureQueriesContext(connection) as captured:
        hand_over()
    assert published == [(row.pk, "booking.send_confirmation", [7, "confirmation", "ABCD1234", 1])]
    assert not OutboxTask.objects.exists()
    # (The test's transaction makes the hand-over's own transaction a savepoint here.)
    statements = [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) == 1, statements
    assert statements[0].lstrip().startswith("DELETE") and "SKIP LOCKED" in statements[0]


def test_a_row_the_broker_cannot_take_stays_with_its_failure_noted(
    django_capture_on_commit_callbacks, monkeypatch
):
    row, callbacks = _enqueued(django_capture_on_commit_callbacks, 8, "confirmation", "EFGH5678", 1)

    def broker_away(row):
        raise ConnectionError("Redis is away")

    monkeypatch.setattr(outbox, "_publish", broker_away)
    assert outbox.dispatch(ids=[row.pk]) == 0
    kept = OutboxTask.objects.get()
    assert (kept.pk, kept.task_name, kept.args) == (row.pk, row.task_name, row.args)
    assert kept.attempts == 1
    assert kept.last_error == "ConnectionError: Redis is away"
    assert callbacks  # the hand-over was asked for by the commit


def test_a_row_already_handed_over_is_not_sent_again(django_capture_on_commit_callbacks, published):
    row, _callbacks = _enqueued(django_capture_on_commit_callbacks, 9, "confirmation", "IJKL9012", 1)
    assert outbox.dispatch(ids=[row.pk]) == 1
    assert outbox.dispatch(ids=[row.pk]) == 0
    assert published == [(row.pk, "booking.send_confirmation", [9, "confirmation", "IJKL9012", 1])]


def test_many_rows_of_one_commit_still_go_together_and_a_failure_keeps_the_rest(
    django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(), transaction.atomic():
        rows = outbox.enqueue_many("booking.send_confirmation", [[1], [2], [3]])
    sent = []

    def second_fails(row):
        if row.args == [2]:
            raise ConnectionError("Redis is away")
        sent.append(row.args)

    monkeypatch.setattr(outbox, "_publish", second_fails)
    assert outbox.dispatch(ids=[row.pk for row in rows]) == 1
    assert sent == [[1]]
    assert sorted(OutboxTask.objects.values_list("args", "attempts")) == [([2], 1), ([3], 0)]
