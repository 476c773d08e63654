"""Booking: make (staff and online, R14), move and cancel (R9)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from booking import public_reads
from booking.models import CANCELLATION_NOTICE, ActorKind, Booking, BookingEvent, Slot, new_reference
from booking.services.common import (
    BookingError,
    CallTheClinic,
    PatientBusy,
    SlotFull,
    _after_commit,
    _busy_message,
    _confirm_after_commit,
    _event,
    _now,
    _refuse_for_taken_time,
    _slot_full_message,
    call_clinic_message,
    minimum_age_message,
)
from journal.identity import ParsedIdentity, age_on
from journal.models import Patient
from journal.population_register import RegisterUnavailable
from journal.services import JournalError, PatientExists, patient_create_within
from journal.services.protection import protection_check_register


def _check_bookable(
    *, slot: Slot, visit_type, patient_birth_date, now, online: bool, schedule_checked: bool = False
) -> None:
    """`schedule_checked`: the slot's schedule was already found to offer the visit type in this
    transaction (a slot's schedule never changes), so it is not asked again."""
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
    if visit_type.duration_minutes > slot.schedule.slot_minutes or (
        not schedule_checked and not slot.schedule.visit_types.filter(pk=visit_type.pk).exists()
    ):
        raise BookingError(_("Besökstypen kan inte bokas på den här tiden."), code="wrong_type")
    age = age_on(patient_birth_date, timezone.localtime(slot.starts_at).date())
    if visit_type.minimum_age_years and (age is None or age < visit_type.minimum_age_years):
        raise BookingError(minimum_age_message(visit_type), code="too_young")


@transaction.atomic
def booking_create(**arguments) -> Booking:
    """Book a patient into a slot (arguments: those of `booking_create_within`)."""
    return booking_create_within(**arguments)


def booking_create_within(
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
    identity_verified: bool = False,
    key_checked: bool = False,
    schedule_checked: bool = False,
    patient_is_new: bool = False,
    lock_row_only: bool = False,
    now=None,
) -> Booking:
    """Book `patient` into `slot`, inside the caller's transaction (`booking_create` opens its own).
    Raises SlotFull, PatientBusy or BookingError; never half-books: the insert that may meet a
    constraint takes its own savepoint, so after a refusal the caller's transaction can go on.

    A repeated `submission_key` (the same form sent twice) returns the booking the first one made.
    `identity_verified`: a resident who booked signed in with e-identification (their own fees are
    then invoiced by the jobs like a booking made by staff). For the public booking, which found out
    earlier in its own transaction: `key_checked` (the form's key is unused), `schedule_checked` (the
    slot's schedule offers the visit type; a slot's schedule never changes) and `patient_is_new` (the
    patient row was inserted by this very transaction, so no other can see it, let alone lock it)
    and `lock_row_only` (`slot` came with its unit and schedule, read a moment ago: only the slot's
    own row is read again, under its lock).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "booking_create_within needs the caller's transaction; booking_create opens its own"
        )
    if submission_key and not key_checked and (done := _submitted(submission_key)):
        return done
    now = _now(now)
    online = made_by_kind == ActorKind.RESIDENT
    if patient.caregiver_id != slot.unit.caregiver_id:
        raise BookingError(_("Patienten hör inte till vårdgivaren."))
    # Lock order: patient, then slot. The patient lock makes "one booking at a time" a queue, not a race.
    # The slot's row only (`of`): locking its unit and schedule too made every booking at the unit wait
    # for the one before it to commit, whatever its time.
    if not patient_is_new:
        patient = Patient.objects.select_for_update().get(pk=patient.pk)
    if lock_row_only:
        slot = public_reads.slot_locked(slot)
    else:
        slot = Slot.objects.select_for_update(of=("self",)).select_related("unit", "schedule").get(pk=slot.pk)
    _check_bookable(
        slot=slot,
        visit_type=visit_type,
        patient_birth_date=patient.birth_date,
        now=now,
        online=online,
        schedule_checked=schedule_checked,
    )
    if slot.free <= 0:
        raise SlotFull(_slot_full_message())
    ends_at = slot.starts_at + visit_type.duration
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
        identity_verified=identity_verified,
    )
    try:
        # Another booking of the patient at the same time is refused by the exclusion constraint
        # `booking_patient_no_overlap` (no query of our own first: this is the rush's hot path).
        _save_new(booking)
    except PatientBusy:
        # The first of two identical submissions may have just committed while this one waited.
        if submission_key and (done := _submitted(submission_key)):
            return done
        raise
    _event(booking, BookingEvent.Kind.MADE, actor_kind=made_by_kind, user=user, now=now)
    if booking.contact_phone or booking.contact_email:
        # The booking's one event so far names the notice (no need to count them).
        _confirm_after_commit(booking, "confirmation", sequence=1)
    return booking


def _submitted(submission_key: str):
    return Booking.objects.filter(submission_key=submission_key).first() if submission_key else None


def _overlapping(patient, starts_at, ends_at, exclude=None):
    qs = Booking.objects.filter(patient=patient, starts_at__lt=ends_at, ends_at__gt=starts_at).exclude(
        status=Booking.Status.CANCELLED
    )
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return qs


def _save_new(booking: Booking) -> None:
    """Insert, letting the database's constraints speak; a reference collision just draws a new one."""

    for _attempt in range(5):
        try:
            with transaction.atomic():
                booking.save(force_insert=True)
            return
        except IntegrityError as error:
            name = _refuse_for_taken_time(error)
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


def booking_create_online(
    *,
    slot: Slot,
    visit_type,
    request: OnlineRequest,
    key_checked: bool = False,
    schedule_checked: bool = False,
    now=None,
) -> Booking:
    """A resident books on the public page (R14), without e-identification.

    Nothing in the answer depends on whether the personnummer is protected (docs/PUBLIC_BOOKING.md): a
    person with protected identity books like anyone else and sees the same pages. What R7 forbids to
    keep (their contact details) is not stored; the confirmation goes once to what was typed, and the
    address is forgotten once it is sent. Whoever typed the number may not be its owner, so a known
    patient's names and contact details are never changed here, the patient's own stored contact gets
    the confirmation too, and a no-show or late cancellation goes to staff review, never straight to an
    invoice (billing). Refusals that depend only on what was typed (age) are said plainly; a booking
    that collides with the person's own gets the neutral "call the clinic" message, and so does a
    population register that cannot be asked (the same for every number).
    `key_checked`: the caller read a moment ago that no booking has the form's key (the public page
    reads it with the slot); a second form with the same key is still caught by its unique constraint.
    `schedule_checked`: the caller read that the slot's schedule offers the visit type (the public
    page, with the slot), so it is not asked again.

    The register is asked before anything is written, and its answer is committed on its own (every
    caregiver's row of a person it protects is marked, A5) whatever happens to the booking.
    """
    if request.submission_key and not key_checked and (done := _submitted(request.submission_key)):
        return done
    try:
        in_register = protection_check_register(
            identity_kind=request.identity.kind, identity_number=request.identity.value
        )
    except RegisterUnavailable:
        raise CallTheClinic(call_clinic_message(slot.unit)) from None
    return _booking_create_online(
        slot=slot,
        visit_type=visit_type,
        request=request,
        in_register=in_register,
        schedule_checked=schedule_checked,
        now=now,
    )


@transaction.atomic
def _booking_create_online(
    *, slot: Slot, visit_type, request: OnlineRequest, in_register: bool, schedule_checked: bool, now=None
) -> Booking:
    now = _now(now)
    unit = slot.unit
    identity = request.identity
    # The slot as the page read it a moment ago (with unit, caregiver and schedule): enough for the
    # checks before anything is read about the person or locked.
    _check_bookable(
        slot=slot,
        visit_type=visit_type,
        patient_birth_date=identity.birth_date,
        now=now,
        online=True,
        schedule_checked=schedule_checked,
    )
    if slot.free <= 0:
        # In a rush most requests are for a time just taken: refused before anything is written or
        # locked. The check under the slot's lock (booking_create) is still the one that decides.
        raise SlotFull(_slot_full_message())
    existing = Patient.objects.filter(
        caregiver=unit.caregiver, identity_kind=identity.kind, identity_number=identity.value
    ).first()
    created = False
    if existing is None:
        try:
            # patient_create reads protection from the one place (the register's marking, asked just
            # now, a marking at another caregiver) and then stores no contact detail.
            # Within this transaction, which a refusal rolls back whole: no savepoint of its own.
            existing = patient_create_within(
                caregiver=unit.caregiver,
                identity=identity,
                register_answer=in_register,
                looked_up=True,
                family_name=request.family_name.strip(),
                given_names=request.given_names.strip(),
                phone=request.phone,
                email=request.email,
            )
            created = True
        except PatientExists as exists:
            existing = exists.patient
        except JournalError:
            raise CallTheClinic(call_clinic_message(unit)) from None
    try:
        booking = booking_create_within(
            slot=slot,
            visit_type=visit_type,
            patient=existing,
            made_by_kind=ActorKind.RESIDENT,
            given_name=f"{request.given_names.strip()} {request.family_name.strip()}",
            contact_phone=request.phone,
            contact_email=request.email,
            submission_key=request.submission_key,
            key_checked=True,
            schedule_checked=True,
            patient_is_new=created,
            lock_row_only=True,
            now=now,
        )
    except PatientBusy:
        if request.submission_key and (done := _submitted(request.submission_key)):
            return done
        raise CallTheClinic(call_clinic_message(unit)) from None
    if booking.patient.protected_identity and (request.phone or request.email):
        # booking_create kept no contact detail (R7); the confirmation still goes out, as for anyone.
        _after_commit(
            "booking_confirmation_send_once", booking.pk, booking.reference, request.email, request.phone
        )
    return booking


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
        for s in Slot.objects.select_for_update(of=("self",))
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
        _refuse_for_taken_time(error)
        raise
    after = f"{timezone.localtime(booking.starts_at):%Y-%m-%d %H:%M} {visit_type.name}"
    _event(
        booking, BookingEvent.Kind.MOVED, actor_kind=by_kind, user=user, detail=f"{before} → {after}", now=now
    )
    if booking.contact_phone or booking.contact_email:
        _confirm_after_commit(booking, "moved")
    return booking
