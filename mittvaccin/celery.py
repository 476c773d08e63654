"""The Celery app. Periodic jobs live in each app's `schedules.py` as a BEAT_SCHEDULE dict."""

import importlib
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mittvaccin.settings")

app = Celery("mittvaccin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def collect_beat_schedules(sender, **kwargs):
    from django.conf import settings  # noqa: PLC0415  (read once Django is configured, not at import)

    schedule = dict(settings.CELERY_BEAT_SCHEDULE)
    for app_name in ("mittvaccin", "journal", "booking", "billing", "reports", "nvr", "fhirapi"):
        try:
            module = importlib.import_module(f"{app_name}.schedules")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app_name}.schedules":
                raise
            continue
        schedule.update(module.BEAT_SCHEDULE)
    sender.conf.beat_schedule = schedule
