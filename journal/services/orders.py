"""Orders (R2): signed by staff with the ordering right, withdrawn with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import Order, OrderEnteredInError, Patient, Visit
from journal.services.common import JournalError, check_visit_of
from journal.services.order_requests import order_requests_answer_by_order


@transaction.atomic
def order_create(
    *,
    patient: Patient,
    user,
    unit,
    product,
    dose_ml: Decimal,
    doses_total: int,
    valid_until: dt.date,
    schedule_text: str = "",
    instructions: str = "",
    visit: Visit | None = None,
) -> Order:
    """An order signed by `user`, who must hold the ordering right, at a unit of their caregiver."""
    if unit is None or unit.caregiver_id != user.caregiver_id or patient.caregiver_id != user.caregiver_id:
        raise JournalError(_("Ordinationen måste göras på en enhet hos din egen vårdgivare."))
    check_visit_of(patient, visit)
    if valid_until < timezone.localdate():
        raise JournalError(_("Sista giltighetsdag kan inte ligga bakåt i tiden."), field="valid_until")
    if not 1 <= doses_total <= 10:
        raise JournalError(_("Antal doser ska vara mellan 1 och 10."), field="doses_total")
    order = Order.objects.create(
        caregiver_id=user.caregiver_id,
        patient=patient,
        product=product,
        dose_ml=dose_ml,
        doses_total=doses_total,
        schedule=schedule_text,
        instructions=instructions,
        valid_until=valid_until,
        ordered_by=user,
        signature=user.signature,
        unit=unit,
        visit=visit,
    )
    # A nurse who asked for this order sees it answered; the request leaves the physicians' list.

    order_requests_answer_by_order(order)
    return order


@transaction.atomic
def order_enter_in_error(*, order: Order, user, reason: str) -> OrderEnteredInError:
    if not reason.strip():
        raise JournalError(_("Ange skälet."), field="reason")
    order = Order.objects.select_for_update().get(pk=order.pk)
    if OrderEnteredInError.objects.filter(order=order).exists():
        raise JournalError(_("Ordinationen är redan makulerad."))
    return OrderEnteredInError.objects.create(
        order=order, reason=reason.strip(), by=user, signature=user.signature
    )
