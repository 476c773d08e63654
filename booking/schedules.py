"""Periodic jobs of the timebook, collected by mittvaccin/celery.py into Celery beat."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    # Every five minutes: a reminder goes out within five minutes of its lead time, and only once
    # (the claim in services.booking_reminder_send), however often the job runs.
    "booking-send-due-reminders": {"task": "booking.send_due_reminders", "schedule": 300.0},
    "booking-roll-timebooks": {"task": "booking.roll_timebooks", "schedule": crontab(hour=0, minute=15)},
}
