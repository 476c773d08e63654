"""Mina vaccinationer: one person's doses at every caregiver, next doses, certificate, bookings,
guardians with custody, protected identity, and every read logged as the patient's own (issue 13)."""

import datetime as dt
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from booking.models import Booking
from booking.services import booking_create
from journal import services
from journal.models import LocalRegisterCustody
from mittvaccin.models import AccessLogEntry
from tests.booking.factories import ScheduleFactory, VisitTypeFactory, in_days, make_slot
from tests.conftest import client_for
from tests.factories import PatientFactory, UnitFactory
from tests.journal.factories import ready_visit, register

pytestmark = pytest.mark.django_db


def same_person_at(caregiver, patient, **extra):
    return PatientFactory(
        caregiver=caregiver,
        identity_number=patient.identity_number,
        birth_date=patient.birth_date,
        family_name=patient.family_name,
        **extra,
    )


def test_doses_from_every_caregiver_are_labelled_and_errors_left_out(cast, as_resident):
    ready_a = ready_visit(cast)
    patient = ready_a.patient
    wrong = register(cast, ready_a)
    services.vaccination_enter_in_error(vaccination=wrong, user=cast.alice, reason="Fel patient")
    services.vaccination_record_elsewhere(
        patient=patient, user=cast.alice, product_text="Hepatit A (Havrix)", given_on=dt.date(2020, 3, 1)
    )
    at_b = same_person_at(cast.caregiver_b, patient)
    services.vaccination_record_elsewhere(
        patient=at_b,
        user=cast.charlie,
        product_text="Gula febern (Stamaril)",
        given_on=dt.date(2015, 5, 1),
        place="Resevaccinationen Göteborg",
    )
    html = as_resident(patient.identity_number).get(reverse("residents:home")).content.decode()
    assert "Hepatit A (Havrix)" in html and cast.caregiver_a.name in html
    assert "Gula febern (Stamaril)" in html
    assert "Resevaccinationen Göteborg" in html and cast.caregiver_b.name in html
    # The dose entered in error is not there.
    assert wrong.vaccine_name not in html


def test_r7_every_read_is_logged_as_the_patients_own_at_each_caregiver(cast, as_resident):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    at_b = same_person_at(cast.caregiver_b, patient)
    as_resident(patient.identity_number).get(reverse("residents:home"))
    rows = AccessLogEntry.objects.filter(patient_identity=patient.identity_number)
    assert {r.caregiver_id for r in rows} == {cast.caregiver_a.pk, cast.caregiver_b.pk}
    assert {r.patient_id for r in rows} == {patient.pk, at_b.pk}
    for row in rows:
        assert row.user_id is None
        assert row.resident_identity == patient.identity_number
        assert row.read_by_patient_self


def test_the_access_log_review_says_the_patient_read_it(cast, as_resident):

    patient = PatientFactory(caregiver=cast.caregiver_a)
    as_resident(patient.identity_number).get(reverse("residents:home"))
    html = client_for(cast.admin_a).get(
        reverse("journal:access_log"), {"personnummer": patient.identity_number}
    )
    assert "Patienten själv" in html.content.decode()


def test_certificate_pdf_lists_every_caregiver_and_is_logged(cast, as_resident):

    ready = ready_visit(cast)
    register(cast, ready)
    response = as_resident(ready.patient.identity_number).get(reverse("residents:certificate"))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(response.content)).pages)
    assert cast.caregiver_a.name in text
    assert ready.product.name in text
    assert AccessLogEntry.objects.filter(
        resident_identity=ready.patient.identity_number, action="residents.certificate"
    ).exists()


def test_r7_a_protected_resident_sees_no_address_anywhere(cast, as_resident):

    cast.unit_a.address, cast.unit_a.postal_code, cast.unit_a.city = "Hemliga vägen 7", "651 00", "Karlstad"
    cast.unit_a.save()
    cast.caregiver_a.address = "Regionhuset 1"
    cast.caregiver_a.save()
    ready = ready_visit(cast, patient=PatientFactory(caregiver=cast.caregiver_a, protected=True))
    register(cast, ready)
    booking = _booking(cast, ready.patient)
    client = as_resident(ready.patient.identity_number)
    for url in (reverse("residents:home"), reverse("residents:booking", args=[booking.pk])):
        html = client.get(url).content.decode()
        assert "Hemliga vägen" not in html and "Regionhuset" not in html
    assert "Skyddad identitet" in client.get(reverse("residents:home")).content.decode()
    pdf = client.get(reverse("residents:certificate")).content
    text = "".join(page.extract_text() for page in PdfReader(BytesIO(pdf)).pages)
    assert "Hemliga vägen" not in text and "Regionhuset" not in text
    assert "Skyddad identitet" in text


def _visit_type_and_slot(cast, days=3):
    visit_type = VisitTypeFactory(unit=cast.unit_a)
    schedule = ScheduleFactory(unit=cast.unit_a, visit_types=[visit_type], hours=[])
    return visit_type, make_slot(schedule, in_days(days))


def _booking(cast, patient, days=3):

    visit_type, slot = _visit_type_and_slot(cast, days)
    return booking_create(slot=slot, visit_type=visit_type, patient=patient, made_by_kind="resident")


def test_r14_a_signed_in_resident_books_without_typing_the_personnummer(cast, as_resident):
    visit_type, slot = _visit_type_and_slot(cast)
    identity = "199001012385"
    client = as_resident(identity, "Vera", "Eid")
    page = client.get(reverse("residents:book_confirm", args=[cast.unit_a.slug, visit_type.pk, slot.pk]))
    assert "personnummer" not in page.content.decode().lower().replace("19900101-2380", "")
    response = client.post(
        reverse("residents:book_confirm", args=[cast.unit_a.slug, visit_type.pk, slot.pk]),
        {"phone": "070-111 22 33", "submission": "abc"},
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    assert booking.patient.identity_number == identity
    assert (booking.patient.given_names, booking.patient.family_name) == ("Vera", "Eid")
    assert booking.made_by_kind == "resident"
    assert booking.contact_phone == "070-111 22 33"


def test_a_resident_moves_and_cancels_their_booking(cast, as_resident):
    patient = PatientFactory(caregiver=cast.caregiver_a)
    booking = _booking(cast, patient, days=5)
    other = make_slot(booking.slot.schedule, in_days(6))
    client = as_resident(patient.identity_number)
    assert (
        client.post(reverse("residents:booking_move", args=[booking.pk]), {"slot": other.pk}).status_code
        == 302
    )
    booking.refresh_from_db()
    assert booking.slot_id == other.pk
    refused = client.post(reverse("residents:booking_move", args=[booking.pk]), {"slot": "x"})
    assert refused.status_code == 422
    assert client.post(reverse("residents:booking_cancel", args=[booking.pk])).status_code == 302
    booking.refresh_from_db()
    assert booking.status == "cancelled"
    assert booking.cancelled_by_kind == "resident"


def test_r4_another_persons_booking_is_404(cast, as_resident):
    booking = _booking(cast, PatientFactory(caregiver=cast.caregiver_a))
    stranger = as_resident("199001012385")
    for name in (
        "residents:booking",
        "residents:booking_cancel",
        "residents:booking_move",
        "residents:declaration",
    ):
        assert stranger.get(reverse(name, args=[booking.pk])).status_code == 404
        assert stranger.post(reverse(name, args=[booking.pk])).status_code == 404
    booking.refresh_from_db()
    assert booking.status == "booked"


def test_a_guardian_with_custody_acts_for_the_child(cast, as_resident):
    child = PatientFactory(
        caregiver=cast.caregiver_a, birth_date=timezone.localdate() - dt.timedelta(days=365 * 6)
    )
    services.vaccination_record_elsewhere(
        patient=child, user=cast.alice, product_text="MPR (Priorix)", given_on=dt.date(2021, 6, 1)
    )
    guardian = "198002022385"
    LocalRegisterCustody.objects.create(
        guardian_identity=guardian,
        child_identity=child.identity_number,
        child_given_names=child.given_names,
        child_family_name=child.family_name,
    )
    client = as_resident(guardian, "Gunnel", "Förälder")
    home = client.get(reverse("residents:home")).content.decode()
    assert child.given_names in home
    assert client.post(reverse("residents:act_for"), {"for": child.identity_number}).status_code == 302
    html = client.get(reverse("residents:home")).content.decode()
    assert "MPR (Priorix)" in html
    assert "vårdnadshavare" in html
    row = AccessLogEntry.objects.filter(patient_id=child.pk).latest("id")
    assert row.resident_identity == guardian
    assert not row.read_by_patient_self


def test_a_guardian_without_custody_gets_a_clear_page_and_nothing_else(cast, as_resident):
    child = PatientFactory(
        caregiver=cast.caregiver_a, birth_date=timezone.localdate() - dt.timedelta(days=365 * 6)
    )
    client = as_resident("198002022385")
    response = client.post(reverse("residents:act_for"), {"for": child.identity_number})
    assert response.status_code == 403
    assert "vårdnadshavare" in response.content.decode()
    assert not AccessLogEntry.objects.filter(patient_id=child.pk).exists()
    assert "mv_resident_for" not in client.session


def test_custody_of_an_adult_child_does_not_count(cast, as_resident):
    adult = PatientFactory(caregiver=cast.caregiver_a)
    LocalRegisterCustody.objects.create(
        guardian_identity="198002022385",
        child_identity=adult.identity_number,
        child_given_names="Vuxen",
        child_family_name="Barn",
    )
    client = as_resident("198002022385")
    assert client.post(reverse("residents:act_for"), {"for": adult.identity_number}).status_code == 403


def test_signed_out_visitors_see_the_sign_in_page(cast):

    response = Client().get(reverse("residents:home"))
    assert response.status_code == 200
    assert "Mina vaccinationer" in response.content.decode()
    assert Client().get(reverse("residents:certificate")).status_code == 302


def test_units_list_for_booking_includes_every_caregiver(cast, as_resident):
    UnitFactory(caregiver=cast.caregiver_b, name="Kliniken i norr")
    html = as_resident("199001012385").get(reverse("residents:book_units")).content.decode()
    assert cast.unit_a.name in html and "Kliniken i norr" in html
