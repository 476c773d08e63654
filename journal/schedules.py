"""Periodic jobs of the journal, collected by mittvaccin/celery.py into Celery beat."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Once a day in office hours; a dose's reminder goes out once however often the job runs.
    "journal-next-dose-reminders": {
        "task": "journal.send_next_dose_reminders",
        "schedule": crontab(hour=9, minute=0),
    },
    # An opened multi-dose vial's rest is waste once its hours have passed: checked every ten minutes.
    "journal-expire-opened-vials": {
        "task": "journal.expire_opened_vials",
        "schedule": crontab(minute="*/10"),
    },
    # Before the clinics open: what expires within 30 days and what runs below the unit's minimum.
    "journal-stock-alerts": {
        "task": "journal.send_stock_alerts",
        "schedule": crontab(hour=6, minute=30),
    },
}
