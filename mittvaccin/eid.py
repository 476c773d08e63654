"""Sign-in with Swedish e-identification over OpenID Connect (authorization code flow with PKCE).

Staff sign in with their SITHS card through the region's identity provider and are found by their
HSA-id, at the caregiver that employs them (R4). Residents sign in with BankID or Freja eID through a
broker and are known by their personnummer; the residents' pages (a later app) read who they are
from the session through `signed_in_resident`.

Authlib does the protocol (discovery, PKCE, the token exchange, the ID token's signature, audience,
nonce and expiry). On top of it this module insists that the provider's discovery document and the
token name the configured issuer, that a state is used once and within OIDC_STATE_SECONDS, and that
every refusal is a clear page that stores nothing but a sign-in event.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from authlib.integrations.django_client import OAuth
from django.conf import settings
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

STAFF = "staff"
RESIDENT = "resident"
SESSION_PROVIDER = "mv_eid_provider"
SESSION_ID_TOKEN = "mv_eid_id_token"  # noqa: S105  (a session key, not a secret)
SESSION_RESIDENT = "mv_resident"


@dataclass(frozen=True)
class Provider:
    key: str
    audience: str
    issuer: str
    client_id: str
    client_secret: str
    claim: str
    organisation_number: str = ""

    @property
    def label(self) -> str:
        if self.audience == RESIDENT:
            return str(_("Logga in med BankID eller Freja eID"))
        return str(_("Logga in med e-tjänstekort (SITHS)"))


def providers() -> dict[str, Provider]:
    """Every configured provider by its key (the key is part of the callback address)."""
    found: dict[str, Provider] = {}
    if settings.OIDC_STAFF_ISSUER:
        found["personal"] = Provider(
            key="personal",
            audience=STAFF,
            issuer=settings.OIDC_STAFF_ISSUER,
            client_id=settings.OIDC_STAFF_CLIENT_ID,
            client_secret=settings.OIDC_STAFF_CLIENT_SECRET,
            claim=settings.OIDC_STAFF_HSA_CLAIM,
        )
    for entry in settings.OIDC_STAFF_CAREGIVER_PROVIDERS:
        number = entry["organisation_number"]
        key = "personal-" + number.replace("-", "")
        found[key] = Provider(
            key=key,
            audience=STAFF,
            issuer=entry["issuer"].rstrip("/"),
            client_id=entry["client_id"],
            client_secret=entry.get("client_secret", ""),
            claim=entry.get("hsa_claim", settings.OIDC_STAFF_HSA_CLAIM),
            organisation_number=number,
        )
    if settings.OIDC_RESIDENT_ISSUER:
        found["invanare"] = Provider(
            key="invanare",
            audience=RESIDENT,
            issuer=settings.OIDC_RESIDENT_ISSUER,
            client_id=settings.OIDC_RESIDENT_CLIENT_ID,
            client_secret=settings.OIDC_RESIDENT_CLIENT_SECRET,
            claim=settings.OIDC_RESIDENT_PERSONNUMMER_CLAIM,
        )
    return found


def staff_providers() -> list[Provider]:
    return [p for p in providers().values() if p.audience == STAFF]


def resident_provider() -> Provider | None:
    return providers().get("invanare")


def staff_provider_for(caregiver) -> Provider | None:
    """The provider the caregiver's staff sign in with: its own, else the installation's, else none."""
    all_providers = providers()
    own = all_providers.get("personal-" + caregiver.organisation_number.replace("-", ""))
    return own or all_providers.get("personal")


_CLIENTS: dict[Provider, object] = {}


class ProviderUnavailable(Exception):
    pass


def client_for(provider: Provider):
    """The Authlib client of a provider, with its discovery document checked against the issuer."""
    client = _CLIENTS.get(provider)
    if client is None:
        registry = OAuth()
        client = registry.register(
            name=f"mv_{provider.key}",
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.issuer + "/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile", "code_challenge_method": "S256", "default_timeout": 10},
        )
        client.framework.expires_in = settings.OIDC_STATE_SECONDS
        _CLIENTS[provider] = client
    try:
        metadata = client.load_server_metadata()
    except Exception as error:  # network, TLS, JSON: the provider cannot be reached
        client.server_metadata = {}
        raise ProviderUnavailable(str(error)) from error
    if metadata.get("issuer", "").rstrip("/") != provider.issuer:
        # OpenID Connect Discovery 1.0 §4.3: the document must name the issuer it was fetched for.
        client.server_metadata = {}
        raise ProviderUnavailable(f"discovery names issuer {metadata.get('issuer')!r}")
    return client


def state_key(provider: Provider, state: str) -> str:
    return f"_state_mv_{provider.key}_{state}"


def pending_state(request, provider: Provider, state: str) -> tuple[dict | None, str]:
    """(the data saved when the sign-in started, "") or (None, why it cannot be used)."""
    if not state:
        return None, "missing"
    saved = request.session.get(state_key(provider, state))
    if not saved:
        return None, "unknown"  # never issued here, or already used once (a replay)
    if saved.get("exp", 0) < time.time():
        request.session.pop(state_key(provider, state), None)
        return None, "expired"
    return saved.get("data") or {}, ""


# The personnummer parser is the journal's, and the core imports no app: journal's AppConfig.ready()
# registers a function that gives the normalised personnummer or samordningsnummer of a claim, or None.
_resident_identity_parser = None


def register_resident_identity_parser(parse) -> None:
    global _resident_identity_parser
    _resident_identity_parser = parse


def resident_identity_from_claim(raw: str) -> str | None:
    """The claim's personnummer or samordningsnummer, normalised; None when it is neither."""
    return _resident_identity_parser(raw) if _resident_identity_parser else None


def signed_in_resident(request) -> dict | None:
    """The resident signed in with e-identification in this session, or None.

    {"identity": "199001012380", "given_names": …, "family_name": …, "at": epoch seconds}. The
    session's idle and total lifetime are those of staff sessions.
    """
    resident = request.session.get(SESSION_RESIDENT)
    if not resident:
        return None
    now = time.time()
    if (
        now - resident.get("seen", 0) > settings.SESSION_IDLE_SECONDS
        or now - resident.get("at", 0) > settings.SESSION_MAX_SECONDS
    ):
        request.session.pop(SESSION_RESIDENT, None)
        return None
    if now - resident.get("seen", 0) > 30:
        resident["seen"] = int(now)
        request.session[SESSION_RESIDENT] = resident
    return resident
