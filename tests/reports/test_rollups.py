"""The booking and invoice roll-ups give exactly the figures of the live aggregates they replaced (kept
here as the reference), over a varied data set written by the services, bulk updates and raw SQL: units
and caregivers, moves, cancellations by the clinic and the resident, no-shows, closed, changed and removed
slots, partial and full credits, payments and settlements, reminders, an invoice with lines of two units,
and week, month and period edges in Stockholm time."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing import services as billing
from billing.models import Invoice, Payment, SettlementAction
from billing.services.invoices import credit_note_issue
from billing.services.payments import payment_settle, payments_import
from billing.services.reminders import reminder_send
from booking.models import ActorKind, Booking, Slot
from booking.services import booking_cancel, booking_create, booking_mark_no_show, booking_move
from reports import selectors
from reports.models import BookingDay, InvoiceShare, MoneyDay
from reports.selectors import money_months
from reports.services import booking_days_fold, money_days_fold
from tests.billing.factories import (
    adult,
    approved,
    dose_charge,
    product_with_price,
    ready_caregiver,
    timebook_for,
)
from tests.billing.test_payments import bgmax_file
from tests.booking.factories import make_slot
from tests.conftest import client_for
from tests.factories import UnitFactory

pytestmark = pytest.mark.django_db

LIVE_BOOKINGS_SQL = """
SELECT unit_id, (date_trunc('week', starts_at AT TIME ZONE 'Europe/Stockholm'))::date AS week,
       count(*) FILTER (WHERE NOT (status = 'cancelled' AND cancelled_by_kind = 'clinic')) AS bookings,
       count(*) FILTER (WHERE status = 'no_show') AS no_shows,
       count(*) FILTER (WHERE late_cancellation) AS late
FROM booking_booking
WHERE unit_id = ANY(%s) AND starts_at >= %s AND starts_at < %s
GROUP BY 1, 2
"""

LIVE_SLOTS_SQL = """
SELECT unit_id, (date_trunc('week', starts_at AT TIME ZONE 'Europe/Stockholm'))::date AS week,
       coalesce(sum(capacity) FILTER (WHERE NOT is_closed), 0) AS capacity,
       coalesce(sum(booked_count), 0) AS booked
FROM booking_slot
WHERE unit_id = ANY(%s) AND starts_at >= %s AND starts_at < %s
GROUP BY 1, 2
"""

LIVE_MONEY_SQL = """
WITH shares AS (
    SELECT l.invoice_id, sum(l.amount) AS amount
    FROM billing_invoice i
    JOIN billing_invoiceline l ON l.invoice_id = i.id
    JOIN billing_charge c ON c.id = l.charge_id
    WHERE i.caregiver_id = %(caregiver)s AND i.kind = 'invoice'
      AND i.invoice_date >= %(date_from)s AND i.invoice_date <= %(date_to)s
      AND c.unit_id = ANY(%(units)s)
    GROUP BY l.invoice_id
), invoices AS (
    SELECT date_trunc('month', i.invoice_date)::date AS month, i.due_date, i.total, s.amount AS share,
        coalesce((SELECT sum(n.total) FROM billing_invoice n WHERE n.credited_invoice_id = i.id), 0) AS credited,
        coalesce((SELECT sum(p.amount) FROM billing_payment p WHERE p.invoice_id = i.id), 0)
          + coalesce((SELECT sum(p.amount) FROM billing_payment p
                      JOIN billing_paymentsettlement st ON st.payment_id = p.id WHERE st.invoice_id = i.id), 0)
          AS paid,
        coalesce((SELECT r.fee FROM billing_reminder r WHERE r.invoice_id = i.id), 0) AS fee
    FROM billing_invoice i JOIN shares s ON s.invoice_id = i.id
)
SELECT month,
       sum(share) AS invoiced,
       sum(-credited * share / nullif(total, 0)) AS credited,
       sum(paid * share / nullif(total, 0)) AS paid,
       sum(greatest(total + credited + fee - paid, 0) * share / nullif(total, 0))
           FILTER (WHERE due_date < %(today)s) AS overdue
FROM invoices
GROUP BY month
"""


def live_booking_weeks(filters):
    start = timezone.make_aware(dt.datetime.combine(filters.date_from, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min))
    with connection.cursor() as cursor:
        cursor.execute(LIVE_BOOKINGS_SQL, [filters.unit_ids, start, end])
        booked = {(u, w): (b, n, late) for u, w, b, n, late in cursor.fetchall()}
        cursor.execute(LIVE_SLOTS_SQL, [filters.unit_ids, start, end])
        slots = {(u, w): (cap, used) for u, w, cap, used in cursor.fetchall()}
    return booked, slots


def live_money_months(filters, today):
    return money_months(filters, today, LIVE_MONEY_SQL)


def figures(filters, names, today):
    """Every row of the booking and money figures, as the page shows them."""
    return [
        figure.rows
        for figure in (
            *selectors.bookings_by_unit_and_week(filters, names),
            selectors.money_by_month(filters, today=today),
        )
    ]


def assert_same_as_live(monkeypatch, filters, names, today):
    from_rollups = figures(filters, names, today)
    with monkeypatch.context() as patched:  # the page's own functions, with the old queries
        patched.setattr(selectors, "booking_weeks", live_booking_weeks)
        patched.setattr(selectors, "money_months", live_money_months)
        live = figures(filters, names, today)
    assert from_rollups == live
    return from_rollups


def local(day: str, time: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(f"{day}T{time}"))


def book(schedule, visit_type, unit, starts_at, *, slot=None, caregiver):
    slot = slot or make_slot(schedule, starts_at, capacity=5)
    return booking_create(
        slot=slot,
        visit_type=visit_type,
        patient=adult(caregiver),
        made_by_kind=ActorKind.RESIDENT,
        now=starts_at - dt.timedelta(days=3),
    )


def varied_bookings(cast, unit_a3):
    """Bookings at two units of A and one of B, around the edges of March–April 2025 in Stockholm time."""
    made = {}
    for unit, caregiver in (
        (cast.unit_a, cast.caregiver_a),
        (unit_a3, cast.caregiver_a),
        (cast.unit_b, cast.caregiver_b),
    ):
        visit_type, schedule = timebook_for(unit)

        def at(day, time, unit=unit, caregiver=caregiver, schedule=schedule, visit_type=visit_type):
            return book(schedule, visit_type, unit, local(day, time), caregiver=caregiver)

        made[unit.pk] = bookings = {
            "before_period": at("2025-03-04", "23:30"),  # the evening before the period (UTC: the same day)
            "first_night": at("2025-03-05", "00:30"),  # the period's first hour (UTC: the day before)
            "sunday": at("2025-03-30", "23:30"),  # Sunday night of the spring's DST change
            "monday": at("2025-03-31", "00:30"),  # the next week locally, still Sunday in UTC
            "month_end": at("2025-03-31", "23:30"),
            "month_start": at("2025-04-01", "00:30"),
            "to_move": at("2025-03-12", "10:00"),
            "last_night": at("2025-04-16", "23:30"),
            "after_period": at("2025-04-17", "00:30"),
        }
        start = bookings["monday"].starts_at
        booking_mark_no_show(booking=bookings["monday"], user=None, now=start + dt.timedelta(hours=3))
        booking_cancel(booking=bookings["month_end"], by_kind=ActorKind.CLINIC, now=start)
        late = bookings["month_start"]
        booking_cancel(booking=late, by_kind=ActorKind.RESIDENT, now=late.starts_at - dt.timedelta(hours=10))
        early = bookings["sunday"]
        booking_cancel(booking=early, by_kind=ActorKind.RESIDENT, now=early.starts_at - dt.timedelta(days=2))
        moved = bookings["to_move"]
        booking_move(
            booking=moved,
            new_slot=make_slot(schedule, local("2025-04-09", "10:00"), capacity=5),
            by_kind=ActorKind.CLINIC,
            now=moved.starts_at - dt.timedelta(days=2),
        )
        # Three in one slot, two of them marked no-shows by one bulk UPDATE (as a job would).
        slot = make_slot(schedule, local("2025-03-19", "10:00"), capacity=4)
        three = [
            book(schedule, visit_type, unit, slot.starts_at, slot=slot, caregiver=caregiver) for _ in range(3)
        ]
        Booking.objects.filter(pk__in=[b.pk for b in three[:2]]).update(
            status=Booking.Status.NO_SHOW, no_show_marked_at=slot.starts_at + dt.timedelta(hours=2)
        )
        # A closed slot with a booking, a slot given more places, an empty slot made and removed.
        Slot.objects.filter(pk=bookings["first_night"].slot_id).update(is_closed=True)
        Slot.objects.filter(pk=bookings["last_night"].slot_id).update(capacity=9, planned_capacity=9)
        make_slot(schedule, local("2025-04-02", "10:00"), capacity=3)
        make_slot(schedule, local("2025-04-03", "10:00"), capacity=3).delete()
    return made


def invoice_of(cast, patient, lines, *, day):
    """One invoice for `patient` with a dose charge per (unit, amount), issued on `day`."""
    charges = []
    with time_machine.travel(local(day.isoformat(), "09:00"), tick=False):
        for unit, amount in lines:
            product = product_with_price(cast.caregiver_a, amount)
            charges += dose_charge(patient, unit, product, user=cast.alice, day=day)
        approved(charges, cast.clinic_a)
        [invoice] = billing.invoices_issue(
            caregiver=cast.caregiver_a, user=cast.clinic_a, patient_ids=[patient.pk]
        ).invoices
    return invoice


def varied_invoices(cast, unit_a3):
    ready_caregiver(cast.caregiver_a, reminder_fee=Decimal("60.00"))
    two_units = invoice_of(cast, adult(cast.caregiver_a), [(cast.unit_a, "300"), (unit_a3, "125.50")],
                           day=dt.date(2025, 3, 31))  # fmt: skip
    partly = invoice_of(cast, adult(cast.caregiver_a), [(cast.unit_a, "200"), (cast.unit_a, "99.90")],
                        day=dt.date(2025, 4, 1))  # fmt: skip
    wholly = invoice_of(cast, adult(cast.caregiver_a), [(unit_a3, "100")], day=dt.date(2025, 4, 1))
    settled = invoice_of(cast, adult(cast.caregiver_a), [(cast.unit_a, "250")], day=dt.date(2025, 4, 30))
    reminded = invoice_of(cast, adult(cast.caregiver_a), [(unit_a3, "333.33"), (cast.unit_a, "1")],
                          day=dt.date(2025, 3, 1))  # fmt: skip
    outside = invoice_of(cast, adult(cast.caregiver_a), [(cast.unit_a, "777")], day=dt.date(2025, 5, 1))
    credit_note_issue(
        invoice=partly, user=cast.clinic_a, reason="Fel pris", lines=[partly.lines.order_by("pk")[0]]
    )
    credit_note_issue(invoice=wholly, user=cast.clinic_a, reason="Fel patient")
    payments_import(
        caregiver=cast.caregiver_a,
        content=bgmax_file(
            (two_units.ocr, "100.00", "1"),
            (partly.ocr, "99.90", "2"),
            ("4711", "250.00", "3"),
            (outside.ocr, "777.00", "4"),
        ),
        file_name="p1",
    )
    payment_settle(
        payment=Payment.objects.get(reference="4711"),
        user=cast.clinic_a,
        action=SettlementAction.MATCHED,
        invoice=settled,
        note="Fakturanumret i stället för OCR.",
    )
    reminder_send(invoice=reminded, user=cast.clinic_a, today=dt.date(2025, 5, 20))
    return [two_units, partly, wholly, settled, reminded, outside]


@pytest.fixture
def unit_a3(cast):
    return UnitFactory(caregiver=cast.caregiver_a, name="Vaccinationsmottagningen A3")


def test_booking_and_money_figures_equal_the_live_aggregates(cast, unit_a3, monkeypatch):
    varied_bookings(cast, unit_a3)
    varied_invoices(cast, unit_a3)
    names = {cast.unit_a.pk: cast.unit_a.name, unit_a3.pk: unit_a3.name}
    cases = [
        (dt.date(2025, 3, 5), dt.date(2025, 4, 16), [cast.unit_a.pk, unit_a3.pk]),
        (dt.date(2025, 3, 5), dt.date(2025, 4, 16), [unit_a3.pk]),
        (dt.date(2025, 3, 31), dt.date(2025, 4, 1), [cast.unit_a.pk]),
        (dt.date(2025, 1, 1), dt.date(2025, 12, 31), [cast.unit_a.pk, unit_a3.pk, cast.unit_a_no_payment.pk]),
    ]
    shown_by_case = []
    for date_from, date_to, units in cases:
        for today in (dt.date(2025, 4, 20), dt.date(2025, 6, 1)):
            filters = selectors.Filters(cast.caregiver_a.pk, date_from, date_to, units, granularity="week")
            shown = assert_same_as_live(monkeypatch, filters, names, today)
            shown_by_case.append(shown)
    table = {tuple(row[:2]): row[2:] for row in shown_by_case[0][0]}
    name = cast.unit_a.name
    # Week 10 starts with the period's first night (its slot closed): 1 booking, 0 places, 1 booked.
    assert table[(name, "2025 v. 10")] == [0, 1, None, 1, 0, Decimal("0.0"), 0, Decimal("0.0")]
    # Week 14 (from Monday 31 March, 00:30 local is still Sunday in UTC): the no-show and the late
    # cancellation count as bookings, the clinic's cancellation does not; 3 + 1 slots of 5, 5, 5 and 3 places.
    assert table[(name, "2025 v. 14")] == [18, 1, Decimal("5.6"), 2, 1, Decimal("50.0"), 1, Decimal("50.0")]
    assert BookingDay.objects.values("unit", "day").distinct().count() < BookingDay.objects.count()
    # The money roll-up's rows of differences (payments, credits and the reminder added to them) fold too.
    money_keys = MoneyDay.objects.values("unit", "invoice_date", "due_date").distinct().count()
    assert money_keys < MoneyDay.objects.count()
    booking_days_fold()
    money_days_fold()
    assert BookingDay.objects.values("unit", "day").distinct().count() == BookingDay.objects.count()
    assert money_keys == MoneyDay.objects.count()
    assert assert_same_as_live(monkeypatch, filters, names, today) == shown
    for date_from, date_to, units in cases:
        for today in (dt.date(2025, 4, 20), dt.date(2025, 6, 1)):
            filters = selectors.Filters(cast.caregiver_a.pk, date_from, date_to, units, granularity="week")
            assert_same_as_live(monkeypatch, filters, names, today)
    money = {row[0]: row[1:] for row in shown[-1]}
    # By month, on 1 June: March has the two-unit invoice (425.50, 100 paid) and the reminded one (334.33
    # and a fee of 60, unpaid); April the partly credited (299.90, 200 credited, the rest paid), the wholly
    # credited (100) and the settled one (250); May one paid in full.
    assert money["2025-03"] == [Decimal("759.83"), Decimal("0.00"), Decimal("100.00"), Decimal("719.83")]
    assert money["2025-04"] == [Decimal("649.90"), Decimal("300.00"), Decimal("349.90"), Decimal("0.00")]
    assert money["2025-05"] == [Decimal("777.00"), Decimal("0.00"), Decimal("777.00"), Decimal("0.00")]


def test_another_caregivers_bookings_and_invoices_never_reach_the_figures(cast, unit_a3, monkeypatch):
    varied_bookings(cast, unit_a3)
    varied_invoices(cast, unit_a3)
    period = selectors.Filters(
        cast.caregiver_b.pk, dt.date(2025, 1, 1), dt.date(2025, 12, 31), [cast.unit_b.pk]
    )
    b_only = assert_same_as_live(monkeypatch, period, {cast.unit_b.pk: cast.unit_b.name}, dt.date(2025, 6, 1))
    assert {row[0] for row in b_only[0]} == {cast.unit_b.name}
    assert all(value == Decimal("0.00") for row in b_only[-1] for value in row[1:])
    assert not InvoiceShare.objects.filter(caregiver=cast.caregiver_b).exists()
    assert not MoneyDay.objects.filter(caregiver=cast.caregiver_b).exists()
    # Caregiver A asking with B's unit (never offered by the form) still sees none of B's money.
    mixed = selectors.Filters(
        cast.caregiver_a.pk, dt.date(2025, 1, 1), dt.date(2025, 12, 31), [cast.unit_b.pk]
    )
    assert all(value == Decimal("0.00") for row in selectors.money_by_month(mixed, today=dt.date(2025, 6, 1)).rows
               for value in row[1:])  # fmt: skip


def test_the_statistics_page_reads_bookings_and_money_in_one_query_each(cast, unit_a3):
    varied_bookings(cast, unit_a3)
    varied_invoices(cast, unit_a3)
    client = client_for(cast.admin_a)
    year = {"date_from": "2025-01-01", "date_to": "2025-12-31", "granularity": "week"}
    client.get(reverse("reports:statistics"), year)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:statistics"), year)
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("reports_bookingday" in sql for sql in statements) == 1
    assert sum("reports_invoiceshare" in sql for sql in statements) == 1
    assert sum("reports_moneyday" in sql for sql in statements) == 1  # the same statement
    assert not any("booking_booking" in sql or "billing_invoiceline" in sql for sql in statements)
    assert len(statements) <= 12, "\n".join(sql[:120] for sql in statements)


def test_the_form_shows_the_default_period_when_only_the_granularity_is_given(cast):
    with time_machine.travel(local("2026-02-14", "12:00"), tick=False):
        html = (
            client_for(cast.admin_a)
            .get(reverse("reports:statistics"), {"granularity": "week"})
            .content.decode()
        )
    assert 'name="date_from" value="2025-02-01"' in html
    assert 'name="date_to" value="2026-02-14"' in html
    assert Invoice.objects.count() == 0
