"""Invoices, credit notes and the export (clinic staff, R15)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import access, selectors, services
from billing.forms import CreditForm, PeriodForm
from billing.models import Invoice, InvoiceDocument, InvoiceKind
from billing.pdf import invoice_context, invoice_pdf_bytes
from billing.views.common import _back_to_review
from billing.views.review import _review_filter
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.parsing import int_or_none
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


@require_right(Right.INVOICING_REVIEW)
@require_POST
def invoices_create(request):
    # The same filter fields as the review page, posted with the button: invoice what is shown.
    _form, unit, date_from, date_to, _status = _review_filter(request, request.POST)
    try:
        result = services.invoices_issue(
            caregiver=request.user.caregiver,
            user=request.user,
            unit=unit,
            date_from=date_from,
            date_to=date_to,
        )
    except services.BillingError as error:
        messages.error(request, error.message)
        return _back_to_review(request)
    if result.invoices:
        numbers = sorted(i.number for i in result.invoices)
        messages.success(
            request,
            _("%(n)s fakturor skapade (nr %(first)s–%(last)s). PDF:erna skapas nu.")
            % {"n": len(numbers), "first": numbers[0], "last": numbers[-1]},
        )
    if result.closed_without_invoice:
        messages.info(
            request,
            _("%(n)s patienter hade bara avgiftsfria debiteringar (0 kr) och får ingen faktura.")
            % {"n": result.closed_without_invoice},
        )
    for patient, error in result.errors:
        messages.error(
            request,
            _("Ingen faktura för %(patient)s: %(error)s") % {"patient": patient.display_name, "error": error},
        )
    if not (result.invoices or result.closed_without_invoice or result.errors):
        messages.warning(request, _("Det finns inga godkända debiteringar att fakturera i urvalet."))
    return _back_to_review(request)


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoices(request):
    form = _period_form(request.GET)
    date_from, date_to = form.period()
    rows = (
        owned(Invoice, request)
        .filter(invoice_date__gte=date_from, invoice_date__lte=date_to)
        .select_related("patient", "credited_invoice", "document")
        .order_by("-number")
    )
    kind = request.GET.get("typ")
    if kind in InvoiceKind.values:
        rows = rows.filter(kind=kind)
    page = Paginator(rows, 100).get_page(request.GET.get("sida"))
    access_log_record(request=request, patients=[i.patient for i in page.object_list], action=access.INVOICES)
    figures = rows.order_by().aggregate(total=Sum("total"), count=Count("id"))
    return render(
        request,
        "billing/invoices.html",
        {
            "form": form,
            "page": page,
            "figures": figures,
            "date_from": date_from,
            "date_to": date_to,
            "kind": kind,
        },
    )


def _period_form(query):
    """The period filter, showing the period in effect also when it came from the defaults."""
    form = PeriodForm(query or None)
    date_from, date_to = form.period()
    if not form.is_bound or form.is_valid():
        data = query.copy()
        data["date_from"] = data.get("date_from") or date_from.isoformat()
        data["date_to"] = data.get("date_to") or date_to.isoformat()
        form = PeriodForm(data)
        form.is_valid()
    return form


def _invoice(request, invoice_id):
    return owned_or_404(
        Invoice.objects.select_related("patient", "credited_invoice", "issued_by"), request, pk=invoice_id
    )


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoice_detail(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    document = InvoiceDocument.objects.filter(invoice=invoice).first()
    if request.htmx and request.GET.get("poll"):
        # The PDF status poll shows no patient data, so it reads no patient and logs nothing.
        poll = int_or_none(request.GET["poll"]) or 0
        return render(
            request,
            "billing/invoice_detail.html#pdf-status",
            {"invoice": invoice, "document": document, "poll": poll, "poll_more": poll < PDF_POLLS},
        )
    access_log_record(request=request, patient=invoice.patient, action=access.INVOICE)

    context = invoice_context(invoice)
    uncredited = not invoice.is_credit_note and invoice.lines.filter(credit_line__isnull=True).exists()
    context.update(
        {
            "credit_notes": list(invoice.credit_notes.order_by("number")),
            "can_credit": uncredited,
            "document": document,
            "credit_form": CreditForm(),
            "poll": 0,
            "poll_more": True,
        }
    )
    return render(request, "billing/invoice_detail.html", context)


# The invoice page asks for the PDF every 3 s for about two minutes; after that the button renders it.
PDF_POLLS = 40


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoice_pdf(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    access_log_record(request=request, patient=invoice.patient, action=access.INVOICE_PDF)
    content = invoice_pdf_bytes(invoice)
    kind = "kreditfaktura" if invoice.is_credit_note else "faktura"
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{kind}-{invoice.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_right(Right.INVOICING_REVIEW)
def invoice_credit(request, invoice_id):
    invoice = _invoice(request, invoice_id)
    form = CreditForm(request.POST or None)
    if invoice.is_credit_note:
        messages.error(request, _("En kreditfaktura kan inte krediteras."))
        return redirect("billing:invoice", invoice_id=invoice.pk)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.credit_note_issue(
                invoice=invoice,
                user=request.user,
                submission_key=request.POST.get("submission", ""),
                **form.cleaned_data,
            )
        except services.BillingError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                _("Kreditfaktura %(number)s är skapad för faktura %(invoice)s.")
                % {"number": note.number, "invoice": invoice.number},
            )
            return redirect("billing:invoice", invoice_id=note.pk)
    access_log_record(request=request, patient=invoice.patient, action=access.INVOICE)
    return render(
        request,
        "billing/invoice_credit.html",
        {"invoice": invoice, "form": form, "submission": request.POST.get("submission") or uuid.uuid4().hex},
    )


@require_right(Right.INVOICING_REVIEW)
@require_GET
def invoices_export(request):
    form = _period_form(request.GET)
    if request.GET.get("hamta") and form.is_valid():
        date_from, date_to = form.period()
        rows = list(selectors.invoices_for_export(who=request, date_from=date_from, date_to=date_to))
        access_log_record(request=request, patients=[i.patient for i in rows], action=access.INVOICE_EXPORT)
        response = HttpResponse(selectors.export_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="fakturor-{date_from}-{date_to}.csv"'
        response["Cache-Control"] = "no-store"
        return response
    return render(request, "billing/export.html", {"form": form, "columns": selectors.EXPORT_COLUMNS})
