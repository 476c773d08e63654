"""What billing's services share: the refusal users read, the row of a status change."""

from __future__ import annotations

from billing.models import ChargeAdjustment
from mittvaccin.refusals import Refusal


class BillingError(Refusal):
    """A billing rule said no (a price that overlaps, an invoice already credited, a campaign the
    patient does not qualify for). Raised inside the dose transaction, it refuses the dose too."""


def status_adjustment(charge, *, at, by, action, status_before, status_after, reason="") -> ChargeAdjustment:
    """The (unsaved) adjustment row of a charge whose status changes while its amount stays (R11)."""
    return ChargeAdjustment(
        charge=charge,
        at=at,
        by=by,
        action=action,
        amount_before=charge.amount,
        amount_after=charge.amount,
        status_before=status_before,
        status_after=status_after,
        reason=reason,
    )
