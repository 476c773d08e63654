"""Lot recall look-back: who got a lot, the list as CSV, and one message to all of them."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journal import recall as recalls
from journal import recall_rows
from journal.models import Batch
from journal.recall_models import Recall
from journal.stock_forms import RecallForm, RecallMessageForm
from mittvaccin.decorators import require_right
from mittvaccin.models import Unit
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


def _units(request):
    return owned(Unit, request).order_by("name")


@require_right(Right.LOT_RECALL)
def recall_list(request):
    form = RecallForm(request.POST or None, units=_units(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        batch = None
        lot = (data["lot_number"] or "").strip()
        if lot:
            batch = owned(Batch, request).filter(lot_number__iexact=lot).select_related("product").first()
            if batch is None:
                form.add_error(
                    "lot_number", _("Batchnumret %(lot)s finns inte hos vårdgivaren.") % {"lot": lot}
                )
        if not form.errors:
            try:
                recall = recalls.recall_create(
                    request=request,
                    product=data["product"],
                    batch=batch,
                    unit=data["unit"],
                    period_from=data["period_from"],
                    period_to=data["period_to"],
                    reason=data["reason"],
                )
            except recalls.RecallError as error:
                refusal_to_form(form, error)
            else:
                messages.success(
                    request,
                    _("Återkallelsen är sparad: %(p)d patienter fick %(d)d doser.")
                    % {"p": recall.patient_count, "d": recall.dose_count},
                )
                return redirect("journal:recall", recall_id=recall.pk)
    recent = owned(Recall, request).select_related("product", "batch", "unit")[:50]
    return render(
        request,
        "journal/recall/list.html",
        {"form": form, "recalls": recent},
        status=422 if form.errors else 200,
    )


def _detail(request, recall, *, message_form=None, status=200):
    try:
        page = int(request.GET.get("sida") or 1)
    except ValueError:
        page = 1
    rows, page, pages, total = recalls.recall_page(request, recall, page=page)
    sent = [(message, recalls.message_status(message)) for message in recall.messages.all()]
    return render(
        request,
        "journal/recall/detail.html",
        {
            "recall": recall,
            "rows": rows,
            "page": page,
            "pages": pages,
            "total": total,
            "rows_html": recall_rows.rows_html(rows),
            "message_form": message_form or RecallMessageForm(initial={"idempotency_key": uuid.uuid4()}),
            "sent": sent,
        },
        status=status,
    )


def _recall(request, recall_id) -> Recall:
    return owned_or_404(
        Recall.objects.select_related("product", "batch", "unit", "created_by"), request, pk=recall_id
    )


@require_right(Right.LOT_RECALL)
@require_GET
def recall_detail(request, recall_id):
    return _detail(request, _recall(request, recall_id))


@require_right(Right.LOT_RECALL)
@require_GET
def recall_csv(request, recall_id):
    recall = _recall(request, recall_id)
    response = HttpResponse(recalls.recall_csv(request, recall), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="aterkallelse-{recall.pk}-{timezone.localdate():%Y-%m-%d}.csv"'
    )
    return response


@require_right(Right.LOT_RECALL)
@require_POST
def recall_message(request, recall_id):
    recall = _recall(request, recall_id)
    form = RecallMessageForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            recalls.recall_message_create(
                recall=recall,
                user=request.user,
                subject=data["subject"],
                body=data["body"],
                idempotency_key=data["idempotency_key"],
            )
        except recalls.RecallError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                _("Meddelandet skickas nu till patienterna i listan (en gång per patient)."),
            )
            return redirect("journal:recall", recall_id=recall.pk)
    return _detail(request, recall, message_form=form, status=422)
