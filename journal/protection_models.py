"""Protected identity (R7, A5): the audit of markings and liftings, and the development register.

Protection itself is one fact, `Patient.protected_identity`; every page, list, export, PDF, message
and booking reads it. `ProtectionChange` is the append-only history of how the fact came to be what
it is (who, when, why, from which source). `DevelopmentRegisterPerson` is the table the development
stand-in for the population register answers from (`journal.population_register`): it never reads
any caregiver's patients.

Services: `journal.services.protection`.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journal.models import Patient, append_only
from mittvaccin.tenancy import CaregiverOwnedQuerySet

__all__ = ["DevelopmentRegisterPerson", "ProtectionChange"]


class ProtectionChange(models.Model):
    """Protected identity was set on, or lifted from, one patient row. Append-only.

    A marking has a source (the population register's answer, a marking by hand with a reason, or the
    registration form); a lifting always has a reason and the register's answer that the person is no
    longer protected. `removed` says what the marking took away (kinds and counts, never the values).
    `user` is empty when the register's answer arrived without anyone at this caregiver acting (the
    nightly check, a booking on the public pages, a marking made at another caregiver).
    """

    class Action(models.TextChoices):
        MARKED = "marked", _("Markerad som skyddad identitet")
        LIFTED = "lifted", _("Markeringen hävd")

    class Source(models.TextChoices):
        REGISTER = "register", _("folkbokföringens svar")
        MANUAL = "manual", _("markerad för hand")
        REGISTRATION = "registration", _("vid registrering")
        OTHER_CAREGIVER = "other_caregiver", _("markerad hos annan vårdgivare")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="protection_changes")
    action = models.CharField(max_length=8, choices=Action.choices)
    source = models.CharField(max_length=16, choices=Source.choices)
    reason = models.TextField(_("skäl"), blank=True)
    register_answer = models.CharField(_("folkbokföringens svar"), max_length=300, blank=True)
    removed = models.CharField(_("borttaget"), max_length=300, blank=True)
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "patient__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("ändring av skyddad identitet")
        ordering = ["-at", "-id"]
        constraints = [
            # A lifting is a deliberate act: always someone, a reason and the register's answer.
            models.CheckConstraint(
                condition=~models.Q(action="lifted")
                | (models.Q(user__isnull=False) & ~models.Q(reason="") & ~models.Q(register_answer="")),
                name="protection_lift_complete",
            ),
            # A marking by hand says why.
            models.CheckConstraint(
                condition=~models.Q(source="manual") | ~models.Q(reason=""),
                name="protection_manual_has_reason",
            ),
        ]
        triggers = [append_only("protection_change_append_only")]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.at:%Y-%m-%d}"


class DevelopmentRegisterPerson(models.Model):
    """One person as the development stand-in for the population register knows them.

    Development and tests only: `manage.py demo_data` fills it, tests add rows. Production names a
    real register client in MITTVACCIN_POPULATION_REGISTER and this table stays empty.
    """

    identity_number = models.CharField(_("personnummer"), max_length=12, unique=True)
    family_name = models.CharField(_("efternamn"), max_length=100)
    given_names = models.CharField(_("förnamn"), max_length=100)
    protected_identity = models.BooleanField(_("skyddad identitet"), default=False)

    class Meta:
        verbose_name = _("person i utvecklingsregistret")
        ordering = ["identity_number"]

    def __str__(self) -> str:
        return self.identity_number
