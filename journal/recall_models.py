"""Lot recall look-back: who got a lot (or a product at a unit in a period), and the message sent to them.

A `Recall` records who looked back, when, why and how many it found; its `RecallEntry` rows are the
doses it listed, so the export and the message go to exactly the list that was recorded. A
`RecallMessage` is the text the user wrote; each patient's `RecallDelivery` row is claimed before the
message is sent to them, so a send run twice (a double click, a retried job) reaches nobody twice.
All of it is append-only.

Services: `journal.recall`; screens: `journal.views_recall`.
"""

from __future__ import annotations

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journal.models import Batch, Patient, Vaccination, VaccineProduct, append_only
from mittvaccin.models import Caregiver
from mittvaccin.tenancy import CaregiverOwnedQuerySet

__all__ = ["Recall", "RecallDelivery", "RecallEntry", "RecallMessage"]


class Recall(models.Model):
    """One look-back: by product and lot, or by product, unit and period. Who, when, why, how many."""

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    unit = models.ForeignKey(
        "mittvaccin.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period_from = models.DateField(_("från och med"), null=True, blank=True)
    period_to = models.DateField(_("till och med"), null=True, blank=True)
    reason = models.TextField(_("skäl"))
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    patient_count = models.PositiveIntegerField(_("antal patienter"))
    dose_count = models.PositiveIntegerField(_("antal doser"))

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("batchåterkallelse")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(batch__isnull=False)
                | models.Q(unit__isnull=False, period_from__isnull=False, period_to__isnull=False),
                name="recall_by_lot_or_unit_and_period",
            ),
        ]
        triggers = [append_only("recall_append_only")]

    def __str__(self) -> str:
        return f"Återkallelse {self.created_at:%Y-%m-%d}"


class RecallEntry(models.Model):
    """One dose the look-back found (a patient with several doses of the lot has several entries)."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="entries")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    vaccination = models.ForeignKey(Vaccination, on_delete=models.PROTECT, related_name="+")
    # Place in the list as it was made (1, 2, …: by family name, given names, patient, dose time), so a
    # page of a 20,000-dose list is an index range, not a sort of every entry joined to its patient.
    position = models.PositiveIntegerField()

    caregiver_lookup = "recall__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["recall", "vaccination"], name="recall_entry_once_per_dose"),
            models.UniqueConstraint(fields=["recall", "position"], name="recall_entry_one_per_position"),
        ]
        indexes = [models.Index(fields=["recall", "patient"], name="recall_entry_patient_idx")]
        triggers = [append_only("recall_entry_append_only")]

    def __str__(self) -> str:
        return f"{self.recall_id}: {self.vaccination_id}"


class RecallMessage(models.Model):
    """The message written by the user to every patient of a recall (SMS where there is a phone, else e-mail)."""

    recall = models.ForeignKey(Recall, on_delete=models.PROTECT, related_name="messages")
    subject = models.CharField(_("ämne"), max_length=200)
    body = models.TextField(_("meddelande"))
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)
    idempotency_key = models.UUIDField(unique=True)

    caregiver_lookup = "recall__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        triggers = [append_only("recall_message_append_only")]

    def __str__(self) -> str:
        return self.subject


class RecallDelivery(models.Model):
    """The claim that one patient gets one message: inserted before sending, so a second run skips them.

    `channel` is "sms", "email", "forwarding" (protected identity: only the tax agency's forwarding
    route, nothing is sent from here) or "none" (no contact details). `outbound` is the message sent.
    """

    message = models.ForeignKey(RecallMessage, on_delete=models.PROTECT, related_name="deliveries")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=12)
    claimed_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "message__recall__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["message", "patient"], name="recall_delivery_once_per_patient"),
        ]
        triggers = [append_only("recall_delivery_append_only")]

    def __str__(self) -> str:
        return f"{self.message_id} → {self.patient_id} ({self.channel})"
