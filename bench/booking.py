"""Booking in the benchmark: a rush of residents at 100 slots through gunicorn, and a full day view.

    make bench ARGS="--rush-clients 500"

The rush: one unit opens 100 one-seat slots; N resident clients (each its own HTTP session, a distinct
personnummer) fetch the booking form, then all post at once. Every seat must be taken exactly once:
`rush_overbooked` is counted from the bookings table itself, not from the slot counters. Clients that
lose a race get the "slot just filled" page (HTTP 409), which is the expected answer, not an error.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

LOADER_VERSION = 2
RUSH_SLOTS = 100
DAY_BOOKINGS = 200
RUSH_UNIT = "clinic_no_payment"
DAY_UNIT = "clinic"


def environment(args) -> dict:
    """All rush clients come from this machine's one address: lift the per-address flood limit for
    the benchmark's own gunicorn. The per-personnummer limit stays as configured: every client has
    its own number."""
    return {"MITTVACCIN_BOOKING_RATE_LIMIT_PER_ADDRESS": "1000000"}


def add_arguments(parser) -> None:
    parser.add_argument("--rush-clients", type=int, default=500, help="resident clients in the booking rush")
    parser.add_argument("--rush-threads", type=int, default=48, help="concurrent connections of the rush")


def _day(offset: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=offset)


def load(ctx) -> None:
    from booking.models import Booking, Schedule, Slot, VisitType
    from booking.timebook import local_datetime
    from journal.models import Patient

    for key in (RUSH_UNIT, DAY_UNIT):
        unit_id = ctx.unit_ids[key]
        visit_type = VisitType.objects.create(
            unit_id=unit_id, name="TBE dos 1", duration_minutes=5, price="350.00"
        )
        schedule = Schedule.objects.create(
            unit_id=unit_id,
            name="Bench",
            slot_minutes=5,
            capacity=1 if key == RUSH_UNIT else 4,
            valid_from=_day(-1),
        )
        schedule.visit_types.set([visit_type])
    day = Schedule.objects.get(unit_id=ctx.unit_ids[DAY_UNIT])
    start = local_datetime(_day(1), dt.time(7))
    slots = Slot.objects.bulk_create(
        Slot(
            unit_id=day.unit_id,
            schedule=day,
            starts_at=start + dt.timedelta(minutes=5 * i),
            ends_at=start + dt.timedelta(minutes=5 * (i + 1)),
            capacity=4,
            planned_capacity=4,
        )
        for i in range(DAY_BOOKINGS // 4 + 10)
    )
    visit_type = VisitType.objects.get(unit_id=day.unit_id)
    patients = list(Patient.objects.filter(pk__in=ctx.patient_ids[:DAY_BOOKINGS]))
    made = dt.datetime.now(dt.UTC) - dt.timedelta(days=3)
    # The trigger on Booking fills the slots' counters as these rows go in.
    Booking.objects.bulk_create(
        Booking(
            unit_id=day.unit_id,
            patient=patient,
            visit_type=visit_type,
            slot=slots[i // 4],
            starts_at=slots[i // 4].starts_at,
            ends_at=slots[i // 4].starts_at + dt.timedelta(minutes=5),
            made_at=made,
            made_by_kind="resident",
            contact_phone=patient.phone,
        )
        for i, patient in enumerate(patients)
    )
    ctx.progress(f"  booking: a day with {len(patients)} bookings")


def _rush_slots(unit_id) -> list[int]:
    """RUSH_SLOTS fresh one-seat slots a week ahead, after any earlier run's (so `--reuse` rushes again)."""
    from django.db.models import Max

    from booking.models import Schedule, Slot
    from booking.timebook import local_datetime

    rush = Schedule.objects.get(unit_id=unit_id, name="Bench")
    start = max(
        local_datetime(_day(7), dt.time(8)),
        Slot.objects.filter(schedule=rush).aggregate(last=Max("ends_at"))["last"]
        or local_datetime(_day(7), dt.time(8)),
    )
    slots = Slot.objects.bulk_create(
        Slot(
            unit_id=unit_id,
            schedule=rush,
            starts_at=start + dt.timedelta(minutes=5 * i),
            ends_at=start + dt.timedelta(minutes=5 * (i + 1)),
            capacity=1,
            planned_capacity=1,
        )
        for i in range(RUSH_SLOTS)
    )
    return [slot.pk for slot in slots]


def _identity(i: int) -> str:
    from journal.identity import identity_with_check_digit

    birth = dt.date(1950, 1, 1) + dt.timedelta(days=i)
    # Birth number 996/997: outside the series the core's synthetic patients use.
    value = identity_with_check_digit(birth.year, birth.month, birth.day, 996 + i % 2)
    return f"{value[:8]}-{value[8:]}"


def measure(ctx) -> dict:
    import requests

    from booking.models import Booking, VisitType
    from mittvaccin.models import Unit

    unit = Unit.objects.get(pk=ctx.unit_ids[RUSH_UNIT])
    visit_type = VisitType.objects.get(unit=unit, name="TBE dos 1")
    slot_ids = _rush_slots(unit.pk)
    capacity = len(slot_ids)
    clients = ctx.args.rush_clients
    ctx.progress(f"  rush: {clients} clients fetch the form …")

    def prepare(i):
        session = requests.Session()
        path = f"/boka/{unit.slug}/{visit_type.pk}/{slot_ids[(i * 7) % capacity]}/"
        page = session.get(ctx.base_url + path, timeout=60)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        submission = re.search(r'name="submission" value="([^"]+)"', page.text)[1]
        data = {
            "csrfmiddlewaretoken": token,
            "submission": submission,
            "identity": _identity(i),
            "given_names": "Bench",
            "family_name": f"Rusning{i}",
            "phone": "070-000 00 00",
            "accept_rule": "on",
        }
        return session, path, data

    with ThreadPoolExecutor(max_workers=ctx.args.rush_threads) as pool:
        prepared = list(pool.map(prepare, range(clients)))

    outcomes = {"booked": 0, "full": 0, "errors": 0}
    lock = threading.Lock()

    def post(item):
        session, path, data = item
        try:
            response = session.post(
                ctx.base_url + path,
                data=data,
                headers={"Referer": ctx.base_url + path},
                allow_redirects=False,
                timeout=120,
            )
            kind = {302: "booked", 409: "full"}.get(response.status_code, "errors")
        except requests.RequestException:
            kind = "errors"
        with lock:
            outcomes[kind] += 1

    ctx.progress(f"  rush: {clients} clients post at once ({ctx.args.rush_threads} connections) …")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=ctx.args.rush_threads) as pool:
        list(pool.map(post, prepared))
    elapsed = time.perf_counter() - started

    booked = Booking.objects.filter(slot_id__in=slot_ids).exclude(status="cancelled").count()
    overbooked = ctx.sql(
        """
        SELECT COALESCE(SUM(GREATEST(n - s.capacity, 0)), 0) FROM booking_slot s
        JOIN (SELECT slot_id, COUNT(*) AS n FROM booking_booking WHERE status <> 'cancelled' GROUP BY slot_id) b
          ON b.slot_id = s.id
        WHERE s.id = ANY(%s)
        """,
        [slot_ids],
        fetch=True,
    )[0][0]

    day_unit = ctx.unit_ids[DAY_UNIT]
    nurse = ctx.login(ctx.users["nurse"])
    day_path = f"/tidbok/{day_unit}/dag/{_day(1).isoformat()}/"
    day_view = ctx.timed(nurse, "GET", day_path, max(20, ctx.args.requests // 4), expect=(200,))
    return {
        "rush_clients": clients,
        "rush_capacity": capacity,
        "rush_booked": booked,
        "rush_overbooked": int(overbooked),
        "rush_errors": outcomes["errors"],
        "rush_slot_full_answers": outcomes["full"],
        "rush_rps": round(clients / elapsed, 1),
        "day_view_bookings": DAY_BOOKINGS,
        "day_view_ms": day_view.median_ms,
        "day_view_p95_ms": day_view.p95_ms,
        "day_view_ratio": ctx.ratio(day_view),
        "day_view_queries": ctx.queries(ctx.users["nurse"], "GET", day_path),
    }
