from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FhirApiConfig(AppConfig):
    """The read-only FHIR R4 API for other systems of the region (A8).

    Sits after journal in the layers: imports mittvaccin and journal, and nothing imports it.
    """

    name = "fhirapi"
    verbose_name = _("FHIR-API")

    def ready(self):
        from fhirapi import access  # noqa: F401  (names the app's access-log actions for the log review)
        from mittvaccin.navigation import NavItem, register
        from mittvaccin.rights import Right

        register(
            NavItem(
                _("API-klienter"),
                "fhirapi:clients",
                right=Right.CAREGIVER_ADMINISTER,
                order=87,
                active_prefix="/admin/api-klienter/",
            ),
        )
