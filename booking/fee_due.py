"""The work list of the no-show and late-cancel jobs (R8, R9): the bookings whose fee is still to be settled.

Booking owns the fact that a fee became due, and fills the list with a trigger of its own (billing, which
settles the fees, is a layer above and empties it). Imported by booking.models, where the triggers sit on
Booking.
"""

from __future__ import annotations

import pgtrigger
from django.db import models
from django.utils.translation import gettext_lazy as _

from mittvaccin.tenancy import CaregiverOwnedQuerySet

# A booking whose fee became due goes on the list. Only a row that is, or has just become, a no-show or a
# late cancellation runs the function (the triggers' WHEN): an ordinary booking pays nothing.
_UPSERT = """
INSERT INTO booking_feedue (booking_id, kind, due_at)
VALUES (NEW.id,
        CASE WHEN NEW.status = 'no_show' THEN 'no_show' ELSE 'late_cancellation' END,
        CASE WHEN NEW.status = 'no_show' THEN NEW.no_show_marked_at ELSE NEW.cancelled_at END)
ON CONFLICT (booking_id) DO UPDATE SET kind = EXCLUDED.kind, due_at = EXCLUDED.due_at;
RETURN NULL;
"""

FEE_DUE_TRIGGERS = [
    pgtrigger.Trigger(
        name="booking_fee_due_on_insert",
        when=pgtrigger.After,
        operation=pgtrigger.Insert,
        condition=pgtrigger.Condition("(NEW.status = 'no_show' OR NEW.late_cancellation)"),
        func=_UPSERT,
    ),
    # On an update only when the booking became due or its moment moved (marked again after an undo):
    # a settled booking, whose row the job deleted, does not come back with an unrelated change.
    pgtrigger.Trigger(
        name="booking_fee_due_on_update",
        when=pgtrigger.After,
        operation=pgtrigger.Update,
        condition=pgtrigger.Condition(
            "((NEW.status = 'no_show' AND (OLD.status <> 'no_show' "
            "OR OLD.no_show_marked_at IS DISTINCT FROM NEW.no_show_marked_at)) "
            "OR (NEW.late_cancellation AND (NOT OLD.late_cancellation "
            "OR OLD.cancelled_at IS DISTINCT FROM NEW.cancelled_at)))"
        ),
        func=_UPSERT,
    ),
]


class FeeDue(models.Model):
    """A booking whose no-show or late-cancellation fee is still to be settled.

    A work list, not a record: the job (billing.services.jobs) deletes the row once the booking has its
    charge or is no longer due (a no-show undone). A booking the job skips (no price, no payment
    solution, an exception, staff review) keeps its row and is looked at again on every run, as long as
    `due_at` (when it became due) is inside the jobs' lookback.
    """

    class Kind(models.TextChoices):
        NO_SHOW = "no_show", _("Uteblev")
        LATE_CANCELLATION = "late_cancellation", _("Sen avbokning")

    booking = models.OneToOneField(
        "booking.Booking", on_delete=models.DO_NOTHING, primary_key=True, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    due_at = models.DateTimeField()

    caregiver_lookup = "booking__unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        # The jobs' pages: one kind, in the order the fees became due (keyset on due_at, booking).
        indexes = [models.Index(fields=["kind", "due_at", "booking"], name="fee_due_page_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.booking_id} {self.due_at:%Y-%m-%d %H:%M}"
