"""The staff's patient search: by any accepted form of a number, or by name."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from journal.identity import IdentityError, looks_like_identity, parse_identity
from journal.models import Patient
from mittvaccin.tenancy import owned

SEARCH_LIMIT = 50


@dataclass
class PatientSearchResult:
    query: str
    patients: list = field(default_factory=list)
    error: str = ""
    identity: object = None  # ParsedIdentity when the query was a valid number
    truncated: bool = False


def patient_search(*, who, query: str) -> PatientSearchResult:
    """Find patients of the caregiver by any accepted form of their number, or by name.

    A number is matched exactly on its canonical value; a name matches word by word as a prefix of
    the family name or the given names ("eriks maj" finds Maja Eriksson). Two queries at most,
    whatever the size of the register.
    """
    query = (query or "").strip()
    result = PatientSearchResult(query=query)
    if not query:
        return result
    patients = owned(Patient, who)
    if looks_like_identity(query):
        try:
            result.identity = parse_identity(query)
        except IdentityError as error:
            # A reserve number is 12 digits without a national check digit: try it as it is.
            digits = "".join(ch for ch in query if ch.isdigit())
            matches = (
                list(patients.filter(identity_number=digits)[:SEARCH_LIMIT]) if len(digits) == 12 else []
            )
            if not matches:
                result.error = error.message
            result.patients = matches
            return result
        result.patients = list(patients.filter(identity_number=result.identity.value)[:SEARCH_LIMIT])
        return result

    words = [w for w in query.replace(",", " ").split() if w]
    condition = Q()
    for word in words:
        condition &= Q(family_name__istartswith=word) | Q(given_names__istartswith=word)
    found = list(patients.filter(condition).order_by("family_name", "given_names", "id")[: SEARCH_LIMIT + 1])
    result.truncated = len(found) > SEARCH_LIMIT
    result.patients = found[:SEARCH_LIMIT]
    return result
