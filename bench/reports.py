"""Statistics and payments in the benchmark: a region's million doses, the statistics page for a year,
and importing a BgMax file of 10,000 payments.

    make bench ARGS="--reports-doses 1000000 --reports-payments 10000"

load(ctx)     1,000,000 more doses (default) over the last three years, bulk-loaded with COPY with every
              constraint and trigger on (the journal's own checks, and the statistics' dirty-day marks),
              two doses per visit, each visit with its declaration and confirmed checks, each patient's
              product with its order; then the roll-up is counted once, and the booking roll-up (kept by
              triggers, also through the other loaders' COPY) folded once, as the beat job would.
measure(ctx)  stats_page_ms / _ratio / _queries: the statistics page for the whole caregiver and the
              last year, as its administrator; stats_rollup_s: the full recount of the roll-up;
              payments_import_per_s: a BgMax file of 10,000 payments against 10,000 invoices
              (each run imports a new file).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from array import array
from decimal import Decimal

LOADER_VERSION = 1
SECOND_PRODUCT = "Vaxigrip Tetra"


def add_arguments(parser) -> None:
    parser.add_argument(
        "--reports-doses",
        type=int,
        default=1_000_000,
        help="doses added for the statistics (default 1,000,000)",
    )
    parser.add_argument(
        "--reports-payments", type=int, default=10_000, help="payments in the imported BgMax file (10,000)"
    )


def _next_id(ctx, table: str) -> int:
    return (ctx.sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}", fetch=True)[0][0] or 0) + 1  # noqa: S608


def load(ctx) -> None:
    from bench.journal import _catalogue, _reset_sequence
    from bench.rows import Clinic, Histories
    from journal.models import Patient

    products, batches = _catalogue(ctx)
    clinic = Clinic.of(ctx)
    # The ids only, packed (8 bytes each; the list Django fetches them into goes at once). In the model's
    # order, as ever: by name, ties as the database's sort leaves them (a server-side cursor could plan
    # that sort otherwise, and another order is other rows).
    patients = array("q", Patient.objects.filter(caregiver_id=ctx.caregiver_id).values_list("id", flat=True))
    names = [name for name in products if name != SECOND_PRODUCT]
    rng = random.Random(10)
    total = ctx.args.reports_doses
    visits_needed = (total + 1) // 2
    ctx.progress(f"  statistics: {total:,} doses on {visits_needed:,} visits over three years …")
    ids = {
        table: _next_id(ctx, table)
        for table in ("journal_order", "journal_visit", "journal_healthdeclaration", "journal_checkconfirmation",
                      "journal_vaccination")
    }  # fmt: skip
    orders: dict[tuple[int, int], int] = {}
    rows = Histories(clinic, ids)
    now = dt.datetime.now(dt.UTC)
    span = 3 * 365 * 24 * 3600
    made = 0
    started = time.perf_counter()
    with ctx.indexes_after(*ids):
        for index in range(visits_needed):
            rows.spill(ctx)
            patient_id = patients[(index * 7_919) % len(patients)]
            given_at = now - dt.timedelta(seconds=rng.randint(3600, span))
            visit = rows.visit(patient_id, given_at)
            for name in (names[patient_id % len(names)], SECOND_PRODUCT)[: 2 if made + 1 < total else 1]:
                product, batch = products[name], batches[name]
                key = (patient_id, product.pk)
                if key not in orders:
                    orders[key] = rows.order(
                        patient_id=patient_id,
                        product=product,
                        doses_total=10,
                        valid_until=now.date() + dt.timedelta(days=400),
                        ordered_at=now - dt.timedelta(days=4 * 365),
                    )
                rows.dose(visit, product, batch, orders[key], 1)
                made += 1
        rows.copy(ctx)
    for table in ids:
        _reset_sequence(ctx, table)
    ctx.progress(
        f"  {rows.copied['doses']:,} doses, {rows.copied['orders']:,} orders in"
        f" {time.perf_counter() - started:.0f} s"
    )
    from reports.services import booking_days_fold, money_days_fold, tallies_refresh

    started = time.perf_counter()
    days = tallies_refresh()
    ctx.progress(f"  roll-up: {days:,} days counted in {time.perf_counter() - started:.1f} s")
    # The bookings' COPY left a row of differences per statement and per slot filled: folded, as beat would.
    started = time.perf_counter()
    folded = booking_days_fold()
    money_days_fold()
    ctx.progress(f"  booking roll-up: {folded:,} unit-days folded in {time.perf_counter() - started:.1f} s")


def _invoices_for_payments(ctx, count: int) -> list:
    """`count` issued invoices (bulk: COPY of charges, invoices and lines, as the issuing service writes them)."""
    from billing import services
    from billing.models import Invoice
    from billing.references import ocr_reference
    from billing.services.invoices import next_invoice_number
    from mittvaccin.models import Caregiver

    caregiver = Caregiver.objects.get(pk=ctx.caregiver_id)
    row = services.billing_settings_for(caregiver)
    if not row.bankgiro:
        row.bankgiro = "5050-1055"
        row.save()
    article = services.articles_ensure(caregiver)["visit_fee"]
    # Fresh visits each run (a visit has one visit fee), so `--reuse` runs import new payments too.
    visits = ctx.sql(
        "SELECT v.id, v.patient_id FROM journal_visit v JOIN journal_patient p ON p.id = v.patient_id "
        "WHERE p.caregiver_id = %s AND NOT EXISTS (SELECT 1 FROM billing_charge c WHERE c.visit_id = v.id) "
        "ORDER BY v.id DESC LIMIT %s",
        [ctx.caregiver_id, count],
        fetch=True,
    )
    count = len(visits)
    from django.db import connection, transaction

    with transaction.atomic():
        first = next_invoice_number(caregiver)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE billing_invoicecounter SET last_number = last_number + %s WHERE caregiver_id = %s",
                [count - 1, ctx.caregiver_id],
            )
    charge_id, invoice_id, line_id = (
        _next_id(ctx, t) for t in ("billing_charge", "billing_invoice", "billing_invoiceline")
    )
    today = dt.datetime.now(dt.UTC).date()
    charges, invoices, lines, made = [], [], [], []
    for offset, (visit_id, patient_id) in enumerate(visits):
        number = first + offset
        amount = Decimal(100 + offset % 400)
        charges.append((charge_id + offset, ctx.caregiver_id, ctx.unit_ids["clinic"], patient_id, visit_id, "article",
                        None, article.pk, None, None, today, "Besöksavgift", None, amount, None, "", amount,
                        "invoiced", "", None, dt.datetime.now(dt.UTC), None, None, None))  # fmt: skip
        invoices.append((invoice_id + offset, ctx.caregiver_id, patient_id, "invoice", number, None, today,
                         today + dt.timedelta(days=30), ocr_reference(number), amount, "", "Region Bench",
                         "212000-1835", "[]", "", "", "5050-1055", "Bench Betalare", "19800101-0000", False, "", "",
                         "", dt.datetime.now(dt.UTC), None, ""))  # fmt: skip
        lines.append((line_id + offset, invoice_id + offset, 1, charge_id + offset, None, today, "Besöksavgift",
                      "Bench", amount, "", amount))  # fmt: skip
        made.append((ocr_reference(number), amount))
    ctx.copy(
        "billing_charge",
        ["id", "caregiver_id", "unit_id", "patient_id", "visit_id", "source", "product_id", "article_id",
         "vaccination_id", "booking_id", "service_date", "description", "price_id", "list_price", "campaign_id",
         "campaign_confirmation", "amount", "status", "note", "corrects_id", "created_at", "created_by_id",
         "approved_at", "approved_by_id"],
        charges,
    )  # fmt: skip
    with transaction.atomic():  # the deferred "lines add up" triggers check each invoice at commit
        ctx.copy(
            "billing_invoice",
            ["id", "caregiver_id", "patient_id", "kind", "number", "credited_invoice_id", "invoice_date", "due_date",
             "ocr", "total", "reason", "sender_name", "sender_organisation_number", "sender_address_lines",
             "sender_phone", "sender_email", "bankgiro", "recipient_name", "recipient_identity",
             "recipient_protected", "recipient_address", "recipient_postal_code", "recipient_city", "issued_at",
             "issued_by_id", "submission_key"],
            invoices,
        )  # fmt: skip
        ctx.copy(
            "billing_invoiceline",
            ["id", "invoice_id", "position", "charge_id", "credited_line_id", "service_date", "description",
             "unit_name", "list_price", "campaign_name", "amount"],
            lines,
        )  # fmt: skip
    for table in ("billing_charge", "billing_invoice", "billing_invoiceline"):
        ctx.sql(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))")  # noqa: S608
    assert Invoice.objects.filter(caregiver_id=ctx.caregiver_id, number__gte=first).count() >= len(made)
    return made


def measure(ctx) -> dict:
    from billing import bgmax
    from billing.services.payments import payments_import
    from mittvaccin.models import Caregiver
    from reports.services import booking_days_fold, money_days_fold, tallies_rebuild

    booking_days_fold()  # what the rush and the jobs measured before wrote, as beat folds it every 5 minutes
    money_days_fold()
    n = ctx.args.requests
    admin = ctx.login(ctx.users["admin"])
    today = dt.datetime.now(dt.UTC).date()
    path = (
        f"/statistik/?date_from={(today - dt.timedelta(days=365)).isoformat()}&date_to={today.isoformat()}"
        "&granularity=week"
    )
    page = ctx.timed(admin, "GET", path, max(n // 4, 20), expect=(200,))
    started = time.perf_counter()
    tallies_rebuild()
    rebuild_s = time.perf_counter() - started

    count = ctx.args.reports_payments
    ctx.progress(f"  payments: {count:,} invoices to pay, then one BgMax file …")
    made = _invoices_for_payments(ctx, count)
    serial = int(time.time() * 1000) % 10**9 * 1000
    content = bgmax.write(
        bankgiro="5050-1055",
        paid_on=today,
        payments=[
            bgmax.OutgoingPayment(reference=ocr, amount=amount, bank_serial=str(serial + i))
            for i, (ocr, amount) in enumerate(made)
        ],
    )
    caregiver = Caregiver.objects.get(pk=ctx.caregiver_id)
    started = time.perf_counter()
    result = payments_import(caregiver=caregiver, content=content, file_name="bench.txt")
    elapsed = time.perf_counter() - started
    if result.matched != len(made):
        raise RuntimeError(f"payments import matched {result.matched} of {len(made)}")
    return {
        "stats_doses": ctx.sql(
            "SELECT count(*) FROM journal_vaccination WHERE caregiver_id = %s", [ctx.caregiver_id], fetch=True
        )[0][0],
        "stats_page_ms": page.median_ms,
        "stats_page_p95_ms": page.p95_ms,
        "stats_page_ratio": ctx.ratio(page),
        "stats_page_queries": ctx.queries(ctx.users["admin"], "GET", path),
        "stats_rollup_rebuild_s": round(rebuild_s, 1),
        "payments_import_count": len(made),
        "payments_import_s": round(elapsed, 2),
        "payments_import_per_s": round(len(made) / elapsed),
    }
