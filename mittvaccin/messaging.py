"""Outgoing e-mail and SMS through replaceable backends.

Every message is stored as an OutboundMessage (what was sent, to whom, when), whatever the backend.
E-mail goes through Django's EMAIL_BACKEND (console in development); SMS through SMS_BACKEND, a
class with `send(recipient, body)`. A real SMS gateway is one more class with that method.
Call these from `transaction.on_commit` or a Celery task, never inside a transaction that may roll back.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string

from mittvaccin.models import OutboundMessage

logger = logging.getLogger(__name__)


class ConsoleSmsBackend:
    """Development and tests: the SMS is written to the log (and stored like every message)."""

    def send(self, recipient: str, body: str) -> None:
        logger.info("SMS till %s: %s", recipient, body)


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def send_email(
    *,
    to: str,
    subject: str,
    body: str,
    caregiver=None,
    purpose="",
    reference="",
    attachments=(),
    patient_id=None,
) -> OutboundMessage:
    message = EmailMessage(subject=subject, body=body, to=[to])
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send(fail_silently=False)
    return OutboundMessage.objects.create(
        caregiver=caregiver,
        channel=OutboundMessage.Channel.EMAIL,
        recipient=to,
        subject=subject[:200],
        body=body,
        purpose=purpose,
        reference=reference,
        patient_id=patient_id,
    )


def send_sms(
    *, to: str, body: str, caregiver=None, purpose="", reference="", patient_id=None
) -> OutboundMessage:
    sms_backend().send(to, body)
    return OutboundMessage.objects.create(
        caregiver=caregiver,
        channel=OutboundMessage.Channel.SMS,
        recipient=to,
        body=body,
        purpose=purpose,
        reference=reference,
        patient_id=patient_id,
    )


def message_recipients_forget(*, caregiver_ids, patient_ids=(), references=()) -> int:
    """Empty the stored recipient of every message about these patients (R7, A5). Returns how many.

    Messages are found by the patient they were about, or (older rows without a patient) by the
    references their sender used (a booking reference). The rows stay: that a message went out, when,
    and what it said is part of the record; where it went is not, once the person is protected.
    """
    match = Q(patient_id__in=list(patient_ids))
    if references:
        match |= Q(reference__in=list(references))
    return (
        OutboundMessage.objects.filter(match, caregiver_id__in=list(caregiver_ids))
        .exclude(recipient="")
        .update(recipient="", recipient_removed_at=timezone.now())
    )
