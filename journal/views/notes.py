"""Notes (R12)."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from journal import access, services
from journal.access import patient_view
from journal.forms import CommentForm, NoteCorrectForm, NoteForm
from journal.models import Note, NoteKind
from journal.views.common import _hhmm
from mittvaccin.redirects import safe_next
from mittvaccin.refusals import refusal_to_form
from mittvaccin.tenancy import owned_or_404


@patient_view(access.NOTE_CREATE)
def note_create(request, patient):
    form = NoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note = services.note_create(patient=patient, user=request.user, text=form.cleaned_data["text"])
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.success(
                request, _("Anteckningen är signerad %(time)s.") % {"time": _hhmm(note.signed_at)}
            )
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#anteckningar")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Ny anteckning"),
            "submit": _("Signera anteckning"),
        },
    )


@patient_view(access.NOTE_CORRECT)
def note_correct(request, patient, note_id):
    note = owned_or_404(Note, request, pk=note_id, patient=patient)
    try:
        services.note_correction_rule(note, request.user)
    except services.JournalError as refusal:
        # R12 is a rule about this note, not a right: the page says why, with the door's status.
        return render(request, "403.html", {"reason": refusal.message}, status=403)
    form = NoteCorrectForm(request.POST or None, initial={"text": note.text, "outcome": note.outcome})
    if note.kind != NoteKind.ASSESSMENT:
        form.fields.pop("outcome")
    if request.method == "POST" and form.is_valid():
        try:
            services.note_correct(
                note=note,
                user=request.user,
                text=form.cleaned_data["text"],
                reason=form.cleaned_data["reason"],
                outcome=form.cleaned_data.get("outcome") or None,
            )
        except services.JournalError as error:
            refusal_to_form(form, error)
        else:
            messages.success(request, _("Den rättade versionen är signerad. Den tidigare texten finns kvar."))
            return redirect(reverse("journal:patient", args=[patient.pk]) + "#anteckningar")
    return render(
        request,
        "journal/form_page.html",
        {
            "patient": patient,
            "form": form,
            "title": _("Rätta anteckning"),
            "intro": _(
                "Den nuvarande versionen, signerad %(who)s %(when)s, finns kvar och visas som tidigare version."
            )
            % {"who": note.signature, "when": timezone.localtime(note.signed_at).strftime("%Y-%m-%d %H:%M")},
            "quote": note.text,
            "submit": _("Signera rättelse"),
        },
    )


@require_POST
@patient_view(access.NOTE_COMMENT)
def note_comment(request, patient, note_id):
    note = owned_or_404(Note, request, pk=note_id, patient=patient)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.note_comment(note=note, user=request.user, text=form.cleaned_data["text"])
        except services.JournalError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Kommentaren är signerad."))
    else:
        messages.error(request, _("Skriv kommentaren innan du sparar."))
    default = reverse("journal:patient", args=[patient.pk]) + "#anteckningar"
    return redirect(safe_next(request, default, within=f"/patient/{patient.pk}/"))
