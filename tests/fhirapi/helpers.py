"""Clients, tokens and requests of the FHIR API as a receiving system makes them.

Every response is parsed by the `fhir.resources` R4B models (`parsed`), so no test accepts JSON that
is not valid FHIR.
"""

from __future__ import annotations

import base64
import json

from django.test import Client
from fhir.resources.R4B import get_fhir_model_class

from fhirapi.models import Scope
from fhirapi.services import api_client_create

ALL_SCOPES = list(Scope.values)
PNR = "urn:oid:1.2.752.129.2.1.3.1"


def make_client(caregiver, *, scopes=None, name="Huvudjournalen", user=None):
    return api_client_create(caregiver=caregiver, name=name, scopes=scopes or ALL_SCOPES, user=user)


def token_for(client_and_secret, scope: str | None = None) -> str:
    """A token from the real token endpoint (client credentials, HTTP Basic), as the receiving system gets it."""
    client, secret = client_and_secret
    response = token_request(client.client_id, secret, scope)
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def token_request(client_id: str, secret: str, scope: str | None = None):
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    data = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    return Client().post("/fhir/auth/token", data, HTTP_AUTHORIZATION=f"Basic {basic}")


def fhir_get(path: str, token: str | None = None, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().get(path, params, **headers)


def parsed(response) -> dict:
    """The response as a validated FHIR resource (as a dict); its content type is FHIR's."""
    assert response["Content-Type"].startswith("application/fhir+json"), response["Content-Type"]
    data = json.loads(response.content)
    get_fhir_model_class(data["resourceType"]).model_validate(data)
    return data


def outcome(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:500])
    data = parsed(response)
    assert data["resourceType"] == "OperationOutcome"
    return data["issue"][0]["diagnostics"]


def entries(bundle: dict) -> list[dict]:
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    return [entry["resource"] for entry in bundle.get("entry", [])]
