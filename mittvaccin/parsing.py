"""Numbers and days typed into a query string or a form field the view reads itself: a bad one is
simply absent (None), never a 500."""

from __future__ import annotations

import datetime as dt


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def day_or_none(value) -> dt.date | None:
    """An ISO day, 2026-11-25."""
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None
