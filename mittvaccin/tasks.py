"""Celery tasks of the core: thin, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from mittvaccin import outbox
from mittvaccin.messaging import messages_retry_due
from mittvaccin.partitions import access_log_partitions_ensure


@shared_task(name="mittvaccin.outbox_flush")
def outbox_flush() -> int:

    return outbox.flush()


@shared_task(name="mittvaccin.messages_retry")
def messages_retry() -> int:

    return messages_retry_due()


@shared_task(name="mittvaccin.access_log_partitions", acks_late=True)
def access_log_partitions() -> list[str]:
    """From Celery beat: the access log's partitions for this month and the next ones, made ahead."""

    return access_log_partitions_ensure()
