"""The residents' pages' kinds of read: the reader is the resident (or a guardian), not staff."""

from django.utils.translation import gettext_lazy as _

from mittvaccin.access_log import AccessAction

OVERVIEW = AccessAction("residents.overview", _("Mina vaccinationer: översikt"))
CERTIFICATE = AccessAction("residents.certificate", _("Mina vaccinationer: vaccinationsintyg (PDF)"))
BOOKING = AccessAction("residents.booking", _("Mina vaccinationer: bokning"))
DECLARATION = AccessAction("residents.declaration", _("Mina vaccinationer: hälsodeklaration före besöket"))
