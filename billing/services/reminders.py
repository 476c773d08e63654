"""Reminders (påminnelser) of overdue invoices: one per invoice, with the caregiver's reminder fee.

A reminder never changes the invoice: it is its own document with the invoice's OCR reference, a new
due date and what is left to pay (the fee included). Payments and credit notes settle what is owed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.models import Invoice, InvoiceKind, Reminder
from billing.receivables import balance_of, overdue
from billing.services.common import BillingError
from billing.services.prices import billing_settings_for
from mittvaccin.tenancy import owned


def reminders_due(*, who, today: dt.date | None = None):
    """Overdue invoices of the caregiver, with whether a reminder may be sent now (annotated)."""

    today = today or timezone.localdate()
    return overdue(owned(Invoice, who), today=today).select_related("patient", "reminder")


def reminder_allowed_from(invoice, settings_row) -> dt.date:
    return invoice.due_date + dt.timedelta(days=settings_row.reminder_after_days)


@transaction.atomic
def reminder_send(*, invoice: Invoice, user, today: dt.date | None = None) -> Reminder:
    """Send (issue) the one reminder of an overdue invoice. Refuses a second one, or one too early."""
    today = today or timezone.localdate()
    # Lock the invoice row (it is never updated): two clerks reminding at once queue here.
    invoice = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if invoice.kind != InvoiceKind.INVOICE:
        raise BillingError(_("En kreditfaktura får ingen påminnelse."))
    if Reminder.objects.filter(invoice=invoice).exists():
        raise BillingError(
            _("Faktura %(number)s har redan fått sin påminnelse.") % {"number": invoice.number}
        )
    settings_row = billing_settings_for(invoice.caregiver)
    allowed = reminder_allowed_from(invoice, settings_row)
    if today < allowed:
        raise BillingError(
            _("Faktura %(number)s kan påminnas tidigast %(date)s.")
            % {"number": invoice.number, "date": allowed.isoformat()}
        )
    balance = balance_of(invoice)
    if balance.outstanding <= 0:
        raise BillingError(_("Faktura %(number)s är betald.") % {"number": invoice.number})
    fee = settings_row.reminder_fee
    try:
        with transaction.atomic():
            return Reminder.objects.create(
                caregiver=invoice.caregiver,
                invoice=invoice,
                reminder_date=today,
                due_date=today + dt.timedelta(days=settings_row.reminder_terms_days),
                fee=fee,
                amount_due=balance.outstanding + fee,
                sent_by=user,
            )
    except IntegrityError:
        raise BillingError(
            _("Faktura %(number)s har redan fått sin påminnelse.") % {"number": invoice.number}
        ) from None


@dataclass
class ReminderRun:
    sent: list = field(default_factory=list)
    refused: list = field(default_factory=list)


def reminders_send(*, caregiver, invoice_ids, user, today: dt.date | None = None) -> ReminderRun:
    """A reminder for each chosen invoice, each in its own transaction (one refusal stops no other)."""
    run = ReminderRun()
    for invoice in Invoice.objects.filter(caregiver=caregiver, pk__in=list(invoice_ids)).order_by("number"):
        try:
            run.sent.append(reminder_send(invoice=invoice, user=user, today=today))
        except BillingError as error:
            run.refused.append((invoice, error.message))
    return run
