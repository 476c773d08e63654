"""The administrator's page of the register reporting (A7): reports, doses waiting or failed, send now."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journal.identity import IdentityError, parse_identity
from journal.models import Patient, Vaccination
from mittvaccin import outbox
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned, owned_or_404
from nvr import access, selectors
from nvr.models import NvrEntry, NvrReport

LISTED = 50


@require_right(Right.CAREGIVER_ADMINISTER)
@require_GET
def reports(request):
    caregiver = request.user.caregiver
    waiting_ids = selectors.waiting_ids(caregiver)
    waiting = list(
        Vaccination.objects.filter(pk__in=waiting_ids[:LISTED])
        .select_related("patient", "product", "product_version")
        .order_by("given_at", "pk")
    )
    undelivered = list(selectors.undelivered_reports(caregiver))
    failed = list(
        NvrEntry.objects.filter(report__in=undelivered)
        .select_related(
            "report", "vaccination__patient", "vaccination__product", "vaccination__product_version"
        )
        .order_by("report__number", "vaccination_id")[:LISTED]
    )
    access_log_record(
        request=request,
        patients=[d.patient for d in waiting] + [e.vaccination.patient for e in failed],
        action=access.PENDING,
    )
    lookup, states, lookup_error = _lookup(request)
    return render(
        request,
        "nvr/reports.html",
        {
            "counts": selectors.counts(caregiver),
            "reports": owned(NvrReport, request).defer("content").order_by("-number")[:100],
            "waiting": waiting,
            "waiting_total": len(waiting_ids),
            "failed": failed,
            "undelivered": undelivered,
            "lookup": lookup,
            "states": states,
            "lookup_error": lookup_error,
            "listed": LISTED,
        },
    )


def _lookup(request):
    """The reporting state of every dose of one patient, looked up by personnummer (logged as a read)."""
    query = request.GET.get("patient", "").strip()
    if not query:
        return None, [], ""
    try:
        identity = parse_identity(query)
    except IdentityError as error:
        return None, [], error.message
    patient = owned(Patient, request).filter(identity_number=identity.value).first()
    if patient is None:
        return None, [], _("Ingen patient med det numret hos vårdgivaren.")
    access_log_record(request=request, patient=patient, action=access.PATIENT_DOSES)
    return patient, selectors.dose_states(patient), ""


@require_right(Right.CAREGIVER_ADMINISTER)
@require_GET
def report_download(request, report_id):
    report = owned_or_404(NvrReport, request, pk=report_id)
    response = HttpResponse(report.content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{report.file_name}"'
    return response


@require_right(Right.CAREGIVER_ADMINISTER)
@require_POST
def send_now(request):
    caregiver_id, user_id = request.user.caregiver_id, request.user.pk
    outbox.enqueue("nvr.report_caregiver", caregiver_id, user_id)
    messages.success(
        request,
        _(
            "Rapporteringen är startad. Ladda om sidan om en stund för att se rapporten och om den levererades."
        ),
    )
    return redirect("nvr:reports")
