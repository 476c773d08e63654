"""The timebook's kinds of read, as the access log names them (codes stored, sentences shown)."""

from django.utils.translation import gettext_lazy as _

from mittvaccin.access_log import AccessAction

BOOK_PATIENT_CHOSEN = AccessAction("booking.book.patient_chosen", _("Bokning: patient vald"))
BOOK_PATIENT_REGISTERED = AccessAction("booking.book.patient_registered", _("Bokning: patient registrerad"))
BOOKING = AccessAction("booking.booking", _("Bokning"))
BOOKING_MOVE = AccessAction("booking.booking.move", _("Bokning: flytta"))
BOOKING_CANCEL = AccessAction("booking.booking.cancel", _("Bokning: avboka"))
BOOKING_CHECK_IN = AccessAction("booking.booking.check_in", _("Incheckning"))
BOOKING_NO_SHOW = AccessAction("booking.booking.no_show", _("Bokning: utebliven"))
BOOKING_UNDO_NO_SHOW = AccessAction("booking.booking.undo_no_show", _("Bokning: ångra uteblivet"))
# `day` is the ISO date of the day shown.
TIMEBOOK_DAY = AccessAction("booking.timebook.day", _("Tidbok, dag %(day)s"))
TIMEBOOK_AFFECTED = AccessAction("booking.timebook.affected", _("Tidbok: bokningar att hantera"))
BILLING_FACTS = AccessAction("booking.billing_facts", _("Uteblivna och sena avbokningar"))
# `day` is the ISO date of the printed list.
DAY_LIST = AccessAction("booking.day_list", _("Dagslista, %(day)s"))
