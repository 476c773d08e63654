"""The figures of the statistics page. Each is one aggregate query in the database (GROUP BY,
date_trunc, FILTER), over the dose roll-up or over bookings, slots, invoices and payments; Python only
lays the rows out. No figure lists a patient, so a protected patient is counted and never shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from billing.models import Campaign
from journal.models import VaccineProduct
from mittvaccin.models import Unit
from reports.models import AGE_BANDS
from reports.templatetags.reports import format_value

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)


@dataclass
class Filters:
    caregiver_id: int
    date_from: dt.date
    date_to: dt.date
    unit_ids: list[int]
    product_id: int | None = None
    granularity: str = "month"  # or "week"


@dataclass
class Figure:
    """One figure: column headings and rows (label first), as the table, the chart and the CSV show it."""

    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # per value column: "count", "money" or "percent"

    @property
    def label_columns(self) -> int:
        return len(self.columns) - len(self.kinds)

    def table(self) -> dict:
        """Headings, and each row's cells as the page's table shows them (labels as row headings, numbers
        formatted, the plain value in data-value): made here, as a year of weeks is hundreds of cells."""

        labels = self.label_columns
        head = [{"text": text, "num": index >= labels} for index, text in enumerate(self.columns)]
        body = [
            mark_safe(  # noqa: S308  (every text in it is escaped here)
                "".join(f'<th scope="row">{escape(cell)}</th>' for cell in row[:labels])
                + "".join(
                    f'<td class="num" data-value="{"" if cell is None else escape(cell)}">'
                    f"{escape(format_value(cell, kind))}</td>"
                    for cell, kind in zip(row[labels:], self.kinds, strict=True)
                )
            )
            for row in self.rows
        ]
        return {"head": head, "body": body}


# --- periods -----------------------------------------------------------------------------------------


def period_start(day: dt.date, granularity: str) -> dt.date:
    if granularity == "week":
        return day - dt.timedelta(days=day.weekday())
    return day.replace(day=1)


def periods(date_from: dt.date, date_to: dt.date, granularity: str) -> list[dt.date]:
    """Every week (Monday) or month (the 1st) that touches the period, so empty ones show as 0."""
    result, current = [], period_start(date_from, granularity)
    while current <= date_to:
        result.append(current)
        if granularity == "week":
            current += dt.timedelta(days=7)
        else:
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return result


def period_label(start: dt.date, granularity: str) -> str:
    if granularity == "week":
        year, week, _day = start.isocalendar()
        return _("%(year)s v. %(week)02d") % {"year": year, "week": week}
    return start.strftime("%Y-%m")


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- doses (from the roll-up) ----------------------------------------------------------------------------


# A period's whole blocks (reports.DoseBlock: the days of one week in one month) from the block roll-up,
# the days at its edges that do not fill a block from the day roll-up: the same day rows summed, so every
# figure is what the day rows give. A block lies in one week and one month, so its first day gives both.
DOSES_SQL = """
SELECT GROUPING(t.period, t.product_id, t.unit_id, t.age_band, t.campaign_id) AS grouping,
       t.period, t.product_id, t.unit_id, t.age_band, t.campaign_id,
       sum(t.doses), sum(t.free), sum(t.list_value), sum(t.charged)
FROM (
    SELECT date_trunc(%(granularity)s, block::timestamp)::date AS period, product_id, unit_id, age_band,
           campaign_id, doses, free, charged, list_value
    FROM reports_doseblock
    WHERE caregiver_id = %(caregiver)s AND block >= %(blocks_from)s AND block < %(blocks_to)s
      AND unit_id = ANY(%(units)s) AND (%(product)s::bigint IS NULL OR product_id = %(product)s::bigint)
    UNION ALL
    SELECT date_trunc(%(granularity)s, day::timestamp)::date, product_id, unit_id, age_band, campaign_id,
           doses, CASE WHEN charged = 0 THEN doses ELSE 0 END, charged, list_value
    FROM reports_dosetally
    WHERE caregiver_id = %(caregiver)s
      AND (day >= %(date_from)s AND day < %(blocks_from)s OR day >= %(blocks_to)s AND day <= %(date_to)s)
      AND unit_id = ANY(%(units)s) AND (%(product)s::bigint IS NULL OR product_id = %(product)s::bigint)
) AS t
GROUP BY GROUPING SETS ((t.period), (t.product_id), (t.unit_id), (t.age_band), (t.campaign_id), ())
"""


# The names the figures show, read with the figures (the ids are the roll-ups' own, of this caregiver).
_NAMED = f"""
SELECT g.*, p.name || ' (' || p.disease || ')', u.name, c.name
FROM ({{figures}}) AS g
LEFT JOIN {VaccineProduct._meta.db_table} p ON p.id = g.product_id
LEFT JOIN {Unit._meta.db_table} u ON u.id = g.unit_id
LEFT JOIN {Campaign._meta.db_table} c ON c.id = g.campaign_id
"""  # noqa: S608 - no user input; the f-string only places table names


def _block_starts(date_from: dt.date, date_to: dt.date) -> tuple[dt.date, dt.date]:
    """[first, last): the whole blocks of the period (a block begins on a Monday or the 1st of a month);
    both the day after the period when it holds no whole block, so that its days are all read as days."""

    def begins(day: dt.date) -> bool:
        return day.weekday() == 0 or day.day == 1

    first, last = date_from, date_to + dt.timedelta(days=1)
    while not begins(first):
        first += dt.timedelta(days=1)
    while not begins(last):
        last -= dt.timedelta(days=1)
    if first >= last:
        return date_to + dt.timedelta(days=1), date_to + dt.timedelta(days=1)
    return first, last


# GROUPING(...) bits, highest first: period 16, product 8, unit 4, age band 2, campaign 1 (1 = rolled up).
_BY = {
    0b01111: "period",
    0b10111: "product",
    0b11011: "unit",
    0b11101: "age",
    0b11110: "campaign",
    0b11111: "all",
}


def dose_figures(filters: Filters, sql: str = DOSES_SQL) -> dict:
    """Every dose figure of the page from the roll-up in one query (GROUPING SETS): over time, per
    vaccine, unit, age band and campaign, and the totals."""

    blocks_from, blocks_to = _block_starts(filters.date_from, filters.date_to)
    with connection.cursor() as cursor:
        cursor.execute(
            _NAMED.format(figures=sql),
            {
                "blocks_from": blocks_from,
                "blocks_to": blocks_to,
                "granularity": filters.granularity,
                "caregiver": filters.caregiver_id,
                "date_from": filters.date_from,
                "date_to": filters.date_to,
                "units": filters.unit_ids,
                "product": filters.product_id,
            },
        )
        found: dict[str, list] = {key: [] for key in _BY.values()}
        names: dict[str, dict] = {"product": {}, "unit": {}, "campaign": {}}
        for row in cursor.fetchall():
            grouping, period, product, unit, band, campaign, n, free, listed, charged, *named = row
            key = _BY[grouping]
            group = {"period": period, "product": product, "unit": unit, "age": band, "campaign": campaign}
            found[key].append((group.get(key), n or 0, free or 0, listed, charged))
            if key in names:
                names[key][group[key]] = named[("product", "unit", "campaign").index(key)]
    over_time = Figure(
        "doses",
        _("Givna doser per vecka") if filters.granularity == "week" else _("Givna doser per månad"),
        [_("Period"), _("Doser")],
        kinds=["count"],
    )
    counts = {period: n for period, n, *_rest in found["period"]}
    over_time.rows = [
        [period_label(start, filters.granularity), counts.get(start, 0)]
        for start in periods(filters.date_from, filters.date_to, filters.granularity)
    ]
    vaccines = Figure(
        "vaccines", _("Doser per vaccin"), [_("Vaccin (skydd mot)"), _("Doser")], kinds=["count"]
    )
    vaccines.rows = sorted(
        ([names["product"][pk], n] for pk, n, *_rest in found["product"]), key=lambda r: (-r[1], r[0])
    )
    units = Figure("units", _("Doser per enhet"), [_("Enhet"), _("Doser")], kinds=["count"])
    units.rows = sorted(
        ([names["unit"][pk], n] for pk, n, *_rest in found["unit"]), key=lambda r: (-r[1], r[0])
    )
    ages = Figure(
        "ages", _("Doser per åldersgrupp"), [_("Ålder vid dosen (år)"), _("Doser")], kinds=["count"]
    )
    by_band = {band: n for band, n, *_rest in found["age"]}
    labels = [label for _low, label in AGE_BANDS] + [_("okänd")]
    ages.rows = [[label, by_band.get(index, 0)] for index, label in enumerate(labels)]
    if not ages.rows[-1][1]:
        ages.rows.pop()  # "unknown" only when there is such a dose
    campaigns = Figure(
        "campaigns",
        _("Kampanjer: doser och vad de hade kostat"),
        [
            _("Kampanj"),
            _("Doser"),
            _("Varav kostnadsfria"),
            _("Listpris"),
            _("Debiterat"),
            _("Kampanjens värde"),
        ],
        kinds=["count", "count", "money", "money", "money"],
    )
    for pk, n, free, listed, charged in sorted(found["campaign"], key=lambda r: -r[1]):
        if pk is None:
            continue
        listed, charged = money(listed), money(charged)
        campaigns.rows.append([names["campaign"][pk], n, free, listed, charged, listed - charged])
    in_campaigns = [row for row in found["campaign"] if row[0] is not None]
    total = found["all"][0][1] if found["all"] else 0
    totals = {
        "doses": total,
        "campaign_doses": sum(row[1] for row in in_campaigns),
        "campaign_value": sum((money(row[3]) - money(row[4]) for row in in_campaigns), ZERO),
    }
    return {
        "doses": over_time,
        "vaccines": vaccines,
        "units": units,
        "ages": ages,
        "campaigns": campaigns,
        "totals": totals,
    }


# --- bookings and the timebook ----------------------------------------------------------------------------


# The roll-up's rows of one unit and day are differences to be summed (see reports.rollup_models); a
# local day lies in the period exactly when the booking's time does, so the period's edges stay exact.
BOOKING_WEEKS_SQL = """
SELECT unit_id, date_trunc('week', day::timestamp)::date AS week,
       sum(bookings), sum(no_shows), sum(late), sum(capacity), sum(booked)
FROM reports_bookingday
WHERE unit_id = ANY(%s) AND day >= %s AND day <= %s
GROUP BY 1, 2
"""


def booking_weeks(filters: Filters) -> tuple[dict, dict]:
    """Per (unit, week): (bookings, no-shows, late cancellations), and (capacity, booked places)."""
    with connection.cursor() as cursor:
        cursor.execute(BOOKING_WEEKS_SQL, [filters.unit_ids, filters.date_from, filters.date_to])
        rows = cursor.fetchall()
    booked = {(u, w): (b, n, late) for u, w, b, n, late, _cap, _used in rows}
    slots = {(u, w): (cap, used) for u, w, _b, _n, _late, cap, used in rows}
    return booked, slots


def bookings_by_unit_and_week(filters: Filters, unit_names: dict[int, str]) -> tuple[Figure, Figure, Figure]:
    """No-shows and late cancellations (counts and share of bookings) and how full the timebook was, per
    unit and week; and the same summed over the units per week for the charts."""
    booked, slots = booking_weeks(filters)
    table = Figure(
        "bookings",
        _("Bokningar, uteblivna besök och sena avbokningar per enhet och vecka"),
        [
            _("Enhet"),
            _("Vecka"),
            _("Platser"),
            _("Bokade"),
            _("Beläggning"),
            _("Bokningar"),
            _("Uteblivna"),
            _("Andel uteblivna"),
            _("Sena avbokningar"),
            _("Andel sena"),
        ],
        kinds=["count", "count", "percent", "count", "count", "percent", "count", "percent"],
    )
    weeks = periods(filters.date_from, filters.date_to, "week")
    totals = {week: [0, 0, 0, 0, 0] for week in weeks}
    for unit_id in sorted(filters.unit_ids, key=lambda pk: unit_names.get(pk, "")):
        for week in weeks:
            b, n, late = booked.get((unit_id, week), (0, 0, 0))
            cap, used = slots.get((unit_id, week), (0, 0))
            if not (b or cap):
                continue
            table.rows.append(
                [unit_names.get(unit_id, ""), period_label(week, "week"), cap, used, percent(used, cap), b, n,
                 percent(n, b), late, percent(late, b)]
            )  # fmt: skip
            for index, value in enumerate((cap, used, b, n, late)):
                totals[week][index] += value
    shares = Figure(
        "no_shows",
        _("Andel uteblivna och sent avbokade besök per vecka"),
        [_("Vecka"), _("Uteblivna (%)"), _("Sena avbokningar (%)")],
        kinds=["percent", "percent"],
    )
    fill = Figure(
        "fill",
        _("Tidbokens beläggning per vecka (bokade av platser)"),
        [_("Vecka"), _("Beläggning (%)"), _("Bokade"), _("Platser")],
        kinds=["percent", "count", "count"],
    )
    for week in weeks:
        cap, used, b, n, late = totals[week]
        label = period_label(week, "week")
        shares.rows.append([label, percent(n, b) or Decimal(0), percent(late, b) or Decimal(0)])
        fill.rows.append([label, percent(used, cap) or Decimal(0), used, cap])
    return table, shares, fill


# --- money -------------------------------------------------------------------------------------------------------

# From the money roll-up (reports.MoneyDay: the invoices that lie wholly at one unit, summed per unit, invoice
# date and due date: for them x * share / total is exactly x) and, one by one, the invoices with lines at
# several units, summed per invoice first so that every division is the same as over the invoice's lines.
MONEY_SQL = """
WITH parts AS (
    SELECT min(invoice_date) AS invoice_date, min(due_date) AS due_date, min(total) AS total,
           sum(share) AS share, min(credited) AS credited, min(paid) AS paid, min(fee) AS fee
    FROM reports_invoiceshare  -- through invoiceshare_parts_idx, written as its first column is
    WHERE (share = total) IS FALSE
      AND caregiver_id = %(caregiver)s AND invoice_date >= %(date_from)s AND invoice_date <= %(date_to)s
      AND unit_id = ANY(%(units)s)
    GROUP BY invoice_id
), amounts AS (
    SELECT invoice_date, due_date, invoiced, credited, paid, owed
    FROM reports_moneyday
    WHERE caregiver_id = %(caregiver)s AND invoice_date >= %(date_from)s AND invoice_date <= %(date_to)s
      AND unit_id = ANY(%(units)s)
    UNION ALL
    SELECT invoice_date, due_date, share, -credited * share / nullif(total, 0), paid * share / nullif(total, 0),
           greatest(total + credited + fee - paid, 0) * share / nullif(total, 0)
    FROM parts
)
SELECT date_trunc('month', invoice_date)::date AS month, sum(invoiced), sum(credited), sum(paid),
       sum(owed) FILTER (WHERE due_date < %(today)s)
FROM amounts
GROUP BY 1
"""


def money_months(filters: Filters, today: dt.date, sql: str = MONEY_SQL) -> dict:
    """Per month (its 1st): invoiced, credited, paid, overdue."""
    params = {"caregiver": filters.caregiver_id, "date_from": filters.date_from, "date_to": filters.date_to}
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "units": filters.unit_ids, "today": today})
        return {row[0]: row[1:] for row in cursor.fetchall()}


def money_by_month(filters: Filters, *, today: dt.date) -> Figure:
    """Of the invoices dated in each month: invoiced, credited, paid and overdue (still unpaid past the
    due date, as of today). An invoice with lines of several units counts for each unit by its share."""
    found = money_months(filters, today)
    figure = Figure(
        "money",
        _("Fakturerat, krediterat, betalt och förfallet per fakturamånad"),
        [_("Månad"), _("Fakturerat"), _("Krediterat"), _("Betalt"), _("Förfallet obetalt")],
        kinds=["money", "money", "money", "money"],
    )
    for start in periods(filters.date_from, filters.date_to, "month"):
        values = found.get(start, (0, 0, 0, 0))
        figure.rows.append([period_label(start, "month"), *(money(v) for v in values)])
    return figure


def product_choices():

    return VaccineProduct.objects.order_by("disease", "name").values_list("pk", "name", "disease")
