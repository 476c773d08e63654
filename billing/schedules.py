"""Celery beat: the invoicing jobs run every night, after the day's no-shows have been marked."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "billing-noshow-invoicing": {"task": "billing.noshow_invoicing", "schedule": crontab(hour=2, minute=15)},
    "billing-latecancel-invoicing": {
        "task": "billing.latecancel_invoicing",
        "schedule": crontab(hour=2, minute=30),
    },
    # A run whose worker died is continued within a minute (billing/services/jobs.py, jobs_recover).
    "billing-jobs-recover": {"task": "billing.jobs_recover", "schedule": 60.0},
}
