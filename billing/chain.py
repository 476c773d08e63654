"""The whole trail from a dose to its money, and back: one read that nobody else shows.

dose → the health declaration version it was given on → the checks confirmation → the order and who
signed it → the charge(s) with every adjustment and reason → invoice lines and invoices → credit notes →
reminders → payments. A charge re-opened after a credit note (`corrects`) is followed too.

Only facts that prove the charge are read from the journal: the declaration's version and who recorded it
when (never the answers), that the checks were confirmed (never what they showed), the order's product,
doses and signer (never instructions or notes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from billing.models import Charge, ChargeAdjustment, Invoice, InvoiceLine, Payment
from billing.receivables import with_balance
from journal.models import Vaccination


@dataclass
class ChargeLink:
    charge: Charge
    adjustments: list
    lines: list  # invoice lines of the charge (invoice and credit-note lines)


@dataclass
class InvoiceLink:
    invoice: Invoice
    credit_notes: list
    reminder: object | None
    payments: list
    balance: object


@dataclass
class Chain:
    patient: object
    dose: object | None
    charges: list[ChargeLink] = field(default_factory=list)
    invoices: list[InvoiceLink] = field(default_factory=list)


def chain_for_dose(vaccination) -> Chain:
    dose = (
        Vaccination.objects.select_related(
            "patient", "product", "unit", "given_by", "order", "order__ordered_by", "order__product",
            "declaration", "declaration__questionnaire", "declaration__recorded_by", "check_confirmation",
            "check_confirmation__confirmed_by", "entered_in_error",
        )
        .get(pk=vaccination.pk)
    )  # fmt: skip
    return _chain(dose.patient, dose, Charge.objects.filter(vaccination=dose))


def chain_for_charge(charge) -> Chain:
    """The trail of a charge without a dose (an article: visit fee, no-show, late cancellation)."""
    return _chain(charge.patient, None, Charge.objects.filter(pk=charge.pk))


def _chain(patient, dose, charges) -> Chain:
    charges = list(
        charges.select_related("campaign", "unit", "created_by", "approved_by", "corrects")
        .prefetch_related(
            Prefetch(
                "adjustments", queryset=ChargeAdjustment.objects.select_related("by").order_by("at", "id")
            ),
            Prefetch(
                "invoice_lines",
                queryset=InvoiceLine.objects.select_related("invoice").order_by("invoice__number"),
            ),
        )
        .order_by("created_at", "pk")
    )
    chain = Chain(patient=patient, dose=dose)
    invoice_ids = []
    for charge in charges:
        lines = list(charge.invoice_lines.all())
        chain.charges.append(ChargeLink(charge, list(charge.adjustments.all()), lines))
        invoice_ids += [line.invoice_id for line in lines if line.invoice.kind == "invoice"]
    invoices = (
        with_balance(Invoice.objects.filter(pk__in=invoice_ids))
        .select_related("reminder")
        .prefetch_related(Prefetch("credit_notes", queryset=Invoice.objects.order_by("number")))
    )
    for invoice in invoices.order_by("number"):
        payments = list(
            Payment.objects.filter(Q(invoice=invoice) | Q(settlement__invoice=invoice))
            .select_related("settlement")
            .order_by("paid_on", "pk")
        )
        chain.invoices.append(
            InvoiceLink(
                invoice=invoice,
                credit_notes=list(invoice.credit_notes.all()),
                reminder=getattr(invoice, "reminder", None),
                payments=payments,
                balance=invoice,
            )
        )
    return chain
