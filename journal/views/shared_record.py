"""The shared record (R4, R6): consent, blocks, emergency access, and reads logged at both caregivers."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal import services
from journal.access import patient_view
from journal.forms import BlockForm, EmergencyAccessForm
from journal.models import SharedRecordBlock, Vaccination
from journal.views.common import _error_to_form
from mittvaccin.models import AccessLogEntry
from mittvaccin.services import access_log_record, client_address
from mittvaccin.tenancy import owned_or_404


def _log_shared_read(request, patient, shared) -> None:
    """Every look into another caregiver's record leaves a row in their access log too (R6)."""
    if not shared.open or not (shared.doses or shared.blocked_count):
        return
    access_log_record(request=request, patient=patient, what=_("Sammanhållen journal"))
    seen = {}
    for dose in shared.doses:
        seen.setdefault(dose.patient_id, dose)
    rows = [
        AccessLogEntry(
            user=request.user,
            caregiver_id=dose.caregiver_id,
            unit=None,
            patient_id=dose.patient_id,
            patient_identity=patient.identity_number,
            patient_protected=patient.protected_identity,
            what=(
                _("Sammanhållen journal, läst av %(caregiver)s") % {"caregiver": request.user.caregiver.name}
            )[:120],
            path=request.get_full_path()[:400],
            client_address=client_address(request),
            reason=shared.emergency.reason if shared.emergency else "",
        )
        for dose in seen.values()
    ]
    AccessLogEntry.objects.bulk_create(rows)


@require_POST
@patient_view(_("Sammanhållen journal: samtycke"))
def consent(request, patient):
    given = request.POST.get("given") == "yes"
    if request.POST.get("given") not in ("yes", "no"):
        messages.error(request, _("Ange om patienten samtycker."))
    else:
        services.consent_record(patient=patient, user=request.user, given=given)
        messages.success(
            request,
            _("Patientens samtycke till sammanhållen journalföring är registrerat.")
            if given
            else _("Att patienten inte samtycker är registrerat."),
        )
    next_url = request.POST.get("next") or ""
    if next_url.startswith(f"/patient/{patient.pk}/"):
        return redirect(next_url)
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#sammanhallen")


@require_POST
@patient_view(_("Sammanhållen journal: spärr"))
def block(request, patient):
    form = BlockForm(request.POST)
    if form.is_valid():
        vaccination = None
        if form.cleaned_data["vaccination"]:
            vaccination = owned_or_404(
                Vaccination, request, pk=form.cleaned_data["vaccination"], patient=patient
            )
        services.block_record(
            patient=patient, user=request.user, vaccination=vaccination, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("Spärren är registrerad: andra vårdgivare ser inte uppgiften."))
    else:
        messages.error(request, _("Spärren kunde inte registreras."))
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#sammanhallen")


@require_POST
@patient_view(_("Sammanhållen journal: häv spärr"))
def block_lift(request, patient, block_id):
    block = owned_or_404(SharedRecordBlock, request, pk=block_id, patient=patient)
    try:
        services.block_lift(block=block, user=request.user)
    except services.JournalError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, _("Spärren är hävd."))
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#sammanhallen")


@patient_view(_("Nödåtkomst: övervägd"))
def emergency_access(request, patient):
    """Two explicit steps: this page explains and asks for a reason; the POST opens the blocked information."""
    form = EmergencyAccessForm(request.POST or None)
    back = request.GET.get("tillbaka") or request.POST.get("tillbaka") or ""
    if not back.startswith(f"/patient/{patient.pk}/"):
        back = reverse("journal:patient", args=[patient.pk])
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_access_open(
                request=request, patient=patient, reason=form.cleaned_data["reason"]
            )
        except services.JournalError as error:
            _error_to_form(form, error)
        else:
            messages.warning(
                request,
                _("Nödåtkomst öppnad i %(hours)d timmar. Spärrad information visas och åtkomsten granskas.")
                % {"hours": services.EMERGENCY_ACCESS_HOURS},
            )
            return redirect(back)
    return render(request, "journal/emergency_access.html", {"patient": patient, "form": form, "back": back})
