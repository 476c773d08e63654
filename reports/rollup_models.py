"""Roll-ups of the bookings, the timebook and the invoices, kept by the database where the facts are written.

`BookingDay`: per unit and local day, how many bookings, no-shows and late cancellations, and the slots'
capacity and booked places. Triggers on bookings and slots append one row of differences per statement
(a booking made adds 1, a booking cancelled by the clinic subtracts it again, a slot filled adds to
`booked`), so nothing waits on a shared counter row while the booking rush writes; the page sums the
rows, and `reports.services.booking_days_fold` folds the differences of a day into one row now and then.
Whatever writes a booking or a slot (the views, the Celery jobs, bulk updates, COPY) is caught.

`InvoiceShare`: per issued invoice and unit, the part of the invoice's amount that the unit's lines make
up (written once when the lines are written: an issued invoice never changes), and the invoice's
credited, paid and reminder fee, added to as credit notes, payments, settlements and reminders are
written (all four are append-only, so an insert is the only change to follow).
"""

from __future__ import annotations

import pgtrigger
from django.db import models

from billing.models import Invoice, InvoiceLine, Payment, PaymentSettlement, Reminder
from booking.models import Booking, Slot
from mittvaccin.tenancy import CaregiverOwnedQuerySet
from reports.models import LOCAL_TIME_ZONE

__all__ = [
    "BookingDay",
    "BookingDayTrigger",
    "InvoiceCreditTrigger",
    "InvoiceLineShareTrigger",
    "InvoiceShare",
    "InvoiceShareMoneyTrigger",
    "MoneyDay",
    "PaymentPaidTrigger",
    "ReminderFeeTrigger",
    "SettlementPaidTrigger",
    "SlotDayTrigger",
]


class BookingDay(models.Model):
    """Differences to the figures of one unit's local day; the figures are the sums of its rows."""

    # No index of its own on a foreign key here: each is the first column of the model's index, and every
    # booking written inserts rows here.
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    bookings = models.IntegerField(default=0)  # every booking but those the clinic cancelled
    no_shows = models.IntegerField(default=0)
    late = models.IntegerField(default=0)  # late cancellations
    capacity = models.IntegerField(default=0)  # places of slots that are not closed
    booked = models.IntegerField(default=0)  # the slots' booked places

    caregiver_lookup = "unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["unit", "day"], name="bookingday_unit_day_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.day}"


class InvoiceShare(models.Model):
    """One issued invoice's amount at one unit, and the invoice's credits, payments and reminder fee."""

    invoice = models.ForeignKey("billing.Invoice", on_delete=models.CASCADE, related_name="+", db_index=False)
    caregiver = models.ForeignKey(
        "mittvaccin.Caregiver", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice_date = models.DateField()
    due_date = models.DateField(null=True)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    share = models.DecimalField(max_digits=12, decimal_places=2)
    # Of the whole invoice (the same on each of its units' rows): credit notes' totals (negative),
    # payments with its reference and payments matched to it by hand, its reminder's fee.
    credited = models.DecimalField(max_digits=14, decimal_places=2)
    paid = models.DecimalField(max_digits=14, decimal_places=2)
    fee = models.DecimalField(max_digits=12, decimal_places=2)

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["invoice", "unit"], name="invoiceshare_once")]
        indexes = [
            models.Index(fields=["caregiver", "invoice_date"], name="invoiceshare_date_idx"),
            # The rows of invoices with lines at several units, the only ones the page reads one by one. On
            # the expression (not a partial index): its statistics tell the planner how few they are.
            models.Index(
                models.ExpressionWrapper(
                    models.Q(share=models.F("total")), output_field=models.BooleanField()
                ),
                models.F("caregiver"),
                models.F("invoice_date"),
                name="invoiceshare_parts_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.unit_id} {self.share}"


# --- bookings ----------------------------------------------------------------------------------------------

_DAY = f"(starts_at AT TIME ZONE '{LOCAL_TIME_ZONE}')::date"
_INSERT_DAYS = "INSERT INTO reports_bookingday (unit_id, day, bookings, no_shows, late, capacity, booked)"
_NONZERO = "HAVING sum(b) <> 0 OR sum(n) <> 0 OR sum(l) <> 0 OR sum(c) <> 0 OR sum(k) <> 0"


def _booking_counts(rows: str, sign: str) -> str:
    # The same FILTERs as the figures always had (a NULL test counts as false there too).
    return f"""
    SELECT unit_id, {_DAY} AS day,
           {sign}count(*) FILTER (WHERE NOT (status = 'cancelled' AND cancelled_by_kind = 'clinic')) AS b,
           {sign}count(*) FILTER (WHERE status = 'no_show') AS n,
           {sign}count(*) FILTER (WHERE late_cancellation) AS l, 0 AS c, 0 AS k
    FROM {rows} GROUP BY 1, 2
    """  # noqa: S608


def _slot_places(rows: str, sign: str) -> str:
    return f"""
    SELECT unit_id, {_DAY} AS day, 0 AS b, 0 AS n, 0 AS l,
           {sign}coalesce(sum(capacity) FILTER (WHERE NOT is_closed), 0) AS c, {sign}sum(booked_count) AS k
    FROM {rows} GROUP BY 1, 2
    """  # noqa: S608


def _append(*selects: str) -> str:
    union = " UNION ALL ".join(selects)
    return f"""
    {_INSERT_DAYS}
    SELECT unit_id, day, sum(b), sum(n), sum(l), sum(c), sum(k) FROM ({union}) AS d GROUP BY 1, 2 {_NONZERO};
    RETURN NULL;
    """  # noqa: S608


def _statement(name: str, operation, func: str, *, old: bool = False, new: bool = False) -> pgtrigger.Trigger:
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.After,
        operation=operation,
        level=pgtrigger.Statement,
        referencing=pgtrigger.Referencing(old="old_rows" if old else None, new="new_rows" if new else None),
        func=func,
    )


class BookingDayTrigger(Booking):
    """A booking made, moved, cancelled or marked a no-show changes the counts of its day (never deleted)."""

    class Meta:
        proxy = True
        triggers = [
            _statement(
                "reports_booking_insert_counts",
                pgtrigger.Insert,
                _append(_booking_counts("new_rows", "")),
                new=True,
            ),
            _statement(
                "reports_booking_update_counts",
                pgtrigger.Update,
                _append(_booking_counts("new_rows", ""), _booking_counts("old_rows", "-")),
                old=True,
                new=True,
            ),
        ]


# A slot changes once per booking made or cancelled (the booking's own trigger counts it): one row each,
# and only when a figure of the slot changed.
_SLOT_CHANGED = pgtrigger.Condition(
    "OLD.capacity IS DISTINCT FROM NEW.capacity OR OLD.booked_count IS DISTINCT FROM NEW.booked_count "
    "OR OLD.is_closed IS DISTINCT FROM NEW.is_closed OR OLD.starts_at IS DISTINCT FROM NEW.starts_at "
    "OR OLD.unit_id IS DISTINCT FROM NEW.unit_id"
)


def _places(row: str, sign: str) -> str:
    return (
        f"({row}.unit_id, ({row}.starts_at AT TIME ZONE '{LOCAL_TIME_ZONE}')::date, 0, 0, 0, "
        f"{sign}(CASE WHEN NOT {row}.is_closed THEN {row}.capacity ELSE 0 END), {sign}{row}.booked_count)"
    )


# Per row, as plain VALUES: it runs once for every booking made or cancelled (also inside a COPY of bookings).
_SLOT_UPDATE = f"""
    IF NEW.unit_id = OLD.unit_id AND NEW.starts_at = OLD.starts_at THEN
        {_INSERT_DAYS} VALUES (NEW.unit_id, (NEW.starts_at AT TIME ZONE '{LOCAL_TIME_ZONE}')::date, 0, 0, 0,
            (CASE WHEN NOT NEW.is_closed THEN NEW.capacity ELSE 0 END)
            - (CASE WHEN NOT OLD.is_closed THEN OLD.capacity ELSE 0 END),
            NEW.booked_count - OLD.booked_count);
    ELSE
        {_INSERT_DAYS} VALUES {_places("NEW", "")}, {_places("OLD", "-")};
    END IF;
    RETURN NULL;
"""


class SlotDayTrigger(Slot):
    """A slot made, filled, emptied, closed or removed changes the places of its day."""

    class Meta:
        proxy = True
        triggers = [
            _statement(
                "reports_slot_insert_places",
                pgtrigger.Insert,
                _append(_slot_places("new_rows", "")),
                new=True,
            ),
            _statement(
                "reports_slot_delete_places",
                pgtrigger.Delete,
                _append(_slot_places("old_rows", "-")),
                old=True,
            ),
            pgtrigger.Trigger(
                name="reports_slot_update_places",
                when=pgtrigger.After,
                operation=pgtrigger.Update,
                condition=_SLOT_CHANGED,
                func=_SLOT_UPDATE,
            ),
        ]


# --- invoices ------------------------------------------------------------------------------------------------

# An invoice's credits, payments and fee as they are when its lines are written (nothing, unless a
# fact reached it before its lines did); later ones are added by the triggers below.
_CREDITED = "coalesce((SELECT sum(n.total) FROM billing_invoice n WHERE n.credited_invoice_id = i.id), 0)"
_PAID = (
    "coalesce((SELECT sum(p.amount) FROM billing_payment p WHERE p.invoice_id = i.id), 0) "
    "+ coalesce((SELECT sum(p.amount) FROM billing_payment p JOIN billing_paymentsettlement st "
    "ON st.payment_id = p.id WHERE st.invoice_id = i.id), 0)"
)
_FEE = "coalesce((SELECT r.fee FROM billing_reminder r WHERE r.invoice_id = i.id), 0)"

# The rows are looked up by primary key (ANY(ARRAY(…))), never joined to the transition table, so a bulk
# issue never plans a scan of every charge.
_SHARES = f"""
    INSERT INTO reports_invoiceshare
        (invoice_id, caregiver_id, unit_id, invoice_date, due_date, total, share, credited, paid, fee)
    SELECT i.id, i.caregiver_id, s.unit_id, i.invoice_date, i.due_date, i.total, s.share,
           {_CREDITED}, {_PAID}, {_FEE}
    FROM (
        SELECT l.invoice_id, c.unit_id, sum(l.amount) AS share
        FROM new_rows l
        JOIN (SELECT id, unit_id FROM billing_charge WHERE id = ANY(ARRAY(SELECT charge_id FROM new_rows))
              OFFSET 0) AS c ON c.id = l.charge_id
        GROUP BY 1, 2
    ) AS s
    JOIN (SELECT * FROM billing_invoice WHERE id = ANY(ARRAY(SELECT invoice_id FROM new_rows)) OFFSET 0) AS i
      ON i.id = s.invoice_id
    WHERE i.kind = 'invoice'
    ON CONFLICT (invoice_id, unit_id) DO UPDATE SET share = reports_invoiceshare.share + EXCLUDED.share;
    RETURN NULL;
"""  # noqa: S608


def _add_to(column: str, deltas: str) -> str:
    """Adds each invoice's amount from `deltas` (invoice_id, amount) to `column` of all its units' rows
    (found through the index by ANY(ARRAY(…)), whatever the planner guesses of the transition table)."""
    return f"""
    WITH d AS MATERIALIZED ({deltas})
    UPDATE reports_invoiceshare s SET {column} = s.{column} + d.amount
    FROM d WHERE s.invoice_id = d.invoice_id AND s.invoice_id = ANY(ARRAY(SELECT invoice_id FROM d));
    RETURN NULL;
    """  # noqa: S608


class InvoiceLineShareTrigger(InvoiceLine):
    """An invoice's lines, as they are written, give its amount per unit."""

    class Meta:
        proxy = True
        triggers = [_statement("reports_line_shares", pgtrigger.Insert, _SHARES, new=True)]


class InvoiceCreditTrigger(Invoice):
    """A credit note adds its (negative) total to the invoice it credits."""

    class Meta:
        proxy = True
        triggers = [
            _statement(
                "reports_credit_note_credits",
                pgtrigger.Insert,
                _add_to(
                    "credited",
                    "SELECT credited_invoice_id AS invoice_id, sum(total) AS amount FROM new_rows "
                    "WHERE credited_invoice_id IS NOT NULL GROUP BY 1",
                ),
                new=True,
            )
        ]


class PaymentPaidTrigger(Payment):
    """A payment with an invoice's reference pays that invoice."""

    class Meta:
        proxy = True
        triggers = [
            _statement(
                "reports_payment_pays",
                pgtrigger.Insert,
                _add_to(
                    "paid",
                    "SELECT invoice_id, sum(amount) AS amount FROM new_rows WHERE invoice_id IS NOT NULL GROUP BY 1",
                ),
                new=True,
            )
        ]


class SettlementPaidTrigger(PaymentSettlement):
    """A payment matched to an invoice by hand pays that invoice."""

    class Meta:
        proxy = True
        triggers = [
            _statement(
                "reports_settlement_pays",
                pgtrigger.Insert,
                _add_to(
                    "paid",
                    "SELECT st.invoice_id, sum(p.amount) AS amount FROM new_rows st "
                    "JOIN billing_payment p ON p.id = st.payment_id WHERE st.invoice_id IS NOT NULL GROUP BY 1",
                ),
                new=True,
            )
        ]


class ReminderFeeTrigger(Reminder):
    """A reminder's fee is owed on top of its invoice."""

    class Meta:
        proxy = True
        triggers = [
            _statement(
                "reports_reminder_fee",
                pgtrigger.Insert,
                _add_to("fee", "SELECT invoice_id, sum(fee) AS amount FROM new_rows GROUP BY 1"),
                new=True,
            )
        ]


# --- money per day ------------------------------------------------------------------------------------------


class MoneyDay(models.Model):
    """Differences to the money figures of the invoices that lie wholly at one unit (their `InvoiceShare`
    row has share = total), per invoice date and due date; the figures are the sums of the rows.

    Appended by triggers on `InvoiceShare` (a row written, or its credited, paid or fee changed: the new
    amounts minus the old), folded by `reports.services.money_days_fold`. The page reads these rows and,
    per invoice, only the rows of invoices with lines at several units, whose shares need dividing.
    """

    caregiver = models.ForeignKey(
        "mittvaccin.Caregiver", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.CASCADE, related_name="+", db_index=False)
    invoice_date = models.DateField()
    due_date = models.DateField(null=True)
    invoiced = models.DecimalField(max_digits=18, decimal_places=2)
    credited = models.DecimalField(max_digits=18, decimal_places=2)  # credit notes' totals, as a positive sum
    paid = models.DecimalField(max_digits=18, decimal_places=2)
    owed = models.DecimalField(max_digits=18, decimal_places=2)  # left to pay, never below 0 per invoice

    caregiver_lookup = "caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["caregiver", "invoice_date"], name="moneyday_date_idx")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.invoice_date} {self.invoiced}"


# What an invoice wholly at one unit adds to the figures, as the page's query always worked it out (an invoice
# of total 0 adds nothing but its 0).
_MONEY_OF = """
    SELECT caregiver_id, unit_id, invoice_date, due_date, {sign}share AS i,
           {sign}(CASE WHEN total <> 0 THEN -credited ELSE 0 END) AS c,
           {sign}(CASE WHEN total <> 0 THEN paid ELSE 0 END) AS p,
           {sign}(CASE WHEN total <> 0 THEN greatest(total + credited + fee - paid, 0) ELSE 0 END) AS o
    FROM {rows} WHERE share = total
"""


def _money_append(*selects: str) -> str:
    union = " UNION ALL ".join(selects)
    return f"""
    INSERT INTO reports_moneyday (caregiver_id, unit_id, invoice_date, due_date, invoiced, credited, paid, owed)
    SELECT caregiver_id, unit_id, invoice_date, due_date, sum(i), sum(c), sum(p), sum(o)
    FROM ({union}) AS d GROUP BY 1, 2, 3, 4
    HAVING sum(i) <> 0 OR sum(c) <> 0 OR sum(p) <> 0 OR sum(o) <> 0;
    RETURN NULL;
    """  # noqa: S608


class InvoiceShareMoneyTrigger(InvoiceShare):
    """An invoice's share written, or its credits, payments or fee added to, changes the money of its day."""

    class Meta:
        proxy = True
        triggers = [
            _statement(
                "reports_share_insert_money",
                pgtrigger.Insert,
                _money_append(_MONEY_OF.format(sign="", rows="new_rows")),
                new=True,
            ),
            _statement(
                "reports_share_update_money",
                pgtrigger.Update,
                _money_append(
                    _MONEY_OF.format(sign="", rows="new_rows"), _MONEY_OF.format(sign="-", rows="old_rows")
                ),
                old=True,
                new=True,
            ),
        ]
