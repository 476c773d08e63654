"""The booking rush's two answers, held to their queries, and the public pages' cached reads kept true.

In a rush four of five posts are for a time just taken and one makes a booking (bench/booking.py). Both
read the unit, the visit type, the price list and the billing settings from the public booking cache
(booking/public_cache.py); a change by staff or an administrator must show at once.
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from redis.connection import AbstractConnection

from billing import services as billing_services
from booking import ratelimit
from booking.models import Booking, Slot
from mittvaccin.models import OutboxTask
from tests.booking.factories import VisitTypeFactory
from tests.booking.test_public import book_url, form_data, valid_pnr

pytestmark = pytest.mark.django_db


def _sql(captured) -> str:
    return "\n".join(q["sql"][:150] for q in captured.captured_queries)


def test_r14_a_booking_made_in_a_rush_costs_15_queries_at_most(cast, timebook):
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
    # The slot with the form's key and whether its schedule offers the visit type (one query); the
    # register; the patient looked up once and registered (protection elsewhere, the insert); the slot
    # locked; the booking, its event and the outbox row, with a savepoint around each insert that may
    # meet a constraint (none around the registration and the booking as a whole: the transaction is
    # rolled back whole). The unit, the visit type, the price list and billing's settings come from the
    # cache; the new patient is not locked. Outside a test the outbox's hand-over after the commit adds
    # 3 (BEGIN, one DELETE … RETURNING, COMMIT) (on the bench database: 39 statements three sessions
    # ago, 26 two sessions ago, 20 in the last one, 18 now).
    assert len(sql) <= 15, _sql(captured)
    assert not any('FROM "booking_schedule_visit_types"' in q and "EXISTS" not in q for q in sql), _sql(
        captured
    )
    # (The test's own transaction makes the booking's transaction a third savepoint here.)
    assert sum(q.startswith("SAVEPOINT") for q in sql) == 3, _sql(captured)
    assert sum('FROM "journal_patient" WHERE' in q and "SELECT 1" not in q for q in sql) == 1, _sql(captured)
    assert not any('FROM "mittvaccin_unit"' in q for q in sql), _sql(captured)
    assert not any('"booking_visittype"."online_bookable"' in q for q in sql), _sql(captured)
    assert not any("billing_" in q for q in sql), _sql(captured)
    # One lock: the slot's own row, read in written SQL (its unit and schedule came with the page's read).
    locks = [q for q in sql if q.lstrip().startswith("SELECT") and "FOR UPDATE" in q]
    assert len(locks) == 1, _sql(captured)
    assert '"booking_slot"' in locks[0] and "JOIN" not in locks[0], _sql(captured)
    assert sum("journal_developmentregisterperson" in q for q in sql) == 1, _sql(captured)
    assert not any('COUNT(*) AS "__count" FROM "booking_bookingevent"' in q for q in sql)


def test_r14_a_time_just_taken_is_answered_with_two_queries(cast, timebook):
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
    # The slot with the form's earlier booking (none) in one query, the alternatives: nothing else, no
    # write.
    assert len(captured.captured_queries) <= 2, _sql(captured)
    assert not any(q["sql"].startswith(("INSERT", "UPDATE", "SAVEPOINT")) for q in captured.captured_queries)


def test_a_visit_type_the_times_schedule_does_not_offer_is_refused(cast, timebook):
    other = VisitTypeFactory(unit=cast.unit_a, name="Covid-19", minimum_age_years=0)
    url = reverse("booking:public_book", args=[cast.unit_a.slug, other.pk, timebook.slot.pk])
    response = Client().post(url, form_data(key="other-type"))
    assert response.status_code == 422
    assert "Besökstypen kan inte bokas på den här tiden" in response.content.decode()
    assert not Booking.objects.exists()


def test_a_time_just_taken_is_not_logged_as_a_warning_but_other_refusals_are(cast, timebook, caplog):
    Slot.objects.filter(pk=timebook.slot.pk).update(capacity=1, planned_capacity=1)
    Client().post(book_url(timebook), form_data(key="first"))
    caplog.set_level(logging.INFO, logger="django.request")
    late = Client().post(book_url(timebook), form_data(identity=valid_pnr(dt.date(1970, 1, 1)), key="late"))
    assert late.status_code == 409
    assert not [r for r in caplog.records if r.name == "django.request"]
    # The same page's other 4xx answers are still logged: a refusal of the booking, a time that is no more.
    timebook.visit_type.minimum_age_years = 12
    timebook.visit_type.save()
    later = timebook.slot_at(timebook.slot.starts_at + dt.timedelta(minutes=30))
    child = valid_pnr(timezone.localdate() - dt.timedelta(days=365 * 8))
    assert Client().post(book_url(timebook, later), form_data(identity=child, key="young")).status_code == 422
    missing = reverse("booking:public_book", args=[cast.unit_a.slug, timebook.visit_type.pk, later.pk + 999])
    assert Client().post(missing, form_data(key="gone")).status_code == 404
    logged = [(r.levelname, r.status_code) for r in caplog.records if r.name == "django.request"]
    assert logged == [("WARNING", 422), ("WARNING", 404)]


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


@pytest.fixture
def redis_round_trips(monkeypatch):
    """Every packet of commands sent to Redis (a pipeline or a script is one), as it is sent."""
    sent = []
    send = AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):
        sent.append(b"".join(command) if isinstance(command, list | tuple) else command)
        return send(self, command, check_health)

    monkeypatch.setattr(AbstractConnection, "send_packed_command", counting)
    return sent


def test_the_flood_limits_of_a_booking_post_cost_one_redis_round_trip(redis_round_trips):
    assert ratelimit.booking_allowed("192.0.2.40", "195001011234")  # loads the script on this server
    redis_round_trips.clear()
    assert ratelimit.booking_allowed("192.0.2.40", "195001011234")
    assert len(redis_round_trips) == 1
    redis_round_trips.clear()
    assert ratelimit.address_allowed("192.0.2.40")
    assert len(redis_round_trips) == 1


@override_settings(BOOKING_RATE_LIMIT_PER_ADDRESS=2, BOOKING_RATE_LIMIT_PER_IDENTITY=3)
def test_an_attempt_refused_for_its_address_is_not_counted_against_its_number():
    number = "195002021234"
    assert ratelimit.booking_allowed("192.0.2.41", number)
    assert ratelimit.booking_allowed("192.0.2.41", number)
    assert not ratelimit.booking_allowed("192.0.2.41", number)  # the address's third: refused
    assert not ratelimit.booking_allowed("192.0.2.41", number)
    # The number was counted twice, not four times: its third attempt, from elsewhere, still goes.
    assert ratelimit.booking_allowed("192.0.2.42", number)
    assert not ratelimit.booking_allowed("192.0.2.43", number)
    # An invalid form (no number) counts the address only.
    assert ratelimit.booking_allowed("192.0.2.44", None)
    assert ratelimit.booking_allowed("192.0.2.44", "")
    assert not ratelimit.booking_allowed("192.0.2.44", None)


def test_each_key_keeps_its_window(settings):
    settings.BOOKING_RATE_LIMIT_WINDOW_SECONDS = 600
    assert ratelimit.booking_allowed("192.0.2.45", "195003031234")
    client = ratelimit.caches[ratelimit.COUNTERS].client.get_client()
    for kind, value in (("address", "192.0.2.45"), ("identity", "195003031234")):
        key = ratelimit.caches[ratelimit.COUNTERS].make_key(ratelimit._key(kind, value))
        assert 590 < client.ttl(key) <= 600
        assert int(client.get(key)) == 1


def test_r14_a_time_just_taken_costs_few_redis_round_trips(cast, timebook, redis_round_trips):
    Slot.objects.filter(pk=timebook.slot.pk).update(capacity=1, planned_capacity=1)
    Client().post(book_url(timebook), form_data(key="first"))
    late = Client()
    assert late.get(book_url(timebook)).status_code == 200
    late.post(book_url(timebook), form_data(identity=valid_pnr(dt.date(1971, 1, 1)), key="warm"))
    redis_round_trips.clear()
    response = late.post(book_url(timebook), form_data(identity=valid_pnr(dt.date(1970, 1, 1)), key="late"))
    assert response.status_code == 409
    # The flood limits: one script for both keys. The unit with the visit type (one entry), and the
    # price: each read with the cache's generation in one round trip (a time gone shows no cancellation
    # rule, so billing's settings are not asked). Before: 4 for the limits and 2 for each cached read,
    # 14 in all; then 1 and 3 (the unit and the visit type read apart).
    scripts = [packet for packet in redis_round_trips if b"EVALSHA" in packet]
    reads = [packet for packet in redis_round_trips if b"MGET" in packet]
    assert len(scripts) == 1, redis_round_trips
    assert len(reads) == len(redis_round_trips) - 1 == 2, redis_round_trips


def test_r14_a_form_sent_twice_that_took_the_last_seat_leads_to_its_booking(timebook):
    Slot.objects.filter(pk=timebook.slot.pk).update(capacity=1, planned_capacity=1)
    client = Client()
    first = client.post(book_url(timebook), form_data(key="once"))
    with CaptureQueriesContext(connection) as captured:
        again = client.post(book_url(timebook), form_data(key="once"))
    assert first.status_code == again.status_code == 302
    assert Booking.objects.count() == 1
    # The slot read with the form's key found the booking; only that booking is read besides.
    assert len(captured.captured_queries) == 2, _sql(captured)
    other = Client().post(book_url(timebook), form_data(identity=valid_pnr(dt.date(1972, 1, 1)), key="other"))
    assert other.status_code == 409
