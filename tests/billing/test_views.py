"""The billing screens: who may see them, bad input as messages, and the dose form's price step."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import BillingSettings, Qualification
from tests.billing.factories import adult, campaign, child, product_with_price, visit
from tests.conftest import client_for


def dose_price(client, patient, visit_=None, **params):
    query = {"patient": patient.pk, **({"visit": visit_.pk} if visit_ else {}), **params}
    return client.get(reverse("billing:dose_price"), query)


def test_r10_dose_form_offers_only_the_campaigns_the_patient_qualifies_for(cast, alice):
    product = product_with_price(cast.caregiver_a, "345")
    kids = campaign(cast.caregiver_a, products=[product], name="Barn gratis")
    elderly = campaign(cast.caregiver_a, products=[product], name="Äldre gratis", min_age=65, max_age=130)
    young = child(cast.caregiver_a)
    html = dose_price(
        client_for(alice), young, visit(young, cast.unit_a), product=product.pk
    ).content.decode()
    assert "Barn gratis" in html
    assert "Äldre gratis" not in html
    assert f'value="{kids.pk}"' in html and f'value="{elderly.pk}"' not in html
    assert "345,00\xa0kr" in html


def test_r10_choosing_a_campaign_shows_the_amount_to_pay(cast, alice):
    product = product_with_price(cast.caregiver_a, "345")
    kids = campaign(cast.caregiver_a, products=[product], name="Barn gratis")
    young = child(cast.caregiver_a)
    response = dose_price(
        client_for(alice),
        young,
        visit(young, cast.unit_a),
        product=product.pk,
        **{"billing-campaign": kids.pk},
    )
    amount = response.content.decode().split('data-testid="dose-amount"')[1]
    assert "0,00\xa0kr" in amount.split("</p>")[0]


def test_r10_risk_group_campaign_asks_for_the_nurses_confirmation(cast, alice):
    product = product_with_price(cast.caregiver_a, "695")
    risk = campaign(
        cast.caregiver_a,
        products=[product],
        qualification=Qualification.RISK_GROUP,
        risk_group="Astma",
        min_age=None,
        max_age=None,
    )
    patient = adult(cast.caregiver_a)
    html = dose_price(
        client_for(alice), patient, product=product.pk, **{"billing-campaign": risk.pk}
    ).content.decode()
    assert 'name="billing-risk-group-confirmed"' in html
    assert "Astma" in html


def test_r4_dose_price_step_refuses_another_caregivers_patient(cast, charlie):
    patient = adult(cast.caregiver_a)
    assert dose_price(client_for(charlie), patient).status_code == 404
    assert client_for(charlie).get(reverse("billing:dose_price"), {"patient": "x"}).status_code == 404
    own = adult(cast.caregiver_b)
    foreign_visit = visit(patient, cast.unit_a)
    assert dose_price(client_for(charlie), own, foreign_visit).status_code == 404


def test_dose_price_step_needs_a_clinical_right(cast):
    patient = adult(cast.caregiver_a)
    assert dose_price(client_for(cast.clinic_a), patient).status_code == 403


def test_billing_settings_refuse_a_bad_bankgiro_and_bad_terms(cast):
    client = client_for(cast.admin_a)
    page = client.get(reverse("billing:settings"))
    assert page.status_code == 200
    response = client.post(
        reverse("billing:settings"),
        {
            "bankgiro": "1234-5678",
            "payment_terms_days": "400",
            "first_invoice_number": "1",
            "forwarding_name": "Skatteverket",
            "forwarding_address": "Box 2820",
            "forwarding_postal_code": "403 20",
            "forwarding_city": "Göteborg",
            "short_notice_hours": "24",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Ogiltigt bankgironummer" in html
    assert "1–365 dagar" in html
    assert not BillingSettings.objects.filter(bankgiro__startswith="1234").exists()


def test_billing_settings_are_saved(cast):
    response = client_for(cast.admin_a).post(
        reverse("billing:settings"),
        {
            "bankgiro": "50501055",
            "payment_terms_days": "20",
            "first_invoice_number": "1000",
            "forwarding_name": "Skatteverket",
            "forwarding_address": "Box 2820",
            "forwarding_postal_code": "403 20",
            "forwarding_city": "Göteborg",
            "short_notice_hours": "24",
            "invoice_no_shows": "on",
        },
    )
    assert response.status_code == 302
    row = services.billing_settings_for(cast.caregiver_a)
    assert (row.bankgiro, row.payment_terms_days, row.first_invoice_number) == ("5050-1055", 20, 1000)
    assert row.invoice_no_shows and not row.invoice_late_cancellations


@pytest.mark.parametrize("name", ["billing:review", "billing:invoices", "billing:invoices_export"])
def test_staff_pages_render_and_others_are_refused(cast, name):
    assert client_for(cast.clinic_a).get(reverse(name)).status_code == 200
    assert client_for(cast.alice).get(reverse(name)).status_code == 403


@pytest.mark.parametrize(
    "name", ["billing:prices", "billing:campaigns", "billing:campaign_create", "billing:settings"]
)
def test_admin_pages_render_and_others_are_refused(cast, name):
    assert client_for(cast.admin_a).get(reverse(name)).status_code == 200
    assert client_for(cast.clinic_a).get(reverse(name)).status_code == 403


def test_review_filter_with_a_backwards_period_is_a_message_not_an_error(cast):
    response = client_for(cast.clinic_a).get(
        reverse("billing:review"), {"date_from": "2026-05-01", "date_to": "2026-04-01"}
    )
    assert response.status_code == 200
    assert "slutar före" in response.content.decode()


def test_export_with_a_bad_period_is_a_message(cast):
    response = client_for(cast.clinic_a).get(
        reverse("billing:invoices_export"), {"date_from": "2026-05-01", "date_to": "2026-04-01", "hamta": "1"}
    )
    assert response.status_code == 200
    assert "slutar före" in response.content.decode()


def test_approving_nothing_or_garbage_is_a_message(cast):
    client = client_for(cast.clinic_a)
    response = client.post(reverse("billing:charges_approve"), {"charge": ["x", "1;drop"]}, follow=True)
    assert response.status_code == 200
    assert "Markera" in response.content.decode()


def test_navigation_shows_billing_by_right(cast):
    staff = client_for(cast.clinic_a).get(reverse("home")).content.decode()
    admin = client_for(cast.admin_a).get(reverse("home")).content.decode()
    nurse = client_for(cast.alice).get(reverse("home")).content.decode()
    assert "Granska fakturering" in staff and "Priser" not in staff
    assert "Priser" in admin and "Granska fakturering" not in admin
    assert "Granska fakturering" not in nurse and "Priser" not in nurse


def test_future_price_removal_on_the_page(cast):
    product = product_with_price(cast.caregiver_a, "100")
    future = services.price_set(
        caregiver=cast.caregiver_a,
        product=product,
        amount=Decimal("150"),
        valid_from=timezone.localdate() + dt.timedelta(days=3),
    )
    response = client_for(cast.admin_a).post(reverse("billing:price_delete", args=[future.pk]), follow=True)
    assert "borttaget" in response.content.decode()
    old = services.price_for(caregiver=cast.caregiver_a, product=product, day=timezone.localdate())
    response = client_for(cast.admin_a).post(reverse("billing:price_delete", args=[old.pk]), follow=True)
    assert "redan har börjat gälla" in response.content.decode()
