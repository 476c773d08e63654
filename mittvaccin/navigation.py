"""The main menu, built from what each app registers in its AppConfig.ready().

An item shows only to users holding its right and, where it has one, only when the current unit
passes its check (for example the timebook only at units that have one, R5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    right: str | None = None
    unit_check: Callable | None = None
    order: int = 50
    # URL prefix that marks the item as the current page (defaults to the item's own URL).
    active_prefix: str | None = None


_ITEMS: list[NavItem] = []


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _ITEMS:
            _ITEMS.append(item)


def navigation_for(request) -> list[dict]:
    user, unit = request.user, getattr(request, "unit", None)
    result = []
    for item in sorted(_ITEMS, key=lambda i: i.order):
        if item.right and not user.has_right(item.right):
            continue
        if item.unit_check and (unit is None or not item.unit_check(unit)):
            continue
        url = reverse(item.url_name)
        prefix = item.active_prefix or url
        active = request.path == url or (prefix != "/" and request.path.startswith(prefix))
        result.append({"label": str(item.label), "url": url, "active": active})
    return result
