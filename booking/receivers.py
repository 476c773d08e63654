"""What the timebook does when the journal marks a patient protected (R7, A5)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from booking.models import Booking
from mittvaccin.messaging import message_recipients_forget


def forget_booking_contacts(sender, patient, **kwargs) -> str:
    """Remove the phone and e-mail of every booking of the patient, and where its messages went.

    Every booking, not only the open ones: a past booking's number locates the person as well as a
    future one's. The bookings themselves and their history stay.
    """
    bookings = Booking.objects.filter(patient=patient)
    references = list(bookings.values_list("reference", flat=True))
    changed = bookings.exclude(contact_phone="", contact_email="").update(contact_phone="", contact_email="")
    forgotten = message_recipients_forget(caregiver_ids=[patient.caregiver_id], references=references)
    said = []
    if changed:
        said.append(_("kontaktuppgifter i %(n)s bokningar") % {"n": changed})
    if forgotten:
        said.append(_("mottagare av %(n)s bokningsmeddelanden") % {"n": forgotten})
    return ", ".join(said)
