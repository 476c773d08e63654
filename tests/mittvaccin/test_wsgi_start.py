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
