"""The patient a staff member books: registered in the journal on the way when new to the caregiver."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from booking.services.common import BookingError
from journal.identity import ParsedIdentity
from journal.models import Patient
from journal.services.common import JournalError
from journal.services.patients import PatientExists, patient_create
from mittvaccin import validators


@transaction.atomic
def booking_patient_register(
    *, unit, identity: ParsedIdentity | None, given_names: str, family_name: str, user=None
) -> Patient:
    """Register a patient new to the unit's caregiver, named by staff, before booking them.

    Refused (code "new_patient") without a valid number or a full name (control characters refused).
    Registration asks the population register (`patient_create`), so nothing that could locate a
    protected person is kept (R7). A patient registered a moment earlier by someone else is returned.
    """
    try:
        given, family = validators.clean_name(given_names), validators.clean_name(family_name)
    except ValidationError as error:
        raise BookingError(error.messages[0], code="new_patient") from None
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
            user=user,
        )
    except PatientExists as exists:
        return exists.patient
    except JournalError as error:
        raise BookingError(error.message, code="new_patient") from None
