from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MittVaccinConfig(AppConfig):
    name = "mittvaccin"
    verbose_name = "MittVaccin"

    def ready(self):
        from mittvaccin import (
            auth,  # noqa: F401  (connects the login-time signal)
            principal,  # noqa: F401  (drops cached accounts when they change)
        )
        from mittvaccin.accounts import connect_signals
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right

        register(
            NavItem(_("Start"), "home", order=0),
            NavItem(_("Enheter"), "units", right=Right.CAREGIVER_ADMINISTER, order=80),
            NavItem(_("Personal"), "staff", right=Right.CAREGIVER_ADMINISTER, order=81),
            NavItem(_("Meddelanden"), "undelivered_messages", right=Right.BOOKING_MANAGE, order=70),
            NavItem(_("Mitt konto"), "account", order=99),
        )
        connect_signals()
