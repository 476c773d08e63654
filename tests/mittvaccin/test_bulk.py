"""mittvaccin.bulk.insert_rows: many rows in one statement, with the model's defaults for what is not given."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mittvaccin.bulk import insert_rows
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
