from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Fakturering")

    def ready(self):
        from billing import (
            access,  # noqa: F401  (names the app's access-log actions for the log review)
            receivers,
        )
        from billing.fee_policy import fee_policy, visit_type_price
        from booking.extensions import (
            BookingAction,
            register_booking_action,
            register_fee_policy,
            register_price_list,
        )
        from journal.extensions import register_dose_form_part
        from journal.signals import vaccination_entered_in_error, vaccination_registered
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right

        # R16: the charge of a dose is made (or withdrawn) inside the journal's own transaction.
        vaccination_registered.connect(
            receivers.on_vaccination_registered, dispatch_uid="billing-dose-charge"
        )
        vaccination_entered_in_error.connect(
            receivers.on_vaccination_entered_in_error, dispatch_uid="billing-dose-withdraw"
        )
        # R10, R18: the price and campaign step inside the journal's dose form.
        register_dose_form_part("billing:dose_price")
        # R8, R9: the booking pages tell residents about fees exactly as the jobs will invoice them.
        register_fee_policy(fee_policy)
        register_price_list(visit_type_price)
        # R9: staff start the late-cancel invoicing by hand from the booking.
        register_booking_action(
            BookingAction(
                label=_("Debitera sen avbokning"),
                url_name="billing:late_cancellation",
                applies=lambda booking: booking.late_cancellation and booking.unit.has_invoicing,
                right=Right.INVOICING_REVIEW,
            )
        )
        register_booking_action(
            # A web booking without e-identification is not invoiced by the nightly job: staff review
            # the no-show and charge it here if the patient did make the booking.
            BookingAction(
                label=_("Granska och debitera uteblivet besök"),
                url_name="billing:late_cancellation",
                applies=lambda booking: (
                    booking.status == "no_show"
                    and booking.made_by_kind == "resident"
                    and not booking.identity_verified
                    and booking.unit.has_invoicing
                ),
                right=Right.INVOICING_REVIEW,
            ),
        )

        register(
            NavItem(
                _("Granska fakturering"),
                "billing:review",
                right=Right.INVOICING_REVIEW,
                order=60,
                active_prefix="/fakturering/granskning/",
                # The review's tabs lead on to job runs and late cancellations.
            ),
            NavItem(
                _("Fakturor"),
                "billing:invoices",
                right=Right.INVOICING_REVIEW,
                order=61,
                active_prefix="/fakturering/fakturor/",
            ),
            NavItem(
                _("Priser"),
                "billing:prices",
                right=Right.CAREGIVER_ADMINISTER,
                order=70,
                active_prefix="/fakturering/priser/",
            ),
            NavItem(
                _("Kampanjer"),
                "billing:campaigns",
                right=Right.CAREGIVER_ADMINISTER,
                order=71,
                active_prefix="/fakturering/kampanjer/",
            ),
        )
