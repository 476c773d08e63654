"""Booking, moving and cancelling as a signed-in resident: the personnummer comes from the
e-identification (or the child the guardian acts for), never from a form."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from booking import notices
from booking import services as booking_services
from booking.models import ActorKind, Slot, VisitType
from booking.views.online import bookable_units, days_and_slots, unit_or_404, visit_type_or_404
from journal.identity import parse_identity
from journal.models import Patient
from journal.population_register import population_register
from journal.selectors import previsit_for_booking
from journal.services import PatientExists, patient_create
from mittvaccin.decorators import public
from mittvaccin.parsing import day_or_none
from residents import access, selectors
from residents.session import resident_required
from residents.views.home import log_read


@public
@resident_required()
def book_units(request):
    return render(
        request, "residents/book_units.html", {"resident": request.resident, "units": bookable_units()}
    )


@public
@resident_required()
def book_types(request, unit_slug):
    unit = unit_or_404(unit_slug)
    visit_types = VisitType.objects.filter(unit=unit, is_active=True, online_bookable=True)
    return render(
        request,
        "residents/book_types.html",
        {
            "resident": request.resident,
            "unit": unit,
            "visit_types": visit_types,
            "rule": notices.cancellation_rule(unit),
        },
    )


def times_context(unit, visit_type, chosen_day, now):
    days, chosen_day, slots = days_and_slots(unit, visit_type, chosen_day, now)
    return {"days": days[:14], "chosen_day": chosen_day, "slots": slots}


@public
@resident_required()
def book_times(request, unit_slug, visit_type_id):
    unit = unit_or_404(unit_slug)
    visit_type = visit_type_or_404(unit, visit_type_id)
    context = times_context(unit, visit_type, day_or_none(request.GET.get("dag")), timezone.now())
    return render(
        request,
        "residents/book_times.html",
        {"resident": request.resident, "unit": unit, "visit_type": visit_type, **context},
    )


def _patient_for(unit, resident) -> Patient:
    """The subject's patient row at the unit's caregiver; registered on the way from the register's
    (or the e-identification's) name when new. A protected person gets no contact details (R7)."""
    identity = resident.subject_identity
    existing = Patient.objects.filter(caregiver=unit.caregiver, identity_number=identity).first()
    if existing is not None:
        return existing
    person = population_register().lookup(identity)
    given = person.given_names if person else resident.given_names
    family = person.family_name if person else resident.family_name
    if resident.acting_for and not person:
        given, family = resident.acting_for.given_names, resident.acting_for.family_name
    try:
        return patient_create(
            caregiver=unit.caregiver,
            identity=parse_identity(identity),
            given_names=(given or "–")[:100],
            family_name=(family or "–")[:100],
        )  # patient_create asks the register and marks a protected person (R7)
    except PatientExists as exists:
        return exists.patient


@public
@never_cache
@require_http_methods(["GET", "POST"])
@resident_required()
def book_confirm(request, unit_slug, visit_type_id, slot_id):
    unit = unit_or_404(unit_slug)
    visit_type = visit_type_or_404(unit, visit_type_id)
    slot = Slot.objects.select_related("unit", "schedule").filter(unit=unit, pk=slot_id).first()
    if slot is None:
        raise Http404
    resident = request.resident
    protected = resident.subject_protected
    error = None
    if request.method == "POST":
        phone = "" if protected else request.POST.get("phone", "").strip()[:40]
        email = "" if protected else request.POST.get("email", "").strip()[:254]
        try:
            booking = booking_services.booking_create(
                slot=slot,
                visit_type=visit_type,
                patient=_patient_for(unit, resident),
                made_by_kind=ActorKind.RESIDENT,
                given_name=resident.subject_name,
                contact_phone=phone,
                contact_email=email,
                submission_key=request.POST.get("submission", "")[:40],
                # Signed in with e-identification: the resident is known, so a no-show or late
                # cancellation is invoiced by the jobs (not held for review as an anonymous web booking).
                identity_verified=True,
            )
        except booking_services.PatientBusy:
            error = _("Du har redan en bokning som krockar med den här tiden.")
        except booking_services.BookingError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("Tiden är bokad: %(when)s, %(unit)s.")
                % {"when": notices.when_text(booking), "unit": unit.name},
            )
            return redirect("residents:booking", booking_id=booking.pk)
    return render(
        request,
        "residents/book_confirm.html",
        {
            "resident": resident,
            "unit": unit,
            "visit_type": visit_type,
            "slot": slot,
            "error": error,
            "protected": protected,
            "rule": notices.cancellation_rule(unit, starts_at=slot.starts_at),
            "submission": uuid.uuid4().hex,
        },
        status=422 if error else 200,
    )


def _own_booking(request, booking_id):
    booking = selectors.booking_of(request.resident.subject_identity, booking_id)
    if booking is None:
        raise Http404
    return booking


@public
@never_cache
@resident_required(missing="404")
def booking_detail(request, booking_id):

    booking = _own_booking(request, booking_id)
    log_read(request, [booking.patient], access.BOOKING)
    return render(
        request,
        "residents/booking.html",
        {
            "resident": request.resident,
            "booking": booking,
            "unit": booking.unit,
            "late": booking.is_late_to_cancel(),
            "previsit": previsit_for_booking(booking.pk),
            "protected": booking.patient.protected_identity,
            "rule": notices.cancellation_rule(
                booking.unit, made_at=booking.made_at, starts_at=booking.starts_at
            ),
        },
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
@resident_required(missing="404")
def booking_cancel(request, booking_id):
    booking = _own_booking(request, booking_id)
    error = None
    if request.method == "POST":
        try:
            booking = booking_services.booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT)
        except booking_services.BookingError as refusal:
            error = refusal.message
        else:
            messages.success(request, _("Tiden är avbokad."))
            return redirect("residents:booking", booking_id=booking.pk)
    return render(
        request,
        "residents/cancel.html",
        {
            "resident": request.resident,
            "booking": booking,
            "late": booking.is_late_to_cancel(),
            "late_fee": notices.booking_fees(booking)["late_cancellation"],
            "error": error,
        },
        status=422 if error else 200,
    )


@public
@never_cache
@require_http_methods(["GET", "POST"])
@resident_required(missing="404")
def booking_move(request, booking_id):
    booking = _own_booking(request, booking_id)
    now = timezone.now()
    error = None
    if request.method == "POST":
        slot_id = request.POST.get("slot", "")
        target = Slot.objects.filter(unit=booking.unit, pk=slot_id).first() if slot_id.isdigit() else None
        if target is None:
            error = _("Välj en av de lediga tiderna.")
        else:
            try:
                booking = booking_services.booking_move(
                    booking=booking, new_slot=target, by_kind=ActorKind.RESIDENT, now=now
                )
            except booking_services.BookingError as refusal:
                error = refusal.message
            else:
                messages.success(
                    request, _("Tiden är flyttad till %(when)s.") % {"when": notices.when_text(booking)}
                )
                return redirect("residents:booking", booking_id=booking.pk)
    context = times_context(booking.unit, booking.visit_type, day_or_none(request.GET.get("dag")), now)
    return render(
        request,
        "residents/move.html",
        {
            "resident": request.resident,
            "booking": booking,
            "error": error,
            "too_late": booking.is_late_to_cancel(now),
            **context,
        },
        status=422 if error else 200,
    )
