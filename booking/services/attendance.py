"""At the clinic: check-in opens the journal visit; no-show (R8) and its undo."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import ActorKind, Booking, BookingEvent
from booking.services.bookings import _lock_booking
from booking.services.common import BookingError, _event, _now
from journal.services import visit_open


@transaction.atomic
def booking_check_in(*, booking: Booking, user, now=None):
    """The patient has arrived: open the journal visit for vaccination (idempotent). Returns the visit."""

    now = _now(now)
    booking = _lock_booking(booking)
    if booking.status == Booking.Status.CHECKED_IN:
        return booking.visit
    if booking.status not in (Booking.Status.BOOKED, Booking.Status.ATTENDED):
        raise BookingError(
            _("Patienten kan inte checkas in: bokningen är %(status)s.")
            % {"status": booking.get_status_display().lower()}
        )
    if timezone.localtime(booking.starts_at).date() > timezone.localtime(now).date():
        raise BookingError(_("Incheckning görs samma dag som besöket."), code="not_today")
    visit = visit_open(patient=booking.patient, unit=booking.unit, user=user, booking_id=booking.pk)
    booking.status = Booking.Status.CHECKED_IN
    booking.checked_in_at = now
    booking.checked_in_by = user
    booking.visit = visit
    booking.save()
    _event(booking, BookingEvent.Kind.CHECKED_IN, actor_kind=ActorKind.STAFF, user=user, now=now)
    return visit


@transaction.atomic
def booking_mark_no_show(*, booking: Booking, user, now=None) -> Booking:
    """R8: the patient did not come. Only once the booked time has begun, and never twice."""
    now = _now(now)
    booking = _lock_booking(booking)
    if booking.status != Booking.Status.BOOKED:
        raise BookingError(
            _("Bokningen kan inte markeras som utebliven: den är %(status)s.")
            % {"status": booking.get_status_display().lower()}
        )
    if booking.starts_at > now:
        raise BookingError(
            _("Ett besök kan markeras som uteblivet först när tiden har passerat."), code="not_yet"
        )
    if booking.no_show_undone_at is not None:
        raise BookingError(_("Uteblivet har redan ångrats för den här bokningen."))
    booking.status = Booking.Status.NO_SHOW
    booking.no_show_marked_at = now
    booking.no_show_marked_by = user
    booking.save()
    _event(booking, BookingEvent.Kind.NO_SHOW, actor_kind=ActorKind.STAFF, user=user, now=now)
    return booking


@transaction.atomic
def booking_undo_no_show(*, booking: Booking, user, reason: str, now=None) -> Booking:
    """The resident did come after all. The no-show mark, the undo and its reason are all kept."""
    now = _now(now)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise BookingError(_("Skriv varför uteblivet ångras."), code="reason")
    booking = _lock_booking(booking)
    if booking.status != Booking.Status.NO_SHOW:
        raise BookingError(_("Bokningen är inte markerad som utebliven."))
    booking.status = Booking.Status.ATTENDED
    booking.no_show_undone_at = now
    booking.no_show_undone_by = user
    booking.no_show_undo_reason = reason
    booking.save()
    _event(
        booking,
        BookingEvent.Kind.NO_SHOW_UNDONE,
        actor_kind=ActorKind.STAFF,
        user=user,
        detail=reason,
        now=now,
    )
    return booking
