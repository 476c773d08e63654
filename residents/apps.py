from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    """Residents' own pages ("Mina vaccinationer"), signed in with e-identification.

    Sits after `booking` and before `billing` in the layers: it reads and writes through mittvaccin,
    journal and booking; billing never imports it, and it never needs money.
    """

    name = "residents"
    verbose_name = _("Mina vaccinationer")

    def ready(self):
        from residents import access  # noqa: F401  (names the app's access-log actions for the log review)
