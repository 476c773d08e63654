"""Billing pages show patients' names and numbers: every patient shown is logged as read, in the request."""

from __future__ import annotations

from mittvaccin.services import access_log_record, access_log_record_many


def log_patient_read(request, patient, what: str) -> None:
    access_log_record(request=request, patient=patient, what=what)


def log_patients_read(request, patients, what: str) -> None:
    """One access-log row per distinct patient on a list page (one INSERT for the whole page)."""
    access_log_record_many(request=request, patients=patients, what=what)
