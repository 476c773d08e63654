"""Mina vaccinationer: sign-in, the overview (doses at every caregiver, next doses, bookings), the
certificate, acting for a child, sign-out. Every read is logged as the patient's own (or guardian's)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from mittvaccin import eid
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import public
from mittvaccin.eid_views import provider_logout_url, redirect_to_provider
from mittvaccin.pdf import render_pdf
from residents import access, selectors
from residents.certificate import certificate_html
from residents.session import SESSION_ACTING_FOR, current_resident, resident_required


def log_read(request, patients, action) -> None:
    """A resident's read (their own journal, or a guardian's of their child's): in the log of each
    caregiver whose journal it is, with the reader's personnummer instead of a staff account."""
    access_log_record(
        request=request, patients=patients, action=action, resident_identity=request.resident.identity
    )


@public
@never_cache
@require_GET
def home(request):
    resident = current_resident(request)
    if resident is None:
        return render(
            request,
            "residents/signin.html",
            {"provider": eid.resident_provider(), "development": settings.OIDC_DEVELOPMENT},
        )
    request.resident = resident
    patients = selectors.subject_patients(resident.subject_identity)
    history = selectors.doses(patients)
    coming, earlier = selectors.bookings(patients)
    if patients:
        log_read(request, patients, access.OVERVIEW)
    return render(
        request,
        "residents/home.html",
        {
            "resident": resident,
            "doses": history,
            "due": selectors.next_due(history),
            "coming": coming,
            "earlier": earlier,
            "protected": any(p.protected_identity for p in patients) or resident.subject_protected,
        },
    )


@public
@require_POST
@resident_required()
def act_for(request):
    """A guardian switches between themself and a child they have custody of."""
    wanted = request.POST.get("for", "")
    if wanted and wanted in {c.identity_number for c in request.resident.children}:
        request.session[SESSION_ACTING_FOR] = wanted
    else:
        if wanted and wanted != request.resident.identity:
            return render(
                request,
                "residents/refused.html",
                {
                    "resident": request.resident,
                    "message": _(
                        "Folkbokföringen anger inte att du är vårdnadshavare för barnet. Du kan bara se och boka för barn under 18 år som du har vårdnaden om."
                    ),
                },
                status=403,
            )
        request.session.pop(SESSION_ACTING_FOR, None)
    return redirect("residents:home")


@public
@never_cache
@require_GET
@resident_required()
def certificate(request):
    patients = selectors.subject_patients(request.resident.subject_identity)
    rows = sorted(selectors.doses(patients), key=lambda d: (d.given_at, d.pk))
    if patients:
        log_read(request, patients, access.CERTIFICATE)
    # The rows are read first; the PDF is rendered after, outside any transaction.
    pdf = render_pdf(certificate_html(resident=request.resident, patients=patients, rows=rows))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'inline; filename="vaccinationsintyg-{timezone.localdate():%Y%m%d}.pdf"'
    )
    return response


@public
@require_POST
def logout(request):
    signed_in = request.session.get(eid.SESSION_RESIDENT) or {}
    request.session.pop(eid.SESSION_RESIDENT, None)
    request.session.pop(SESSION_ACTING_FOR, None)
    request.session.cycle_key()
    if signed_in.get("provider"):
        url = provider_logout_url(
            request, signed_in["provider"], signed_in.get("id_token", ""), reverse("residents:home")
        )
        if url:
            return redirect_to_provider(url)
    return redirect("residents:home")
