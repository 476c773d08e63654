"""Stock by lot, per unit: an append-only ledger of movements and the balance it keeps.

Every change of a unit's stock is one `StockMovement` row (a delivery, a dose given, a dose returned by
its correction, waste with a reason, either side of a transfer, a stock-take difference). The row is
never changed. Inserting it moves the `StockBalance` of its unit and batch in the same statement (a
trigger), and that balance can never go below zero: the database refuses the movement, so two nurses
taking the last dose at once, or a stock-take racing a dose, can never leave a negative count. Nothing
but a ledger row changes a balance (a second trigger refuses any other write to the balance table).

Services: `journal.stock`; screens: `journal.views_stock`.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from journal.models import Batch, Vaccination, VaccineProduct, append_only
from mittvaccin.models import Caregiver
from mittvaccin.tenancy import CaregiverOwnedQuerySet

__all__ = [
    "MovementKind",
    "StockBalance",
    "StockMinimum",
    "StockMovement",
    "StockNotice",
    "UnitStockSettings",
    "VialOpening",
    "WasteReason",
]


class MovementKind(models.TextChoices):
    DELIVERY = "delivery", _("Leverans")
    DOSE_GIVEN = "dose_given", _("Dos given")
    DOSE_RETURNED = "dose_returned", _("Dos åter (felregistrerad)")
    WASTE = "waste", _("Kasserad")
    TRANSFER_OUT = "transfer_out", _("Flyttad till annan enhet")
    TRANSFER_IN = "transfer_in", _("Flyttad från annan enhet")
    STOCKTAKE = "stocktake", _("Inventeringsdifferens")


class WasteReason(models.TextChoices):
    BROKEN = "broken", _("Trasig")
    EXPIRED = "expired", _("Utgången")
    COLD_CHAIN = "cold_chain", _("Bruten kylkedja")
    OPENED_VIAL_EXPIRED = "opened_vial_expired", _("Öppnad flerdosförpackning har passerat hållbarheten")
    OTHER = "other", _("Annat")


class VialOpening(models.Model):
    """A multi-dose vial of a lot opened at a unit: usable for the product's hours, then its rest is waste.

    Doses given from it point at it through their ledger rows. The beat job records the rest as waste
    once `usable_until` has passed (one waste row per vial, by a unique constraint).
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    doses = models.PositiveSmallIntegerField(_("doser i förpackningen"))
    opened_at = models.DateTimeField(_("öppnad"), default=timezone.now)
    usable_until = models.DateTimeField(_("hållbar till"))
    opened_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature = models.CharField(max_length=200, blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("öppnad flerdosförpackning")
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["unit", "batch", "-opened_at"], name="vial_unit_batch_idx"),
            models.Index(fields=["usable_until"], name="vial_usable_until_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(doses__gte=2), name="vial_has_several_doses"),
            models.CheckConstraint(
                condition=models.Q(usable_until__gt=models.F("opened_at")), name="vial_usable_after_opening"
            ),
        ]
        triggers = [append_only("vial_opening_append_only")]

    def __str__(self) -> str:
        return f"{self.batch_id} öppnad {self.opened_at:%Y-%m-%d %H:%M}"


class StockMovement(models.Model):
    """One movement of a lot at a unit. Append-only; `quantity` is signed (in doses, never zero).

    A dose takes exactly one `dose_given` row and its correction at most one `dose_returned` row (unique
    per dose and kind). The balance moves in an AFTER trigger, so a row skipped by ON CONFLICT DO NOTHING
    never moves it; the running balance of a lot's ledger is a window sum when shown.
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(_("typ"), max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(_("antal doser"))
    supplier = models.CharField(_("leverantör"), max_length=120, blank=True)
    delivery_note = models.CharField(_("följesedel"), max_length=60, blank=True)
    waste_reason = models.CharField(_("skäl"), max_length=30, choices=WasteReason.choices, blank=True)
    reason = models.CharField(_("kommentar"), max_length=300, blank=True)
    counted = models.IntegerField(_("räknat antal"), null=True, blank=True)
    counterpart_unit = models.ForeignKey(
        "mittvaccin.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transfer_ref = models.UUIDField(null=True, blank=True, db_index=True)
    vaccination = models.ForeignKey(
        Vaccination, on_delete=models.PROTECT, null=True, blank=True, related_name="stock_movements"
    )
    vial = models.ForeignKey(
        VialOpening, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    signature = models.CharField(_("signerad av"), max_length=200, blank=True)
    at = models.DateTimeField(_("tidpunkt"), default=timezone.now)
    # A double submit of the same form carries the same key: the second finds the first movement.
    idempotency_key = models.UUIDField(null=True, blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lagerhändelse")
        verbose_name_plural = _("lagerhändelser")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["unit", "batch", "-at"], name="stock_movement_lot_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(quantity=0), name="stock_movement_not_zero"),
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["delivery", "transfer_in"], quantity__gt=0)
                    | models.Q(kind__in=["waste", "transfer_out"], quantity__lt=0)
                    | models.Q(kind="dose_given", quantity=-1)
                    | models.Q(kind="dose_returned", quantity=1)
                    | models.Q(kind="stocktake")
                ),
                name="stock_movement_sign_by_kind",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="delivery") | ~models.Q(supplier=""),
                name="stock_delivery_has_supplier",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="waste")
                | (~models.Q(waste_reason="") & (~models.Q(waste_reason="other") | ~models.Q(reason=""))),
                name="stock_waste_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="stocktake") | (~models.Q(reason="") & models.Q(counted__gte=0)),
                name="stock_stocktake_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["transfer_in", "transfer_out"])
                | models.Q(counterpart_unit__isnull=False, transfer_ref__isnull=False),
                name="stock_transfer_has_counterpart",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["dose_given", "dose_returned"])
                | models.Q(vaccination__isnull=False),
                name="stock_dose_movement_has_dose",
            ),
            models.UniqueConstraint(
                fields=["vaccination", "kind"],
                condition=models.Q(vaccination__isnull=False),
                name="stock_one_movement_per_dose_and_kind",
            ),
            models.UniqueConstraint(
                fields=["vial"],
                condition=models.Q(waste_reason="opened_vial_expired"),
                name="stock_one_rest_waste_per_vial",
            ),
            models.UniqueConstraint(
                fields=["idempotency_key", "kind"],
                condition=models.Q(idempotency_key__isnull=False),
                name="stock_movement_idempotency",
            ),
        ]
        triggers = [
            append_only("stock_movement_append_only"),
            pgtrigger.Trigger(
                name="stock_movement_moves_balance",
                when=pgtrigger.After,
                operation=pgtrigger.Insert,
                func="""
                BEGIN
                    IF (SELECT caregiver_id FROM mittvaccin_unit WHERE id = NEW.unit_id) IS DISTINCT FROM NEW.caregiver_id
                       OR (SELECT caregiver_id FROM journal_batch WHERE id = NEW.batch_id) IS DISTINCT FROM NEW.caregiver_id
                    THEN
                        RAISE EXCEPTION 'stock: unit, batch and movement belong to different caregivers';
                    END IF;
                    IF NEW.counterpart_unit_id IS NOT NULL
                       AND (SELECT caregiver_id FROM mittvaccin_unit WHERE id = NEW.counterpart_unit_id) IS DISTINCT FROM NEW.caregiver_id
                    THEN
                        RAISE EXCEPTION 'stock: transfer to a unit of another caregiver';
                    END IF;
                    -- The UPDATE locks the balance row: movements of one lot at one unit queue here, and the
                    -- balance's CHECK (>= 0) refuses the movement that would take more than there is. (Not an
                    -- INSERT … ON CONFLICT: its CHECK is tested on the inserted values before the conflict.)
                    UPDATE journal_stockbalance
                       SET balance = balance + NEW.quantity, updated_at = NEW.at
                     WHERE unit_id = NEW.unit_id AND batch_id = NEW.batch_id;
                    IF NOT FOUND THEN
                        BEGIN
                            INSERT INTO journal_stockbalance (caregiver_id, unit_id, batch_id, balance, updated_at)
                            VALUES (NEW.caregiver_id, NEW.unit_id, NEW.batch_id, NEW.quantity, NEW.at);
                        EXCEPTION WHEN unique_violation THEN
                            -- The first movement of this lot at this unit, made at the same moment by another.
                            UPDATE journal_stockbalance
                               SET balance = balance + NEW.quantity, updated_at = NEW.at
                             WHERE unit_id = NEW.unit_id AND batch_id = NEW.batch_id;
                        END;
                    END IF;
                    RETURN NULL;
                END;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.quantity:+d}"

    @property
    def reason_text(self) -> str:
        if self.kind == MovementKind.WASTE:
            label = self.get_waste_reason_display()
            return f"{label}: {self.reason}" if self.reason else label
        return self.reason


class StockBalance(models.Model):
    """How many doses of a batch a unit holds now: the sum of its ledger rows, never below zero.

    Written only by the ledger's trigger; a direct INSERT, UPDATE or DELETE is refused.
    """

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="balances")
    balance = models.IntegerField(_("saldo"))
    updated_at = models.DateTimeField()

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lagersaldo")
        constraints = [
            models.UniqueConstraint(fields=["unit", "batch"], name="stock_balance_unit_batch_unique"),
            models.CheckConstraint(condition=models.Q(balance__gte=0), name="stock_balance_never_negative"),
        ]
        triggers = [
            pgtrigger.Trigger(
                name="stock_balance_only_from_ledger",
                when=pgtrigger.Before,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func="""
                BEGIN
                    -- Depth 1 is a statement of its own; the ledger's trigger writes at depth 2.
                    IF pg_trigger_depth() < 2 THEN
                        RAISE EXCEPTION 'stock balance changes only through a stock movement';
                    END IF;
                    IF TG_OP = 'DELETE' THEN
                        RETURN OLD;
                    END IF;
                    RETURN NEW;
                END;
                """,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.batch_id}: {self.balance}"


class StockMinimum(models.Model):
    """The unit's lowest wanted number of doses of a product; below it the stock page and alert say so."""

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(VaccineProduct, on_delete=models.PROTECT, related_name="+")
    minimum = models.PositiveIntegerField(_("lägsta antal doser"))

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lägsta lagernivå")
        constraints = [
            models.UniqueConstraint(fields=["unit", "product"], name="stock_minimum_unit_product_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} ≥ {self.minimum}"


class UnitStockSettings(models.Model):
    """Where the unit's daily stock alert is also e-mailed (in the app it always shows)."""

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    unit = models.OneToOneField("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    alert_email = models.EmailField(_("e-post för lagervarningar"), blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.alert_email}"


class StockNotice(models.Model):
    """The daily stock alert of a unit: what expires within 30 days and what runs low. One per unit and day."""

    caregiver = models.ForeignKey(Caregiver, on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    # [{"kind": "expired"|"expiring"|"low", "product": name, "lot": lot or "", "expiry": ISO date or "",
    #   "balance": n, "minimum": n or null}]: facts, translated when shown.
    lines = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    emailed_to = models.EmailField(blank=True)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="stock_notice_one_per_unit_and_day")
        ]
        triggers = [append_only("stock_notice_append_only")]

    def __str__(self) -> str:
        return f"Lagervarning {self.day:%Y-%m-%d}"
