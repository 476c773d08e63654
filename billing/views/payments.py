"""Payment follow-up (clinic staff): importing Bankgirot's payment file, handling payments that need a
look, overdue invoices and their reminders (with the reminder PDF)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing import access
from billing.forms_payments import PaymentFileForm, SettleForm
from billing.models import Invoice, InvoiceKind, Payment, PaymentFile, Reminder
from billing.money import format_kr
from billing.pdf_reminder import reminder_pdf_bytes
from billing.receivables import STATUS_LABELS, open_payment_filter, payment_status
from billing.services.common import BillingError
from billing.services.payments import PaymentFileError, payment_settle, payments_import
from billing.services.prices import billing_settings_for
from billing.services.reminders import reminder_allowed_from, reminders_due, reminders_send
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404


@require_right(Right.INVOICING_REVIEW)
def payments(request):
    """The upload of a BgMax file, the payments that need a look, and the files imported so far."""
    form = PaymentFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = payments_import(
                caregiver=request.user.caregiver,
                content=upload.read(),
                file_name=upload.name,
                user=request.user,
            )
        except PaymentFileError as error:
            form.add_error("file", error.message)
        else:
            if result.already_imported:
                messages.warning(
                    request,
                    _("Filen är redan inläst %(when)s; ingenting har ändrats.")
                    % {"when": timezone.localtime(result.file.imported_at).strftime("%Y-%m-%d %H:%M")},
                )
            else:
                messages.success(
                    request,
                    _(
                        "%(count)s betalningar inlästa (%(total)s): %(matched)s matchade, %(handle)s att hantera."
                    )
                    % {
                        "count": result.file.payment_count,
                        "total": format_kr(result.file.total),
                        "matched": result.matched,
                        "handle": result.to_handle,
                    },
                )
            return redirect("billing:payment_file", file_id=result.file.pk)
    to_handle = (
        owned(Payment, request)
        .filter(open_payment_filter())
        .select_related("invoice", "file")
        .order_by("paid_on", "pk")
    )
    files = (
        owned(PaymentFile, request)
        .select_related("imported_by")
        .annotate(
            open=Count("payments", filter=~Q(payments__problem="") & Q(payments__settlement__isnull=True))
        )[:20]
    )
    return render(
        request,
        "billing/payments.html",
        {"form": form, "to_handle": to_handle[:500], "open_count": to_handle.count(), "files": files},
    )


@require_right(Right.INVOICING_REVIEW)
@require_GET
def payment_file(request, file_id):
    record = owned_or_404(PaymentFile.objects.select_related("imported_by"), request, pk=file_id)
    rows = record.payments.select_related("invoice", "settlement").order_by("line")
    page = Paginator(rows, 200).get_page(request.GET.get("sida"))
    figures = rows.order_by().aggregate(
        matched=Count("pk", filter=Q(problem="")), to_handle=Count("pk", filter=~Q(problem=""))
    )
    return render(request, "billing/payment_file.html", {"file": record, "page": page, "figures": figures})


@require_right(Right.INVOICING_REVIEW)
def payment_settle_view(request, payment_id):
    payment = owned_or_404(Payment.objects.select_related("invoice", "file"), request, pk=payment_id)
    form = SettleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        invoice = None
        if data.get("invoice_number"):
            invoice = (
                owned(Invoice, request)
                .filter(number=data["invoice_number"], kind=InvoiceKind.INVOICE)
                .first()
            )
            if invoice is None:
                form.add_error("invoice_number", _("Det finns ingen faktura med det numret."))
        if not form.errors:
            try:
                payment_settle(
                    payment=payment,
                    user=request.user,
                    action=data["action"],
                    note=data["note"],
                    invoice=invoice,
                )
            except BillingError as error:
                refusal_to_form(form, error)
            else:
                messages.success(request, _("Betalningen är hanterad."))
                return redirect("billing:payments")
    if payment.invoice_id:
        access_log_record(request=request, patient=payment.invoice.patient, action=access.PAYMENT)
    return render(request, "billing/payment_settle.html", {"payment": payment, "form": form})


@require_right(Right.INVOICING_REVIEW)
@require_GET
def reminders(request):
    """Overdue invoices with what is left to pay, and whether a reminder may go out today."""
    today = timezone.localdate()
    settings_row = billing_settings_for(request.user.caregiver)
    rows = list(reminders_due(who=request, today=today).order_by("due_date", "number")[:500])
    for invoice in rows:
        invoice.status_label = STATUS_LABELS[payment_status(invoice, today=today)]
        invoice.remind_from = reminder_allowed_from(invoice, settings_row)
        invoice.can_remind = not hasattr(invoice, "reminder") and invoice.remind_from <= today
    access_log_record(request=request, patients=[i.patient for i in rows], action=access.OVERDUE)
    totals = {"count": len(rows), "outstanding": sum((i.outstanding for i in rows), 0)}
    return render(
        request,
        "billing/reminders.html",
        {"rows": rows, "totals": totals, "settings_row": settings_row, "today": today},
    )


@require_right(Right.INVOICING_REVIEW)
@require_POST
def reminders_send_view(request):
    ids = [int(value) for value in request.POST.getlist("invoice") if value.isdigit()]
    if not ids:
        messages.error(request, _("Markera de fakturor som ska påminnas."))
        return redirect("billing:reminders")
    run = reminders_send(caregiver=request.user.caregiver, invoice_ids=ids, user=request.user)
    if run.sent:
        messages.success(
            request,
            _("%(count)s påminnelser skapade. Öppna PDF:erna och skicka dem.") % {"count": len(run.sent)},
        )
    for _invoice, reason in run.refused:
        messages.error(request, reason)
    return redirect("billing:reminders")


@require_right(Right.INVOICING_REVIEW)
@require_GET
def reminder_pdf(request, invoice_id):

    reminder = owned_or_404(
        Reminder.objects.select_related("invoice", "invoice__patient", "caregiver"),
        request,
        invoice_id=invoice_id,
    )
    access_log_record(request=request, patient=reminder.invoice.patient, action=access.REMINDER_PDF)
    response = HttpResponse(reminder_pdf_bytes(reminder), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="paminnelse-{reminder.invoice.number}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
