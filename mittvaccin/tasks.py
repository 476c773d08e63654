"""Celery tasks of the core: thin, safe to run twice."""

from celery import shared_task


@shared_task(name="mittvaccin.outbox_flush")
def outbox_flush() -> int:
    from mittvaccin import outbox

    return outbox.flush()


@shared_task(name="mittvaccin.messages_retry")
def messages_retry() -> int:
    from mittvaccin.messaging import messages_retry_due

    return messages_retry_due()
