"""The steps of booking online that the public pages (booking/views/public.py) and the residents'
signed-in pages (residents/views/bookings.py) share: the units that take online bookings, a unit and
a visit type by their public address, and the days with free seats."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404

from booking import public_cache, selectors
from booking.models import VisitType
from mittvaccin.models import Unit
from mittvaccin.parsing import int_or_none


def bookable_units() -> list[Unit]:
    """Active vaccination units with a timebook (R5), by city and name."""
    return [
        unit
        for unit in Unit.objects.filter(is_active=True, vaccination_main_activity=True, timebook_enabled=True)
        .select_related("caregiver")
        .order_by("city", "name")
        if unit.has_timebook
    ]


def unit_or_404(slug: str) -> Unit:
    unit = public_cache.unit_by_slug(slug)
    if unit is None or not unit.has_timebook:
        raise Http404
    return unit


def visit_type_or_404(unit: Unit, visit_type_id) -> VisitType:
    # With the caller's unit, already read with its caregiver: the price list asks for both.
    visit_type = public_cache.online_visit_type(unit, int_or_none(visit_type_id))
    if visit_type is None:
        raise Http404
    return visit_type


def unit_and_visit_type_or_404(slug: str, visit_type_id) -> tuple[Unit, VisitType]:
    """`unit_or_404` and `visit_type_or_404` with one read of the public booking cache."""
    unit, visit_type = public_cache.unit_and_visit_type(slug, int_or_none(visit_type_id))
    if unit is None or not unit.has_timebook or visit_type is None:
        raise Http404
    return unit, visit_type


def days_and_slots(unit, visit_type, chosen_day, now):
    """(days with free seats as (day, free), the chosen day, its free slots).

    A chosen day without free seats (or none chosen) gives way to the first day that has some.
    """
    days = selectors.days_with_free_slots(
        unit, visit_type, now=now, horizon_days=settings.BOOKING_HORIZON_DAYS
    )
    day_list = [d for d, _free in days]
    if chosen_day not in day_list:
        chosen_day = day_list[0] if day_list else None
    slots = (
        selectors.free_slots(unit, visit_type, first_day=chosen_day, days=1, now=now) if chosen_day else []
    )
    return days, chosen_day, slots
