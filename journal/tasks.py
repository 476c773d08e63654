"""Celery tasks of the journal: thin, they call a service and are safe to run twice."""

from celery import shared_task

from journal.reminders import next_dose_reminders_send


@shared_task(name="journal.send_next_dose_reminders")
def send_next_dose_reminders() -> int:
    return next_dose_reminders_send()
