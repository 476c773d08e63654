"""R7: protected identity everywhere: the marker shows, no address or contact appears, the certificate has none."""

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from journal import services
from mittvaccin.models import AccessLogEntry
from tests.conftest import client_for
from tests.journal.factories import ready_visit, register

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    # Table cells wrap; compare with whitespace collapsed.
    return " ".join(
        " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages).split()
    )


def test_r7_protected_patient_is_vaccinated_with_the_marker_and_no_contact_details(cast, protected_patient_a):
    cast.unit_a.address = "Mottagningsgatan 5"
    cast.unit_a.save()
    ready = ready_visit(cast, patient=protected_patient_a)
    register(cast, ready)
    client = client_for(cast.alice)
    for url in (
        reverse("journal:patient", args=[ready.patient.pk]),
        reverse("journal:visit", args=[ready.patient.pk, ready.visit.pk]),
    ):
        body = client.get(url).content.decode()
        assert 'data-testid="protected-marker"' in body
        assert "Testgatan" not in body
    assert AccessLogEntry.objects.filter(patient_id=ready.patient.pk, patient_protected=True).exists()


def test_r7_certificate_has_no_address_for_a_protected_patient(cast, protected_patient_a):
    cast.unit_a.address = "Mottagningsgatan 5"
    cast.unit_a.save()
    ready = ready_visit(cast, patient=protected_patient_a)
    dose = register(cast, ready)
    response = client_for(cast.alice).get(reverse("journal:certificate", args=[ready.patient.pk]))
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response)
    assert "Vaccinationsintyg" in text
    assert protected_patient_a.identity_display in text
    assert dose.lot_number in text
    assert cast.unit_a.name in text
    assert "Mottagningsgatan" not in text
    assert "Skyddad identitet" in text  # the marker is on the printout too
    assert AccessLogEntry.objects.filter(patient_id=ready.patient.pk, action="journal.certificate").exists()


def test_certificate_lists_doses_with_batch_caregiver_and_unit(cast, patient_a):
    cast.unit_a.address = "Mottagningsgatan 5"
    cast.unit_a.save()
    ready = ready_visit(cast, patient=patient_a)
    dose = register(cast, ready)
    wrong = register(cast, ready, dose_number=2, override_reason="test")
    services.vaccination_enter_in_error(vaccination=wrong, user=cast.alice, reason="Dubbelregistrerad")
    services.vaccination_record_elsewhere(
        patient=patient_a,
        user=cast.alice,
        given_on=dose.given_at.date().replace(year=2010),
        product_text="Gula febern",
        place="Kenya",
    )
    text = pdf_text(client_for(cast.alice).get(reverse("journal:certificate", args=[patient_a.pk])))
    assert ready.product.name in text
    assert cast.caregiver_a.name in text
    assert "Gula febern" in text
    assert "Mottagningsgatan" in text
    assert text.count(dose.lot_number) == 1  # the dose entered in error is not on the certificate


def test_r7_fhir_export_of_a_protected_patient_is_restricted_and_nameless(cast, protected_patient_a):
    signal = services.signal_create(
        patient=protected_patient_a, user=cast.bob, kind="hypersensitivity", agent="ägg", severity="severe"
    )
    resource = json.loads(
        client_for(cast.alice)
        .get(reverse("journal:signal_fhir", args=[protected_patient_a.pk, signal.pk]))
        .content
    )
    assert resource["meta"]["security"][0]["code"] == "R"
    assert "display" not in resource["patient"]
    assert protected_patient_a.family_name not in json.dumps(resource)


def test_r7_lists_show_the_marker(cast, protected_patient_a):
    ready = ready_visit(
        cast, patient=protected_patient_a, allergy="yes", allergy_detail="ägg", confirmed=False
    )
    listing = client_for(cast.bob).get(reverse("journal:assessments")).content.decode()
    assert "Skyddad identitet" in listing
    assert AccessLogEntry.objects.filter(
        patient_id=ready.patient.pk, action="journal.assessments.list"
    ).exists()
