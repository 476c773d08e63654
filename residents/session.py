"""Who is signed in on the residents' pages, and for whom they act.

The person is whoever e-identification said (mittvaccin.eid); a guardian may act for a child under 18
of whom the population register says they have custody. Custody is asked again on every request, so
a custody that ends, or a child who turns 18, ends the acting at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone

from journal.identity import IdentityError, age_on, format_identity, parse_identity
from journal.population_register import RegisterPerson, population_register
from journal.services.protection import person_is_protected
from mittvaccin.eid import signed_in_resident

SESSION_ACTING_FOR = "mv_resident_for"
ADULT_AGE = 18


@dataclass
class Resident:
    identity: str
    given_names: str
    family_name: str
    children: list[RegisterPerson] = field(default_factory=list)
    acting_for: RegisterPerson | None = None

    @property
    def subject_identity(self) -> str:
        return self.acting_for.identity_number if self.acting_for else self.identity

    @property
    def subject_name(self) -> str:
        if self.acting_for:
            return f"{self.acting_for.given_names} {self.acting_for.family_name}"
        return f"{self.given_names} {self.family_name}".strip()

    @property
    def subject_display(self) -> str:
        return format_identity(self.subject_identity)

    @property
    def is_guardian_acting(self) -> bool:
        return self.acting_for is not None

    @property
    def subject_protected(self) -> bool:
        parsed = parse_identity(self.subject_identity)
        return person_is_protected(identity_kind=parsed.kind, identity_number=parsed.value)


def is_child(identity_number: str) -> bool:
    try:
        parsed = parse_identity(identity_number)
    except IdentityError:
        return False
    age = age_on(parsed.birth_date, timezone.localdate())
    return age is not None and age < ADULT_AGE


def current_resident(request) -> Resident | None:
    signed_in = signed_in_resident(request)
    if signed_in is None:
        return None
    children = [
        child
        for child in population_register().custody_children(signed_in["identity"])
        if is_child(child.identity_number)
    ]
    resident = Resident(
        identity=signed_in["identity"],
        given_names=signed_in.get("given_names", ""),
        family_name=signed_in.get("family_name", ""),
        children=children,
    )
    wanted = request.session.get(SESSION_ACTING_FOR)
    if wanted:
        resident.acting_for = next((c for c in children if c.identity_number == wanted), None)
        if resident.acting_for is None:
            request.session.pop(SESSION_ACTING_FOR, None)
    return resident


def resident_required(missing: str = "signin"):
    """Views of the signed-in resident: `request.resident` is set. Without one: the sign-in page, or a
    404 where the address names something (a booking) that is nobody's business but its owner's."""

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            resident = current_resident(request)
            if resident is None:
                if missing == "404":
                    raise Http404
                return redirect("residents:home")
            request.resident = resident
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
