"""What every journal service shares: the refusal users read, and the right check."""

from __future__ import annotations

import datetime as dt


class JournalError(Exception):
    """A refusal the user must read: `message` is the Swedish text; `field` the form field it concerns."""

    def __init__(self, message: str, field: str | None = None, existing=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.existing = existing


# Times given are compared with the clock with this tolerance (the nurse's watch, a slow form).
FUTURE_TOLERANCE = dt.timedelta(minutes=2)


def _require(user, right: str, message: str) -> None:
    if not user.has_right(right):
        raise JournalError(message)
