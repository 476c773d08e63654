"""The health declaration before the visit (A15), answered by the resident or their guardian."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from booking.models import Booking
from journal import services as journal_services
from journal.forms import DeclarationForm
from journal.selectors import previsit_for_booking
from mittvaccin.decorators import public
from residents import access, selectors
from residents.session import resident_required
from residents.views.home import log_read


@public
@never_cache
@require_http_methods(["GET", "POST"])
@resident_required(missing="404")
def declaration(request, booking_id):
    resident = request.resident
    booking = selectors.booking_of(resident.subject_identity, booking_id)
    if booking is None:
        raise Http404
    if booking.status != Booking.Status.BOOKED or booking.starts_at <= timezone.now():
        return render(
            request,
            "residents/refused.html",
            {
                "resident": resident,
                "message": _(
                    "Besöket har redan varit eller är avbokat. Hälsodeklarationen lämnas vid besöket; ingenting har sparats."
                ),
            },
            status=409,
        )
    previous = previsit_for_booking(booking.pk)
    if previous is not None:
        log_read(request, [booking.patient], access.DECLARATION)
    questionnaire = journal_services.questionnaire_current()
    form = DeclarationForm(
        request.POST or None, questionnaire=questionnaire, initial=previous.answers if previous else None
    )
    if request.method == "POST" and form.is_valid():
        try:
            journal_services.previsit_declaration_submit(
                patient=booking.patient,
                booking_id=booking.pk,
                unit=booking.unit,
                visit_starts_at=booking.starts_at,
                answers=form.answers(),
                answered_by_identity=resident.identity,
                answered_by_guardian=resident.is_guardian_acting,
            )
        except journal_services.JournalError as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(
                request,
                _("Tack! Dina svar är skickade. Sjuksköterskan går igenom dem med dig vid besöket."),
            )
            return redirect("residents:booking", booking_id=booking.pk)
    return render(
        request,
        "residents/declaration.html",
        {"resident": resident, "booking": booking, "form": form, "previous": previous},
        status=422 if form.errors else 200,
    )
