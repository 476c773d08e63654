from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MittVaccinConfig(AppConfig):
    name = "mittvaccin"
    verbose_name = "MittVaccin"

    def ready(self):
        from mittvaccin import auth  # noqa: F401  (connects the login-time signal)
        from mittvaccin.accounts import connect_signals
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right

        register(
            NavItem(_("Start"), "home", order=0),
            NavItem(_("Enheter"), "units", right=Right.CAREGIVER_ADMINISTER, order=80),
            NavItem(_("Personal"), "staff", right=Right.CAREGIVER_ADMINISTER, order=81),
            NavItem(_("Mitt konto"), "account", order=99),
        )
        connect_signals()
