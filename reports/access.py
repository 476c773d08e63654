"""Who sees which statistics: the one place pages, CSV files and the navigation ask.

Statistics need the explicit `statistics` right. Its scope is the unit the user works at now, or the
whole caregiver (any of its units to choose) when the account also administers the caregiver.
"""

from __future__ import annotations

from mittvaccin.models import Unit
from mittvaccin.rights import Right
from mittvaccin.tenancy import owned


def whole_caregiver(user) -> bool:
    return user.has_right(Right.CAREGIVER_ADMINISTER)


def units_for(request):
    """The units the user may see figures of (a queryset of the caregiver's units)."""

    units = owned(Unit, request).order_by("name")
    if whole_caregiver(request.user):
        return units
    unit = getattr(request, "unit", None)
    return units.filter(pk=unit.pk) if unit is not None else units.none()
