"""The sign-in and sign-out pages of e-identification (see mittvaccin/eid.py for the rules)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.contrib.auth import login, logout
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mittvaccin import eid
from mittvaccin.accounts import SESSION_STRONG, sign_in_event
from mittvaccin.decorators import public
from mittvaccin.models import SignInEvent, User
from mittvaccin.redirects import safe_next

logger = logging.getLogger(__name__)


def _provider(key: str) -> eid.Provider:
    provider = eid.providers().get(key)
    if provider is None:
        raise Http404
    return provider


def refused(
    request, provider: eid.Provider | None, message: str, *, detail: str, status: int = 400, username=""
):
    """A clear page instead of a sign-in; nothing is stored but the sign-in event."""
    sign_in_event(request, SignInEvent.Kind.EID_REFUSED, username=username, detail=detail)
    resident = provider is not None and provider.audience == eid.RESIDENT
    return render(
        request,
        "mittvaccin/eid_refused.html",
        {
            "message": message,
            "retry": reverse("eid_start", args=[provider.key]) if provider else reverse("login"),
            "resident": resident,
        },
        status=status,
    )


@public
@never_cache
@require_GET
def eid_start(request, provider_key):
    provider = _provider(provider_key)
    try:
        client = eid.client_for(provider)
    except eid.ProviderUnavailable as error:
        logger.warning("OpenID provider %s unavailable: %s", provider.key, error)
        return refused(
            request,
            None,
            _("Inloggningstjänsten svarar inte just nu. Försök igen om en stund."),
            detail=f"{provider.key}: unavailable",
            status=503,
        )
    default = reverse("residents:home") if provider.audience == eid.RESIDENT else reverse("home")
    redirect_uri = request.build_absolute_uri(reverse("eid_callback", args=[provider.key]))
    found = client.create_authorization_url(redirect_uri)
    state = found.pop("state")
    data = {
        **found,
        "redirect_uri": redirect_uri,
        "next": safe_next(request, default),
        "caregiver": request.GET.get("vardgivare", ""),
    }
    data.pop("url")
    request.session[eid.state_key(provider, state)] = {
        "data": data,
        "exp": time.time() + settings.OIDC_STATE_SECONDS,
    }
    return HttpResponseRedirect(found["url"])


@public
@never_cache
@require_GET
def eid_callback(request, provider_key):
    provider = _provider(provider_key)
    state = request.GET.get("state", "")
    data, problem = eid.pending_state(request, provider, state)
    if data is None:
        message = {
            "expired": _("Inloggningen tog för lång tid och har gått ut. Börja om."),
        }.get(
            problem, _("Inloggningen kunde inte slutföras (okänd eller redan använd inloggning). Börja om.")
        )
        return refused(request, provider, message, detail=f"{provider.key}: state {problem}")
    if request.GET.get("error"):
        request.session.pop(eid.state_key(provider, state), None)
        return refused(
            request,
            provider,
            _("Inloggningen avbröts eller nekades av inloggningstjänsten."),
            detail=f"{provider.key}: {request.GET.get('error')[:60]}",
        )
    try:
        client = eid.client_for(provider)
        # Authlib renames our session key scheme: hand it the state under its own name.
        request.session[f"_state_{client.name}_{state}"] = request.session.pop(eid.state_key(provider, state))
        token = client.authorize_access_token(request)
    except Exception as error:
        request.session.pop(f"_state_mv_{provider.key}_{state}", None)
        logger.warning("OpenID sign-in refused (%s): %s", provider.key, error)
        return refused(
            request,
            provider,
            _("Inloggningen kunde inte verifieras. Ingenting har sparats. Börja om."),
            detail=f"{provider.key}: {type(error).__name__}: {str(error)[:120]}",
        )
    claims = dict(token.get("userinfo") or {})
    if claims.get("iss", "").rstrip("/") != provider.issuer:
        return refused(
            request,
            provider,
            _("Inloggningen kom från en annan utfärdare än den som är betrodd. Ingenting har sparats."),
            detail=f"{provider.key}: issuer {claims.get('iss')!r}",
        )
    if provider.audience == eid.STAFF:
        return _staff_signed_in(request, provider, claims, token, data)
    return _resident_signed_in(request, provider, claims, token, data)


def _staff_signed_in(request, provider, claims, token, data):
    hsa_id = str(claims.get(provider.claim) or "").strip()
    accounts = User.objects.filter(hsa_id=hsa_id, is_active=True).select_related("caregiver")
    if provider.organisation_number:
        accounts = accounts.filter(caregiver__organisation_number=provider.organisation_number)
    elif str(data.get("caregiver", "")).isdigit():
        accounts = accounts.filter(caregiver_id=int(data["caregiver"]))
    # R4: an account is signed in to only through its own caregiver's provider.
    candidates = [a for a in accounts if eid.staff_provider_for(a.caregiver) == provider] if hsa_id else []
    if not candidates:
        return refused(
            request,
            provider,
            _(
                "Det finns inget aktivt konto med ditt HSA-id hos vårdgivaren. Kontakta vårdgivarens administratör."
            ),
            detail=f"{provider.key}: no active account for HSA-id {hsa_id[:40]!r}",
            status=403,
            username=hsa_id[:150],
        )
    if len(candidates) > 1:
        return render(
            request,
            "mittvaccin/eid_choose_caregiver.html",
            {
                "caregivers": sorted({a.caregiver for a in candidates}, key=lambda c: c.name),
                "provider": provider,
                "next": data.get("next", ""),
            },
        )
    user = candidates[0]
    login(request, user, backend="mittvaccin.auth.StaffBackend")
    request.session[eid.SESSION_PROVIDER] = provider.key
    request.session[eid.SESSION_ID_TOKEN] = token.get("id_token", "")
    # SITHS is itself a two-factor sign-in (card and PIN).
    request.session[SESSION_STRONG] = True
    sign_in_event(request, SignInEvent.Kind.EID_SIGNED_IN, user=user, detail=provider.key)
    return redirect(data.get("next") or "home")


def _resident_signed_in(request, provider, claims, token, data):
    identity = eid.resident_identity_from_claim(str(claims.get(provider.claim) or ""))
    if identity is None:
        return refused(
            request,
            provider,
            _("Inloggningstjänsten lämnade inget giltigt personnummer. Ingenting har sparats."),
            detail=f"{provider.key}: identity claim not a valid personnummer",
        )
    # A new session for the signed-in person (no fixation of a session from before the sign-in).
    request.session.cycle_key()
    now = int(time.time())
    request.session[eid.SESSION_RESIDENT] = {
        "identity": identity,
        "given_names": str(claims.get("given_name") or "")[:100],
        "family_name": str(claims.get("family_name") or "")[:100],
        "at": now,
        "seen": now,
        "provider": provider.key,
        "id_token": token.get("id_token", ""),
    }
    return redirect(data.get("next") or "residents:home")


def redirect_to_provider(url: str) -> HttpResponseRedirect:
    """A redirect that a sign-out form may follow to the provider (CSP form-action covers redirects)."""
    response = HttpResponseRedirect(url)
    origin = "/".join(url.split("/")[:3])
    response._csp_update = {"form-action": [origin]}
    return response


def provider_logout_url(request, provider_key: str, id_token: str, after: str) -> str | None:
    """Where to send the browser so the provider's session ends too, when the provider supports it."""
    provider = eid.providers().get(provider_key)
    if provider is None:
        return None
    try:
        client = eid.client_for(provider)
        endpoint = client.load_server_metadata().get("end_session_endpoint")
        if not endpoint:
            return None
        return client.create_logout_url(
            post_logout_redirect_uri=request.build_absolute_uri(after),
            id_token_hint=id_token or None,
            client_id=provider.client_id,
        )["url"]
    except Exception:
        logger.warning("could not build the provider's logout address for %s", provider_key)
        return None


@public
@require_POST
def staff_logout(request):
    """Sign out here, then at the identity provider when the session came from one."""
    provider_key = request.session.get(eid.SESSION_PROVIDER)
    id_token = request.session.get(eid.SESSION_ID_TOKEN, "")
    logout(request)
    if provider_key:
        url = provider_logout_url(request, provider_key, id_token, reverse("login"))
        if url:
            return redirect_to_provider(url)
    return redirect("login")
