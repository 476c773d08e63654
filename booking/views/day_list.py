"""The printable day list of a unit: who is booked when, the visit type, attention-signal markers and
check-in status. No buttons, no free times. As a page with print styles and as a PDF (WeasyPrint)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from booking import access, selectors
from booking.views.common import unit_view
from mittvaccin.access_log import access_log_record
from mittvaccin.pdf import render_pdf
from mittvaccin.rights import Right


def _context(request, unit, day) -> dict:
    view = selectors.day_view(unit, day)
    bookings = [booking for row in view.rows for booking in row.bookings]
    show_signals = request.user.has_right(Right.JOURNAL_READ)
    signals = selectors.signals_by_patient({b.patient_id for b in bookings}) if show_signals else {}
    for booking in bookings:
        booking.signals = signals.get(booking.patient_id, [])
    access_log_record(
        request=request,
        patients=[b.patient for b in bookings],
        action=access.DAY_LIST,
        params={"day": day.isoformat()},
    )
    return {
        "unit": unit,
        "day": day,
        "bookings": bookings,
        "show_signals": show_signals,
        "printed_at": timezone.localtime(),
        "printed_by": request.user,
    }


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def day_list(request, unit, day=None):
    day = day or timezone.localdate()
    return render(request, "booking/staff/day_list.html", _context(request, unit, day))


@require_GET
@unit_view(Right.BOOKING_MANAGE)
def day_list_pdf(request, unit, day=None):
    day = day or timezone.localdate()
    html = render_to_string("booking/staff/day_list_pdf.html", _context(request, unit, day), request=request)
    pdf = render_pdf(html, base_url=str(settings.BASE_DIR))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="dagslista-{unit.slug}-{day.isoformat()}.pdf"'
    response["Cache-Control"] = "no-store"
    return response
