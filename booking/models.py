"""The timebook: visit types, schedules, bookable slots, bookings and their history.

The invariants that must never break live in the database:
- a slot never holds more active bookings than its capacity: `Slot.booked_count` is kept by a trigger
  on Booking and a check constraint refuses `booked_count > capacity`, whatever code writes a booking;
- a patient never holds two active bookings whose times overlap: an exclusion constraint on
  (patient as a one-point int8range, time range). Range types have GiST support in core PostgreSQL,
  so this needs no btree_gist extension;
- bookings are never deleted and their history (BookingEvent) is append-only.
"""

from __future__ import annotations

import datetime as dt
import secrets

import pgtrigger
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import BigIntegerRangeField, DateTimeRangeField, RangeOperators
from django.db import models
from django.db.models import F, Func, Q, Value
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from booking.fee_due import FEE_DUE_TRIGGERS, FeeDue  # noqa: F401  (FeeDue: a model of this app)
from mittvaccin.tenancy import CaregiverOwnedQuerySet
from mittvaccin.triggers import append_only, never_deleted

# R9: a cancellation later than this before the booked time is a late cancellation.
CANCELLATION_NOTICE = dt.timedelta(hours=24)

# Booking references: no 0/O, 1/I/L, so a reference read over the phone is unambiguous.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 8


class Int8Range(Func):
    function = "INT8RANGE"
    output_field = BigIntegerRangeField()


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class VisitType(models.Model):
    """What a resident books (e.g. "TBE dos 1"): its length, vaccines and minimum age.

    Its price is its vaccines' prices in the caregiver's price list (R18), shown by the booking pages.
    """

    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="visit_types")
    name = models.CharField(_("namn"), max_length=120)
    description = models.TextField(_("beskrivning för invånare"), blank=True)
    duration_minutes = models.PositiveSmallIntegerField(_("längd (minuter)"), default=10)
    vaccines = models.ManyToManyField(
        "journal.VaccineProduct", blank=True, related_name="+", verbose_name=_("vaccin som ingår")
    )
    minimum_age_years = models.PositiveSmallIntegerField(_("lägsta ålder (år)"), default=0)
    # R18: the price residents see comes from the caregiver's price list (billing), never from here;
    # this is only the words after it.
    price_text = models.CharField(
        _("pristext"),
        max_length=160,
        blank=True,
        help_text=_(
            "Visas efter priset från prislistan, t.ex. ”kostnadsfritt för dig över 65 år”. Skriv inga belopp här."
        ),
    )
    online_bookable = models.BooleanField(_("kan bokas på webben"), default=True)
    is_active = models.BooleanField(_("aktiv"), default=True)
    position = models.PositiveSmallIntegerField(_("ordning"), default=0)

    caregiver_lookup = "unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("besökstyp")
        verbose_name_plural = _("besökstyper")
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="visit_type_name_unique_per_unit"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="visit_type_duration_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)


class Schedule(models.Model):
    """Recurring opening hours of a unit for some visit types: slot length, seats per slot, validity."""

    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="schedules")
    name = models.CharField(_("namn"), max_length=120)
    visit_types = models.ManyToManyField(VisitType, related_name="schedules", verbose_name=_("besökstyper"))
    slot_minutes = models.PositiveSmallIntegerField(_("tidslängd (minuter)"), default=10)
    capacity = models.PositiveSmallIntegerField(
        _("platser per tid"),
        default=1,
        help_text=_("Hur många invånare en tid tar emot, t.ex. antal vaccinatörer."),
    )
    valid_from = models.DateField(_("gäller från"))
    valid_until = models.DateField(_("gäller till och med"), null=True, blank=True)
    is_active = models.BooleanField(_("aktivt"), default=True)

    caregiver_lookup = "unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("schema")
        verbose_name_plural = _("scheman")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(slot_minutes__gte=5), name="schedule_slot_at_least_5_minutes"),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="schedule_capacity_positive"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="schedule_validity_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("måndag")
    TUESDAY = 1, _("tisdag")
    WEDNESDAY = 2, _("onsdag")
    THURSDAY = 3, _("torsdag")
    FRIDAY = 4, _("fredag")
    SATURDAY = 5, _("lördag")
    SUNDAY = 6, _("söndag")


class OpeningHours(models.Model):
    """One opening period of a schedule on a weekday (a day may have several, e.g. around lunch)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(_("veckodag"), choices=Weekday.choices)
    start_time = models.TimeField(_("från"))
    end_time = models.TimeField(_("till"))

    caregiver_lookup = "schedule__unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("öppettid")
        verbose_name_plural = _("öppettider")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="opening_hours_ordered"),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday"),
            models.UniqueConstraint(
                fields=["schedule", "weekday", "start_time"], name="opening_hours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ScheduleException(models.Model):
    """A date that differs from the weekly hours: closed (training day), extra opening hours, or a public
    holiday opened deliberately (holidays are closed by default, A6).

    A closed exception without a schedule closes every schedule of the unit; without times, the whole day.
    """

    class Kind(models.TextChoices):
        CLOSED = "closed", _("Stängt")
        EXTRA = "extra", _("Extra öppet")
        # A public holiday the unit keeps open (A6): the weekly hours apply as on any other day.
        OPEN = "open", _("Öppet trots helgdag")

    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="schedule_exceptions")
    schedule = models.ForeignKey(
        Schedule,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exceptions",
        verbose_name=_("schema"),
        help_text=_("Tomt för stängt: gäller alla scheman."),
    )
    day = models.DateField(_("datum"))
    kind = models.CharField(_("typ"), max_length=8, choices=Kind.choices)
    start_time = models.TimeField(_("från"), null=True, blank=True)
    end_time = models.TimeField(_("till"), null=True, blank=True)
    reason = models.CharField(_("anledning"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    caregiver_lookup = "unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("undantag")
        verbose_name_plural = _("undantag")
        ordering = ["day", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=F("start_time")),
                name="schedule_exception_times",
            ),
            models.CheckConstraint(
                condition=~Q(kind="extra") | Q(schedule__isnull=False, start_time__isnull=False),
                name="schedule_exception_extra_has_schedule_and_times",
            ),
        ]

    def __str__(self) -> str:
        times = f" {self.start_time:%H:%M}–{self.end_time:%H:%M}" if self.start_time else ""
        return f"{self.day:%Y-%m-%d}{times} {self.get_kind_display()}"


class Slot(models.Model):
    """A bookable time of a schedule, generated from its hours and exceptions (see schedules.py).

    `booked_count` is maintained by the database (trigger on Booking), never by Python, and a check
    constraint keeps it at or below `capacity`: overbooking is impossible. `planned_capacity` is what
    the schedule asks for now; when a schedule change lowers it below what is already booked,
    `capacity` stays at the booked number (no booking is removed) and sinks as bookings leave.
    A closed slot takes no new bookings; its bookings stay and are listed for staff.
    """

    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="slots")
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, related_name="slots")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("slut"))
    capacity = models.PositiveSmallIntegerField(_("platser"))
    planned_capacity = models.PositiveSmallIntegerField(_("planerade platser"))
    booked_count = models.PositiveSmallIntegerField(_("bokade"), default=0)
    is_closed = models.BooleanField(_("stängd"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    caregiver_lookup = "unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("tid")
        verbose_name_plural = _("tider")
        ordering = ["starts_at", "schedule_id"]
        constraints = [
            models.UniqueConstraint(fields=["schedule", "starts_at"], name="slot_unique_start_per_schedule"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="slot_ends_after_start"),
            models.CheckConstraint(
                condition=Q(booked_count__lte=F("capacity")), name="slot_never_overbooked"
            ),
        ]
        indexes = [models.Index(fields=["unit", "starts_at"], name="slot_unit_start_idx")]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def free(self) -> int:
        return 0 if self.is_closed else max(0, self.capacity - self.booked_count)

    @property
    def over_planned(self) -> bool:
        return self.booked_count > self.planned_capacity


class ActorKind(models.TextChoices):
    RESIDENT = "resident", _("invånare")
    STAFF = "staff", _("personal")
    # The clinic itself cancels (closed day, sick staff): never a late cancellation.
    CLINIC = "clinic", _("mottagningen")
    SYSTEM = "system", _("systemet")


def new_reference() -> str:
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def new_manage_key() -> str:
    return secrets.token_urlsafe(12)


class Booking(models.Model):
    """A booked visit. Never deleted; every change is also a BookingEvent.

    Facts for billing (R8, R9): when it was made and by whom, whether it was made less than 24 hours
    before the visit, when and by whom it was cancelled and whether that was late (R9: less than 24 hours
    before, by the resident or by staff on the resident's behalf, never when the clinic cancels), when
    it was marked a no-show and, if that was undone, by whom, when and why.
    """

    class Status(models.TextChoices):
        BOOKED = "booked", _("Bokad")
        CHECKED_IN = "checked_in", _("Incheckad")
        # The resident came although no check-in was made (a no-show undone by staff).
        ATTENDED = "attended", _("Genomförd")
        NO_SHOW = "no_show", _("Uteblev")
        CANCELLED = "cancelled", _("Avbokad")

    unit = models.ForeignKey("mittvaccin.Unit", on_delete=models.PROTECT, related_name="bookings")
    patient = models.ForeignKey("journal.Patient", on_delete=models.PROTECT, related_name="bookings")
    visit_type = models.ForeignKey(VisitType, on_delete=models.PROTECT, related_name="bookings")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="bookings")
    starts_at = models.DateTimeField(_("tid"))
    ends_at = models.DateTimeField(_("slut"))
    reference = models.CharField(
        _("bokningsnummer"), max_length=REFERENCE_LENGTH, unique=True, default=new_reference
    )
    manage_key = models.CharField(max_length=32, default=new_manage_key, editable=False)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)

    made_at = models.DateTimeField(_("bokad"), default=timezone.now)
    made_by_kind = models.CharField(_("bokad av"), max_length=10, choices=ActorKind.choices)
    made_by = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    made_within_24h = models.BooleanField(_("bokad mindre än 24 timmar före"), default=False)
    # A resident's web booking is made by whoever typed the personnummer; only with e-identification
    # (when it exists) is that known to be the patient. Until then its fees go to staff review.
    identity_verified = models.BooleanField(_("bokad med e-legitimation"), default=False)
    # What the resident typed when booking online (the journal's name is never changed from the web).
    given_name = models.CharField(_("angivet namn"), max_length=200, blank=True)
    contact_phone = models.CharField(_("mobiltelefon"), max_length=40, blank=True)
    contact_email = models.EmailField(_("e-post"), blank=True)

    cancelled_at = models.DateTimeField(_("avbokad"), null=True, blank=True)
    cancelled_by_kind = models.CharField(
        _("avbokad av"), max_length=10, choices=ActorKind.choices, blank=True
    )
    cancelled_by = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancel_reason = models.CharField(_("anledning till avbokning"), max_length=300, blank=True)
    late_cancellation = models.BooleanField(_("sen avbokning"), default=False)

    checked_in_at = models.DateTimeField(_("incheckad"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    visit = models.ForeignKey(
        "journal.Visit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    no_show_marked_at = models.DateTimeField(_("markerad som utebliven"), null=True, blank=True)
    no_show_marked_by = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    no_show_undone_at = models.DateTimeField(_("uteblivet ångrat"), null=True, blank=True)
    no_show_undone_by = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    no_show_undo_reason = models.TextField(_("skäl till ångrat uteblivet"), blank=True)

    reminder_sent_at = models.DateTimeField(_("påminnelse skickad"), null=True, blank=True)
    # The one-time key of the form that made the booking: a double submit finds the booking already made.
    submission_key = models.CharField(max_length=40, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    caregiver_lookup = "unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bokning")
        verbose_name_plural = _("bokningar")
        ordering = ["starts_at", "id"]
        constraints = [
            ExclusionConstraint(
                name="booking_patient_no_overlap",
                expressions=[
                    (Int8Range(F("patient_id"), F("patient_id"), Value("[]")), RangeOperators.OVERLAPS),
                    (TsTzRange(F("starts_at"), F("ends_at"), Value("[)")), RangeOperators.OVERLAPS),
                ],
                condition=~Q(status="cancelled"),
            ),
            models.UniqueConstraint(
                fields=["submission_key"], condition=~Q(submission_key=""), name="booking_submission_once"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="booking_ends_after_start"),
            models.CheckConstraint(
                condition=Q(made_by_kind="resident", made_by__isnull=True)
                | Q(made_by_kind="staff", made_by__isnull=False),
                name="booking_made_by_consistent",
            ),
            models.CheckConstraint(
                condition=Q(
                    status="cancelled",
                    cancelled_at__isnull=False,
                    cancelled_by_kind__in=["resident", "staff", "clinic"],
                )
                | (~Q(status="cancelled") & Q(cancelled_at__isnull=True, cancelled_by_kind="")),
                name="booking_cancellation_consistent",
            ),
            models.CheckConstraint(
                condition=Q(late_cancellation=False)
                | Q(status="cancelled", cancelled_by_kind__in=["resident", "staff"]),
                name="booking_late_cancellation_only_by_resident_side",
            ),
            models.CheckConstraint(
                condition=~Q(status="no_show")
                | Q(no_show_marked_at__isnull=False, no_show_undone_at__isnull=True),
                name="booking_no_show_marked",
            ),
            models.CheckConstraint(
                condition=Q(
                    no_show_undone_at__isnull=True, no_show_undone_by__isnull=True, no_show_undo_reason=""
                )
                | Q(
                    no_show_undone_at__isnull=False,
                    no_show_undone_by__isnull=False,
                    no_show_marked_at__isnull=False,
                )
                & ~Q(no_show_undo_reason=""),
                name="booking_no_show_undo_complete",
            ),
            models.CheckConstraint(
                condition=~Q(status="checked_in") | Q(checked_in_at__isnull=False, visit__isnull=False),
                name="booking_checked_in_has_visit",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "starts_at"], name="booking_unit_start_idx"),
            models.Index(fields=["patient", "starts_at"], name="booking_patient_start_idx"),
            models.Index(
                fields=["starts_at"],
                name="booking_reminder_due_idx",
                condition=Q(status="booked", reminder_sent_at__isnull=True),
            ),
            # The invoicing jobs page through what became due since a moment, in that order (R8, R9).
            models.Index(
                fields=["cancelled_at", "id"],
                name="booking_late_cancel_idx",
                condition=Q(late_cancellation=True),
            ),
            models.Index(
                fields=["no_show_marked_at", "id"],
                name="booking_no_show_idx",
                condition=Q(status="no_show"),
            ),
        ]
        triggers = [
            never_deleted("booking_never_deleted"),
            pgtrigger.Trigger(
                name="booking_keeps_slot_count",
                when=pgtrigger.After,
                operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
                func="""
                IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status <> 'cancelled' THEN
                    IF TG_OP = 'DELETE' OR NEW.status = 'cancelled' OR NEW.slot_id <> OLD.slot_id THEN
                        UPDATE booking_slot
                           SET booked_count = booked_count - 1,
                               capacity = GREATEST(planned_capacity, LEAST(capacity, booked_count - 1))
                         WHERE id = OLD.slot_id;
                    END IF;
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status <> 'cancelled' THEN
                    IF TG_OP = 'INSERT' OR OLD.status = 'cancelled' OR NEW.slot_id <> OLD.slot_id THEN
                        -- Fails with the check constraint slot_never_overbooked when the slot is full.
                        UPDATE booking_slot SET booked_count = booked_count + 1 WHERE id = NEW.slot_id;
                    END IF;
                END IF;
                RETURN NULL;
                """,
            ),
            *FEE_DUE_TRIGGERS,
        ]

    def __str__(self) -> str:
        return f"{self.reference_display} {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def reference_display(self) -> str:
        return f"{self.reference[:4]}-{self.reference[4:]}"

    @property
    def is_active(self) -> bool:
        return self.status != self.Status.CANCELLED

    def is_late_to_cancel(self, now=None) -> bool:
        """R9: cancelling now would be a late cancellation."""
        return (now or timezone.now()) > self.starts_at - CANCELLATION_NOTICE


class BookingEvent(models.Model):
    """The history of a booking: made, moved, cancelled, checked in, no-show, undone, reminded.

    Append-only: the database refuses UPDATE and DELETE.
    """

    class Kind(models.TextChoices):
        MADE = "made", _("Bokad")
        MOVED = "moved", _("Flyttad")
        CANCELLED = "cancelled", _("Avbokad")
        CHECKED_IN = "checked_in", _("Incheckad")
        NO_SHOW = "no_show", _("Markerad som utebliven")
        NO_SHOW_UNDONE = "no_show_undone", _("Uteblivet ångrat")
        REMINDED = "reminded", _("Påminnelse skickad")
        AFFECTED = "affected", _("Berörd av schemaändring")

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    actor = models.ForeignKey(
        "mittvaccin.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    detail = models.TextField(blank=True)

    caregiver_lookup = "booking__unit__caregiver"
    objects = CaregiverOwnedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bokningshändelse")
        verbose_name_plural = _("bokningshändelser")
        ordering = ["at", "id"]
        triggers = [
            append_only("booking_event_append_only"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
