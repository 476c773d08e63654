"""What the staff timebook views share: the unit and booking doors (tenancy, right, R5), links, refusals."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from booking.models import Booking
from mittvaccin.models import Unit
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned_or_404


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
