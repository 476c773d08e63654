"""The dose figures from the block roll-up (whole blocks of a week within a month, and the period's edge
days from the day roll-up) are exactly the figures of the old query over the day roll-up alone, kept here
as the reference: for periods starting and ending on every weekday around month, year and daylight-saving
edges, by week and by month, with unit and vaccine filters, and with day rows that charged nothing beside
day rows that charged something in the same block."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from journal.services import vaccination_enter_in_error
from reports import selectors
from reports.models import DoseBlock, DoseTally
from reports.services import BLOCK_OF_DAY, dose_blocks_sum, tallies_refresh
from tests.billing.factories import campaign, product_with_price
from tests.conftest import client_for
from tests.factories import UnitFactory
from tests.reports.factories import dose_on, known_doses

pytestmark = pytest.mark.django_db

# The query the page used before the block roll-up, word for word: the reference.
DAY_ROWS_DOSES_SQL = """
SELECT GROUPING(t.period, t.product_id, t.unit_id, t.age_band, t.campaign_id) AS grouping,
       t.period, t.product_id, t.unit_id, t.age_band, t.campaign_id,
       sum(t.doses), sum(t.doses) FILTER (WHERE t.charged = 0), sum(t.list_value), sum(t.charged)
FROM (
    SELECT date_trunc(%(granularity)s, day::timestamp)::date AS period, product_id, unit_id, age_band, campaign_id,
           doses, charged, list_value
    FROM reports_dosetally
    WHERE caregiver_id = %(caregiver)s AND day >= %(date_from)s AND day <= %(date_to)s
      AND unit_id = ANY(%(units)s) AND (%(product)s::bigint IS NULL OR product_id = %(product)s::bigint)
) AS t
GROUP BY GROUPING SETS ((t.period), (t.product_id), (t.unit_id), (t.age_band), (t.campaign_id), ())
"""

FIRST, LAST = dt.date(2025, 9, 22), dt.date(2026, 1, 11)


def figures(filters, sql=selectors.DOSES_SQL):
    found = selectors.dose_figures(filters, sql)
    totals = found.pop("totals")
    return {key: figure.rows for key, figure in found.items()}, totals


def same_as_day_rows(filters):
    from_blocks = figures(filters)
    assert from_blocks == figures(filters, DAY_ROWS_DOSES_SQL), (filters.date_from, filters.date_to)
    return from_blocks


def day_rows(cast):
    """Day rows of caregiver A at two units and of caregiver B, 22 Sep 2025 – 11 Jan 2026 (1 Oct is a
    Wednesday, 1 Nov a Saturday, 1 Jan a Thursday; the clocks change on 26 Oct): two vaccines, three age
    bands, with and without a campaign, and in one block the same key charged nothing on some days and
    something on others."""
    unit_a3 = UnitFactory(caregiver=cast.caregiver_a, name="Vaccinationsmottagningen A3")
    products = [product_with_price(cast.caregiver_a, "400"), product_with_price(cast.caregiver_a, "250")]
    free = campaign(cast.caregiver_a, products=products, name="Höstkampanj")
    rows, day, n = [], FIRST, 0
    while day <= LAST:
        for unit, caregiver in ((cast.unit_a, cast.caregiver_a), (unit_a3, cast.caregiver_a),
                                (cast.unit_b, cast.caregiver_b)):  # fmt: skip
            for product in products:
                for band in (0, 3, 6):
                    for chosen in (None, free):
                        n += 1
                        if n % 3 == 0 or (unit == unit_a3 and day.weekday() == 6):
                            continue  # not every key every day
                        doses = 1 + n % 4
                        charged = Decimal(0) if (n + day.day) % 3 == 0 else Decimal(doses * 100 - 7) / 4
                        rows.append(DoseTally(caregiver=caregiver, unit=unit, day=day, product=product,
                                              age_band=band, campaign=chosen, doses=doses,
                                              list_value=Decimal(doses * 400), charged=charged))  # fmt: skip
        day += dt.timedelta(days=1)
    DoseTally.objects.bulk_create(rows)
    with connection.cursor() as cursor:
        marked = sorted({(row.caregiver_id, row.day) for row in rows})
        dose_blocks_sum(cursor, [c for c, _d in marked], [d for _c, d in marked])
    return unit_a3, products


def test_the_blocks_are_the_sums_of_their_day_rows(cast):
    day_rows(cast)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT caregiver_id, unit_id, {BLOCK_OF_DAY.format(day="day")}, product_id, age_band, campaign_id,
                   sum(doses), coalesce(sum(doses) FILTER (WHERE charged = 0), 0), sum(list_value), sum(charged)
            FROM reports_dosetally GROUP BY 1, 2, 3, 4, 5, 6
            """  # noqa: S608
        )
        expected = sorted(cursor.fetchall(), key=str)
    blocks = DoseBlock.objects.values_list(
        "caregiver_id",
        "unit_id",
        "block",
        "product_id",
        "age_band",
        "campaign_id",
        "doses",
        "free",
        "list_value",
        "charged",
    )
    assert sorted(blocks, key=str) == expected
    # Every block begins on a Monday or a 1st and lies within one week and one month.
    assert all(block.weekday() == 0 or block.day == 1 for block in {row[2] for row in expected})
    assert 0 < sum(row[7] for row in expected) < sum(row[6] for row in expected)  # free and charged rows


def test_dose_figures_from_blocks_equal_the_day_rows_for_every_edge(cast):
    unit_a3, products = day_rows(cast)
    units = [cast.unit_a.pk, unit_a3.pk]
    starts = [FIRST + dt.timedelta(days=i) for i in range(7, 17)]  # Mon 29 Sep – Wed 8 Oct
    ends = [dt.date(2025, 12, 26) + dt.timedelta(days=i) for i in range(0, 10, 1)]  # Fri 26 Dec – Sun 4 Jan
    for granularity in ("week", "month"):
        for date_from in starts:
            for date_to in ends[:: 1 if granularity == "week" else 3]:
                same_as_day_rows(selectors.Filters(cast.caregiver_a.pk, date_from, date_to, units,
                                                   granularity=granularity))  # fmt: skip
    short = [
        (dt.date(2025, 9, 30), dt.date(2025, 10, 2)),  # a month edge inside one week: no whole block
        (dt.date(2025, 10, 1), dt.date(2025, 10, 1)),  # one day that begins a block
        (dt.date(2025, 10, 1), dt.date(2025, 10, 5)),  # exactly one block
        (dt.date(2025, 10, 20), dt.date(2025, 11, 2)),  # the clocks change; a Saturday 1st
        (dt.date(2025, 12, 29), dt.date(2026, 1, 4)),  # ISO week 1 of 2026, two blocks
        (FIRST - dt.timedelta(days=40), LAST + dt.timedelta(days=40)),  # beyond the rows at both ends
    ]
    for date_from, date_to in short:
        for granularity in ("week", "month"):
            for chosen_units, product in ((units, None), ([unit_a3.pk], None), (units, products[1].pk)):
                same_as_day_rows(selectors.Filters(cast.caregiver_a.pk, date_from, date_to, chosen_units,
                                                   product_id=product, granularity=granularity))  # fmt: skip
    figures_a, totals = same_as_day_rows(
        selectors.Filters(cast.caregiver_a.pk, FIRST, LAST, units, granularity="month")
    )
    expected = DoseTally.objects.filter(caregiver=cast.caregiver_a).aggregate(n=Sum("doses"))["n"]
    assert totals["doses"] == expected > 0
    assert [row[0] for row in figures_a["campaigns"]] == ["Höstkampanj"]


def test_another_caregivers_doses_never_reach_the_figures(cast):
    _unit_a3, _products = day_rows(cast)
    both = [cast.unit_a.pk, cast.unit_b.pk]  # B's unit among A's filters: none of B's rows is read
    found, totals = same_as_day_rows(selectors.Filters(cast.caregiver_a.pk, FIRST, LAST, both))
    assert totals["doses"] == DoseTally.objects.filter(unit=cast.unit_a).aggregate(n=Sum("doses"))["n"]
    assert [row[0] for row in found["units"]] == [cast.unit_a.name]


def test_the_refresh_sums_the_blocks_of_the_days_it_recounts(cast):
    data = known_doses(cast, 2025)
    product = data["a"]
    dose_on(cast, dt.date(2025, 3, 31), product=product)  # Monday of the week 1 April begins a block in
    dose_on(cast, dt.date(2025, 4, 1), product=product)
    tallies_refresh()
    sums = dict(
        DoseBlock.objects.filter(product=product)
        .values("block")
        .annotate(n=Sum("doses"))
        .values_list("block", "n")
    )
    assert sums == {
        dt.date(2025, 3, 10): 2,
        dt.date(2025, 3, 31): 1,
        dt.date(2025, 4, 1): 1,
        dt.date(2025, 4, 14): 2,
    }
    vaccination_enter_in_error(vaccination=data["doses"][0], user=cast.alice, reason="Fel vaccin")
    tallies_refresh()
    assert DoseBlock.objects.get(product=product, block=dt.date(2025, 3, 10)).doses == 1  # one adult left
    period = (dt.date(2025, 3, 11), dt.date(2025, 4, 14))  # edges inside blocks at both ends
    for granularity in ("week", "month"):
        same_as_day_rows(
            selectors.Filters(cast.caregiver_a.pk, *period, [cast.unit_a.pk], granularity=granularity)
        )


def test_the_statistics_page_reads_the_dose_roll_ups_once_each(cast):
    known_doses(cast, 2025)
    tallies_refresh()
    client = client_for(cast.admin_a)
    query = {"date_from": "2025-01-03", "date_to": "2025-12-30", "granularity": "week"}
    client.get(reverse("reports:statistics"), query)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:statistics"), query)
    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries]
    assert sum("reports_doseblock" in sql for sql in statements) == 1
    assert sum("reports_dosetally" in sql for sql in statements) == 1  # the same statement: its edge days
    assert len(statements) <= 8, "\n".join(sql[:120] for sql in statements)
