from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Fakturering")

    def ready(self):
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right

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
