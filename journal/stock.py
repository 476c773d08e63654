"""Stock by lot, per unit: deliveries, doses, waste, transfers, stock-takes, opened vials, and what the pages read.

Every write is one or two ledger rows (journal.stock_models.StockMovement); the database moves the
balance and refuses a balance below zero. The services lock the balance row they check
(`select_for_update`) so that the message a nurse reads ("only 2 doses left") is the truth at that
moment, and a stock-take that races a dose is refused rather than counted against a stale balance.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Sum, Window
from django.utils import timezone
from django.utils.translation import gettext as _

from journal.models import Batch, VaccineProduct
from journal.services.common import JournalError
from journal.stock_models import (
    MovementKind,
    StockBalance,
    StockMinimum,
    StockMovement,
    StockNotice,
    UnitStockSettings,
    VialOpening,
    WasteReason,
)
from mittvaccin.messaging import send_email
from mittvaccin.models import Unit
from mittvaccin.rights import Right

MAX_QUANTITY = 100_000
EXPIRY_WARNING_DAYS = 30
SYSTEM_SIGNATURE = "MittVaccin (automatiskt)"


class StockError(JournalError):
    """A stock refusal the user reads (Swedish `message`, the form `field` it concerns)."""


def _constraint(error: Exception) -> str:
    cause = getattr(error, "__cause__", None)
    diag = getattr(cause, "diag", None)
    return getattr(diag, "constraint_name", None) or ""


def _require(user, unit) -> None:
    if user is None or not user.has_right(Right.STOCK_MANAGE):
        raise StockError(_("Du saknar behörighet att hantera vaccinlagret."))
    if unit is None or unit.caregiver_id != user.caregiver_id or not unit.is_active:
        raise StockError(_("Välj en aktiv enhet hos din vårdgivare."))


def clean_lot(value: str) -> str:
    """A lot number as printed: trimmed, case kept, no control characters."""
    lot = (value or "").strip()
    if not lot:
        raise StockError(_("Ange batchnumret."), field="lot_number")
    if len(lot) > 40:
        raise StockError(_("Batchnumret får vara högst 40 tecken."), field="lot_number")
    if any(ord(c) < 32 or ord(c) == 127 for c in lot):
        raise StockError(_("Batchnumret innehåller otillåtna tecken."), field="lot_number")
    return lot


def _quantity(value, field_name: str = "quantity") -> int:
    if value is None or value < 1:
        raise StockError(_("Antalet doser ska vara minst 1."), field=field_name)
    if value > MAX_QUANTITY:
        raise StockError(
            _("Antalet doser får vara högst %(n)s.") % {"n": f"{MAX_QUANTITY:,}".replace(",", " ")},
            field=field_name,
        )
    return int(value)


def _locked_balance(unit_id: int, batch_id: int) -> int:
    row = (
        StockBalance.objects.select_for_update()
        .filter(unit_id=unit_id, batch_id=batch_id)
        .values_list("balance", flat=True)
        .first()
    )
    return row or 0


def balance_of(unit, batch) -> int:
    return StockBalance.objects.filter(unit=unit, batch=batch).values_list("balance", flat=True).first() or 0


def _insert(movement: StockMovement, *, savepoint: bool = True) -> StockMovement:
    """`savepoint=False` where a refusal ends the caller's transaction anyway (the dose's)."""
    try:
        with transaction.atomic(savepoint=savepoint):
            movement.save(force_insert=True)
    except IntegrityError as error:
        if _constraint(error) == "stock_balance_never_negative":
            raise StockError(
                _(
                    "Saldot räcker inte: lagret kan aldrig bli negativt. Stämmer inte saldot med hyllan? "
                    "Gör en inventering av batchen."
                ),
                field="quantity",
            ) from error
        raise StockError(
            _("Lagerhändelsen kunde inte sparas: uppgifterna hänger inte ihop. Inget sparades.")
        ) from error
    except DatabaseError as error:
        raise StockError(
            _("Lagerhändelsen kunde inte sparas: uppgifterna hänger inte ihop. Inget sparades.")
        ) from error
    return movement


def _by_key(key, kind) -> StockMovement | None:
    if not key:
        return None
    return StockMovement.objects.filter(idempotency_key=key, kind=kind).first()


def _movement(user, unit, batch, kind, quantity, **fields) -> StockMovement:
    return StockMovement(
        caregiver_id=unit.caregiver_id,
        unit=unit,
        batch=batch,
        kind=kind,
        quantity=quantity,
        by=user,
        signature=user.signature if user is not None else SYSTEM_SIGNATURE,
        **fields,
    )


# --- Deliveries ------------------------------------------------------------------------------------------


def _batch_for_delivery(caregiver_id: int, product: VaccineProduct, lot: str, expiry: dt.date) -> Batch:
    """The caregiver's batch of this lot: found whatever case it was typed in, or made now."""
    for _attempt in range(2):
        existing = (
            Batch.objects.filter(caregiver_id=caregiver_id, lot_number__iexact=lot)
            .select_related("product")
            .first()
        )
        if existing is not None:
            if existing.product_id != product.pk:
                raise StockError(
                    _(
                        "Batch %(lot)s finns redan som %(other)s, inte %(product)s. Kontrollera produkt och "
                        "batchnummer."
                    )
                    % {"lot": existing.lot_number, "other": existing.product.name, "product": product.name},
                    field="lot_number",
                )
            if existing.expiry_date != expiry:
                raise StockError(
                    _("Batch %(lot)s har utgångsdatum %(date)s. Kontrollera utgångsdatumet på förpackningen.")
                    % {"lot": existing.lot_number, "date": existing.expiry_date.isoformat()},
                    field="expiry_date",
                )
            return existing
        try:
            with transaction.atomic():
                return Batch.objects.create(
                    caregiver_id=caregiver_id, product=product, lot_number=lot, expiry_date=expiry
                )
        except IntegrityError:
            continue  # the same lot received at another unit at this very moment: read it again
    raise StockError(_("Batchen kunde inte sparas. Försök igen."), field="lot_number")


@transaction.atomic
def delivery_receive(
    *,
    user,
    unit,
    product: VaccineProduct | None,
    lot_number: str,
    expiry_date: dt.date | None,
    quantity: int | None,
    supplier: str,
    delivery_note: str = "",
    idempotency_key=None,
) -> StockMovement:
    """Receive doses of a lot at a unit. The same lot at another unit is the same batch."""
    existing = _by_key(idempotency_key, MovementKind.DELIVERY)
    if existing is not None:
        return existing
    _require(user, unit)
    if product is None:
        raise StockError(_("Välj vaccin."), field="product")
    if not product.is_active:
        raise StockError(
            _("%(name)s har utgått ur sortimentet och tas inte emot.") % {"name": product.name},
            field="product",
        )
    lot = clean_lot(lot_number)
    quantity = _quantity(quantity)
    if expiry_date is None:
        raise StockError(_("Ange utgångsdatum."), field="expiry_date")
    if expiry_date < timezone.localdate():
        raise StockError(
            _("Utgångsdatumet %(date)s har redan passerat. En utgången batch tas inte emot.")
            % {"date": expiry_date.isoformat()},
            field="expiry_date",
        )
    supplier = (supplier or "").strip()
    if not supplier:
        raise StockError(_("Ange leverantör."), field="supplier")
    batch = _batch_for_delivery(unit.caregiver_id, product, lot, expiry_date)
    return _insert(
        _movement(
            user,
            unit,
            batch,
            MovementKind.DELIVERY,
            quantity,
            supplier=supplier[:120],
            delivery_note=(delivery_note or "").strip()[:60],
            idempotency_key=idempotency_key,
        )
    )


# --- Waste, transfer, stock-take -------------------------------------------------------------------------


def _own_batch(user, batch: Batch) -> None:
    if batch is None or batch.caregiver_id != user.caregiver_id:
        raise StockError(_("Batchen finns inte hos vårdgivaren."), field="batch")


def _not_enough(available: int, batch: Batch, unit) -> StockError:
    return StockError(
        _(
            "Det finns %(n)d doser av batch %(lot)s på %(unit)s. Stämmer inte saldot med hyllan? Gör en "
            "inventering av batchen."
        )
        % {"n": available, "lot": batch.lot_number, "unit": unit.name},
        field="quantity",
    )


@transaction.atomic
def waste_record(
    *, user, unit, batch: Batch, quantity: int | None, reason: str, text: str = "", idempotency_key=None
) -> StockMovement:
    """Doses thrown away, with the reason (broken, expired, cold chain, opened vial expired, other with text)."""
    existing = _by_key(idempotency_key, MovementKind.WASTE)
    if existing is not None:
        return existing
    _require(user, unit)
    _own_batch(user, batch)
    quantity = _quantity(quantity)
    if reason not in WasteReason.values:
        raise StockError(_("Välj skälet till kassationen."), field="reason")
    text = (text or "").strip()
    if reason == WasteReason.OTHER and not text:
        raise StockError(_("Beskriv skälet när du väljer Annat."), field="text")
    available = _locked_balance(unit.pk, batch.pk)
    if quantity > available:
        raise _not_enough(available, batch, unit)
    return _insert(
        _movement(
            user, unit, batch, MovementKind.WASTE, -quantity, waste_reason=reason, reason=text[:300],
            idempotency_key=idempotency_key,
        )
    )  # fmt: skip


@transaction.atomic
def transfer_record(
    *, user, from_unit, to_unit, batch: Batch, quantity: int | None, idempotency_key=None
) -> tuple[StockMovement, StockMovement]:
    """Move doses of a lot to another unit of the caregiver: one row at each unit, so both see it."""
    existing = _by_key(idempotency_key, MovementKind.TRANSFER_OUT)
    if existing is not None:
        return existing, StockMovement.objects.get(
            transfer_ref=existing.transfer_ref, kind=MovementKind.TRANSFER_IN
        )
    _require(user, from_unit)
    _own_batch(user, batch)
    quantity = _quantity(quantity)
    if to_unit is None or to_unit.caregiver_id != from_unit.caregiver_id or not to_unit.is_active:
        raise StockError(_("Välj en aktiv enhet hos vårdgivaren att flytta till."), field="to_unit")
    if to_unit.pk == from_unit.pk:
        raise StockError(_("Välj en annan enhet än den du flyttar från."), field="to_unit")
    if batch.is_expired():
        raise StockError(
            _("Batch %(lot)s har gått ut och ska kasseras, inte flyttas.") % {"lot": batch.lot_number},
            field="batch",
        )
    # Both balance rows, always in unit order: two opposite transfers of one lot cannot deadlock.
    list(
        StockBalance.objects.select_for_update()
        .filter(unit_id__in=[from_unit.pk, to_unit.pk], batch=batch)
        .order_by("unit_id")
        .values_list("pk", flat=True)
    )
    available = _locked_balance(from_unit.pk, batch.pk)
    if quantity > available:
        raise _not_enough(available, batch, from_unit)
    ref = uuid.uuid4()
    out = _insert(
        _movement(
            user, from_unit, batch, MovementKind.TRANSFER_OUT, -quantity, counterpart_unit=to_unit,
            transfer_ref=ref, idempotency_key=idempotency_key,
        )
    )  # fmt: skip
    into = _insert(
        _movement(
            user,
            to_unit,
            batch,
            MovementKind.TRANSFER_IN,
            quantity,
            counterpart_unit=from_unit,
            transfer_ref=ref,
        )
    )
    return out, into


@transaction.atomic
def stocktake_record(
    *, user, unit, batch: Batch, counted: int | None, expected: int | None, reason: str
) -> StockMovement | None:
    """The count on the shelf. The difference from the balance the counter saw is a ledger row with a reason.

    Refused, with nothing saved, when the balance moved since the form was shown (a dose was signed
    meanwhile): the count is then compared with a balance the counter never saw. None when it matched.
    """
    _require(user, unit)
    _own_batch(user, batch)
    if counted is None or counted < 0:
        raise StockError(_("Ange hur många doser du räknade (0 eller fler)."), field="counted")
    if counted > MAX_QUANTITY:
        raise StockError(_("Det räknade antalet är orimligt stort."), field="counted")
    current = _locked_balance(unit.pk, batch.pk)
    if expected is not None and expected != current:
        raise StockError(
            _(
                "Saldot har ändrats sedan du började räkna (nu %(now)d doser, förut %(before)d): en dos har "
                "signerats eller en leverans tagits emot. Räkna igen och registrera på nytt."
            )
            % {"now": current, "before": expected},
            field="counted",
        )
    difference = counted - current
    if difference == 0:
        return None
    reason = (reason or "").strip()
    if not reason:
        raise StockError(_("Ange skälet till differensen."), field="reason")
    return _insert(
        _movement(user, unit, batch, MovementKind.STOCKTAKE, difference, counted=counted, reason=reason[:300])
    )


# --- Multi-dose vials --------------------------------------------------------------------------------------


def _open_vial(user, unit, batch: Batch, at: dt.datetime) -> VialOpening:
    product = batch.product
    return VialOpening.objects.create(
        caregiver_id=unit.caregiver_id,
        unit=unit,
        batch=batch,
        doses=product.doses_per_vial,
        opened_at=at,
        usable_until=at + dt.timedelta(hours=product.hours_usable_after_opening or 1),
        opened_by=user,
        signature=user.signature if user is not None else SYSTEM_SIGNATURE,
    )


def _vial_used(vial: VialOpening) -> int:
    used = (
        StockMovement.objects.filter(
            vial=vial, kind__in=[MovementKind.DOSE_GIVEN, MovementKind.DOSE_RETURNED]
        )
        .aggregate(total=Sum("quantity"))
        .get("total")
    )
    return -(used or 0)


def open_vial_with_room(unit, batch: Batch, at: dt.datetime) -> VialOpening | None:
    vial = (
        VialOpening.objects.filter(unit=unit, batch=batch, opened_at__lte=at, usable_until__gt=at)
        .order_by("-opened_at", "-id")
        .first()
    )
    if vial is not None and _vial_used(vial) < vial.doses:
        return vial
    return None


@transaction.atomic
def vial_open(*, user, unit, batch: Batch) -> VialOpening:
    """Record that a multi-dose vial of the lot was opened now (a dose from it also opens one when none is open)."""
    _require(user, unit)
    _own_batch(user, batch)
    if not batch.product.is_multidose:
        raise StockError(
            _("%(name)s är inte en flerdosförpackning.") % {"name": batch.product.name}, field="batch"
        )
    if batch.is_expired():
        raise StockError(_("Batch %(lot)s har gått ut.") % {"lot": batch.lot_number}, field="batch")
    available = _locked_balance(unit.pk, batch.pk)
    if available < 1:
        raise _not_enough(available, batch, unit)
    return _open_vial(user, unit, batch, timezone.now())


# --- The dose's side: one dose out when signed, back when entered in error --------------------------------


def dose_available(*, unit, batch: Batch) -> int:
    """Lock the unit's balance of the lot for the dose being signed; refuse, with how to correct it, at zero.

    A nurse whose shelf holds the dose but whose balance says none is told to correct the balance by a
    stock-take; the dose is never signed against stock that is not there.
    """
    available = _locked_balance(unit.pk, batch.pk)
    if available < 1:
        raise StockError(
            _(
                "Batch %(lot)s finns inte i lagret på %(unit)s enligt saldot. Har du dosen i handen? Rätta saldot "
                "med en inventering (Lager → batchen → Inventering) och signera sedan igen."
            )
            % {"lot": batch.lot_number, "unit": unit.name},
            field="batch",
        )
    return available


def dose_take(*, vaccination, user, checked: bool = False) -> StockMovement:
    """Take the signed dose from its unit's stock of its lot, in the dose's own transaction.

    `checked`: `dose_available` already locked and checked the balance in this transaction.
    """
    unit, batch = vaccination.unit, vaccination.batch
    if not checked:
        dose_available(unit=unit, batch=batch)
    vial = None
    if batch.product.is_multidose:
        at = min(vaccination.given_at, timezone.now())
        vial = open_vial_with_room(unit, batch, at) or _open_vial(user, unit, batch, at)
    # The dose's transaction is undone by any refusal here: no savepoint of its own (two round trips).
    return _insert(
        _movement(user, unit, batch, MovementKind.DOSE_GIVEN, -1, vaccination=vaccination, vial=vial),
        savepoint=False,
    )


def dose_return(*, vaccination, user) -> StockMovement | None:
    """The dose was entered in error: its dose goes back to the stock it was taken from (once)."""
    taken = StockMovement.objects.filter(vaccination=vaccination, kind=MovementKind.DOSE_GIVEN).first()
    if (
        taken is None
        or StockMovement.objects.filter(vaccination=vaccination, kind=MovementKind.DOSE_RETURNED).exists()
    ):
        return None
    unit = taken.unit
    return _insert(
        _movement(
            user,
            unit,
            taken.batch,
            MovementKind.DOSE_RETURNED,
            1,
            vaccination=vaccination,
            vial_id=taken.vial_id,
        )
    )


# --- Beat jobs ------------------------------------------------------------------------------------------------

# One statement per batch of vials: the rest of each vial past its hours becomes one waste row (at most
# what the unit still holds). The balance rows are locked by the SELECT, and the unique index on the
# vial's rest-waste makes a second run (or two at once) insert nothing.
_WASTE_OPENED_VIALS = """
INSERT INTO journal_stockmovement (
    caregiver_id, unit_id, batch_id, kind, quantity, supplier, delivery_note, waste_reason, reason,
    counted, counterpart_unit_id, transfer_ref, vaccination_id, vial_id, by_id, signature, at, idempotency_key
)
SELECT v.caregiver_id, v.unit_id, v.batch_id, 'waste', -LEAST(v.doses - used.n, b.balance), '', '',
       'opened_vial_expired', '', NULL, NULL, NULL, NULL, v.id, NULL, %(signature)s, %(now)s, NULL
FROM journal_vialopening v
JOIN journal_stockbalance b ON b.unit_id = v.unit_id AND b.batch_id = v.batch_id
CROSS JOIN LATERAL (
    SELECT COALESCE(-SUM(m.quantity), 0) AS n FROM journal_stockmovement m
    WHERE m.vial_id = v.id AND m.kind IN ('dose_given', 'dose_returned')
) used
WHERE v.usable_until <= %(now)s AND v.usable_until > %(since)s
  AND v.id > %(after)s
  AND NOT EXISTS (
      SELECT 1 FROM journal_stockmovement w WHERE w.vial_id = v.id AND w.waste_reason = 'opened_vial_expired'
  )
  AND LEAST(v.doses - used.n, b.balance) > 0
ORDER BY v.id
LIMIT %(limit)s
FOR UPDATE OF b
ON CONFLICT (vial_id) WHERE waste_reason = 'opened_vial_expired' DO NOTHING
RETURNING vial_id
"""


def opened_vials_expire(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Record the rest of every opened multi-dose vial past its usable hours as waste. Safe to run twice."""
    now = now or timezone.now()
    since = now - dt.timedelta(days=30)
    wasted = 0
    after = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                _WASTE_OPENED_VIALS,
                {
                    "signature": SYSTEM_SIGNATURE,
                    "now": now,
                    "since": since,
                    "after": after,
                    "limit": batch_size,
                },
            )
            ids = [row[0] for row in cursor.fetchall()]
        wasted += len(ids)
        if len(ids) < batch_size:
            return wasted
        after = max(ids)


# --- What the pages read ----------------------------------------------------------------------------------------


@dataclass
class LotRow:
    batch: LotBatch
    balance: int
    expired: bool
    expiring: bool
    open_vial: VialOpening | None = None
    row_html: str = ""  # set by the stock page's view


class LotBatch(NamedTuple):
    """What the stock page and the daily alert show of a lot's batch: read as values, not as a model,
    since a unit holds hundreds of lots (issue 11)."""

    pk: int
    lot_number: str
    expiry_date: dt.date
    product_id: int


@dataclass
class ProductStock:
    product: VaccineProduct
    lots: list[LotRow] = field(default_factory=list)
    minimum: int | None = None

    @property
    def usable(self) -> int:
        return sum(lot.balance for lot in self.lots if not lot.expired)

    @property
    def below_minimum(self) -> bool:
        return self.minimum is not None and self.usable < self.minimum


def unit_stock(unit, *, today: dt.date | None = None, include_empty: bool = False) -> list[ProductStock]:
    """The unit's stock per product and lot (earliest expiry first), with expiry and minimum flags."""
    today = today or timezone.localdate()
    soon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    # Lots without their product (a unit holds hundreds of lots of a few dozen products): the products
    # are read once below, with those that have a minimum but nothing in stock.
    balances = StockBalance.objects.filter(unit=unit)
    if not include_empty:
        balances = balances.filter(balance__gt=0)
    minimums = dict(StockMinimum.objects.filter(unit=unit).values_list("product_id", "minimum"))
    now = timezone.now()
    open_vials = {
        v.batch_id: v
        for v in VialOpening.objects.filter(unit=unit, usable_until__gt=now, opened_at__lte=now).order_by(
            "opened_at"
        )
    }
    lots: dict[int, list[LotRow]] = {}
    for balance, *values in balances.order_by("batch__expiry_date", "batch__lot_number").values_list(
        "balance", "batch_id", "batch__lot_number", "batch__expiry_date", "batch__product_id"
    ):
        batch = LotBatch(*values)
        lots.setdefault(batch.product_id, []).append(
            LotRow(
                batch=batch,
                balance=balance,
                expired=batch.expiry_date < today,
                expiring=today <= batch.expiry_date <= soon,
                open_vial=open_vials.get(batch.pk),
            )
        )
    # A product with a minimum but nothing in stock is the most urgent line of all.
    missing = {pid for pid, minimum in minimums.items() if pid not in lots and minimum > 0}
    products = (
        [
            ProductStock(product, lots=lots.get(product.pk, []), minimum=minimums.get(product.pk))
            for product in VaccineProduct.objects.filter(pk__in=[*lots, *missing]).order_by("name")
        ]
        if lots or missing
        else []
    )
    return sorted(products, key=lambda p: p.product.name.lower())


def lots_in_stock(unit, product_ids, *, today: dt.date | None = None) -> list[StockBalance]:
    """What the dose form offers: lots at the unit with doses left and not expired, earliest expiry first."""
    if unit is None or not product_ids:
        return []
    today = today or timezone.localdate()
    return list(
        StockBalance.objects.filter(
            unit=unit, balance__gt=0, batch__product_id__in=product_ids, batch__expiry_date__gte=today
        )
        .select_related("batch", "batch__product")
        .order_by("batch__expiry_date", "batch__lot_number")
    )


def lot_ledger(unit, batch: Batch, *, limit: int = 200) -> list[StockMovement]:
    """The lot's movements at the unit, newest first, each with the running balance after it."""
    return list(
        StockMovement.objects.filter(unit=unit, batch=batch)
        .annotate(running=Window(Sum("quantity"), order_by=[F("at").asc(), F("id").asc()]))
        .select_related("by", "counterpart_unit", "vaccination__patient")
        .order_by("-at", "-id")[:limit]
    )


def stock_alert_lines(unit, *, today: dt.date) -> list[dict]:
    """Facts for the daily alert: expired lots still held, lots expiring within 30 days, products below minimum."""
    lines = []
    for product in unit_stock(unit, today=today):
        for lot in product.lots:
            if lot.expired or lot.expiring:
                lines.append(
                    {
                        "kind": "expired" if lot.expired else "expiring",
                        "product": product.product.name,
                        "lot": lot.batch.lot_number,
                        "expiry": lot.batch.expiry_date.isoformat(),
                        "balance": lot.balance,
                        "minimum": None,
                    }
                )
        if product.below_minimum:
            lines.append(
                {
                    "kind": "low",
                    "product": product.product.name,
                    "lot": "",
                    "expiry": "",
                    "balance": product.usable,
                    "minimum": product.minimum,
                }
            )
    return lines


def stock_alerts_send(*, today: dt.date | None = None) -> int:
    """The daily alert of every unit that holds stock or has minimums: in the app, and e-mailed where set up.

    One notice per unit and day (unique): running the job twice neither adds a notice nor e-mails twice.
    """

    today = today or timezone.localdate()
    unit_ids = set(StockBalance.objects.filter(balance__gt=0).values_list("unit_id", flat=True)) | set(
        StockMinimum.objects.filter(minimum__gt=0).values_list("unit_id", flat=True)
    )
    done = set(StockNotice.objects.filter(day=today).values_list("unit_id", flat=True))
    emails = dict(UnitStockSettings.objects.exclude(alert_email="").values_list("unit_id", "alert_email"))
    created = 0
    for unit in Unit.objects.filter(pk__in=unit_ids - done, is_active=True).order_by("pk"):
        lines = stock_alert_lines(unit, today=today)
        if not lines:
            continue
        with transaction.atomic():
            try:
                with transaction.atomic():
                    notice = StockNotice.objects.create(
                        caregiver_id=unit.caregiver_id, unit=unit, day=today, lines=lines,
                        emailed_to=emails.get(unit.pk, ""),
                    )  # fmt: skip
            except IntegrityError:
                continue  # another run made today's notice first
            created += 1
            if notice.emailed_to:
                transaction.on_commit(lambda n=notice.pk: _email_notice(n))
    return created


def notice_text(notice: StockNotice) -> list[str]:
    """The notice's lines in the current language."""
    texts = []
    for line in notice.lines:
        if line["kind"] == "expired":
            texts.append(
                _("Utgången: %(product)s batch %(lot)s (utg. %(expiry)s), %(n)d doser kvar – kassera.")
                % {
                    "product": line["product"],
                    "lot": line["lot"],
                    "expiry": line["expiry"],
                    "n": line["balance"],
                }
            )
        elif line["kind"] == "expiring":
            texts.append(
                _("Går ut inom 30 dagar: %(product)s batch %(lot)s (utg. %(expiry)s), %(n)d doser.")
                % {
                    "product": line["product"],
                    "lot": line["lot"],
                    "expiry": line["expiry"],
                    "n": line["balance"],
                }
            )
        else:
            texts.append(
                _("Under lägsta nivå: %(product)s, %(n)d doser (lägst %(min)d).")
                % {"product": line["product"], "n": line["balance"], "min": line["minimum"]}
            )
    return texts


def _email_notice(notice_id: int) -> None:

    notice = StockNotice.objects.select_related("unit").get(pk=notice_id)
    body = "\n".join(
        [
            _("Lagret på %(unit)s %(day)s:") % {"unit": notice.unit.name, "day": notice.day.isoformat()},
            "",
            *(f"- {text}" for text in notice_text(notice)),
        ]
    )
    send_email(
        to=notice.emailed_to,
        subject=_("Lagervarning %(unit)s") % {"unit": notice.unit.name},
        body=body,
        caregiver=notice.unit.caregiver,
        purpose="stock_alert",
        reference=f"stock-notice:{notice.pk}",
    )


def latest_notice(unit) -> StockNotice | None:
    if unit is None:
        return None
    return StockNotice.objects.filter(unit=unit, day__gte=timezone.localdate() - dt.timedelta(days=1)).first()


# --- Settings ----------------------------------------------------------------------------------------------------


@transaction.atomic
def minimum_set(*, user, unit, product: VaccineProduct, minimum: int | None) -> None:
    """The unit's lowest wanted number of doses of a product (None or 0 removes it)."""
    _require(user, unit)
    if minimum is not None and (minimum < 0 or minimum > MAX_QUANTITY):
        raise StockError(_("Ange ett antal mellan 0 och %(n)d.") % {"n": MAX_QUANTITY}, field="minimum")
    if not minimum:
        StockMinimum.objects.filter(unit=unit, product=product).delete()
        return
    StockMinimum.objects.update_or_create(
        unit=unit, product=product, defaults={"minimum": minimum, "caregiver_id": unit.caregiver_id}
    )


@transaction.atomic
def alert_email_set(*, user, unit, email: str) -> None:
    _require(user, unit)
    UnitStockSettings.objects.update_or_create(
        unit=unit, defaults={"alert_email": (email or "").strip(), "caregiver_id": unit.caregiver_id}
    )


def home_notice(request) -> dict | None:
    """The start page's stock box: today's alert of the unit the user works at, if there is one."""
    notice = latest_notice(getattr(request, "unit", None))
    if notice is None:
        return None
    return {"notice": notice, "lines": notice_text(notice)}
