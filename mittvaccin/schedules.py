"""Periodic jobs of the core (collected by mittvaccin/celery.py)."""

BEAT_SCHEDULE = {
    # Work that waited for Redis reaches the workers within a minute of Redis coming back.
    "mittvaccin-outbox-flush": {"task": "mittvaccin.outbox_flush", "schedule": 60.0},
    # E-mail and SMS whose delivery failed get their next attempt when its pause is over.
    "mittvaccin-messages-retry": {"task": "mittvaccin.messages_retry", "schedule": 60.0},
}
