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
    # Where staff sign in with a password (no e-identification for the account), the caregiver may
    # ask for a second factor too (TOTP, with recovery codes).
    require_second_factor = models.BooleanField(
        _("kräv tvåstegsverifiering vid lösenordsinloggning"), default=False
    )

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
        constraints = [
            # What a row of another table refers to when it must be at a unit of its own caregiver
            # (billing's charge_unit_caregiver_fk): one key checks both, and that they belong together.
            models.UniqueConstraint(fields=["id", "caregiver"], name="unit_id_caregiver_key"),
        ]

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
    # The person's HSA-id (from the SITHS card): how sign-in with e-identification finds the account.
    hsa_id = models.CharField(_("HSA-id"), max_length=40, blank=True)
    # Set when someone else chose the password (a new account, a reset): the next sign-in asks for a new one.
    must_change_password = models.BooleanField(_("måste byta lösenord"), default=False)

    # The installation-level right to change the national vaccine catalogue: above every caregiver, so
    # no caregiver's administrator can grant it (only `manage.py catalogue_maintainer` or another
    # maintainer, each change kept as a CatalogueMaintainerChange row).
    is_catalogue_maintainer = models.BooleanField(_("förvaltar vaccinkatalogen"), default=False)

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
            # One account per person and caregiver (R4): the HSA-id finds exactly one.
            models.UniqueConstraint(
                fields=["caregiver", "hsa_id"],
                condition=~models.Q(hsa_id=""),
                name="user_hsa_id_unique_per_caregiver",
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

    The reader is exactly one of: a staff `user`; for the FHIR API (A8), a receiving system (its client
    id and name, kept the same way); or a resident signed in with e-identification (`resident_identity`:
    the patient themself, or a guardian reading for a child). A resident is no staff account.

    The table is partitioned by month on `at` (migration 0005, mittvaccin.partitions): its primary key
    in the database is (id, at); `id` alone is still unique, from one sequence.
    """

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("användare")
    )
    api_client_id = models.BigIntegerField(_("API-klient"), null=True, blank=True)
    api_client_name = models.CharField(_("API-klient"), max_length=255, blank=True)
    resident_identity = models.CharField(_("invånare (personnummer)"), max_length=12, blank=True)
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
            models.Index(fields=["caregiver", "patient_identity", "-at"], name="accesslog_identity_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                # Exactly one reader: a staff account, an API client, or a resident.
                condition=models.Q(user__isnull=False, api_client_id__isnull=True, resident_identity="")
                | models.Q(user__isnull=True, api_client_id__isnull=False, resident_identity="")
                | (models.Q(user__isnull=True, api_client_id__isnull=True) & ~models.Q(resident_identity="")),
                name="accesslog_one_reader",
            ),
        ]
        triggers = [
            append_only("access_log_append_only"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id or self.api_client_name or self.resident_identity} {self.action}"

    @property
    def description(self) -> str:
        """What was read, in the active language (the review and the patient's extract show this)."""
        return describe(self.action, self.params)

    @property
    def reader(self) -> str:
        if self.user_id is None:
            return self.api_client_name
        return self.user.get_full_name() or self.user.username

    @property
    def read_by_api_client(self) -> bool:
        return self.api_client_id is not None

    @property
    def read_by_resident(self) -> bool:
        return bool(self.resident_identity)

    @property
    def read_by_patient_self(self) -> bool:
        return self.resident_identity == self.patient_identity


class SignInEvent(models.Model):
    """What happened at sign-in that someone must be able to review: lockouts, failed second factors,
    refused e-identification, second-factor resets and password changes. Append-only."""

    class Kind(models.TextChoices):
        LOCKED_OUT = "locked_out", _("Kontot spärrat efter för många försök")
        SECOND_FACTOR_FAILED = "second_factor_failed", _("Fel kod i tvåstegsverifiering")
        SECOND_FACTOR_ENROLLED = "second_factor_enrolled", _("Tvåstegsverifiering aktiverad")
        SECOND_FACTOR_RESET = "second_factor_reset", _("Tvåstegsverifiering återställd av administratör")
        RECOVERY_CODE_USED = "recovery_code_used", _("Reservkod använd")
        EID_REFUSED = "eid_refused", _("Inloggning med e-legitimation nekad")
        EID_SIGNED_IN = "eid_signed_in", _("Inloggad med e-legitimation")
        PASSWORD_CHANGED = "password_changed", _("Lösenord bytt")

    at = models.DateTimeField(_("tidpunkt"), default=timezone.now, db_index=True)
    kind = models.CharField(_("händelse"), max_length=32, choices=Kind.choices)
    username = models.CharField(_("användarnamn"), max_length=150, blank=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    caregiver = models.ForeignKey(
        Caregiver, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    client_address = models.GenericIPAddressField(_("klientadress"), null=True, blank=True)
    detail = models.CharField(_("detalj"), max_length=300, blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("inloggningshändelse")
        verbose_name_plural = _("inloggningshändelser")
        ordering = ["-at", "-id"]
        triggers = [
            append_only("sign_in_event_append_only"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.username}"


class OutboundMessage(models.Model):
    """Every e-mail and SMS the product sends, kept for display and for proving what was sent when.

    `patient_id` names the patient the message was about (an id, like the access log: the core does not
    depend on the journal). When a patient becomes protected (R7, A5) the recipient is emptied and
    `recipient_removed_at` set: the fact that the message was sent stays, the address or number does not.

    Also the message's delivery (mittvaccin/messaging.py): a failed delivery is tried again with
    growing pauses up to MAX_ATTEMPTS, then shown to staff as not delivered. At most once: a delivery
    is claimed (pending → sending) by one process at a time, and a claim that never reported back (the
    process died while sending) is not retried but marked failed, since it may have gone out. `key`,
    when given, makes a second request for the same message return the first.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("E-post")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Väntar på nytt försök")
        SENDING = "sending", _("Skickas")
        SENT = "sent", _("Skickat")
        FAILED = "failed", _("Gick inte fram")

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, null=True, related_name="+")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    recipient = models.CharField(max_length=254)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    purpose = models.CharField(max_length=60, blank=True)
    reference = models.CharField(max_length=100, blank=True, db_index=True)
    patient_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    recipient_removed_at = models.DateTimeField(null=True, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    key = models.CharField(max_length=150, null=True, blank=True, unique=True)
    # R7: an address typed for a person with protected identity is kept only until the message is sent.
    forget_recipient = models.BooleanField(default=False)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_removed_at__isnull=True) | models.Q(recipient=""),
                name="outbound_removed_recipient_is_empty",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbound_retry_due_idx",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["caregiver", "status", "-created_at"], name="outbound_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient}: {self.subject or self.body[:40]}"


class CatalogueMaintainerChange(models.Model):
    """An account was made catalogue maintainer, or stopped being one: by whom (none: the command), why."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted = models.BooleanField()
    by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        triggers = [
            append_only("catalogue_maintainer_change_append_only"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {'+' if self.granted else '-'} {self.at:%Y-%m-%d}"


class OutboxTask(models.Model):
    """Work for Celery that a committed change asked for, kept until the broker has taken it.

    Written in the same transaction as the change (mittvaccin/outbox.py), handed to Celery after the
    commit and deleted once the broker took it. A row still here later (Redis was away, the process
    died between commit and hand-over) is handed over again by the beat job `mittvaccin.outbox_flush`.
    Tasks are safe to run twice, so a hand-over that is repeated does no harm.
    """

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    task_name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.task_name}{tuple(self.args)}"
