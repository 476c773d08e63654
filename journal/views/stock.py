"""The unit's vaccine stock: balance per product and lot, deliveries, waste, transfers, stock-takes, vials."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal import stock, stock_rows
from journal.models import Batch
from journal.stock_forms import (
    AlertEmailForm,
    DeliveryForm,
    MinimumForm,
    StocktakeForm,
    TransferForm,
    WasteForm,
)
from journal.stock_models import StockMinimum, UnitStockSettings
from mittvaccin.decorators import require_right
from mittvaccin.models import Unit
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


def _no_unit(request):
    messages.error(request, _("Välj först vilken enhet du arbetar på (överst på sidan)."))
    return redirect("home")


def _other_units(request):
    return owned(Unit, request).filter(is_active=True).exclude(pk=request.unit.pk).order_by("name")


@require_right(Right.STOCK_MANAGE)
def stock_overview(request):
    if request.unit is None:
        return _no_unit(request)
    include_empty = request.GET.get("tomma") == "1"
    products = stock.unit_stock(request.unit, include_empty=include_empty)
    # Reversed and translated once, not for each of hundreds of lots.
    prefix, words = reverse("journal:stock_lot", args=[0]).removesuffix("0/"), stock_rows.lot_words()
    for entry in products:
        for lot in entry.lots:
            lot.row_html = stock_rows.lot_row(lot, prefix=prefix, words=words)
    notice = stock.latest_notice(request.unit)
    return render(
        request,
        "journal/stock/overview.html",
        {
            "products": products,
            "include_empty": include_empty,
            "notice": notice,
            "notice_lines": stock.notice_text(notice) if notice else [],
            "expiring_days": stock.EXPIRY_WARNING_DAYS,
        },
    )


@require_right(Right.STOCK_MANAGE)
def delivery(request):
    if request.unit is None:
        return _no_unit(request)
    form = DeliveryForm(request.POST or None, initial={"idempotency_key": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            movement = stock.delivery_receive(
                user=request.user,
                unit=request.unit,
                product=data["product"],
                lot_number=data["lot_number"],
                expiry_date=data["expiry_date"],
                quantity=data["quantity"],
                supplier=data["supplier"],
                delivery_note=data["delivery_note"],
                idempotency_key=data["idempotency_key"],
            )
        except stock.StockError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                _("Leveransen är registrerad: %(n)d doser %(product)s, batch %(lot)s, på %(unit)s.")
                % {
                    "n": movement.quantity,
                    "product": movement.batch.product.name,
                    "lot": movement.batch.lot_number,
                    "unit": request.unit.name,
                },
            )
            return redirect("journal:stock_lot", batch_id=movement.batch_id)
    status = 422 if form.errors else 200
    return render(request, "journal/stock/delivery.html", {"form": form}, status=status)


def _lot_page(request, batch, *, status=200, **forms):
    unit = request.unit
    balance = stock.balance_of(unit, batch)
    context = {
        "batch": batch,
        "balance": balance,
        "ledger": stock.lot_ledger(unit, batch),
        "open_vial": stock.open_vial_with_room(unit, batch, timezone.now())
        if batch.product.is_multidose
        else None,
        "waste_form": forms.get("waste_form") or WasteForm(initial={"idempotency_key": uuid.uuid4()}),
        "transfer_form": forms.get("transfer_form")
        or TransferForm(initial={"idempotency_key": uuid.uuid4()}, units=_other_units(request)),
        "stocktake_form": forms.get("stocktake_form") or StocktakeForm(initial={"expected": balance}),
    }
    return render(request, "journal/stock/lot.html", context, status=status)


def _batch(request, batch_id) -> Batch:
    return owned_or_404(Batch.objects.select_related("product"), request, pk=batch_id)


@require_right(Right.STOCK_MANAGE)
def lot(request, batch_id):
    batch = _batch(request, batch_id)
    if request.unit is None:
        return _no_unit(request)
    return _lot_page(request, batch)


def _lot_action(request, batch_id, *, form, form_name, act, on_refusal=None):
    """The lot page's forms share one path: the lot at the user's unit, the form, the service; then back
    to the lot with the service's own words, or the page again with the refusal on its form (422).

    `act(batch, data)` does the work and returns the message; `on_refusal(form, error, batch)` may
    correct the form after a refusal."""
    batch = _batch(request, batch_id)
    if request.unit is None:
        return _no_unit(request)
    form = form(request.POST)
    if form.is_valid():
        try:
            message = act(batch, form.cleaned_data)
        except stock.StockError as error:
            refusal_to_form(form, error)
            if on_refusal is not None:
                on_refusal(form, error, batch)
        else:
            messages.success(request, message)
            return redirect("journal:stock_lot", batch_id=batch.pk)
    return _lot_page(request, batch, status=422, **{form_name: form})


@require_right(Right.STOCK_MANAGE)
@require_POST
def lot_waste(request, batch_id):
    def act(batch, data):
        stock.waste_record(
            user=request.user,
            unit=request.unit,
            batch=batch,
            quantity=data["quantity"],
            reason=data["reason"],
            text=data["text"],
            idempotency_key=data["idempotency_key"],
        )
        return _("%(n)d doser av batch %(lot)s är kasserade.") % {
            "n": data["quantity"],
            "lot": batch.lot_number,
        }

    return _lot_action(request, batch_id, form=WasteForm, form_name="waste_form", act=act)


@require_right(Right.STOCK_MANAGE)
@require_POST
def lot_transfer(request, batch_id):
    def act(batch, data):
        stock.transfer_record(
            user=request.user,
            from_unit=request.unit,
            to_unit=data["to_unit"],
            batch=batch,
            quantity=data["quantity"],
            idempotency_key=data["idempotency_key"],
        )
        return _("%(n)d doser av batch %(lot)s är flyttade till %(unit)s.") % {
            "n": data["quantity"],
            "lot": batch.lot_number,
            "unit": data["to_unit"].name,
        }

    def form(data):
        return TransferForm(data, units=_other_units(request))

    return _lot_action(request, batch_id, form=form, form_name="transfer_form", act=act)


@require_right(Right.STOCK_MANAGE)
@require_POST
def lot_stocktake(request, batch_id):
    def act(batch, data):
        movement = stock.stocktake_record(
            user=request.user,
            unit=request.unit,
            batch=batch,
            counted=data["counted"],
            expected=data["expected"],
            reason=data["reason"],
        )
        if movement is None:
            return _("Inventeringen stämmer med saldot (%(n)d doser).") % {"n": data["counted"]}
        return _("Inventeringen är registrerad: differens %(diff)+d, saldo nu %(n)d doser.") % {
            "diff": movement.quantity,
            "n": data["counted"],
        }

    def on_refusal(form, error, batch):
        now = stock.balance_of(request.unit, batch)
        if error.field == "counted" and form.cleaned_data["expected"] != now:
            # Show the balance as it is now, so the next count is compared with the right figure.
            form.data = form.data.copy()
            form.data["expected"] = now

    return _lot_action(
        request, batch_id, form=StocktakeForm, form_name="stocktake_form", act=act, on_refusal=on_refusal
    )


@require_right(Right.STOCK_MANAGE)
@require_POST
def lot_open_vial(request, batch_id):
    batch = _batch(request, batch_id)
    if request.unit is None:
        return _no_unit(request)
    try:
        vial = stock.vial_open(user=request.user, unit=request.unit, batch=batch)
    except stock.StockError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Öppnad flerdosförpackning registrerad; hållbar till %(until)s.")
            % {"until": timezone.localtime(vial.usable_until).strftime("%Y-%m-%d %H:%M")},
        )
    return redirect("journal:stock_lot", batch_id=batch.pk)


@require_right(Right.STOCK_MANAGE)
def stock_settings(request):
    if request.unit is None:
        return _no_unit(request)
    unit = request.unit
    settings_row = UnitStockSettings.objects.filter(unit=unit).first()
    minimum_form = MinimumForm(request.POST if "minimum" in request.POST else None)
    email_form = AlertEmailForm(
        request.POST if "alert_email" in request.POST else None,
        initial={"alert_email": settings_row.alert_email if settings_row else ""},
    )
    if request.method == "POST":
        form = minimum_form if "minimum" in request.POST else email_form
        if form.is_valid():
            try:
                if form is minimum_form:
                    stock.minimum_set(
                        user=request.user,
                        unit=unit,
                        product=form.cleaned_data["product"],
                        minimum=form.cleaned_data["minimum"],
                    )
                else:
                    stock.alert_email_set(
                        user=request.user, unit=unit, email=form.cleaned_data["alert_email"]
                    )
            except stock.StockError as error:
                refusal_to_form(form, error)
            else:
                messages.success(
                    request, _("Lagerinställningarna för %(unit)s är sparade.") % {"unit": unit.name}
                )
                return redirect("journal:stock_settings")
    minimums = StockMinimum.objects.filter(unit=unit).select_related("product").order_by("product__name")
    return render(
        request,
        "journal/stock/settings.html",
        {"minimum_form": minimum_form, "email_form": email_form, "minimums": minimums},
        status=422 if (minimum_form.errors or email_form.errors) else 200,
    )
