"""A8: only a client of the caregiver with the resource's scope reads, through a token that expires."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fhirapi.models import ApiClient, Scope
from fhirapi.services import api_client_revoke
from tests.conftest import client_for
from tests.fhirapi.helpers import PNR, fhir_get, make_client, outcome, parsed, token_for, token_request

pytestmark = pytest.mark.django_db


def search_url():
    return reverse("fhir:immunization_search")


def test_a8_metadata_is_a_capability_statement_without_a_token(cast):
    response = fhir_get("/fhir/metadata")
    assert response.status_code == 200
    statement = parsed(response)
    assert statement["resourceType"] == "CapabilityStatement"
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert types == {"Patient", "Immunization", "ImmunizationRecommendation", "AllergyIntolerance", "Flag"}


def test_a8_no_token_is_401_with_a_bearer_challenge(cast, patient_a):
    response = fhir_get(search_url(), **{"patient.identifier": f"{PNR}|{patient_a.identity_number}"})
    assert "Åtkomsttoken saknas" in outcome(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a8_unknown_token_is_401(cast, patient_a):
    response = fhir_get(search_url(), "not-a-token", **{"patient.identifier": patient_a.identity_number})
    outcome(response, 401)
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a8_token_from_the_endpoint_expires(cast, patient_a, client_a):
    response = token_request(client_a[0].client_id, client_a[1])
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.FHIR_TOKEN_SECONDS
    assert set(body["scope"].split()) == set(Scope.values)
    params = {"patient.identifier": patient_a.identity_number}
    assert fhir_get(search_url(), body["access_token"], **params).status_code == 200
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=settings.FHIR_TOKEN_SECONDS + 5)):
        outcome(fhir_get(search_url(), body["access_token"], **params), 401)


def test_a8_wrong_secret_gets_no_token(cast, client_a):
    response = token_request(client_a[0].client_id, "wrong-secret")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a8_wrong_scope_is_403(cast, patient_a):
    token = token_for(make_client(cast.caregiver_a, scopes=[Scope.PATIENT], name="Bara patient"))
    response = fhir_get(search_url(), token, **{"patient.identifier": patient_a.identity_number})
    assert "system/Immunization.read" in outcome(response, 403)
    assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
    assert fhir_get(f"/fhir/Patient/{patient_a.pk}", token).status_code == 200


def test_a8_a_client_cannot_ask_for_a_scope_it_was_not_granted(cast):
    client, secret = make_client(cast.caregiver_a, scopes=[Scope.FLAG], name="Flaggor")
    response = token_request(client.client_id, secret, "system/Immunization.read")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"
    token = token_for((client, secret), "system/Flag.read")
    assert token


def test_a8_revoked_client_loses_its_token_and_gets_no_new_one(cast, patient_a, client_a):
    token = token_for(client_a)
    params = {"patient.identifier": patient_a.identity_number}
    assert fhir_get(search_url(), token, **params).status_code == 200
    assert api_client_revoke(client=client_a[0], user=cast.admin_a) is True
    assert api_client_revoke(client=client_a[0], user=cast.admin_a) is False
    outcome(fhir_get(search_url(), token, **params), 401)
    assert token_request(client_a[0].client_id, client_a[1]).status_code == 401


def test_a8_revoked_client_whose_token_survived_is_refused(cast, patient_a, client_a):
    """Even a token left behind (say, issued in the same instant) stops with the client's revocation."""
    token = token_for(client_a)
    ApiClient.objects.filter(pk=client_a[0].pk).update(revoked_at=timezone.now(), revoked_by=cast.admin_a)
    outcome(fhir_get(search_url(), token, **{"patient.identifier": patient_a.identity_number}), 401)


def test_a8_the_api_is_read_only(cast, token_a):

    response = Client().post("/fhir/Patient", {}, HTTP_AUTHORIZATION=f"Bearer {token_a}")
    assert "bara GET" in outcome(response, 405)


def test_a8_a_signed_in_session_is_no_key_to_the_api(cast, patient_a):
    response = client_for(cast.alice).get(f"/fhir/Patient/{patient_a.pk}")
    outcome(response, 401)


def test_a8_unknown_resource_type_is_an_operation_outcome(cast, token_a):
    assert "metadata" in outcome(fhir_get("/fhir/Observation", token_a), 404)
