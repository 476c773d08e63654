"""What billing's services share: the refusal users read."""

from __future__ import annotations

from mittvaccin.refusals import Refusal


class BillingError(Refusal):
    """A billing rule said no (a price that overlaps, an invoice already credited, a campaign the
    patient does not qualify for). Raised inside the dose transaction, it refuses the dose too."""
