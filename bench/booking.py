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
    parser.add_argument("--rush-processes", type=int, default=4, help="load-generating processes of the rush")


def _day(offset: int) -> dt.date:
    from django.utils import timezone

    return timezone.localdate() + dt.timedelta(days=offset)


def load(ctx) -> None:
    from booking.models import Booking, Schedule, Slot, VisitType
    from booking.timebook import local_datetime
    from journal.models import Patient

    for key in (RUSH_UNIT, DAY_UNIT):
        unit_id = ctx.unit_ids[key]
        visit_type = VisitType.objects.create(unit_id=unit_id, name="TBE dos 1", duration_minutes=5)
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


def _loaded_day(unit_id) -> dt.date:
    """The day the loader filled (tomorrow as it was loaded): with `--reuse` on a later date, "tomorrow"
    would be an empty day and the day view would measure nothing."""
    from django.utils import timezone

    from booking.models import Slot

    first = (
        Slot.objects.filter(schedule__unit_id=unit_id, schedule__name="Bench").order_by("starts_at").first()
    )
    return timezone.localdate(first.starts_at) if first else _day(1)


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


def _rush_client(base_url: str, clients: list, threads: int, barrier, results) -> None:
    """One load-generating process: its residents fetch the form, wait for all the others, then post.

    Runs in a process of its own (spawned, no Django): the rush is driven from several cores' worth of
    processes, so the client is not what limits it.
    """
    import http.client
    import urllib.parse

    import requests

    server = urllib.parse.urlsplit(base_url)

    def prepare(client):
        i, path, identity = client
        session = requests.Session()
        page = session.get(base_url + path, timeout=120)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        submission = re.search(r'name="submission" value="([^"]+)"', page.text)[1]
        body = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token,
                "submission": submission,
                "identity": identity,
                "given_names": "Bench",
                "family_name": f"Rusning{i}",
                "phone": "070-000 00 00",
                "accept_rule": "on",
            }
        )
        # What a browser sends with the form: the cookies the form's page set, and where it came from.
        headers = {
            "Cookie": "; ".join(f"{name}={value}" for name, value in session.cookies.items()),
            "Referer": base_url + path,
            "Content-Type": "application/x-www-form-urlencoded",
        }
        return path, body, headers

    def post(item):
        # The plain HTTP client: a requests session spent about 3 ms of the load generator's CPU on a
        # post, which on a 2-core machine is taken from the server under test.
        path, body, headers = item
        connection = http.client.HTTPConnection(server.hostname, server.port, timeout=300)
        try:
            connection.request("POST", path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return {302: "booked", 409: "full"}.get(response.status, "errors")
        except (OSError, http.client.HTTPException):
            return "errors"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        prepared = list(pool.map(prepare, clients))
    cpu_before = time.process_time()
    barrier.wait()
    with ThreadPoolExecutor(max_workers=threads) as pool:
        outcomes = list(pool.map(post, prepared))
    results.put(
        {
            "outcomes": outcomes,
            "finished": time.time(),
            "cpu_s": time.process_time() - cpu_before,
        }
    )


def measure(ctx) -> dict:
    import multiprocessing

    from booking.models import Booking, VisitType
    from mittvaccin.models import Unit

    unit = Unit.objects.get(pk=ctx.unit_ids[RUSH_UNIT])
    visit_type = VisitType.objects.get(unit=unit, name="TBE dos 1")
    slot_ids = _rush_slots(unit.pk)
    capacity = len(slot_ids)
    clients = ctx.args.rush_clients
    processes = ctx.args.rush_processes
    threads = max(1, ctx.args.rush_threads // processes)
    work = [
        (i, f"/boka/{unit.slug}/{visit_type.pk}/{slot_ids[(i * 7) % capacity]}/", _identity(i))
        for i in range(clients)
    ]
    ctx.progress(
        f"  rush: {clients} clients in {processes} processes ({threads} connections each) fetch the form, "
        "then all post at once …"
    )
    spawn = multiprocessing.get_context("spawn")
    barrier, results = spawn.Barrier(processes + 1), spawn.Queue()
    workers = [
        spawn.Process(target=_rush_client, args=(ctx.base_url, work[p::processes], threads, barrier, results))
        for p in range(processes)
    ]
    for worker in workers:
        worker.start()
    barrier.wait(timeout=1800)
    started, server_cpu_before = time.time(), ctx.server_cpu_s()
    reports = [results.get(timeout=1800) for _worker in workers]
    server_cpu = ctx.server_cpu_s() - server_cpu_before
    for worker in workers:
        worker.join()
    elapsed = max(report["finished"] for report in reports) - started
    outcomes = {"booked": 0, "full": 0, "errors": 0}
    for report in reports:
        for kind in report["outcomes"]:
            outcomes[kind] += 1
    client_cpu = sum(report["cpu_s"] for report in reports)

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
    day_path = f"/tidbok/{day_unit}/dag/{_loaded_day(day_unit).isoformat()}/"
    day_view = ctx.timed(nurse, "GET", day_path, max(20, ctx.args.requests // 4), expect=(200,))
    return {
        "rush_clients": clients,
        "rush_capacity": capacity,
        "rush_booked": booked,
        "rush_overbooked": int(overbooked),
        "rush_errors": outcomes["errors"],
        "rush_slot_full_answers": outcomes["full"],
        "rush_rps": round(clients / elapsed, 1),
        "rush_processes": processes,
        # What the load generator itself used, and what serving it cost (gunicorn workers and PostgreSQL):
        # on 2 shared cores the wall-clock rate says as much about the neighbours as about the code.
        "rush_client_cpu_s": round(client_cpu, 2),
        "rush_server_cpu_s": round(server_cpu, 2),
        "rush_server_cpu_ms_per_post": round(1000 * server_cpu / clients, 1) if clients else 0.0,
        "rush_posts_per_server_cpu_s": round(clients / server_cpu, 1) if server_cpu else 0.0,
        "day_view_bookings": DAY_BOOKINGS,
        "day_view_ms": day_view.median_ms,
        "day_view_p95_ms": day_view.p95_ms,
        "day_view_ratio": ctx.ratio(day_view),
        "day_view_queries": ctx.queries(ctx.users["nurse"], "GET", day_path),
    }
