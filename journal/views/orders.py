"""Orders (R2)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from journal import access, services
from journal.access import patient_view
from journal.forms import OrderForm
from journal.models import Order, OrderRequest, VaccineProduct
from journal.views.common import _hhmm, _mark_with_reason, _posted_int, _visit
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


@patient_view(access.ORDER_CREATE, right=Right.VACCINE_ORDER)
def order_create(request, patient):
    visit_id = _posted_int(request, "besok")
    visit = _visit(request, patient, visit_id) if visit_id else None
    today = timezone.localdate()
    form = OrderForm(
        request.POST or None,
        initial={
            "valid_until": today + dt.timedelta(days=365),
            "doses_total": 1,
            # From a nurse's request on the physicians' list: the vaccine asked for.
            "product": _posted_int(request, "produkt"),
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_create(
                patient=patient,
                user=request.user,
                unit=request.unit,
                product=data["product"],
                dose_ml=data["dose_ml"] or data["product"].default_dose_ml,
                doses_total=data["doses_total"],
                valid_until=data["valid_until"],
                schedule_text=data["schedule_text"],
                instructions=data["instructions"],
                visit=visit,
            )
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "Ordinationen är signerad %(time)s: %(product)s, %(n)d dos.",
                    "Ordinationen är signerad %(time)s: %(product)s, %(n)d doser.",
                    order.doses_total,
                )
                % {"time": _hhmm(order.ordered_at), "product": order.product.name, "n": order.doses_total},
            )
            if visit is not None:
                return redirect("journal:visit", patient_id=patient.pk, visit_id=visit.pk)
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#ordinationer")
    action = reverse("journal:order_create", args=[patient.pk]) + (f"?besok={visit.pk}" if visit else "")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Ordinera vaccin"),
            "intro": _(
                "Ordinationen signeras av dig och gäller hos alla enheter hos vårdgivaren. Den görs på %(unit)s."
            )
            % {"unit": request.unit.name if request.unit else "–"},
            "submit": _("Signera ordination"),
            "action": action,
            "back": reverse("journal:visit", args=[patient.pk, visit.pk]) if visit else None,
        },
    )


@patient_view(access.ORDER_ERROR, right=Right.VACCINE_ORDER)
def order_error(request, patient, order_id):
    order = owned_or_404(Order.objects.select_related("product"), request, pk=order_id, patient=patient)
    return _mark_with_reason(
        request,
        patient,
        mark=lambda reason: services.order_enter_in_error(order=order, user=request.user, reason=reason),
        done=_("Ordinationen är makulerad. Den finns kvar i journalen med skälet."),
        anchor="#ordinationer",
        title=_("Makulera ordination"),
        intro=f"{order.product.name} · {order.signature}",
        submit=_("Makulera"),
    )


class OrderRequestForm(forms.Form):
    product = forms.ModelChoiceField(
        label=_("Vaccin"),
        queryset=VaccineProduct.objects.filter(is_active=True).order_by("name"),
        required=False,
    )
    text = forms.CharField(
        label=_("Vad behövs, och varför"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


@patient_view(access.ORDER_REQUEST, right=None)
def order_request(request, patient):
    """A nurse who finds an order missing asks for one; it waits on the physicians' list (R2)."""
    visit_id = _posted_int(request, "besok")
    visit = _visit(request, patient, visit_id) if visit_id else None
    form = OrderRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.order_request_create(
                patient=patient,
                user=request.user,
                unit=request.unit,
                visit=visit,
                product=form.cleaned_data["product"],
                text=form.cleaned_data["text"],
            )
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request, _("Begäran om ordination är skickad till läkarna (listan Väntar på bedömning).")
            )
            if visit is not None:
                return redirect("journal:visit", patient_id=patient.pk, visit_id=visit.pk)
            return redirect("journal:patient", patient_id=patient.pk)
    back = reverse("journal:visit", args=[patient.pk, visit.pk]) if visit else None
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Begär ordination"),
            "intro": _(
                "Du saknar behörighet att ordinera. Begäran visas för läkarna tills en ordination görs."
            ),
            "submit": _("Skicka begäran"),
            "action": request.get_full_path(),
            "back": back,
        },
    )


@patient_view(access.ORDER_REQUEST_ANSWER, right=Right.VACCINE_ORDER)
def order_request_decline(request, patient, order_request_id):
    order_request = owned_or_404(OrderRequest, request, pk=order_request_id, patient=patient)
    return _mark_with_reason(
        request,
        patient,
        mark=lambda reason: services.order_request_decline(
            request=order_request, user=request.user, reason=reason
        ),
        done=_("Begäran är besvarad utan ordination."),
        anchor="#ordinationer",
        title=_("Besvara begäran utan ordination"),
        intro=order_request.text,
        submit=_("Besvara"),
    )
