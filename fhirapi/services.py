"""The administrator's use cases for the API's clients (A8): create one, revoke one."""

from __future__ import annotations

from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from fhirapi.models import ApiClient, Scope


@transaction.atomic
def api_client_create(*, caregiver, name: str, scopes: list[str], user) -> tuple[ApiClient, str]:
    """A new client of `caregiver`; returns it and its secret, which is stored hashed and shown once."""
    secret = generate_client_secret()
    client = ApiClient(
        caregiver=caregiver,
        name=name.strip(),
        scopes=[Scope(scope).value for scope in scopes],
        client_type=ApiClient.CLIENT_CONFIDENTIAL,
        authorization_grant_type=ApiClient.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
        created_by=user,
    )
    client.save()
    return client, secret


@transaction.atomic
def api_client_revoke(*, client: ApiClient, user) -> bool:
    """Revoke the client and end its tokens now; False when it was already revoked."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.is_revoked:
        return False
    client.revoke(by=user)
    client.save(update_fields=["revoked_at", "revoked_by"])
    # Its tokens stop working at once (ApiClient.is_usable says so too, should one be in flight).
    get_refresh_token_model().objects.filter(application=client).delete()
    get_access_token_model().objects.filter(application=client).delete()
    return True
