"""Reads of the timebook that are more than a filter, including the facts the billing jobs read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q
from django.utils import timezone

from booking.compiled import MOMENTS, NO_ID, Compiled
from booking.models import ActorKind, Booking, Slot
from booking.timebook import day_bounds
from journal.identity import IdentityError, ParsedIdentity, parse_identity
from journal.models import Patient
from journal.patient_values import PatientValues
from journal.selectors import attention_signals_by_patient
from mittvaccin.models import OutboundMessage
from mittvaccin.tenancy import owned

# --- For billing (R8, R9) ------------------------------------------------------------------------


def late_cancellations(unit=None, day: dt.date | None = None, since: dt.datetime | None = None):
    """R9: bookings cancelled less than 24 hours before the visit, by the resident or by staff on the
    resident's behalf (a cancellation by the clinic is never one).

    `unit` limits to one unit; `day` to visits booked for that local date; `since` to cancellations
    made at or after that moment (for a job that runs repeatedly).
    """
    qs = Booking.objects.filter(status=Booking.Status.CANCELLED, late_cancellation=True)
    if since is not None:
        qs = qs.filter(cancelled_at__gte=since)
    return _scoped(qs, unit, day).order_by("starts_at", "id")


def no_shows(unit=None, day: dt.date | None = None, since: dt.datetime | None = None):
    """R8: bookings marked as no-show and not undone. `since` limits to marks made at or after it."""
    qs = Booking.objects.filter(status=Booking.Status.NO_SHOW, no_show_undone_at__isnull=True)
    if since is not None:
        qs = qs.filter(no_show_marked_at__gte=since)
    return _scoped(qs, unit, day).order_by("starts_at", "id")


def _scoped(qs, unit, day):
    if unit is not None:
        qs = qs.filter(unit=unit)
    if day is not None:
        start, end = day_bounds(day)
        qs = qs.filter(starts_at__gte=start, starts_at__lt=end)
    return qs.select_related(
        "unit", "unit__caregiver", "patient", "visit_type", "cancelled_by", "no_show_marked_by"
    )


# --- Staff views ---------------------------------------------------------------------------------


def has_current_booking(patient, unit, now=None) -> bool:
    """R4/R6: a booking at the unit that is still ahead (or today's, checked in) is a care relationship.

    Registered with the journal (journal.extensions.register_care_relationship) in BookingConfig.ready.
    """
    now = now or timezone.now()
    start_of_today, _end = day_bounds(timezone.localdate(now))
    return Booking.objects.filter(
        patient=patient,
        unit=unit,
        status__in=[Booking.Status.BOOKED, Booking.Status.CHECKED_IN],
        ends_at__gte=start_of_today,
    ).exists()


def signals_by_patient(patient_ids) -> dict:
    """The journal's attention signals per patient (R13), shown next to each booked patient."""

    return attention_signals_by_patient(list(patient_ids)) if patient_ids else {}


class DaySlot:
    """A slot of a day view, read as plain values with its schedule's name: what the table and the
    poll's stamp read of it (a busy day has some hundred slots; as `Slot` models, each with its
    `Schedule`, they were a tenth of the view's own time, issue 11). `free` is the model's own."""

    FIELDS = ("id", "starts_at", "capacity", "booked_count", "is_closed", "updated_at", "schedule__name")
    ATTRIBUTES = tuple(name.replace("__", "_") for name in FIELDS)
    __slots__ = ATTRIBUTES

    free = Slot.free

    def __init__(self, values):
        for name, value in zip(self.ATTRIBUTES, values, strict=True):
            setattr(self, name, value)

    @property
    def pk(self):
        return self.id


@dataclass
class DayRow:
    slot: DaySlot
    bookings: list = field(default_factory=list)

    @property
    def free(self) -> int:
        return self.slot.free


@dataclass
class Day:
    unit: object
    day: dt.date
    rows: list
    cancelled: list
    capacity: int
    free: int
    booked: int
    stamp: str


class DayPatient(PatientValues):
    """The patient of a day view's row: what a row shows and the access log keeps."""

    FIELDS = ("id", "caregiver_id", "identity_number", "protected_identity", "family_name", "given_names",
              "birth_date")  # fmt: skip
    __slots__ = FIELDS


class DayVisitType:
    __slots__ = ("id", "name")

    def __init__(self, id, name):
        self.id, self.name = id, name


class DayBooking:
    """One booking of a day view, read as plain values: a busy day has hundreds, and making each a
    `Booking` with its patient and visit type as model instances was most of the view's own time
    (issue 11). The attributes are the model's, so the rows and templates read them the same way; the
    view adds its decorations (signals, age and time texts, the row's HTML)."""

    FIELDS = ("id", "slot_id", "status", "starts_at", "updated_at", "made_by_kind", "visit_id", "cancelled_at",
              "cancelled_by_kind", "late_cancellation")  # fmt: skip
    # Set by the view for each row it draws.
    DECORATIONS = ("signals", "age", "time_text", "age_text", "is_today", "visit_url", "row_html")
    __slots__ = (*FIELDS, "patient", "visit_type", *DECORATIONS)

    def __init__(self, values, patient, visit_type):
        for name, value in zip(self.FIELDS, values, strict=True):
            setattr(self, name, value)
        self.patient, self.visit_type = patient, visit_type

    @property
    def pk(self):
        return self.id

    @property
    def patient_id(self):
        return self.patient.id

    def get_cancelled_by_kind_display(self):
        return ActorKind(self.cancelled_by_kind).label if self.cancelled_by_kind else ""


_DAY_BOOKING_VALUES = tuple(name.removesuffix("_id") for name in DayBooking.FIELDS)
_DAY_PATIENT_VALUES = tuple(f"patient__{name}" for name in DayPatient.FIELDS)


_DAY_BOOKINGS = Compiled(
    lambda unit_id, start, end: (
        Booking.objects.filter(unit_id=unit_id, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "made_at", "pk")
        .values_list(*_DAY_BOOKING_VALUES, *_DAY_PATIENT_VALUES, "visit_type_id", "visit_type__name")
    ),
    unit_id=NO_ID,
    start=MOMENTS[0],
    end=MOMENTS[1],
)
_DAY_SLOTS = Compiled(
    lambda unit_id, start, end: (
        Slot.objects.filter(unit_id=unit_id, starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at", "schedule__name", "pk")
        .values_list(*DaySlot.FIELDS)
    ),
    unit_id=NO_ID,
    start=MOMENTS[0],
    end=MOMENTS[1],
)


def _day_bookings(unit, start, end) -> list[DayBooking]:
    rows = _DAY_BOOKINGS.rows(unit_id=unit.pk, start=start, end=end)
    types = {}
    bookings = []
    split = len(_DAY_BOOKING_VALUES)
    for row in rows:
        visit_type = types.get(row[-2]) or types.setdefault(row[-2], DayVisitType(row[-2], row[-1]))
        bookings.append(DayBooking(row[:split], DayPatient(*row[split:-2]), visit_type))
    return bookings


def day_view(unit, day: dt.date, *, now=None) -> Day:
    """One unit's day: each slot with its active bookings, the free seats, and the day's cancellations.

    Three queries whatever the size of the day (slots, bookings with patient and type, signals by the
    caller), so the day view stays fast with hundreds of bookings.
    """
    start, end = day_bounds(day)
    slots = [DaySlot(values) for values in _DAY_SLOTS.rows(unit_id=unit.pk, start=start, end=end)]
    bookings = _day_bookings(unit, start, end)
    rows = {slot.pk: DayRow(slot=slot) for slot in slots}
    cancelled = []
    for booking in bookings:
        if booking.status == Booking.Status.CANCELLED:
            cancelled.append(booking)
        elif booking.slot_id in rows:
            rows[booking.slot_id].bookings.append(booking)
    ordered = list(rows.values())
    capacity = sum(r.slot.capacity for r in ordered if not r.slot.is_closed)
    free = sum(r.free for r in ordered)
    stamp = _stamp(slots, bookings)
    return Day(
        unit=unit,
        day=day,
        rows=ordered,
        cancelled=cancelled,
        capacity=capacity,
        free=free,
        booked=sum(len(r.bookings) for r in ordered),
        stamp=stamp,
    )


def _stamp(slots, bookings) -> str:
    latest = max(
        [s.updated_at for s in slots] + [b.updated_at for b in bookings],
        default=None,
    )
    return f"{len(slots)}-{len(bookings)}-{latest.timestamp() if latest else 0}"


def day_stamp(unit, day: dt.date) -> str:
    """What changes whenever the day view would: a cheap poll without reading any patient."""
    start, end = day_bounds(day)
    slots = Slot.objects.filter(unit=unit, starts_at__gte=start, starts_at__lt=end).aggregate(
        n=Count("id"), latest=Max("updated_at")
    )
    bookings = Booking.objects.filter(unit=unit, starts_at__gte=start, starts_at__lt=end).aggregate(
        n=Count("id"), latest=Max("updated_at")
    )
    latest = max([t for t in (slots["latest"], bookings["latest"]) if t], default=None)
    return f"{slots['n']}-{bookings['n']}-{latest.timestamp() if latest else 0}"


@dataclass
class WeekCell:
    capacity: int = 0
    booked: int = 0
    closed: bool = False

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked) if not self.closed else 0


def week_view(unit, monday: dt.date) -> dict:
    """Booked and free seats per time of day and weekday (no patient data: counts only)."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    start, _unused = day_bounds(days[0])
    _unused, end = day_bounds(days[-1])
    cells: dict = {}
    totals = {d: WeekCell() for d in days}
    times = set()
    for slot in Slot.objects.filter(unit=unit, starts_at__gte=start, starts_at__lt=end).only(
        "starts_at", "capacity", "booked_count", "is_closed"
    ):
        local = timezone.localtime(slot.starts_at)
        key = (local.time(), local.date())
        times.add(local.time())
        cell = cells.setdefault(key, WeekCell())
        total = totals[local.date()]
        if slot.is_closed:
            cell.booked += slot.booked_count
            total.booked += slot.booked_count
            cell.closed = cell.capacity == 0
            continue
        cell.capacity += slot.capacity
        cell.booked += slot.booked_count
        cell.closed = False
        total.capacity += slot.capacity
        total.booked += slot.booked_count
    rows = [(t, [cells.get((t, d)) for d in days]) for t in sorted(times)]
    return {"days": days, "rows": rows, "totals": [totals[d] for d in days]}


def affected_bookings(unit, *, now=None):
    """Booked visits left in a closed slot or a slot over its planned capacity by a schedule change."""
    now = now or timezone.now()
    return (
        Booking.objects.filter(unit=unit, status=Booking.Status.BOOKED, starts_at__gt=now)
        .filter(Q(slot__is_closed=True) | Q(slot__booked_count__gt=F("slot__planned_capacity")))
        .select_related("patient", "visit_type", "slot")
        .order_by("starts_at", "pk")
    )


_AFFECTED_COUNT = Compiled(
    lambda unit_id, now: (
        affected_bookings(unit_id, now=now)
        .order_by()
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("n")
    ),
    unit_id=NO_ID,
    now=MOMENTS[2],
)


def affected_count(unit, *, now) -> int:
    """How many bookings `affected_bookings` lists (the day view's warning), without reading them."""
    rows = _AFFECTED_COUNT.rows(unit_id=unit.pk, now=now)
    return rows[0][0] if rows else 0


def free_slots(
    unit, visit_type, *, first_day: dt.date, days: int, now=None, limit: int | None = None
) -> list[Slot]:
    """Open slots with a free seat where the visit type can be booked, in time order (the first `limit`)."""
    now = now or timezone.now()
    start, _unused = day_bounds(first_day)
    _unused, end = day_bounds(first_day + dt.timedelta(days=days - 1))
    slots = Slot.objects.filter(
        unit=unit,
        is_closed=False,
        starts_at__gte=max(start, now),
        starts_at__lt=end,
        booked_count__lt=F("capacity"),
        schedule__visit_types=visit_type,
        schedule__slot_minutes__gte=visit_type.duration_minutes,
        schedule__is_active=True,
    ).order_by("starts_at", "pk")
    return list(slots[:limit] if limit else slots)


def days_with_free_slots(unit, visit_type, *, now=None, horizon_days: int) -> list[tuple[dt.date, int]]:
    """(local date, free seats) for each day ahead that has any, for the public day tabs."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    counts: dict[dt.date, int] = {}
    for slot in free_slots(unit, visit_type, first_day=today, days=horizon_days, now=now):
        day = timezone.localtime(slot.starts_at).date()
        counts[day] = counts.get(day, 0) + slot.free
    return sorted(counts.items())


def messages_for(booking):
    return OutboundMessage.objects.filter(
        caregiver=booking.unit.caregiver_id, reference=booking.reference
    ).order_by("created_at", "id")


# --- Staff booking ------------------------------------------------------------------------------------


@dataclass
class PatientLookup:
    """The patient a staff member typed a number for: found, new (`identity` only), or an error to show."""

    patient: Patient | None = None
    identity: ParsedIdentity | None = None
    error: str = ""


def patient_lookup(*, who, query: str) -> PatientLookup:
    """The caregiver's patient with this personnummer, samordningsnummer or (12 digits) reserve number."""
    query = (query or "").strip()
    if not query:
        return PatientLookup()
    patients = owned(Patient, who)
    try:
        identity = parse_identity(query)
    except IdentityError as error:
        digits = "".join(c for c in query if c.isdigit())
        patient = patients.filter(identity_number=digits).first() if len(digits) == 12 else None
        return PatientLookup(patient=patient, error="" if patient else error.message)
    return PatientLookup(patient=patients.filter(identity_number=identity.value).first(), identity=identity)


def fee_needs_review_q():
    """Bookings whose no-show or late-cancellation fee must not be invoiced without staff review: web
    bookings made without e-identification (whoever typed the personnummer may not be the patient)."""

    return Q(made_by_kind=ActorKind.RESIDENT, identity_verified=False)


def booked_times(booking_ids) -> dict:
    """{booking id: starts_at} of the given bookings that are still booked (one query)."""

    return dict(
        Booking.objects.filter(pk__in=list(booking_ids), status=Booking.Status.BOOKED).values_list(
            "pk", "starts_at"
        )
    )
