from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NvrConfig(AppConfig):
    """Reporting to the national vaccination register (A7).

    Sits after journal in the layers: imports mittvaccin and journal, and nothing imports it.
    """

    name = "nvr"
    verbose_name = _("Nationella vaccinationsregistret")

    def ready(self):
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right
        from nvr import access  # noqa: F401  (names the app's access-log actions for the log review)

        register(
            NavItem(
                _("Vaccinationsregistret"),
                "nvr:reports",
                right=Right.CAREGIVER_ADMINISTER,
                order=86,
                active_prefix="/admin/vaccinationsregistret/",
            ),
        )
