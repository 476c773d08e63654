"""Rights are checked in one layer: the view's door.

Every view declares, with one decorator of this family, who may come in: `require_right(Right.X)`
(an account with the right; several rights: any one of them), `signed_in` (every staff account of
the caregiver) or `public` (no account: residents' pages, health checks). The app doors built on
`declare` do the same after their own lookup: `journal.access.patient_view`,
`booking.views.common.unit_view` / `booking_view` / `unit_object_view`. A door answers 403 to an
account without the right; tenancy (404) comes first wherever the URL names an object.

Services do not check rights: they check rules. `tests/test_view_rights.py` walks every URL and
fails for a view that declares nothing, the way the tenancy walk covers every URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied


@dataclass(frozen=True)
class Door:
    """Who may use a view. `rights`: any one of them lets an account in; none: every signed-in
    account. `public`: no sign-in at all."""

    rights: tuple[str, ...] = ()
    public: bool = False

    def admits(self, user) -> bool:
        if self.public or not self.rights:
            return True
        return any(_holds(user, right) for right in self.rights)

    def check(self, user) -> None:
        if not self.admits(user):
            raise PermissionDenied


# The national vaccine catalogue's maintainers: an installation-level right above every caregiver,
# kept on the account (`User.is_catalogue_maintainer`), never among the rights a caregiver grants.
CATALOGUE_MAINTAINER = "catalogue_maintainer"


def _holds(user, right: str) -> bool:
    if right == CATALOGUE_MAINTAINER:
        return bool(getattr(user, "is_catalogue_maintainer", False))
    return user.has_right(right)


SIGNED_IN = Door()
PUBLIC = Door(public=True)


def door_for(*rights: str | None) -> Door:
    """The door of one right (None: every signed-in account) or of any of several."""
    wanted = tuple(right for right in rights if right)
    return Door(rights=wanted) if wanted else SIGNED_IN


def declare(view, door: Door):
    """Record the door on the view; `functools.wraps` carries it out through outer decorators."""
    view.door = door
    return view


def require_right(*rights: str):
    """The view answers 403 to an account with none of `rights` (rights are explicit, never titles)."""
    door = door_for(*rights)

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            door.check(request.user)
            return view(request, *args, **kwargs)

        return declare(wrapper, door)

    return decorate


def signed_in(view):
    """Every signed-in staff account may use the view (the login middleware already asks for one)."""
    return declare(view, SIGNED_IN)


def public(view):
    """No account needed, on purpose: the residents' pages and the health checks."""
    return declare(login_not_required(view), PUBLIC)


def require_catalogue_maintainer(view):
    """The view answers 403 to everyone but catalogue maintainers (an installation-level right kept on
    the account, not among a caregiver's rights)."""
    return require_right(CATALOGUE_MAINTAINER)(view)
