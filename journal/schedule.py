"""Vaccination schedules: dose numbers, the earliest date a dose may be given and when the next is due.

A product carries its schedule (VaccineProduct.series_doses, booster days, approved ages, and one
ScheduleStep per dose of the basic series from dose 2). Doses of products against the same disease
count together: a TBE series started with one TBE vaccine continues with another.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from journal.identity import age_on


@dataclass
class ScheduleCheck:
    dose_number: int
    earliest: dt.date | None = None
    next_due: dt.date | None = None
    deviations: list[str] = field(default_factory=list)


def _steps(product) -> dict[int, object]:
    # Prefetched by callers that show many products; one query otherwise.
    return {step.dose_number: step for step in product.schedule_steps.all()}


def interval_for(product, dose_number: int):
    """(min_days, recommended_days) from the previous dose to dose `dose_number`, or None."""
    if dose_number <= 1:
        return None
    if dose_number <= product.series_doses:
        step = _steps(product).get(dose_number)
        return (step.min_days, step.recommended_days) if step else None
    if product.booster_days:
        return (product.booster_min_days or product.booster_days, product.booster_days)
    return None


def next_due_date(product, dose_number: int, given_on: dt.date) -> dt.date | None:
    """When the dose after dose `dose_number` given on `given_on` is due, if the schedule has one."""
    interval = interval_for(product, dose_number + 1)
    if interval is None:
        return None
    return given_on + dt.timedelta(days=interval[1])


def check_dose(*, product, dose_number: int, given_on: dt.date, previous_on: dt.date | None, birth_date):
    """What the schedule says about giving dose `dose_number` of `product` on `given_on`.

    `deviations` lists, in Swedish, each reason the dose needs an override: earlier than the minimum
    interval after the previous dose, or outside the product's approved ages.
    """
    result = ScheduleCheck(dose_number=dose_number)
    interval = interval_for(product, dose_number)
    if interval and previous_on:
        result.earliest = previous_on + dt.timedelta(days=interval[0])
        if given_on < result.earliest:
            result.deviations.append(
                _(
                    "Dos %(n)d ges %(days)d dagar efter föregående dos; minsta intervall är %(min)d dagar "
                    "(tidigast %(earliest)s)."
                )
                % {
                    "n": dose_number,
                    "days": (given_on - previous_on).days,
                    "min": interval[0],
                    "earliest": result.earliest.isoformat(),
                }
            )
    age_days = (given_on - birth_date).days if birth_date else None
    if age_days is not None:
        if product.min_age_days and age_days < product.min_age_days:
            result.deviations.append(
                _("Patienten är yngre än produktens godkända ålder (från %(months)d månader).")
                % {"months": product.min_age_days // 30}
            )
        years = age_on(birth_date, given_on)
        if product.max_age_years is not None and years is not None and years > product.max_age_years:
            result.deviations.append(
                _("Patienten är äldre än produktens godkända ålder (till och med %(years)d år).")
                % {"years": product.max_age_years}
            )
    result.next_due = next_due_date(product, dose_number, given_on)
    return result
