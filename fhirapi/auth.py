"""The door of the FHIR API (A8): a bearer token of a client of the caregiver, with the resource's scope.

No token, or an unknown, expired or revoked one: 401. A valid token without the scope: 403. Both as an
OperationOutcome with the WWW-Authenticate header RFC 6750 asks for. The request then carries the
client (`request.api_client`); every lookup is scoped to its caregiver.
"""

from __future__ import annotations

import json
from functools import wraps

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_backends import get_oauthlib_core

from fhirapi.resources import operation_outcome
from mittvaccin.decorators import public

FHIR_JSON = "application/fhir+json; charset=utf-8"


def fhir_response(resource: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(resource, ensure_ascii=False, separators=(",", ":")), status=status, content_type=FHIR_JSON
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def outcome_response(status: int, code: str, text: str, headers: dict | None = None) -> HttpResponse:
    return fhir_response(operation_outcome(code, text), status=status, headers=headers)


def _unauthorized(text: str, error: str | None = None) -> HttpResponse:
    challenge = 'Bearer realm="MittVaccin FHIR"'
    if error:
        challenge += f', error="{error}"'
    return outcome_response(401, "login", text, headers={"WWW-Authenticate": challenge})


def authenticate(request, scope: str | None):
    """The ApiClient of a valid bearer token holding `scope`, or the 401/403 response to send."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer ") or not header[7:].strip():
        return None, _unauthorized("Åtkomsttoken saknas: skicka Authorization: Bearer <token>.")
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[])
    if not valid:
        return None, _unauthorized(
            "Åtkomsttoken är okänd, har gått ut eller är återkallad. Hämta en ny token.", "invalid_token"
        )
    token = oauth_request.access_token
    if scope and not token.allow_scopes([scope]):
        return None, outcome_response(
            403,
            "forbidden",
            f"Klienten saknar behörigheten {scope}.",
            headers={"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'},
        )
    return token.application, None


def fhir_endpoint(scope: str | None):
    """Decorator of an API view: read-only, token-authenticated (no session, no CSRF cookie)."""

    def decorate(view):
        @csrf_exempt
        @public
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in ("GET", "HEAD"):
                return outcome_response(
                    405, "not-supported", "API:t är skrivskyddat: bara GET.", headers={"Allow": "GET"}
                )
            request.api_client = None
            if scope is not None:
                client, refusal = authenticate(request, scope)
                if refusal is not None:
                    return refusal
                request.api_client = client
            return view(request, *args, **kwargs)

        wrapper.fhir_scope = scope
        return wrapper

    return decorate
