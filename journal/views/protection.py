"""Protected identity after registration (R7, A5): ask the register, mark by hand, lift, the history."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal import access, services
from journal.access import patient_view
from journal.forms import ReasonForm
from journal.population_register import RegisterUnavailable
from journal.services.protection import protection_history
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right

ACTIONS = ("check", "mark", "lift")


@patient_view(access.PROTECTION, right=None)
def protection(request, patient):
    """The state of the marking, its history, asking the register and marking (every staff member);
    lifting has its own door (protection_lift)."""
    action = request.POST.get("action") if request.method == "POST" else None
    mark_form = ReasonForm(request.POST if action == "mark" else None, prefix="mark")
    if action == "check":
        try:
            protected = services.protection_check_register(
                identity_kind=patient.identity_kind,
                identity_number=patient.identity_number,
                user=request.user,
            )
        except RegisterUnavailable:
            messages.error(request, _("Folkbokföringen svarar inte just nu. Försök igen senare."))
        else:
            if protected and not patient.protected_identity:
                messages.success(
                    request,
                    _(
                        "Folkbokföringen anger skyddad identitet. Patienten är markerad och alla kontaktuppgifter är borttagna."
                    ),
                )
            elif protected:
                messages.info(
                    request, _("Folkbokföringen anger skyddad identitet; patienten är redan markerad.")
                )
            else:
                messages.info(request, _("Folkbokföringen anger ingen skyddad identitet."))
        return redirect("journal:protection", patient_id=patient.pk)
    if action == "mark" and mark_form.is_valid():
        try:
            services.protection_mark(
                patient=patient, user=request.user, reason=mark_form.cleaned_data["reason"]
            )
        except services.JournalError as error:
            refusal_to_form(mark_form, error)
        else:
            messages.success(
                request, _("Patienten är markerad med skyddad identitet. Alla kontaktuppgifter är borttagna.")
            )
            return redirect(reverse("journal:patient", args=[patient.pk]))
    return _page(request, patient, mark_form, ReasonForm(prefix="lift"))


# Lifting brings contact details back into use: the administration decides, on the register's word.
@patient_view(access.PROTECTION, right=Right.CAREGIVER_ADMINISTER)
@require_POST
def protection_lift(request, patient):
    lift_form = ReasonForm(request.POST, prefix="lift")
    if lift_form.is_valid():
        try:
            services.protection_lift(
                patient=patient, user=request.user, reason=lift_form.cleaned_data["reason"]
            )
        except services.JournalError as error:
            refusal_to_form(lift_form, error)
        else:
            messages.success(request, _("Markeringen är hävd. Kontaktuppgifter kan nu sparas igen."))
            return redirect(reverse("journal:patient", args=[patient.pk]))
    return _page(request, patient, ReasonForm(prefix="mark"), lift_form)


def _page(request, patient, mark_form, lift_form):
    return render(
        request,
        "journal/protection.html",
        {
            "patient": patient,
            "history": protection_history(patient),
            "mark_form": mark_form,
            "lift_form": lift_form,
            # What the page shows may depend on a right; the refusal is the lifting view's door.
            "can_lift": request.user.has_right(Right.CAREGIVER_ADMINISTER),
        },
        status=422 if mark_form.errors or lift_form.errors else 200,
    )
