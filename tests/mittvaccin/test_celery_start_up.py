"""What a Celery worker does once it has started (mittvaccin/celery.py)."""

import gc

from celery.signals import worker_process_init, worker_ready

import mittvaccin.celery  # noqa: F401  (connects the receivers, as the worker's import of the app does)


def test_a_ready_worker_keeps_its_start_up_objects_out_of_the_collectors_passes():
    for signal in (worker_ready, worker_process_init):
        gc.unfreeze()
        try:
            signal.send(sender=None)
            # Everything alive at start-up is now in the permanent generation the collector skips.
            assert gc.get_freeze_count() > 1000
        finally:
            gc.unfreeze()
