"""The chain page (clinic staff with the invoicing right): from a dose to its money, and from an invoice
line back to the dose. It shows only the clinical facts that prove a charge (see billing/chain.py)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing import access
from billing.chain import chain_for_charge, chain_for_dose
from billing.models import InvoiceLine
from billing.receivables import STATUS_LABELS, payment_status
from journal.models import Vaccination
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


def _render(request, chain):
    access_log_record(request=request, patient=chain.patient, action=access.CHAIN)
    today = timezone.localdate()
    for link in chain.invoices:
        link.status = STATUS_LABELS[payment_status(link.balance, today=today)]
    return render(
        request,
        "billing/chain.html",
        {"chain": chain, "can_read_journal": request.user.has_right(Right.JOURNAL_READ)},
    )


@require_right(Right.INVOICING_REVIEW)
@require_GET
def chain_dose(request, vaccination_id):

    dose = owned_or_404(Vaccination, request, pk=vaccination_id)
    return _render(request, chain_for_dose(dose))


@require_right(Right.INVOICING_REVIEW)
@require_GET
def chain_line(request, line_id):
    """From an invoice (or credit-note) line the way back: to its dose's chain, or its charge's."""
    line = owned_or_404(InvoiceLine.objects.select_related("charge", "charge__patient"), request, pk=line_id)
    if line.charge.vaccination_id:
        url = reverse("billing:chain_dose", args=[line.charge.vaccination_id])
        return redirect(f"{url}#charge-{line.charge_id}")
    return _render(request, chain_for_charge(line.charge))
