"""What every journal service shares: the refusal users read, the clock's tolerance."""

from __future__ import annotations

import datetime as dt

from mittvaccin.refusals import Refusal


class JournalError(Refusal):
    """A journal rule said no. `existing` is the entry already signed when the refusal is a repeated
    submission (the view then shows that entry instead of an error)."""

    def __init__(self, message: str, field: str | None = None, existing=None, code: str | None = None):
        super().__init__(message, field=field, code=code)
        self.existing = existing


# Times given are compared with the clock with this tolerance (the nurse's watch, a slow form).
FUTURE_TOLERANCE = dt.timedelta(minutes=2)
