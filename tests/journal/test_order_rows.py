"""An order drawn in Python (`journal.order_rows`) is the bytes the template `journal/_order.html` drew
before (issue 11), whatever state the order is in and whatever its texts hold."""

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path

from django.template import engines
from django.utils import translation

from journal.models import Order, OrderEnteredInError, VaccineProduct, Visit
from journal.order_rows import order_html
from mittvaccin.models import Unit

# The template as it was before orders were drawn in Python: the reference the new drawing keeps.
REFERENCE = (Path(__file__).parent / "order_reference.html").read_text()

TEXTS = ["", "FSME-Immun", "<b>Hep & B</b>", 'it\'s "quoted"', "rad 1\nrad 2\r\nrad 3\rslut"]


def _order(rng: random.Random) -> Order:
    unit_id = rng.choice([1, 2])
    order = Order(
        product=VaccineProduct(pk=5, name=rng.choice(TEXTS[1:]), disease=rng.choice(["TBE", "<x>", "A & B"])),
        dose_ml=rng.choice([Decimal("0.50"), Decimal("1.00"), Decimal("0.25"), Decimal("10.5")]),
        doses_total=rng.randint(1, 10),
        schedule=rng.choice(TEXTS),
        instructions=rng.choice(TEXTS),
        valid_until=dt.date(2026, 1, 1) + dt.timedelta(days=rng.randint(0, 800)),
        signature=rng.choice(["Lars Läkare (läkare)", "<Sofia> & co"]),
        ordered_at=dt.datetime(
            2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23), 7, tzinfo=dt.UTC
        ),
        unit=Unit(pk=unit_id, name=rng.choice(["Vaccinationsmottagningen", "<Enhet> & 'B'"])),
    )
    order.remaining = rng.randint(0, order.doses_total)
    order.withdrawn = rng.random() < 0.3
    if order.withdrawn:
        order.entered_in_error = OrderEnteredInError(reason=rng.choice(["Fel patient", "<fel> & 'så'"]))
    order.expired = rng.random() < 0.3
    order.is_open = order.remaining > 0 and not order.withdrawn and not order.expired
    return order


def test_an_order_drawn_in_python_is_the_templates_bytes_in_swedish_and_english():
    reference = engines["django"].from_string(REFERENCE)
    rng = random.Random(5)
    for language in ("sv", "en"):
        with translation.override(language):
            for _ in range(400):
                order = _order(rng)
                visit = rng.choice([None, Visit(unit_id=1), Visit(unit_id=2)])
                assert order_html(order, visit) == reference.render({"order": order, "visit": visit})


def test_every_text_of_an_order_comes_out_escaped():
    rng = random.Random(1)
    order = _order(rng)
    order.product.name, order.instructions, order.signature = "<p>", "<i>\nx", "<s>"
    html = order_html(order)
    assert "<p>" not in html.replace('<p class="', "").replace("<p><strong>", "")
    assert "&lt;p&gt;" in html and "&lt;i&gt;<br>x" in html and "&lt;s&gt;" in html
