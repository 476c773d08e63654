"""The FHIR API's kinds of read (A8), as the access log names them; the reader is the API client."""

from django.utils.translation import gettext_lazy as _

from mittvaccin.access_log import AccessAction

# `resource` is the FHIR resource type read (Patient, Immunization, AllergyIntolerance, Flag, …).
READ = AccessAction("fhir.read", _("FHIR-läsning: %(resource)s"))
SEARCH = AccessAction("fhir.search", _("FHIR-sökning: %(resource)s"))
