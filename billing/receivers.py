"""Billing's part of the journal's dose transactions (R16), connected in BillingConfig.ready().

The journal sends these signals inside its own atomic block, so a charge is made, or withdrawn, in
the same transaction as the dose; a BillingError raised here refuses the dose with its message.
"""

from __future__ import annotations

from django.utils import timezone

from billing.models import Charge
from billing.services.charges import CLOSED, charges_cancel_for_dose, charges_for_dose_in_its_transaction
from journal.models import VaccinationStatus


def on_vaccination_registered(sender, *, vaccination, visit, user, billing_data, **kwargs):
    if vaccination.status != VaccinationStatus.GIVEN or vaccination.product_id is None:
        return
    # Sent inside the dose's atomic block, which a refusal here rolls back whole.
    charges_for_dose_in_its_transaction(
        visit=visit,
        product=vaccination.product,
        user=user,
        billing_data=billing_data,
        vaccination=vaccination,
        day=timezone.localdate(vaccination.given_at),
    )


def on_vaccination_entered_in_error(sender, *, vaccination, user, reason, **kwargs):
    """The dose's charge is cancelled, or credited if it was invoiced; the visit fee goes with the last dose."""
    charges = list(Charge.objects.filter(vaccination=vaccination).exclude(CLOSED))
    if not charges or vaccination.visit_id is None:
        return
    charges_cancel_for_dose(
        charges=charges,
        visit=vaccination.visit,
        user=user,
        reason=f"Dosen makulerad i journalen: {reason}",
    )
