"""Places where later apps plug into journal pages without the journal importing them.

- `register_dose_form_part(url_name)`: the dose form renders, for each registered URL name, a
  container that htmx fills from that URL (with ``?patient=<id>&visit=<id>`` and the form's current
  fields). Fields rendered there whose names start with ``billing-`` are posted with the dose and
  handed to the receivers of `journal.signals.vaccination_registered` as `billing_data`.
- `register_care_relationship(check)`: `check(patient, unit) -> bool` tells whether the patient has a
  current care relationship with the unit through something the journal does not know (a booking).
  The shared record (R6) opens when the journal's own visits or any registered check say so.
- `register_booking_times(lookup)`: `lookup(booking_ids) -> {booking_id: starts_at}` for the bookings
  that are still booked (not cancelled, not yet attended). The physician's list shows residents'
  answers before the visit (A15) only for those, with the current time of the visit.
"""

from __future__ import annotations

from collections.abc import Callable

_DOSE_FORM_PARTS: list[str] = []
_CARE_RELATIONSHIP_CHECKS: list[Callable] = []


def register_dose_form_part(url_name: str) -> None:
    if url_name not in _DOSE_FORM_PARTS:
        _DOSE_FORM_PARTS.append(url_name)


def dose_form_parts() -> list[str]:
    return list(_DOSE_FORM_PARTS)


def register_care_relationship(check: Callable) -> None:
    if check not in _CARE_RELATIONSHIP_CHECKS:
        _CARE_RELATIONSHIP_CHECKS.append(check)


def care_relationship_checks() -> list[Callable]:
    return list(_CARE_RELATIONSHIP_CHECKS)


_BOOKING_TIMES: list[Callable] = []


def register_booking_times(lookup: Callable) -> None:
    if lookup not in _BOOKING_TIMES:
        _BOOKING_TIMES.append(lookup)


def booking_times(booking_ids) -> dict:
    found: dict = {}
    for lookup in _BOOKING_TIMES:
        found.update(lookup(booking_ids))
    return found
