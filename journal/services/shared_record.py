"""The shared record (R4, R6): consent, blocks at the patient's request, emergency access."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from journal import access
from journal.models import EmergencyAccess, Patient, SharedRecordBlock, SharedRecordConsent, Vaccination
from journal.services.common import JournalError
from mittvaccin.access_log import access_log_record


@transaction.atomic
def consent_record(*, patient: Patient, user, given: bool) -> SharedRecordConsent:
    return SharedRecordConsent.objects.create(
        patient=patient, given=given, recorded_by=user, signature=user.signature
    )


@transaction.atomic
def block_record(
    *, patient: Patient, user, vaccination: Vaccination | None, reason: str = ""
) -> SharedRecordBlock:
    """At the patient's request, hide a dose (or the whole record) from other caregivers' shared record."""
    if vaccination is not None and vaccination.patient_id != patient.pk:
        raise JournalError(_("Vaccinationen tillhör en annan patient."))
    return SharedRecordBlock.objects.create(
        patient=patient,
        vaccination=vaccination,
        reason=reason.strip(),
        recorded_by=user,
        signature=user.signature,
    )


@transaction.atomic
def block_lift(*, block: SharedRecordBlock, user) -> SharedRecordBlock:
    if block.lifts_id is not None:
        raise JournalError(_("Det är ingen spärr."))
    try:
        with transaction.atomic():
            return SharedRecordBlock.objects.create(
                patient_id=block.patient_id,
                vaccination_id=block.vaccination_id,
                lifts=block,
                recorded_by=user,
                signature=user.signature,
            )
    except IntegrityError as error:
        raise JournalError(_("Spärren är redan hävd.")) from error


EMERGENCY_ACCESS_HOURS = 4


@transaction.atomic
def emergency_access_open(*, request, patient: Patient, reason: str) -> EmergencyAccess:
    """Open blocked shared-record information for this user and patient for a few hours, logged with the reason."""
    if len(reason.strip()) < 10:
        raise JournalError(_("Beskriv skälet till nödåtkomst (minst 10 tecken)."), field="reason")
    opened = EmergencyAccess.objects.create(
        patient=patient,
        user=request.user,
        unit=getattr(request, "unit", None),
        reason=reason.strip(),
        valid_until=timezone.now() + dt.timedelta(hours=EMERGENCY_ACCESS_HOURS),
    )
    access_log_record(request=request, patient=patient, action=access.EMERGENCY_OPENED, reason=reason.strip())
    return opened
