"""The charts' axes and labels drawn in Python (`Chart.axis_svg`) are the template's, byte for byte.

`chart_reference.html` is `templates/reports/_chart.html` as it was when the template drew them; the
new template and the reference are rendered with the same charts, in Swedish and English, and must
give the same text (issue 11: the statistics page's seven charts drew them one variable at a time).
"""

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.template import engines
from django.template.loader import get_template
from django.utils import translation

from reports import charts
from reports.selectors import Figure

REFERENCE = (Path(__file__).parent / "chart_reference.html").read_text()
KINDS = ("count", "money", "percent")
AWKWARD = [
    "<b>Vård & omsorg</b>",
    'Enhet "Norr"',
    "Åre'",
    "Ett mycket långt namn på en vaccinationsenhet i norr",
]


def _value(rng: random.Random, kind: str):
    if rng.random() < 0.05:
        return None
    if kind == "count":
        return rng.choice([0, 1, 7, 12_345, rng.randint(0, 5_000)])
    if kind == "money":
        return Decimal(rng.randint(0, 9_000_000)) / 100
    return Decimal(rng.randint(0, 1000)) / 10


def _figures(rng: random.Random):
    for _ in range(60):
        kinds = [rng.choice(KINDS) for _ in range(rng.randint(1, 3))]
        rows = rng.randint(0, 60)
        start = dt.date(2026, 1, 5)
        over_time = [
            [(start + dt.timedelta(weeks=i)).isoformat(), *(_value(rng, kind) for kind in kinds)]
            for i in range(rows)
        ]
        figure = Figure("weeks", "Doser <per> vecka", ["Vecka", *kinds], over_time, kinds)
        yield figure, charts.columns(figure, list(range(1, len(kinds) + 1)), kinds)
        categories = [
            [rng.choice(AWKWARD) if rng.random() < 0.3 else f"Vaccin {i}", _value(rng, kinds[0])]
            for i in range(rows)
        ]
        figure = Figure("products", "Per vaccin", ["Vaccin", kinds[0]], categories, kinds[:1])
        yield figure, charts.bars(figure, 1, kinds[0])


def test_the_axes_and_labels_drawn_in_python_are_the_templates():
    reference = engines["django"].from_string(REFERENCE)
    drawn = get_template("reports/_chart.html")
    compared = 0
    for language in ("sv", "en"):
        with translation.override(language):
            for figure, chart in _figures(random.Random(f"charts-{language}")):
                context = {"figure": figure, "chart": chart}
                assert drawn.render(context) == reference.render(context)
                compared += 1
    assert compared == 240


def test_a_label_is_escaped_once():
    figure = Figure("units", "Per enhet", ["Enhet", "Doser"], [["<b>Vård & omsorg</b>", 3]], ["count"])
    svg = charts.bars(figure, 1, "count").axis_svg
    assert "&lt;b&gt;Vård &amp; omsorg&lt;/b&gt;" in svg
    assert "<b>" not in svg


def test_a_money_axis_leaves_room_for_its_longest_amount():
    # "25 000,00 kr" at the default left margin was cut to "000,00 kr" on the statistics page.
    kinds = ["money"]
    figure = Figure("money", "Fakturerat", ["Månad", "Fakturerat"], [["2026-11", Decimal("23456.5")]], kinds)
    chart = charts.columns(figure, [1], kinds)
    longest = max(len(tick.text) for tick in chart.ticks)
    assert longest >= len("25 000,00 kr")
    assert chart.plot["x"] >= 14 + charts.AXIS_CHAR_WIDTH * longest > charts.LEFT
    assert all(bar.x >= chart.plot["x"] for bar in chart.bars)
    counts = charts.columns(
        Figure("n", "Doser", ["Vecka", "Doser"], [["2026 v. 1", 3]], ["count"]), [1], ["count"]
    )
    assert counts.plot["x"] == charts.LEFT
