"""The reminder PDF (påminnelse): the invoice's OCR reference, what is left to pay, a new due date.

Rendered with WeasyPrint on request, outside any transaction. A protected recipient (R7) gets the tax
agency's forwarding address, never their own, checked again at rendering like the invoice.
"""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string

from billing.pdf import STYLESHEET, invoice_context
from billing.receivables import balance_of
from mittvaccin.pdf import render_pdf


def reminder_context(reminder) -> dict:
    context = invoice_context(reminder.invoice)
    balance = balance_of(reminder.invoice)
    context.update(
        {
            "reminder": reminder,
            "balance": balance,
            "outstanding_now": balance.outstanding,
        }
    )
    return context


def reminder_pdf_bytes(reminder) -> bytes:
    """The reminder is laid out as the invoice it reminds of: the same stylesheet."""
    html = render_to_string("billing/reminder_pdf.html", reminder_context(reminder))
    return render_pdf(html, stylesheet=STYLESHEET, base_url=str(settings.BASE_DIR))
