"""What each invoice is owed and has been paid: derived, never stored on the (immutable) invoice.

    owed        = the invoice's total + its credit notes (negative) + the reminder fee, if reminded
    paid        = payments that carried its OCR + payments staff matched to it by hand
    outstanding = owed − paid   (negative: paid too much)

Everything is computed in the database with correlated subqueries, so a list of invoices costs one
query whatever its length.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from billing.models import Invoice, InvoiceKind, Payment, Reminder

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)


def _sum(queryset, field: str, group: str):
    return Coalesce(
        Subquery(queryset.order_by().values(group).annotate(total=Sum(field)).values("total")[:1]),
        Value(ZERO),
        output_field=MONEY,
    )


def with_balance(invoices):
    """Annotate invoices (kind=invoice) with credited, reminder_fee, paid, owed and outstanding."""

    credits = Invoice.objects.filter(credited_invoice=OuterRef("pk"))
    paid_by_ocr = Payment.objects.filter(invoice=OuterRef("pk"))
    paid_by_hand = Payment.objects.filter(settlement__invoice=OuterRef("pk"))
    fee = Reminder.objects.filter(invoice=OuterRef("pk")).values("fee")[:1]
    return invoices.annotate(
        credited=_sum(credits, "total", "credited_invoice"),
        paid=ExpressionWrapper(
            _sum(paid_by_ocr, "amount", "invoice") + _sum(paid_by_hand, "amount", "settlement__invoice"),
            output_field=MONEY,
        ),
        reminder_fee=Coalesce(Subquery(fee), Value(ZERO), output_field=MONEY),
    ).annotate(
        owed=ExpressionWrapper(F("total") + F("credited") + F("reminder_fee"), output_field=MONEY),
        outstanding=ExpressionWrapper(
            F("total") + F("credited") + F("reminder_fee") - F("paid"), output_field=MONEY
        ),
    )


def overdue(invoices, *, today: dt.date):
    """Invoices past their due date with something left to pay."""

    return with_balance(invoices.filter(kind=InvoiceKind.INVOICE, due_date__lt=today)).filter(
        outstanding__gt=0
    )


STATUS_LABELS = {
    "credited": _("Krediterad"),
    "paid": _("Betald"),
    "overpaid": _("Överbetald"),
    "partly_paid": _("Delbetald"),
    "overdue": _("Förfallen"),
    "unpaid": _("Obetald"),
}


def payment_status(invoice, *, today: dt.date) -> str:
    """One word for an annotated invoice (see with_balance): what a clerk asks first."""
    if invoice.owed <= 0 and invoice.paid == 0:
        return "credited"
    if invoice.outstanding < 0:
        return "overpaid"
    if invoice.outstanding == 0:
        return "paid"
    if invoice.paid > 0:
        return "partly_paid"
    if invoice.due_date and invoice.due_date < today:
        return "overdue"
    return "unpaid"


def balance_of(invoice):
    """The one invoice, annotated (for a detail page)."""

    return with_balance(Invoice.objects.filter(pk=invoice.pk)).get()


def open_payment_filter() -> Q:
    """Payments that still need a look: a problem and no settlement yet."""
    return ~Q(problem="") & Q(settlement__isnull=True)
