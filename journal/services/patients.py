"""Registering patients and their contact details."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from journal.identity import ParsedIdentity
from journal.models import Patient
from journal.services.common import JournalError


class PatientExists(JournalError):
    """The number is registered already: the view opens that patient instead."""

    code = "patient_exists"

    def __init__(self, patient):
        super().__init__(_("Patienten finns redan."), field="identity")
        self.patient = patient


@transaction.atomic
def patient_create(*, caregiver, identity: ParsedIdentity, **fields) -> Patient:
    """Register a patient in the caregiver's journal; a second registration of the number is refused."""
    patient = Patient(
        caregiver=caregiver,
        identity_kind=identity.kind,
        identity_number=identity.value,
        **fields,
    )
    if identity.birth_date:
        patient.birth_date = identity.birth_date
        patient.sex = identity.sex
    if patient.protected_identity:
        patient.blank_contact_details()
    existing = Patient.objects.filter(
        caregiver=caregiver,
        identity_kind=patient.identity_kind,
        identity_number=patient.identity_number,
        reserve_number_region=patient.reserve_number_region,
    ).first()
    if existing:
        raise PatientExists(existing)
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        # Two clerks registering the same person at the same moment: the constraint decides.
        raise PatientExists(
            Patient.objects.get(
                caregiver=caregiver,
                identity_kind=patient.identity_kind,
                identity_number=patient.identity_number,
                reserve_number_region=patient.reserve_number_region,
            )
        ) from None
    return patient


@transaction.atomic
def patient_update_contact(*, patient: Patient, data: dict) -> Patient:
    """Names and contact details. For a protected patient contact details are never stored (R7)."""
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    for field, value in data.items():
        setattr(patient, field, value)
    if patient.protected_identity:
        patient.blank_contact_details()
    patient.save()
    return patient
