"""A15: the health declaration answered at home before the visit, the physician's list before the
visit day, and the nurse who goes through it and records the declaration (R3) at the visit."""

import datetime as dt
import time

import pytest
import time_machine
from django.conf import settings
from django.db import DatabaseError, transaction
from django.urls import reverse
from django.utils import timezone

from booking.services import booking_cancel, booking_create
from journal import selectors, services
from journal.models import HealthDeclaration, PreVisitDeclaration
from mittvaccin.eid import SESSION_RESIDENT
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.conftest import client_for
from tests.factories import PatientFactory
from tests.journal.factories import NO_FLAGS

pytestmark = pytest.mark.django_db


def booked(cast, patient, *, days=3):

    visit_type = VisitTypeFactory(unit=cast.unit_a)
    slot = make_slot(ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[]), in_days(days))
    return booking_create(slot=slot, visit_type=visit_type, patient=patient, made_by_kind="resident")


def answers(**changes):
    data = {**NO_FLAGS, **changes}
    post = {}
    for key, value in data.items():
        post[key] = value
    return post


def test_a15_resident_answers_and_flagged_answers_reach_the_physicians_list(cast, as_resident):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    booking = booked(cast, patient)
    client = as_resident(patient.identity_number)
    response = client.post(
        reverse("residents:declaration", args=[booking.pk]),
        answers(allergy="yes", allergy_detail="Ägg"),
    )
    assert response.status_code == 302
    previsit = PreVisitDeclaration.objects.get()
    assert previsit.flagged
    assert previsit.answered_by_identity == patient.identity_number
    assert not previsit.answered_by_guardian
    page = client_for(cast.bob).get(reverse("journal:assessments")).content.decode()
    assert patient.display_name in page
    assert "Ägg" in page
    # The physician assesses before the visit day; the list is then empty.
    assessed = client_for(cast.bob).post(
        reverse("journal:previsit_assessment", args=[patient.pk, previsit.pk]),
        {"outcome": "may_vaccinate", "text": "Äggallergi utan anafylaxi: kan vaccineras."},
    )
    assert assessed.status_code == 302
    assert selectors.previsit_assessment_queue(cast.bob) == []


def test_a15_a_cancelled_booking_leaves_the_physicians_list(cast, as_resident):

    patient = PatientFactory(caregiver=cast.caregiver_a)
    booking = booked(cast, patient)
    as_resident(patient.identity_number).post(
        reverse("residents:declaration", args=[booking.pk]), answers(unwell="yes", unwell_detail="Feber")
    )
    assert len(selectors.previsit_assessment_queue(cast.bob)) == 1
    booking_cancel(booking=booking, by_kind="resident")
    assert selectors.previsit_assessment_queue(cast.bob) == []


def test_a15_a_declaration_for_a_visit_already_past_is_refused_and_nothing_stored(cast, as_resident):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    booking = booked(cast, patient, days=1)
    client = as_resident(patient.identity_number)
    signed_in = client.session[SESSION_RESIDENT]
    with time_machine.travel(booking.starts_at + dt.timedelta(minutes=5)):
        # Sessions live in the database: a day later the old one has expired, so sign in afresh.
        session = client.session
        session[SESSION_RESIDENT] = {**signed_in, "at": int(time.time()), "seen": int(time.time())}
        session.save()
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        response = client.post(reverse("residents:declaration", args=[booking.pk]), answers())
    assert response.status_code == 409
    assert "ingenting har sparats" in response.content.decode()
    assert not PreVisitDeclaration.objects.exists()


def test_a15_the_service_refuses_a_past_visit(cast):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    with pytest.raises(services.JournalError):
        services.previsit_declaration_submit(
            patient=patient,
            booking_id=1,
            unit=cast.unit_a,
            visit_starts_at=timezone.now() - dt.timedelta(minutes=1),
            answers=NO_FLAGS,
            answered_by_identity=patient.identity_number,
            answered_by_guardian=False,
        )
    assert not PreVisitDeclaration.objects.exists()


def test_r3_a15_the_nurse_goes_through_the_answers_and_records_the_declaration(cast, as_resident):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    booking = booked(cast, patient)
    as_resident(patient.identity_number).post(
        reverse("residents:declaration", args=[booking.pk]), answers(allergy="yes", allergy_detail="Latex")
    )
    previsit = PreVisitDeclaration.objects.get()
    visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice, booking_id=booking.pk)
    nurse = client_for(cast.alice)
    page = nurse.get(reverse("journal:visit", args=[patient.pk, visit.pk])).content.decode()
    assert "Svar lämnade av patienten själv före besöket" in page
    assert 'value="Latex"' in page
    # The nurse changes one answer with the patient and records the declaration (R3: the nurse's).
    post = answers(allergy="yes", allergy_detail="Latex (handskar)")
    post["previsit"] = previsit.pk
    response = nurse.post(reverse("journal:visit_declaration", args=[patient.pk, visit.pk]), post)
    assert response.status_code in (200, 302)
    declaration = HealthDeclaration.objects.get(visit=visit)
    assert declaration.recorded_by == cast.alice
    assert declaration.previsit == previsit
    assert declaration.answers["allergy_detail"] == "Latex (handskar)"
    previsit.refresh_from_db()
    assert previsit.answers["allergy_detail"] == "Latex"  # kept beside it, unchanged
    shown = nurse.get(reverse("journal:visit", args=[patient.pk, visit.pk])).content.decode()
    assert "Patientens egna svar före besöket (oförändrade)" in shown


def test_a15_the_physicians_assessment_before_the_visit_holds_when_the_answers_stay(cast, as_resident):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    booking = booked(cast, patient)
    as_resident(patient.identity_number).post(
        reverse("residents:declaration", args=[booking.pk]), answers(unwell="yes", unwell_detail="Snuva")
    )
    previsit = PreVisitDeclaration.objects.get()
    services.previsit_assessment_create(previsit=previsit, user=cast.bob, outcome="may_vaccinate", text="Ok.")
    visit = services.visit_open(patient=patient, unit=cast.unit_a, user=cast.alice, booking_id=booking.pk)
    services.declaration_record(
        visit=visit, user=cast.alice, answers=previsit.answers, previsit_id=previsit.pk
    )
    checks = selectors.visit_checks(visit, user=cast.alice, unit=cast.unit_a)
    assert checks.assessment is not None
    assert checks.assessment.previsit_id == previsit.pk


def test_previsit_rows_are_append_only(cast):

    patient = PatientFactory(caregiver=cast.caregiver_a)
    row = services.previsit_declaration_submit(
        patient=patient,
        booking_id=1,
        unit=cast.unit_a,
        visit_starts_at=timezone.now() + dt.timedelta(days=1),
        answers=NO_FLAGS,
        answered_by_identity=patient.identity_number,
        answered_by_guardian=False,
    )
    with pytest.raises(DatabaseError), transaction.atomic():
        PreVisitDeclaration.objects.filter(pk=row.pk).update(answers={})
