"""Review of charges before invoicing (clinic staff, R11)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import access, selectors, services
from billing.forms import AdjustForm, RemoveForm, ReviewFilterForm
from billing.models import Charge
from billing.money import format_kr
from billing.views.common import _back_to_review
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.redirects import safe_next
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


def _review_filter(request, data):
    caregiver = request.user.caregiver
    data = data.copy()
    if "unit" not in data and request.unit and request.unit.has_invoicing:
        data["unit"] = str(request.unit.pk)
    form = ReviewFilterForm(data, caregiver=caregiver)
    date_from, date_to = form.period()
    if form.is_valid():
        # Show the period in effect in the fields, also when it came from the defaults.
        data.setdefault("date_from", date_from.isoformat())
        data.setdefault("date_to", date_to.isoformat())
        if not data["date_from"] or not data["date_to"]:
            data["date_from"], data["date_to"] = date_from.isoformat(), date_to.isoformat()
        form = ReviewFilterForm(data, caregiver=caregiver)
        form.is_valid()
    unit = form.cleaned_data.get("unit") if form.is_valid() else None
    status = (form.cleaned_data.get("status") if form.is_valid() else None) or "pending"
    return form, unit, date_from, date_to, status


@require_right(Right.INVOICING_REVIEW)
@require_GET
def review(request):
    form, unit, date_from, date_to, status = _review_filter(request, request.GET)
    charges = selectors.review_charges(
        who=request, unit=unit, date_from=date_from, date_to=date_to, status=status
    )
    page = Paginator(charges, 200).get_page(request.GET.get("sida"))
    rows = list(page.object_list)
    access_log_record(request=request, patients=[c.patient for c in rows], action=access.REVIEW)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "totals": selectors.review_totals(charges),
        "unit": unit,
        "date_from": date_from,
        "date_to": date_to,
        "status": status,
        "query": request.GET.urlencode(),
    }
    template = (
        "billing/review.html#table" if request.htmx and request.GET.get("partial") else "billing/review.html"
    )
    return render(request, template, context)


@require_right(Right.INVOICING_REVIEW)
@require_GET
def charge_detail(request, charge_id):
    charge = owned_or_404(
        Charge.objects.select_related(
            "patient", "unit", "campaign", "product", "article", "created_by", "approved_by"
        ),
        request,
        pk=charge_id,
    )
    access_log_record(request=request, patient=charge.patient, action=access.CHARGE)
    return render(
        request,
        "billing/charge_detail.html",
        {
            "charge": charge,
            "adjustments": charge.adjustments.select_related("by").order_by("at", "id"),
            "lines": charge.invoice_lines.select_related("invoice").order_by("invoice__number"),
            "adjust_form": AdjustForm(initial={"amount": charge.amount}, auto_id=f"adjust-{charge.pk}-%s"),
            "remove_form": RemoveForm(auto_id=f"remove-{charge.pk}-%s"),
            "next": request.get_full_path(),
        },
    )


@require_right(Right.INVOICING_REVIEW)
def charge_adjust(request, charge_id):
    charge = owned_or_404(Charge.objects.select_related("patient", "campaign"), request, pk=charge_id)
    form = AdjustForm(
        request.POST or None, initial={"amount": charge.amount}, auto_id=f"adjust-{charge.pk}-%s"
    )
    if request.method == "POST" and form.is_valid():
        try:
            charge = services.charge_adjust(charge=charge, user=request.user, **form.cleaned_data)
        except services.BillingError as error:
            refusal_to_form(form, error)
        else:
            return _charge_changed(
                request,
                charge,
                _("Beloppet är ändrat till %(amount)s.") % {"amount": format_kr(charge.amount)},
            )
    return _charge_form(request, charge, form, "adjust")


@require_right(Right.INVOICING_REVIEW)
def charge_remove(request, charge_id):
    charge = owned_or_404(Charge.objects.select_related("patient", "campaign"), request, pk=charge_id)
    form = RemoveForm(request.POST or None, auto_id=f"remove-{charge.pk}-%s")
    if request.method == "POST" and form.is_valid():
        try:
            charge = services.charge_remove(charge=charge, user=request.user, **form.cleaned_data)
        except services.BillingError as error:
            refusal_to_form(form, error)
        else:
            return _charge_changed(request, charge, _("Debiteringen är borttagen."))
    return _charge_form(request, charge, form, "remove")


def _charge_form(request, charge, form, action):
    access_log_record(request=request, patient=charge.patient, action=access.CHARGE)
    context = {
        "charge": charge,
        "form": form,
        "action": action,
        "inline": bool(request.htmx),
        "next": safe_next(request, reverse("billing:review")),
    }
    if request.htmx:
        # 200 even with errors: htmx swaps only successful responses, and the form shows its errors.
        return render(request, "billing/_charge_form.html", context)
    return render(request, "billing/charge_form.html", context)


def _charge_changed(request, charge, message):
    if request.htmx:
        charge = (
            Charge.objects.select_related("patient", "unit", "campaign", "product", "article")
            .prefetch_related("adjustments__by")
            .get(pk=charge.pk)
        )
        # The row is drawn for the page it replaces a row of: same filter, so the same columns.
        page_query = QueryDict(urlsplit(request.htmx.current_url or "").query)
        _form, unit, date_from, date_to, status = _review_filter(request, page_query)
        response = render(
            request, "billing/review.html#row", {"charge": charge, "flash": message, "unit": unit}
        )
        # The footer's totals follow the change at once (out of band), as after a reload of the page.
        charges = selectors.review_charges(
            who=request, unit=unit, date_from=date_from, date_to=date_to, status=status
        )
        totals = render_to_string(
            "billing/review.html#totals",
            {"totals": selectors.review_totals(charges), "unit": unit, "oob": True},
            request=request,
        )
        response.content += totals.encode()
        response["HX-Retarget"] = f"#charge-{charge.pk}"
        response["HX-Reswap"] = "outerHTML"
        return response
    messages.success(request, message)
    return _back_to_review(request)


@require_right(Right.INVOICING_REVIEW)
@require_POST
def charges_approve(request):
    ids = [value for value in request.POST.getlist("charge") if value.isdigit()]
    if not ids:
        messages.warning(request, _("Markera de debiteringar som ska godkännas."))
        return _back_to_review(request)
    result = services.charges_approve(caregiver=request.user.caregiver, charge_ids=ids, user=request.user)
    if result.approved:
        messages.success(request, _("%(n)s debiteringar godkända.") % {"n": result.approved})
    if result.already:
        messages.warning(
            request, _("%(n)s av de markerade var redan godkända; de är oförändrade.") % {"n": result.already}
        )
    if result.no_address:
        messages.error(
            request,
            _(
                "%(n)s patienter saknar adress och deras debiteringar godkändes inte: %(names)s. Komplettera adressen (länken på raden) och godkänn igen."
            )
            % {"n": len(result.no_address), "names": ", ".join(p.display_name for p in result.no_address)},
        )
    if result.refused:
        messages.error(
            request,
            _("%(n)s av de markerade kan inte godkännas (fakturerade, borttagna eller okända).")
            % {"n": result.refused},
        )
    return _back_to_review(request)
