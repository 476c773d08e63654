"""Patients: registration, protected identity (R7), search from every page, and the access log."""

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal.models import Patient
from mittvaccin.models import AccessLogEntry
from tests.conftest import client_for
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


def search(client, query, **headers):
    return client.get(reverse("journal:patient_search"), {"q": query}, **headers)


@pytest.mark.parametrize("form", ["long", "long_nodash", "short", "short_nodash"])
def test_search_by_any_accepted_form_of_the_number_opens_the_patient(cast, patient_a, form):
    value = patient_a.identity_number
    text = {
        "long": f"{value[:8]}-{value[8:]}",
        "long_nodash": value,
        "short": f"{value[2:8]}-{value[8:]}",
        "short_nodash": value[2:],
    }[form]
    response = search(client_for(cast.alice), text)
    assert response.status_code == 302
    assert response["Location"] == reverse("journal:patient", args=[patient_a.pk])


def test_search_by_name_lists_matches_word_by_word(cast):
    maja = PatientFactory(caregiver=cast.caregiver_a, family_name="Eriksson", given_names="Maja")
    PatientFactory(caregiver=cast.caregiver_a, family_name="Eriksson", given_names="Olle")
    PatientFactory(caregiver=cast.caregiver_b, family_name="Eriksson", given_names="Maja")
    html = search(client_for(cast.alice), "eriks maj").content.decode()
    assert maja.identity_display in html
    assert "Olle" not in html
    assert html.count("ERIKSSON, Maja") == 1  # caregiver B's Maja is not shown


def test_search_hits_are_logged_as_reads(cast):
    maja = PatientFactory(caregiver=cast.caregiver_a, family_name="Eriksson", given_names="Maja")
    search(client_for(cast.alice), "Eriksson")
    entry = AccessLogEntry.objects.get(patient_id=maja.pk)
    assert entry.action == "journal.search.hit"
    assert entry.description == "Sökträff"
    assert entry.user == cast.alice


def test_search_with_an_invalid_number_explains_what_is_wrong(cast):
    response = search(client_for(cast.alice), "19850412-9861")
    assert response.status_code == 200
    assert "Kontrollsiffran stämmer inte" in response.content.decode()


def test_search_for_an_unknown_valid_number_offers_registration(cast):
    html = search(client_for(cast.alice), "19850412-9860").content.decode()
    assert "Ingen patient hittades" in html
    assert "Registrera 19850412-9860 som ny patient" in html


def test_r4_search_never_finds_another_caregivers_patient(cast):
    other = PatientFactory(caregiver=cast.caregiver_b)
    response = search(client_for(cast.alice), other.identity_number)
    assert response.status_code == 200
    assert "Ingen patient hittades" in response.content.decode()


def test_search_answers_htmx_with_the_results_partial_only(cast, patient_a):
    html = search(client_for(cast.alice), "Andersson", HTTP_HX_REQUEST="true").content.decode()
    assert "ANDERSSON, Astrid" in html
    assert "<html" not in html


def test_patient_page_header_shows_identity_and_age_and_logs_the_read(cast, patient_a):
    response = client_for(cast.alice).get(
        reverse("journal:patient", args=[patient_a.pk]), REMOTE_ADDR="10.1.2.3"
    )
    html = response.content.decode()
    assert "ANDERSSON, Astrid" in html
    assert patient_a.identity_display in html
    assert f"{patient_a.age()} år" in html
    entry = AccessLogEntry.objects.get(patient_id=patient_a.pk)
    assert (entry.user, entry.caregiver, entry.unit) == (cast.alice, cast.caregiver_a, cast.unit_a)
    assert entry.patient_identity == patient_a.identity_number
    assert entry.client_address == "10.1.2.3"
    assert not entry.patient_protected


def test_r7_protected_patient_shows_the_marker_and_no_contact_details(cast, protected_patient_a):
    html = (
        client_for(cast.alice).get(reverse("journal:patient", args=[protected_patient_a.pk])).content.decode()
    )
    assert 'data-testid="protected-marker"' in html
    assert "Skyddad identitet" in html
    assert "Testgatan" not in html and "070-" not in html


def test_r7_opening_a_protected_patient_is_logged_as_such(cast, protected_patient_a):
    client_for(cast.alice).get(reverse("journal:patient", args=[protected_patient_a.pk]))
    assert AccessLogEntry.objects.get(patient_id=protected_patient_a.pk).patient_protected


def test_r7_database_refuses_contact_details_for_a_protected_patient(cast):
    with pytest.raises(IntegrityError):
        PatientFactory(caregiver=cast.caregiver_a, protected_identity=True, phone="070-000 00 00")


def test_database_refuses_the_same_number_twice_in_one_caregiver(cast, patient_a):
    with pytest.raises(IntegrityError):
        PatientFactory(caregiver=cast.caregiver_a, identity_number=patient_a.identity_number)


def test_the_same_person_may_be_a_patient_at_two_caregivers(cast, patient_a):
    PatientFactory(caregiver=cast.caregiver_b, identity_number=patient_a.identity_number)
    assert Patient.objects.filter(identity_number=patient_a.identity_number).count() == 2


def test_database_refuses_a_reserve_number_without_region(cast):
    with pytest.raises(IntegrityError):
        PatientFactory(
            caregiver=cast.caregiver_a, identity_kind="reservnummer", identity_number="991234567890"
        )


def register(client, **fields):
    data = {
        "identity_kind": "auto",
        "identity": "19850412-9860",
        "family_name": "Eriksson",
        "given_names": "Maja",
        "sex": "U",
        "address": "Storgatan 1",
        "postal_code": "652 25",
        "city": "Karlstad",
        "phone": "070-111 22 33",
        "email": "maja@example.invalid",
    }
    data.update(fields)
    return client.post(reverse("journal:patient_create"), data)


def test_registering_a_patient_derives_birth_date_and_sex(cast):
    response = register(client_for(cast.alice))
    patient = Patient.objects.get(identity_number="198504129860")
    assert response["Location"] == reverse("journal:patient", args=[patient.pk])
    assert (str(patient.birth_date), patient.sex, patient.caregiver) == ("1985-04-12", "F", cast.caregiver_a)


def test_r7_registering_a_protected_patient_stores_no_contact_details(cast):
    register(client_for(cast.alice), protected_identity="on")
    patient = Patient.objects.get(identity_number="198504129860")
    assert patient.protected_identity
    assert (patient.address, patient.phone, patient.email, patient.city) == ("", "", "", "")


def test_registering_twice_leads_to_the_existing_patient(cast):
    client = client_for(cast.alice)
    first = register(client)
    second = register(client)
    assert first["Location"] == second["Location"]
    assert Patient.objects.filter(identity_number="198504129860").count() == 1


def test_registering_with_a_bad_number_shows_the_reason_and_saves_nothing(cast):
    response = register(client_for(cast.alice), identity="19850412-9861")
    assert response.status_code == 200
    assert "Kontrollsiffran stämmer inte" in response.content.decode()
    assert not Patient.objects.exists()


def test_registering_a_samordningsnummer(cast):
    register(client_for(cast.alice), identity="19940277-9871")
    patient = Patient.objects.get(identity_number="199402779871")
    assert patient.identity_kind == "samordningsnummer"
    assert str(patient.birth_date) == "1994-02-17"


def test_registering_a_reserve_number_needs_region_and_birth_date(cast):
    client = client_for(cast.alice)
    response = register(client, identity_kind="reservnummer", identity="991234567890")
    html = response.content.decode()
    assert "Ange vilken region" in html and "Ange födelsedatum" in html
    response = register(
        client,
        identity_kind="reservnummer",
        identity="991234567890",
        reserve_number_region="Region Värmland",
        birth_date="1970-01-02",
    )
    patient = Patient.objects.get(identity_number="991234567890")
    assert (patient.identity_kind, patient.reserve_number_region) == ("reservnummer", "Region Värmland")


def test_contact_details_of_a_protected_patient_cannot_be_added_by_editing(cast, protected_patient_a):
    client = client_for(cast.alice)
    url = reverse("journal:patient_edit", args=[protected_patient_a.pk])
    client.post(url, {"family_name": "Hemlig", "given_names": "Hanna", "address": "Gatan 1", "phone": "070"})
    protected_patient_a.refresh_from_db()
    assert (protected_patient_a.address, protected_patient_a.phone) == ("", "")


def test_contact_details_can_be_updated(cast, patient_a):
    url = reverse("journal:patient_edit", args=[patient_a.pk])
    data = {
        "family_name": "Andersson",
        "given_names": "Astrid",
        "phone": "070-999 99 99",
        "email": "a@b.invalid",
    }
    assert client_for(cast.alice).post(url, data).status_code == 302
    patient_a.refresh_from_db()
    assert patient_a.phone == "070-999 99 99"


def count_queries(client, url):
    client.get("/ping")
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code in (200, 302)
    return len(captured.captured_queries)


def test_search_and_patient_page_use_a_constant_number_of_queries(cast):
    client = client_for(cast.alice)
    first = PatientFactory(caregiver=cast.caregiver_a, family_name="Konstant")
    client.get(f"/patient/{first.pk}/")  # the catalogue's cached form is made on the first page view
    few = [
        count_queries(client, f"/patienter/sok/?q={first.identity_number}"),
        count_queries(client, "/patienter/sok/?q=Konstant"),
        count_queries(client, f"/patient/{first.pk}/"),
    ]
    PatientFactory.create_batch(40, caregiver=cast.caregiver_a, family_name="Konstant")
    many = [
        count_queries(client, f"/patienter/sok/?q={first.identity_number}"),
        count_queries(client, "/patienter/sok/?q=Konstant"),
        count_queries(client, f"/patient/{first.pk}/"),
    ]
    assert few == many
