"""Celery tasks of billing: thin, by id, safe to run twice."""

from __future__ import annotations

import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(
    name="billing.invoice_render_pdf",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=5,
)
def invoice_render_pdf(invoice_id: int) -> str | None:
    """Render and store an issued invoice's PDF (queued on commit of the issue). Repeats do nothing."""
    from billing.models import Invoice
    from billing.pdf import invoice_pdf_store

    invoice = Invoice.objects.filter(pk=invoice_id).select_related("patient", "caregiver").first()
    if invoice is None:
        logger.warning("invoice %s not found; nothing to render", invoice_id)
        return None
    return invoice_pdf_store(invoice).path
