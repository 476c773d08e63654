"""Periodic jobs of the core, collected by mittvaccin/celery.py into Celery beat."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Work that waited for Redis reaches the workers within a minute of Redis coming back.
    "mittvaccin-outbox-flush": {"task": "mittvaccin.outbox_flush", "schedule": 60.0},
    # E-mail and SMS whose delivery failed get their next attempt when its pause is over.
    "mittvaccin-messages-retry": {"task": "mittvaccin.messages_retry", "schedule": 60.0},
    # Daily, so a month's partition exists months before its first row (MONTHS_AHEAD); running twice
    # makes nothing twice.
    "mittvaccin-access-log-partitions": {
        "task": "mittvaccin.access_log_partitions",
        "schedule": crontab(hour=3, minute=17),
    },
}
