from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BookingConfig(AppConfig):
    name = "booking"
    verbose_name = _("Tidbok")

    def ready(self):
        from booking import (
            access,  # noqa: F401  (names the app's access-log actions for the log review)
            public_cache,  # noqa: F401  (its receivers renew the cache on every change)
        )
        from booking.receivers import forget_booking_contacts
        from booking.selectors import has_current_booking
        from journal.extensions import register_care_relationship
        from journal.signals import patient_protected
        from mittvaccin.navigation import NavItem, register

        # A booking at the unit opens the shared record like a visit does (R4, R6).
        register_care_relationship(has_current_booking)
        # R7, A5: a patient marked protected keeps no contact on any booking or message.
        patient_protected.connect(forget_booking_contacts, dispatch_uid="booking_forget_contacts")
        # Residents' answers before the visit reach the physician's list while the booking stands (A15).
        from booking.selectors import booked_times
        from journal.extensions import register_booking_times

        register_booking_times(booked_times)
        from mittvaccin.rights import Right

        register(
            NavItem(
                _("Tidbok"),
                "booking:timebook",
                right=Right.BOOKING_MANAGE,
                unit_check=lambda unit: unit.has_timebook,
                order=20,
                active_prefix="/tidbok/",
            ),
            NavItem(
                _("Uteblivna och sena avbokningar"),
                "booking:billing_facts_home",
                right=Right.BOOKING_MANAGE,
                unit_check=lambda unit: unit.has_timebook,
                order=22,
                active_prefix="/tidbok-avvikelser/",
            ),
            NavItem(
                _("Schema"),
                "booking:setup_home",
                right=Right.TIMEBOOK_MANAGE,
                unit_check=lambda unit: unit.has_timebook,
                order=24,
                active_prefix="/tidbok-schema/",
            ),
        )
