"""Periodic jobs of the journal, collected by mittvaccin/celery.py into Celery beat."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Once a day in office hours; a dose's reminder goes out once however often the job runs.
    "journal-next-dose-reminders": {
        "task": "journal.send_next_dose_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
}
