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
from mittvaccin.messaging import send_email, send_sms

logger = logging.getLogger(__name__)


def booking_confirmation_send(
    *, booking_id: int, kind: str = "confirmation", reference: str | None = None
) -> int:
    """Send the confirmation (with .ics), move or cancellation notice. Returns the number of messages."""
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
    return _deliver(
        booking, subject=subject, body=body, sms=sms, purpose=f"booking_{kind}", with_ics=kind != "cancelled"
    )


def _deliver(booking, *, subject, body, sms, purpose, with_ics) -> int:
    if booking.patient.protected_identity:
        return 0
    sent = 0
    caregiver = booking.unit.caregiver
    if booking.contact_email:
        attachments = [("besok.ics", notices.ics(booking), "text/calendar")] if with_ics else []
        send_email(
            to=booking.contact_email,
            subject=subject,
            body=body,
            caregiver=caregiver,
            purpose=purpose,
            reference=booking.reference,
            attachments=attachments,
        )
        sent += 1
    if booking.contact_phone:
        send_sms(
            to=booking.contact_phone,
            body=sms,
            caregiver=caregiver,
            purpose=purpose,
            reference=booking.reference,
        )
        sent += 1
    return sent


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
    transaction); if sending fails the claim is released so the next run tries again.
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
        _deliver(booking, subject=subject, body=body, sms=sms, purpose="booking_reminder", with_ics=False)
    except Exception:
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
