"""Fixes found by a walk through every role: campaigns and the visit fee (R10), price periods (R17),
the invoice address, the public price (R18), double submissions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from billing import services
from billing.models import ArticleKind, Campaign, Charge, ChargeStatus, Invoice, InvoiceKind, Price
from billing.services import articles_ensure
from billing.services.charges import dose_quote
from billing.services.common import BillingError
from tests.billing.factories import adult, approved, article_price, campaign, dose_charge, product_with_price
from tests.billing.factories import patient as billing_patient
from tests.booking.factories import VisitTypeFactory
from tests.conftest import client_for
from tests.factories import VaccineProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def flu_for_65(cast):
    """An influenza campaign for 65+ that also waives the visit fee (the walk's example)."""
    fee = article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    flu = product_with_price(cast.caregiver_a, "250", name="Influvac test")
    tbe = product_with_price(cast.caregiver_a, "345", name="TBE test")
    senior = campaign(
        cast.caregiver_a, name="Influensa 65+", products=[flu], articles=[fee], min_age=65, max_age=120
    )
    return flu, tbe, senior


def _birth(years):
    today = timezone.localdate()
    return dt.date(today.year - years - 1, 6, 1)


def test_r10_a_campaign_waives_the_visit_fee_only_where_its_vaccine_is_given(cast, alice, flu_for_65):
    flu, tbe, senior = flu_for_65
    patient = billing_patient(cast.caregiver_a, birth_date=_birth(70))
    tbe_dose, tbe_fee = dose_charge(patient, cast.unit_a, tbe, user=alice)
    assert (tbe_dose.amount, tbe_fee.amount) == (Decimal("345.00"), Decimal("100.00"))
    assert tbe_fee.campaign is None  # the invoice names no influenza campaign on a TBE visit
    # On an influenza visit the nurse chooses the campaign (R10): the dose and the visit fee are free.
    flu_dose, flu_fee = dose_charge(
        patient, cast.unit_a, flu, user=alice, billing_data={"billing-campaign": str(senior.pk)}
    )
    assert (flu_dose.amount, flu_fee.amount) == (Decimal("0.00"), Decimal("0.00"))
    assert flu_fee.campaign == senior
    # Without the nurse's choice too, the fee of an influenza visit follows the campaign automatically.
    _dose, fee_only = dose_charge(
        billing_patient(cast.caregiver_a, birth_date=_birth(70)), cast.unit_a, flu, user=alice
    )
    assert fee_only.amount == Decimal("0.00")


def test_r10_the_dose_form_quotes_the_visit_fee_by_the_vaccine_given(cast, flu_for_65):

    flu, tbe, _senior = flu_for_65
    patient = billing_patient(cast.caregiver_a, birth_date=_birth(70))
    today = timezone.localdate()
    assert dose_quote(patient=patient, unit=cast.unit_a, product=tbe, day=today).visit_fee_amount == Decimal(
        "100.00"
    )
    assert dose_quote(patient=patient, unit=cast.unit_a, product=flu, day=today).visit_fee_amount == Decimal(
        "0.00"
    )


def test_r10_a_fee_only_campaign_still_waives_the_fee_of_any_vaccine(cast, alice, flu_for_65):
    _flu, tbe, _senior = flu_for_65
    fee = articles_ensure(cast.caregiver_a)[ArticleKind.VISIT_FEE]
    campaign(cast.caregiver_a, name="Barn besöksavgift", articles=[fee], min_age=0, max_age=17)
    child = billing_patient(cast.caregiver_a, birth_date=_birth(8))
    _dose, visit_fee = dose_charge(child, cast.unit_a, tbe, user=alice)
    assert visit_fee.amount == Decimal("0.00")
    assert Charge.objects.filter(patient=child).count() == 2


def _price(cast, product, amount: str, valid_from: dt.date, valid_until: dt.date | None = None):
    return services.price_set(
        caregiver=cast.caregiver_a,
        product=product,
        amount=Decimal(amount),
        valid_from=valid_from,
        valid_until=valid_until,
    )


def test_r17_a_new_price_with_an_end_date_cuts_the_open_price_short(cast):

    product = VaccineProductFactory()
    _price(cast, product, "300", dt.date(2025, 1, 1))
    _price(cast, product, "250", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    periods = list(
        Price.objects.filter(product=product)
        .order_by("valid_from")
        .values_list("amount", "valid_from", "valid_until")
    )
    assert periods == [
        (Decimal("300.00"), dt.date(2025, 1, 1), dt.date(2026, 2, 28)),
        (Decimal("250.00"), dt.date(2026, 3, 1), dt.date(2026, 3, 31)),
    ]


def test_r17_only_a_real_overlap_with_another_bounded_price_is_refused(cast):

    product = VaccineProductFactory()
    _price(cast, product, "250", dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    with pytest.raises(BillingError, match="2026-03-01"):
        _price(cast, product, "260", dt.date(2026, 3, 15), dt.date(2026, 4, 15))
    # Next to it, not over it: accepted.
    _price(cast, product, "260", dt.date(2026, 4, 1), dt.date(2026, 4, 30))


def test_r15_no_approval_without_an_address_the_review_offers_to_complete_it(
    cast, alice, billing_ready, product
):

    homeless = adult(cast.caregiver_a, address="", postal_code="", city="")
    [charge] = dose_charge(homeless, cast.unit_a, product, user=alice)
    client = client_for(cast.clinic_a)
    review = reverse("billing:review")
    page = client.get(review).content.decode()
    assert 'data-testid="address-missing"' in page
    edit = reverse("journal:patient_edit", args=[homeless.pk])
    assert edit in page
    response = client.post(
        reverse("billing:charges_approve"), {"charge": [charge.pk], "next": review}, follow=True
    )
    assert "saknar adress" in response.content.decode()
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.OPEN
    # Completing the address from the review's link leads back to the review; then approval works.
    response = client.post(
        edit + "?next=" + review,
        {
            "family_name": homeless.family_name,
            "given_names": homeless.given_names,
            "address": "Nygatan 3",
            "postal_code": "652 24",
            "city": "Karlstad",
            "phone": "",
            "email": "",
        },
    )
    assert response["Location"] == review
    client.post(reverse("billing:charges_approve"), {"charge": [charge.pk], "next": review})
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.APPROVED


def test_r7_a_protected_patient_needs_no_address_the_forwarding_route_is_used(
    cast, alice, billing_ready, product
):

    hidden = adult(cast.caregiver_a, protected=True)
    [charge] = dose_charge(hidden, cast.unit_a, product, user=alice)
    result = services.charges_approve(caregiver=cast.caregiver_a, charge_ids=[charge.pk], user=cast.clinic_a)
    assert result.approved == 1 and not result.no_address
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.APPROVED


def test_r18_the_public_booking_price_is_the_price_lists_figure_the_invoice_carries(cast, alice):

    fee = article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    tbe = product_with_price(cast.caregiver_a, "345", name="TBE pris")
    visit_type = VisitTypeFactory(unit=cast.unit_a, name="TBE dos 1", price_text="kostnadsfritt för barn")
    visit_type.vaccines.set([tbe])
    page = Client().get(reverse("booking:public_unit", args=[cast.unit_a.slug])).content.decode()
    assert "345,00 kr per dos + besöksavgift 100,00 kr" in page
    assert "kostnadsfritt för barn" in page
    # The administrator changes the price: the public page follows, and so does the charge.
    services.price_set(
        caregiver=cast.caregiver_a, product=tbe, amount=Decimal("395"), valid_from=timezone.localdate()
    )
    page = Client().get(reverse("booking:public_unit", args=[cast.unit_a.slug])).content.decode()
    assert "395,00 kr per dos + besöksavgift 100,00 kr" in page
    dose, visit_fee = dose_charge(adult(cast.caregiver_a), cast.unit_a, tbe, user=alice)
    assert (dose.amount, visit_fee.amount, visit_fee.article) == (Decimal("395.00"), Decimal("100.00"), fee)


def test_a_campaign_form_sent_twice_makes_one_campaign_and_says_it_is_saved(cast):

    product = product_with_price(cast.caregiver_a, "300")
    client = client_for(cast.admin_a)
    data = {
        "submission": "form-once-1",
        "name": "Barn TBE",
        "products": [product.pk],
        "campaign_price": "0",
        "qualification": "age",
        "min_age": "3",
        "max_age": "19",
        "starts_on": timezone.localdate().isoformat(),
    }
    first = client.post(reverse("billing:campaign_create"), data, follow=True)
    second = client.post(reverse("billing:campaign_create"), data, follow=True)
    assert Campaign.objects.filter(caregiver=cast.caregiver_a, name="Barn TBE").count() == 1
    for response in (first, second):
        assert "Kampanjen Barn TBE är sparad" in response.content.decode()


def test_a_credit_note_form_sent_twice_makes_one_credit_note_and_says_it_is_made(
    cast, alice, billing_ready, product
):

    patient = adult(cast.caregiver_a)
    approved(dose_charge(patient, cast.unit_a, product, user=alice), cast.clinic_a)
    [invoice] = services.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices
    client = client_for(cast.clinic_a)
    url = reverse("billing:invoice_credit", args=[invoice.pk])
    data = {"submission": "credit-once-1", "reason": "Fel vaccin registrerat"}
    first = client.post(url, data, follow=True)
    second = client.post(url, data, follow=True)
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE, credited_invoice=invoice).count() == 1
    for response in (first, second):
        assert "är skapad för faktura" in response.content.decode()
