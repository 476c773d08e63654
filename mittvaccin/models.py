"""The core every app stands on: caregivers (the tenants), their units, staff accounts, the access log."""

from django.contrib.auth.models import AbstractUser, UserManager
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mittvaccin.access_actions import describe
from mittvaccin.checksums import organisation_number_is_valid
from mittvaccin.rights import DEFAULT_RIGHTS, Profession, Right
from mittvaccin.tenancy import CaregiverOwnedQuerySet
from mittvaccin.triggers import append_only


def validate_organisation_number(value: str) -> None:
    if not organisation_number_is_valid(value):
        raise ValidationError(_("Ogiltigt organisationsnummer (format NNNNNN-NNNN med kontrollsiffra)."))


class Caregiver(models.Model):
    """A legal health-care provider (vårdgivare): the tenant. Staff are employed at exactly one."""

    name = models.CharField(_("namn"), max_length=200)
    organisation_number = models.CharField(
        _("organisationsnummer"), max_length=11, unique=True, validators=[validate_organisation_number]
    )
    address = models.CharField(_("adress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)

    caregiver_lookup = "self"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("vårdgivare")
        verbose_name_plural = _("vårdgivare")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    VACCINATION_CLINIC = "vaccination_clinic", _("Vaccinationsmottagning")
    HEALTH_CENTRE = "health_centre", _("Vårdcentral")
    OTHER = "other", _("Annan enhet")


class Unit(models.Model):
    """A clinic (enhet/mottagning) of a caregiver where visits and vaccinations happen.

    The three switches decide what the unit may do (R5, R18): timebook and invoicing exist only where
    vaccination is the main activity and the unit has turned them on.
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(_("namn"), max_length=200)
    slug = models.SlugField(
        _("webbadress"), max_length=80, unique=True, help_text=_("Används i adressen till webbokningen.")
    )
    kind = models.CharField(
        _("typ"), max_length=32, choices=UnitKind.choices, default=UnitKind.VACCINATION_CLINIC
    )
    vaccination_main_activity = models.BooleanField(_("vaccination är huvudverksamhet"), default=False)
    timebook_enabled = models.BooleanField(_("tidbok införd"), default=False)
    payment_solution_configured = models.BooleanField(_("betallösning konfigurerad"), default=False)
    address = models.CharField(_("adress"), max_length=200, blank=True)
    postal_code = models.CharField(_("postnummer"), max_length=10, blank=True)
    city = models.CharField(_("ort"), max_length=100, blank=True)
    phone = models.CharField(_("telefon"), max_length=40, blank=True)
    is_active = models.BooleanField(_("aktiv"), default=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("enhet")
        verbose_name_plural = _("enheter")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_timebook(self) -> bool:
        """R5: a timebook and online booking exist only here."""
        return self.is_active and self.vaccination_main_activity and self.timebook_enabled

    @property
    def has_invoicing(self) -> bool:
        """R5 and R18: prices are shown everywhere, but only these units turn them into charges."""
        return self.is_active and self.vaccination_main_activity and self.payment_solution_configured


class StaffManager(UserManager.from_queryset(CaregiverOwnedQuerySet)):
    pass


class User(AbstractUser):
    """A staff account, employed at exactly one caregiver and able to log in only there (R4).

    What the account may do is the explicit `rights` list, never its title.
    """

    caregiver = models.ForeignKey(
        Caregiver, on_delete=models.PROTECT, related_name="staff", verbose_name=_("vårdgivare")
    )
    profession = models.CharField(_("yrke"), max_length=32, choices=Profession.choices)
    rights = ArrayField(
        models.CharField(max_length=40, choices=Right.choices),
        default=list,
        blank=True,
        verbose_name=_("behörigheter"),
    )
    default_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("förvald enhet"),
    )

    REQUIRED_FIELDS = ["email", "caregiver", "profession"]
    caregiver_lookup = "caregiver"
    objects = StaffManager()

    class Meta:
        verbose_name = _("användare")
        verbose_name_plural = _("användare")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rights__contained_by=list(Right.values)), name="user_rights_known"
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def has_right(self, right: str) -> bool:
        return self.is_active and right in self.rights

    @property
    def signature(self) -> str:
        """How the account signs journal entries: name and profession."""
        return f"{self.get_full_name() or self.username} ({self.get_profession_display().lower()})"

    def save(self, *args, **kwargs):
        if self._state.adding and not self.rights and self.profession:
            self.rights = [str(r) for r in DEFAULT_RIGHTS.get(self.profession, [])]
        super().save(*args, **kwargs)


class AccessLogEntry(models.Model):
    """One read of a patient's data (journalloggning). Append-only: the database refuses UPDATE and DELETE.

    The patient is kept as id and identity number rather than a foreign key: the core app does not
    depend on the journal app, and a log row must outlive anything else. What was read is a fact, an
    action code with its parameters, put into words only when shown (`description`), in the language of
    whoever reads the log. Rows are written only by `mittvaccin.access_log.access_log_record`.
    """

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+", verbose_name=_("användare"))
    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("enhet")
    )
    patient_id = models.BigIntegerField(_("patient"))
    patient_identity = models.CharField(_("personnummer"), max_length=12)
    patient_protected = models.BooleanField(_("skyddad identitet"), default=False)
    action = models.CharField(_("vad"), max_length=60)
    params = models.JSONField(_("uppgifter"), default=dict, blank=True)
    path = models.CharField(max_length=400, blank=True)
    client_address = models.GenericIPAddressField(_("klientadress"), null=True, blank=True)
    reason = models.TextField(_("skäl"), blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("loggpost")
        verbose_name_plural = _("åtkomstlogg")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["caregiver", "patient_id", "-at"], name="accesslog_patient_idx"),
            models.Index(fields=["caregiver", "user", "-at"], name="accesslog_user_idx"),
        ]
        triggers = [
            append_only("access_log_append_only"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action}"

    @property
    def description(self) -> str:
        """What was read, in the active language (the review and the patient's extract show this)."""
        return describe(self.action, self.params)


class OutboundMessage(models.Model):
    """Every e-mail and SMS the product sends, kept for display and for proving what was sent when."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-post")
        SMS = "sms", _("SMS")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, null=True, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    purpose = models.CharField(max_length=60, blank=True)
    reference = models.CharField(max_length=100, blank=True, db_index=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.subject or self.body[:40]}"
