"""Celery tasks of the timebook: thin, they take ids, reload and call a service; safe to run twice."""

from __future__ import annotations

from celery import shared_task

from booking import services
from mittvaccin.models import Unit


@shared_task(name="booking.send_due_reminders")
def send_due_reminders() -> int:
    """Beat job: the reminder of each booking whose visit is within the lead time, exactly once."""
    return services.reminders_send_due()


@shared_task(name="booking.send_confirmation")
def booking_confirmation_send(
    booking_id: int, kind: str = "confirmation", reference: str | None = None, sequence: int | None = None
) -> int:
    return services.booking_confirmation_send(
        booking_id=booking_id, kind=kind, reference=reference, sequence=sequence
    )


@shared_task(name="booking.send_confirmation_once")
def booking_confirmation_send_once(booking_id: int, reference: str, email: str, phone: str) -> int:
    return services.booking_confirmation_send_once(
        booking_id=booking_id, reference=reference, email=email, phone=phone
    )


@shared_task(name="booking.roll_timebooks")
def roll_timebooks() -> int:
    """Nightly: open the next day of every timebook so the booking horizon keeps its length."""

    count = 0
    for unit in Unit.objects.filter(is_active=True, vaccination_main_activity=True, timebook_enabled=True):
        services.timebook_sync(unit=unit)
        count += 1
    return count
