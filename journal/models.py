"""Patients, the vaccine catalogue, visits and the signed journal built on them."""

from datetime import timedelta as dt_timedelta

import pgtrigger
from django.conf import settings as django_settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models.functions import Trim, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journal.identity import IdentityKind, Sex, age_on, format_identity
from mittvaccin.models import Caregiver
from mittvaccin.tenancy import CaregiverOwnedQuerySet
from mittvaccin.triggers import append_only


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
            # Name search is a prefix match on upper-cased names (Django's istartswith: UPPER(x) LIKE 'ABC%').
            # text_pattern_ops lets LIKE use the index whatever the database's collation is.
            models.Index(
                OpClass(Upper("family_name"), name="text_pattern_ops"), name="patient_family_name_idx"
            ),
            models.Index(
                OpClass(Upper("given_names"), name="text_pattern_ops"), name="patient_given_names_idx"
            ),
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

    @property
    def has_postal_address(self) -> bool:
        """Street, postcode and town: what a letter (an invoice) needs to arrive."""
        return bool(self.address.strip() and self.postal_code.strip() and self.city.strip())

    def blank_contact_details(self) -> None:
        self.address = self.postal_code = self.city = self.phone = self.email = ""


class Disease(models.TextChoices):
    """What a vaccine protects against. A combination vaccine lists several (the catalogue's `diseases`)."""

    TBE = "tbe", _("TBE (fästingburen hjärninflammation)")
    HEPATITIS_A = "hepatitis_a", _("Hepatit A")
    HEPATITIS_B = "hepatitis_b", _("Hepatit B")
    INFLUENZA = "influenza", _("Influensa")
    PNEUMOCOCCAL = "pneumococcal", _("Pneumokocker")
    HPV = "hpv", _("HPV")
    MEASLES = "measles", _("Mässling")
    MUMPS = "mumps", _("Påssjuka")
    RUBELLA = "rubella", _("Röda hund")
    VARICELLA = "varicella", _("Vattkoppor")
    HERPES_ZOSTER = "herpes_zoster", _("Bältros")
    DIPHTHERIA = "diphtheria", _("Difteri")
    TETANUS = "tetanus", _("Stelkramp")
    PERTUSSIS = "pertussis", _("Kikhosta")
    POLIO = "polio", _("Polio")
    HIB = "hib", _("Hib")
    ROTAVIRUS = "rotavirus", _("Rotavirus")
    MENINGOCOCCAL = "meningococcal", _("Meningokocker")
    YELLOW_FEVER = "yellow_fever", _("Gula febern")
    JAPANESE_ENCEPHALITIS = "japanese_encephalitis", _("Japansk encefalit")
    RABIES = "rabies", _("Rabies")
    TYPHOID = "typhoid", _("Tyfoid")
    CHOLERA = "cholera", _("Kolera")
    TUBERCULOSIS = "tuberculosis", _("Tuberkulos")
    COVID19 = "covid19", _("Covid-19")
    RSV = "rsv", _("RS-virus")
    MPOX = "mpox", _("Mpox")
    DENGUE = "dengue", _("Dengue")
    CHIKUNGUNYA = "chikungunya", _("Chikungunya")


class NationalProgramme(models.TextChoices):
    """The national programmes whose doses the caregiver must report to the national register (NVR).

    A product is marked with every programme it is used in; the register report reads this marking.
    """

    CHILDHOOD = "childhood", _("Barnvaccinationsprogrammet")
    PNEUMOCOCCAL_RISK = "pneumococcal_risk", _("Pneumokockvaccination för riskgrupper")
    COVID19 = "covid19", _("Covid-19-vaccination")


class VaccineProduct(models.Model):
    """A vaccine product in the national catalogue (same for every caregiver).

    Changed only through `journal.catalogue` (every change is a new VaccineProductVersion, and a dose
    keeps the version it was given under); retired, never deleted: the database refuses DELETE.
    `disease` is the short text shown and used to group a series; `diseases` the coded list.
    """

    name = models.CharField(_("produktnamn"), max_length=120, unique=True)
    npl_id = models.CharField(
        _("NPL-id"), max_length=20, blank=True, help_text=_("Läkemedelsverkets produkt-id (valfritt).")
    )
    disease = models.CharField(_("skydd mot"), max_length=120)
    diseases = ArrayField(
        models.CharField(max_length=30, choices=Disease.choices),
        default=list,
        blank=True,
        verbose_name=_("sjukdomar"),
    )
    national_programmes = ArrayField(
        models.CharField(max_length=30, choices=NationalProgramme.choices),
        default=list,
        blank=True,
        verbose_name=_("nationella program"),
    )
    manufacturer = models.CharField(_("tillverkare"), max_length=120)
    atc_code = models.CharField(_("ATC-kod"), max_length=10, blank=True)
    default_dose_ml = models.DecimalField(_("dos (ml)"), max_digits=4, decimal_places=2, default="0.50")
    is_active = models.BooleanField(_("i sortimentet"), default=True)
    retired_at = models.DateTimeField(_("utgått ur sortimentet"), null=True, blank=True)
    # The schedule: the basic series has `series_doses` doses (intervals in ScheduleStep), then boosters.
    series_doses = models.PositiveSmallIntegerField(_("doser i grundserien"), default=1)
    booster_min_days = models.PositiveIntegerField(_("påfyllnad tidigast (dagar)"), null=True, blank=True)
    booster_days = models.PositiveIntegerField(_("påfyllnad efter (dagar)"), null=True, blank=True)
    # Approved ages (from the product's label); outside them a dose needs a stated reason.
    min_age_days = models.PositiveIntegerField(_("lägsta ålder (dagar)"), null=True, blank=True)
    max_age_years = models.PositiveSmallIntegerField(_("högsta ålder (år)"), null=True, blank=True)
    default_route = models.CharField(_("administrationssätt"), max_length=10, default="im")
    doses_per_vial = models.PositiveSmallIntegerField(_("doser per förpackning"), default=1)
    hours_usable_after_opening = models.PositiveSmallIntegerField(
        _("hållbar efter öppning (timmar)"), null=True, blank=True
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    # The version row of the current values, kept here so that signing a dose needs no extra query.
    current_version = models.ForeignKey(
        "VaccineProductVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("vaccinprodukt")
        verbose_name_plural = _("vaccinprodukter")
        ordering = ["disease", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["npl_id"], condition=~models.Q(npl_id=""), name="vaccine_product_npl_id_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(doses_per_vial__gte=1, series_doses__gte=1),
                name="vaccine_product_counts_positive",
            ),
            models.CheckConstraint(
                # A multi-dose vial is usable only for a stated time after opening.
                condition=models.Q(doses_per_vial=1) | models.Q(hours_usable_after_opening__gte=1),
                name="vaccine_product_multidose_has_hours",
            ),
            models.CheckConstraint(
                condition=models.Q(is_active=True, retired_at__isnull=True)
                | models.Q(is_active=False, retired_at__isnull=False),
                name="vaccine_product_retired_consistent",
            ),
        ]
        triggers = [pgtrigger.Protect(name="vaccine_product_no_delete", operation=pgtrigger.Delete)]

    def __str__(self) -> str:
        return f"{self.name} ({self.disease})"

    @property
    def is_multidose(self) -> bool:
        return self.doses_per_vial > 1


class VaccineProductVersion(models.Model):
    """What a catalogue product said from one change to the next. Append-only.

    `data` holds every catalogue field as written (the schedule included); the columns beside it are
    the ones a dose shows. A dose points at the version it was given under, so a later rename, a new
    NPL-id or a changed programme never changes what earlier doses show.
    """

    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="versions")
    version = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("produktnamn"), max_length=120)
    npl_id = models.CharField(_("NPL-id"), max_length=20, blank=True)
    atc_code = models.CharField(_("ATC-kod"), max_length=10, blank=True)
    disease = models.CharField(_("skydd mot"), max_length=120)
    diseases = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    national_programmes = ArrayField(models.CharField(max_length=30), default=list, blank=True)
    manufacturer = models.CharField(_("tillverkare"), max_length=120)
    data = models.JSONField()
    changed_at = models.DateTimeField(_("ändrad"), default=timezone.now)
    changed_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Where the change came from: the maintainer's screen, a catalogue file, or an installation step.
    source = models.CharField(_("källa"), max_length=20)
    comment = models.CharField(_("kommentar"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("produktversion")
        ordering = ["product", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="vaccine_product_version_unique"),
        ]
        triggers = [append_only("vaccine_product_version_append_only")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class Batch(models.Model):
    """A lot of a product at a caregiver: one batch however many of its units hold it. Never changed.

    The lot number is kept as printed (trimmed, case kept); one lot number names one batch per caregiver
    whatever its case, so a scanned or typed lot finds the same batch. An expired batch is never given.
    How many doses each unit holds is the stock ledger's business (`journal.stock_models`).
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="batches")
    lot_number = models.CharField(_("batchnummer"), max_length=40)
    expiry_date = models.DateField(_("utgångsdatum"))
    created_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batcher")
        ordering = ["product__name", "expiry_date"]
        constraints = [
            models.UniqueConstraint(Upper("lot_number"), "caregiver", name="batch_lot_unique_per_caregiver"),
            models.CheckConstraint(
                condition=~models.Q(lot_number="") & models.Q(lot_number=Trim("lot_number")),
                name="batch_lot_trimmed",
            ),
        ]
        triggers = [append_only("batch_append_only")]

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
    # Found by visit_one_per_booking_and_kind (booking_id first): no index of its own.
    booking_id = models.BigIntegerField(null=True, blank=True)

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("besök")
        verbose_name_plural = _("besök")
        ordering = ["-started_at"]
        constraints = [
            # A visit happens at a unit of the patient's own caregiver; checked in the service too.
            models.UniqueConstraint(fields=["booking_id", "kind"], name="visit_one_per_booking_and_kind"),
            # What the charges' composite foreign key (visit, patient) points at (billing 0006).
            models.UniqueConstraint(fields=["id", "patient"], name="visit_id_patient_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------------------------------
# The journal proper. Every clinical row below is signed when it is inserted and never changes again:
# the database refuses UPDATE and DELETE (pgtrigger.Protect). A correction is a new row that points at
# the row it corrects; an error is a separate "entered in error" row.
# --------------------------------------------------------------------------------------------------


class ScheduleStep(models.Model):
    """Dose `dose_number` of a product's basic series: how long after the previous dose it may and should come.

    Dose 1 has no step. Boosters after the series follow the product's booster interval.
    """

    product = models.ForeignKey(VaccineProduct, on_delete=models.CASCADE, related_name="schedule_steps")
    dose_number = models.PositiveSmallIntegerField(_("dos"))
    min_days = models.PositiveIntegerField(_("minsta intervall (dagar)"))
    recommended_days = models.PositiveIntegerField(_("rekommenderat intervall (dagar)"))

    class Meta:
        verbose_name = _("schemasteg")
        ordering = ["product", "dose_number"]
        constraints = [
            models.UniqueConstraint(fields=["product", "dose_number"], name="schedule_step_unique"),
            models.CheckConstraint(condition=models.Q(dose_number__gte=2), name="schedule_step_from_dose_2"),
            models.CheckConstraint(
                condition=models.Q(recommended_days__gte=models.F("min_days")),
                name="schedule_step_recommended_after_min",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} dos {self.dose_number}"


class Route(models.TextChoices):
    INTRAMUSCULAR = "im", _("Intramuskulärt (i.m.)")
    SUBCUTANEOUS = "sc", _("Subkutant (s.c.)")
    INTRADERMAL = "id", _("Intradermalt (i.d.)")
    ORAL = "oral", _("Peroralt")
    INTRANASAL = "nasal", _("Intranasalt")


class Site(models.TextChoices):
    LEFT_DELTOID = "left_deltoid", _("Vänster överarm (deltoideus)")
    RIGHT_DELTOID = "right_deltoid", _("Höger överarm (deltoideus)")
    LEFT_THIGH = "left_thigh", _("Vänster lår (vastus lateralis)")
    RIGHT_THIGH = "right_thigh", _("Höger lår (vastus lateralis)")
    MOUTH = "mouth", _("Munnen")
    NOSE = "nose", _("Näsan")


class Questionnaire(models.Model):
    """One version of the health-declaration questionnaire. Declarations keep the version they answered."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    title = models.CharField(_("rubrik"), max_length=120)
    # [{"key": "fever", "text": "...", "kind": "yesno"|"text", "flag_if": "yes", "detail": "..."}]
    questions = models.JSONField(_("frågor"))
    introduced_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("frågeformulär")
        ordering = ["-version"]
        triggers = [append_only("questionnaire_append_only")]

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PreVisitDeclaration(models.Model):
    """The health declaration a resident (or their guardian) answered at home before a booked visit (A15).

    Never the journal's declaration itself (R3: that one is recorded by the nurse at the visit); it is
    kept beside it, unchanged. A new answer before the visit is a new row that `supersedes` the old.
    `booking_id` is the booked visit (the booking app points here, not the reverse); the unit is the
    booking's, so the physician's list of that unit shows flagged answers before the visit day.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="previsit_declarations")
    booking_id = models.BigIntegerField(db_index=True)
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("svar"))
    flagged = models.BooleanField(_("behöver bedömas"), default=False)
    # Who answered: the patient themself or a guardian, by the personnummer their e-identification gave.
    answered_by_identity = models.CharField(_("besvarad av (personnummer)"), max_length=12)
    answered_by_guardian = models.BooleanField(_("besvarad av vårdnadshavare"), default=False)
    answered_at = models.DateTimeField(_("besvarad"), default=timezone.now)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hälsodeklaration före besöket")
        verbose_name_plural = _("hälsodeklarationer före besöket")
        ordering = ["-answered_at", "-id"]
        triggers = [append_only("previsit_declaration_append_only")]

    def __str__(self) -> str:
        return f"Hälsodeklaration före besöket {self.answered_at:%Y-%m-%d %H:%M}"

    def answer_rows(self):
        return _answer_rows(self.questionnaire, self.answers)


def _answer_rows(questionnaire, answers):
    """(question, answer, detail, is_flag) for display with the questionnaire that was answered."""
    rows = []
    for question in questionnaire.questions:
        answer = answers.get(question["key"], "")
        detail = answers.get(question["key"] + "_detail", "")
        flag = bool(question.get("flag_if")) and answer == question.get("flag_if")
        rows.append({"question": question, "answer": answer, "detail": detail, "flag": flag})
    return rows


class LocalRegisterCustody(models.Model):
    """The development population register's custody records (who is guardian of which child).

    Production asks the national register; this table is the local stand-in's answer (demo and tests).
    """

    guardian_identity = models.CharField(max_length=12)
    child_identity = models.CharField(max_length=12)
    child_given_names = models.CharField(max_length=100)
    child_family_name = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["guardian_identity", "child_identity"], name="local_custody_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.guardian_identity} → {self.child_identity}"


class HealthDeclaration(models.Model):
    """The health declaration of one visit (R3), signed by whoever recorded it.

    A correction is a new declaration that `supersedes` the old one; the old one stays readable.
    `flagged` is true when any answer needs a physician's assessment before vaccinating.
    `previsit` is the resident's own answers from before the visit that the nurse went through (A15).
    """

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="declarations")
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(_("svar"))
    flagged = models.BooleanField(_("behöver bedömas"), default=False)
    recorded_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(_("signerad av"), max_length=200)
    recorded_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    previsit = models.ForeignKey(
        PreVisitDeclaration, on_delete=models.PROTECT, null=True, blank=True, related_name="recorded_as"
    )

    caregiver_lookup = "visit__patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("hälsodeklaration")
        verbose_name_plural = _("hälsodeklarationer")
        ordering = ["-recorded_at", "-id"]
        triggers = [append_only("health_declaration_append_only")]

    def __str__(self) -> str:
        return f"Hälsodeklaration {self.recorded_at:%Y-%m-%d %H:%M}"

    def answer_rows(self):
        """(question, answer, detail, is_flag) for display with the questionnaire this declaration answered."""
        return _answer_rows(self.questionnaire, self.answers)


class CheckConfirmation(models.Model):
    """R6: the nurse confirmed the five checks for this visit. `shown` records what the screen showed."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="check_confirmations")
    confirmed_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(max_length=200)
    confirmed_at = models.DateTimeField(default=timezone.now)
    shown = models.JSONField()
    # A digest of `shown`: when the journal changes after the checks, the digest no longer matches and
    # the checks must be done again before a dose (a new note or signal is never missed).
    fingerprint = models.CharField(max_length=64)

    caregiver_lookup = "visit__patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("kontroll före vaccination")
        ordering = ["-confirmed_at", "-id"]
        triggers = [append_only("check_confirmation_append_only")]

    def __str__(self) -> str:
        return f"Kontroller {self.confirmed_at:%Y-%m-%d %H:%M} {self.signature}"


class Order(models.Model):
    """An order (ordination, R2) signed by the staff member who made it, with the ordering right.

    Made in advance or at a visit, possibly at another unit of the caregiver than the vaccinating one.
    Doses given against it count it off; it is never edited, only withdrawn by an OrderEnteredInError.
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="orders")
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="+")
    dose_ml = models.DecimalField(_("dos (ml)"), max_digits=4, decimal_places=2)
    doses_total = models.PositiveSmallIntegerField(_("antal doser"))
    schedule = models.CharField(_("schema"), max_length=200, blank=True)
    instructions = models.TextField(_("instruktioner"), blank=True)
    valid_until = models.DateField(_("gäller till"))
    ordered_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(_("ordinerad av"), max_length=200)
    ordered_at = models.DateTimeField(_("ordinerad"), default=timezone.now)
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="orders")

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ordination")
        verbose_name_plural = _("ordinationer")
        ordering = ["-ordered_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(doses_total__gte=1, doses_total__lte=10), name="order_doses_1_to_10"
            ),
            models.CheckConstraint(condition=models.Q(dose_ml__gt=0), name="order_dose_positive"),
        ]
        triggers = [append_only("order_append_only")]

    def __str__(self) -> str:
        return f"{self.product.name} × {self.doses_total}"


class SignedMark(models.Model):
    """A signed statement about an earlier signed row: it was wrong, or is no longer in force.

    The row it marks is never changed (legal record); the mark itself is append-only too.
    """

    reason = models.TextField(_("skäl"))
    by = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signature = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        abstract = True


class OrderEnteredInError(SignedMark):
    """The order was wrong or is withdrawn; it stays readable, but no dose can be given against it."""

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="entered_in_error")

    caregiver_lookup = "order__caregiver"

    class Meta:
        triggers = [append_only("order_error_append_only")]

    def __str__(self) -> str:
        return f"Makulerad {self.at:%Y-%m-%d}: {self.reason}"


class VaccinationStatus(models.TextChoices):
    GIVEN = "given", _("Given")
    NOT_GIVEN = "not_given", _("Ej given")
    GIVEN_ELSEWHERE = "given_elsewhere", _("Given på annat håll")


class NotGivenReason(models.TextChoices):
    DECLINED = "declined", _("Patienten avböjde")
    CONTRAINDICATION = "contraindication", _("Kontraindikation")
    UNWELL = "unwell", _("Patienten var sjuk")
    DID_NOT_COME = "did_not_come", _("Patienten kom inte")


class DoseAmount(models.TextChoices):
    FULL = "full", _("Hel dos")
    PARTIAL = "partial", _("Del av dos")


class Vaccination(models.Model):
    """One dose: given here, not given (with a reason), or given elsewhere earlier (R1).

    Belongs to the caregiver of the staff member who ordered it (R1), is signed on insert and never
    changes; an error is marked by a VaccinationEnteredInError row. A dose given here needs the visit's
    health declaration (R3), the confirmed checks (R6) and an order (R2): constraints and a trigger
    refuse it otherwise, as do an expired batch, a batch of another product, and a future time.
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="vaccinations")
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="vaccinations"
    )
    unit = models.ForeignKey(
        "mittvaccin.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=VaccinationStatus.choices)
    product = models.ForeignKey(
        VaccineProduct, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The catalogue as it stood when the dose was recorded (what the dose shows, whatever changes later).
    product_version = models.ForeignKey(
        VaccineProductVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    product_text = models.CharField(_("vaccin (fritext)"), max_length=200, blank=True)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    lot_number = models.CharField(_("batchnummer"), max_length=40, blank=True)
    batch_expiry = models.DateField(_("utgångsdatum"), null=True, blank=True)
    order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="vaccinations"
    )
    declaration = models.ForeignKey(
        HealthDeclaration, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    check_confirmation = models.ForeignKey(
        CheckConfirmation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    site = models.CharField(_("injektionsställe"), max_length=20, choices=Site.choices, blank=True)
    route = models.CharField(_("administrationssätt"), max_length=10, choices=Route.choices, blank=True)
    dose_ml = models.DecimalField(_("mängd (ml)"), max_digits=4, decimal_places=2, null=True, blank=True)
    dose_amount = models.CharField(_("dos"), max_length=10, choices=DoseAmount.choices, blank=True)
    dose_number = models.PositiveSmallIntegerField(_("dosnummer"), null=True, blank=True)
    ordered_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    prepared_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    given_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(_("signerad av"), max_length=200)
    given_at = models.DateTimeField(_("tidpunkt"))
    recorded_at = models.DateTimeField(_("registrerad"), default=timezone.now)
    next_due_date = models.DateField(_("nästa dos"), null=True, blank=True)
    schedule_deviation = models.TextField(_("avvikelse från schema"), blank=True)
    override_reason = models.TextField(_("skäl att ge ändå"), blank=True)
    not_given_reason = models.CharField(_("skäl"), max_length=20, choices=NotGivenReason.choices, blank=True)
    comment = models.TextField(_("kommentar"), blank=True)
    elsewhere_place = models.CharField(_("var"), max_length=200, blank=True)
    # A double submit of the same form carries the same key: the second one finds the first dose.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("vaccination")
        verbose_name_plural = _("vaccinationer")
        ordering = ["-given_at", "-id"]
        indexes = [models.Index(fields=["patient", "-given_at"], name="vaccination_patient_idx")]
        constraints = [
            models.CheckConstraint(
                # R3, R6, R2: a dose given here has a visit, a declaration, confirmed checks and an order.
                condition=~models.Q(status="given")
                | models.Q(
                    visit__isnull=False,
                    declaration__isnull=False,
                    check_confirmation__isnull=False,
                    order__isnull=False,
                    batch__isnull=False,
                    product__isnull=False,
                    given_by__isnull=False,
                    unit__isnull=False,
                    dose_number__isnull=False,
                )
                & ~models.Q(site="")
                & ~models.Q(route=""),
                name="vaccination_given_is_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="not_given")
                | (~models.Q(not_given_reason="") & models.Q(visit__isnull=False)),
                name="vaccination_not_given_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="given_elsewhere")
                | (models.Q(product__isnull=False) | ~models.Q(product_text="")),
                name="vaccination_elsewhere_names_vaccine",
            ),
            models.CheckConstraint(
                # No time in the future (a few minutes of clock difference between machines allowed).
                condition=models.Q(given_at__lte=models.F("recorded_at") + dt_timedelta(minutes=5)),
                name="vaccination_not_in_future",
            ),
            models.CheckConstraint(
                condition=models.Q(dose_number__isnull=True)
                | models.Q(dose_number__gte=1, dose_number__lte=20),
                name="vaccination_dose_number_range",
            ),
            models.CheckConstraint(
                condition=models.Q(product_version__isnull=True) | models.Q(product__isnull=False),
                name="vaccination_version_needs_product",
            ),
        ]
        triggers = [
            append_only("vaccination_append_only"),
            pgtrigger.Trigger(
                name="vaccination_consistent",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert,
                func="""
                DECLARE
                    b RECORD;
                BEGIN
                    -- R1: the record belongs to the patient's caregiver, which is the orderer's.
                    IF NEW.caregiver_id <> (SELECT caregiver_id FROM journal_patient WHERE id = NEW.patient_id) THEN
                        RAISE EXCEPTION 'vaccination: caregiver is not the patient''s caregiver';
                    END IF;
                    IF NEW.order_id IS NOT NULL AND NEW.caregiver_id <> (
                        SELECT u.caregiver_id FROM journal_order o JOIN mittvaccin_user u ON u.id = o.ordered_by_id
                        WHERE o.id = NEW.order_id AND o.patient_id = NEW.patient_id
                    ) THEN
                        RAISE EXCEPTION 'vaccination: the order is not this patient''s or not of the orderer''s caregiver';
                    END IF;
                    IF NEW.visit_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM journal_visit WHERE id = NEW.visit_id AND patient_id = NEW.patient_id
                    ) THEN
                        RAISE EXCEPTION 'vaccination: visit of another patient';
                    END IF;
                    -- R3 and R6: the declaration and the check confirmation are of this very visit.
                    IF NEW.declaration_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM journal_healthdeclaration WHERE id = NEW.declaration_id AND visit_id = NEW.visit_id
                    ) THEN
                        RAISE EXCEPTION 'vaccination: health declaration of another visit';
                    END IF;
                    IF NEW.check_confirmation_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM journal_checkconfirmation WHERE id = NEW.check_confirmation_id AND visit_id = NEW.visit_id
                    ) THEN
                        RAISE EXCEPTION 'vaccination: check confirmation of another visit';
                    END IF;
                    IF NEW.product_version_id IS NOT NULL AND NEW.product_id IS NOT NULL AND NOT EXISTS (
                        SELECT 1 FROM journal_vaccineproductversion
                        WHERE id = NEW.product_version_id AND product_id = NEW.product_id
                    ) THEN
                        RAISE EXCEPTION 'vaccination: product version of another product';
                    END IF;
                    IF NEW.batch_id IS NOT NULL THEN
                        SELECT product_id, expiry_date, caregiver_id INTO b FROM journal_batch WHERE id = NEW.batch_id;
                        IF b.product_id IS DISTINCT FROM NEW.product_id THEN
                            RAISE EXCEPTION 'vaccination: batch of another product';
                        END IF;
                        IF b.caregiver_id <> NEW.caregiver_id THEN
                            RAISE EXCEPTION 'vaccination: batch of another caregiver';
                        END IF;
                        IF b.expiry_date < (NEW.given_at AT TIME ZONE 'Europe/Stockholm')::date THEN
                            RAISE EXCEPTION 'vaccination: expired batch';
                        END IF;
                    END IF;
                    RETURN NEW;
                END;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vaccine_name} {self.given_at:%Y-%m-%d}"

    @property
    def vaccine_name(self) -> str:
        if self.product_version_id:
            return self.product_version.name
        return self.product.name if self.product_id else self.product_text

    @property
    def vaccine_disease(self) -> str:
        if self.product_version_id:
            return self.product_version.disease
        return self.product.disease if self.product_id else ""

    @property
    def overdue(self) -> bool:
        """The next dose's date has passed: the patient page marks it "passerat"."""
        return self.next_due_date is not None and self.next_due_date < timezone.localdate()


class VaccinationEnteredInError(SignedMark):
    """The dose row was wrong (wrong patient, never given): it stays readable, struck through, with why."""

    vaccination = models.OneToOneField(Vaccination, on_delete=models.PROTECT, related_name="entered_in_error")

    caregiver_lookup = "vaccination__caregiver"

    class Meta:
        triggers = [append_only("vaccination_error_append_only")]

    def __str__(self) -> str:
        return f"Felregistrerad {self.at:%Y-%m-%d}: {self.reason}"


class NoteKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Bedömning före vaccination")
    NOTE = "note", _("Anteckning")


class AssessmentOutcome(models.TextChoices):
    MAY_VACCINATE = "may_vaccinate", _("Vaccination kan ges")
    DO_NOT_VACCINATE = "do_not_vaccinate", _("Vaccination ska inte ges")


class Note(models.Model):
    """A signed journal note (R12). A correction is a new version (`supersedes`); the old text stays.

    `root` is the first version (null on the first version itself), so a note's versions and the
    comments written on any of them are found in one query.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="notes")
    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="notes")
    declaration = models.ForeignKey(
        HealthDeclaration, on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    # A physician's assessment of a resident's answers before the visit day (A15).
    previsit = models.ForeignKey(
        "PreVisitDeclaration", on_delete=models.PROTECT, null=True, blank=True, related_name="assessments"
    )
    kind = models.CharField(_("typ"), max_length=20, choices=NoteKind.choices, default=NoteKind.NOTE)
    outcome = models.CharField(_("bedömning"), max_length=20, choices=AssessmentOutcome.choices, blank=True)
    text = models.TextField(_("text"))
    author = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_role = models.CharField(_("yrke"), max_length=60)
    signature = models.CharField(_("signerad av"), max_length=200)
    signed_at = models.DateTimeField(_("signerad"), default=timezone.now)
    root = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    supersedes = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="superseded_by"
    )
    correction_reason = models.CharField(_("skäl till rättelse"), max_length=300, blank=True)

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("anteckning")
        verbose_name_plural = _("anteckningar")
        ordering = ["-signed_at", "-id"]
        indexes = [models.Index(fields=["patient", "-signed_at"], name="note_patient_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="assessment") | ~models.Q(outcome=""),
                name="note_assessment_has_outcome",
            ),
            models.CheckConstraint(
                condition=(models.Q(root__isnull=True) & models.Q(supersedes__isnull=True))
                | (
                    models.Q(root__isnull=False)
                    & models.Q(supersedes__isnull=False)
                    & ~models.Q(correction_reason="")
                ),
                name="note_version_links",
            ),
        ]
        triggers = [append_only("note_append_only")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.signed_at:%Y-%m-%d %H:%M}"

    @property
    def thread_id(self) -> int:
        return self.root_id or self.pk


class NoteComment(models.Model):
    """A signed comment on a note (R12: comments show with the note)."""

    note = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="comments")
    thread = models.ForeignKey(Note, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("kommentar"))
    author = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signature = models.CharField(max_length=200)
    signed_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "note__patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at", "id"]
        triggers = [append_only("note_comment_append_only")]

    def __str__(self) -> str:
        return f"Kommentar {self.signed_at:%Y-%m-%d %H:%M}"


class SignalKind(models.TextChoices):
    HYPERSENSITIVITY = "hypersensitivity", _("Överkänslighet")
    OTHER = "other", _("Annan uppmärksamhetsinformation")


class Severity(models.TextChoices):
    MILD = "mild", _("Lindrig")
    MODERATE = "moderate", _("Måttlig")
    SEVERE = "severe", _("Allvarlig")
    LIFE_THREATENING = "life_threatening", _("Livshotande")


class RecordedForPatient(models.Model):
    """A signed row about a patient's shared information (a signal, a consent, a block): who recorded it
    and when, the newest first. Append-only (each model names its trigger)."""

    recorded_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-recorded_at", "-id"]


class AttentionSignal(RecordedForPatient):
    """An attention signal (R13): seen in a banner on every patient screen while it is active.

    Inactivated by an AttentionSignalInactivation row; handed to the main health record by a
    SignalDocumented row (the to-do stays open until then).
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="attention_signals")
    kind = models.CharField(_("typ"), max_length=20, choices=SignalKind.choices)
    agent = models.CharField(_("överkänslig mot / gäller"), max_length=200)
    reaction = models.CharField(_("reaktion"), max_length=200, blank=True)
    severity = models.CharField(_("allvarlighetsgrad"), max_length=20, choices=Severity.choices, blank=True)
    occurred_on = models.CharField(_("när (år eller datum)"), max_length=20, blank=True)
    text = models.TextField(_("beskrivning"), blank=True)

    class Meta(RecordedForPatient.Meta):
        verbose_name = _("uppmärksamhetssignal")
        verbose_name_plural = _("uppmärksamhetssignaler")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="hypersensitivity") | ~models.Q(severity=""),
                name="signal_hypersensitivity_has_severity",
            ),
        ]
        triggers = [append_only("attention_signal_append_only")]

    def __str__(self) -> str:
        return self.summary

    @property
    def summary(self) -> str:
        if self.kind == SignalKind.HYPERSENSITIVITY:
            parts = [f"{_('Överkänslighet mot')} {self.agent}"]
            details = ", ".join(p for p in (self.reaction, self.occurred_on) if p)
            if details:
                parts.append(f"({details})")
            return " ".join(parts)
        return self.agent


class AttentionSignalInactivation(SignedMark):
    signal = models.OneToOneField(AttentionSignal, on_delete=models.PROTECT, related_name="inactivation")

    caregiver_lookup = "signal__patient__caregiver"

    class Meta:
        triggers = [append_only("signal_inactivation_append_only")]

    def __str__(self) -> str:
        return f"Inaktiverad {self.at:%Y-%m-%d}"


class SignalDocumented(models.Model):
    """The to-do "document in the main health record" of a signal is done (who, when)."""

    signal = models.OneToOneField(AttentionSignal, on_delete=models.PROTECT, related_name="documented")
    by = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signature = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "signal__patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        triggers = [append_only("signal_documented_append_only")]

    def __str__(self) -> str:
        return f"Dokumenterad {self.at:%Y-%m-%d}"


class SharedRecordConsent(RecordedForPatient):
    """The patient's consent to the shared record (R6), or its withdrawal. The latest row decides."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="shared_consents")
    given = models.BooleanField(_("samtycke"))

    class Meta(RecordedForPatient.Meta):
        triggers = [append_only("shared_consent_append_only")]

    def __str__(self) -> str:
        return f"Samtycke {self.given} {self.recorded_at:%Y-%m-%d}"


class SharedRecordBlock(RecordedForPatient):
    """At the patient's request, a dose (or, without one, the whole record) is hidden from other caregivers.

    Lifted by a newer row with `lifted=True` pointing at the block. Both rows stay.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="shared_blocks")
    vaccination = models.ForeignKey(
        Vaccination, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifts = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="lifted_by"
    )
    reason = models.CharField(_("kommentar"), max_length=300, blank=True)

    class Meta(RecordedForPatient.Meta):
        triggers = [append_only("shared_block_append_only")]

    def __str__(self) -> str:
        return f"Spärr {self.recorded_at:%Y-%m-%d}"


class EmergencyAccess(models.Model):
    """Emergency access (nödåtkomst) to blocked shared-record information: reason given, time-limited, reviewed."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="emergency_accesses")
    user = models.ForeignKey(django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(_("skäl"))
    at = models.DateTimeField(default=timezone.now)
    valid_until = models.DateTimeField()

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        triggers = [append_only("emergency_access_append_only")]

    def __str__(self) -> str:
        return f"Nödåtkomst {self.at:%Y-%m-%d %H:%M}"


class NextDoseReminder(models.Model):
    """The one reminder sent to the patient before a dose's next due date.

    Its existence (one per dose, by the unique key) is what makes the daily job send at most once.
    """

    vaccination = models.OneToOneField(
        Vaccination, on_delete=models.PROTECT, related_name="next_dose_reminder"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    channel = models.CharField(max_length=8)

    caregiver_lookup = "vaccination__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        triggers = [append_only("next_dose_reminder_append_only")]

    def __str__(self) -> str:
        return f"Påminnelse {self.sent_at:%Y-%m-%d} ({self.channel})"


# Protected identity's audit, the development register, nurses' order requests, the stock ledger and
# the lot recall live in their own modules; imported here so Django finds them.
from journal.protection_models import *  # noqa: E402, F403
from journal.recall_models import *  # noqa: E402, F403
from journal.request_models import *  # noqa: E402, F403
from journal.stock_models import *  # noqa: E402, F403
