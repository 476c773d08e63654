"""The whole authorization-code flow with PKCE, in chromium, against a real OpenID provider started
for the test (django-oauth-toolkit in devtools/oidc_provider, its own process, port and database).
Nothing of the protocol is mocked: only the people are test identities (issue 13)."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.test import override_settings

from devtools.oidc_provider import process as idp
from mittvaccin.models import AccessLogEntry, SignInEvent
from tests.e2e.conftest import screenshot
from tests.factories import PatientFactory

HSA_ANNA = "SE2321000016-E001"
RESIDENT = "199001012385"
IDENTITIES = [
    {"username": "kort-alice", "given_name": "Alice", "family_name": "Kort", "hsa_id": HSA_ANNA},
    {"username": "kort-okand", "given_name": "Okänd", "family_name": "Person", "hsa_id": "SE2321000016-X999"},
    {"username": "bankid-vera", "given_name": "Vera", "family_name": "Eid", "personnummer": RESIDENT},
    {
        "username": "bankid-trasig",
        "given_name": "Trasig",
        "family_name": "Nummer",
        "personnummer": "19900101-2386",
    },
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def provider_database_url(name: str) -> str:
    db = settings.DATABASES["default"]
    host = db.get("HOST") or ""

    netloc = f"{db.get('USER') or 'postgres'}@{quote(host, safe='') if host.startswith('/') else host}"
    if db.get("PORT"):
        netloc += f":{db['PORT']}"
    return urlunsplit(("postgres", netloc, f"/{name}", "", ""))


@pytest.fixture(scope="session")
def oidc_provider(worker_id):
    folder = Path(tempfile.mkdtemp(prefix="idp-"))
    started = []

    def launch(**env):
        port = free_port()
        process = idp.start(
            port=port,
            database_url=provider_database_url(f"idp_test_{worker_id}"),
            data=idp.config(IDENTITIES),
            folder=folder,
            env={"MITTVACCIN_TESTING": "1", **env},
        )
        started.append(process)
        return f"http://127.0.0.1:{port}/o"

    issuers = {"good": launch()}
    # The same provider software, signing its ID tokens as another issuer would (a mix-up).
    issuers["other"] = launch(IDP_TOKEN_ISSUER="https://another-issuer.example/o")
    yield issuers
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def eid_settings(issuer: str, **extra):
    origin = "/".join(issuer.split("/")[:3])
    return override_settings(
        OIDC_STAFF_ISSUER=issuer,
        OIDC_STAFF_CLIENT_ID=idp.STAFF_CLIENT,
        OIDC_STAFF_CLIENT_SECRET=idp.STAFF_SECRET,
        OIDC_RESIDENT_ISSUER=issuer,
        OIDC_RESIDENT_CLIENT_ID=idp.RESIDENT_CLIENT,
        OIDC_RESIDENT_CLIENT_SECRET=idp.RESIDENT_SECRET,
        CONTENT_SECURITY_POLICY={
            "DIRECTIVES": {
                **settings.CONTENT_SECURITY_POLICY["DIRECTIVES"],
                "form-action": ["'self'", origin],
            }
        },
        **extra,
    )


def sign_in_at_provider(page, identity: str) -> None:
    page.get_by_label("Testidentitet").fill(identity)
    page.get_by_role("button", name="Logga in").click()


@pytest.mark.django_db(transaction=True)
def test_staff_sign_in_with_siths_finds_the_account_by_hsa_id_and_signs_out_at_the_provider(
    page, cast, oidc_provider
):
    cast.alice.hsa_id = HSA_ANNA
    cast.alice.save()
    with eid_settings(oidc_provider["good"]):
        page.goto("/logga-in/")
        page.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
        assert "/o/" in page.url or "/login/" in page.url
        assert "UTVECKLINGSLEVERANTÖR" in page.content()
        sign_in_at_provider(page, "kort-alice")
        page.wait_for_url(lambda url: urlsplit(url).path == "/")
        assert page.get_by_test_id("current-user").inner_text().startswith("Alice")
        screenshot(page, "eid-staff-signed-in")
        # PKCE was used: the provider refuses a code exchange without the verifier, so a signed-in
        # user here means the S256 challenge and verifier matched.
        assert SignInEvent.objects.filter(kind="eid_signed_in", user=cast.alice).exists()
        # Password sign-in is now closed for this account (its caregiver has a provider).
        page.get_by_role("button", name="Logga ut").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/logga-in/")
        # The provider's session ended too: the next sign-in asks for the identity again.
        page.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
        assert page.get_by_label("Testidentitet").is_visible()


@pytest.mark.django_db(transaction=True)
def test_r4_an_hsa_id_not_in_the_caregiver_gets_a_clear_page(page, cast, oidc_provider):
    with eid_settings(oidc_provider["good"]):
        page.goto("/logga-in/")
        page.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
        sign_in_at_provider(page, "kort-okand")
        page.wait_for_url(lambda url: "/eid/personal/retur/" in url)
        assert "Det finns inget aktivt konto med ditt HSA-id" in page.content()
        assert page.context.cookies() and not any(
            c["name"] == "sessionid" and "_auth_user_id" in c["value"] for c in page.context.cookies()
        )
        page.goto("/")
        assert "/logga-in/" in page.url
    assert SignInEvent.objects.filter(kind="eid_refused").exists()


@pytest.mark.django_db(transaction=True)
def test_a_replayed_state_is_refused(page, cast, oidc_provider):
    cast.alice.hsa_id = HSA_ANNA
    cast.alice.save()
    with eid_settings(oidc_provider["good"]):
        page.goto("/logga-in/")
        page.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
        callback = {}
        page.on(
            "request",
            lambda r: callback.setdefault("url", r.url) if "/eid/personal/retur/" in r.url else None,
        )
        sign_in_at_provider(page, "kort-alice")
        page.wait_for_url(lambda url: urlsplit(url).path == "/")
        page.get_by_role("button", name="Logga ut").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/logga-in/")
        page.goto(callback["url"])
        assert "okänd eller redan använd inloggning" in page.content()
        page.goto("/")
        assert "/logga-in/" in page.url


@pytest.mark.django_db(transaction=True)
def test_an_expired_state_is_refused(page, cast, oidc_provider):
    cast.alice.hsa_id = HSA_ANNA
    cast.alice.save()
    with eid_settings(oidc_provider["good"], OIDC_STATE_SECONDS=-1):
        page.goto("/logga-in/")
        page.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
        sign_in_at_provider(page, "kort-alice")
        page.wait_for_url(lambda url: "/eid/personal/retur/" in url)
        assert "gått ut" in page.content()


@pytest.mark.django_db(transaction=True)
def test_a_token_from_another_issuer_is_refused(page, cast, oidc_provider):
    cast.alice.hsa_id = HSA_ANNA
    cast.alice.save()
    with eid_settings(oidc_provider["other"]):
        page.goto("/logga-in/")
        page.get_by_role("link", name="Logga in med e-tjänstekort (SITHS)").click()
        page.wait_for_load_state()
        if "Inloggningen misslyckades" not in page.content():
            sign_in_at_provider(page, "kort-alice")
            page.wait_for_url(lambda url: "/eid/personal/retur/" in url)
        assert "Inloggningen misslyckades" in page.content()
        page.goto("/")
        assert "/logga-in/" in page.url


@pytest.mark.django_db(transaction=True)
def test_a_resident_signs_in_with_bankid_and_sees_their_vaccinations(mobile_page, cast, oidc_provider):
    page = mobile_page
    patient = PatientFactory(caregiver=cast.caregiver_a, identity_number=RESIDENT)
    with eid_settings(oidc_provider["good"]):
        page.goto("/mina-vaccinationer/")
        page.get_by_test_id("resident-signin").click()
        sign_in_at_provider(page, "bankid-vera")
        page.wait_for_url(lambda url: urlsplit(url).path == "/mina-vaccinationer/")
        assert page.get_by_role("heading", name="Mina vaccinationer").is_visible()
        screenshot(page, "eid-resident-home-390")
        assert AccessLogEntry.objects.filter(patient_id=patient.pk, resident_identity=RESIDENT).exists()
        page.get_by_role("button", name="Logga ut").click()
        page.wait_for_url(lambda url: urlsplit(url).path == "/mina-vaccinationer/")
        assert page.get_by_test_id("resident-signin").is_visible()


@pytest.mark.django_db(transaction=True)
def test_a_personnummer_claim_that_fails_the_parser_is_refused(page, cast, oidc_provider):
    with eid_settings(oidc_provider["good"]):
        page.goto("/mina-vaccinationer/")
        page.get_by_test_id("resident-signin").click()
        sign_in_at_provider(page, "bankid-trasig")
        page.wait_for_url(lambda url: "/eid/invanare/retur/" in url)
        assert "inget giltigt personnummer" in page.content()
        page.goto("/mina-vaccinationer/")
        assert page.get_by_test_id("resident-signin").is_visible()
    assert not AccessLogEntry.objects.exists()
