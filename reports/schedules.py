"""Celery beat: the dose roll-up follows the journal within five minutes, and is rebuilt every night."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "reports-tallies-refresh": {"task": "reports.tallies_refresh", "schedule": 300.0},
    "reports-tallies-rebuild": {"task": "reports.tallies_rebuild", "schedule": crontab(hour=3, minute=45)},
}
