"""Billing in the benchmark: the no-show and late-cancel jobs over many due bookings, issuing invoices,
and rendering invoice PDFs.

    make bench ARGS="--billing-due-bookings 100000 --billing-invoices 10000 --billing-pdfs 100"

The jobs and the issuing run in this process against the benchmark database, the way a Celery worker
would run them: the jobs through `billing.services.jobs.job_execute` (charges made per second over the
due bookings, each with its own visit; then a second run that must create nothing), invoices through
`invoices_issue` (one transaction per patient, numbers from the locked counter). The PDFs are rendered
by a real Celery worker started for them (solo pool: one process, one core).
Each measurement adds its own fresh due bookings, so `--reuse` runs measure new work too.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time

LOADER_VERSION = 1
LATE_PRICE = "300"
NO_SHOW_PRICE = "400"
# What the jobs insert into: kept from autovacuum while they are measured (see measure).
STALE_TABLES = ("billing_charge", "journal_visit")


def add_arguments(parser) -> None:
    parser.add_argument(
        "--billing-due-bookings",
        type=int,
        default=100_000,
        help="due bookings for the two invoicing jobs, half no-shows, half late cancellations (100,000)",
    )
    parser.add_argument("--billing-invoices", type=int, default=10_000, help="invoices to issue (10,000)")
    parser.add_argument(
        "--billing-pdfs", type=int, default=100, help="invoice PDFs to render on one core (100)"
    )


def load(ctx) -> None:
    """Payment details, article prices and an R9 campaign for children and youth."""
    from decimal import Decimal

    from billing import services
    from billing.models import ArticleKind, Qualification
    from mittvaccin.models import Caregiver

    caregiver = Caregiver.objects.get(pk=ctx.caregiver_id)
    row = services.billing_settings_for(caregiver)
    row.bankgiro = "5050-1055"
    row.save()
    articles = services.articles_ensure(caregiver)
    since = dt.date(2020, 1, 1)
    for kind, amount in ((ArticleKind.NO_SHOW, NO_SHOW_PRICE), (ArticleKind.LATE_CANCELLATION, LATE_PRICE)):
        services.price_set(
            caregiver=caregiver, article=articles[kind], amount=Decimal(amount), valid_from=since
        )
    services.campaign_save(
        caregiver=caregiver,
        data={
            "name": "Barn och unga: sen avbokning",
            "description": "",
            "campaign_price": Decimal("0"),
            "qualification": Qualification.AGE,
            "min_age": 0,
            "max_age": 19,
            "birth_year_from": None,
            "birth_year_to": None,
            "risk_group": "",
            "starts_on": since,
            "ends_on": None,
        },
        products=[],
        articles=[articles[ArticleKind.LATE_CANCELLATION]],
    )
    ctx.progress("  billing: payment details, article prices, an R9 campaign")


def _quiet_broker() -> None:
    """Issued invoices queue their PDF task on commit; here nothing consumes them, so they go to an
    in-process broker instead of the Redis a development worker may be reading from."""
    from mittvaccin.celery import app

    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}


def _pdfs_in_a_worker(ctx, pairs: list[tuple[int, int]]) -> dict:
    """Render the PDFs of `pairs` [(invoice id, number), …] in a real Celery worker (solo pool: one
    process, one core), sent as the issue sends them (`billing.invoice_render_pdfs`).

    The first invoice is a warm-up (WeasyPrint loads its fonts on the first document) and not counted.
    Measured: the worker's own CPU (/proc) and the time until the last document's row exists. A fresh
    worker holds what a production worker holds, not the benchmark's 10,000 issued invoices, whose
    objects slow Python's garbage collector down during the render.
    """
    from django.conf import settings

    from billing.models import InvoiceDocument
    from mittvaccin.celery import app

    queue = "bench_pdfs"
    broker = settings.CELERY_BROKER_URL  # _quiet_broker changed the app's, not the settings'
    ids = [invoice_id for invoice_id, _number in pairs]
    with tempfile.TemporaryDirectory() as media, app.connection_for_write(broker) as connection:
        connection.default_channel.queue_purge(queue)
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "mittvaccin", "worker", "--pool", "solo", "--queues", queue,
             "--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"],
            env={**os.environ, "MITTVACCIN_MEDIA_ROOT": media},
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        try:

            def rendered(expected: list[int]) -> None:
                deadline = time.monotonic() + 600
                while InvoiceDocument.objects.filter(invoice_id__in=expected).count() < len(expected):
                    if worker.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError("the Celery worker stopped or did not render the invoice PDFs")
                    time.sleep(0.02)

            def send(batch: list) -> None:
                app.send_task(
                    "billing.invoice_render_pdfs", args=[[list(pair) for pair in batch]], queue=queue,
                    connection=connection,
                )  # fmt: skip

            send(pairs[:1])
            rendered(ids[:1])
            cpu_started, started = _process_cpu_s(worker.pid), time.perf_counter()
            send(pairs[1:])
            rendered(ids[1:])
            elapsed, cpu = time.perf_counter() - started, _process_cpu_s(worker.pid) - cpu_started
            rss = ctx.rss_mb(worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
    count = len(pairs) - 1
    return {
        "pdf_rendered": count,
        "pdf_per_s": round(count / elapsed, 2) if elapsed else 0.0,
        # Per second of the worker's CPU: what one core renders, whatever else the machine runs.
        "pdf_per_cpu_s": round(count / cpu, 2) if cpu else 0.0,
        "celery_worker_rss_mb": rss,
        "celery_worker_rss_process": "a Celery worker (solo pool) after rendering the PDFs",
    }


def _process_cpu_s(pid: int) -> float:
    """CPU seconds used so far by a process of this machine (utime + stime from /proc)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _due_bookings(ctx, count: int) -> None:
    """Add `count` due bookings (half no-shows, half late cancellations) with COPY. Not timed.

    2 % are at the unit without payment solution and 2 % were booked two hours before the visit, so
    the jobs' skips and exceptions are exercised too.
    """
    from django.db.models import Max, Min

    from booking.models import Booking, Schedule, Slot, VisitType
    from journal.models import Patient

    now = dt.datetime.now(dt.UTC)
    units = {key: ctx.unit_ids[key] for key in ("clinic", "clinic_no_payment")}
    visit_types, slots = {}, {}
    per_unit = max(8, count // 100)
    for key, unit_id in units.items():
        visit_type, _ = VisitType.objects.get_or_create(
            unit_id=unit_id, name="Bench fakturering", defaults={"duration_minutes": 5}
        )
        schedule, _ = Schedule.objects.get_or_create(
            unit_id=unit_id,
            name="Bench fakturering",
            defaults={"slot_minutes": 5, "capacity": 1, "valid_from": dt.date(2020, 1, 1)},
        )
        schedule.visit_types.add(visit_type)
        visit_types[key] = visit_type.pk
        # Slots that only hold the counters of these bookings (the booking trigger keeps them). About
        # a hundred bookings each: the trigger updates its slot once per row inside the one COPY, and a
        # row updated thousands of times in one transaction makes every further update slower.
        start = Slot.objects.filter(schedule=schedule).aggregate(last=Max("ends_at"))["last"] or (
            now - dt.timedelta(days=400)
        )
        slots[key] = [
            slot.pk
            for slot in Slot.objects.bulk_create(
                Slot(
                    unit_id=unit_id,
                    schedule=schedule,
                    starts_at=start + dt.timedelta(minutes=5 * i),
                    ends_at=start + dt.timedelta(minutes=5 * (i + 1)),
                    capacity=1_000,
                    planned_capacity=1_000,
                )
                for i in range(per_unit)
            )
        ]
    patients = list(
        Patient.objects.filter(caregiver_id=ctx.caregiver_id).order_by("pk").values_list("pk", flat=True)
    )
    offset = Booking.objects.count()
    clinic_user = ctx.users["clinic"]
    from mittvaccin.models import User

    marker_id = User.objects.get(username=clinic_user).pk

    # Every `--reuse` adds more of these for the same patients. A run's bookings start before all that
    # earlier runs added (each pass over the patients an hour earlier still), so none overlaps another
    # of the same patient, however far apart in time the runs were (placed from the clock alone, two
    # runs a few minutes plus whole hours apart collided on the patient's no-overlap constraint).
    ours = Booking.objects.filter(reference__regex=r"^Z[0-9]{7}$", manage_key__startswith="bench")
    earlier = ours.aggregate(first=Min("starts_at"))["first"]
    latest_start = now - dt.timedelta(days=2)
    if earlier is not None:
        latest_start = min(latest_start, earlier - dt.timedelta(hours=1))

    def rows():
        for i in range(count):
            n = offset + i
            # Pairs (one no-show, one late cancellation) share the exceptions, so both jobs meet them.
            key = "clinic_no_payment" if (i // 2) % 50 == 7 else "clinic"
            # No patient has two of these at overlapping times: each pass over the patients moves an hour.
            patient = patients[n % len(patients)]
            starts = latest_start - dt.timedelta(hours=i // len(patients), minutes=(n % 12) * 5)
            short_notice = (i // 2) % 50 == 13
            made = starts - (dt.timedelta(hours=2) if short_notice else dt.timedelta(days=5))
            no_show = i % 2 == 0
            yield (
                units[key],
                patient,
                visit_types[key],
                slots[key][i % per_unit],
                starts,
                starts + dt.timedelta(minutes=5),
                f"Z{n:07d}",
                f"bench{n}",
                "no_show" if no_show else "cancelled",
                made,
                "resident",
                short_notice,
                "",
                "",
                "",
                None if no_show else starts - dt.timedelta(hours=3),
                "" if no_show else "resident",
                "",
                not no_show,
                starts + dt.timedelta(minutes=20) if no_show else None,
                marker_id if no_show else None,
                "",
                "",
                now,
                # Made with e-identification, so the jobs invoice them (a web booking without it waits
                # for staff review and is not what the jobs' figures measure).
                True,
            )

    ctx.copy(
        "booking_booking",
        [
            "unit_id",
            "patient_id",
            "visit_type_id",
            "slot_id",
            "starts_at",
            "ends_at",
            "reference",
            "manage_key",
            "status",
            "made_at",
            "made_by_kind",
            "made_within_24h",
            "given_name",
            "contact_phone",
            "contact_email",
            "cancelled_at",
            "cancelled_by_kind",
            "cancel_reason",
            "late_cancellation",
            "no_show_marked_at",
            "no_show_marked_by_id",
            "no_show_undo_reason",
            "submission_key",
            "updated_at",
            "identity_verified",
        ],
        rows(),
    )
    ctx.sql("ANALYZE booking_booking")


def _job(ctx, kind: str) -> tuple[float, int, int, float, float]:
    from django.conf import settings

    from billing.models import JobRun
    from billing.services.jobs import job_execute

    # A bench stopped half-way (`--reuse` keeps its database) leaves its run active; the app would
    # take it over after the worker's lease ran out, the bench marks it interrupted at once.
    JobRun.objects.filter(caregiver_id=ctx.caregiver_id, kind=kind, status__in=["queued", "running"]).update(
        status="interrupted"
    )
    run = JobRun.objects.create(caregiver_id=ctx.caregiver_id, kind=kind)
    server = _server_cpu_s()
    started, cpu_started = time.perf_counter(), time.process_time()
    run = job_execute(run_id=run.pk)
    elapsed = time.perf_counter() - started
    # CPU seconds of this process (all its threads) and of the database server (the run's own backend,
    # its lanes' backends, which end with the run, and the server's writers): on a shared machine the
    # wall clock measures the neighbours, these the job.
    process_cpu = time.process_time() - cpu_started
    server_cpu = _server_cpu_s() - server
    cpu = process_cpu + server_cpu
    rows = run.total + run.already_done + run.skipped_exception + run.skipped_no_invoicing
    ctx.progress(
        f"    {kind}: {run.total:,} to charge, {run.created:,} created, {run.skipped_exception:,} exceptions, "
        f"{run.skipped_no_invoicing:,} without payment solution, {run.error_count} errors in {elapsed:.1f} s "
        f"({cpu:.1f} CPU s: this process {process_cpu:.1f}, the database server {server_cpu:.1f}; "
        f"{settings.BILLING_JOB_LANES} lanes)"
    )
    return elapsed, rows, run.created, cpu, server_cpu


def _server_cpu_s() -> float:
    """CPU seconds used so far by the database server (same machine: /proc): the postmaster and its
    children, live ones and those that ended (a backend's time goes to its parent when it is reaped).
    The bench's server runs only the bench's work meanwhile."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    postmaster = int(_stat(backend)[1])
    total = sum(int(value) for value in _stat(postmaster)[11:15])  # utime stime cutime cstime
    for child in os.listdir("/proc"):
        if child.isdigit():
            fields = _stat(int(child))
            if fields and int(fields[1]) == postmaster:
                total += sum(int(value) for value in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (field 4, the parent, is [1]); [] if gone."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return []


def measure(ctx) -> dict:
    from django.conf import settings

    from billing import services
    from billing.models import Charge, ChargeStatus, JobKind
    from mittvaccin.models import Caregiver, User

    _quiet_broker()
    due = ctx.args.billing_due_bookings
    ctx.progress(f"  billing: adding {due:,} due bookings …")
    _due_bookings(ctx, due)

    results = {}
    # The worst case on purpose: no autovacuum on what the jobs insert, so each rerun plans against the
    # statistics of before the first run (the application role cannot ANALYZE; the jobs must not need it).
    for table in STALE_TABLES:
        ctx.sql(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    try:
        for kind, key in ((JobKind.NO_SHOW, "noshow"), (JobKind.LATE_CANCELLATION, "latecancel")):
            ctx.progress(f"  billing: {kind} job, then the same job again …")
            elapsed, rows, created, cpu, server_cpu = _job(ctx, kind)
            again_elapsed, _again_rows, again_created, _again_cpu, _again_server = _job(ctx, kind)
            results[f"{key}_job_rows"] = rows
            results[f"{key}_job_created"] = created
            results[f"{key}_job_s"] = round(elapsed, 1)
            results[f"{key}_job_rows_per_s"] = round(created / elapsed, 1) if elapsed else 0.0
            results[f"{key}_job_cpu_s"] = round(cpu, 1)
            results[f"{key}_job_rows_per_cpu_s"] = round(created / cpu, 1) if cpu else 0.0
            # Of that, the database server's part (every backend and background process of the server).
            results[f"{key}_job_server_cpu_s"] = round(server_cpu, 1)
            results[f"{key}_job_rerun_s"] = round(again_elapsed, 1)
            results[f"{key}_job_rerun_created"] = again_created
            results[f"{key}_job_lanes"] = settings.BILLING_JOB_LANES
    finally:
        for table in STALE_TABLES:
            ctx.sql(f"ALTER TABLE {table} RESET (autovacuum_enabled)")

    caregiver = Caregiver.objects.get(pk=ctx.caregiver_id)
    clerk = User.objects.get(username=ctx.users["clinic"])
    wanted = ctx.args.billing_invoices
    pending = Charge.objects.filter(caregiver=caregiver, status=ChargeStatus.OPEN, amount__gt=0)
    patient_ids, charge_ids = [], []
    for charge_id, patient_id in pending.order_by("patient_id", "pk").values_list("pk", "patient_id"):
        if patient_ids and patient_ids[-1] == patient_id:
            continue
        patient_ids.append(patient_id)
        charge_ids.append(charge_id)
        if len(patient_ids) == wanted:
            break
    ctx.progress(f"  billing: approving {len(charge_ids):,} charges, then issuing their invoices …")
    services.charges_approve(caregiver=caregiver, charge_ids=charge_ids, user=clerk)
    started = time.perf_counter()
    result = services.invoices_issue(caregiver=caregiver, user=clerk, patient_ids=patient_ids)
    issue_elapsed = time.perf_counter() - started
    numbers = sorted(invoice.number for invoice in result.invoices)
    results["invoices_issued"] = len(result.invoices)
    results["invoices_issue_s"] = round(issue_elapsed, 1)
    results["invoices_issued_per_s"] = (
        round(len(result.invoices) / issue_elapsed, 1) if issue_elapsed else 0.0
    )
    results["invoices_gapless"] = (
        numbers == list(range(numbers[0], numbers[0] + len(numbers))) if numbers else True
    )

    count = min(ctx.args.billing_pdfs, len(result.invoices) - 1)
    ctx.progress(f"  billing: rendering {count} invoice PDFs in a Celery worker on one core …")
    results.update(
        _pdfs_in_a_worker(ctx, [(invoice.pk, invoice.number) for invoice in result.invoices[: count + 1]])
    )
    # The jobs and the issuing ran in this process, as a worker would run them.
    results["jobs_process_rss_mb"] = ctx.rss_mb(os.getpid())
    return results
