"""The timebook of a unit: day and week, and the lists of bookings to handle (R8, R9)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language, ngettext
from django.views.decorators.http import require_GET

from booking import access, day_rows, selectors
from booking.models import Booking
from booking.views.common import _at_current_unit, _day_url, _visit_url, unit_view
from mittvaccin.access_log import access_log_record
from mittvaccin.decorators import require_right
from mittvaccin.parsing import day_or_none
from mittvaccin.rights import Right


@require_GET
@require_right(Right.BOOKING_MANAGE)
def timebook(request):
    return _at_current_unit(request, lambda unit: _day_url(unit, timezone.localdate()))


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
    access_log_record(
        request=request, patients=patients, action=access.TIMEBOOK_DAY, params={"day": day.isoformat()}
    )
    today = timezone.localdate()
    now = timezone.now()
    page = day_rows.row_page(request, now=now, today=today)
    texts = _PageTexts(today)
    for row in view.rows:
        for index, booking in enumerate(row.bookings):
            _decorate(booking, signals, texts)
            booking.row_html = day_rows.booking_row(booking, first=index == 0, page=page)
    book_url = reverse("booking:book", args=[unit.pk])
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
        "affected_count": selectors.affected_count(unit, now=now),
        "day_body": day_rows.day_body(view, page, book_url=book_url),
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


class _PageTexts:
    """What the rows of one page share: the day, the language, and each start time once formatted
    (a day has four bookings or so at each time)."""

    def __init__(self, today=None):
        self.today = today or timezone.localdate()
        self.language = get_language()
        self.times = {}


@lru_cache(maxsize=1024)
def _age_text(language, age) -> str:
    """ "N år" in `language`: the same hundred-odd texts on every day view, translated once per process
    rather than once per age on every page (a tenth of the rows' time, issue 11)."""
    if age is None:
        return ""
    with translation.override(language):
        return ngettext("%(age)s år", "%(age)s år", age) % {"age": age}


def _decorate(booking, signals, texts: _PageTexts) -> None:
    """What a row shows beyond the booking's own fields."""
    booking.signals = signals.get(booking.patient_id, [])
    starts_at = booking.starts_at
    if starts_at not in texts.times:
        local = timezone.localtime(starts_at)
        # Formatted once here rather than by a filter and a {% blocktranslate %} in each of hundreds of rows.
        texts.times[starts_at] = (local.strftime("%H:%M"), local.date() == texts.today)
    booking.time_text, booking.is_today = texts.times[starts_at]
    booking.age = age = booking.patient.age(texts.today)
    booking.age_text = _age_text(texts.language, age)
    if booking.status == Booking.Status.CHECKED_IN:
        booking.visit_url = _visit_url(booking)


def _row_response(request, booking):
    """The booking's row alone, for htmx to swap in after an action on it."""
    page = day_rows.row_page(request)
    signals = selectors.signals_by_patient([booking.patient_id]) if page.show_signals else {}
    _decorate(booking, signals, _PageTexts(page.today))
    return HttpResponse(day_rows.booking_row(booking, first=True, page=page))


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def affected(request, unit):
    bookings = list(selectors.affected_bookings(unit))
    access_log_record(
        request=request, patients=[b.patient for b in bookings], action=access.TIMEBOOK_AFFECTED
    )
    return render(request, "booking/staff/affected.html", {"unit": unit, "bookings": bookings})


@require_GET
@require_right(Right.BOOKING_MANAGE)
def billing_facts_home(request):
    return _at_current_unit(request, lambda unit: reverse("booking:billing_facts", args=[unit.pk]))


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def billing_facts(request, unit):
    """R8, R9: the unit's no-shows and late cancellations of one day, as the billing jobs will see them."""
    day = day_or_none(request.GET.get("dag")) or timezone.localdate()
    late = list(selectors.late_cancellations(unit=unit, day=day))
    absent = list(selectors.no_shows(unit=unit, day=day))
    undone = list(
        Booking.objects.filter(unit=unit, no_show_undone_at__isnull=False)
        .filter(starts_at__date=day)
        .select_related("patient", "visit_type", "no_show_undone_by")
    )
    access_log_record(
        request=request,
        patients=[b.patient for b in late + absent + undone],
        action=access.BILLING_FACTS,
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
