"""Celery tasks of the journal: thin, they call a service and are safe to run twice."""

from celery import shared_task


@shared_task(name="journal.send_next_dose_reminders")
def send_next_dose_reminders() -> int:
    from journal.reminders import next_dose_reminders_send

    return next_dose_reminders_send()


@shared_task(name="journal.protection_register_sweep")
def protection_register_sweep() -> int:
    from journal.services.protection import protection_register_sweep as sweep

    return sweep()
