"""The database triggers that keep the legal records (journal, invoices, access log) as they were written."""

import pgtrigger


def append_only(name: str) -> pgtrigger.Protect:
    """Rows are never changed or deleted: a correction is a new row (the legal record is never edited)."""
    return pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete)


def never_deleted(name: str) -> pgtrigger.Protect:
    """Rows may change state but are never deleted (a booking, a charge: their history must remain)."""
    return pgtrigger.Protect(name=name, operation=pgtrigger.Delete)
