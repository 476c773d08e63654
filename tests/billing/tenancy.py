"""Caregiver A's billing objects for the cross-caregiver URL walk (tests/tenancy_ids.py)."""

import datetime as dt
from decimal import Decimal

from billing import bgmax, services
from billing.models import ArticleKind, Invoice, JobKind, Payment, Price
from billing.services.jobs import job_queue
from billing.services.payments import payments_import
from tests.billing.factories import (
    adult,
    approved,
    campaign,
    dose_charge,
    product_with_price,
    ready_caregiver,
)


def price_id(cast):
    product = product_with_price(cast.caregiver_a, "345")
    return Price.objects.get(caregiver=cast.caregiver_a, product=product).pk


def article_id(cast):
    return services.articles_ensure(cast.caregiver_a)[ArticleKind.NO_SHOW].pk


def campaign_id(cast):
    return campaign(cast.caregiver_a, products=[product_with_price(cast.caregiver_a, "100")]).pk


def charge_id(cast):
    product = product_with_price(cast.caregiver_a, "200")
    return dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=cast.alice)[0].pk


def invoice_id(cast):
    ready_caregiver(cast.caregiver_a)
    product = product_with_price(cast.caregiver_a, "300")
    charges = approved(
        dose_charge(adult(cast.caregiver_a), cast.unit_a, product, user=cast.alice), cast.clinic_a
    )
    [invoice] = services.invoices_issue(
        caregiver=cast.caregiver_a, user=cast.clinic_a, patient_ids=[charges[0].patient_id]
    ).invoices
    return invoice.pk


def run_id(cast):
    return job_queue(caregiver=cast.caregiver_a, kind=JobKind.NO_SHOW).pk


def _payment(cast):

    content = bgmax.write(
        bankgiro=ready_caregiver(cast.caregiver_a).bankgiro,
        paid_on=dt.date(2026, 3, 2),
        payments=[bgmax.OutgoingPayment(reference="4711", amount=Decimal("10"), bank_serial="9001")],
    )
    payments_import(caregiver=cast.caregiver_a, content=content, file_name="url-walk.txt")
    return Payment.objects.get(caregiver=cast.caregiver_a, bank_serial="000000009001")


def payment_id(cast):
    return _payment(cast).pk


def file_id(cast):
    return _payment(cast).file_id


def line_id(cast):

    return Invoice.objects.get(pk=invoice_id(cast)).lines.first().pk


PROVIDERS = {
    "line_id": line_id,
    "payment_id": payment_id,
    "file_id": file_id,
    "run_id": run_id,
    "price_id": price_id,
    "article_id": article_id,
    "campaign_id": campaign_id,
    "charge_id": charge_id,
    "invoice_id": invoice_id,
}
