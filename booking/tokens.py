"""The resident's private link to a booking: signed, unguessable, expiring when the visit is over.

The token carries the booking reference and the booking's own random key, signed with the project
secret (django.core.signing), so it can neither be guessed nor forged, and a leaked link can be made
worthless by changing the key. It expires at the end of the booked visit (checked against the booking
as it is now, so a moved booking's link follows the new time).
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from booking.models import Booking

SALT = "booking.manage-link"


class LinkInvalid(Exception):
    pass


class LinkExpired(Exception):
    def __init__(self, booking):
        super().__init__("expired")
        self.booking = booking


def make_token(booking: Booking) -> str:
    return signing.dumps({"r": booking.reference, "k": booking.manage_key}, salt=SALT, compress=False)


def manage_path(booking: Booking) -> str:
    return reverse("booking:manage", kwargs={"token": make_token(booking)})


def manage_url(booking: Booking) -> str:
    return settings.PUBLIC_URL + manage_path(booking)


def booking_for_token(token: str, *, now=None, for_update=False) -> Booking:
    """The booking the token names, or LinkInvalid (tampered, unknown) / LinkExpired (visit over)."""
    try:
        payload = signing.loads(token, salt=SALT)
        reference, key = str(payload["r"]), str(payload["k"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid from exc
    bookings = Booking.objects.select_related("unit", "unit__caregiver", "visit_type", "patient")
    if for_update:
        bookings = bookings.select_for_update(of=("self",))
    booking = bookings.filter(reference=reference).first()
    if booking is None or not constant_time_compare(booking.manage_key, key):
        raise LinkInvalid
    if (now or timezone.now()) >= booking.ends_at:
        raise LinkExpired(booking)
    return booking
