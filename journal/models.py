"""Patients and the vaccine catalogue. The rest of the journal builds on these."""

from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journal.identity import IdentityKind, Sex, age_on, format_identity
from mittvaccin.models import Caregiver
from mittvaccin.tenancy import CaregiverOwnedQuerySet


class Patient(models.Model):
    """A person in one caregiver's vaccination journal.

    Identity is the canonical 12-digit value of its kind (unique per caregiver). A patient with
    protected identity (R7) never has an address, phone or e-mail stored: the database refuses it.
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="patients")
    identity_kind = models.CharField(_("identitetstyp"), max_length=20, choices=IdentityKind.choices)
    identity_number = models.CharField(_("personnummer"), max_length=12)
    reserve_number_region = models.CharField(_("utfärdande region"), max_length=100, blank=True)
    family_name = models.CharField(_("efternamn"), max_length=100)
    given_names = models.CharField(_("förnamn"), max_length=100)
    sex = models.CharField(_("kön"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_date = models.DateField(_("födelsedatum"), null=True, blank=True)
    protected_identity = models.BooleanField(_("skyddad identitet"), default=False)
    address = models.CharField(_("adress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    email = models.EmailField(_("e-post"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patienter")
        ordering = ["family_name", "given_names"]
        constraints = [
            models.UniqueConstraint(
                fields=["caregiver", "identity_kind", "identity_number", "reserve_number_region"],
                name="patient_identity_unique_per_caregiver",
            ),
            models.CheckConstraint(
                condition=models.Q(protected_identity=False)
                | models.Q(address="", postal_code="", city="", phone="", email=""),
                name="patient_protected_has_no_contact",
            ),
            models.CheckConstraint(
                condition=~models.Q(identity_kind=IdentityKind.RESERVNUMMER)
                | ~models.Q(reserve_number_region=""),
                name="patient_reserve_number_has_region",
            ),
        ]
        indexes = [
            models.Index(fields=["identity_number"], name="patient_identity_idx"),
            # Name search is a prefix match on upper-cased names (Django's istartswith).
            models.Index(Upper("family_name"), "caregiver", name="patient_family_name_idx"),
            models.Index(Upper("given_names"), "caregiver", name="patient_given_names_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} {self.identity_display}"

    @property
    def display_name(self) -> str:
        return f"{self.family_name.upper()}, {self.given_names}"

    @property
    def identity_display(self) -> str:
        return format_identity(self.identity_number)

    def age(self, on=None) -> int | None:
        return age_on(self.birth_date, on or timezone.localdate())

    def blank_contact_details(self) -> None:
        self.address = self.postal_code = self.city = self.phone = self.email = ""


class VaccineProduct(models.Model):
    """A vaccine product in the national catalogue (same for every caregiver)."""

    name = models.CharField(_("produktnamn"), max_length=120, unique=True)
    disease = models.CharField(_("skydd mot"), max_length=120)
    manufacturer = models.CharField(_("tillverkare"), max_length=120)
    atc_code = models.CharField(_("ATC-kod"), max_length=10, blank=True)
    default_dose_ml = models.DecimalField(_("dos (ml)"), max_digits=4, decimal_places=2, default="0.50")
    is_active = models.BooleanField(_("i sortimentet"), default=True)

    class Meta:
        verbose_name = _("vaccinprodukt")
        verbose_name_plural = _("vaccinprodukter")
        ordering = ["disease", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.disease})"


class Batch(models.Model):
    """A batch (lot) of a product in a caregiver's stock. An expired batch can never be given."""

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="batches")
    lot_number = models.CharField(_("batchnummer"), max_length=40)
    expiry_date = models.DateField(_("utgångsdatum"))

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batcher")
        ordering = ["product__name", "expiry_date"]
        constraints = [
            models.UniqueConstraint(fields=["caregiver", "product", "lot_number"], name="batch_lot_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.lot_number} (utg. {self.expiry_date:%Y-%m-%d})"

    def is_expired(self, on=None) -> bool:
        return self.expiry_date < (on or timezone.localdate())


class VisitKind(models.TextChoices):
    VACCINATION = "vaccination", _("Vaccinationsbesök")
    # R8 and R9: a visit started only to hold the article of a no-show or late cancellation.
    NO_SHOW = "no_show", _("Uteblivet besök")
    LATE_CANCELLATION = "late_cancellation", _("Sent avbokat besök")


class Visit(models.Model):
    """One occasion at a unit for a patient. Health declarations, checks and doses belong to it.

    `booking_id` is the booking it came from, if any (the booking app points here, not the reverse).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="visits")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="visits")
    kind = models.CharField(_("typ"), max_length=20, choices=VisitKind.choices, default=VisitKind.VACCINATION)
    started_at = models.DateTimeField(_("påbörjat"), default=timezone.now)
    started_by = models.ForeignKey("mittvaccin.User", on_delete=models.PROTECT, null=True, related_name="+")
    booking_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("besök")
        verbose_name_plural = _("besök")
        ordering = ["-started_at"]
        constraints = [
            # A visit happens at a unit of the patient's own caregiver; checked in the service too.
            models.UniqueConstraint(fields=["booking_id", "kind"], name="visit_one_per_booking_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"
