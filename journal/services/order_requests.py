"""A nurse asks for an order; the request waits on the physicians' list until it is answered (R2)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from journal.models import OrderRequest, OrderRequestAnswer
from journal.services.common import JournalError, check_visit_of


@transaction.atomic
def order_request_create(*, patient, user, unit=None, visit=None, product=None, text: str) -> OrderRequest:
    text = (text or "").strip()
    if len(text) < 3:
        raise JournalError(_("Skriv vad som behöver ordineras och varför."), field="text")
    check_visit_of(patient, visit)
    return OrderRequest.objects.create(
        patient=patient,
        visit=visit,
        unit=unit,
        product=product,
        text=text,
        requested_by=user,
        signature=user.signature,
    )


def order_requests_answer_by_order(order) -> int:
    """An order made for the patient answers every open request for them (of that vaccine, or of none named)."""
    open_requests = OrderRequest.objects.filter(patient_id=order.patient_id, answer__isnull=True).filter(
        requested_at__lte=order.ordered_at
    )
    answered = 0
    for request in open_requests:
        if request.product_id not in (None, order.product_id):
            continue
        try:
            with transaction.atomic():
                OrderRequestAnswer.objects.create(
                    request=request, order=order, by=order.ordered_by, signature=order.signature
                )
            answered += 1
        except IntegrityError:
            continue  # answered by someone else at the same moment
    return answered


@transaction.atomic
def order_request_decline(*, request: OrderRequest, user, reason: str) -> OrderRequestAnswer:
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise JournalError(_("Skriv varför ingen ordination görs."), field="reason")
    try:
        with transaction.atomic():
            return OrderRequestAnswer.objects.create(
                request=request, reason=reason, by=user, signature=user.signature
            )
    except IntegrityError:
        raise JournalError(_("Begäran är redan besvarad.")) from None
