"""R4: a user sees only their own caregiver's data, on every URL.

Walks every URL pattern of the project. As Charlie (caregiver B) with caregiver A's ids, each
method answers 404 (or 405 where the method is not allowed), never data. New URLs join by
themselves; a new parameter name fails the test until tests/tenancy_ids.py knows how to fill it.
"""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from journal.models import Patient
from mittvaccin.models import AccessLogEntry, Caregiver, Unit
from mittvaccin.tenancy import CaregiverOwnedQuerySet
from tests.conftest import client_for
from tests.fhirapi.helpers import make_client, token_for
from tests.tenancy_ids import ID_PROVIDERS, NATIONAL_URL_NAMES, PUBLIC_URL_NAMES, TOKEN_URL_NAMESPACES

SKIP_NAMESPACES = {"djdt"}


def walk(patterns=None, prefix="", namespace=""):
    patterns = get_resolver().url_patterns if patterns is None else patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            if ns in SKIP_NAMESPACES:
                continue
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield name, prefix + str(entry.pattern), entry


def parameterised_patterns():
    found = []
    for name, route, entry in walk():
        converters = getattr(entry.pattern, "converters", {})
        if converters and name not in PUBLIC_URL_NAMES and name not in NATIONAL_URL_NAMES:
            found.append((name, route, sorted(converters)))
    return found


def url_for(name: str, params: list[str], values: dict) -> str:
    return reverse(name, kwargs={p: values[p] for p in params})


def test_every_url_parameter_has_an_id_provider():
    missing = {p for _, _, params in parameterised_patterns() for p in params if p not in ID_PROVIDERS}
    assert not missing, f"Add providers to tests/tenancy_ids.py for: {sorted(missing)}"


def test_url_walk_finds_the_patient_urls():
    names = {name for name, _, _ in parameterised_patterns()}
    assert "journal:patient" in names
    assert "journal:access_log_extract" in names


def token_client_of(caregiver):
    """A test client sending a bearer token of a client of `caregiver` with every scope (the FHIR API)."""

    token = token_for(make_client(caregiver, name=f"URL-genomgången {caregiver.pk}"))
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def is_token_url(name: str) -> bool:
    return (name or "").split(":")[0] in TOKEN_URL_NAMESPACES


@pytest.mark.django_db
def test_r4_every_url_answers_404_to_another_caregiver(cast):
    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    session_client = client_for(cast.charlie)
    token_client = token_client_of(cast.caregiver_b)
    leaks = []
    checked = 0
    tokens_checked = 0
    for name, _route, params in parameterised_patterns():
        url = url_for(name, params, values)
        client = token_client if is_token_url(name) else session_client
        tokens_checked += is_token_url(name)
        statuses = {}
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            statuses[method] = response.status_code
        checked += 1
        if set(statuses.values()) - {404, 405} or 404 not in statuses.values():
            leaks.append(f"{name} {url} → {statuses}")
    assert checked > 0
    assert tokens_checked >= 2  # the FHIR API's Patient read and its catch-all are walked with a token
    assert not leaks, "Caregiver B reached caregiver A's objects:\n" + "\n".join(leaks)


@pytest.mark.django_db
def test_r4_own_caregiver_urls_never_fail(cast):
    """The same walk as the caregiver's own administrator and nurse: no 500 anywhere."""
    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    failures = []
    token_client = token_client_of(cast.caregiver_a)
    for user in (cast.admin_a, cast.alice):
        session_client = client_for(user)
        for name, _route, params in parameterised_patterns():
            client = token_client if is_token_url(name) else session_client
            response = client.get(url_for(name, params, values))
            if response.status_code >= 500:
                failures.append(f"{user.username} GET {name} → {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_every_patient_url_writes_the_access_log(cast):
    """Each GET of a page under a patient id leaves exactly the rows of that request in the log."""
    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    client = client_for(cast.admin_a)
    client_nurse = client_for(cast.alice)
    token_client = token_client_of(cast.caregiver_a)
    silent = []
    for name, _route, params in parameterised_patterns():
        if "patient_id" not in params:
            continue
        before = AccessLogEntry.objects.filter(patient_id=values["patient_id"]).count()
        for c in (token_client,) if is_token_url(name) else (client, client_nurse):
            response = c.get(url_for(name, params, values))
            if response.status_code == 200:
                break
        after = AccessLogEntry.objects.filter(patient_id=values["patient_id"]).count()
        if response.status_code == 200 and after == before:
            silent.append(name)
    assert not silent, f"Patient pages that did not log the read: {silent}"


def test_every_caregiver_owned_model_declares_its_tenancy():
    """Tenancy in one place: a model that hangs off a caregiver, unit or patient names its caregiver path
    and uses CaregiverOwnedQuerySet, so owned_or_404 can scope it."""

    owners = (Caregiver, Unit, Patient)
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "mittvaccin",
            "journal",
            "booking",
            "billing",
            "reports",
            "nvr",
            "fhirapi",
        }:
            continue
        related = [f.related_model for f in model._meta.get_fields() if f.many_to_one or f.one_to_one]
        hangs_off_owner = any(r in owners for r in related if r is not None and f"{r}" != "self")
        declared = hasattr(model, "caregiver_lookup") and isinstance(
            model._default_manager.all(), CaregiverOwnedQuerySet
        )
        if hangs_off_owner and not declared:
            missing.append(model.__name__)
    assert not missing, f"Declare caregiver_lookup and CaregiverOwnedQuerySet on: {missing}"
