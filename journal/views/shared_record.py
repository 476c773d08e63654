"""The shared record (R4, R6): consent, blocks, emergency access, and reads logged at both caregivers."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal import access, services
from journal.access import patient_view
from journal.forms import BlockForm, EmergencyAccessForm
from journal.models import SharedRecordBlock, Vaccination
from journal.views.common import _act_and_tell
from mittvaccin.access_log import LoggedPatient, access_log_record
from mittvaccin.redirects import safe_next
from mittvaccin.refusals import refusal_to_form
from mittvaccin.tenancy import owned_or_404


def _log_shared_read(request, patient, shared) -> None:
    """Every look into another caregiver's record leaves a row in their access log too (R6)."""
    if not shared.open or not (shared.doses or shared.blocked_count):
        return
    access_log_record(request=request, patient=patient, action=access.SHARED_READ)
    # The other caregiver's row names its own patient record, with the identity and marker as we hold them.
    theirs: dict[int, dict[int, LoggedPatient]] = {}
    for dose in shared.doses:
        theirs.setdefault(dose.caregiver_id, {})[dose.patient_id] = LoggedPatient(
            id=dose.patient_id,
            identity_number=patient.identity_number,
            protected_identity=patient.protected_identity,
        )
    for caregiver_id, patients in theirs.items():
        access_log_record(
            request=request,
            patients=patients.values(),
            action=access.SHARED_READ_BY,
            params={"caregiver": request.user.caregiver.name},
            reason=shared.emergency.reason if shared.emergency else "",
            caregiver=caregiver_id,
        )


@require_POST
@patient_view(access.SHARED_CONSENT)
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
    default = reverse("journal:patient", args=[patient.pk]) + "#sammanhallen"
    return redirect(safe_next(request, default, within=f"/patient/{patient.pk}/"))


@require_POST
@patient_view(access.SHARED_BLOCK)
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
@patient_view(access.SHARED_BLOCK_LIFT)
def block_lift(request, patient, block_id):
    block = owned_or_404(SharedRecordBlock, request, pk=block_id, patient=patient)
    _act_and_tell(request, lambda: services.block_lift(block=block, user=request.user), _("Spärren är hävd."))
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#sammanhallen")


@patient_view(access.EMERGENCY_CONSIDERED)
def emergency_access(request, patient):
    """Two explicit steps: this page explains and asks for a reason; the POST opens the blocked information."""
    form = EmergencyAccessForm(request.POST or None)
    back = safe_next(
        request,
        reverse("journal:patient", args=[patient.pk]),
        field="tillbaka",
        within=f"/patient/{patient.pk}/",
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.emergency_access_open(
                request=request, patient=patient, reason=form.cleaned_data["reason"]
            )
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.warning(
                request,
                _("Nödåtkomst öppnad i %(hours)d timmar. Spärrad information visas och åtkomsten granskas.")
                % {"hours": services.EMERGENCY_ACCESS_HOURS},
            )
            return redirect(back)
    return render(request, "journal/emergency_access.html", {"patient": patient, "form": form, "back": back})
