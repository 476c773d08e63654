"""A patient read as plain values for the rows of a long list (the timebook's day, a recall's list).

Making a `Patient` model instance for each of hundreds of rows cost more than the rest of such a row;
these carry only the columns a list reads, and take the journal's own `Patient` methods for the name,
the formatted number and the age, so there is still one place for each (protected identity included).
"""

from __future__ import annotations

from journal.models import Patient


class PatientValues:
    """Subclasses name their columns in FIELDS (and as __slots__); `values` come in that order."""

    FIELDS: tuple[str, ...] = ()
    __slots__ = ()

    display_name = Patient.display_name
    identity_display = Patient.identity_display
    age = Patient.age

    def __init__(self, *values):
        for name, value in zip(self.FIELDS, values, strict=True):
            setattr(self, name, value)

    @property
    def pk(self):
        return self.id
