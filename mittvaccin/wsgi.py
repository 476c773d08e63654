import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import reverse

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mittvaccin.settings")
application = get_wsgi_application()

from mittvaccin import outbox, validators  # noqa: E402  (needs the apps loaded by the line above)

# The URLconf (and through it every view module) imported and its reverse lookups built now, not on
# the first requests, so they are part of what start-up made.
reverse("ping")
# Likewise what the first booking of a worker would build: the Celery app's tasks, registry and message
# machinery (without connecting), and the Swedish phone numbering plan (mittvaccin/outbox.py, validators).
outbox.ready()
validators.ready()
# Start-up's objects (Django, the apps, their modules, the URLconf) live as long as the worker: kept out
# of the garbage collector's full passes, which otherwise walk all of them again every few requests
# (issue 11: about 3 ms of a staff page's time in-process). The Celery worker does the same
# (mittvaccin/celery.py).
gc.freeze()
