"""Registering patients and their contact details."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from journal.identity import ParsedIdentity
from journal.models import Patient, ProtectionChange
from journal.population_register import RegisterUnavailable
from journal.services.common import JournalError
from journal.services.protection import (
    _register_answer_text,
    protected_elsewhere,
    protection_check_register,
    protection_mark_elsewhere,
)


class PatientExists(JournalError):
    """The number is registered already: the view opens that patient instead."""

    code = "patient_exists"

    def __init__(self, patient):
        super().__init__(_("Patienten finns redan."), field="identity")
        self.patient = patient


@transaction.atomic
def patient_create(**arguments) -> Patient:
    """Register a patient in the caregiver's journal; a second registration of the number is refused.

    The population register is asked first, as the public booking does (R7): a person it protects is
    marked, and no contact detail typed in is stored. A marking ticked on the form is kept as well,
    and reaches the person's rows at other caregivers (protection is a fact about the person).
    `register_answer`: what `protection_check_register` answered the caller for this person a moment
    ago, in the same request (the public booking asks before anything is written); not asked again.
    Arguments: those of `patient_create_within`.
    """
    return patient_create_within(**arguments)


def patient_create_within(
    *,
    caregiver,
    identity: ParsedIdentity,
    user=None,
    register_answer: bool | None = None,
    looked_up: bool = False,
    **fields,
) -> Patient:
    """`patient_create` inside the caller's own transaction, which it rolls back as a whole on any
    refusal but PatientExists (the public booking): no savepoint of its own around the registration.
    `looked_up`: the caller found no patient with this number at the caregiver a moment ago in this
    transaction, so it is not looked up again (one registered since is still caught by the unique
    constraint, as PatientExists)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "patient_create_within needs the caller's transaction; patient_create opens its own"
        )
    in_register = register_answer
    if in_register is None:
        try:
            in_register = protection_check_register(
                identity_kind=identity.kind, identity_number=identity.value, user=user
            )
        except RegisterUnavailable:
            raise JournalError(_("Folkbokföringen svarar inte just nu. Försök igen om en stund.")) from None
    ticked = bool(fields.get("protected_identity"))
    inherited = protected_elsewhere(identity_kind=identity.kind, identity_number=identity.value)
    fields["protected_identity"] = ticked or in_register or inherited
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
    existing = (
        None
        if looked_up
        else Patient.objects.filter(
            caregiver=caregiver,
            identity_kind=patient.identity_kind,
            identity_number=patient.identity_number,
            reserve_number_region=patient.reserve_number_region,
        ).first()
    )
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
    if in_register:
        ProtectionChange.objects.create(
            patient=patient,
            action=ProtectionChange.Action.MARKED,
            source=ProtectionChange.Source.REGISTER,
            register_answer=_register_answer_text(True),
            user=user,
            signature=user.signature if user is not None else "",
        )
    elif inherited:
        ProtectionChange.objects.create(
            patient=patient,
            action=ProtectionChange.Action.MARKED,
            source=ProtectionChange.Source.OTHER_CAREGIVER,
        )
    elif ticked:
        # Recorded at registration, then carried to the person's rows elsewhere like any marking.
        ProtectionChange.objects.create(
            patient=patient,
            action=ProtectionChange.Action.MARKED,
            source=ProtectionChange.Source.REGISTRATION,
            user=user,
            signature=user.signature if user is not None else "",
        )
        protection_mark_elsewhere(patient)
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
