"""What every journal service shares: the refusal users read, the clock's tolerance, the visit check."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from mittvaccin.refusals import Refusal


class JournalError(Refusal):
    """A journal rule said no. `existing` is the entry already signed when the refusal is a repeated
    submission (the view then shows that entry instead of an error)."""

    def __init__(self, message: str, field: str | None = None, existing=None, code: str | None = None):
        super().__init__(message, field=field, code=code)
        self.existing = existing


# Times given are compared with the clock with this tolerance (the nurse's watch, a slow form).
FUTURE_TOLERANCE = dt.timedelta(minutes=2)


def check_visit_of(patient, visit) -> None:
    """A visit given with an entry (none is fine) must be the same patient's."""
    if visit is not None and visit.patient_id != patient.pk:
        raise JournalError(_("Besöket tillhör en annan patient."))
