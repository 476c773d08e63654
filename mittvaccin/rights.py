"""The explicit rights a staff account can hold.

Rights are granted one by one on the account and checked one by one in views and services; a title
(nurse, physician) only chooses the default set when an account is created. Keep this the only list.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Right(models.TextChoices):
    JOURNAL_READ = "journal_read", _("Läsa vaccinationsjournal")
    PATIENT_REGISTER = "patient_register", _("Registrera patienter och ändra deras uppgifter")
    VACCINATION_REGISTER = "vaccination_register", _("Registrera vaccinationer")
    VACCINE_ORDER = "vaccine_order", _("Ordinera vaccin")
    ASSESSMENT_WRITE = "assessment_write", _("Skriva bedömningar")
    BOOKING_MANAGE = "booking_manage", _("Boka, flytta och avboka besök")
    TIMEBOOK_MANAGE = "timebook_manage", _("Lägga upp tidbok")
    INVOICING_REVIEW = "invoicing_review", _("Granska fakturering")
    # Figures of the unit the user works at; with CAREGIVER_ADMINISTER, of the whole caregiver.
    STATISTICS = "statistics", _("Se statistik")
    CAREGIVER_ADMINISTER = "caregiver_administer", _("Administrera vårdgivaren")
    STOCK_MANAGE = "stock_manage", _("Hantera vaccinlager")
    LOT_RECALL = "lot_recall", _("Spåra och kontakta vid batchåterkallelse")


class Profession(models.TextChoices):
    NURSE = "nurse", _("Sjuksköterska")
    PHYSICIAN = "physician", _("Läkare")
    CLINIC_STAFF = "clinic_staff", _("Mottagningspersonal")
    ADMINISTRATOR = "administrator", _("Administratör")


# The default rights of a new account by profession. Changing an account's rights later is explicit.
# Clinic staff get no journal right: they review invoicing without seeing clinical notes.
DEFAULT_RIGHTS: dict[str, list[str]] = {
    Profession.NURSE: [
        Right.JOURNAL_READ,
        Right.PATIENT_REGISTER,
        Right.VACCINATION_REGISTER,
        Right.BOOKING_MANAGE,
        Right.STOCK_MANAGE,
    ],
    Profession.PHYSICIAN: [
        Right.JOURNAL_READ,
        Right.PATIENT_REGISTER,
        Right.VACCINATION_REGISTER,
        Right.VACCINE_ORDER,
        Right.ASSESSMENT_WRITE,
        Right.BOOKING_MANAGE,
        Right.STOCK_MANAGE,
        Right.LOT_RECALL,
    ],
    Profession.CLINIC_STAFF: [
        Right.PATIENT_REGISTER,
        Right.BOOKING_MANAGE,
        Right.TIMEBOOK_MANAGE,
        Right.INVOICING_REVIEW,
        Right.STATISTICS,
    ],
    Profession.ADMINISTRATOR: [
        Right.CAREGIVER_ADMINISTER,
        Right.TIMEBOOK_MANAGE,
        Right.STATISTICS,
    ],
}
