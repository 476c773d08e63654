"""Stock by lot and lot recall in `make bench` (runs after the journal's loader, which makes the catalogue).

load(ctx)     the clinic holds 500 lots with 50,000 ledger rows (bulk COPY, the balance trigger on), a
              minimum per product, and one lot given to 20,000 patients (orders, visits, declarations,
              checks and doses by COPY, every constraint and trigger on).
measure(ctx)  stock_page_ms / _ratio / _queries: the unit's stock page; recall_list_ms: the look-back of
              the 20,000-patient lot through HTTP (the recall, its 20,000 entries and 20,000 access-log
              rows); recall_page_ms: the first page of that recall's list.
"""

from __future__ import annotations

import datetime as dt
import time

LOADER_VERSION = 1
RECALL_LOT = "RECALL01"


def add_arguments(parser) -> None:
    parser.add_argument("--stock-lots", type=int, default=500, help="lots at the bench clinic (default 500)")
    parser.add_argument(
        "--stock-ledger-rows", type=int, default=50_000, help="ledger rows over those lots (default 50,000)"
    )
    parser.add_argument(
        "--recall-patients", type=int, default=20_000, help="patients given the recalled lot (default 20,000)"
    )


def load(ctx) -> None:
    from bench.journal import _next_ids, _reset_sequence
    from bench.rows import Clinic, Histories
    from journal.models import Batch, Patient, VaccineProduct
    from journal.stock_models import StockMinimum
    from mittvaccin.models import User

    unit_id = ctx.unit_ids["clinic"]
    nurse = User.objects.get(username=ctx.users["nurse"])
    products = list(VaccineProduct.objects.order_by("name"))
    today = dt.datetime.now(dt.UTC).date()
    lots = ctx.args.stock_lots
    started = time.perf_counter()
    batches = Batch.objects.bulk_create(
        [
            Batch(
                caregiver_id=ctx.caregiver_id,
                product=products[index % len(products)],
                lot_number=f"STK{index:05d}",
                # A spread of expiries: some within 30 days (flagged), most later.
                expiry_date=today + dt.timedelta(days=5 + (index * 37) % 900),
            )
            for index in range(lots)
        ]
    )
    per_lot = max(ctx.args.stock_ledger_rows // lots, 2)
    now = dt.datetime.now(dt.UTC)
    signature = nurse.signature  # once: the property translates the profession on every call

    def ledger():
        for batch in batches:
            start = now - dt.timedelta(days=per_lot)
            yield (
                ctx.caregiver_id, unit_id, batch.pk, "delivery", per_lot * 2, "Bench", "F-1", "", "", None, None, None,
                None, None, nurse.pk, signature, start, None,
            )  # fmt: skip
            for step in range(1, per_lot):
                yield (
                    ctx.caregiver_id, unit_id, batch.pk, "waste", -1, "", "", "broken", "", None, None, None, None,
                    None, nurse.pk, signature, start + dt.timedelta(hours=step), None,
                )  # fmt: skip

    rows = ctx.copy(
        "journal_stockmovement",
        ["caregiver_id", "unit_id", "batch_id", "kind", "quantity", "supplier", "delivery_note", "waste_reason",
         "reason", "counted", "counterpart_unit_id", "transfer_ref", "vaccination_id", "vial_id", "by_id",
         "signature", "at", "idempotency_key"],
        ledger(),
    )  # fmt: skip
    StockMinimum.objects.bulk_create(
        [
            StockMinimum(
                caregiver_id=ctx.caregiver_id, unit_id=unit_id, product=product, minimum=per_lot * 60
            )
            for product in products
        ]
    )
    ctx.progress(f"  {lots:,} lots, {rows:,} ledger rows in {time.perf_counter() - started:.1f} s")

    # One lot given to many patients: the recall look-back measured below.
    started = time.perf_counter()
    product = VaccineProduct.objects.get(name="Vaxigrip Tetra")
    recalled = Batch.objects.create(
        caregiver_id=ctx.caregiver_id,
        product=product,
        lot_number=RECALL_LOT,
        expiry_date=today + dt.timedelta(days=365),
    )
    patient_ids = list(
        Patient.objects.filter(caregiver_id=ctx.caregiver_id)
        .order_by("id")
        .values_list("id", flat=True)[: ctx.args.recall_patients]
    )
    tables = ["journal_order", "journal_visit", "journal_healthdeclaration", "journal_checkconfirmation"]
    ids = {table: _next_ids(ctx, table) for table in [*tables, "journal_vaccination"]}
    histories = Histories(Clinic.of(ctx), ids)
    given = now - dt.timedelta(days=30)
    for offset, patient_id in enumerate(patient_ids):
        at = given + dt.timedelta(seconds=offset * 20)
        order_id = histories.order(
            patient_id=patient_id,
            product=product,
            doses_total=1,
            valid_until=today + dt.timedelta(days=30),
            ordered_at=at - dt.timedelta(days=1),
        )
        histories.given(patient_id, at, product, recalled, order_id, 1, route="im")
    histories.copy(ctx)
    for table in ids:
        _reset_sequence(ctx, table)
    ctx.progress(
        f"  lot {RECALL_LOT} given to {len(patient_ids):,} patients in {time.perf_counter() - started:.1f} s"
    )


def measure(ctx) -> dict:
    from journal.models import Batch
    from journal.recall_models import Recall

    n = ctx.args.requests
    nurse = ctx.login(ctx.users["nurse"])
    stock_page = ctx.timed(nurse, "GET", "/lager/", n, expect=(200,))
    results = {
        "stock_page_ms": stock_page.median_ms,
        "stock_page_p95_ms": stock_page.p95_ms,
        "stock_page_ratio": ctx.ratio(stock_page),
        "stock_page_queries": ctx.queries(ctx.users["nurse"], "GET", "/lager/"),
    }
    recalled = Batch.objects.get(caregiver_id=ctx.caregiver_id, lot_number=RECALL_LOT)
    physician = ctx.login(ctx.users["physician"])
    looks = max(n // 40, 5)
    data = {
        "product": recalled.product_id,
        "lot_number": RECALL_LOT,
        "reason": "Bench: tillverkarens meddelande",
    }
    # A 302 is the recorded recall (a refusal re-renders the form with 422 and fails the run).
    recall = ctx.timed(physician, "POST", "/aterkallelse/", looks, data=data, expect=(302,), warmup=1)
    latest = Recall.objects.filter(caregiver_id=ctx.caregiver_id).order_by("-pk").first()
    page = ctx.timed(physician, "GET", f"/aterkallelse/{latest.pk}/", max(n // 4, 20), expect=(200,))
    results.update(
        {
            "recall_patients": latest.patient_count,
            "recall_list_ms": recall.median_ms,
            "recall_list_p95_ms": recall.p95_ms,
            "recall_page_ms": page.median_ms,
            "recall_page_ratio": ctx.ratio(page),
        }
    )
    return results
