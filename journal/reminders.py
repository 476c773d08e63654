"""Next-dose reminders: a message to the patient some days before a dose's next due date.

Sent once per dose (NextDoseReminder, unique per dose), never to a patient with protected identity
(R7: no contact details are kept for them anyway), and not when the series has moved on (a later dose
of the same disease is already registered) or the dose was entered in error.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import NextDoseReminder, Vaccination, VaccinationStatus
from mittvaccin.messaging import send_email, send_sms

logger = logging.getLogger(__name__)


def next_dose_reminders_due(today: dt.date | None = None):
    """Doses whose next dose falls due within the lead time, still without a reminder."""
    today = today or timezone.localdate()
    later_dose = Vaccination.objects.filter(
        patient_id=OuterRef("patient_id"),
        product__disease=OuterRef("product__disease"),
        given_at__gt=OuterRef("given_at"),
        status__in=[VaccinationStatus.GIVEN, VaccinationStatus.GIVEN_ELSEWHERE],
        entered_in_error__isnull=True,
    )
    return (
        Vaccination.objects.filter(
            status=VaccinationStatus.GIVEN,
            next_due_date__gte=today,
            next_due_date__lte=today + dt.timedelta(days=settings.JOURNAL_NEXT_DOSE_REMINDER_DAYS),
            entered_in_error__isnull=True,
            next_dose_reminder__isnull=True,
            patient__protected_identity=False,
        )
        .exclude(Q(patient__phone="") & Q(patient__email=""))
        .exclude(Exists(later_dose))
        .order_by("next_due_date", "pk")
    )


def next_dose_reminder_send(*, vaccination_id: int) -> bool:
    """Claim the dose's reminder and send it after commit; False when another run already did."""
    vaccination = Vaccination.objects.select_related("patient", "product", "product_version", "unit").get(
        pk=vaccination_id
    )
    patient = vaccination.patient
    if patient.protected_identity or not (patient.phone or patient.email):
        return False
    channel = "sms" if patient.phone else "email"
    try:
        with transaction.atomic():
            NextDoseReminder.objects.create(vaccination=vaccination, channel=channel)
            transaction.on_commit(lambda: _deliver(vaccination, channel))
    except IntegrityError:
        return False  # claimed by a concurrent or earlier run
    return True


def _deliver(vaccination: Vaccination, channel: str) -> None:
    patient, unit = vaccination.patient, vaccination.unit
    body = _(
        "Hej %(name)s! Enligt ditt vaccinationsschema är det dags för nästa dos %(vaccine)s från "
        "%(date)s. Boka tid hos %(unit)s%(phone)s. /MittVaccin"
    ) % {
        "name": patient.given_names,
        "vaccine": vaccination.vaccine_name,
        "date": f"{vaccination.next_due_date:%Y-%m-%d}",
        "unit": unit.name if unit else _("din vaccinationsmottagning"),
        "phone": f", tel. {unit.phone}" if unit and unit.phone else "",
    }
    reference = f"vaccination-{vaccination.pk}"
    if channel == "sms":
        send_sms(
            to=patient.phone,
            body=body,
            caregiver=vaccination.caregiver,
            purpose="next_dose",
            reference=reference,
        )
    else:
        send_email(
            to=patient.email,
            subject=_("Dags för nästa dos %(vaccine)s") % {"vaccine": vaccination.vaccine_name},
            body=body,
            caregiver=vaccination.caregiver,
            purpose="next_dose",
            reference=reference,
        )


def next_dose_reminders_send(*, today: dt.date | None = None) -> int:
    sent = 0
    for vaccination_id in next_dose_reminders_due(today).values_list("pk", flat=True):
        if next_dose_reminder_send(vaccination_id=vaccination_id):
            sent += 1
    logger.info("next-dose reminders sent: %s", sent)
    return sent
