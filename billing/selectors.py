"""Reads of billing that are more than a filter: the review table, invoice lists, the export file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum

from billing.models import (
    CHARGE_PENDING,
    Charge,
    ChargeAdjustment,
    ChargeStatus,
    Invoice,
    InvoiceKind,
    Price,
)
from billing.money import plain_number
from mittvaccin.exports import csv_text
from mittvaccin.tenancy import owned

ZERO = Decimal("0.00")

STATUS_GROUPS = {
    "pending": list(CHARGE_PENDING),
    ChargeStatus.OPEN: [ChargeStatus.OPEN],
    ChargeStatus.APPROVED: [ChargeStatus.APPROVED],
    "done": [
        ChargeStatus.INVOICED,
        ChargeStatus.NO_INVOICE,
        ChargeStatus.REMOVED,
        ChargeStatus.CANCELLED,
        ChargeStatus.CREDITED,
    ],
}


@dataclass
class ReviewTotals:
    count: int
    list_price: Decimal
    amount: Decimal
    open: int
    approved: int


def charges_within(charges, *, unit=None, date_from=None, date_to=None):
    """The charges of one unit (None: all) whose service date is in the period (either end open)."""
    if unit is not None:
        charges = charges.filter(unit=unit)
    if date_from:
        charges = charges.filter(service_date__gte=date_from)
    if date_to:
        charges = charges.filter(service_date__lte=date_to)
    return charges


def review_charges(*, who, unit=None, date_from=None, date_to=None, status="pending"):
    """The charges of a unit and period for review (R11), with what is needed to show each row."""

    charges = charges_within(owned(Charge, who), unit=unit, date_from=date_from, date_to=date_to)
    if status in STATUS_GROUPS:
        charges = charges.filter(status__in=STATUS_GROUPS[status])
    return (
        charges.select_related("patient", "unit", "campaign", "product", "article", "visit")
        .prefetch_related(
            Prefetch(
                "adjustments", queryset=ChargeAdjustment.objects.select_related("by").order_by("at", "id")
            )
        )
        .order_by("service_date", "patient__family_name", "patient__given_names", "id")
    )


def review_totals(charges) -> ReviewTotals:
    figures = charges.order_by().aggregate(
        count=Count("id"),
        list_price=Sum("list_price"),
        amount=Sum("amount"),
        open=Count("id", filter=Q(status=ChargeStatus.OPEN)),
        approved=Count("id", filter=Q(status=ChargeStatus.APPROVED)),
    )
    return ReviewTotals(
        count=figures["count"],
        list_price=figures["list_price"] or ZERO,
        amount=figures["amount"] or ZERO,
        open=figures["open"],
        approved=figures["approved"],
    )


def price_rows(*, caregiver, products, day: dt.date):
    """Each product with its price today and the next scheduled one (two queries for the whole list)."""
    prices = Price.objects.filter(caregiver=caregiver, product__isnull=False).exclude(valid_until__lt=day)
    by_product: dict[int, list[Price]] = {}
    for price in prices.order_by("valid_from"):
        by_product.setdefault(price.product_id, []).append(price)
    rows = []
    for product in products:
        periods = by_product.get(product.pk, [])
        current = next((p for p in periods if p.covers(day)), None)
        upcoming = next((p for p in periods if p.valid_from > day), None)
        rows.append({"product": product, "current": current, "upcoming": upcoming})
    return rows


# --- The accounts-receivable export ------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("typ", "FAKTURA eller KREDIT"),
    ("nummer", "fakturanummer (kreditfakturor i samma serie)"),
    ("krediterar", "för KREDIT: numret på fakturan som krediteras, annars tomt"),
    ("fakturadatum", "ÅÅÅÅ-MM-DD"),
    ("forfallodatum", "ÅÅÅÅ-MM-DD, tomt för KREDIT"),
    ("ocr", "OCR-referens med längd- och kontrollsiffra, tomt för KREDIT"),
    ("belopp", "summa i kronor med punkt som decimaltecken, negativt för KREDIT; ingen moms"),
    ("personnummer", "patientens person-, samordnings- eller reservnummer ÅÅÅÅMMDD-NNNN"),
    ("namn", "betalarens namn; tomt vid skyddad identitet"),
    ("skyddad_identitet", "1 om posten ska gå via Skatteverkets postförmedling, annars 0"),
    ("adress", "utdelningsadress; alltid tom vid skyddad identitet"),
    ("postnummer", "alltid tomt vid skyddad identitet"),
    ("ort", "alltid tom vid skyddad identitet"),
    ("rader", "antal fakturarader"),
    ("enheter", "mottagningar som raderna avser, åtskilda med |"),
]


def invoices_for_export(*, who, date_from: dt.date, date_to: dt.date):
    return (
        owned(Invoice, who)
        .filter(invoice_date__gte=date_from, invoice_date__lte=date_to)
        .select_related("credited_invoice", "patient")
        .prefetch_related("lines")
        .order_by("number")
    )


def export_csv(invoices) -> str:
    """Issued invoices and credit notes as the documented CSV (UTF-8 with BOM, semicolons, one row each).

    R7: a protected recipient's name and address are left out; the flag tells the receivable system
    to send reminders through the tax agency's forwarding service.
    """
    return csv_text([name for name, _ in EXPORT_COLUMNS], (_export_row(invoice) for invoice in invoices))


def _export_row(invoice) -> list:
    protected = invoice.recipient_protected or invoice.patient.protected_identity
    lines = list(invoice.lines.all())
    return [
        "KREDIT" if invoice.kind == InvoiceKind.CREDIT_NOTE else "FAKTURA",
        invoice.number,
        invoice.credited_invoice.number if invoice.credited_invoice else "",
        invoice.invoice_date.isoformat(),
        invoice.due_date.isoformat() if invoice.due_date else "",
        invoice.ocr,
        plain_number(invoice.total),
        invoice.recipient_identity,
        "" if protected else invoice.recipient_name,
        "1" if protected else "0",
        "" if protected else invoice.recipient_address,
        "" if protected else invoice.recipient_postal_code,
        "" if protected else invoice.recipient_city,
        len(lines),
        "|".join(sorted({line.unit_name for line in lines})),
    ]
