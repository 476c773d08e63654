"""R7, A5: protected identity after registration: the register's answer, marking by hand, lifting, audit."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.db import DatabaseError, transaction
from django.urls import reverse

from journal import services
from journal.models import Patient, ProtectionChange
from journal.population_register import LocalPopulationRegister
from journal.schedules import BEAT_SCHEDULE
from mittvaccin.messaging import send_sms
from mittvaccin.models import OutboundMessage
from mittvaccin.settings import BASE_DIR
from tests.conftest import client_for
from tests.factories import PatientFactory, register_person
from tests.journal.test_patients import register as register_by_form

pytestmark = pytest.mark.django_db

NUMBER = "198504129860"


def test_r7_staff_registration_asks_the_register_and_stores_no_contact_of_a_protected_person(cast):
    register_person(NUMBER, protected=True)
    client = client_for(cast.alice)
    response = register_by_form(client)
    patient = Patient.objects.get(identity_number=NUMBER)
    assert patient.protected_identity
    assert (patient.address, patient.postal_code, patient.city, patient.phone, patient.email) == ("",) * 5
    change = ProtectionChange.objects.get(patient=patient)
    assert (change.source, change.user) == (ProtectionChange.Source.REGISTER, cast.alice)
    assert "skyddad identitet" in change.register_answer
    page = client.get(response["Location"]).content.decode()
    assert "Folkbokföringen anger skyddad identitet" in page
    assert "Storgatan" not in page


def test_r7_staff_registration_of_a_person_the_register_does_not_protect_keeps_the_contact(cast):
    register_person(NUMBER, protected=False)
    register_by_form(client_for(cast.alice))
    patient = Patient.objects.get(identity_number=NUMBER)
    assert not patient.protected_identity and patient.address == "Storgatan 1"
    assert not ProtectionChange.objects.exists()


def test_r7_the_development_register_answers_only_from_its_own_table(cast):
    marked = PatientFactory(caregiver=cast.caregiver_b, protected=True)
    assert LocalPopulationRegister().lookup(marked.identity_number) is None
    register_person(marked.identity_number, protected=True, family_name="Hemlig")
    person = LocalPopulationRegister().lookup(marked.identity_number)
    assert person.protected_identity and person.family_name == "Hemlig"


def test_r7_a_person_marked_elsewhere_is_registered_as_protected(cast):
    PatientFactory(caregiver=cast.caregiver_b, identity_number=NUMBER, protected=True)
    register_by_form(client_for(cast.alice))
    patient = Patient.objects.get(caregiver=cast.caregiver_a, identity_number=NUMBER)
    assert patient.protected_identity and patient.phone == ""
    assert ProtectionChange.objects.get(patient=patient).source == ProtectionChange.Source.OTHER_CAREGIVER


def test_a5_marking_by_hand_needs_a_reason_and_changes_nothing_without_one(cast, patient_a):
    url = reverse("journal:protection", args=[patient_a.pk])
    response = client_for(cast.alice).post(url, {"action": "mark", "mark-reason": "kort"})
    assert response.status_code == 422
    assert "minst 5 tecken" in response.content.decode()
    patient_a.refresh_from_db()
    assert not patient_a.protected_identity and patient_a.address


def test_a5_marking_by_hand_removes_every_contact_and_is_shown_in_the_history(cast, patient_a):

    send_sms(to=patient_a.phone, body="Hej", caregiver=cast.caregiver_a, patient_id=patient_a.pk)
    client = client_for(cast.alice)
    url = reverse("journal:protection", args=[patient_a.pk])
    response = client.post(url, {"action": "mark", "mark-reason": "Visade beslut från Skatteverket"})
    assert response.status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.protected_identity and (patient_a.phone, patient_a.email, patient_a.address) == (
        "",
        "",
        "",
    )
    message = OutboundMessage.objects.get()
    assert message.recipient == "" and message.recipient_removed_at and message.body == "Hej"
    page = client.get(reverse("journal:patient", args=[patient_a.pk])).content.decode()
    assert 'data-testid="protection-history"' in page
    assert "Visade beslut från Skatteverket" in page
    assert cast.alice.signature in page
    assert "mottagare av 1 skickade meddelanden" in page


def test_a5_lifting_needs_the_administrator_a_reason_and_the_registers_word(cast, patient_a):
    services.protection_mark(patient=patient_a, user=cast.alice, reason="Beslut från Skatteverket")
    url = reverse("journal:protection_lift", args=[patient_a.pk])
    data = {"lift-reason": "Skyddet har upphört enligt brev"}
    assert client_for(cast.alice).post(url, data).status_code == 403
    admin = client_for(cast.admin_a)
    # The register does not know the person: no lifting on someone's word alone.
    assert "känner inte till personen" in admin.post(url, data).content.decode()
    register_person(patient_a.identity_number, protected=True)
    assert "fortfarande skyddad identitet" in admin.post(url, data).content.decode()
    patient_a.refresh_from_db()
    assert patient_a.protected_identity
    register_person(patient_a.identity_number, protected=False)
    assert admin.post(url, data).status_code == 302
    patient_a.refresh_from_db()
    assert not patient_a.protected_identity
    lifted = ProtectionChange.objects.filter(patient=patient_a).first()
    assert (lifted.action, lifted.user, lifted.reason) == ("lifted", cast.admin_a, data["lift-reason"])
    assert "ingen skyddad identitet" in lifted.register_answer
    # Contact details can be stored again, the marking's history stays.
    services.patient_update_contact(patient=patient_a, data={"phone": "070-222 33 44"})
    assert ProtectionChange.objects.filter(patient=patient_a).count() == 2


def test_a5_the_protection_history_is_append_only(cast, patient_a):
    change = services.protection_mark(patient=patient_a, user=cast.alice, reason="Beslut från Skatteverket")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        ProtectionChange.objects.filter(pk=change.pk).update(reason="ändrat")
    with pytest.raises(DatabaseError, match="Cannot update or delete"), transaction.atomic():
        ProtectionChange.objects.filter(pk=change.pk).delete()


def test_a5_asking_the_register_from_the_patient_page_marks_the_patient(cast, patient_a):
    register_person(patient_a.identity_number, protected=True)
    client = client_for(cast.clinic_a)
    response = client.post(
        reverse("journal:protection", args=[patient_a.pk]), {"action": "check"}, follow=True
    )
    assert "Folkbokföringen anger skyddad identitet" in response.content.decode()
    patient_a.refresh_from_db()
    assert patient_a.protected_identity and patient_a.email == ""


def test_a5_the_nightly_check_marks_everyone_the_register_protects(cast):
    protected = [PatientFactory(caregiver=cast.caregiver_a) for _ in range(3)]
    free = PatientFactory(caregiver=cast.caregiver_a)
    for patient in protected:
        register_person(patient.identity_number, protected=True)
    register_person(free.identity_number, protected=False)
    assert services.protection_register_sweep() == 3
    assert services.protection_register_sweep() == 0  # safe to run twice
    assert set(Patient.objects.filter(protected_identity=True)) == set(protected)
    assert any(job["task"] == "journal.protection_register_sweep" for job in BEAT_SCHEDULE.values())


def _settings_import(**env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MITTVACCIN_", "DJANGO_"))}
    clean.update(
        DJANGO_SECRET_KEY="a-real-secret-for-this-test-only-0123456789",
        DJANGO_DEBUG="0",
        DATABASE_URL="postgres://nobody@127.0.0.1:1/none",
        REDIS_URL="redis://127.0.0.1:1/0",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", "import mittvaccin.settings"],
        cwd=BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        check=False,
    )


def test_r7_production_refuses_to_start_without_a_population_register_client():
    unset = _settings_import()
    assert unset.returncode != 0
    assert "MITTVACCIN_POPULATION_REGISTER must name the population register client" in unset.stderr
    stand_in = _settings_import(
        MITTVACCIN_POPULATION_REGISTER="journal.population_register.LocalPopulationRegister"
    )
    assert stand_in.returncode != 0
    assert _settings_import(MITTVACCIN_POPULATION_REGISTER="region.navet.Client").returncode == 0
