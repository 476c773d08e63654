"""Finding or registering the patient a staff member books, called without HTTP."""

import pytest

from booking import selectors, services
from booking.services import BookingError
from journal.identity import IdentityKind, parse_identity
from journal.models import Patient
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_lookup_finds_the_caregivers_patient_by_any_form_of_the_number(cast, resident):
    number = resident.identity_number
    for typed in (number, f"{number[:8]}-{number[8:]}", f" {number[2:8]}-{number[8:]} "):
        found = selectors.patient_lookup(who=cast.alice, query=typed)
        assert found.patient == resident, typed
        assert found.identity.value == number
        assert found.error == ""


def test_r4_lookup_never_finds_another_caregivers_patient(cast):
    theirs = PatientFactory(caregiver=cast.caregiver_b)
    found = selectors.patient_lookup(who=cast.alice, query=theirs.identity_number)
    assert found.patient is None
    assert found.identity.value == theirs.identity_number  # a new patient to caregiver A


def test_lookup_of_a_reserve_number_matches_its_12_digits(cast):
    reserve = PatientFactory(
        caregiver=cast.caregiver_a,
        identity_kind=IdentityKind.RESERVNUMMER,
        identity_number="999912310019",
        reserve_number_region="Region A",
    )
    found = selectors.patient_lookup(who=cast.alice, query="9999-1231-0019")
    assert (found.patient, found.identity, found.error) == (reserve, None, "")


def test_lookup_of_nothing_or_a_bad_number(cast):
    assert selectors.patient_lookup(who=cast.alice, query="  ") == selectors.PatientLookup()
    bad = selectors.patient_lookup(who=cast.alice, query="19121212-1213")
    assert (bad.patient, bad.identity) == (None, None)
    assert bad.error


def test_r14_staff_registers_a_new_patient_while_booking(cast):
    identity = parse_identity("19121212-1212")
    patient = services.booking_patient_register(
        unit=cast.unit_a, identity=identity, given_names=" Tolvan ", family_name="Tolvansson"
    )
    assert patient.caregiver == cast.caregiver_a
    assert (patient.given_names, patient.family_name, patient.identity_number) == (
        "Tolvan",
        "Tolvansson",
        identity.value,
    )
    assert not patient.protected_identity
    # Registered a moment earlier by a colleague: the same patient, not a second one.
    again = services.booking_patient_register(
        unit=cast.unit_a, identity=identity, given_names="Tolvan", family_name="Tolvansson"
    )
    assert again == patient
    assert Patient.objects.filter(identity_number=identity.value).count() == 1


@pytest.mark.parametrize(
    ("number", "given", "family"),
    [(None, "Tolvan", "Tolvansson"), ("19121212-1212", "", "Tolvansson"), ("19121212-1212", "Tolvan", " ")],
)
def test_new_patient_needs_a_valid_number_and_a_full_name(cast, number, given, family):
    identity = parse_identity(number) if number else None
    with pytest.raises(BookingError) as refusal:
        services.booking_patient_register(
            unit=cast.unit_a, identity=identity, given_names=given, family_name=family
        )
    assert refusal.value.code == "new_patient"
    assert not Patient.objects.exists()


def test_r7_protected_identity_in_the_register_is_kept_and_no_contact_details(cast):
    elsewhere = PatientFactory(caregiver=cast.caregiver_b, protected=True)
    patient = services.booking_patient_register(
        unit=cast.unit_a,
        identity=parse_identity(elsewhere.identity_number),
        given_names="Skyddad",
        family_name="Person",
    )
    assert patient.caregiver == cast.caregiver_a
    assert patient.protected_identity
    assert (patient.phone, patient.email, patient.address) == ("", "", "")
