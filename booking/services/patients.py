"""The patient a staff member books: registered in the journal on the way when new to the caregiver."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from booking.services.common import BookingError
from journal.identity import ParsedIdentity
from journal.models import Patient
from journal.population_register import has_protected_identity
from journal.services.patients import PatientExists, patient_create


@transaction.atomic
def booking_patient_register(
    *, unit, identity: ParsedIdentity | None, given_names: str, family_name: str
) -> Patient:
    """Register a patient new to the unit's caregiver, named by staff, before booking them.

    Refused (code "new_patient") without a valid number or a full name. Protected identity is taken
    from the population register, so nothing that could locate the person is kept (R7). A patient
    registered a moment earlier by someone else is returned as it is.
    """
    given, family = (given_names or "").strip(), (family_name or "").strip()
    if identity is None:
        raise BookingError(_("Ange ett giltigt personnummer."), code="new_patient")
    if not given or not family:
        raise BookingError(
            _("Patienten finns inte i journalen: ange förnamn och efternamn."), code="new_patient"
        )
    try:
        return patient_create(
            caregiver=unit.caregiver,
            identity=identity,
            given_names=given[:100],
            family_name=family[:100],
            protected_identity=has_protected_identity(identity.value),
        )
    except PatientExists as exists:
        return exists.patient
