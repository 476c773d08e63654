"""The Celery app. Periodic jobs live in each app's `schedules.py` as a BEAT_SCHEDULE dict."""

import gc
import importlib
import os

from celery import Celery
from celery.signals import worker_process_init, worker_ready

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


@worker_ready.connect
@worker_process_init.connect
def freeze_what_start_up_made(**kwargs):
    """Keep the objects that start-up made (modules, Django, the task registry) out of the garbage
    collector's full passes: they live as long as the worker. A render of an invoice PDF makes many
    short-lived objects and so many collections; without this each full pass walks all of start-up too.
    """
    gc.freeze()
