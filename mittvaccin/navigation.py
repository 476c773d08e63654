"""The main menu, built from what each app registers in its AppConfig.ready().

An item shows only to users holding its right (or passing its user check) and, where it has one, only
when the current unit passes its check (for example the timebook only at units that have one, R5).
Apps may also add a panel to the start page (`register_home_panel`), shown to the same audience.
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
    # For what is not a caregiver Right (the installation-level catalogue maintainer): a test of the user.
    user_check: Callable | None = None


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
        if item.user_check and not item.user_check(user):
            continue
        if item.unit_check and (unit is None or not item.unit_check(unit)):
            continue
        url = reverse(item.url_name)
        prefix = item.active_prefix or url
        active = request.path == url or (prefix != "/" and request.path.startswith(prefix))
        result.append({"label": str(item.label), "url": url, "active": active})
    return result


@dataclass(frozen=True)
class HomePanel:
    """A box on the start page: `template` rendered with what `context(request)` returns (None: not shown)."""

    template: str
    context: Callable
    right: str | None = None
    order: int = 50


_PANELS: list[HomePanel] = []


def register_home_panel(panel: HomePanel) -> None:
    if panel not in _PANELS:
        _PANELS.append(panel)


def home_panels(request) -> list[dict]:
    shown = []
    for panel in sorted(_PANELS, key=lambda p: p.order):
        if panel.right and not request.user.has_right(panel.right):
            continue
        context = panel.context(request)
        if context is not None:
            shown.append({"template": panel.template, "context": context})
    return shown
