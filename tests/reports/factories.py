"""A known data set for the statistics: doses on chosen days (through the journal's own services, so
charges and campaigns are made as in real use), bookings, invoices and payments."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.utils import timezone

from journal import services
from journal.services import vaccination_enter_in_error
from tests.billing.factories import adult, campaign, child, product_with_price
from tests.journal.factories import Ready, batch_for, confirm, declare, make_order, register


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def dose_on(cast, day: dt.date, *, product, patient=None, unit=None, billing_data=None):
    """A dose signed on `day` at 10:00 (the clock is moved there, so every check sees that day)."""

    unit = unit or cast.unit_a
    with time_machine.travel(at(day, 9), tick=False):
        patient = patient or adult(cast.caregiver_a)
        order = make_order(cast, patient, product, doses=1, unit=unit)
        visit = services.visit_open(patient=patient, unit=unit, user=cast.alice)
        ready = Ready(patient, visit, product, batch_for(cast.caregiver_a, product), order,
                      declare(visit, cast.alice), confirm(visit, cast.alice))  # fmt: skip
    with time_machine.travel(at(day, 10), tick=False):
        return register(cast, ready, given_at=at(day, 10), billing_data=billing_data or {})


def known_doses(cast, year: int):
    """Six doses in March and April of `year`: 4 of product A (one to a child under a free campaign),
    2 of product B; one more of A entered in error (never counted)."""

    product_a = product_with_price(cast.caregiver_a, "400", name="Statistikvaccin A")
    product_b = product_with_price(cast.caregiver_a, "250", name="Statistikvaccin B")
    free = campaign(cast.caregiver_a, products=[product_a], name="Barnkampanj", min_age=0, max_age=17)
    march, april = dt.date(year, 3, 10), dt.date(year, 4, 14)
    doses = [
        dose_on(cast, march, product=product_a),
        dose_on(cast, march, product=product_a),
        dose_on(cast, march, product=product_b),
        dose_on(cast, april, product=product_a),
        dose_on(cast, april, product=product_b),
        dose_on(
            cast,
            april,
            product=product_a,
            patient=child(cast.caregiver_a, age_years=8),
            billing_data={"billing-campaign": str(free.pk)},
        ),
    ]
    wrong = dose_on(cast, april, product=product_a)
    vaccination_enter_in_error(vaccination=wrong, user=cast.alice, reason="Fel patient")
    return {"a": product_a, "b": product_b, "campaign": free, "doses": doses}
