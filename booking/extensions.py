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


# --- Prices: only the app that keeps the price list knows what a visit costs (R18) --------------------


@dataclass(frozen=True)
class PublicPrice:
    """What a visit type costs a resident by the caregiver's price list on a day: the figures an
    invoice for it would carry. `vaccines` are (name, list price per dose) of the visit type's
    vaccines that have a price; `visit_fee` is the visit fee, when the caregiver charges one."""

    vaccines: tuple = ()
    visit_fee: object = None

    @property
    def one_amount(self):
        """The price per dose when every vaccine of the visit costs the same, else None."""
        amounts = {amount for _name, amount in self.vaccines}
        return amounts.pop() if len(amounts) == 1 else None

    def __bool__(self) -> bool:
        return bool(self.vaccines) or self.visit_fee is not None


_PRICE_LISTS: list[Callable] = []


def register_price_list(price_list: Callable) -> None:
    """`price_list(visit_type, day) -> PublicPrice`: the caregiver's prices for the visit type's vaccines."""
    if price_list not in _PRICE_LISTS:
        _PRICE_LISTS.append(price_list)


def public_price(visit_type, day) -> PublicPrice:
    """The price the public booking pages show (R18): from the price list, never typed on the visit type."""
    for price_list in _PRICE_LISTS:
        found = price_list(visit_type, day)
        if found:
            return found
    return PublicPrice()
