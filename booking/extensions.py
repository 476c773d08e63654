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
