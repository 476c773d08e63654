"""The journal's part of `make bench`: realistic histories, a long history page, and signing a dose.

load(ctx)     gives a share of the synthetic patients vaccination histories (orders, visits, health
              declarations, confirmed checks, doses; bulk COPY with every constraint and trigger on),
              and builds one patient with 50 doses and 20 notes with comments.
measure(ctx)  history_page_ms / _ratio / _queries: the patient page of the long history;
              dose_register_ms / _ratio: the whole POST of the dose form through HTTP, each on a
              fresh visit that is ready to vaccinate (declaration and confirmed checks).
"""

from __future__ import annotations

import datetime as dt
import random
import time
import uuid

from journal.questionnaire import NO_FLAGS

LOADER_VERSION = 2
LONG_FAMILY_NAME = "Historiksson"
# Series given in the histories: product, doses in the series, days between doses.
SERIES = [
    ("FSME-Immun", [0, 30, 210]),
    ("Vaxigrip Tetra", [0]),
    ("Engerix-B", [0, 30, 180]),
    ("Havrix", [0, 180]),
    ("Prevenar 20", [0]),
]


def add_arguments(parser) -> None:
    parser.add_argument(
        "--journal-history-share",
        type=float,
        default=0.25,
        help="share of synthetic patients given a vaccination history (default 0.25)",
    )


def _next_ids(ctx, table: str) -> int:
    return (ctx.sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}", fetch=True)[0][0] or 0) + 1  # noqa: S608


def _reset_sequence(ctx, table: str) -> None:
    ctx.sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608


def _catalogue(ctx):
    """The national catalogue (the starter file), and the bench caregiver's batches with stock at the clinic."""
    from journal.demo import load_catalogue
    from journal.models import Batch
    from journal.stock_models import MovementKind, StockMovement

    products = load_catalogue()
    batches = {}
    unit_id = ctx.unit_ids["clinic"]
    for index, product in enumerate(sorted(products.values(), key=lambda p: p.name)):
        batches[product.name], _ = Batch.objects.get_or_create(
            caregiver_id=ctx.caregiver_id,
            lot_number=f"BENCH{index:02d}",
            defaults={
                "product": product,
                "expiry_date": dt.datetime.now(dt.UTC).date() + dt.timedelta(days=3 * 365),
            },
        )
        # Enough doses at the clinic for every dose the benchmark signs (A2: a dose takes one from stock).
        if not StockMovement.objects.filter(unit_id=unit_id, batch=batches[product.name]).exists():
            StockMovement.objects.create(
                caregiver_id=ctx.caregiver_id,
                unit_id=unit_id,
                batch=batches[product.name],
                kind=MovementKind.DELIVERY,
                quantity=1_000_000,
                supplier="Bench",
            )
    return products, batches


def load(ctx) -> None:
    from django.db.models import prefetch_related_objects

    from bench.rows import Clinic, Histories

    products, batches = _catalogue(ctx)
    # next_due_date reads a product's schedule steps: once here, not once a dose.
    prefetch_related_objects(list(products.values()), "schedule_steps")
    clinic = Clinic.of(ctx)
    ids = {
        table: _next_ids(ctx, table)
        for table in (
            "journal_order",
            "journal_visit",
            "journal_healthdeclaration",
            "journal_checkconfirmation",
            "journal_vaccination",
        )
    }
    rows = Histories(clinic, ids)
    started = time.perf_counter()
    with ctx.indexes_after(*ids):
        _histories(ctx, rows, products, batches)
    for table in ids:
        _reset_sequence(ctx, table)
    copied = rows.copied
    ctx.progress(
        f"  {copied['doses']:,} doses, {copied['visits']:,} visits, {copied['orders']:,} orders in"
        f" {time.perf_counter() - started:.1f} s"
    )
    _long_history(ctx, products, batches, clinic)


def _histories(ctx, rows, products, batches) -> None:
    """Give a share of the bench caregiver's patients a history, COPYed a chunk at a time."""
    count = ctx.sql(
        "SELECT count(*) FROM journal_patient WHERE caregiver_id = %s", [ctx.caregiver_id], fetch=True
    )
    total = count[0][0]
    share = ctx.args.journal_history_share
    # Who gets a history is drawn first, for every patient in turn, and the histories from the draws
    # after those: two generators of the one seed, the second moved past the first's draws, give the
    # same rows while the patients stream by.
    chooser, rng = random.Random(2026), random.Random(2026)
    for _ in range(total):
        rng.random()
    ctx.progress(f"  histories for about {total * share:,.0f} of {total:,} patients …")
    today = dt.datetime.now(dt.UTC).date()
    for patient_id, birth in _patients(ctx):
        if chooser.random() < share:
            _history(rows, rng, patient_id, birth, products, batches, today)
            rows.spill(ctx)
    rows.copy(ctx)


def _patients(ctx, chunk: int = 20_000):
    """(id, birth date) of the bench caregiver's patients in id order, a chunk of rows at a time
    (keyset pages: the COPYs between them use the same connection)."""
    last = 0
    while True:
        page = ctx.sql(
            "SELECT id, birth_date FROM journal_patient WHERE caregiver_id = %s AND id > %s ORDER BY id LIMIT %s",
            [ctx.caregiver_id, last, chunk],
            fetch=True,
        )
        if not page:
            return
        yield from page
        last = page[-1][0]


def _history(rows, rng, patient_id, birth, products, batches, today) -> None:
    """One patient's series, started 400-3000 days before `today`, some of its doses given."""
    from journal import schedule

    tz = dt.UTC
    age_years = (today - birth).days // 365 if birth else 40
    options = [
        s
        for s in SERIES
        if (s[0] != "FSME-Immun" or age_years >= 17) and (s[0] != "Prevenar 20" or age_years >= 65)
    ]
    name, gaps = rng.choice(options)
    product = products[name]
    batch = batches[name]
    taken = rng.randint(1, len(gaps))
    start = today - dt.timedelta(days=rng.randint(400, 3000))
    ordered_at = dt.datetime.combine(start - dt.timedelta(days=3), dt.time(9, 0), tz)
    order_id = rows.order(
        patient_id=patient_id,
        product=product,
        doses_total=len(gaps),
        valid_until=start + dt.timedelta(days=400),
        ordered_at=ordered_at,
    )
    day = start
    for number in range(1, taken + 1):
        day = day + dt.timedelta(days=gaps[number - 1])
        given_at = dt.datetime.combine(day, dt.time(10, rng.randint(0, 59)), tz)
        next_due = schedule.next_due_date(product, number, day)
        rows.given(patient_id, given_at, product, batch, order_id, number, next_due=next_due)


def copy_histories(ctx, orders, visits, declarations, confirmations, doses, *, dose_columns=None) -> int:
    """Bulk-load vaccination histories with COPY, every constraint and trigger on (rows as built above);
    the journal's, the stock's and the register's loaders share it. Returns the number of doses."""
    if orders:
        ctx.copy(
            "journal_order",
            ["id", "caregiver_id", "patient_id", "product_id", "dose_ml", "doses_total", "schedule",
             "instructions", "valid_until", "ordered_by_id", "signature", "ordered_at", "unit_id", "visit_id"],
            orders,
        )  # fmt: skip
    ctx.copy(
        "journal_visit",
        ["id", "patient_id", "unit_id", "kind", "started_at", "started_by_id", "booking_id"],
        visits,
    )
    ctx.copy(
        "journal_healthdeclaration",
        ["id", "visit_id", "questionnaire_id", "answers", "flagged", "recorded_by_id", "signature", "recorded_at",
         "supersedes_id"],
        declarations,
    )  # fmt: skip
    ctx.copy(
        "journal_checkconfirmation",
        ["id", "visit_id", "confirmed_by_id", "signature", "confirmed_at", "shown", "fingerprint"],
        confirmations,
    )
    return ctx.copy("journal_vaccination", dose_columns or VACCINATION_COLUMNS, doses)


VACCINATION_COLUMNS = [
    "id", "caregiver_id", "patient_id", "visit_id", "unit_id", "status", "product_id", "product_text", "batch_id",
    "lot_number", "batch_expiry", "order_id", "declaration_id", "check_confirmation_id", "site", "route", "dose_ml",
    "dose_amount", "dose_number", "ordered_by_id", "prepared_by_id", "given_by_id", "recorded_by_id", "signature",
    "given_at", "recorded_at", "next_due_date", "schedule_deviation", "override_reason", "not_given_reason",
    "comment", "elsewhere_place", "idempotency_key",
]  # fmt: skip


def _long_history(ctx, products, batches, clinic) -> None:
    """One patient with 50 doses and 20 notes with comments: the history page measured below."""
    from bench.rows import bench_patient
    from journal.models import (
        CheckConfirmation,
        HealthDeclaration,
        Note,
        NoteComment,
        Order,
        Vaccination,
        Visit,
    )

    nurse, physician = clinic.nurse, clinic.physician
    patient = bench_patient(
        ctx,
        serial=999,
        born=dt.date(1960, 6, 15),
        family_name=LONG_FAMILY_NAME,
        given_names="Lång",
        sex="M",
        street="Benchgatan 1",
    )
    unit_id = ctx.unit_ids["clinic"]
    names = ["FSME-Immun", "Vaxigrip Tetra", "Engerix-B", "Havrix", "Twinrix"]
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=50 * 60 + 30)
    for index in range(50):
        product = products[names[index % len(names)]]
        given_at = start + dt.timedelta(days=60 * index)
        order = Order.objects.create(
            caregiver_id=ctx.caregiver_id,
            patient=patient,
            product=product,
            dose_ml=product.default_dose_ml,
            doses_total=1,
            valid_until=given_at.date() + dt.timedelta(days=30),
            ordered_by=physician,
            signature=physician.signature,
            ordered_at=given_at - dt.timedelta(days=1),
            unit_id=unit_id,
        )
        visit = Visit.objects.create(
            patient=patient, unit_id=unit_id, started_at=given_at - dt.timedelta(minutes=10)
        )
        declaration = HealthDeclaration.objects.create(
            visit=visit,
            questionnaire_id=clinic.questionnaire_id,
            answers=NO_FLAGS,
            recorded_by=nurse,
            signature=nurse.signature,
        )
        confirmation = CheckConfirmation.objects.create(
            visit=visit, confirmed_by=nurse, signature=nurse.signature, shown={}, fingerprint="bench"
        )
        batch = batches[product.name]
        Vaccination.objects.create(
            caregiver_id=ctx.caregiver_id,
            patient=patient,
            visit=visit,
            unit_id=unit_id,
            status="given",
            product=product,
            batch=batch,
            lot_number=batch.lot_number,
            batch_expiry=batch.expiry_date,
            order=order,
            declaration=declaration,
            check_confirmation=confirmation,
            site="left_deltoid",
            route=product.default_route,
            dose_ml=product.default_dose_ml,
            dose_amount="full",
            dose_number=1 + (index // len(names)) % 20,
            ordered_by=physician,
            prepared_by=nurse,
            given_by=nurse,
            recorded_by=nurse,
            signature=nurse.signature,
            given_at=given_at,
            recorded_at=given_at,
        )
    for index in range(20):
        note = Note.objects.create(
            patient=patient,
            text=f"Anteckning {index + 1}: bedömning inför vaccination, inga hinder.",
            author=physician,
            author_role=physician.get_profession_display(),
            signature=physician.signature,
        )
        NoteComment.objects.create(
            note=note, thread=note, text="Patienten informerad.", author=nurse, signature=nurse.signature
        )
    ctx.progress(f"  long history: patient {patient.pk} with 50 doses and 20 notes")


def _ready_visits(ctx, count: int) -> list[dict]:
    """Patients with an open order and a visit that is ready to vaccinate, one per timed POST."""
    from journal import selectors, services
    from journal.models import Batch, Patient, VaccineProduct
    from mittvaccin.models import Unit, User

    nurse = User.objects.get(username=ctx.users["nurse"])
    physician = User.objects.get(username=ctx.users["physician"])
    unit = Unit.objects.get(pk=ctx.unit_ids["clinic"])
    product = VaccineProduct.objects.get(name="Vaxigrip Tetra")
    batch = Batch.objects.get(caregiver_id=ctx.caregiver_id, product=product, lot_number__startswith="BENCH")
    ids = ctx.patient_ids[1000 : 1000 + count * 2]
    patients = [p for p in Patient.objects.filter(pk__in=ids) if p.age() and p.age() >= 1][:count]
    ready = []
    for patient in patients:
        order = services.order_create(
            patient=patient,
            user=physician,
            unit=unit,
            product=product,
            dose_ml=product.default_dose_ml,
            doses_total=1,
            valid_until=dt.datetime.now(dt.UTC).date() + dt.timedelta(days=30),
        )
        visit = services.visit_open(patient=patient, unit=unit, user=nurse)
        services.declaration_record(visit=visit, user=nurse, answers=dict(NO_FLAGS))
        checks = selectors.visit_checks(visit, user=nurse, unit=unit)
        services.checks_confirm(visit=visit, user=nurse, unit=unit, fingerprint=checks.fingerprint)
        ready.append(
            {
                "patient": patient.pk,
                "visit": visit.pk,
                "order": order.pk,
                "lot": batch.lot_number,
                "user": nurse.pk,
            }
        )
    return ready


def measure(ctx) -> dict:
    from journal.models import Patient

    n = ctx.args.requests
    nurse = ctx.login(ctx.users["nurse"])
    long_id = Patient.objects.filter(caregiver_id=ctx.caregiver_id, family_name=LONG_FAMILY_NAME).values_list(
        "pk", flat=True
    )[0]
    history_path = f"/patient/{long_id}/"
    history = ctx.timed(nurse, "GET", history_path, n, expect=(200,))

    warmup = 5
    posts = max(n // 4, 20)
    ctx.progress(f"  preparing {posts + warmup} visits ready to vaccinate …")
    ready = _ready_visits(ctx, posts + warmup)

    def path(i):
        r = ready[i + warmup]
        return f"/patient/{r['patient']}/besok/{r['visit']}/vaccination/"

    def data(i):
        r = ready[i + warmup]
        now = dt.datetime.now().astimezone() - dt.timedelta(minutes=1)
        return {
            "idempotency_key": str(uuid.uuid4()),
            "order": r["order"],
            "lot": r["lot"],
            "site": "left_deltoid",
            "route": "im",
            "dose_ml": "0.50",
            "dose_amount": "full",
            "dose_number": "1",
            "prepared_by": r["user"],
            "given_by": r["user"],
            "given_at": now.strftime("%Y-%m-%dT%H:%M"),
            "override_reason": "Bench: intervall mot tidigare dos i den syntetiska historiken",
            "comment": "",
        }

    # A 302 is the signed dose (a refusal re-renders the form with 200 and fails the run).
    register = ctx.timed(nurse, "POST", path, posts, data=data, expect=(302,), warmup=warmup)
    return {
        "history_page_ms": history.median_ms,
        "history_page_p95_ms": history.p95_ms,
        "history_page_ratio": ctx.ratio(history),
        "history_page_queries": ctx.queries(ctx.users["nurse"], "GET", history_path),
        "dose_register_ms": register.median_ms,
        "dose_register_p95_ms": register.p95_ms,
        "dose_register_ratio": ctx.ratio(register),
    }
