"""Fresh install to first dose, with the documented commands only (README, Deployment).

Empty database → `caregiver_create` → `catalogue_import` → the administrator adds a unit and a nurse →
the nurse receives a delivery → the nurse registers a dose. Everything after the two commands goes
through the screens, as a clinic would do it on its first day.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from journal.identity import format_identity, identity_with_check_digit
from journal.models import Patient, Vaccination, VaccineProduct
from journal.stock_models import StockBalance
from mittvaccin.models import Caregiver, Unit, User

ADMIN_PASSWORD = "forsta-dagen-2026"
NURSE_PASSWORD = "vaccinera-nu-2026"
OWN = "eget-val-av-ord-77"
NO_FLAGS = {
    "unwell": "no",
    "allergy": "no",
    "earlier_reaction": "no",
    "pregnant": "no",
    "immune": "no",
    "bleeding": "no",
    "recent_vaccination": "no",
    "other": "",
}


def _logged_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def _ok(response, status=302):
    assert response.status_code == status, response.content.decode()[:2000]
    return response


@pytest.mark.django_db
def test_fresh_install_to_first_dose_with_the_documented_commands():
    assert (
        not Caregiver.objects.exists() and not VaccineProduct.objects.exists() and not User.objects.exists()
    )

    # 1. The two commands of the README's deployment section.
    call_command(
        "caregiver_create", "Region Ny", "212000-1835", unit="Vaccinationsmottagningen Centrum",
        unit_slug="centrum", admin="karin", admin_name="Karin Ek", password=ADMIN_PASSWORD, stdout=io.StringIO(),
    )  # fmt: skip
    call_command("catalogue_import", stdout=io.StringIO())
    assert VaccineProduct.objects.filter(name="FSME-Immun").exists()

    # 2. The administrator adds a unit and a nurse (with the ordering right, so she can order and give).
    admin = _logged_in("karin", ADMIN_PASSWORD)
    _ok(
        admin.post(
            reverse("unit_create"),
            {
                "name": "Vaccinationsmottagningen Norr", "slug": "norr", "kind": "vaccination_clinic",
                "vaccination_main_activity": "on", "timebook_enabled": "on", "is_active": "on",
                "address": "", "postal_code": "", "city": "", "phone": "",
            },
        )
    )  # fmt: skip
    unit = Unit.objects.get(slug="norr")
    _ok(
        admin.post(
            reverse("staff_create"),
            {
                "username": "eva", "password": NURSE_PASSWORD, "first_name": "Eva", "last_name": "Sjöberg",
                "email": "eva@example.invalid", "profession": "nurse", "default_unit": unit.pk,
                "rights": ["journal_read", "patient_register", "vaccination_register", "vaccine_order", "stock_manage"],
                "is_active": "on",
            },
        )
    )  # fmt: skip

    # 3. The nurse receives a delivery at her unit.
    nurse = _logged_in("eva", NURSE_PASSWORD)
    # The administrator chose that password: the first sign-in asks the nurse for her own.
    _ok(nurse.post(reverse("account_password_first"), {"new_password1": OWN, "new_password2": OWN}))
    product = VaccineProduct.objects.get(name="FSME-Immun")
    expiry = timezone.localdate() + dt.timedelta(days=400)
    _ok(
        nurse.post(
            reverse("journal:stock_delivery"),
            {
                "idempotency_key": str(uuid.uuid4()), "product": product.pk, "lot_number": "FSME 2611A",
                "expiry_date": expiry.isoformat(), "quantity": "20", "supplier": "Apoteket AB",
                "delivery_note": "4711",
            },
        )
    )  # fmt: skip
    assert StockBalance.objects.get(unit=unit).balance == 20

    # 4. The nurse registers the patient, orders, opens the visit, declares, checks and signs the dose.
    number = identity_with_check_digit(1985, 4, 12, 982)
    _ok(
        nurse.post(
            reverse("journal:patient_create"),
            {
                "identity_kind": "auto", "identity": format_identity(number), "family_name": "Första",
                "given_names": "Patienten", "sex": "F", "phone": "070-123 45 67", "email": "", "address": "",
                "postal_code": "", "city": "",
            },
        )
    )  # fmt: skip
    patient = Patient.objects.get(identity_number=number)
    _ok(
        nurse.post(
            reverse("journal:order_create", args=[patient.pk]),
            {
                "product": product.pk, "dose_ml": "0.50", "doses_total": "3", "schedule_text": "0, 1, 6 mån",
                "instructions": "", "valid_until": (timezone.localdate() + dt.timedelta(days=365)).isoformat(),
            },
        )
    )  # fmt: skip
    visit_url = _ok(nurse.post(reverse("journal:visit_start", args=[patient.pk])))["Location"]
    visit_id = int(re.search(r"/besok/(\d+)/", visit_url).group(1))
    _ok(nurse.post(reverse("journal:visit_declaration", args=[patient.pk, visit_id]), NO_FLAGS))
    page = _ok(nurse.get(visit_url), 200).content.decode()
    fingerprint = re.search(r'name="fingerprint" value="([0-9a-f]+)"', page).group(1)
    _ok(
        nurse.post(
            reverse("journal:visit_confirm", args=[patient.pk, visit_id]), {"fingerprint": fingerprint}
        )
    )
    page = _ok(nurse.get(visit_url), 200).content.decode()
    assert 'value="FSME 2611A" selected' in page  # the lot in stock, pre-selected
    order_id = re.search(r'<select name="order" id="id_order"[^>]*>\s*<option value="(\d+)"', page).group(1)
    me = User.objects.get(username="eva")
    response = nurse.post(
        reverse("journal:visit_dose", args=[patient.pk, visit_id]),
        {
            "idempotency_key": str(uuid.uuid4()), "order": order_id, "lot": "FSME 2611A", "site": "left_deltoid",
            "route": "im", "dose_ml": "0.50", "dose_amount": "full", "dose_number": "1", "prepared_by": me.pk,
            "given_by": me.pk,
            "given_at": timezone.localtime(timezone.now() - dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"),
            "override_reason": "", "comment": "",
        },
        follow=True,
    )  # fmt: skip
    assert "Vaccination signerad" in response.content.decode()
    dose = Vaccination.objects.get(patient=patient)
    assert (dose.unit, dose.lot_number, dose.product_version.name) == (unit, "FSME 2611A", "FSME-Immun")
    assert StockBalance.objects.get(unit=unit).balance == 19
