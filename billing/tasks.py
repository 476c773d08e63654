"""Celery tasks of billing: thin, by id, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

from billing.models import Invoice, JobKind
from billing.pdf import invoice_pdf_store
from billing.services.jobs import job_execute, job_run_scheduled
from billing.services.jobs import jobs_recover as recover

logger = logging.getLogger(__name__)


@shared_task(
    name="billing.invoice_render_pdf",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invoice_render_pdf(invoice_id: int, number: int | None = None) -> str | None:
    """Render and store an issued invoice's PDF (queued on commit of the issue). Repeats do nothing.

    The number travels with the id: a task that reaches a worker on another database (a benchmark
    and a development server sharing Redis, a restored backup) finds no such invoice and does nothing.
    """

    invoice = Invoice.objects.filter(pk=invoice_id).select_related("patient", "caregiver").first()
    if invoice is None or (number is not None and invoice.number != number):
        logger.warning("invoice %s (number %s) not found; nothing to render", invoice_id, number)
        return None
    return invoice_pdf_store(invoice).path


@shared_task(
    name="billing.invoice_render_pdfs",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invoice_render_pdfs(pairs: list) -> int:
    """Render the PDFs of a batch of issued invoices, [[id, number], …]; what is stored already is kept.

    One worker process reuses its parsed stylesheet and fonts across them (billing.pdf).
    """
    rendered = 0
    for invoice_id, number in pairs:
        rendered += invoice_render_pdf.run(invoice_id, number) is not None
    return rendered


@shared_task(name="billing.invoicing_job_run", acks_late=True)
def invoicing_job_run(run_id: int) -> str | None:
    """Do one queued run of the no-show or late-cancel job (started by hand). Repeats do nothing."""

    run = job_execute(run_id=run_id)
    return run.status if run else None


@shared_task(name="billing.noshow_invoicing", acks_late=True)
def noshow_invoicing() -> int:
    """R8, from Celery beat: invoice the no-shows of every caregiver with a payment solution."""

    return len(job_run_scheduled(kind=JobKind.NO_SHOW))


@shared_task(name="billing.latecancel_invoicing", acks_late=True)
def latecancel_invoicing() -> int:
    """R9, from Celery beat: invoice the late cancellations of every caregiver with a payment solution."""

    return len(job_run_scheduled(kind=JobKind.LATE_CANCELLATION))


@shared_task(name="billing.jobs_recover")
def jobs_recover() -> int:
    """From Celery beat, every minute: a run whose worker died is marked interrupted and continued."""

    return len(recover())
