from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Statistics. Sits after billing in the layers (mittvaccin ← journal ← booking ← billing ← reports):
    it reads all of them and nothing imports it. (Not named `statistics`: that is Python's own module.)"""

    name = "reports"
    verbose_name = _("Statistik")

    def ready(self):
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right

        register(
            NavItem(
                _("Statistik"),
                "reports:statistics",
                right=Right.STATISTICS,
                order=80,
                active_prefix="/statistik/",
            )
        )
