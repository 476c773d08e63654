"""Celery tasks of the register reporting: thin, by id, safe to run twice (A7)."""

from __future__ import annotations

from celery import shared_task

from mittvaccin import outbox
from mittvaccin.models import Caregiver, User
from nvr.services import nvr_run


@shared_task(name="nvr.report_all", acks_late=True)
def report_all() -> int:
    """From Celery beat, daily: one run per caregiver, each its own task (one failing never stops another)."""

    ids = list(Caregiver.objects.order_by("pk").values_list("pk", flat=True))
    # Through the outbox, so a caregiver's run handed over while Redis blinks is not lost.
    outbox.enqueue_many("nvr.report_caregiver", [[caregiver_id] for caregiver_id in ids])
    return len(ids)


@shared_task(name="nvr.report_caregiver", acks_late=True)
def report_caregiver(caregiver_id: int, user_id: int | None = None) -> int | None:
    """Deliver what is undelivered and report what is new for one caregiver. Repeats report nothing twice."""

    caregiver = Caregiver.objects.filter(pk=caregiver_id).first()
    if caregiver is None:
        return None
    user = User.objects.filter(pk=user_id, caregiver=caregiver).first() if user_id else None
    result = nvr_run(caregiver=caregiver, user=user)
    return result.built.number if result.built else None
