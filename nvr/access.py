"""The register reporting's kinds of read, as the access log names them."""

from django.utils.translation import gettext_lazy as _

from mittvaccin.access_log import AccessAction

PENDING = AccessAction("nvr.pending", _("Vaccinationsregistret: väntande och ej levererade doser"))
PATIENT_DOSES = AccessAction("nvr.patient", _("Vaccinationsregistret: dosernas rapportering"))
