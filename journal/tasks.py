"""Celery tasks of the journal: thin, they call a service and are safe to run twice."""

from celery import shared_task

from journal.recall import recall_message_deliver
from journal.reminders import next_dose_reminders_send
from journal.services.protection import protection_register_sweep as sweep
from journal.stock import opened_vials_expire, stock_alerts_send


@shared_task(name="journal.send_next_dose_reminders")
def send_next_dose_reminders() -> int:
    return next_dose_reminders_send()


@shared_task(name="journal.protection_register_sweep")
def protection_register_sweep() -> int:

    return sweep()


@shared_task(name="journal.expire_opened_vials")
def expire_opened_vials() -> int:

    return opened_vials_expire()


@shared_task(name="journal.send_stock_alerts")
def send_stock_alerts() -> int:

    return stock_alerts_send()


@shared_task(name="journal.send_recall_message")
def send_recall_message(message_id: int) -> int:

    return recall_message_deliver(message_id)
