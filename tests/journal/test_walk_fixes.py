"""Fixes found by a walk through every role: a nurse asks for a missing order (R2); the dose form keeps
its order and dose number after a refusal (N2)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.models import OrderRequest
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import dose_post, make_order, ready_visit, tbe_product

pytestmark = pytest.mark.django_db


def test_r2_a_nurse_asks_for_an_order_and_it_stands_on_the_physicians_list_until_ordered(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a, family_name="Saknarsson")
    visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice)
    product = tbe_product()
    nurse = client_for(cast.alice)
    visit_page = nurse.get(reverse("journal:visit", args=[patient.pk, visit.pk])).content.decode()
    assert 'data-testid="order-request-link"' in visit_page
    url = reverse("journal:order_request", args=[patient.pk]) + f"?besok={visit.pk}"
    response = nurse.post(
        url, {"product": product.pk, "text": "TBE dos 1 enligt önskemål, ingen ordination finns."}
    )
    assert response.status_code == 302
    listing = client_for(cast.bob).get(reverse("journal:assessments")).content.decode()
    assert "SAKNARSSON" in listing and "ingen ordination finns" in listing
    assert reverse("journal:order_create", args=[patient.pk]) in listing
    # The physician orders: the request is answered and leaves the list.
    make_order(cast, patient, product, visit=visit)
    assert OrderRequest.objects.get().answer.order is not None
    assert "SAKNARSSON" not in client_for(cast.bob).get(reverse("journal:assessments")).content.decode()


def test_r2_a_physician_may_answer_a_request_without_an_order(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a, family_name="Avböjsson")
    request = services.order_request_create(patient=patient, user=cast.alice, unit=cast.unit_a, text="HPV?")
    url = reverse("journal:order_request_decline", args=[patient.pk, request.pk])
    assert client_for(cast.bob).post(url, {"reason": "Redan fullvaccinerad enligt NVR."}).status_code == 302
    assert OrderRequest.objects.get().answer.reason == "Redan fullvaccinerad enligt NVR."
    assert client_for(cast.alice).post(url, {"reason": "x"}).status_code == 403  # no ordering right: the door
    assert "AVBÖJSSON" not in client_for(cast.bob).get(reverse("journal:assessments")).content.decode()


def test_n2_the_dose_form_keeps_dos_1_av_3_after_a_refusal(cast):
    """A refused dose (unknown lot, a time in the future, a missing site) is drawn again with its order."""
    ready = ready_visit(cast)
    url = reverse("journal:visit_dose", args=[ready.patient.pk, ready.visit.pk])
    client = client_for(cast.alice)
    later = timezone.localtime(timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    for refused in (
        dose_post(ready, lot="FINNS-INTE"),
        dose_post(ready, given_at=later),
        dose_post(ready, site=""),
    ):
        page = client.post(url, refused).content.decode()
        summary = page[page.index('data-testid="order-summary"') :][:600]
        assert "dos 1" in summary and "av 3 i grundserien" in summary, refused
