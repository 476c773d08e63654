"""The price step of the dose form (nurses, R10, R16, R18)."""

from __future__ import annotations

import datetime as dt

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from billing import access, services
from journal.models import Order, Patient, VaccineProduct, Visit
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.parsing import int_or_none
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


@require_GET
@require_right(Right.VACCINATION_REGISTER, Right.JOURNAL_READ)
def dose_price(request):
    """Billing's part of the journal's dose form, loaded by htmx with the form's current fields."""
    try:
        patient_id = int(request.GET.get("patient", ""))
    except ValueError:
        raise Http404 from None
    patient = owned_or_404(Patient, request, pk=patient_id)
    visit = None
    if request.GET.get("visit"):
        visit = owned_or_404(Visit, request, pk=request.GET["visit"], patient=patient)
    unit = visit.unit if visit else request.unit
    product = _dose_product(request, patient)
    day = _dose_day(request.GET.get("given_at")) or (
        timezone.localdate(visit.started_at) if visit else timezone.localdate()
    )
    quote = services.dose_quote(
        patient=patient,
        unit=unit,
        product=product,
        day=day,
        campaign_id=request.GET.get("billing-campaign") or None,
        visit=visit,
    )
    access_log_record(request=request, patient=patient, action=access.DOSE_PRICE)
    response = render(
        request,
        "billing/_dose_price.html",
        {
            "quote": quote,
            "patient": patient,
            "visit": visit,
            "unit": unit,
            "risk_confirmed": bool(request.GET.get("billing-risk-group-confirmed")),
        },
    )
    return response


def _dose_product(request, patient):
    """The product of the dose form: its order (the journal's field), or a product id."""

    order_id = int_or_none(request.GET.get("order"))
    if order_id is not None:
        order = owned(Order, request).filter(pk=order_id, patient=patient).select_related("product").first()
        if order is not None:
            return order.product
    product_id = int_or_none(request.GET.get("product"))
    return VaccineProduct.objects.filter(pk=product_id).first() if product_id is not None else None


def _dose_day(value):
    """The local day of the form's given_at ("2026-11-25T14:32"), if it is one."""
    try:
        return dt.datetime.fromisoformat(value).date() if value else None
    except ValueError:
        return None
