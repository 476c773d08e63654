"""Rights and sessions from the hardening issue: no-store on every answer, login lockout by the same
client address as the rest of the product, the access-log review logs its own reading, and creating or
editing a patient needs a stated right."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from mittvaccin.models import AccessLogEntry
from mittvaccin.rights import Right
from tests.conftest import client_for
from tests.factories import TEST_PASSWORD
from tests.tenancy_ids import ID_PROVIDERS
from tests.test_tenancy_urls import parameterised_patterns, url_for

pytestmark = pytest.mark.django_db


def test_every_page_pdf_and_export_says_no_store(cast):
    values = {param: provider(cast) for param, provider in ID_PROVIDERS.items()}
    urls = [url_for(name, params, values) for name, _route, params in parameterised_patterns()]
    today = timezone.localdate().isoformat()
    urls += [
        reverse("home"),
        reverse("journal:patient_search") + "?q=Andersson",
        reverse("journal:access_log"),
        reverse("billing:invoices_export") + f"?date_from={today}&date_to={today}&hamta=1",
    ]
    checked, missing = 0, []
    for user in (cast.alice, cast.admin_a, cast.clinic_a):
        client = client_for(user)
        for url in urls:
            response = client.get(url)
            if response.status_code != 200:
                continue
            checked += 1
            if "no-store" not in response.get("Cache-Control", ""):
                missing.append(f"{user.username} {url} {response['Content-Type']}")
    assert checked > 50
    assert not missing, missing


def test_the_certificate_pdf_says_no_store(cast, patient_a):
    response = client_for(cast.alice).get(reverse("journal:certificate", args=[patient_a.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]


def login(client, password, address):
    return client.post(
        reverse("login"),
        {"username": "alice", "password": password},
        REMOTE_ADDR="10.0.0.2",  # the reverse proxy
        HTTP_X_FORWARDED_FOR=address,
    )


def test_login_lockout_is_by_the_forwarded_client_address_behind_the_proxy(cast, settings):
    settings.TRUST_X_FORWARDED_FOR = True
    attacker = Client()
    statuses = [login(attacker, "wrong-password", "203.0.113.9").status_code for _ in range(5)]
    assert statuses[-1] == 429
    assert login(attacker, TEST_PASSWORD, "203.0.113.9").status_code == 429  # the attacker stays locked
    # Alice, behind the same proxy but at her own address, still gets in.
    response = login(Client(), TEST_PASSWORD, "198.51.100.4")
    assert response.status_code == 302


def test_reading_the_access_log_review_is_logged_too(cast, patient_a, protected_patient_a):
    nurse = client_for(cast.alice)
    nurse.get(reverse("journal:patient", args=[patient_a.pk]))
    nurse.get(reverse("journal:patient", args=[protected_patient_a.pk]))
    before = AccessLogEntry.objects.filter(user=cast.admin_a).count()
    response = client_for(cast.admin_a).get(reverse("journal:access_log"), {"user": cast.alice.pk})
    assert response.status_code == 200
    assert patient_a.identity_number[:8] in response.content.decode()
    rows = AccessLogEntry.objects.filter(user=cast.admin_a).order_by("pk")[before:]
    assert {(row.patient_id, row.patient_protected) for row in rows} == {
        (patient_a.pk, False),
        (protected_patient_a.pk, True),
    }
    assert {row.action for row in rows} == {"journal.access_log.review"}


def test_creating_and_editing_a_patient_needs_the_right(cast, patient_a):
    assert Right.PATIENT_REGISTER in cast.alice.rights
    assert Right.PATIENT_REGISTER not in cast.admin_a.rights
    admin = client_for(cast.admin_a)
    assert admin.get(reverse("journal:patient_create")).status_code == 403
    assert admin.post(reverse("journal:patient_create"), {"identity": "19850412-1230"}).status_code == 403
    assert admin.get(reverse("journal:patient_edit", args=[patient_a.pk])).status_code == 403
    cast.alice.rights = [r for r in cast.alice.rights if r != Right.PATIENT_REGISTER]
    cast.alice.save()
    nurse = client_for(cast.alice)
    assert nurse.get(reverse("journal:patient_create")).status_code == 403
    page = nurse.get(reverse("journal:patient", args=[patient_a.pk])).content.decode()
    assert reverse("journal:patient_edit", args=[patient_a.pk]) not in page
    search = nurse.get(reverse("journal:patient_search"), {"q": "19850412-1230"}).content.decode()
    assert reverse("journal:patient_create") not in search
    assert client_for(cast.bob).get(reverse("journal:patient_create")).status_code == 200
