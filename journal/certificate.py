"""The vaccination certificate (PDF) a patient takes home.

The rows are read first, then WeasyPrint renders: never inside a transaction or under a lock. For a
patient with protected identity (R7) no address or contact appears, neither the patient's (never
stored) nor the units' (they would tell where the person goes).
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from journal import selectors
from journal.models import VaccinationStatus


def certificate_rows(patient) -> list:
    return [
        dose
        for dose in selectors.valid_doses(selectors.vaccination_history(patient))
        if dose.status in (VaccinationStatus.GIVEN, VaccinationStatus.GIVEN_ELSEWHERE)
    ]


def certificate_html(*, patient, user, unit) -> str:
    rows = sorted(certificate_rows(patient), key=lambda d: (d.given_at, d.pk))
    return render_to_string(
        "journal/certificate.html",
        {
            "patient": patient,
            "rows": rows,
            "caregiver": patient.caregiver,
            "issued_by": user,
            "unit": unit,
            "issued_at": timezone.localtime(),
            "show_addresses": not patient.protected_identity,
        },
    )


def certificate_pdf(*, patient, user, unit) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415  (Pango and fonts load on first use, in the worker that renders)

    html = certificate_html(patient=patient, user=user, unit=unit)
    # Tagged PDF/UA: headings and tables reach a screen reader, the language is set (WCAG 1.3.1).
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
