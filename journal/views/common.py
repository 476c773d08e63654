"""What the journal's views share: the visit lookup, times as shown, refusals on forms."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from journal import services
from journal.forms import ReasonForm
from journal.models import Visit
from mittvaccin.parsing import int_or_none
from mittvaccin.refusals import refusal_to_form
from mittvaccin.tenancy import owned_or_404


def _visit(request, patient, visit_id) -> Visit:
    return owned_or_404(
        Visit.objects.select_related("unit", "patient"), request, pk=visit_id, patient=patient
    )


def _hhmm(moment) -> str:
    return timezone.localtime(moment).strftime("%H:%M")


def _date(value) -> str:
    return value.isoformat() if value else ""


def _posted_int(request, name):
    """An id from the form or the query string; none (or 0) is None."""
    return int_or_none(request.POST.get(name) or request.GET.get(name)) or None


def _sent_before(form, error) -> bool:
    """Whether a refusal only says that this very form was saved before (its idempotency key): the
    view then goes where a success would, without saying it twice. Any other refusal goes on the form."""
    if error.existing is None:
        refusal_to_form(form, error)
        return False
    return True


def _act_and_tell(request, act, done) -> None:
    """Do `act` and say `done`; a refusal (most often: someone did it already) is told as information."""
    try:
        act()
    except services.JournalError as error:
        messages.info(request, error.message)
    else:
        messages.success(request, done)


def _mark_with_reason(request, patient, *, mark, done, anchor, title, intro, submit):
    """The one page for marking a signed entry (dose, order, signal) with a reason: it stays readable."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mark(form.cleaned_data["reason"])
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, done)
            return redirect(reverse("journal:patient", args=[patient.pk]) + anchor)
    return render(
        request,
        "journal/form_page.html",
        {"patient": patient, "form": form, "title": title, "intro": intro, "submit": submit, "danger": True},
    )
