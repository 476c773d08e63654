"""The booking rush's two answers, held to their queries, and the public pages' cached reads kept true.

In a rush four of five posts are for a time just taken and one makes a booking (bench/booking.py). Both
read the unit, the visit type, the price list and the billing settings from the public booking cache
(booking/public_cache.py); a change by staff or an administrator must show at once.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing import services as billing_services
from booking.models import Booking, Slot
from mittvaccin.models import OutboxTask
from tests.booking.test_public import book_url, form_data, valid_pnr

pytestmark = pytest.mark.django_db


def _sql(captured) -> str:
    return "\n".join(q["sql"][:150] for q in captured.captured_queries)


def test_r14_a_booking_made_in_a_rush_costs_22_queries_at_most(cast, timebook):
    client = Client()
    assert client.get(book_url(timebook)).status_code == 200  # the resident reads the form first
    with CaptureQueriesContext(connection) as captured:
        response = client.post(book_url(timebook), form_data(key="rush"))
    assert response.status_code == 302
    booking = Booking.objects.get()
    # The confirmation is queued with the booking and composed by a worker after the commit.
    assert OutboxTask.objects.filter(task_name="booking.send_confirmation").count() == 1
    assert booking.events.count() == 1
    sql = [q["sql"] for q in captured.captured_queries]
    # The slot; the form's key; the register; the schedule's visit types; the patient looked up and
    # registered (protection elsewhere, the insert); the slot locked; the booking, its event and the
    # outbox row, with the savepoints around the inserts that may meet a constraint (and around the
    # registration and the booking). The unit, the visit type, the price list and billing's settings come
    # from the cache; the new patient is not locked. Outside a test the outbox's hand-over after the
    # commit adds 4 (on the bench database: 39 statements before, 26 now).
    assert len(sql) <= 22, _sql(captured)
    assert not any('FROM "mittvaccin_unit"' in q for q in sql), _sql(captured)
    assert not any('"booking_visittype"."online_bookable"' in q for q in sql), _sql(captured)
    assert not any("billing_" in q for q in sql), _sql(captured)
    assert sum(q.startswith("SELECT") and "FOR UPDATE" in q for q in sql) == 1, _sql(captured)
    assert sum("journal_developmentregisterperson" in q for q in sql) == 1, _sql(captured)
    assert not any('COUNT(*) AS "__count" FROM "booking_bookingevent"' in q for q in sql)


def test_r14_a_time_just_taken_is_answered_with_three_queries(cast, timebook):
    Slot.objects.filter(pk=timebook.slot.pk).update(capacity=1, planned_capacity=1)
    Client().post(book_url(timebook), form_data(key="first"))
    late = Client()
    assert late.get(book_url(timebook)).status_code == 200  # read while it was free: the price is cached
    with CaptureQueriesContext(connection) as captured:
        response = late.post(
            book_url(timebook), form_data(identity=valid_pnr(dt.date(1970, 1, 1)), key="late")
        )
    assert response.status_code == 409
    assert "Tiden är inte längre ledig" in response.content.decode()
    # The slot, the form's earlier booking (none), the alternatives: nothing else, no write.
    assert len(captured.captured_queries) <= 3, _sql(captured)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "SAVEPOINT")) for q in captured.captured_queries)


def test_the_cached_visit_type_follows_the_clinic_turning_off_its_online_booking(timebook):
    client = Client()
    assert client.get(book_url(timebook)).status_code == 200
    timebook.visit_type.online_bookable = False
    timebook.visit_type.save()
    assert client.get(book_url(timebook)).status_code == 404
    assert client.post(book_url(timebook), form_data()).status_code == 404
    assert not Booking.objects.exists()


def test_the_cached_unit_follows_a_new_public_address(cast, timebook):
    client = Client()
    assert client.get(book_url(timebook)).status_code == 200
    old = book_url(timebook)
    cast.unit_a.slug = "ny-adress"
    cast.unit_a.save()
    assert client.get(old).status_code == 404
    assert client.get(book_url(timebook)).status_code == 200


def test_r9_the_cached_billing_settings_follow_the_administrator(cast, timebook):
    url = reverse("booking:public_unit", args=[cast.unit_a.slug])
    client = Client()
    assert "skickas en faktura för sent avbokat eller uteblivet besök" in client.get(url).content.decode()
    row = billing_services.billing_settings_for(cast.caregiver_a)
    row.invoice_late_cancellations = False
    row.invoice_no_shows = False
    row.save()
    page = client.get(url).content.decode()
    assert "skickas en faktura" not in page
    assert "så att någon annan kan få tiden" in page


def test_the_cache_away_every_answer_comes_from_the_database(cast, timebook, settings):
    settings.CACHES = {
        **settings.CACHES,
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
    client = Client()
    assert client.get(book_url(timebook)).status_code == 200
    timebook.visit_type.online_bookable = False
    timebook.visit_type.save()
    assert client.get(book_url(timebook)).status_code == 404
