"""mittvaccin.bulk.insert_rows: many rows in one statement, with the model's defaults for what is not given."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mittvaccin.bulk import _literal, insert_rows
from mittvaccin.models import AccessLogEntry, OutboundMessage

pytestmark = pytest.mark.django_db


def test_many_rows_in_one_statement_with_defaults_for_the_rest(cast):
    with CaptureQueriesContext(connection) as captured:
        rows = insert_rows(
            OutboundMessage,
            columns={"recipient": ["a@example.se", "b@example.se"], "body": ["Hej A", "Hej B"]},
            constants={"caregiver_id": cast.caregiver_a.pk, "channel": OutboundMessage.Channel.EMAIL},
            returning=("id",),
        )
    assert len(captured.captured_queries) == 1
    messages = list(OutboundMessage.objects.filter(pk__in=[pk for (pk,) in rows]).order_by("recipient"))
    assert [(m.recipient, m.body) for m in messages] == [("a@example.se", "Hej A"), ("b@example.se", "Hej B")]
    # Not given: the model's defaults ("" for text, the callable's value for the time).
    assert {m.subject for m in messages} == {""}
    assert all(timezone.now() - m.created_at < dt.timedelta(minutes=1) for m in messages)


def test_conflicts_are_skipped_when_asked(cast):
    columns = {"recipient": ["x@example.se"], "body": ["Hej"]}
    constants = {"channel": OutboundMessage.Channel.EMAIL}
    [(first,)] = insert_rows(OutboundMessage, columns=columns, constants=constants, returning=("id",))
    again = insert_rows(
        OutboundMessage,
        columns={"id": [first], **columns},
        constants=constants,
        conflict="(id) DO NOTHING",
        returning=("id",),
    )
    assert again == []
    assert OutboundMessage.objects.filter(pk=first).count() == 1


def test_nothing_to_insert_is_no_statement(cast):
    with CaptureQueriesContext(connection) as captured:
        assert insert_rows(AccessLogEntry, columns={"patient_id": []}) == []
    assert captured.captured_queries == []


STOCKHOLM = dt.timezone(dt.timedelta(hours=1))


@pytest.mark.parametrize(
    ("values", "db_type"),
    [
        ([1, 2**62, -7, None], "bigint"),
        ([Decimal("400.00"), Decimal("0"), Decimal("1E+2"), Decimal("-0.01"), None], "numeric"),
        ([dt.date(2026, 12, 1), dt.date(1, 1, 1), None], "date"),
        (
            [
                dt.datetime(2026, 3, 29, 1, 59, 59, 999999, tzinfo=dt.UTC),
                dt.datetime(2026, 10, 25, 2, 30, tzinfo=STOCKHOLM),
                None,
            ],
            "timestamptz",
        ),
    ],
)
def test_an_array_literal_is_read_back_as_the_values_the_driver_would_send(values, db_type):
    literal = _literal(values)
    assert literal is not None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT %s::{db_type}[], %s::{db_type}[]", [literal, values])
        ours, drivers = cursor.fetchone()
    assert ours == drivers == values


@pytest.mark.parametrize(
    "values",
    [
        ["text"],
        [True, False],
        [1.5],
        [dt.datetime.fromisoformat("2026-12-01T10:00")],
        [1, "1"],
        [dt.time(10)],
    ],
)
def test_other_values_are_left_to_the_driver(values):
    assert _literal(values) is None


def test_a_columns_values_are_prepared_by_the_field_unless_they_are_integers_already(cast):
    # An integer field's ints as they are; anything else through the field (a text number becomes an int).
    [(pk,)] = insert_rows(
        OutboundMessage,
        columns={
            "caregiver_id": [str(cast.caregiver_a.pk)],
            "recipient": ["c@example.se"],
            "body": ["Hej"],
        },
        constants={"channel": OutboundMessage.Channel.EMAIL},
        returning=("id",),
    )
    assert OutboundMessage.objects.get(pk=pk).caregiver_id == cast.caregiver_a.pk
