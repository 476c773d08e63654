"""Statistics: counted in the database from the roll-up the beat job keeps, never counting a dose
entered in error, shown as chart, table and CSV with the same numbers, for the right people."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from billing.services.invoices import credit_note_issue
from billing.services.payments import payments_import
from journal.services import vaccination_enter_in_error
from mittvaccin.rights import Right
from reports.export import write_csv
from reports.models import DirtyDay, DoseTally
from reports.services import tallies_rebuild, tallies_refresh
from tests.billing.factories import late_cancellation, no_show, timebook_for
from tests.billing.test_payments import bgmax_file, issued_invoice
from tests.conftest import client_for
from tests.factories import UserFactory
from tests.reports.factories import known_doses

pytestmark = pytest.mark.django_db

YEAR = 2025
PERIOD = {"date_from": f"{YEAR}-03-01", "date_to": f"{YEAR}-04-30"}


def csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def table_values(html: str, key: str) -> dict:
    """{row label: [data-value, …]} of one figure's table in the page."""

    table = html.split(f'data-testid="table-{key}"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        label = re.search(r'<th scope="row">(.*?)</th>', row)
        if label:
            rows[label.group(1)] = re.findall(r'data-value="([^"]*)"', row)
    return rows


def test_doses_are_counted_by_month_vaccine_and_age_without_the_one_entered_in_error(cast):
    data = known_doses(cast, YEAR)
    assert DirtyDay.objects.exists()  # the triggers marked the days
    tallies_refresh()
    assert not DirtyDay.objects.exists()
    html = client_for(cast.admin_a).get(reverse("reports:statistics"), PERIOD).content.decode()
    assert table_values(html, "doses") == {f"{YEAR}-03": ["3"], f"{YEAR}-04": ["3"]}
    vaccines = table_values(html, "vaccines")
    assert vaccines[f"{data['a'].name} ({data['a'].disease})"] == ["4"]
    assert vaccines[f"{data['b'].name} ({data['b'].disease})"] == ["2"]
    ages = table_values(html, "ages")
    assert ages["6–17"] == ["1"] and ages["40–64"] == ["5"]
    campaigns = table_values(html, "campaigns")
    assert campaigns["Barnkampanj"] == ["1", "1", "400.00", "0.00", "400.00"]


def test_chart_table_and_csv_carry_the_same_numbers(cast):
    known_doses(cast, YEAR)
    tallies_refresh()
    client = client_for(cast.admin_a)
    html = client.get(reverse("reports:statistics"), PERIOD).content.decode()

    chart = html.split('data-testid="chart-doses"', 1)[1].split("</svg>", 1)[0]
    bars = dict(re.findall(r'data-label="([^"]+)" data-value="([^"]+)"', chart))
    assert bars == {f"{YEAR}-03": "3", f"{YEAR}-04": "3"}
    rows = csv_rows(client.get(reverse("reports:statistics_csv"), {**PERIOD, "figur": "doses"}))
    assert rows == [["Period", "Doser"], [f"{YEAR}-03", "3"], [f"{YEAR}-04", "3"]]


def test_entering_a_dose_in_error_later_takes_it_out_at_the_next_refresh(cast):

    data = known_doses(cast, YEAR)
    tallies_refresh()
    vaccination_enter_in_error(vaccination=data["doses"][0], user=cast.alice, reason="Fel vaccin")
    tallies_refresh()
    assert sum(DoseTally.objects.values_list("doses", flat=True)) == 5


def test_rebuild_gives_the_same_tallies_as_the_refresh(cast):
    known_doses(cast, YEAR)
    tallies_refresh()
    before = sorted(DoseTally.objects.values_list("day", "product_id", "age_band", "campaign_id", "doses"))
    tallies_rebuild()
    after = sorted(DoseTally.objects.values_list("day", "product_id", "age_band", "campaign_id", "doses"))
    assert before == after and sum(row[-1] for row in after) == 6


def test_staff_with_the_statistics_right_see_their_unit_only(cast):
    known_doses(cast, YEAR)
    tallies_refresh()
    clerk = UserFactory(
        caregiver=cast.caregiver_a,
        username="stat",
        default_unit=cast.unit_a_no_payment,
        rights=[Right.STATISTICS],
    )
    response = client_for(clerk).get(reverse("reports:statistics"), PERIOD)
    assert response.status_code == 200
    assert table_values(response.content.decode(), "doses") == {f"{YEAR}-03": ["0"], f"{YEAR}-04": ["0"]}
    other = client_for(clerk).get(reverse("reports:statistics"), {**PERIOD, "unit": cast.unit_a.pk})
    assert other.status_code == 400
    assert "Enheten finns inte bland de enheter du kan se statistik för." in other.content.decode()


def test_without_the_right_statistics_are_refused(cast):
    assert client_for(cast.alice).get(reverse("reports:statistics")).status_code == 403
    assert client_for(cast.alice).get(reverse("reports:statistics_csv")).status_code == 403


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"date_from": "2025-05-01", "date_to": "2025-04-01"},
            "Perioden slutar (2025-04-01) innan den börjar (2025-05-01).",
        ),
        ({"date_from": "2015-01-01", "date_to": "2025-01-01"}, "Välj en period på högst tre år."),
        ({"date_from": "inte ett datum"}, "Fyll i ett giltigt datum."),
    ],
)
def test_a_bad_period_gets_a_message_not_a_500(cast, query, message):
    response = client_for(cast.admin_a).get(reverse("reports:statistics"), query)
    assert response.status_code == 400
    assert message in response.content.decode()
    csv_response = client_for(cast.admin_a).get(
        reverse("reports:statistics_csv"), {**query, "figur": "doses"}
    )
    assert csv_response.status_code == 400


def test_a_unit_of_another_caregiver_is_refused_with_a_message(cast):
    response = client_for(cast.admin_a).get(reverse("reports:statistics"), {"unit": cast.unit_b.pk})
    assert response.status_code == 400
    assert "Enheten finns inte bland de enheter du kan se statistik för." in response.content.decode()


def test_bookings_no_shows_late_cancellations_and_fill(cast):

    timebook = timebook_for(cast.unit_a)
    patient = __import__("tests.billing.factories", fromlist=["adult"]).adult(cast.caregiver_a)
    no_show(patient, cast.unit_a, cast.clinic_a, timebook=timebook)
    late_cancellation(patient, cast.unit_a, timebook=timebook)
    today = timezone.localdate()
    response = client_for(cast.admin_a).get(
        reverse("reports:statistics"),
        {
            "date_from": (today - dt.timedelta(days=14)).isoformat(),
            "date_to": (today + dt.timedelta(days=14)).isoformat(),
        },
    )
    html = response.content.decode()
    rows = table_values(html, "bookings")
    assert rows, "the unit's weeks are listed"
    totals = [[float(v or 0) for v in values] for values in rows.values()]
    assert sum(r[3] for r in totals) == 2  # bookings (the late-cancelled one counts as booked)
    assert sum(r[4] for r in totals) == 1  # no-shows
    assert sum(r[6] for r in totals) == 1  # late cancellations


def test_csv_neutralises_formula_cells():

    text = write_csv(["Enhet", "Doser"], [["=HYPERLINK(1)", 3], ["-Vårdcentral", -1]])
    assert "'=HYPERLINK(1);3" in text and "'-Vårdcentral;-1" in text


def test_money_invoiced_credited_paid_and_overdue(cast):

    paid = issued_invoice(cast, "300")
    unpaid = issued_invoice(cast, "200")
    credited = issued_invoice(cast, "100")
    credit_note_issue(invoice=credited, user=cast.clinic_a, reason="Fel pris")
    payments_import(caregiver=cast.caregiver_a, content=bgmax_file((paid.ocr, "300.00", "1")), file_name="p")
    month = paid.invoice_date.replace(day=1)
    response = client_for(cast.admin_a).get(
        reverse("reports:statistics"),
        {"date_from": month.isoformat(), "date_to": paid.invoice_date.isoformat()},
    )
    money = table_values(response.content.decode(), "money")
    assert money[month.strftime("%Y-%m")] == ["600.00", "100.00", "300.00", "0.00"]
    later = client_for(cast.admin_a).get(
        reverse("reports:statistics_csv"),
        {"date_from": month.isoformat(), "date_to": paid.invoice_date.isoformat(), "figur": "money"},
    )
    assert csv_rows(later)[1] == [month.strftime("%Y-%m"), "600,00", "100,00", "300,00", "0,00"]
    assert unpaid.total == Decimal("200.00")


def test_a_year_by_week_reads_as_few_queries_as_two_months_and_every_text_is_escaped(cast):
    """Issue 11: the page's queries do not grow with its weeks; the bars and table cells made in Python
    escape what they show, as the template did."""
    known_doses(cast, YEAR)
    tallies_refresh()
    cast.unit_a.name = 'Enhet <b>"A"</b> & co'
    cast.unit_a.save()
    client = client_for(cast.admin_a)
    client.get(reverse("reports:statistics"), PERIOD)
    with CaptureQueriesContext(connection) as months:
        client.get(reverse("reports:statistics"), PERIOD)
    year = {"date_from": f"{YEAR}-01-01", "date_to": f"{YEAR}-12-31", "granularity": "week"}
    with CaptureQueriesContext(connection) as weeks:
        response = client.get(reverse("reports:statistics"), year)
    # Session and account (3), the unit, the form's products, bookings, slots, doses, the figures' names of
    # products, units and campaigns, money, the roll-up's time.
    assert len(weeks) == len(months) <= 13, "\n".join(q["sql"][:120] for q in weeks.captured_queries)
    html = response.content.decode()
    assert len(table_values(html, "doses")) == 53
    escaped = "Enhet &lt;b&gt;&quot;A&quot;&lt;/b&gt; &amp; co"
    assert f'<th scope="row">{escaped}</th>' in html
    assert f'data-label="{escaped}"' in html.split('data-testid="chart-units"', 1)[1]
    assert "Enhet <b>" not in html
    units_chart = html.split('data-testid="chart-units"', 1)[1].split("</svg>", 1)[0]
    assert re.findall(r'<text class="value" x="(\d+)" y="(\d+)">6</text>', units_chart)
