"""Swedish public holidays close the timebook unless a unit opens one deliberately (A6).

The days come from the kept `holidays` library (the official public holidays, and the de facto ones
every Swedish workplace keeps closed: midsommarafton, julafton, nyårsafton, påskafton, pingstafton),
never from a list of our own. Sundays are left to the schedules' weekly hours.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

CATEGORIES = ("public", "de_facto")


@lru_cache(maxsize=16)
def _year(year: int) -> dict[dt.date, str]:
    days = holidays.country_holidays(
        "SE", years=[year], include_sundays=False, language="sv", categories=CATEGORIES
    )
    # A half day ("från kl. 14.00") is an ordinary working morning: not closed.
    return {day: name for day, name in days.items() if "kl." not in name}


def swedish_holidays(first_day: dt.date, last_day: dt.date) -> dict[dt.date, str]:
    """{day: Swedish name} of the holidays from first_day to last_day inclusive."""
    found: dict[dt.date, str] = {}
    for year in range(first_day.year, last_day.year + 1):
        found.update({d: n for d, n in _year(year).items() if first_day <= d <= last_day})
    return found
