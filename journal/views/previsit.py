"""A physician assesses a resident's answers before the visit day (A15)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal import access, services
from journal.access import patient_view
from journal.models import AssessmentOutcome, PreVisitDeclaration
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


@require_POST
@patient_view(access.PREVISIT_ASSESSMENT, right=Right.ASSESSMENT_WRITE)
def previsit_assessment(request, patient, previsit_id):
    previsit = owned_or_404(PreVisitDeclaration, request, pk=previsit_id, patient=patient)
    outcome = request.POST.get("outcome", "")
    if outcome not in AssessmentOutcome.values:
        messages.error(request, _("Välj om vaccination kan ges eller inte."))
        return redirect("journal:assessments")
    try:
        services.previsit_assessment_create(
            previsit=previsit, user=request.user, outcome=outcome, text=request.POST.get("text", "")
        )
    except services.JournalError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Bedömningen av %(name)s är signerad. Sjuksköterskan ser den vid besöket.")
            % {"name": patient.display_name},
        )
    return redirect("journal:assessments")
