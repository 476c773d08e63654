"""Demo timebooks: visit types, weekday schedules, a holiday, and bookings around today.

Idempotent: looked up before created; slots are brought in line with the schedules on every run.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from booking import services
from booking.models import ActorKind, Booking, OpeningHours, Schedule, ScheduleException, Slot, VisitType
from booking.timebook import day_bounds

VISIT_TYPES = [
    # name, minutes, vaccines, minimum age, price text (the figures come from the price list), description
    (
        "Influensa",
        5,
        ["Vaxigrip Tetra"],
        0,
        "kostnadsfritt för dig som är 65 år eller äldre",
        "Drop-in-liknande tider för säsongsvaccin mot influensa.",
    ),
    (
        "TBE dos 1",
        10,
        ["FSME-Immun", "Encepur"],
        1,
        "kostnadsfritt för barn och unga 3–19 år",
        "Första dosen mot fästingburen hjärninflammation.",
    ),
    ("TBE påfyllnadsdos", 10, ["FSME-Immun", "Encepur"], 1, "kostnadsfritt för barn och unga 3–19 år", ""),
    (
        "Resevaccination – rådgivning",
        20,
        ["Havrix", "Twinrix", "Stamaril", "Ixiaro"],
        0,
        "vaccinen du väljer betalas per dos",
        "Inför resa: vi går igenom resmålet och vilka vaccin du behöver.",
    ),
    ("HPV", 10, ["Gardasil 9"], 12, "", ""),
]


def _visit_types(unit, products):
    result = {}
    for index, (name, minutes, vaccines, age, price_text, description) in enumerate(VISIT_TYPES):
        visit_type, created = VisitType.objects.get_or_create(
            unit=unit,
            name=name,
            defaults={
                "duration_minutes": minutes,
                "minimum_age_years": age,
                "price_text": price_text,
                "description": description,
                "position": index,
            },
        )
        if created:
            visit_type.vaccines.set([products[v] for v in vaccines if v in products])
        result[name] = visit_type
    return result


def _schedule(unit, name, *, visit_types, slot_minutes, capacity, hours, valid_from):
    schedule, created = Schedule.objects.get_or_create(
        unit=unit,
        name=name,
        defaults={"slot_minutes": slot_minutes, "capacity": capacity, "valid_from": valid_from},
    )
    if created:
        schedule.visit_types.set(visit_types)
        OpeningHours.objects.bulk_create(
            [
                OpeningHours(schedule=schedule, weekday=w, start_time=dt.time(*s), end_time=dt.time(*e))
                for w, s, e in hours
            ]
        )
    return schedule


def load(cast, stdout) -> None:
    products = cast.get("products", {})
    today = timezone.localdate()
    valid_from = today - dt.timedelta(days=14)
    weekdays = range(5)
    for key in ("karlstad", "arvika", "lulea"):
        unit = cast.units[key]
        types = _visit_types(unit, products)
        _schedule(
            unit,
            "Vaccinationsmottagning",
            visit_types=[types["TBE dos 1"], types["TBE påfyllnadsdos"], types["HPV"], types["Influensa"]],
            slot_minutes=10,
            capacity=3 if key == "karlstad" else 2,
            hours=[(w, (8, 0), (11, 30)) for w in weekdays] + [(w, (12, 30), (16, 0)) for w in weekdays],
            valid_from=valid_from,
        )
        _schedule(
            unit,
            "Resemottagning",
            visit_types=[types["Resevaccination – rådgivning"]],
            slot_minutes=20,
            capacity=1,
            hours=[(1, (13, 0), (16, 0)), (3, (13, 0), (16, 0))],
            valid_from=valid_from,
        )
        # A closed day three weeks ahead (a training day), to show exceptions.
        closed_day = today + dt.timedelta(days=21)
        ScheduleException.objects.get_or_create(
            unit=unit, day=closed_day, kind="closed", defaults={"reason": "Utbildningsdag"}
        )
        services.timebook_sync(
            unit=unit,
            first_day=today - dt.timedelta(days=7),
            days=7 + 56,
            now=_start_of(today - dt.timedelta(days=7)),
        )

    karlstad = cast.units["karlstad"]
    if Booking.objects.filter(unit=karlstad).exists():
        stdout.write("  booking: timebooks in place")
        return
    patients = [p for p in cast.patients["varmland"] if not p.protected_identity]
    nurse = cast.staff["anna"]
    types = {vt.name: vt for vt in VisitType.objects.filter(unit=karlstad)}
    made = 0
    for day_offset, count in ((-1, 8), (0, 14), (1, 10), (2, 6)):
        day = today + dt.timedelta(days=day_offset)
        slots = list(
            Slot.objects.filter(
                unit=karlstad, schedule__name="Vaccinationsmottagning", starts_at__date=day
            ).order_by("starts_at")
        )
        if not slots:
            continue
        for index in range(min(count, len(slots))):
            patient = patients[(made * 7) % len(patients)]
            slot = slots[(index * 3) % len(slots)]
            vt = types["TBE dos 1"] if index % 3 else types["Influensa"]
            if vt.minimum_age_years and (patient.age() or 0) < vt.minimum_age_years:
                vt = types["Influensa"]
            booked_at = slot.starts_at - dt.timedelta(days=5)
            try:
                booking = services.booking_create(
                    slot=slot,
                    visit_type=vt,
                    patient=patient,
                    made_by_kind=ActorKind.STAFF if index % 2 else ActorKind.RESIDENT,
                    user=nurse if index % 2 else None,
                    contact_phone=patient.phone,
                    contact_email=patient.email if index % 2 else "",
                    now=booked_at,
                )
            except services.BookingError:
                continue
            made += 1
            if day_offset == -1 and index in (1, 4):
                services.booking_mark_no_show(
                    booking=booking, user=nurse, now=slot.starts_at + dt.timedelta(minutes=20)
                )
            if index == 5 and day_offset >= 0:
                # Three hours before the visit (a late cancellation), but never in the future.
                cancelled_at = min(timezone.now(), slot.starts_at - dt.timedelta(hours=3))
                services.booking_cancel(booking=booking, by_kind=ActorKind.RESIDENT, now=cancelled_at)
            if index == 6 and day_offset == 1:
                services.booking_cancel(
                    booking=booking, by_kind=ActorKind.RESIDENT, now=slot.starts_at - dt.timedelta(days=2)
                )
    stdout.write(f"  booking: 3 timebooks, {made} demo bookings")


def _start_of(day):
    return day_bounds(day)[0]
