"""The vaccination certificate (PDF)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from journal import access
from journal.access import patient_view
from journal.certificate import certificate_pdf


@require_GET
@patient_view(access.CERTIFICATE)
def certificate(request, patient):
    # The data is read first; the PDF is rendered after, outside any transaction or lock.

    pdf = certificate_pdf(patient=patient, user=request.user, unit=request.unit)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="vaccinationsintyg-{timezone.localdate():%Y%m%d}.pdf"'
    )
    return response
