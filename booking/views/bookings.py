"""One booking: details, move, cancel (R9), check-in, no-show (R8) and its undo."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking import access, notices, selectors, services
from booking.extensions import booking_actions_for
from booking.forms import StaffCancelForm, UndoNoShowForm
from booking.models import ActorKind, Booking, Slot, VisitType
from booking.views.common import _day_url, _local_day, _refusal, _visit_url, booking_view
from booking.views.timebook import _row_response
from mittvaccin.access_log import access_log_record
from mittvaccin.parsing import day_or_none, int_or_none
from mittvaccin.redirects import safe_next
from mittvaccin.refusals import refusal_to_form
from mittvaccin.rights import Right


@require_GET
@booking_view()
def booking_detail(request, booking):
    access_log_record(request=request, patient=booking.patient, action=access.BOOKING)
    context = {
        "booking": booking,
        "unit": booking.unit,
        "patient": booking.patient,
        "events": booking.events.select_related("actor"),
        "sent": selectors.messages_for(booking),
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
    access_log_record(request=request, patient=booking.patient, action=access.BOOKING_MOVE)
    unit = booking.unit
    chosen_day = day_or_none(request.GET.get("dag")) or max(
        _local_day(booking.starts_at), timezone.localdate()
    )
    visit_types = list(VisitType.objects.filter(unit=unit, is_active=True))
    visit_type = next(
        (v for v in visit_types if v.pk == int_or_none(request.GET.get("visit_type"))), booking.visit_type
    )
    if request.method == "POST":
        target = Slot.objects.filter(unit=unit, pk=int_or_none(request.POST.get("slot"))).first()
        new_type = next(
            (v for v in visit_types if v.pk == int_or_none(request.POST.get("visit_type"))),
            booking.visit_type,
        )
        try:
            if target is None:
                raise services.BookingError(_("Välj en ledig tid."))
            if not request.POST.get("confirm"):
                return render(
                    request,
                    "booking/staff/move_confirm.html",
                    {
                        "booking": booking,
                        "patient": booking.patient,
                        "target": target,
                        "visit_type": new_type,
                    },
                )
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
    access_log_record(request=request, patient=booking.patient, action=access.BOOKING_CANCEL)
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
            refusal_to_form(form, error)
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
    access_log_record(request=request, patient=booking.patient, action=access.BOOKING_CHECK_IN)
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
    access_log_record(request=request, patient=booking.patient, action=access.BOOKING_NO_SHOW)
    if request.htmx:
        return _row_response(request, booking)
    messages.success(
        request, _("%(name)s är markerad som utebliven.") % {"name": booking.patient.display_name}
    )
    return redirect(safe_next(request, day_url))


@require_http_methods(["GET", "POST"])
@booking_view()
def booking_undo_no_show(request, booking):
    access_log_record(request=request, patient=booking.patient, action=access.BOOKING_UNDO_NO_SHOW)
    form = UndoNoShowForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.booking_undo_no_show(
                booking=booking, user=request.user, reason=form.cleaned_data["reason"]
            )
        except services.BookingError as error:
            refusal_to_form(form, error)
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
