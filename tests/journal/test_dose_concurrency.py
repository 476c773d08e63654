"""R1 and R2 when two sendings of the dose form meet: each on its own database connection.

The dose's INSERT has no savepoint of its own: the same form sent twice is found among the patient's
rows read under the visit's lock, and the unique key is the last line of defence, told as "already
signed" once the transaction is undone. The order's count of given doses is read after its lock."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from journal.models import Vaccination
from journal.services import JournalError
from mittvaccin.models import User
from tests.concurrency import race
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import dose_post, ready_visit, register

pytestmark = pytest.mark.django_db(transaction=True)


def test_r1_the_same_dose_sent_twice_at_once_signs_one_and_the_other_is_told_it_is_signed(cast):
    for _round in range(3):
        ready = ready_visit(cast)
        key = uuid.uuid4()
        results = race([lambda r=ready, k=key: register(cast, r, idempotency_key=k)] * 2)
        signed = [r for r in results if isinstance(r, Vaccination)]
        told = [r for r in results if isinstance(r, JournalError)]
        assert len(signed) == 1 and len(told) == 1, results
        assert told[0].existing.pk == signed[0].pk
        assert "redan signerad" in told[0].message
        assert Vaccination.objects.filter(visit=ready.visit).count() == 1


def test_r2_two_doses_at_once_on_the_last_dose_of_an_order_sign_one(cast):
    for _round in range(3):
        ready = ready_visit(cast, doses=1)
        results = race([lambda r=ready: register(cast, r)] * 2)
        signed = [r for r in results if isinstance(r, Vaccination)]
        refused = [r for r in results if isinstance(r, JournalError)]
        assert len(signed) == 1 and len(refused) == 1, results
        assert "Alla 1 doser i ordinationen är redan givna" in refused[0].message
        assert refused[0].existing is None
        assert ready.order.vaccinations.count() == 1


def test_a_key_already_used_for_another_patients_dose_is_told_as_signed_not_a_server_error(cast):
    """The unique constraint's answer: the dose transaction is undone, then the signed row is found."""
    first = ready_visit(cast)
    signed = register(cast, first)
    other = ready_visit(cast, patient=PatientFactory(caregiver=cast.caregiver_a))
    with pytest.raises(JournalError) as refused:
        register(cast, other, idempotency_key=signed.idempotency_key)
    assert refused.value.existing.pk == signed.pk
    assert not Vaccination.objects.filter(visit=other.visit).exists()
    # Through the form: the same answer, and nothing half-done (no dose, no stock movement, no charge).
    url = reverse("journal:visit_dose", args=[other.patient.pk, other.visit.pk])
    response = client_for(cast.alice).post(
        url, dose_post(other, idempotency_key=str(signed.idempotency_key)), follow=True
    )
    assert response.status_code == 200
    assert "redan signerad" in response.content.decode()
    assert not Vaccination.objects.filter(visit=other.visit).exists()
    assert register(cast, other).visit_id == other.visit.pk  # the visit is not left locked or broken


def test_a_dose_the_databases_trigger_refuses_is_told_it_could_not_be_saved(cast):
    """R1 in the database: the dose belongs to the orderer's caregiver, which must be the patient's."""
    ready = ready_visit(cast)
    User.objects.filter(pk=cast.bob.pk).update(caregiver=cast.caregiver_b)
    with pytest.raises(JournalError) as refused:
        register(cast, ready)
    assert "kunde inte sparas" in refused.value.message
    assert refused.value.existing is None
    assert not Vaccination.objects.filter(visit=ready.visit).exists()
