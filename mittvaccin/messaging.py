"""Outgoing e-mail and SMS through replaceable backends, delivered at most once and retried when they fail.

Every message is stored as an OutboundMessage (what was sent, to whom, when), whatever the backend.
E-mail goes through Django's EMAIL_BACKEND (console in development); SMS through SMS_BACKEND, a
class with `send(recipient, body)`. A real SMS gateway is one more class with that method.

`send_email` / `send_sms` store the message and try to deliver it at once. When the backend fails, the
message is not lost and the caller is not disturbed: it waits (status pending) and the beat job
`mittvaccin.messages_retry` tries again after 1, 4, 16 and 64 minutes; after MAX_ATTEMPTS it is marked
as not delivered and listed for staff (*Meddelanden*, and on the booking it belongs to). At most once:
each attempt is claimed by one conditional UPDATE, and an attempt that never reported back (the process
died while sending) is not repeated, since the message may have gone out; it is shown to staff instead.
A `key` (e.g. "booking-confirmation:<booking>:<event>") makes a repeated request return the message
already stored, so a task that runs twice sends once.

Call these from `transaction.on_commit` or a Celery task, never inside a transaction that may roll back.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from mittvaccin.models import OutboundMessage
from mittvaccin.tenancy import owned

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
FIRST_PAUSE = dt.timedelta(minutes=1)
# A claim older than this never reported back: its process died while sending.
SENDING_GIVEN_UP_AFTER = dt.timedelta(minutes=15)

Status = OutboundMessage.Status


class ConsoleSmsBackend:
    """Development and tests: the SMS is written to the log (and stored like every message)."""

    def send(self, recipient: str, body: str) -> None:
        logger.info("SMS till %s: %s", recipient, body)


def sms_backend():
    return import_string(settings.SMS_BACKEND)()


def pause_after(attempts: int) -> dt.timedelta:
    """1, 4, 16, 64 minutes after the first, second, third, fourth failed attempt."""
    return FIRST_PAUSE * (4 ** max(0, attempts - 1))


def _stored_attachment(filename: str, content, mimetype: str) -> dict:
    if isinstance(content, bytes):
        return {"filename": filename, "base64": base64.b64encode(content).decode(), "mimetype": mimetype}
    return {"filename": filename, "content": content, "mimetype": mimetype}


def _attachment(stored: dict) -> tuple:
    content = base64.b64decode(stored["base64"]) if "base64" in stored else stored["content"]
    return stored["filename"], content, stored["mimetype"]


def _store(key: str | None, **fields) -> tuple[OutboundMessage, bool]:
    """The message, claimed for its first attempt; (the stored one, False) when `key` was used before."""
    now = timezone.now()
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                key=key or None, status=Status.SENDING, attempts=1, claimed_at=now, **fields
            )
    except IntegrityError:
        existing = OutboundMessage.objects.filter(key=key).first() if key else None
        if existing is None:
            raise
        return existing, False
    return message, True


def _transmit(message: OutboundMessage) -> None:
    if message.channel == OutboundMessage.Channel.EMAIL:
        email = EmailMessage(subject=message.subject, body=message.body, to=[message.recipient])
        for stored in message.attachments:
            email.attach(*_attachment(stored))
        email.send(fail_silently=False)
    else:
        sms_backend().send(message.recipient, message.body)


def _attempt(message: OutboundMessage) -> OutboundMessage:
    """Deliver a message claimed for this attempt and record how it went."""
    try:
        _transmit(message)
    except Exception as error:  # whatever the backend raised: recorded, retried, never a caller's 500
        now = timezone.now()
        text = f"{type(error).__name__}: {error}"[:500]
        if message.attempts >= MAX_ATTEMPTS:
            status, next_at = Status.FAILED, None
            logger.error(
                "%s to %s not delivered after %s attempts: %s",
                message.channel,
                message.pk,
                message.attempts,
                text,
            )
        else:
            status, next_at = Status.PENDING, now + pause_after(message.attempts)
            logger.warning(
                "%s %s failed (attempt %s), retried %s: %s",
                message.channel,
                message.pk,
                message.attempts,
                next_at,
                text,
            )
        OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=status, next_attempt_at=next_at, last_error=text
        )
    else:
        OutboundMessage.objects.filter(pk=message.pk, status=Status.SENDING).update(
            status=Status.SENT, sent_at=timezone.now(), next_attempt_at=None, last_error=""
        )
    _forget_recipient_when_done(message.pk)
    message.refresh_from_db()
    return message


def _forget_recipient_when_done(pk) -> None:
    OutboundMessage.objects.filter(
        pk=pk, forget_recipient=True, status__in=[Status.SENT, Status.FAILED]
    ).update(recipient="", body="", attachments=[])


def send_email(*, to: str, subject: str, body: str, attachments=(), **common) -> OutboundMessage:
    """An e-mail; `attachments` as (filename, content, mimetype). `common`: see `_send`."""
    return _send(
        OutboundMessage.Channel.EMAIL,
        to=to,
        body=body,
        subject=subject[:200],
        attachments=[_stored_attachment(*attachment) for attachment in attachments],
        **common,
    )


def send_sms(*, to: str, body: str, **common) -> OutboundMessage:
    """A text message. `common`: see `_send`."""
    return _send(OutboundMessage.Channel.SMS, to=to, body=body, **common)


def _send(
    channel,
    *,
    to: str,
    body: str,
    caregiver=None,
    purpose="",
    reference="",
    patient_id=None,
    key=None,
    forget_recipient=False,
    **content,
) -> OutboundMessage:
    """Store the message and try it once. A `key` used before gives the stored message, not a second
    one; `forget_recipient` empties the address and text once the message is sent or given up."""
    message, new = _store(
        key,
        forget_recipient=forget_recipient,
        caregiver=caregiver,
        channel=channel,
        recipient=to,
        body=body,
        purpose=purpose,
        reference=reference,
        patient_id=patient_id,
        **content,
    )
    return _attempt(message) if new else message


def message_recipients_forget(*, caregiver_ids, patient_ids=(), references=()) -> int:
    """Empty the stored recipient of every message about these patients (R7, A5). Returns how many.

    Messages are found by the patient they were about, or (older rows without a patient) by the
    references their sender used (a booking reference). The rows stay: that a message went out, when,
    and what it said is part of the record; where it went is not, once the person is protected.
    """
    match = Q(patient_id__in=list(patient_ids))
    if references:
        match |= Q(reference__in=list(references))
    about = OutboundMessage.objects.filter(match, caregiver_id__in=list(caregiver_ids))
    # A message still waiting for another attempt has nowhere to go any more: it is given up, shown.
    about.filter(status=Status.PENDING).update(
        status=Status.FAILED,
        next_attempt_at=None,
        last_error=_("Skickas inte: patienten har skyddad identitet."),
    )
    return about.exclude(recipient="").update(recipient="", recipient_removed_at=timezone.now())


def messages_retry_due(*, now=None, limit: int = 500) -> int:
    """The beat job: another attempt for each message whose pause is over; returns how many were tried.

    Also gives up claims that never reported back (see SENDING_GIVEN_UP_AFTER): not retried, shown.
    """
    now = now or timezone.now()
    abandoned = OutboundMessage.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - SENDING_GIVEN_UP_AFTER
    )
    abandoned_ids = list(abandoned.values_list("pk", flat=True))
    abandoned.filter(pk__in=abandoned_ids).update(
        status=Status.FAILED,
        last_error=_("Sändningen avbröts. Det är okänt om meddelandet kom fram; det skickas inte igen."),
    )
    for pk in abandoned_ids:
        _forget_recipient_when_done(pk)
    due = OutboundMessage.objects.filter(status=Status.PENDING, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    tried = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        claimed = OutboundMessage.objects.filter(
            pk=pk, status=Status.PENDING, next_attempt_at__lte=now
        ).update(status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now())
        if not claimed:
            continue  # another run took it
        _attempt(OutboundMessage.objects.get(pk=pk))
        tried += 1
    return tried


def undelivered(who):
    """Messages of the caregiver that did not go out (failed) or wait for another attempt."""

    return owned(OutboundMessage, who).filter(status__in=[Status.FAILED, Status.PENDING, Status.SENDING])
