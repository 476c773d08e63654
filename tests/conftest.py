"""The shared cast and harness.

Alice (nurse) and Bob (physician) work at caregiver A; Charlie (nurse) at caregiver B. Every test
talks to the real embedded PostgreSQL and Redis started by `make test`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mittvaccin.celery import app
from mittvaccin.middleware import SESSION_UNIT
from mittvaccin.models import Caregiver, Unit, User
from mittvaccin.rights import Profession, Right
from tests.factories import CaregiverFactory, PatientFactory, UnitFactory, UserFactory


@dataclass
class Cast:
    caregiver_a: Caregiver
    caregiver_b: Caregiver
    unit_a: Unit  # vaccination clinic with timebook and payment solution
    unit_a_no_payment: Unit  # vaccination clinic with timebook, without payment solution
    health_centre_a: Unit  # vaccination is not the main activity
    unit_b: Unit
    alice: User  # nurse, A
    bob: User  # physician, A
    charlie: User  # nurse, B
    clinic_a: User  # clinic staff, A: reviews invoicing, sees no journal
    admin_a: User  # caregiver administrator, A

    def client(self, user: User, unit: Unit | None = None) -> Client:
        return client_for(user, unit)


def client_for(user: User, unit: Unit | None = None) -> Client:
    """A logged-in test client working at `unit` (default: the user's default unit)."""
    client = Client()
    client.force_login(user)
    unit = unit or user.default_unit
    if unit is not None:
        session = client.session
        session[SESSION_UNIT] = unit.pk
        session.save()
    return client


@pytest.fixture
def eager_celery():
    """Tasks queued after commit run at once in the test's own thread (no worker), then the setting is put back."""
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


@pytest.fixture
def cast(db) -> Cast:
    caregiver_a = CaregiverFactory(name="Region A")
    caregiver_b = CaregiverFactory(name="Vårdgivare B")
    unit_a = UnitFactory(caregiver=caregiver_a, name="Vaccinationsmottagningen A")
    unit_a_no_payment = UnitFactory(
        caregiver=caregiver_a, name="Vaccinationsmottagningen A2", payment_solution_configured=False
    )
    health_centre_a = UnitFactory(
        caregiver=caregiver_a,
        name="Vårdcentralen A",
        kind="health_centre",
        vaccination_main_activity=False,
        timebook_enabled=False,
        payment_solution_configured=False,
    )
    unit_b = UnitFactory(caregiver=caregiver_b, name="Vaccinkliniken B")
    return Cast(
        caregiver_a=caregiver_a,
        caregiver_b=caregiver_b,
        unit_a=unit_a,
        unit_a_no_payment=unit_a_no_payment,
        health_centre_a=health_centre_a,
        unit_b=unit_b,
        alice=UserFactory(
            caregiver=caregiver_a,
            username="alice",
            first_name="Alice",
            default_unit=unit_a,
            profession=Profession.NURSE,
        ),
        bob=UserFactory(
            caregiver=caregiver_a,
            username="bob",
            first_name="Bob",
            default_unit=unit_a,
            profession=Profession.PHYSICIAN,
        ),
        charlie=UserFactory(
            caregiver=caregiver_b,
            username="charlie",
            first_name="Charlie",
            default_unit=unit_b,
            profession=Profession.NURSE,
            rights=[str(r) for r in Right],
        ),
        clinic_a=UserFactory(
            caregiver=caregiver_a,
            username="clinic",
            first_name="Cecilia",
            default_unit=unit_a,
            profession=Profession.CLINIC_STAFF,
        ),
        admin_a=UserFactory(
            caregiver=caregiver_a,
            username="admin_a",
            first_name="Adam",
            default_unit=unit_a,
            profession=Profession.ADMINISTRATOR,
        ),
    )


@pytest.fixture
def alice(cast):
    return cast.alice


@pytest.fixture
def bob(cast):
    return cast.bob


@pytest.fixture
def charlie(cast):
    return cast.charlie


@pytest.fixture
def alice_client(cast):
    return client_for(cast.alice)


@pytest.fixture
def bob_client(cast):
    return client_for(cast.bob)


@pytest.fixture
def charlie_client(cast):
    return client_for(cast.charlie)


@pytest.fixture
def admin_client_a(cast):
    return client_for(cast.admin_a)


@pytest.fixture
def at_midday():
    """Run the test at the latest 12:00 (Stockholm) that has passed, with the clock ticking.

    For tests that reason about "a minute ago", "in ten minutes" and "today": run just after midnight,
    a minute ago is yesterday. Never in the future, so the database's own now() stays the later clock.
    """
    now = timezone.localtime()
    midday = now.replace(hour=12, minute=0, second=0, microsecond=0)
    if midday > now:
        midday -= dt.timedelta(days=1)
    with time_machine.travel(midday, tick=True):
        yield midday


@pytest.fixture
def patient_a(cast):
    return PatientFactory(caregiver=cast.caregiver_a, family_name="Andersson", given_names="Astrid")


@pytest.fixture
def protected_patient_a(cast):
    return PatientFactory(
        caregiver=cast.caregiver_a, family_name="Hemlig", given_names="Hanna", protected=True
    )


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and cached sessions never leak from one test into the next."""
    cache.clear()
    return


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker (in a thread of this process) consuming from the test Redis.

    Tests that use it need committed data, hence the transactional database.
    """

    app.conf.task_always_eager = False
    with start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, shutdown_timeout=30
    ) as worker:
        yield worker
