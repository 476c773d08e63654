"""Write operations of the timebook: one function per use case, atomic, history written inside.

Locks are always taken in the same order (patient, then slots by id, then the booking) so two
operations never wait for each other in a circle. The database has the last word on capacity and
overlap (see models.py); the checks here exist to give the right message first.

The names are re-exported here so that `from booking import services; services.booking_cancel(...)`
reads the same wherever it is called; new code may import from the topic module.
"""

from booking.services.attendance import booking_check_in, booking_mark_no_show, booking_undo_no_show
from booking.services.bookings import (
    OnlineRequest,
    booking_cancel,
    booking_create,
    booking_create_online,
    booking_move,
)
from booking.services.common import (
    BookingError,
    CallTheClinic,
    PatientBusy,
    SlotFull,
    call_clinic_message,
    minimum_age_message,
)
from booking.services.notifications import (
    booking_confirmation_send,
    booking_confirmation_send_once,
    booking_reminder_send,
    reminder_lead,
    reminders_due,
    reminders_send_due,
)
from booking.services.patients import booking_patient_register
from booking.services.setup import (
    SyncResult,
    holiday_open,
    schedule_exception_add,
    schedule_exception_remove,
    schedule_save,
    timebook_sync,
    visit_type_save,
)

__all__ = [
    "BookingError",
    "CallTheClinic",
    "OnlineRequest",
    "PatientBusy",
    "SlotFull",
    "SyncResult",
    "booking_cancel",
    "booking_check_in",
    "booking_confirmation_send",
    "booking_confirmation_send_once",
    "booking_create",
    "booking_create_online",
    "booking_mark_no_show",
    "booking_move",
    "booking_patient_register",
    "booking_reminder_send",
    "booking_undo_no_show",
    "call_clinic_message",
    "holiday_open",
    "minimum_age_message",
    "reminder_lead",
    "reminders_due",
    "reminders_send_due",
    "schedule_exception_add",
    "schedule_exception_remove",
    "schedule_save",
    "timebook_sync",
    "visit_type_save",
]
