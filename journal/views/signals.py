"""Attention signals (R13)."""

from __future__ import annotations

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from journal import access, fhir, selectors, services
from journal.access import patient_view
from journal.forms import SignalForm
from journal.models import AttentionSignal
from journal.views.common import _act_and_tell, _mark_with_reason
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


@patient_view(access.SIGNAL_CREATE)
def signal_create(request, patient):
    form = SignalForm(request.POST or None, initial={"kind": "hypersensitivity"})
    if request.method == "POST" and form.is_valid():
        try:
            signal = services.signal_create(patient=patient, user=request.user, **form.cleaned_data)
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request,
                _(
                    "Uppmärksamhetssignalen är registrerad: %(summary)s. Dokumentera den också i huvudjournalen."
                )
                % {"summary": signal.summary},
            )
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#signaler")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Ny uppmärksamhetssignal"),
            "intro": _(
                "Signalen visas överst på alla patientens sidor. En att göra-post skapas: dokumentera i huvudjournalen."
            ),
            "submit": _("Registrera signal"),
        },
    )


@require_POST
@patient_view(access.SIGNAL_DOCUMENTED)
def signal_documented(request, patient, signal_id):
    signal = owned_or_404(AttentionSignal, request, pk=signal_id, patient=patient)
    _act_and_tell(
        request,
        lambda: services.signal_mark_documented(signal=signal, user=request.user),
        _("Markerad som dokumenterad i huvudjournalen."),
    )
    if request.POST.get("next") == "todos":
        return redirect("journal:signal_todos")
    return redirect(reverse("journal:patient", args=[patient.pk]) + "#signaler")


@patient_view(access.SIGNAL_INACTIVATE, right=Right.ASSESSMENT_WRITE)
def signal_inactivate(request, patient, signal_id):
    signal = owned_or_404(AttentionSignal, request, pk=signal_id, patient=patient)
    return _mark_with_reason(
        request,
        patient,
        mark=lambda reason: services.signal_inactivate(signal=signal, user=request.user, reason=reason),
        done=_("Signalen är inaktiverad. Den finns kvar i journalen."),
        anchor="#signaler",
        title=_("Inaktivera uppmärksamhetssignal"),
        intro=signal.summary,
        submit=_("Inaktivera"),
    )


@require_GET
@patient_view(access.SIGNAL_FHIR)
def signal_fhir(request, patient, signal_id):
    signal = owned_or_404(
        AttentionSignal.objects.select_related("inactivation", "patient"),
        request,
        pk=signal_id,
        patient=patient,
    )
    response = JsonResponse(
        fhir.signal_resource(signal), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    response["Content-Type"] = "application/fhir+json; charset=utf-8"
    if request.GET.get("ladda-ner"):
        response["Content-Disposition"] = f'attachment; filename="uppmarksamhetssignal-{signal.pk}.json"'
    return response


@require_right(Right.JOURNAL_READ)
@require_GET
def signal_todos(request):
    """Signals still to be documented in the main health record (R13)."""
    todos = selectors.signal_todos(request)
    access_log_record(request=request, patients=[s.patient for s in todos], action=access.SIGNAL_TODO)
    return render(request, "journal/signal_todos.html", {"todos": todos})
