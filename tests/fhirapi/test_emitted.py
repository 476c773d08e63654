"""A8: the Immunization rows and the search Bundle are not validated on each request
(fhirapi.resources.immunization_resource); this proves, shape by shape, that what the API emits is
valid FHIR R4B and exactly what the model would give back: the same JSON, byte for byte, key order
included."""

import copy
import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.immunization import Immunization

from fhirapi import resources
from journal import services
from journal.fhir import validated
from journal.models import NotGivenReason, Route, Site, Vaccination, VaccinationStatus
from mittvaccin.models import AccessLogEntry
from tests.fhirapi.helpers import PNR, fhir_get
from tests.fhirapi.test_resources import three_states
from tests.journal.factories import ready_visit, register

pytestmark = pytest.mark.django_db


def as_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


def assert_emitted_as_the_model_says(model, emitted: dict) -> None:
    assert as_json(validated(model, emitted)) == as_json(emitted)


def doses_of(patient) -> list[Vaccination]:
    return list(
        Vaccination.objects.filter(patient=patient)
        .select_related("product", "product_version", "unit", "given_by", "entered_in_error")
        .order_by("-given_at", "-id")
    )


def variants(dose):
    """The dose as it is, and with every route, site, not-given reason and missing part in turn (in
    memory only: the shapes a row can take, not rows the journal would write)."""
    yield dose
    for route in [*Route.values, ""]:
        yield _changed(dose, route=route)
    for site in [*Site.values, ""]:
        yield _changed(dose, site=site)
    for reason in [*NotGivenReason.values, ""]:
        yield _changed(dose, status=VaccinationStatus.NOT_GIVEN, not_given_reason=reason)
    yield _changed(dose, status=VaccinationStatus.GIVEN_ELSEWHERE, elsewhere_place="")
    yield _changed(dose, status=VaccinationStatus.GIVEN_ELSEWHERE, elsewhere_place="Nairobi")
    yield _changed(
        dose, lot_number="", batch_expiry=None, dose_ml=None, dose_number=None, comment="Lätt rodnad"
    )
    yield _changed(dose, unit_id=None, given_by_id=None)
    yield _changed(dose, product_version_id=None, product_id=None, product=None, product_text="Okänt vaccin")


def _changed(dose, **fields):
    other = copy.copy(dose)
    other._state = copy.copy(dose._state)
    other._state.fields_cache = dict(dose._state.fields_cache)
    for name, value in fields.items():
        setattr(other, name, value)
    return other


def test_a8_every_kind_of_immunization_row_is_valid_fhir_as_emitted(cast, protected_patient_a):
    ready, *_doses = three_states(cast)
    services.vaccination_record_elsewhere(
        patient=ready.patient,
        user=cast.alice,
        given_on=dt.date(2020, 5, 4),
        product_text="Stamaril",
        place="Kenya",
    )
    protected = ready_visit(cast, patient=protected_patient_a)
    register(cast, protected, comment="Svimmade lätt")
    rows = doses_of(ready.patient) + doses_of(protected_patient_a)
    assert {dose.status for dose in rows} == {
        VaccinationStatus.GIVEN,
        VaccinationStatus.NOT_GIVEN,
        VaccinationStatus.GIVEN_ELSEWHERE,
    }
    checked = 0
    for dose in rows:
        for variant in variants(dose):
            emitted = resources.immunization_resource(variant, variant.patient)
            assert_emitted_as_the_model_says(Immunization, emitted)
            checked += 1
    assert checked > 5 * 20


def test_a8_the_immunization_search_answers_the_bundle_the_model_would(cast, token_a):
    ready = ready_visit(cast, doses=10)
    for n in range(1, 5):
        register(
            cast, ready, dose_number=n, given_at=timezone.now() - dt.timedelta(days=n), override_reason="Test"
        )
    response = fhir_get(
        "/fhir/Immunization",
        token_a,
        **{"patient.identifier": f"{PNR}|{ready.patient.identity_number}"},
        _count="2",
    )
    assert response.status_code == 200
    emitted = json.loads(response.content)
    assert as_json(validated(Bundle, emitted)) == response.content.decode()
    assert len(emitted["entry"]) == 2 and {link["relation"] for link in emitted["link"]} >= {"self", "next"}


def test_n6_the_immunization_search_is_logged_once_and_its_queries_stay_few(cast, token_a):
    ready = ready_visit(cast, doses=10)
    for n in range(1, 8):
        register(
            cast, ready, dose_number=n, given_at=timezone.now() - dt.timedelta(days=n), override_reason="Test"
        )
    path = "/fhir/Immunization"
    params = {"patient.identifier": f"{PNR}|{ready.patient.identity_number}"}
    before = AccessLogEntry.objects.filter(patient_id=ready.patient.pk).count()
    with CaptureQueriesContext(connection) as queries:
        response = fhir_get(path, token_a, **params)
    assert response.status_code == 200 and len(json.loads(response.content)["entry"]) == 7
    # Token, client, patient, the access-log row, count and page of doses (with the unit switch's reads).
    assert len(queries) <= 8, "\n".join(q["sql"][:120] for q in queries.captured_queries)
    assert AccessLogEntry.objects.filter(patient_id=ready.patient.pk).count() == before + 1
