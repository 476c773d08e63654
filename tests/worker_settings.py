"""Settings of the real Celery worker process that tests/billing/test_jobs_dead_worker.py kills:
the project's own, with one booking per chunk, so a run is killed with some of its work committed,
and two chunks at once (whatever the machine's cores), so it is killed with two chunks under way."""

from mittvaccin.settings import *  # noqa: F403

BILLING_JOB_CHUNK = 1
BILLING_JOB_LANES = 2
