"""Messages to the resident: confirmation, move and cancellation notices, reminders."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F

from booking import notices
from booking.models import ActorKind, Booking, BookingEvent
from booking.services.common import _event, _now
from journal.services.protection import protection_refresh
from mittvaccin.messaging import send_email, send_sms

logger = logging.getLogger(__name__)


def booking_confirmation_send(
    *, booking_id: int, kind: str = "confirmation", reference: str | None = None, sequence: int | None = None
) -> int:
    """Send the confirmation (with .ics), move or cancellation notice. Returns the number of messages.

    `sequence` (the booking's number of events when the notice was asked for) names the notice: a task
    delivered twice sends each message once.
    """
    booking = (
        Booking.objects.select_related("unit", "unit__caregiver", "visit_type", "patient")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or (reference is not None and booking.reference != reference):
        logger.warning("confirmation for unknown booking %s (%s) skipped", booking_id, reference)
        return 0
    compose = {"confirmation": notices.confirmation, "moved": notices.moved, "cancelled": notices.cancelled}[
        kind
    ]
    subject, body, sms = compose(booking)
    key = f"booking:{booking.reference}:{kind}:{sequence}" if sequence is not None else None
    return _deliver(
        booking,
        subject=subject,
        body=body,
        sms=sms,
        purpose=f"booking_{kind}",
        with_ics=kind != "cancelled",
        key=key,
        to_stored_contact=True,
    )


def booking_confirmation_send_once(*, booking_id: int, reference: str, email: str, phone: str) -> int:
    """The confirmation of a web booking for a person with protected identity, to what was typed.

    The booking keeps no contact detail (R7), yet the one who booked gets the same confirmation as
    anyone (a stranger who typed the number must not learn that it is protected). The messages forget
    their address once they are sent or given up.
    """
    booking = (
        Booking.objects.select_related("unit", "unit__caregiver", "visit_type", "patient")
        .filter(pk=booking_id, reference=reference)
        .first()
    )
    if booking is None:
        return 0
    subject, body, sms = notices.confirmation(booking)
    return _send(
        booking,
        emails=[email] if email else [],
        phones=[phone] if phone else [],
        subject=subject,
        body=body,
        sms=sms,
        purpose="booking_confirmation",
        with_ics=True,
        key=f"booking:{reference}:confirmation:typed",
        forget_recipient=True,
    )


def recipients(booking, *, to_stored_contact: bool) -> tuple[list[str], list[str]]:
    """(e-mail addresses, phone numbers) a notice about `booking` goes to.

    A resident's web booking is made without e-identification, so whoever typed the personnummer may
    not be its owner: the patient's own stored contact details get the notice too (and with it the link
    to cancel), besides what was typed on the form. Never anything for a protected patient (R7).
    """
    if booking.patient.protected_identity:
        return [], []
    emails = [booking.contact_email] if booking.contact_email else []
    phones = [booking.contact_phone] if booking.contact_phone else []
    if to_stored_contact and booking.made_by_kind == ActorKind.RESIDENT:
        patient = booking.patient
        if patient.email and patient.email.strip().lower() not in {e.strip().lower() for e in emails}:
            emails.append(patient.email)
        if patient.phone and _digits(patient.phone) not in {_digits(p) for p in phones}:
            phones.append(patient.phone)
    return emails, phones


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


def _deliver(booking, *, subject, body, sms, purpose, with_ics, key=None, to_stored_contact=False) -> int:
    # R7, A5: the register is asked before anything goes out; a person it protects since the booking
    # was made is marked (losing the booking's contact too) and gets nothing.
    if protection_refresh(booking.patient).protected_identity:
        return 0
    emails, phones = recipients(booking, to_stored_contact=to_stored_contact)
    return _send(
        booking,
        emails=emails,
        phones=phones,
        subject=subject,
        body=body,
        sms=sms,
        purpose=purpose,
        with_ics=with_ics,
        key=key,
    )


def _send(
    booking, *, emails, phones, subject, body, sms, purpose, with_ics, key=None, forget_recipient=False
) -> int:
    """Store and send each message (mittvaccin.messaging retries a failed one; `key` sends it once)."""
    caregiver = booking.unit.caregiver
    attachments = [("besok.ics", notices.ics(booking), "text/calendar")] if with_ics and emails else []
    for n, address in enumerate(emails):
        send_email(
            to=address,
            subject=subject,
            body=body,
            caregiver=caregiver,
            purpose=purpose,
            reference=booking.reference,
            attachments=attachments,
            patient_id=booking.patient_id,
            key=f"{key}:email:{n}" if key else None,
            forget_recipient=forget_recipient,
        )
    for n, phone in enumerate(phones):
        send_sms(
            to=phone,
            body=sms,
            caregiver=caregiver,
            purpose=purpose,
            reference=booking.reference,
            patient_id=booking.patient_id,
            key=f"{key}:sms:{n}" if key else None,
            forget_recipient=forget_recipient,
        )
    return len(emails) + len(phones)


def reminder_lead() -> dt.timedelta:
    return dt.timedelta(hours=settings.BOOKING_REMINDER_HOURS)


def reminders_due(now=None):
    """Bookings whose reminder is due: booked, not reminded, starting within the lead time.

    A booking made after its reminder time would have been gets none: its confirmation just went out.
    """

    now = _now(now)
    lead = reminder_lead()
    return Booking.objects.filter(
        status=Booking.Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + lead,
        made_at__lt=F("starts_at") - lead,
    ).exclude(contact_phone="", contact_email="")


def booking_reminder_send(*, booking_id: int, now=None) -> bool:
    """Send one booking's reminder at most once, however many workers try at the same moment.

    The claim is one conditional UPDATE: PostgreSQL lets exactly one transaction change
    reminder_sent_at from NULL. Sending happens after the claim is committed (no network inside a
    transaction). The claim is final: a message whose delivery fails is retried by mittvaccin.messaging
    (with growing pauses, at most once), so nothing is sent twice to the other recipient either.
    """
    now = _now(now)
    with transaction.atomic():
        claimed = Booking.objects.filter(
            pk=booking_id, status=Booking.Status.BOOKED, reminder_sent_at__isnull=True, starts_at__gt=now
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        booking = Booking.objects.get(pk=booking_id)
        _event(booking, BookingEvent.Kind.REMINDED, actor_kind=ActorKind.SYSTEM, now=now)
    booking = Booking.objects.select_related("unit", "unit__caregiver", "visit_type", "patient").get(
        pk=booking_id
    )
    subject, body, sms = notices.reminder(booking)
    try:
        _deliver(
            booking,
            subject=subject,
            body=body,
            sms=sms,
            purpose="booking_reminder",
            with_ics=False,
            key=f"booking:{booking.reference}:reminder:{now.isoformat()}",
        )
    except Exception:
        # Composing failed (no message was stored): release the claim so the next run tries again.
        Booking.objects.filter(pk=booking_id, reminder_sent_at=now).update(reminder_sent_at=None)
        logger.exception("reminder for booking %s failed; it will be retried", booking_id)
        raise
    return True


def reminders_send_due(*, now=None) -> int:
    sent = 0
    for booking_id in reminders_due(now).values_list("pk", flat=True):
        if booking_reminder_send(booking_id=booking_id, now=now):
            sent += 1
    return sent
