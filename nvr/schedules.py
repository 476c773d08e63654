"""Celery beat: the daily report to the national vaccination register, after the night's jobs."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "nvr-daily-report": {"task": "nvr.report_all", "schedule": crontab(hour=3, minute=15)},
}
