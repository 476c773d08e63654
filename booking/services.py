"""Write operations of the timebook: one function per use case, atomic, history written inside.

Locks are always taken in the same order (patient, then slots by id, then the booking) so two
operations never wait for each other in a circle. The database has the last word on capacity and
overlap (see models.py); the checks here exist to give the right message first.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import notices
from booking.models import (
    CANCELLATION_NOTICE,
    ActorKind,
    Booking,
    BookingEvent,
    Schedule,
    ScheduleException,
    Slot,
)
from booking.timebook import planned_slots
from journal.identity import ParsedIdentity, age_on
from journal.models import Patient
from journal.population_register import has_protected_identity
from mittvaccin.messaging import send_email, send_sms

logger = logging.getLogger(__name__)


class BookingError(Exception):
    """A refusal with a message that can be shown as it is. `code` lets views and tests tell them apart."""

    code = "refused"

    def __init__(self, message: str, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


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


def _check_bookable(*, slot: Slot, visit_type, patient_birth_date, now, online: bool) -> None:
    unit = slot.unit
    if not unit.has_timebook:
        raise BookingError(_("Enheten har ingen tidbok."))
    if (
        visit_type.unit_id != slot.unit_id
        or not visit_type.is_active
        or (online and not visit_type.online_bookable)
    ):
        raise BookingError(_("Besökstypen kan inte bokas här."))
    if slot.starts_at <= now:
        raise BookingError(_("Tiden har redan varit. Välj en kommande tid."), code="past")
    if slot.is_closed:
        raise BookingError(_("Tiden är stängd för bokning. Välj en annan tid."), code="closed")
    if (
        visit_type.duration_minutes > slot.schedule.slot_minutes
        or not slot.schedule.visit_types.filter(pk=visit_type.pk).exists()
    ):
        raise BookingError(_("Besökstypen kan inte bokas på den här tiden."), code="wrong_type")
    age = age_on(patient_birth_date, timezone.localtime(slot.starts_at).date())
    if visit_type.minimum_age_years and (age is None or age < visit_type.minimum_age_years):
        raise BookingError(minimum_age_message(visit_type), code="too_young")


def _after_commit(task_name: str, *args) -> None:
    def enqueue():
        from booking import tasks

        getattr(tasks, task_name).delay(*args)

    transaction.on_commit(enqueue)


def _confirm_after_commit(booking: Booking, kind: str) -> None:
    # The reference travels with the id: a task that reaches a worker on another database (a shared
    # Redis between a benchmark and a dev server, a restored backup) finds no such booking and does nothing.
    _after_commit("booking_confirmation_send", booking.pk, kind, booking.reference)


# --- Booking: make, move, cancel --------------------------------------------------------------------


@transaction.atomic
def booking_create(
    *,
    slot: Slot,
    visit_type,
    patient: Patient,
    made_by_kind: str,
    user=None,
    given_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    submission_key: str = "",
    now=None,
) -> Booking:
    """Book `patient` into `slot`. Raises SlotFull, PatientBusy or BookingError; never half-books.

    A repeated `submission_key` (the same form sent twice) returns the booking the first one made.
    """
    now = _now(now)
    if submission_key and (done := _submitted(submission_key)):
        return done
    online = made_by_kind == ActorKind.RESIDENT
    if patient.caregiver_id != slot.unit.caregiver_id:
        raise BookingError(_("Patienten hör inte till vårdgivaren."))
    # Lock order: patient, then slot. The patient lock makes "one booking at a time" a queue, not a race.
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    slot = Slot.objects.select_for_update().select_related("unit", "schedule").get(pk=slot.pk)
    _check_bookable(
        slot=slot, visit_type=visit_type, patient_birth_date=patient.birth_date, now=now, online=online
    )
    if slot.free <= 0:
        raise SlotFull(_slot_full_message())
    ends_at = slot.starts_at + visit_type.duration
    if _overlapping(patient, slot.starts_at, ends_at).exists():
        # The first of two identical submissions may have just committed while this one waited.
        if submission_key and (done := _submitted(submission_key)):
            return done
        raise PatientBusy(_busy_message())
    if patient.protected_identity:
        # R7: nothing that could locate a person with protected identity is stored, on the booking either.
        contact_phone = contact_email = ""
    booking = Booking(
        unit=slot.unit,
        patient=patient,
        visit_type=visit_type,
        slot=slot,
        starts_at=slot.starts_at,
        ends_at=ends_at,
        made_at=now,
        made_by_kind=made_by_kind,
        made_by=user if made_by_kind == ActorKind.STAFF else None,
        made_within_24h=slot.starts_at - now < CANCELLATION_NOTICE,
        given_name=given_name[:200],
        contact_phone=contact_phone,
        contact_email=contact_email,
        submission_key=submission_key[:40],
    )
    _save_new(booking)
    _event(booking, BookingEvent.Kind.MADE, actor_kind=made_by_kind, user=user, now=now)
    if booking.contact_phone or booking.contact_email:
        _confirm_after_commit(booking, "confirmation")
    return booking


def _submitted(submission_key: str):
    return Booking.objects.filter(submission_key=submission_key).first()


def _overlapping(patient, starts_at, ends_at, exclude=None):
    qs = Booking.objects.filter(patient=patient, starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(
        status=Booking.Status.CANCELLED
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


def _save_new(booking: Booking) -> None:
    """Insert, letting the database's constraints speak; a reference collision just draws a new one."""
    from booking.models import new_reference

    for _attempt in range(5):
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
            return
        except IntegrityError as error:
            name = _constraint_name(error)
            if name == "slot_never_overbooked":
                raise SlotFull(_slot_full_message()) from None
            if name == "booking_patient_no_overlap":
                raise PatientBusy(_busy_message()) from None
            if name == "booking_submission_once":
                raise PatientBusy(_busy_message()) from None
            if "reference" in name:
                booking.reference = new_reference()
                booking.pk = None
                continue
            raise
    raise BookingError(_("Bokningen kunde inte sparas. Försök igen."))


@dataclass
class OnlineRequest:
    identity: ParsedIdentity
    given_names: str
    family_name: str
    phone: str = ""
    email: str = ""
    submission_key: str = ""


@transaction.atomic
def booking_create_online(*, slot: Slot, visit_type, request: OnlineRequest, now=None) -> Booking:
    """A resident books on the public page (R14).

    Refusals that depend only on what was typed (age) are said plainly; everything that depends on what
    is known about the person (protected identity, a colliding booking) gets the one neutral
    "call the clinic" message. A person with protected identity leaves no trace: the check comes before
    anything is written.
    """
    now = _now(now)
    unit = slot.unit
    identity = request.identity
    if request.submission_key and (done := _submitted(request.submission_key)):
        return done
    existing = Patient.objects.filter(caregiver=unit.caregiver, identity_number=identity.value).first()
    if has_protected_identity(identity.value) or (existing is not None and existing.protected_identity):
        raise CallTheClinic(call_clinic_message(unit))
    _check_bookable(
        slot=Slot.objects.select_related("unit", "schedule").get(pk=slot.pk),
        visit_type=visit_type,
        patient_birth_date=identity.birth_date,
        now=now,
        online=True,
    )
    if existing is None:
        from journal.services import PatientExists, patient_create

        try:
            existing = patient_create(
                caregiver=unit.caregiver,
                identity=identity,
                family_name=request.family_name.strip(),
                given_names=request.given_names.strip(),
                phone=request.phone,
                email=request.email,
            )
        except PatientExists as exists:
            existing = exists.patient
    try:
        return booking_create(
            slot=slot,
            visit_type=visit_type,
            patient=existing,
            made_by_kind=ActorKind.RESIDENT,
            given_name=f"{request.given_names.strip()} {request.family_name.strip()}",
            contact_phone=request.phone,
            contact_email=request.email,
            submission_key=request.submission_key,
            now=now,
        )
    except PatientBusy:
        if request.submission_key and (done := _submitted(request.submission_key)):
            return done
        raise CallTheClinic(call_clinic_message(unit)) from None


def _lock_booking(booking: Booking) -> Booking:
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("unit", "unit__caregiver", "visit_type", "patient", "slot")
        .get(pk=booking.pk)
    )


@transaction.atomic
def booking_cancel(*, booking: Booking, by_kind: str, user=None, reason: str = "", now=None) -> Booking:
    """Cancel a booked visit. R9: late when less than 24 hours before, unless the clinic cancels."""
    now = _now(now)
    if by_kind not in (ActorKind.RESIDENT, ActorKind.STAFF, ActorKind.CLINIC):
        raise ValueError(by_kind)
    Patient.objects.select_for_update().filter(pk=booking.patient_id).first()
    booking = _lock_booking(booking)
    if booking.status == Booking.Status.CANCELLED:
        raise BookingError(_("Tiden är redan avbokad."), code="already_cancelled")
    if booking.status != Booking.Status.BOOKED:
        raise BookingError(
            _("Besöket kan inte avbokas: det är %(status)s.")
            % {"status": booking.get_status_display().lower()}
        )
    if booking.starts_at <= now:
        raise BookingError(_("Tiden har redan varit och kan inte avbokas."), code="past")
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by_kind = by_kind
    booking.cancelled_by = user if by_kind != ActorKind.RESIDENT else None
    booking.cancel_reason = reason[:300]
    booking.late_cancellation = by_kind != ActorKind.CLINIC and booking.is_late_to_cancel(now)
    booking.save()
    detail = _("Sen avbokning (mindre än 24 timmar före)") if booking.late_cancellation else ""
    if reason:
        detail = f"{detail}. {reason}" if detail else reason
    _event(booking, BookingEvent.Kind.CANCELLED, actor_kind=by_kind, user=user, detail=detail, now=now)
    if booking.contact_phone or booking.contact_email:
        _confirm_after_commit(booking, "cancelled")
    return booking


@transaction.atomic
def booking_move(
    *, booking: Booking, new_slot: Slot, by_kind: str, user=None, visit_type=None, now=None
) -> Booking:
    """Move a booking to another time at the same unit (optionally another visit type).

    A resident can move online only while a cancellation would still be free (R9): moving a visit
    tomorrow morning to next week is a late cancellation in effect, so that goes through the clinic.
    """
    now = _now(now)
    patient = Patient.objects.select_for_update().get(pk=booking.patient_id)
    slot_ids = sorted({booking.slot_id, new_slot.pk})
    slots = {
        s.pk: s
        for s in Slot.objects.select_for_update()
        .select_related("unit", "schedule")
        .filter(pk__in=slot_ids)
        .order_by("pk")
    }
    booking = _lock_booking(booking)
    target = slots.get(new_slot.pk)
    visit_type = visit_type or booking.visit_type
    if booking.status != Booking.Status.BOOKED:
        raise BookingError(_("Bara en bokad tid kan flyttas."))
    if target is None or target.unit_id != booking.unit_id:
        raise BookingError(_("Tiden finns inte på den här mottagningen."))
    if target.pk == booking.slot_id and visit_type.pk == booking.visit_type_id:
        raise BookingError(_("Det är samma tid som du redan har."), code="same")
    if booking.starts_at <= now:
        raise BookingError(_("Tiden har redan varit och kan inte flyttas."), code="past")
    if by_kind == ActorKind.RESIDENT and booking.is_late_to_cancel(now):
        raise BookingError(
            _(
                "Det är mindre än 24 timmar kvar till besöket, så tiden kan inte flyttas på webben. Ring mottagningen."
            ),
            code="too_late",
        )
    _check_bookable(
        slot=target,
        visit_type=visit_type,
        patient_birth_date=patient.birth_date,
        now=now,
        online=by_kind == ActorKind.RESIDENT,
    )
    if target.pk != booking.slot_id and target.free <= 0:
        raise SlotFull(_slot_full_message())
    ends_at = target.starts_at + visit_type.duration
    if _overlapping(patient, target.starts_at, ends_at, exclude=booking).exists():
        raise PatientBusy(_busy_message())
    before = f"{timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M} {booking.visit_type.name}"
    booking.slot = target
    booking.visit_type = visit_type
    booking.starts_at = target.starts_at
    booking.ends_at = ends_at
    booking.reminder_sent_at = None
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        name = _constraint_name(error)
        if name == "slot_never_overbooked":
            raise SlotFull(_slot_full_message()) from None
        if name == "booking_patient_no_overlap":
            raise PatientBusy(_busy_message()) from None
        raise
    after = f"{timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M} {visit_type.name}"
    _event(
        booking, BookingEvent.Kind.MOVED, actor_kind=by_kind, user=user, detail=f"{before} → {after}", now=now
    )
    if booking.contact_phone or booking.contact_email:
        _confirm_after_commit(booking, "moved")
    return booking


# --- At the clinic: check-in, no-show --------------------------------------------------------------


@transaction.atomic
def booking_check_in(*, booking: Booking, user, now=None):
    """The patient has arrived: open the journal visit for vaccination (idempotent). Returns the visit."""
    from journal.services import visit_open

    now = _now(now)
    booking = _lock_booking(booking)
    if booking.status == Booking.Status.CHECKED_IN:
        return booking.visit
    if booking.status not in (Booking.Status.BOOKED, Booking.Status.ATTENDED):
        raise BookingError(
            _("Patienten kan inte checkas in: bokningen är %(status)s.")
            % {"status": booking.get_status_display().lower()}
        )
    if timezone.localtime(booking.starts_at).date() > timezone.localtime(now).date():
        raise BookingError(_("Incheckning görs samma dag som besöket."), code="not_today")
    visit = visit_open(patient=booking.patient, unit=booking.unit, user=user, booking_id=booking.pk)
    booking.status = Booking.Status.CHECKED_IN
    booking.checked_in_at = now
    booking.checked_in_by = user
    booking.visit = visit
    booking.save()
    _event(booking, BookingEvent.Kind.CHECKED_IN, actor_kind=ActorKind.STAFF, user=user, now=now)
    return visit


@transaction.atomic
def booking_mark_no_show(*, booking: Booking, user, now=None) -> Booking:
    """R8: the patient did not come. Only once the booked time has begun, and never twice."""
    now = _now(now)
    booking = _lock_booking(booking)
    if booking.status != Booking.Status.BOOKED:
        raise BookingError(
            _("Bokningen kan inte markeras som utebliven: den är %(status)s.")
            % {"status": booking.get_status_display().lower()}
        )
    if booking.starts_at > now:
        raise BookingError(
            _("Ett besök kan markeras som uteblivet först när tiden har passerat."), code="not_yet"
        )
    if booking.no_show_undone_at is not None:
        raise BookingError(_("Uteblivet har redan ångrats för den här bokningen."))
    booking.status = Booking.Status.NO_SHOW
    booking.no_show_marked_at = now
    booking.no_show_marked_by = user
    booking.save()
    _event(booking, BookingEvent.Kind.NO_SHOW, actor_kind=ActorKind.STAFF, user=user, now=now)
    return booking


@transaction.atomic
def booking_undo_no_show(*, booking: Booking, user, reason: str, now=None) -> Booking:
    """The resident did come after all. The no-show mark, the undo and its reason are all kept."""
    now = _now(now)
    reason = (reason or "").strip()
    if len(reason) < 3:
        raise BookingError(_("Skriv varför uteblivet ångras."), code="reason")
    booking = _lock_booking(booking)
    if booking.status != Booking.Status.NO_SHOW:
        raise BookingError(_("Bokningen är inte markerad som utebliven."))
    booking.status = Booking.Status.ATTENDED
    booking.no_show_undone_at = now
    booking.no_show_undone_by = user
    booking.no_show_undo_reason = reason
    booking.save()
    _event(
        booking,
        BookingEvent.Kind.NO_SHOW_UNDONE,
        actor_kind=ActorKind.STAFF,
        user=user,
        detail=reason,
        now=now,
    )
    return booking


# --- Messages --------------------------------------------------------------------------------------


def booking_confirmation_send(
    *, booking_id: int, kind: str = "confirmation", reference: str | None = None
) -> int:
    """Send the confirmation (with .ics), move or cancellation notice. Returns the number of messages."""
    booking = (
        Booking.objects.select_related("unit", "unit__caregiver", "visit_type", "patient")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None or (reference is not None and booking.reference != reference):
        logger.warning("confirmation for unknown booking %s (%s) skipped", booking_id, reference)
        return 0
    compose = {"confirmation": notices.confirmation, "moved": notices.moved, "cancelled": notices.cancelled}[
        kind
    ]
    subject, body, sms = compose(booking)
    return _deliver(
        booking, subject=subject, body=body, sms=sms, purpose=f"booking_{kind}", with_ics=kind != "cancelled"
    )


def _deliver(booking, *, subject, body, sms, purpose, with_ics) -> int:
    if booking.patient.protected_identity:
        return 0
    sent = 0
    caregiver = booking.unit.caregiver
    if booking.contact_email:
        attachments = [("besok.ics", notices.ics(booking), "text/calendar")] if with_ics else []
        send_email(
            to=booking.contact_email,
            subject=subject,
            body=body,
            caregiver=caregiver,
            purpose=purpose,
            reference=booking.reference,
            attachments=attachments,
        )
        sent += 1
    if booking.contact_phone:
        send_sms(
            to=booking.contact_phone,
            body=sms,
            caregiver=caregiver,
            purpose=purpose,
            reference=booking.reference,
        )
        sent += 1
    return sent


def reminder_lead() -> dt.timedelta:
    return dt.timedelta(hours=settings.BOOKING_REMINDER_HOURS)


def reminders_due(now=None):
    """Bookings whose reminder is due: booked, not reminded, starting within the lead time.

    A booking made after its reminder time would have been gets none: its confirmation just went out.
    """
    from django.db.models import F

    now = _now(now)
    lead = reminder_lead()
    return Booking.objects.filter(
        status=Booking.Status.BOOKED,
        reminder_sent_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + lead,
        made_at__lt=F("starts_at") - lead,
    ).exclude(contact_phone="", contact_email="")


def booking_reminder_send(*, booking_id: int, now=None) -> bool:
    """Send one booking's reminder at most once, however many workers try at the same moment.

    The claim is one conditional UPDATE: PostgreSQL lets exactly one transaction change
    reminder_sent_at from NULL. Sending happens after the claim is committed (no network inside a
    transaction); if sending fails the claim is released so the next run tries again.
    """
    now = _now(now)
    with transaction.atomic():
        claimed = Booking.objects.filter(
            pk=booking_id, status=Booking.Status.BOOKED, reminder_sent_at__isnull=True, starts_at__gt=now
        ).update(reminder_sent_at=now)
        if not claimed:
            return False
        booking = Booking.objects.get(pk=booking_id)
        _event(booking, BookingEvent.Kind.REMINDED, actor_kind=ActorKind.SYSTEM, now=now)
    booking = Booking.objects.select_related("unit", "unit__caregiver", "visit_type", "patient").get(
        pk=booking_id
    )
    subject, body, sms = notices.reminder(booking)
    try:
        _deliver(booking, subject=subject, body=body, sms=sms, purpose="booking_reminder", with_ics=False)
    except Exception:
        Booking.objects.filter(pk=booking_id, reminder_sent_at=now).update(reminder_sent_at=None)
        logger.exception("reminder for booking %s failed; it will be retried", booking_id)
        raise
    return True


def reminders_send_due(*, now=None) -> int:
    sent = 0
    for booking_id in reminders_due(now).values_list("pk", flat=True):
        if booking_reminder_send(booking_id=booking_id, now=now):
            sent += 1
    return sent


# --- Setting up the timebook -----------------------------------------------------------------------


@dataclass
class SyncResult:
    created: int = 0
    updated: int = 0
    removed: int = 0
    closed: int = 0
    affected: list = field(default_factory=list)


@transaction.atomic
def timebook_sync(*, unit, first_day: dt.date | None = None, days: int | None = None, now=None) -> SyncResult:
    """Make the stored slots of `unit` match its schedules and exceptions from `first_day` on.

    Never removes a booking: a slot that is no longer planned is deleted only if nobody ever booked it,
    otherwise it is closed, and a lowered capacity never goes below what is booked. The bookings that
    a change leaves in a closed or over-full slot are returned (and listed for staff to handle).
    """
    now = _now(now)
    first_day = first_day or timezone.localtime(now).date()
    days = days if days is not None else settings.BOOKING_HORIZON_DAYS
    last_day = first_day + dt.timedelta(days=days - 1)
    from booking.timebook import day_bounds

    range_start, _unused = day_bounds(first_day)
    _unused, range_end = day_bounds(last_day)
    range_start = max(range_start, now)
    schedules = list(Schedule.objects.filter(unit=unit).prefetch_related("hours"))
    exceptions = list(ScheduleException.objects.filter(unit=unit, day__gte=first_day, day__lte=last_day))
    planned = {
        key: slot
        for key, slot in planned_slots(schedules, exceptions, first_day, last_day).items()
        if slot.starts_at >= range_start
    }
    existing = list(
        Slot.objects.select_for_update()
        .filter(unit=unit, starts_at__gte=range_start, starts_at__lt=range_end)
        .order_by("pk")
    )
    ever_booked = set(
        Booking.objects.filter(slot__in=[s.pk for s in existing]).values_list("slot_id", flat=True).distinct()
    )
    result = SyncResult()
    seen = set()
    to_update = []
    to_delete = []
    for slot in existing:
        key = (slot.schedule_id, slot.starts_at)
        plan = planned.get(key)
        if plan is None:
            if slot.pk not in ever_booked:
                to_delete.append(slot.pk)
            elif not slot.is_closed:
                slot.is_closed = True
                to_update.append(slot)
                result.closed += 1
            continue
        seen.add(key)
        capacity = max(plan.capacity, slot.booked_count)
        if (slot.ends_at, slot.planned_capacity, slot.capacity, slot.is_closed) != (
            plan.ends_at,
            plan.capacity,
            capacity,
            False,
        ):
            slot.ends_at, slot.planned_capacity, slot.capacity, slot.is_closed = (
                plan.ends_at,
                plan.capacity,
                capacity,
                False,
            )
            to_update.append(slot)
    if to_delete:
        result.removed = Slot.objects.filter(pk__in=to_delete).delete()[0]
    if to_update:
        for slot in to_update:
            slot.updated_at = now
        Slot.objects.bulk_update(
            to_update, ["ends_at", "planned_capacity", "capacity", "is_closed", "updated_at"]
        )
        result.updated = len(to_update)
    new = [
        Slot(
            unit=unit,
            schedule_id=plan.schedule_id,
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
            capacity=plan.capacity,
            planned_capacity=plan.capacity,
        )
        for key, plan in planned.items()
        if key not in seen
    ]
    Slot.objects.bulk_create(new, batch_size=1000)
    result.created = len(new)
    from booking.selectors import affected_bookings

    result.affected = list(affected_bookings(unit, now=now))
    return result


@transaction.atomic
def visit_type_save(*, visit_type, data: dict, vaccines) -> object:
    for name, value in data.items():
        setattr(visit_type, name, value)
    visit_type.full_clean()
    visit_type.save()
    visit_type.vaccines.set(vaccines)
    return visit_type


@transaction.atomic
def schedule_save(
    *, schedule: Schedule, data: dict, visit_types, hours: list[tuple[int, dt.time, dt.time]], now=None
) -> SyncResult:
    """Save a schedule with its weekly hours and bring the slots in line (see timebook_sync)."""
    for name, value in data.items():
        setattr(schedule, name, value)
    schedule.full_clean()
    schedule.save()
    schedule.visit_types.set(visit_types)
    schedule.hours.all().delete()
    from booking.models import OpeningHours

    OpeningHours.objects.bulk_create(
        [OpeningHours(schedule=schedule, weekday=w, start_time=s, end_time=e) for w, s, e in hours]
    )
    return timebook_sync(unit=schedule.unit, now=now)


@transaction.atomic
def schedule_exception_add(*, unit, data: dict, now=None) -> tuple[ScheduleException, SyncResult]:
    exception = ScheduleException(unit=unit, **data)
    exception.full_clean()
    exception.save()
    return exception, timebook_sync(unit=unit, now=now)


@transaction.atomic
def schedule_exception_remove(*, exception: ScheduleException, now=None) -> SyncResult:
    unit = exception.unit
    exception.delete()
    return timebook_sync(unit=unit, now=now)
