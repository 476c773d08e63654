"""What the timebook's services share: the refusals, the event row, work queued after commit."""

from __future__ import annotations

from django.db import IntegrityError
from django.utils import timezone
from django.utils.translation import gettext as _

from booking.models import Booking, BookingEvent
from mittvaccin import outbox
from mittvaccin.refusals import Refusal


class BookingError(Refusal):
    """A timebook rule said no; `code` tells the public pages which refusals offer other times."""


class SlotFull(BookingError):
    code = "slot_full"


class PatientBusy(BookingError):
    code = "patient_busy"


class CallTheClinic(BookingError):
    """Online booking is not possible for this person; the message only says to call the clinic."""

    code = "call_clinic"


def _now(now):
    return now or timezone.now()


def _event(booking, kind, *, actor_kind, user=None, detail="", now=None):
    BookingEvent.objects.create(
        booking=booking, kind=kind, actor_kind=actor_kind, actor=user, detail=detail, at=_now(now)
    )


def _constraint_name(error: IntegrityError) -> str:
    diag = getattr(error.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def _refuse_for_taken_time(error: IntegrityError) -> str:
    """The refusal the database's constraint means: the slot filled up (SlotFull) or the patient has
    another booking at that time (PatientBusy). Any other constraint: its name, for the caller."""
    name = _constraint_name(error)
    if name == "slot_never_overbooked":
        raise SlotFull(_slot_full_message()) from None
    if name == "booking_patient_no_overlap":
        raise PatientBusy(_busy_message()) from None
    return name


def _slot_full_message() -> str:
    return _("Tiden blev just fullbokad. Välj en annan tid.")


def _busy_message() -> str:
    return _("Patienten har redan en bokad tid som krockar med den här tiden.")


def call_clinic_message(unit) -> str:
    # One message for every reason that depends on who the person is (protected identity, a booking
    # that collides), so the public page never reveals anything about a personnummer typed into it.
    if unit.phone:
        return _(
            "Den här bokningen kan inte göras på webben. Ring %(unit)s på %(phone)s, så hjälper vi dig."
        ) % {"unit": unit.name, "phone": unit.phone}
    return _("Den här bokningen kan inte göras på webben. Kontakta %(unit)s, så hjälper vi dig.") % {
        "unit": unit.name
    }


def minimum_age_message(visit_type) -> str:
    return _("%(type)s kan bokas från %(age)s års ålder. Personen är yngre än så den dag besöket gäller.") % {
        "type": visit_type.name,
        "age": visit_type.minimum_age_years,
    }


def _after_commit(task_name: str, *args) -> None:
    from booking import tasks  # noqa: PLC0415  (tasks import the services; a service reaches its task only after commit)

    # Through the outbox: the notice reaches a worker even when Redis is away at the moment of commit.
    outbox.enqueue(getattr(tasks, task_name), *args)


def _confirm_after_commit(booking: Booking, kind: str, *, sequence: int | None = None) -> None:
    # The reference travels with the id: a task that reaches a worker on another database (a shared
    # Redis between a benchmark and a dev server, a restored backup) finds no such booking and does nothing.
    # The number of the booking's events names this notice, so a task run twice sends it once
    # (`sequence`: the caller knows it without counting).
    if sequence is None:
        sequence = booking.events.count()
    _after_commit("booking_confirmation_send", booking.pk, kind, booking.reference, sequence)
