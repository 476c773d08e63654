from mittvaccin.navigation import navigation_for
from mittvaccin.principal import active_units


def workplace(request):
    """What the base layout shows on every page: caregiver, unit, user and the role's navigation."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "current_caregiver": user.caregiver,
        "current_unit": getattr(request, "unit", None),
        # The unit switcher's choices, read with the account (no query of their own).
        "current_units": active_units(user),
        "navigation": navigation_for(request),
    }
