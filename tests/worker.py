"""Waiting for a real Celery worker (the `celery_worker` fixture) to finish what was queued before."""

import time
import uuid

from django.core.cache import cache

from mittvaccin.celery import app


@app.task(name="tests.sentinel")
def sentinel(key):
    """Queued after the jobs under test: when it has run, so have they (one worker, one task at a time)."""
    cache.set(key, "done", 300)


def wait_for_queued_tasks(timeout_polls: int = 600) -> None:
    key = f"sentinel-{uuid.uuid4()}"
    sentinel.delay(key)
    for _ in range(timeout_polls):  # waiting for an outcome, not measuring time
        if cache.get(key):
            return
        time.sleep(0.05)
    raise AssertionError("the worker did not finish the queued tasks")
