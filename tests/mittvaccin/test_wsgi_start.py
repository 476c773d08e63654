"""What a gunicorn worker does when it imports the application (mittvaccin.wsgi)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_web_worker_keeps_its_start_up_objects_out_of_the_garbage_collectors_passes():
    """Issue 11: the worker freezes what start-up made, the URLconf and its views included, so the
    collector's full passes during requests do not walk them again."""
    script = (
        "import gc, sys\n"
        "import mittvaccin.wsgi\n"
        "print(gc.get_freeze_count(), 'mittvaccin.urls' in sys.modules, 'journal.views' in sys.modules)\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mittvaccin.settings"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    frozen, urls_loaded, views_loaded = result.stdout.split()
    assert int(frozen) > 100_000
    assert urls_loaded == "True"
    assert views_loaded == "True"


def test_a_web_worker_builds_at_start_up_what_its_first_booking_would_build_without_connecting():
    """Issue 11: the Celery app's tasks, registry and message machinery, and the Swedish numbering plan,
    are built when the worker starts. Before, each worker's first booking built them, partly inside the
    booking's transaction (about 150 ms of CPU per worker, in the middle of a rush). Nothing connects to
    the broker: with no Redis to reach, the worker still starts."""
    script = (
        "import sys\n"
        "import mittvaccin.wsgi\n"
        "from mittvaccin.celery import app\n"
        "print(app.finalized, 'booking.send_confirmation' in app.tasks, "
        "'booking.tasks' in sys.modules, 'kombu.transport.redis' in sys.modules, "
        "'phonenumbers.data.region_SE' in sys.modules)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "mittvaccin.settings",
        "REDIS_URL": "unix:///nonexistent/redis.sock?db=0",
    }
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["True"] * 5
