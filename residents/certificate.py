"""The certificate a resident prints themself: every caregiver's doses on one page."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone


def certificate_html(*, resident, patients, rows) -> str:
    patient = patients[0] if patients else None
    return render_to_string(
        "journal/certificate.html",
        {
            "patient": patient,
            "person_name": resident.subject_name,
            "person_identity": resident.subject_display,
            "protected": any(p.protected_identity for p in patients) or resident.subject_protected,
            "rows": rows,
            "caregiver": None,
            "issued_by": None,
            "self_service": True,
            "unit": None,
            "issued_at": timezone.localtime(),
            # R7 and the residents' pages: no address of anyone on a resident's own printout.
            "show_addresses": False,
        },
    )
