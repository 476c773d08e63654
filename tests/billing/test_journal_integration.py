"""R16: invoicing is part of the vaccination flow. Through the journal's own services and pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing import services as billing
from billing.models import ArticleKind, Charge, ChargeStatus, InvoiceKind
from journal import services as journal
from journal.models import Vaccination
from tests.billing.factories import approved, article_price, campaign, ready_caregiver
from tests.billing.factories import patient as billing_patient
from tests.conftest import client_for
from tests.journal.factories import (
    Ready,
    batch_for,
    confirm,
    declare,
    dose_post,
    make_order,
    ready_visit,
    register,
    tbe_product,
)


@pytest.fixture
def priced(cast):
    product = tbe_product()
    billing.price_set(
        caregiver=cast.caregiver_a, product=product, amount=Decimal("345"), valid_from=dt.date(2020, 1, 1)
    )
    return product


def ready_at(cast, unit, product, patient=None):
    patient = patient or billing_patient(cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    batch = batch_for(cast.caregiver_a, product)
    order = make_order(cast, patient, product, unit=unit)
    visit = journal.visit_open(patient=patient, unit=unit, user=cast.alice)
    declaration = declare(visit, cast.alice)
    return Ready(patient, visit, product, batch, order, declaration, confirm(visit, cast.alice))


def test_r16_signed_dose_makes_its_charge_in_the_same_transaction(cast, priced):
    ready = ready_visit(
        cast, product=priced, patient=billing_patient(cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    )
    dose = register(cast, ready)
    [charge] = Charge.objects.filter(vaccination=dose)
    assert (charge.amount, charge.list_price, charge.unit, charge.visit) == (
        Decimal("345.00"),
        Decimal("345.00"),
        cast.unit_a,
        ready.visit,
    )
    assert charge.service_date == timezone.localdate(dose.given_at)


@pytest.mark.parametrize("unit_name", ["unit_a_no_payment", "health_centre_a"])
def test_r18_dose_at_a_unit_without_payment_solution_makes_no_charge(cast, priced, unit_name):
    unit = getattr(cast, unit_name)
    ready = ready_at(cast, unit, priced)
    register(cast, ready, unit=unit)
    assert Vaccination.objects.filter(visit=ready.visit).exists()
    assert not Charge.objects.exists()


def test_r10_free_campaign_chosen_in_the_dose_form_makes_the_charge_zero(cast, priced):
    kids = campaign(cast.caregiver_a, products=[priced], name="TBE barn")
    young = billing_patient(cast.caregiver_a, birth_date=timezone.localdate() - dt.timedelta(days=9 * 365))
    ready = ready_visit(cast, product=priced, patient=young)
    response = client_for(cast.alice).post(
        reverse("journal:visit_dose", args=[young.pk, ready.visit.pk]),
        dose_post(
            ready,
            override_reason="Barnvaccination enligt läkarens bedömning",
            **{"billing-campaign": str(kids.pk)},
        ),
    )
    assert response.status_code in (200, 302)
    assert Vaccination.objects.filter(visit=ready.visit).exists(), response.content.decode()
    [charge] = Charge.objects.filter(patient=young)
    assert (charge.campaign, charge.amount, charge.list_price) == (kids, Decimal("0.00"), Decimal("345.00"))


def test_r10_campaign_the_patient_does_not_qualify_for_refuses_the_dose_with_the_message(cast, priced):
    kids = campaign(cast.caregiver_a, products=[priced], name="TBE barn")
    ready = ready_visit(
        cast, product=priced, patient=billing_patient(cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    )  # born 1980
    response = client_for(cast.alice).post(
        reverse("journal:visit_dose", args=[ready.patient.pk, ready.visit.pk]),
        dose_post(ready, **{"billing-campaign": str(kids.pk)}),
    )
    assert response.status_code == 200
    assert "omfattas inte" in response.content.decode()
    assert not Vaccination.objects.filter(visit=ready.visit).exists()
    assert not Charge.objects.exists()


def test_r16_entered_in_error_cancels_the_charge_and_the_visit_fee_with_the_last_dose(cast, priced):
    article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    ready = ready_visit(
        cast, product=priced, patient=billing_patient(cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    )
    dose = register(cast, ready)
    assert Charge.objects.filter(visit=ready.visit).count() == 2
    journal.vaccination_enter_in_error(vaccination=dose, user=cast.alice, reason="Fel patient")
    statuses = set(Charge.objects.filter(visit=ready.visit).values_list("status", flat=True))
    assert statuses == {ChargeStatus.CANCELLED}
    entry = Charge.objects.get(vaccination=dose).adjustments.get()
    assert "Fel patient" in entry.reason
    assert entry.by == cast.alice


def test_r16_entered_in_error_after_invoicing_credits_the_line(cast, priced):
    ready_caregiver(cast.caregiver_a)
    ready = ready_visit(
        cast, product=priced, patient=billing_patient(cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    )
    dose = register(cast, ready)
    approved(list(Charge.objects.filter(vaccination=dose)), cast.clinic_a)
    [invoice] = billing.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices
    journal.vaccination_enter_in_error(vaccination=dose, user=cast.alice, reason="Dosen gavs aldrig")
    [note] = invoice.credit_notes.all()
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert note.total == -invoice.total
    assert "Dosen gavs aldrig" in note.reason
    assert Charge.objects.get(vaccination=dose).status == ChargeStatus.CREDITED


def test_r16_the_price_step_is_in_the_dose_form(cast, priced):
    campaign(cast.caregiver_a, products=[priced], name="TBE barn")
    young = billing_patient(cast.caregiver_a, birth_date=timezone.localdate() - dt.timedelta(days=9 * 365))
    ready = ready_visit(cast, product=priced, patient=young)
    client = client_for(cast.alice)
    page = client.get(reverse("journal:visit", args=[young.pk, ready.visit.pk])).content.decode()
    assert reverse("billing:dose_price") in page
    # The part swaps into its own container inside the dose form, never the whole workspace.
    assert 'hx-target="this"' in page.split('class="dose-form-part"', 1)[1].split(">", 1)[0]
    part = client.get(
        reverse("billing:dose_price"),
        {"patient": young.pk, "visit": ready.visit.pk, "order": ready.order.pk},
        headers={"HX-Request": "true"},
    )
    html = part.content.decode()
    assert "345,00\xa0kr" in html
    assert "TBE barn" in html


def test_r4_dose_price_ignores_another_caregivers_order(cast, charlie, priced):
    ready = ready_visit(
        cast, product=priced, patient=billing_patient(cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    )
    own = billing_patient(cast.caregiver_b)
    html = (
        client_for(charlie)
        .get(reverse("billing:dose_price"), {"patient": own.pk, "order": ready.order.pk})
        .content.decode()
    )
    assert "Välj vaccin" in html


def test_r16_dose_and_visit_fee_on_one_invoice_are_credited_by_one_credit_note(cast, priced):
    ready_caregiver(cast.caregiver_a)
    article_price(cast.caregiver_a, ArticleKind.VISIT_FEE, "100")
    ready = ready_visit(
        cast, product=priced, patient=billing_patient(cast.caregiver_a, birth_date=dt.date(1980, 1, 1))
    )
    dose = register(cast, ready)
    approved(list(Charge.objects.filter(visit=ready.visit)), cast.clinic_a)
    [invoice] = billing.invoices_issue(caregiver=cast.caregiver_a, user=cast.clinic_a).invoices
    assert invoice.total == Decimal("445.00")
    journal.vaccination_enter_in_error(vaccination=dose, user=cast.alice, reason="Fel patient")
    [note] = invoice.credit_notes.all()
    assert note.total == Decimal("-445.00")
    assert note.lines.count() == 2
