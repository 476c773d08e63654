"""A8: the administrator creates and revokes the API's clients in the interface."""

import re

import pytest
from django.urls import reverse

from fhirapi.models import ApiClient
from tests.conftest import client_for
from tests.fhirapi.helpers import PNR, fhir_get, outcome, token_request

pytestmark = pytest.mark.django_db


def test_a8_administrator_creates_a_client_and_sees_the_secret_once(cast, patient_a):
    admin = client_for(cast.admin_a)
    page = admin.post(
        reverse("fhirapi:clients"),
        {"name": "Regionens huvudjournal", "scopes": ["system/Immunization.read", "system/Patient.read"]},
    )
    html = page.content.decode()
    client = ApiClient.objects.get(name="Regionens huvudjournal")
    assert client.caregiver == cast.caregiver_a
    assert client.created_by == cast.admin_a
    assert sorted(client.scopes) == ["system/Immunization.read", "system/Patient.read"]
    secret = re.search(r'data-testid="client-secret">([^<]+)<', html).group(1)
    assert client.client_secret != secret  # stored hashed
    assert secret not in admin.get(reverse("fhirapi:clients")).content.decode()
    token = token_request(client.client_id, secret).json()["access_token"]
    response = fhir_get(
        "/fhir/Immunization", token, **{"patient.identifier": f"{PNR}|{patient_a.identity_number}"}
    )
    assert response.status_code == 200


def test_a8_administrator_revokes_a_client(cast, patient_a, client_a, token_a):
    admin = client_for(cast.admin_a)
    response = admin.post(reverse("fhirapi:client_revoke", args=[client_a[0].pk]), follow=True)
    assert "återkallad" in response.content.decode()
    assert ApiClient.objects.get(pk=client_a[0].pk).revoked_by == cast.admin_a
    outcome(fhir_get(f"/fhir/Patient/{patient_a.pk}", token_a), 401)


def test_a8_form_refuses_a_client_without_scopes_or_a_duplicate_name(cast, client_a):
    admin = client_for(cast.admin_a)
    html = admin.post(reverse("fhirapi:clients"), {"name": "X"}).content.decode()
    assert "Detta fält måste fyllas i" in html or "This field is required" in html
    html = admin.post(
        reverse("fhirapi:clients"), {"name": "huvudjournalen", "scopes": ["system/Flag.read"]}
    ).content.decode()
    assert "Det finns redan en aktiv klient med det namnet." in html
    assert ApiClient.objects.count() == 1


def test_a8_only_the_administrator_manages_clients(cast, client_a):
    assert client_for(cast.alice).get(reverse("fhirapi:clients")).status_code == 403
    assert (
        client_for(cast.alice).post(reverse("fhirapi:client_revoke", args=[client_a[0].pk])).status_code
        == 403
    )
    menu = client_for(cast.admin_a).get("/").content.decode()
    assert reverse("fhirapi:clients") in menu
