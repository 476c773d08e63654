"""Setting up the timebook: visit types, schedules and exceptions."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from booking import selectors, services
from booking.extensions import public_price
from booking.forms import ScheduleExceptionForm, ScheduleForm, VisitTypeForm
from booking.models import Schedule, ScheduleException, Slot, VisitType
from booking.public_holidays import swedish_holidays
from booking.views.common import _at_current_unit, unit_object_view, unit_view
from mittvaccin.decorators import require_right
from mittvaccin.rights import Right


@require_GET
@require_right(Right.TIMEBOOK_MANAGE)
def setup_home(request):
    return _at_current_unit(request, lambda unit: reverse("booking:setup", args=[unit.pk]))


@require_GET
@unit_view(Right.TIMEBOOK_MANAGE)
def setup(request, unit):
    today = timezone.localdate()
    visit_types = list(VisitType.objects.filter(unit=unit).prefetch_related("vaccines"))
    for visit_type in visit_types:
        visit_type.public_price = public_price(visit_type, today)
    context = {
        "unit": unit,
        "visit_types": visit_types,
        "schedules": Schedule.objects.filter(unit=unit).prefetch_related("hours", "visit_types"),
        "exceptions": ScheduleException.objects.filter(unit=unit, day__gte=today)
        .exclude(kind=ScheduleException.Kind.OPEN)
        .select_related("schedule"),
        "holidays": _holidays(unit, today),
        "affected_count": selectors.affected_bookings(unit).count(),
        "open_until": Slot.objects.filter(unit=unit)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first(),
    }
    return render(request, "booking/staff/setup.html", context)


def _holidays(unit, today) -> list[dict]:
    """The public holidays within the booking horizon, and whether the unit has opened each (A6)."""
    last = today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)
    opened = {
        e.day: e
        for e in ScheduleException.objects.filter(
            unit=unit, kind=ScheduleException.Kind.OPEN, day__gte=today, day__lte=last
        )
    }
    return [
        {"day": day, "name": name, "opened": opened.get(day)}
        for day, name in sorted(swedish_holidays(today, last).items())
    ]


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
@unit_object_view(VisitType, "visit_type_id", Right.TIMEBOOK_MANAGE)
def visit_type_edit(request, visit_type):
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
@unit_object_view(Schedule, "schedule_id", Right.TIMEBOOK_MANAGE)
def schedule_edit(request, schedule):
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
@unit_object_view(ScheduleException, "exception_id", Right.TIMEBOOK_MANAGE)
def exception_remove(request, exception):
    unit = exception.unit
    result = services.schedule_exception_remove(exception=exception)
    messages.success(request, _("Undantaget är borttaget."))
    _after_sync(request, result)
    return redirect("booking:setup", unit_id=unit.pk)


@require_POST
@unit_view(Right.TIMEBOOK_MANAGE)
def holiday_open(request, unit, day):
    """Open a public holiday deliberately (A6); "Stäng igen" removes the exception like any other."""
    try:
        result = services.holiday_open(unit=unit, day=day)
    except services.BookingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(day)s är öppen enligt schemat.") % {"day": day.isoformat()})
        _after_sync(request, result)
    return redirect("booking:setup", unit_id=unit.pk)
