"""What was reported to the national vaccination register (A7), and when it reached it.

A report is one file of one caregiver: its rows are `NvrEntry` rows, one per dose and kind ("new" or
"withdrawal"). The unique key (vaccination, kind) is what makes the reporting exactly-once: a dose is
reported once and withdrawn at most once, however often or concurrently the job runs.
The file, its checksum and its rows never change; only the delivery state moves on.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from mittvaccin.tenancy import CaregiverOwnedQuerySet


class EntryKind(models.TextChoices):
    NEW = "new", _("Ny")
    WITHDRAWAL = "withdrawal", _("Återkallad")


class NvrReport(models.Model):
    caregiver = models.ForeignKey("mittvaccin.Caregiver", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField(_("rapport"))
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    # None when Celery beat built it; the administrator who pressed "send now" otherwise.
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file_name = models.CharField(_("fil"), max_length=120)
    content = models.TextField()
    checksum = models.CharField(_("kontrollsumma (SHA-256)"), max_length=64)
    rows = models.PositiveIntegerField(_("rader"))
    new_rows = models.PositiveIntegerField(_("nya"))
    withdrawn_rows = models.PositiveIntegerField(_("återkallade"))
    delivered_at = models.DateTimeField(_("levererad"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("försök"), default=0)
    last_error = models.TextField(_("senaste fel"), blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rapport till vaccinationsregistret")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["caregiver", "number"], name="nvr_report_number_unique"),
            models.CheckConstraint(
                condition=models.Q(rows=models.F("new_rows") + models.F("withdrawn_rows")),
                name="nvr_report_rows_add_up",
            ),
        ]
        triggers = [
            pgtrigger.Protect(name="nvr_report_no_delete", operation=pgtrigger.Delete),
            pgtrigger.Trigger(
                name="nvr_report_file_unchanged",
                when=pgtrigger.Before,
                operation=pgtrigger.Update,
                func="""
                -- The build writes the file once into its own new row (checksum still empty); after that
                -- the file and its counts are fixed.
                IF (OLD.checksum <> '' AND (NEW.content IS DISTINCT FROM OLD.content
                        OR NEW.checksum IS DISTINCT FROM OLD.checksum OR NEW.rows IS DISTINCT FROM OLD.rows
                        OR NEW.new_rows IS DISTINCT FROM OLD.new_rows
                        OR NEW.withdrawn_rows IS DISTINCT FROM OLD.withdrawn_rows))
                   OR NEW.number IS DISTINCT FROM OLD.number
                   OR NEW.caregiver_id IS DISTINCT FROM OLD.caregiver_id
                   OR NEW.file_name IS DISTINCT FROM OLD.file_name
                   OR NEW.created_at IS DISTINCT FROM OLD.created_at
                   OR (OLD.delivered_at IS NOT NULL AND NEW.delivered_at IS DISTINCT FROM OLD.delivered_at) THEN
                    RAISE EXCEPTION 'nvr report: the file and a delivery are never changed';
                END IF;
                RETURN NEW;
                """,
            ),
        ]

    def __str__(self) -> str:
        return self.file_name

    @property
    def is_delivered(self) -> bool:
        return self.delivered_at is not None


class NvrEntry(models.Model):
    """One row of a report: a dose reported, or a reported dose withdrawn (by its `unique_reference`)."""

    report = models.ForeignKey(NvrReport, on_delete=models.PROTECT, related_name="entries")
    vaccination = models.ForeignKey("journal.Vaccination", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    unique_reference = models.CharField(max_length=80)

    caregiver_lookup = "report__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [
            # A7: exactly once. The register learns of a dose once and of its withdrawal at most once.
            models.UniqueConstraint(fields=["vaccination", "kind"], name="nvr_entry_once_per_dose_and_kind"),
        ]
        triggers = [
            pgtrigger.Protect(name="nvr_entry_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.unique_reference} {self.kind}"


class NvrDelivery(models.Model):
    """One attempt to deliver a report: when, through which transport, and what went wrong."""

    report = models.ForeignKey(NvrReport, on_delete=models.PROTECT, related_name="deliveries")
    at = models.DateTimeField(default=timezone.now)
    transport = models.CharField(max_length=200)
    ok = models.BooleanField()
    error = models.TextField(blank=True)

    caregiver_lookup = "report__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        triggers = [
            pgtrigger.Protect(name="nvr_delivery_append_only", operation=pgtrigger.Update | pgtrigger.Delete)
        ]

    def __str__(self) -> str:
        return f"{self.report_id} {self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else self.error}"
