"""Booking a patient at the clinic, finding or registering the patient on the way."""

from __future__ import annotations

import logging
import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from booking import access, notices, selectors, services
from booking.forms import StaffBookingForm
from booking.models import ActorKind, Slot, VisitType
from booking.views.common import _day_url, _local_day, unit_view
from journal.population_register import RegisterUnavailable
from journal.services.protection import protected_elsewhere, protection_check_register, protection_refresh
from mittvaccin.access_log import access_log_record
from mittvaccin.parsing import day_or_none, int_or_none
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right

logger = logging.getLogger(__name__)


@require_http_methods(["GET", "POST"])
@unit_view(Right.BOOKING_MANAGE)
def book(request, unit):
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("q", "")
    lookup = selectors.patient_lookup(who=request, query=query)
    patient, identity, find_error = lookup.patient, lookup.identity, lookup.error
    protected_in_register = _ask_register(request, patient, identity)
    if patient is not None:
        access_log_record(request=request, patient=patient, action=access.BOOK_PATIENT_CHOSEN)
    chosen_slot = (
        Slot.objects.filter(unit=unit, pk=int_or_none(data.get("slot"))).select_related("schedule").first()
    )
    chosen_day = day_or_none(data.get("dag")) or (
        _local_day(chosen_slot.starts_at) if chosen_slot else timezone.localdate()
    )
    visit_types = list(VisitType.objects.filter(unit=unit, is_active=True))
    visit_type = next((v for v in visit_types if v.pk == int_or_none(data.get("visit_type"))), None)
    if visit_type is None and chosen_slot is not None:
        visit_type = next(
            (v for v in visit_types if chosen_slot.schedule.visit_types.filter(pk=v.pk).exists()), None
        )
    visit_type = visit_type or (visit_types[0] if visit_types else None)
    initial = {"visit_type": visit_type, "slot": chosen_slot.pk if chosen_slot else None}
    if patient is not None and not patient.protected_identity:
        initial.update(contact_phone=patient.phone, contact_email=patient.email)
    form = StaffBookingForm(request.POST if request.method == "POST" else None, unit=unit, initial=initial)
    new_patient_error = ""
    if request.method == "POST" and form.is_valid():
        slot = (
            Slot.objects.filter(unit=unit, pk=form.cleaned_data["slot"])
            .select_related("unit", "schedule")
            .first()
        )
        try:
            if slot is None:
                raise services.BookingError(_("Välj en ledig tid."))
            if patient is None:
                patient = services.booking_patient_register(
                    unit=unit,
                    identity=identity,
                    given_names=data.get("given_names") or "",
                    family_name=data.get("family_name") or "",
                    user=request.user,
                )
                access_log_record(request=request, patient=patient, action=access.BOOK_PATIENT_REGISTERED)
            booking = services.booking_create(
                slot=slot,
                visit_type=form.cleaned_data["visit_type"],
                patient=patient,
                made_by_kind=ActorKind.STAFF,
                user=request.user,
                contact_phone=form.cleaned_data["contact_phone"],
                contact_email=form.cleaned_data["contact_email"],
                submission_key=request.POST.get("submission", "")[:40],
            )
        except services.BookingError as error:
            refusal_to_form(form, error)
            if error.code == "new_patient":
                new_patient_error = error.message
        else:
            messages.success(
                request,
                _("%(name)s är bokad %(when)s, %(type)s. Bokningsnummer %(ref)s.")
                % {
                    "name": booking.patient.display_name,
                    "when": notices.when_text(booking),
                    "type": booking.visit_type.name,
                    "ref": booking.reference_display,
                },
            )
            return redirect(_day_url(unit, _local_day(booking.starts_at)))
    slots = (
        selectors.free_slots(unit, visit_type, first_day=chosen_day, days=1)
        if visit_type is not None and (patient is not None or identity is not None)
        else []
    )
    context = {
        "unit": unit,
        "query": query,
        "patient": patient,
        "identity": identity,
        "find_error": find_error,
        "form": form,
        "visit_types": visit_types,
        "visit_type": visit_type,
        "chosen_day": chosen_day,
        "chosen_slot": chosen_slot,
        "slots": slots,
        "submission": uuid.uuid4().hex,
        "new_patient_error": new_patient_error,
        "protected_in_register": protected_in_register,
    }
    template = (
        "booking/staff/book.html#slots"
        if request.htmx and request.GET.get("partial") == "slots"
        else "booking/staff/book.html"
    )
    return render(request, template, context)


def _ask_register(request, patient, identity) -> bool:
    """R7: the register's answer before anything is booked; a protected person is marked (A5).

    An unreachable register does not stop a booking at the desk: the patient's own marking still holds,
    and every message is checked against the register again before it is sent.
    """
    try:
        if patient is not None:
            return protection_refresh(patient, user=request.user).protected_identity
        if identity is not None:
            return protection_check_register(
                identity_kind=identity.kind, identity_number=identity.value, user=request.user
            ) or protected_elsewhere(identity_kind=identity.kind, identity_number=identity.value)
    except RegisterUnavailable:
        logger.warning("population register unavailable while booking")
    return False
