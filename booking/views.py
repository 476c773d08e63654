"""Staff pages of the timebook (R14): day and week, booking, check-in, no-shows, schedules.

Every page is per unit and exists only where the unit has a timebook (R5). Tenancy first (another
caregiver's ids answer 404), then the right (403), then the unit's switch (a clear 404 page).
"""

from __future__ import annotations

import datetime as dt
import uuid
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import select_template
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking import notices, selectors, services
from booking.extensions import booking_actions_for
from booking.forms import (
    ScheduleExceptionForm,
    ScheduleForm,
    StaffBookingForm,
    StaffCancelForm,
    UndoNoShowForm,
    VisitTypeForm,
)
from booking.models import ActorKind, Booking, Schedule, ScheduleException, Slot, VisitType
from journal.identity import IdentityError, parse_identity
from journal.models import Patient
from journal.population_register import has_protected_identity
from mittvaccin.models import Unit
from mittvaccin.rights import Right
from mittvaccin.services import access_log_record, access_log_record_many
from mittvaccin.tenancy import owned, owned_or_404


def _no_timebook(request, unit):
    return render(request, "booking/staff/no_timebook.html", {"unit": unit}, status=404)


def unit_view(right: str):
    """For views under a unit id: tenancy (404), the right (403), the unit's timebook (R5, 404 page)."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, unit_id, *args, **kwargs):
            unit = owned_or_404(Unit.objects.select_related("caregiver"), request, pk=unit_id)
            if not request.user.has_right(right):
                raise PermissionDenied
            if not unit.has_timebook:
                return _no_timebook(request, unit)
            return view(request, unit, *args, **kwargs)

        wrapper.required_right = right
        return wrapper

    return decorate


def booking_view(right: str = Right.BOOKING_MANAGE):
    def decorate(view):
        @wraps(view)
        def wrapper(request, booking_id, *args, **kwargs):
            booking = owned_or_404(
                Booking.objects.select_related("unit", "unit__caregiver", "patient", "visit_type", "slot"),
                request,
                pk=booking_id,
            )
            if not request.user.has_right(right):
                raise PermissionDenied
            if not booking.unit.has_timebook:
                return _no_timebook(request, booking.unit)
            return view(request, booking, *args, **kwargs)

        wrapper.required_right = right
        return wrapper

    return decorate


def _owned_in_unit_view(model, request, right, **lookup):
    obj = owned_or_404(model.objects.select_related("unit", "unit__caregiver"), request, **lookup)
    if not request.user.has_right(right):
        raise PermissionDenied
    if not obj.unit.has_timebook:
        raise Http404
    return obj


def _local_day(value) -> dt.date:
    return timezone.localtime(value).date()


def _day_url(unit, day: dt.date) -> str:
    return reverse("booking:day", kwargs={"unit_id": unit.pk, "day": day})


def _visit_url(booking) -> str:
    return reverse("journal:visit", kwargs={"patient_id": booking.patient_id, "visit_id": booking.visit_id})


def _refusal(request, error, fallback_url):
    """A refused action: a flash message, in place for htmx, after a redirect otherwise."""
    if request.htmx:
        response = render(request, "booking/staff/_flash.html", {"message": error.message, "level": "error"})
        response["HX-Retarget"] = "#messages"
        response["HX-Reswap"] = "innerHTML"
        return response
    messages.error(request, error.message)
    return redirect(fallback_url)


# --- Day and week ------------------------------------------------------------------------------------


@require_GET
def timebook(request):
    unit = request.unit
    if unit is None or not unit.has_timebook:
        return _no_timebook(request, unit)
    return redirect(_day_url(unit, timezone.localdate()))


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def day(request, unit, day=None):
    day = day or timezone.localdate()
    stamp = request.GET.get("stamp")
    if request.htmx and stamp and stamp == selectors.day_stamp(unit, day):
        # The poll found nothing new: no patient data is read, nothing is logged.
        return HttpResponse(status=204)
    view = selectors.day_view(unit, day)
    patients = [b.patient for r in view.rows for b in r.bookings] + [b.patient for b in view.cancelled]
    show_signals = request.user.has_right(Right.JOURNAL_READ)
    signals = selectors.signals_by_patient({p.pk for p in patients}) if show_signals else {}
    access_log_record_many(
        request=request, patients=patients, what=_("Tidbok, dag %(day)s") % {"day": day.isoformat()}
    )
    today = timezone.localdate()
    for row in view.rows:
        for booking in row.bookings:
            _decorate(booking, signals, today)
    now = timezone.now()
    context = {
        "unit": unit,
        "view": view,
        "day": day,
        "today": timezone.localdate(),
        "prev_day": day - dt.timedelta(days=1),
        "next_day": day + dt.timedelta(days=1),
        "signals": signals,
        "show_signals": show_signals,
        "now": now,
        "affected_count": selectors.affected_bookings(unit, now=now).count(),
        **_row_links(unit),
    }
    template = "booking/staff/day.html#day" if request.htmx else "booking/staff/day.html"
    return render(request, template, context)


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def week(request, unit, day=None):
    day = day or timezone.localdate()
    monday = day - dt.timedelta(days=day.weekday())
    context = {
        "unit": unit,
        "monday": monday,
        "week": selectors.week_view(unit, monday),
        "prev_week": monday - dt.timedelta(days=7),
        "next_week": monday + dt.timedelta(days=7),
        "week_number": monday.isocalendar().week,
        "today": timezone.localdate(),
    }
    return render(request, "booking/staff/week.html", context)


# --- Booking for a patient ------------------------------------------------------------------------


def _find_patient(request, query: str):
    """(patient or None, parsed identity or None, error message)."""
    query = (query or "").strip()
    if not query:
        return None, None, ""
    try:
        identity = parse_identity(query)
    except IdentityError as error:
        digits = "".join(c for c in query if c.isdigit())
        patient = (
            owned(Patient, request).filter(identity_number=digits).first() if len(digits) == 12 else None
        )
        return patient, None, "" if patient else error.message
    return owned(Patient, request).filter(identity_number=identity.value).first(), identity, ""


@require_http_methods(["GET", "POST"])
@unit_view(Right.BOOKING_MANAGE)
def book(request, unit):
    data = request.POST if request.method == "POST" else request.GET
    query = data.get("q", "")
    patient, identity, find_error = _find_patient(request, query)
    if patient is not None:
        access_log_record(request=request, patient=patient, what=_("Bokning: patient vald"))
    chosen_slot = Slot.objects.filter(unit=unit, pk=_int(data.get("slot"))).select_related("schedule").first()
    chosen_day = _parse_day(data.get("dag")) or (
        _local_day(chosen_slot.starts_at) if chosen_slot else timezone.localdate()
    )
    visit_types = list(VisitType.objects.filter(unit=unit, is_active=True))
    visit_type = next((v for v in visit_types if v.pk == _int(data.get("visit_type"))), None)
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
                patient = _create_patient(request, unit, identity, data)
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
            form.add_error(None, error.message)
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
        "protected_in_register": identity is not None
        and patient is None
        and has_protected_identity(identity.value),
    }
    template = (
        "booking/staff/book.html#slots"
        if request.htmx and request.GET.get("partial") == "slots"
        else "booking/staff/book.html"
    )
    return render(request, template, context)


def _create_patient(request, unit, identity, data):
    """A patient new to the caregiver, registered while booking (name typed by staff)."""
    from journal.services import PatientExists, patient_create

    given, family = (data.get("given_names") or "").strip(), (data.get("family_name") or "").strip()
    if identity is None:
        raise services.BookingError(_("Ange ett giltigt personnummer."), code="new_patient")
    if not given or not family:
        raise services.BookingError(
            _("Patienten finns inte i journalen: ange förnamn och efternamn."), code="new_patient"
        )
    try:
        patient = patient_create(
            caregiver=unit.caregiver,
            identity=identity,
            given_names=given[:100],
            family_name=family[:100],
            protected_identity=has_protected_identity(identity.value),
        )
    except PatientExists as exists:
        patient = exists.patient
    access_log_record(request=request, patient=patient, what=_("Bokning: patient registrerad"))
    return patient


# --- One booking --------------------------------------------------------------------------------


@require_GET
@booking_view()
def booking_detail(request, booking):
    access_log_record(request=request, patient=booking.patient, what=_("Bokning"))
    context = {
        "booking": booking,
        "unit": booking.unit,
        "patient": booking.patient,
        "events": booking.events.select_related("actor"),
        "sent": selectors.messages_for(booking),
        "signal_template": _signal_template(),
        "now": timezone.now(),
        # As in the day view: arrival is registered on the day of the visit (the service refuses earlier).
        "is_today": _local_day(booking.starts_at) == timezone.localdate(),
        "visit_url": _visit_url(booking) if booking.status == Booking.Status.CHECKED_IN else "",
        "signals": selectors.signals_by_patient([booking.patient_id]).get(booking.patient_id, [])
        if request.user.has_right(Right.JOURNAL_READ)
        else [],
        "extra_actions": booking_actions_for(booking, request.user),
    }
    return render(request, "booking/staff/booking.html", context)


@require_http_methods(["GET", "POST"])
@booking_view()
def booking_move(request, booking):
    access_log_record(request=request, patient=booking.patient, what=_("Bokning: flytta"))
    unit = booking.unit
    chosen_day = _parse_day(request.GET.get("dag")) or max(
        _local_day(booking.starts_at), timezone.localdate()
    )
    visit_types = list(VisitType.objects.filter(unit=unit, is_active=True))
    visit_type = next(
        (v for v in visit_types if v.pk == _int(request.GET.get("visit_type"))), booking.visit_type
    )
    if request.method == "POST":
        target = Slot.objects.filter(unit=unit, pk=_int(request.POST.get("slot"))).first()
        new_type = next(
            (v for v in visit_types if v.pk == _int(request.POST.get("visit_type"))), booking.visit_type
        )
        try:
            if target is None:
                raise services.BookingError(_("Välj en ledig tid."))
            booking = services.booking_move(
                booking=booking,
                new_slot=target,
                by_kind=ActorKind.STAFF,
                user=request.user,
                visit_type=new_type,
            )
        except services.BookingError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Bokningen är flyttad till %(when)s.") % {"when": notices.when_text(booking)},
            )
            return redirect(_day_url(unit, _local_day(booking.starts_at)))
    slots = selectors.free_slots(unit, visit_type, first_day=chosen_day, days=1)
    return render(
        request,
        "booking/staff/move.html",
        {
            "booking": booking,
            "unit": unit,
            "patient": booking.patient,
            "visit_types": visit_types,
            "visit_type": visit_type,
            "chosen_day": chosen_day,
            "slots": [s for s in slots if s.pk != booking.slot_id],
        },
    )


@require_http_methods(["GET", "POST"])
@booking_view()
def booking_cancel(request, booking):
    access_log_record(request=request, patient=booking.patient, what=_("Bokning: avboka"))
    form = StaffCancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_cancel(
                booking=booking,
                by_kind=form.cleaned_data["by_kind"],
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.BookingError as error:
            form.add_error(None, error.message)
        else:
            text = _("Bokningen för %(name)s %(when)s är avbokad.") % {
                "name": booking.patient.display_name,
                "when": notices.when_text(booking),
            }
            if booking.late_cancellation and notices.booking_fees(booking)["late_cancellation"]:
                messages.warning(request, text + " " + _("Sen avbokning: den går vidare till fakturering."))
            else:
                messages.success(request, text)
            return redirect(_day_url(booking.unit, _local_day(booking.starts_at)))
    return render(
        request,
        "booking/staff/cancel.html",
        {
            "booking": booking,
            "unit": booking.unit,
            "patient": booking.patient,
            "form": form,
            "late": booking.is_late_to_cancel(),
            "late_fee": notices.booking_fees(booking)["late_cancellation"],
        },
    )


@require_POST
@booking_view()
def booking_check_in(request, booking):
    try:
        services.booking_check_in(booking=booking, user=request.user)
    except services.BookingError as error:
        return _refusal(request, error, _day_url(booking.unit, _local_day(booking.starts_at)))
    booking.refresh_from_db()
    access_log_record(request=request, patient=booking.patient, what=_("Incheckning"))
    if request.user.has_right(Right.JOURNAL_READ):
        target = _visit_url(booking)
        messages.success(
            request,
            _("%(name)s är incheckad. Vaccinationsbesöket är öppnat.")
            % {"name": booking.patient.display_name},
        )
    else:
        target = _day_url(booking.unit, _local_day(booking.starts_at))
        messages.success(request, _("%(name)s är incheckad.") % {"name": booking.patient.display_name})
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


@require_POST
@booking_view()
def booking_no_show(request, booking):
    day_url = _day_url(booking.unit, _local_day(booking.starts_at))
    try:
        booking = services.booking_mark_no_show(booking=booking, user=request.user)
    except services.BookingError as error:
        return _refusal(request, error, day_url)
    access_log_record(request=request, patient=booking.patient, what=_("Bokning: utebliven"))
    if request.htmx:
        return _row_response(request, booking)
    messages.success(
        request, _("%(name)s är markerad som utebliven.") % {"name": booking.patient.display_name}
    )
    return redirect(request.POST.get("next") or day_url)


def _decorate(booking, signals, today=None) -> None:
    booking.signals = signals.get(booking.patient_id, [])
    booking.age = booking.patient.age()
    booking.is_today = _local_day(booking.starts_at) == (today or timezone.localdate())
    if booking.status == Booking.Status.CHECKED_IN:
        booking.visit_url = _visit_url(booking)


def _signal_template() -> str:
    # The journal's own badges for attention signals (R13) once it has them, ours until then.
    return select_template(["journal/_signal_badges.html", "booking/staff/_signals.html"]).template.name


def _row_links(unit) -> dict:
    # Built once per page instead of reversing four URLs on each of hundreds of rows.
    return {
        "signal_template": _signal_template(),
        "booking_prefix": reverse("booking:booking", args=[0])[: -len("0/")],
        "book_url": reverse("booking:book", args=[unit.pk]),
        "protected_label": _("Skyddad identitet"),
    }


def _row_response(request, booking):
    show_signals = request.user.has_right(Right.JOURNAL_READ)
    signals = selectors.signals_by_patient([booking.patient_id]) if show_signals else {}
    _decorate(booking, signals)
    return render(
        request,
        "booking/staff/day.html#booking_row",
        {
            "booking": booking,
            "slot": booking.slot,
            "first": True,
            "unit": booking.unit,
            "signals": signals,
            "show_signals": show_signals,
            "now": timezone.now(),
            "today": timezone.localdate(),
            **_row_links(booking.unit),
        },
    )


@require_http_methods(["GET", "POST"])
@booking_view()
def booking_undo_no_show(request, booking):
    access_log_record(request=request, patient=booking.patient, what=_("Bokning: ångra uteblivet"))
    form = UndoNoShowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_undo_no_show(
                booking=booking, user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.BookingError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Uteblivet är ångrat för %(name)s. Skälet är sparat.")
                % {"name": booking.patient.display_name},
            )
            return redirect("booking:booking", booking_id=booking.pk)
    return render(
        request,
        "booking/staff/undo_no_show.html",
        {"booking": booking, "unit": booking.unit, "patient": booking.patient, "form": form},
    )


# --- Lists -------------------------------------------------------------------------------------------


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def affected(request, unit):
    bookings = list(selectors.affected_bookings(unit))
    access_log_record_many(
        request=request, patients=[b.patient for b in bookings], what=_("Tidbok: bokningar att hantera")
    )
    return render(request, "booking/staff/affected.html", {"unit": unit, "bookings": bookings})


@require_GET
def billing_facts_home(request):
    unit = request.unit
    if unit is None or not unit.has_timebook:
        return _no_timebook(request, unit)
    return redirect("booking:billing_facts", unit_id=unit.pk)


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def billing_facts(request, unit):
    """R8, R9: the unit's no-shows and late cancellations of one day, as the billing jobs will see them."""
    day = _parse_day(request.GET.get("dag")) or timezone.localdate()
    late = list(selectors.late_cancellations(unit=unit, day=day))
    absent = list(selectors.no_shows(unit=unit, day=day))
    undone = list(
        Booking.objects.filter(unit=unit, no_show_undone_at__isnull=False)
        .filter(starts_at__date=day)
        .select_related("patient", "visit_type", "no_show_undone_by")
    )
    access_log_record_many(
        request=request,
        patients=[b.patient for b in late + absent + undone],
        what=_("Uteblivna och sena avbokningar"),
    )
    return render(
        request,
        "booking/staff/billing_facts.html",
        {
            "unit": unit,
            "day": day,
            "prev_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "late": late,
            "absent": absent,
            "undone": undone,
        },
    )


# --- Setting up the timebook ----------------------------------------------------------------------


@require_GET
def setup_home(request):
    unit = request.unit
    if unit is None or not unit.has_timebook:
        return _no_timebook(request, unit)
    return redirect("booking:setup", unit_id=unit.pk)


@require_GET
@unit_view(Right.TIMEBOOK_MANAGE)
def setup(request, unit):
    today = timezone.localdate()
    context = {
        "unit": unit,
        "visit_types": VisitType.objects.filter(unit=unit).prefetch_related("vaccines"),
        "schedules": Schedule.objects.filter(unit=unit).prefetch_related("hours", "visit_types"),
        "exceptions": ScheduleException.objects.filter(unit=unit, day__gte=today).select_related("schedule"),
        "affected_count": selectors.affected_bookings(unit).count(),
        "open_until": Slot.objects.filter(unit=unit)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first(),
    }
    return render(request, "booking/staff/setup.html", context)


def _after_sync(request, result) -> None:
    if result.affected:
        messages.warning(
            request,
            _(
                "%(n)s bokningar ligger nu på stängda eller överfulla tider. Inget är avbokat: hantera dem i listan ”Att hantera”."
            )
            % {"n": len(result.affected)},
        )


@require_http_methods(["GET", "POST"])
@unit_view(Right.TIMEBOOK_MANAGE)
def visit_type_create(request, unit):
    return _visit_type_form(request, unit, VisitType(unit=unit))


@require_http_methods(["GET", "POST"])
def visit_type_edit(request, visit_type_id):
    visit_type = _owned_in_unit_view(VisitType, request, Right.TIMEBOOK_MANAGE, pk=visit_type_id)
    return _visit_type_form(request, visit_type.unit, visit_type)


def _visit_type_form(request, unit, visit_type):
    form = VisitTypeForm(request.POST or None, instance=visit_type, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "vaccines"}
        services.visit_type_save(visit_type=visit_type, data=data, vaccines=form.cleaned_data["vaccines"])
        messages.success(request, _("Besökstypen %(name)s är sparad.") % {"name": visit_type.name})
        return redirect("booking:setup", unit_id=unit.pk)
    return render(
        request, "booking/staff/visit_type_form.html", {"unit": unit, "form": form, "visit_type": visit_type}
    )


@require_http_methods(["GET", "POST"])
@unit_view(Right.TIMEBOOK_MANAGE)
def schedule_create(request, unit):
    return _schedule_form(request, unit, Schedule(unit=unit, valid_from=timezone.localdate()))


@require_http_methods(["GET", "POST"])
def schedule_edit(request, schedule_id):
    schedule = _owned_in_unit_view(Schedule, request, Right.TIMEBOOK_MANAGE, pk=schedule_id)
    return _schedule_form(request, schedule.unit, schedule)


def _schedule_form(request, unit, schedule):
    form = ScheduleForm(request.POST or None, instance=schedule, unit=unit)
    if request.method == "POST" and form.is_valid():
        data = {
            k: form.cleaned_data[k]
            for k in ("name", "slot_minutes", "capacity", "valid_from", "valid_until", "is_active")
        }
        result = services.schedule_save(
            schedule=schedule,
            data=data,
            visit_types=form.cleaned_data["visit_types"],
            hours=form.cleaned_data["hours"],
        )
        messages.success(
            request,
            _("Schemat %(name)s är sparat: %(created)s nya tider, %(removed)s borttagna.")
            % {"name": schedule.name, "created": result.created, "removed": result.removed + result.closed},
        )
        _after_sync(request, result)
        return redirect("booking:setup", unit_id=unit.pk)
    return render(
        request, "booking/staff/schedule_form.html", {"unit": unit, "form": form, "schedule": schedule}
    )


@require_http_methods(["GET", "POST"])
@unit_view(Right.TIMEBOOK_MANAGE)
def exception_create(request, unit):
    form = ScheduleExceptionForm(request.POST or None, unit=unit, initial={"kind": "closed"})
    if request.method == "POST" and form.is_valid():
        exception, result = services.schedule_exception_add(unit=unit, data=form.cleaned_data)
        messages.success(request, _("Undantaget %(what)s är sparat.") % {"what": exception})
        _after_sync(request, result)
        return redirect("booking:setup", unit_id=unit.pk)
    return render(request, "booking/staff/exception_form.html", {"unit": unit, "form": form})


@require_POST
def exception_remove(request, exception_id):
    exception = _owned_in_unit_view(ScheduleException, request, Right.TIMEBOOK_MANAGE, pk=exception_id)
    unit = exception.unit
    result = services.schedule_exception_remove(exception=exception)
    messages.success(request, _("Undantaget är borttaget."))
    _after_sync(request, result)
    return redirect("booking:setup", unit_id=unit.pk)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _parse_day(value):
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
