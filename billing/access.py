"""Billing pages show patients' names and numbers: every patient shown is logged as read, in the request."""

from __future__ import annotations

from mittvaccin.models import AccessLogEntry
from mittvaccin.services import access_log_record, client_address


def log_patient_read(request, patient, what: str) -> None:
    access_log_record(request=request, patient=patient, what=what)


def log_patients_read(request, patients, what: str) -> None:
    """One access-log row per distinct patient on a list page (one INSERT for the whole page)."""
    seen = {}
    for patient in patients:
        seen.setdefault(patient.pk, patient)
    if not seen:
        return
    address = client_address(request)
    path = request.get_full_path()[:400]
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                user=request.user,
                caregiver_id=request.user.caregiver_id,
                unit=getattr(request, "unit", None),
                patient_id=patient.pk,
                patient_identity=patient.identity_number,
                patient_protected=patient.protected_identity,
                what=what[:120],
                path=path,
                client_address=address,
            )
            for patient in seen.values()
        ]
    )
