"""Celery tasks of the journal: thin, they call a service and are safe to run twice."""

from celery import shared_task


@shared_task(name="journal.send_next_dose_reminders")
def send_next_dose_reminders() -> int:
    from journal.reminders import next_dose_reminders_send

    return next_dose_reminders_send()


@shared_task(name="journal.expire_opened_vials")
def expire_opened_vials() -> int:
    from journal.stock import opened_vials_expire

    return opened_vials_expire()


@shared_task(name="journal.send_stock_alerts")
def send_stock_alerts() -> int:
    from journal.stock import stock_alerts_send

    return stock_alerts_send()


@shared_task(name="journal.send_recall_message")
def send_recall_message(message_id: int) -> int:
    from journal.recall import recall_message_deliver

    return recall_message_deliver(message_id)
