"""The statistics page in chromium: a chart is drawn, and its numbers equal the table's and the CSV's
for a known data set (doses in March and April, one entered in error and never counted)."""

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from reports.services import tallies_refresh
from tests.e2e.conftest import login, screenshot
from tests.reports.factories import known_doses

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = 2025


def test_statistics_chart_equals_table_and_csv(cast, page):
    known_doses(cast, YEAR)
    tallies_refresh()
    login(page, "admin_a")
    page.get_by_role("navigation", name="Huvudmeny").get_by_role("link", name="Statistik").click()
    page.get_by_label("Från").fill(f"{YEAR}-03-01")
    page.get_by_label("Till och med").fill(f"{YEAR}-04-30")
    page.get_by_role("button", name="Visa").click()
    chart = page.get_by_test_id("chart-doses")
    expect(chart).to_be_visible()
    bars = chart.locator("rect.bar")
    expect(bars).to_have_count(2)
    drawn = {bar.get_attribute("data-label"): bar.get_attribute("data-value") for bar in bars.all()}
    # The bars are really drawn: equal counts give equal, non-zero heights.
    heights = {float(bar.get_attribute("height")) for bar in bars.all()}
    assert len(heights) == 1 and heights.pop() > 0
    table = page.get_by_test_id("table-doses")
    shown = {
        row.locator("th").inner_text(): row.locator("td").get_attribute("data-value")
        for row in table.locator("tbody tr").all()
    }
    assert table.locator("tbody tr").first.locator("td").inner_text() == "3"
    with page.expect_download() as download:
        page.get_by_test_id("csv-doses").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    from_csv = {row[0]: row[1] for row in list(csv.reader(io.StringIO(text), delimiter=";"))[1:]}
    assert drawn == shown == from_csv == {f"{YEAR}-03": "3", f"{YEAR}-04": "3"}
    expect(page.get_by_test_id("table-vaccines")).to_contain_text("Statistikvaccin A")
    screenshot(page, "statistics-01-page")
    page.set_viewport_size({"width": 820, "height": 1100})
    expect(chart).to_be_visible()
    screenshot(page, "statistics-02-tablet")
