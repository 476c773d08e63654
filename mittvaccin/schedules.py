"""Periodic jobs of the core, collected by mittvaccin/celery.py into Celery beat."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Daily, so a month's partition exists months before its first row (MONTHS_AHEAD); running twice
    # makes nothing twice.
    "mittvaccin-access-log-partitions": {
        "task": "mittvaccin.access_log_partitions",
        "schedule": crontab(hour=3, minute=17),
    },
}
