"""What the booking pages may promise residents about fees: the answer comes from billing's settings.

Registered with booking.extensions.register_fee_policy in BillingConfig.ready. It mirrors the jobs'
own rules (billing.services.jobs): only units with invoicing (R5, R18), only the kinds the caregiver
invoices, and not a booking made at short notice when the caregiver exempts those (R8, R9).
"""

from __future__ import annotations

import datetime as dt

from billing.models import BillingSettings


def fee_policy(kind: str, unit, made_at, starts_at) -> bool:
    if not unit.has_invoicing:
        return False
    # Read, never create: a public page must not write billing settings.
    settings_row = BillingSettings.objects.filter(caregiver_id=unit.caregiver_id).first() or BillingSettings()
    enabled = (
        settings_row.invoice_late_cancellations
        if kind == "late_cancellation"
        else settings_row.invoice_no_shows
    )
    if not enabled:
        return False
    short_notice = made_at > starts_at - dt.timedelta(hours=settings_row.short_notice_hours)
    return not (settings_row.exempt_short_notice_bookings and short_notice)
