"""Issue 9 in `make bench`: the FHIR API's Immunization search, and the report to the national
vaccination register (runs after the journal's loader, which makes the catalogue and its batches).

    make bench ARGS="--nvr-doses 100000"

load(ctx)     a standing order of a national-programme product (M-M-RvaxPro, childhood programme) for
              each patient the reported doses go to (COPY, every constraint and trigger on).
measure(ctx)  fhir_immunization_search_ms / _ratio / _queries: `GET /fhir/Immunization?patient.identifier=`
              for a patient with 50 doses, through gunicorn, with the bearer token a client of the bench
              caregiver (scope system/Immunization.read) gets from /fhir/auth/token. The API has no
              session, so its floor is the framework floor (the anonymous /ping of the same minutes):
              `_ratio` is over that floor and equals the `_fw_ratio` added by run.py.
              nvr_report_rows_per_s: `nvr.services.nvr_run` building and delivering (drop folder in a
              temporary directory) one report of 100,000 new doses (default); nvr_rerun_rows: the rows of
              the run right after it (0: nothing is reported twice).

The doses reported are bulk-loaded in measure, not in load: the other loaders (the statistics' million
doses above all) give doses of programme products too, which the register has to hear of first. So
measure first runs the report once untimed (`nvr_catchup_rows`: whatever was waiting), then loads
the new doses (visits, declarations, confirmed checks, doses: COPY, every constraint and trigger on,
each dose with its product version as signing one sets it) and times the run that reports them. Each
run, `--reuse` ones too, adds that many doses and one API client (its secret is shown only once) to the
benchmark database; the modules measured after this one (the statistics' roll-up) count those doses too.
The patient of the FHIR search is made on the first measurement (after every loader, so no loader
gives it doses of its own) and kept for `--reuse` runs.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
import urllib.parse
from pathlib import Path

LOADER_VERSION = 1
NVR_PRODUCT = "M-M-RvaxPro"
NVR_ORDER_MARK = "Bench: rapporten till vaccinationsregistret"
FHIR_FAMILY_NAME = "Fhirsson"
FHIR_DOSES = 50
FHIR_PRODUCTS = ["FSME-Immun", "Vaxigrip Tetra", "Engerix-B", "Havrix", "Twinrix"]
PNR = "urn:oid:1.2.752.129.2.1.3.1"

ORDER_COLUMNS = [
    "id", "caregiver_id", "patient_id", "product_id", "dose_ml", "doses_total", "schedule", "instructions",
    "valid_until", "ordered_by_id", "signature", "ordered_at", "unit_id", "visit_id",
]  # fmt: skip


def add_arguments(parser) -> None:
    parser.add_argument(
        "--nvr-doses",
        type=int,
        default=100_000,
        help="new doses in the timed report to the vaccination register (default 100,000)",
    )


def load(ctx) -> None:
    from bench.journal import LONG_FAMILY_NAME, _next_ids, _reset_sequence
    from bench.rows import Clinic
    from journal.models import Patient, VaccineProduct
    from mittvaccin.models import User

    started = time.perf_counter()
    product = VaccineProduct.objects.get(name=NVR_PRODUCT)
    physician = User.objects.get(username=ctx.users["physician"])
    # The last patients loaded (the core's measurements use the first ones); never the long history.
    patients = list(
        Patient.objects.filter(caregiver_id=ctx.caregiver_id)
        .exclude(family_name=LONG_FAMILY_NAME)
        .order_by("-id")
        .values_list("id", flat=True)[: ctx.args.nvr_doses]
    )
    first = _next_ids(ctx, "journal_order")
    now = dt.datetime.now(dt.UTC)
    clinic = Clinic(ctx.caregiver_id, ctx.unit_ids["clinic"], physician)
    count = ctx.copy(
        "journal_order",
        ORDER_COLUMNS,
        (
            clinic.order(
                first + offset,
                patient_id=patient_id,
                product=product,
                doses_total=2,
                valid_until=now.date() + dt.timedelta(days=3 * 365),
                ordered_at=now - dt.timedelta(days=30),
                instructions=NVR_ORDER_MARK,
            )
            for offset, patient_id in enumerate(patients)
        ),
    )
    _reset_sequence(ctx, "journal_order")
    ctx.progress(f"  {count:,} orders of {NVR_PRODUCT} in {time.perf_counter() - started:.1f} s")


def _copy_doses(ctx, doses: list[tuple]) -> int:
    """Visits, declarations, confirmed checks and doses by COPY: `doses` are (patient, order, product,
    batch, given_at, dose number); the visit and its checks are made for each dose."""
    from bench.journal import VACCINATION_COLUMNS, _next_ids, _reset_sequence
    from bench.rows import Clinic, Histories

    tables = [
        "journal_visit",
        "journal_healthdeclaration",
        "journal_checkconfirmation",
        "journal_vaccination",
    ]
    ids = {table: _next_ids(ctx, table) for table in tables}
    rows = Histories(Clinic.of(ctx), ids)
    for patient_id, order_id, product, batch, given_at, number in doses:
        rows.given(
            patient_id, given_at, product, batch, order_id, number, extra=(product.current_version_id,)
        )
    # The orders stand already (load); the dose carries its catalogue version, as a signed dose does.
    count = rows.copy(ctx, dose_columns=[*VACCINATION_COLUMNS, "product_version_id"])
    for table in tables:
        _reset_sequence(ctx, table)
    return count


def _batches(ctx) -> dict:
    from journal.models import Batch

    return {
        batch.product.name: batch
        for batch in Batch.objects.filter(caregiver_id=ctx.caregiver_id, lot_number__startswith="BENCH")
        .select_related("product")
        .order_by("lot_number")
    }


def _fhir_patient(ctx):
    """The patient of the FHIR search with its 50 doses (made once; kept for `--reuse` runs)."""
    from bench.journal import _next_ids, _reset_sequence
    from bench.rows import Clinic, bench_patient
    from journal.models import Patient
    from mittvaccin.models import User

    existing = Patient.objects.filter(caregiver_id=ctx.caregiver_id, family_name=FHIR_FAMILY_NAME).first()
    if existing is not None:
        return existing
    patient = bench_patient(
        ctx,
        # Serial 997: the core leaves 996-999 free at any size.
        serial=997,
        born=dt.date(1955, 3, 21),
        family_name=FHIR_FAMILY_NAME,
        given_names="Api",
        sex="F",
        street="Benchgatan 2",
    )
    batches = _batches(ctx)
    physician = User.objects.get(username=ctx.users["physician"])
    clinic = Clinic(ctx.caregiver_id, ctx.unit_ids["clinic"], physician)
    first_order = _next_ids(ctx, "journal_order")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=FHIR_DOSES * 60 + 30)
    orders, doses = [], []
    for index in range(FHIR_DOSES):
        batch = batches[FHIR_PRODUCTS[index % len(FHIR_PRODUCTS)]]
        product = batch.product
        given_at = start + dt.timedelta(days=60 * index)
        orders.append(
            clinic.order(
                first_order + index,
                patient_id=patient.pk,
                product=product,
                doses_total=1,
                valid_until=given_at.date() + dt.timedelta(days=30),
                ordered_at=given_at - dt.timedelta(days=1),
            )
        )
        number = 1 + (index // len(FHIR_PRODUCTS)) % 20
        doses.append((patient.pk, first_order + index, product, batch, given_at, number))
    ctx.copy("journal_order", ORDER_COLUMNS, orders)
    _reset_sequence(ctx, "journal_order")
    _copy_doses(ctx, doses)
    ctx.progress(f"  FHIR: patient {patient.pk} with {FHIR_DOSES} doses")
    return patient


def _fhir_token(ctx) -> str:
    """A token from the real token endpoint through gunicorn (client credentials, HTTP Basic)."""
    import requests

    from fhirapi.models import Scope
    from fhirapi.services import api_client_create
    from mittvaccin.models import Caregiver, User

    # The secret is shown once and stored hashed: a new client each run.
    client, secret = api_client_create(
        caregiver=Caregiver.objects.get(pk=ctx.caregiver_id),
        name="Bench huvudjournal",
        scopes=[Scope.IMMUNIZATION],
        user=User.objects.get(username=ctx.users["admin"]),
    )
    response = requests.post(
        f"{ctx.base_url}/fhir/auth/token",
        data={"grant_type": "client_credentials", "scope": Scope.IMMUNIZATION.value},
        auth=(client.client_id, secret),
        timeout=60,
    )
    if response.status_code != 200:
        raise RuntimeError(f"/fhir/auth/token answered {response.status_code}: {response.text[:300]}")
    return response.json()["access_token"]


def _fhir_queries(token: str, path: str) -> int:
    """SQL queries of one API request, counted as Context.queries counts a page's (in-process test client
    on this database, after one /ping), with the bearer token instead of a session."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client.get("/ping", **headers)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
    if response.status_code >= 400:
        raise RuntimeError(f"GET {path} answered {response.status_code} when counting queries")
    return len(captured.captured_queries)


def _measure_fhir(ctx) -> dict:
    import requests

    patient = _fhir_patient(ctx)
    token = _fhir_token(ctx)
    path = "/fhir/Immunization?" + urllib.parse.urlencode(
        {"patient.identifier": f"{PNR}|{patient.identity_number}"}
    )
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    bundle = api.get(f"{ctx.base_url}{path}", timeout=60).json()
    entries = len(bundle.get("entry", []))
    if bundle.get("resourceType") != "Bundle" or bundle.get("total") != FHIR_DOSES or entries != FHIR_DOSES:
        raise RuntimeError(f"GET {path} did not answer a Bundle of {FHIR_DOSES} doses: {str(bundle)[:300]}")
    search = ctx.timed(api, "GET", path, ctx.args.requests, expect=(200,))
    return {
        "fhir_immunization_search_doses": entries,
        "fhir_immunization_search_ms": search.median_ms,
        "fhir_immunization_search_p95_ms": search.p95_ms,
        # No session: over the framework floor of the same minutes (see the module's docstring).
        "fhir_immunization_search_ratio": round(search.median_ms / search.fw_floor_ms, 2),
        "fhir_immunization_search_queries": _fhir_queries(token, path),
    }


def _nvr_doses(ctx, count: int) -> int:
    """`count` new doses of the programme product given in the last day, over the patients with its order."""
    from journal.models import Order, VaccineProduct

    product = VaccineProduct.objects.get(name=NVR_PRODUCT)
    batch = _batches(ctx)[NVR_PRODUCT]
    orders = list(
        Order.objects.filter(caregiver_id=ctx.caregiver_id, product=product, instructions=NVR_ORDER_MARK)
        .order_by("id")
        .values_list("patient_id", "id")
    )
    if not orders:
        raise RuntimeError("no orders of the NVR bench product: rebuild without --reuse")
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=2)
    doses = []
    for index in range(count):
        patient_id, order_id = orders[index % len(orders)]
        given_at = now - dt.timedelta(seconds=(index * 7_919) % 86_400)
        doses.append((patient_id, order_id, product, batch, given_at, 1 + (index // len(orders)) % 2))
    return _copy_doses(ctx, doses)


def _run_rows(result) -> int:
    return result.built.rows if result.built is not None else 0


def _measure_nvr(ctx) -> dict:
    from django.test.utils import override_settings

    from mittvaccin.models import Caregiver
    from nvr.services import nvr_run

    caregiver = Caregiver.objects.get(pk=ctx.caregiver_id)
    count = ctx.args.nvr_doses
    with (
        tempfile.TemporaryDirectory(prefix="mittvaccin-bench-nvr-") as folder,
        override_settings(NVR_TRANSPORT="nvr.transport.DropFolderTransport", NVR_DIR=Path(folder)),
    ):
        # What the loaders' doses left waiting: on a fresh database the first report after go-live,
        # against statistics that say nvr_nvrentry is empty (it was, at the loader's ANALYZE).
        started = time.perf_counter()
        catchup = nvr_run(caregiver=caregiver)
        catchup_s = time.perf_counter() - started
        if catchup.failed is not None:
            raise RuntimeError(f"NVR catch-up run failed: {catchup.failed.last_error}")
        ctx.progress(f"  NVR: {_run_rows(catchup):,} doses already waiting reported in {catchup_s:.1f} s")
        started = time.perf_counter()
        loaded = _nvr_doses(ctx, count)
        ctx.sql("ANALYZE journal_vaccination, journal_visit, nvr_nvrentry")
        ctx.progress(f"  NVR: {loaded:,} new doses of {NVR_PRODUCT} in {time.perf_counter() - started:.1f} s")

        started = time.perf_counter()
        result = nvr_run(caregiver=caregiver)
        elapsed = time.perf_counter() - started
        report = result.built
        if result.failed is not None or report is None or report.rows != loaded:
            raise RuntimeError(f"NVR run: expected a delivered report of {loaded} rows, got {result}")
        delivered = Path(folder) / report.file_name
        if delivered.read_bytes().count(b"\r\n") != loaded + 1:
            raise RuntimeError(f"NVR run: {delivered.name} does not hold {loaded} rows and a header")

        started = time.perf_counter()
        rerun = nvr_run(caregiver=caregiver)
        rerun_s = time.perf_counter() - started
    return {
        "nvr_catchup_rows": _run_rows(catchup),
        "nvr_catchup_s": round(catchup_s, 2),
        "nvr_report_rows": report.rows,
        "nvr_report_s": round(elapsed, 2),
        "nvr_report_rows_per_s": round(report.rows / elapsed),
        "nvr_rerun_rows": _run_rows(rerun),
        "nvr_rerun_ms": round(rerun_s * 1000, 1),
    }


def measure(ctx) -> dict:
    results = _measure_fhir(ctx)
    results.update(_measure_nvr(ctx))
    return results
