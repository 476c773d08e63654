"""Billing pages show patients' names and numbers: its kinds of read, as the access log names them."""

from django.utils.translation import gettext_lazy as _

from mittvaccin.access_log import AccessAction

LATE_CANCELLATIONS = AccessAction("billing.late_cancellations", _("Sena avbokningar att debitera"))
LATE_CANCELLATION = AccessAction("billing.late_cancellation", _("Sen avbokning"))
REVIEW = AccessAction("billing.review", _("Granskning av fakturering"))
CHARGE = AccessAction("billing.charge", _("Debitering"))
INVOICES = AccessAction("billing.invoices", _("Fakturalista"))
INVOICE = AccessAction("billing.invoice", _("Faktura"))
INVOICE_PDF = AccessAction("billing.invoice.pdf", _("Faktura (PDF)"))
INVOICE_EXPORT = AccessAction("billing.invoices.export", _("Fakturaexport"))
DOSE_PRICE = AccessAction("billing.dose_price", _("Pris och kampanj vid vaccination"))
CHAIN = AccessAction("billing.chain", _("Kedjan från dos till betalning"))
PAYMENT = AccessAction("billing.payment", _("Betalning att hantera"))
OVERDUE = AccessAction("billing.overdue", _("Förfallna fakturor"))
REMINDER_PDF = AccessAction("billing.reminder.pdf", _("Påminnelse (PDF)"))
