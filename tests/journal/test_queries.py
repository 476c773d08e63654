"""Query counts do not grow with the length of a patient's history (bench: history_page_queries)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journal import services
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import hepb_product, make_order, ready_visit, register, tbe_product

pytestmark = pytest.mark.django_db


def patient_with_history(cast, doses: int, notes: int):
    patient = PatientFactory(caregiver=cast.caregiver_a, birth_date=dt.date(1970, 1, 1))
    products = [tbe_product(), hepb_product()]
    start = timezone.now() - dt.timedelta(days=10 * doses + 10)
    for index in range(doses):
        ready = ready_visit(cast, patient=patient, product=products[index % 2], doses=1)
        register(
            cast,
            ready,
            given_at=start + dt.timedelta(days=10 * index),
            dose_number=1 + (index // 2) % 20,
            override_reason="Historik i test",
        )
    for index in range(notes):
        note = services.note_create(patient=patient, user=cast.bob, text=f"Anteckning {index}")
        services.note_comment(note=note, user=cast.alice, text="Kommentar")
    services.signal_create(patient=patient, user=cast.bob, kind="other", agent="Signal")
    make_order(cast, patient, products[0])
    return patient


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_patient_page_query_count_is_the_same_for_5_and_50_doses(cast):
    short = patient_with_history(cast, doses=5, notes=2)
    long = patient_with_history(cast, doses=50, notes=20)
    client = client_for(cast.alice)
    client.get(reverse("journal:patient", args=[short.pk]))  # warm the session and caches alike
    few = count_queries(client, reverse("journal:patient", args=[short.pk]))
    many = count_queries(client, reverse("journal:patient", args=[long.pk]))
    assert few == many, (few, many)


def test_visit_screen_query_count_is_the_same_for_5_and_50_doses(cast):
    short = patient_with_history(cast, doses=5, notes=2)
    long = patient_with_history(cast, doses=50, notes=20)
    client = client_for(cast.alice)
    urls = []
    for patient in (short, long):
        visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice)
        urls.append(reverse("journal:visit", args=[patient.pk, visit.pk]))
    client.get(urls[0])
    few = count_queries(client, urls[0])
    many = count_queries(client, urls[1])
    assert few == many, (few, many)
