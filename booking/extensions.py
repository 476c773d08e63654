"""Extension points for the apps that build on booking (billing) without booking importing them.

- `register_booking_action(BookingAction(...))`: a link shown on the staff booking page when it
  applies to the booking and the user holds its right (e.g. billing's manual late-cancel path, R9).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class BookingAction:
    label: str
    url_name: str  # reversed with the booking's id as `booking_id`
    applies: Callable  # applies(booking) -> bool
    right: str | None = None


_ACTIONS: list[BookingAction] = []


def register_booking_action(action: BookingAction) -> None:
    if action not in _ACTIONS:
        _ACTIONS.append(action)


def booking_actions_for(booking, user) -> list[dict]:
    return [
        {"label": str(action.label), "url": reverse(action.url_name, kwargs={"booking_id": booking.pk})}
        for action in _ACTIONS
        if (action.right is None or user.has_right(action.right)) and action.applies(booking)
    ]


# --- Fees: only the app that invoices knows whether a late cancellation or no-show costs anything ------

FEE_LATE_CANCELLATION = "late_cancellation"
FEE_NO_SHOW = "no_show"
_FEE_POLICIES: list[Callable] = []


def register_fee_policy(policy: Callable) -> None:
    """`policy(kind, unit, made_at, starts_at) -> bool`: would such a booking be invoiced for `kind`?"""
    if policy not in _FEE_POLICIES:
        _FEE_POLICIES.append(policy)


def fee_applies(kind: str, unit, *, made_at, starts_at) -> bool:
    """What the booking pages promise residents about fees (R8, R9): true only where an invoicing app
    says the unit would invoice such a booking (R5, R18: units without payment solution never do)."""
    return any(policy(kind, unit, made_at, starts_at) for policy in _FEE_POLICIES)
