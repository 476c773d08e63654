"""What the journal's screens say: wording and numbers a clinician reads between patients."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from journal import services
from tests.conftest import client_for
from tests.journal.factories import Ready, batch_for, confirm, declare, ready_visit, register, tbe_product

pytestmark = pytest.mark.django_db


def test_visit_without_declaration_says_none_not_zero_versions(cast, patient_a):
    services.visit_open(patient=patient_a, unit=cast.unit_a, user=cast.alice)
    page = client_for(cast.alice).get(reverse("journal:patient", args=[patient_a.pk])).content.decode()
    assert "ingen hälsodeklaration" in page
    assert "0 versioner" not in page


def test_order_choices_show_the_dose_with_a_decimal_comma(cast):
    ready = ready_visit(cast)
    page = client_for(cast.alice).get(reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]))
    content = page.content.decode()
    assert "0,50 ml" in content
    assert "0.50 ml" not in content


def test_fully_given_order_stays_all_doses_given_after_its_last_valid_day(cast, patient_a):
    product = tbe_product()
    batch = batch_for(cast.caregiver_a, product)
    order = services.order_create(
        patient=patient_a,
        user=cast.bob,
        unit=cast.unit_a,
        product=product,
        dose_ml=Decimal("0.50"),
        doses_total=1,
        valid_until=timezone.localdate() + dt.timedelta(days=1),
    )
    visit = services.visit_open(patient=patient_a, unit=cast.unit_a, user=cast.alice)
    ready = Ready(
        patient_a, visit, product, batch, order, declare(visit, cast.alice), confirm(visit, cast.alice)
    )
    register(cast, ready)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        page = client_for(cast.alice).get(reverse("journal:patient", args=[patient_a.pk]))
    (order_block,) = page.content.decode().split('data-testid="order"')[1:]
    order_block = order_block.split("</div>")[0]
    assert "Alla doser givna" in order_block
    assert "Utgången" not in order_block


def test_order_signed_message_counts_doses_in_plain_swedish(cast, patient_a):
    client = client_for(cast.bob)
    url = reverse("journal:order_create", args=[patient_a.pk])
    product = ready_visit(cast).product
    valid_until = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    one = client.post(
        url, {"product": product.pk, "doses_total": "1", "valid_until": valid_until}, follow=True
    )
    assert "1 dos." in one.content.decode()
    three = client.post(
        url, {"product": product.pk, "doses_total": "3", "valid_until": valid_until}, follow=True
    )
    assert "3 doser." in three.content.decode()
    assert "dos(er)" not in three.content.decode()
