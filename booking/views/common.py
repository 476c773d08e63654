"""What the staff timebook views share: the unit and booking doors (tenancy, right, R5), links, refusals."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking
from mittvaccin.decorators import declare, door_for
from mittvaccin.models import Unit
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


def _no_timebook(request, unit):
    return render(request, "booking/staff/no_timebook.html", {"unit": unit}, status=404)


def _at_current_unit(request, url_for_unit):
    """The menu's way in: the page of the unit the user works at now, or the R5 page when it has no timebook."""
    unit = request.unit
    if unit is None or not unit.has_timebook:
        return _no_timebook(request, unit)
    return redirect(url_for_unit(unit))


def _in_unit(request, unit, door, view, obj, args, kwargs):
    # Tenancy (404) came first, in the lookup; then the right (403), then the unit's timebook (R5).
    door.check(request.user)
    if not unit.has_timebook:
        return _no_timebook(request, unit)
    return view(request, obj, *args, **kwargs)


def unit_view(right: str):
    """For views under a unit id: tenancy (404), the right (403), the unit's timebook (R5, 404 page)."""
    door = door_for(right)

    def decorate(view):
        @wraps(view)
        def wrapper(request, unit_id, *args, **kwargs):
            unit = owned_or_404(Unit.objects.select_related("caregiver"), request, pk=unit_id)
            return _in_unit(request, unit, door, view, unit, args, kwargs)

        return declare(wrapper, door)

    return decorate


def booking_view(right: str = Right.BOOKING_MANAGE):
    """For views under a booking id: the booking passed instead of the id, behind the same checks."""
    door = door_for(right)

    def decorate(view):
        @wraps(view)
        def wrapper(request, booking_id, *args, **kwargs):
            booking = owned_or_404(
                Booking.objects.select_related("unit", "unit__caregiver", "patient", "visit_type", "slot"),
                request,
                pk=booking_id,
            )
            return _in_unit(request, booking.unit, door, view, booking, args, kwargs)

        return declare(wrapper, door)

    return decorate


def unit_object_view(model, parameter: str, right: str):
    """For views under the id of something a unit owns (a visit type, a schedule, an exception)."""
    door = door_for(right)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            obj = owned_or_404(
                model.objects.select_related("unit", "unit__caregiver"), request, pk=kwargs.pop(parameter)
            )
            door.check(request.user)
            if not obj.unit.has_timebook:
                raise Http404
            return view(request, obj, *args, **kwargs)

        return declare(wrapper, door)

    return decorate


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
