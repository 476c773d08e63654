"""`make bench`: a synthetic caregiver at regional scale, measured through the real HTTP stack.

    make bench                                   300,000 patients (the default)
    make bench ARGS="--patients 50000"           a quicker run
    make bench ARGS="--reuse"                    keep the synthetic database of an earlier run

It builds the database `mittvaccin_bench` (bulk-loaded with COPY), starts gunicorn on it, logs in
as staff and times requests one after another. Every figure is also given as a ratio to a floor,
which makes runs on a noisy shared machine comparable:

- `framework_floor_ms`: the anonymous `/ping` through the same gunicorn and middleware, the cost of
  the framework itself. `*_fw_ratio` keys are page medians over this floor.
- `auth_floor_ms` (also `floor_ms`): the same `/ping` signed in, so it adds what every signed-in
  request pays (session, user, caregiver, unit). The older `*_ratio` keys are over this floor, and
  `auth_floor_ratio` is the one over the other.

The two floors are timed interleaved (one anonymous, one signed-in request, and again), so load from
elsewhere on the machine falls on both alike. Results go to `.bench/latest.json` as one flat object.

Apps add their part in bench/<app>.py (see docs/DEVELOPING.md, "Benchmark").
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import io
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
APP_MODULES = ["journal", "stock", "nvr", "booking", "residents", "billing", "reports", "access_log"]
BENCH_DB = "mittvaccin_bench"
DEFAULT_PATIENTS = 300_000
# Bump when the core's synthetic data changes shape, so `--reuse` rebuilds.
CORE_LOADER_VERSION = 1
PASSWORD = "bench-password-1"


def progress(message: str) -> None:
    print(f"\033[1;34m[bench]\033[0m {message}", flush=True)


@dataclass
class Stats:
    samples: list[float]
    # Medians of the floors timed between these samples (see Context.timed), when they were.
    fw_floor_ms: float = 0.0
    auth_floor_ms: float = 0.0

    @property
    def median_ms(self) -> float:
        return round(statistics.median(self.samples), 2)

    @property
    def p95_ms(self) -> float:
        return (
            round(statistics.quantiles(self.samples, n=20)[-1], 2)
            if len(self.samples) > 1
            else self.median_ms
        )


@dataclass
class Context:
    args: argparse.Namespace
    base_url: str = ""
    caregiver_id: int = 0
    unit_ids: dict = field(default_factory=dict)
    users: dict = field(default_factory=dict)
    floor_ms: float = 0.0
    framework_floor_ms: float = 0.0
    # The framework floor of each measurement by its median, for the fw ratios added at the end.
    fw_floors: dict = field(default_factory=dict)
    server_pid: int = 0
    patient_ids: list = field(default_factory=list)
    results: dict = field(default_factory=dict)

    progress = staticmethod(progress)

    # --- database ---------------------------------------------------------------------------------
    def sql(self, statement: str, params=None, fetch: bool = False):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(statement, params or [])
            return cursor.fetchall() if fetch else None

    def copy(self, table: str, columns: list[str], rows) -> int:
        """Bulk-load rows (iterables of Python values) into a table with COPY; returns the count."""
        from django.db import connection

        count = 0
        connection.ensure_connection()
        with (
            connection.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
                count += 1
        return count

    @contextlib.contextmanager
    def indexes_after(self, *tables: str):
        """Load `tables` without their secondary indexes and foreign keys, then build those once over the
        loaded rows: a sorted build and one join per key instead of an index update and a key lookup per
        row. The definitions are read back from the catalogue, so they return exactly as they were; unique
        indexes and the triggers stay on while the rows go in."""
        dropped = []
        for table in tables:
            indexes = self.sql(
                "SELECT i.relname, pg_get_indexdef(x.indexrelid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = %s::regclass "
                "AND NOT x.indisprimary AND NOT x.indisunique ORDER BY i.relname",
                [table],
                fetch=True,
            )
            keys = self.sql(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
                [table],
                fetch=True,
            )
            for name, _definition in keys:
                self.sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                self.sql(f'DROP INDEX "{name}"')
            dropped.append((table, indexes, keys))
        yield  # a load that fails leaves no signature: the next run makes the database anew
        started = time.perf_counter()
        for table, indexes, keys in dropped:
            for _name, definition in indexes:
                # A partitioned table's index is read back as ON ONLY (the parent alone): build it on
                # every partition again.
                self.sql(definition.replace(" ON ONLY ", " ON ", 1))
            for name, definition in keys:
                self.sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        progress(f"  indexes and keys of {', '.join(tables)} built in {time.perf_counter() - started:.1f} s")

    # --- HTTP -------------------------------------------------------------------------------------
    def login(self, username: str):
        import requests

        session = requests.Session()
        page = session.get(f"{self.base_url}/logga-in/")
        token = (
            session.cookies.get("csrftoken")
            or re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
        )
        response = session.post(
            f"{self.base_url}/logga-in/",
            data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
            headers={"Referer": f"{self.base_url}/logga-in/"},
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login as {username} failed: {response.status_code}")
        session.headers["X-CSRFToken"] = session.cookies.get("csrftoken", "")
        session.headers["Referer"] = f"{self.base_url}/"
        return session

    def timed(
        self, session, method: str, path, n: int, data=None, expect=(200, 302), warmup: int = 5
    ) -> Stats:
        """Time n requests; `path` and `data` may be callables of the request index.

        Before each, an anonymous /ping and a /ping with the same session are timed too: the ratios
        of this measurement are to the floors of the same minutes, so load that comes and goes on a
        shared machine falls on both sides of the ratio.
        """
        import requests

        anonymous = requests.Session()
        samples, fw, auth = [], [], []
        for i in range(-warmup, n):
            floors = [self._ping(anonymous), self._ping(session)]
            url = f"{self.base_url}{path(i) if callable(path) else path}"
            body = data(i) if callable(data) else data
            start = time.perf_counter()
            response = session.request(method, url, data=body, allow_redirects=False)
            elapsed = (time.perf_counter() - start) * 1000
            if response.status_code not in expect:
                raise RuntimeError(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
            if i >= 0:
                samples.append(elapsed)
                fw.append(floors[0])
                auth.append(floors[1])
        stats = Stats(samples, fw_floor_ms=statistics.median(fw), auth_floor_ms=statistics.median(auth))
        self.fw_floors[stats.median_ms] = stats.fw_floor_ms
        return stats

    def _ping(self, session) -> float:
        start = time.perf_counter()
        response = session.get(f"{self.base_url}/ping", allow_redirects=False)
        if response.status_code != 200:
            raise RuntimeError(f"/ping answered {response.status_code}")
        return (time.perf_counter() - start) * 1000

    def ratio(self, stats: Stats) -> float:
        """Median over the signed-in floor (the older `*_ratio` keys), of the same minutes if timed."""
        floor = stats.auth_floor_ms or self.floor_ms
        return round(stats.median_ms / floor, 2) if floor else 0.0

    def fw_ratio(self, stats: Stats) -> float:
        """Median over the framework floor (the `*_fw_ratio` keys), of the same minutes if timed."""
        floor = stats.fw_floor_ms or self.framework_floor_ms
        return round(stats.median_ms / floor, 2) if floor else 0.0

    def timed_floors(self, anonymous, signed_in, n: int, warmup: int = 10) -> tuple[Stats, Stats]:
        """The anonymous and the signed-in /ping, one after the other, n times each."""
        samples: tuple[list, list] = ([], [])
        for i in range(-warmup, n):
            for index, session in enumerate((anonymous, signed_in)):
                start = time.perf_counter()
                response = session.get(f"{self.base_url}/ping", allow_redirects=False)
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"/ping answered {response.status_code}")
                if i >= 0:
                    samples[index].append(elapsed)
        return Stats(samples[0]), Stats(samples[1])

    def server_cpu_s(self) -> float:
        """CPU seconds used so far by the benchmark's gunicorn workers and the local PostgreSQL's
        processes (Linux /proc; PostgreSQL only when it runs on this machine)."""
        pids = _children(self.server_pid)
        postmaster = _postmaster_pid()
        if postmaster:
            pids += _children(postmaster)
        return sum(_cpu_seconds(pid) for pid in pids)

    def rss_mb(self, pid: int) -> float:
        """Resident memory of one process in MB (Linux /proc), 0.0 when it is gone."""
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return 0.0
        kb = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")), 0)
        return round(kb / 1024, 1)

    def web_worker_rss_mb(self) -> list[float]:
        """Resident memory of each gunicorn worker (the master's children), in MB."""
        return sorted(self.rss_mb(pid) for pid in _children(self.server_pid))

    def queries(self, username: str, method: str, path: str, data=None) -> int:
        """SQL queries of one request, counted in-process with Django's test client on this database."""
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from mittvaccin.models import User

        client = Client()
        client.force_login(User.objects.get(username=username))
        client.get("/ping")  # settle the session before counting
        with CaptureQueriesContext(connection) as captured:
            response = getattr(client, method.lower())(path, data=data)
        if response.status_code >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status_code} when counting queries")
        return len(captured.captured_queries)


def _children(pid: int) -> list[int]:
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        return [int(child) for task in tasks for child in (task / "children").read_text().split()]
    except OSError:
        return []


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime and stime, fields 14 and 15 of proc(5), counted from the state (field 3).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _postmaster_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    try:
        return int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


# --- set-up ----------------------------------------------------------------------------------------
def bench_database_name(patients: int) -> str:
    """The default scale keeps `mittvaccin_bench`; every other size has its own database, so a regional
    run (or a quick small one) never drops the default one, and `--reuse` works for each."""
    return BENCH_DB if patients == DEFAULT_PATIENTS else f"{BENCH_DB}_p{patients}"


def bench_database_url(name: str = BENCH_DB) -> str:
    url = os.environ["DATABASE_URL"]
    parsed = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parsed._replace(path=f"/{name}"))


def bench_redis_url() -> str:
    url = os.environ["REDIS_URL"]
    if url.startswith("unix://"):
        return url.split("?")[0] + "?db=14"
    return url.rsplit("/", 1)[0] + "/14"


def prepare_database(fresh: bool, name: str = BENCH_DB) -> None:
    import psycopg

    url = os.environ["DATABASE_URL"]
    params = dsn_params(url)
    with psycopg.connect(**{**params, "dbname": "postgres"}, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            progress(f"Dropping the previous benchmark database {name} …")
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def dsn_params(url: str) -> dict:
    import dj_database_url

    cfg = dj_database_url.parse(url)
    params = {"dbname": cfg["NAME"], "user": cfg["USER"], "host": cfg["HOST"]}
    if cfg.get("PASSWORD"):
        params["password"] = cfg["PASSWORD"]
    if cfg.get("PORT"):
        params["port"] = cfg["PORT"]
    return params


def loader_signature(args, modules) -> str:
    parts = [f"core{CORE_LOADER_VERSION}", f"patients{args.patients}"]
    for name, module in modules:
        parts.append(f"{name}{getattr(module, 'LOADER_VERSION', 1)}")
    return "-".join(parts)


def load_core(ctx: Context) -> None:
    from journal.identity import identity_with_check_digit
    from mittvaccin.models import Caregiver, Unit, UnitKind, User
    from mittvaccin.rights import DEFAULT_RIGHTS, Profession, Right

    caregiver = Caregiver.objects.create(name="Region Bench", organisation_number="212000-1835")
    units = {
        "clinic": Unit.objects.create(
            caregiver=caregiver,
            name="Bench vaccinationsmottagning",
            slug="bench-clinic",
            kind=UnitKind.VACCINATION_CLINIC,
            vaccination_main_activity=True,
            timebook_enabled=True,
            payment_solution_configured=True,
        ),
        "clinic_no_payment": Unit.objects.create(
            caregiver=caregiver,
            name="Bench mottagning utan betallösning",
            slug="bench-clinic-2",
            kind=UnitKind.VACCINATION_CLINIC,
            vaccination_main_activity=True,
            timebook_enabled=True,
        ),
        "health_centre": Unit.objects.create(
            caregiver=caregiver,
            name="Bench vårdcentral",
            slug="bench-vc",
            kind=UnitKind.HEALTH_CENTRE,
        ),
    }
    for username, profession, extra in [
        ("bench_nurse", Profession.NURSE, [Right.VACCINE_ORDER]),
        ("bench_physician", Profession.PHYSICIAN, []),
        ("bench_clinic", Profession.CLINIC_STAFF, []),
        ("bench_admin", Profession.ADMINISTRATOR, []),
    ]:
        user = User(
            username=username,
            caregiver=caregiver,
            first_name="Bench",
            last_name=profession.label,
            profession=profession,
            default_unit=units["clinic"],
            rights=[str(r) for r in [*DEFAULT_RIGHTS[profession], *extra]],
        )
        user.set_password(PASSWORD)
        user.save()

    progress(f"Bulk-loading {ctx.args.patients:,} patients …")
    rng = random.Random(300_000)
    family = [
        "Andersson",
        "Johansson",
        "Karlsson",
        "Nilsson",
        "Eriksson",
        "Larsson",
        "Olsson",
        "Persson",
        "Svensson",
        "Gustafsson",
        "Pettersson",
        "Jonsson",
        "Jansson",
        "Hansson",
        "Bengtsson",
        "Lindberg",
        "Berg",
        "Holm",
        "Ekström",
        "Åberg",
        "Öhman",
        "Lundqvist",
        "Sandberg",
        "Mattsson",
        "Wallin",
    ]
    given = [
        "Maja",
        "Elsa",
        "Astrid",
        "Karin",
        "Lena",
        "Sara",
        "Erik",
        "Lars",
        "Karl",
        "Nils",
        "Oskar",
        "Hugo",
        "Axel",
        "Olle",
        "Ebba",
        "Alva",
        "Liam",
        "Ida",
        "Per",
        "Bo",
    ]
    first_day = dt.date(1926, 1, 1)
    span_days = 36_500

    def rows():
        created = dt.datetime.now(dt.UTC)
        for i in range(ctx.args.patients):
            # (day, serial) pairs are unique: serials 980-995 for the first 584,000 patients (the
            # default run's numbers), then 001, 002, … (valid check digits, generated) for regional
            # runs. 996-999 stay free for the patients other loaders add by hand.
            birth = first_day + dt.timedelta(days=(i * 7_919) % span_days)
            block = i // span_days
            serial = 980 + block if block < 16 else block - 15
            protected = i % 1000 == 999
            sex = "M" if serial % 2 else "F"
            yield (
                caregiver.pk,
                "personnummer",
                identity_with_check_digit(birth.year, birth.month, birth.day, serial),
                "",
                rng.choice(family),
                rng.choice(given),
                sex,
                birth,
                protected,
                "" if protected else f"Benchgatan {i % 200 + 1}",
                "" if protected else "652 25",
                "" if protected else "Karlstad",
                "" if protected else f"070-{i % 1000:03d} {i % 97:02d} 00",
                "",
                created,
            )

    start = time.perf_counter()
    with ctx.indexes_after("journal_patient"):
        count = ctx.copy(
            "journal_patient",
            [
                "caregiver_id",
                "identity_kind",
                "identity_number",
                "reserve_number_region",
                "family_name",
                "given_names",
                "sex",
                "birth_date",
                "protected_identity",
                "address",
                "postal_code",
                "city",
                "phone",
                "email",
                "created_at",
            ],
            rows(),
        )
    progress(f"  {count:,} patients in {time.perf_counter() - start:.1f} s; ANALYZE …")
    ctx.sql("ANALYZE journal_patient")


def gather_context(ctx: Context) -> None:
    from journal.models import Patient
    from mittvaccin.models import Caregiver, Unit, User

    caregiver = Caregiver.objects.get(name="Region Bench")
    ctx.caregiver_id = caregiver.pk
    ctx.unit_ids = {
        {"bench-clinic": "clinic", "bench-clinic-2": "clinic_no_payment", "bench-vc": "health_centre"}[
            u.slug
        ]: u.pk
        for u in Unit.objects.filter(caregiver=caregiver)
    }
    ctx.users = {
        u.profession: u.username
        for u in User.objects.filter(caregiver=caregiver, username__startswith="bench_")
    }
    ctx.users.update(
        {
            "nurse": "bench_nurse",
            "physician": "bench_physician",
            "clinic": "bench_clinic",
            "admin": "bench_admin",
        }
    )
    ids = list(
        Patient.objects.filter(caregiver=caregiver, protected_identity=False).values_list("id", flat=True)[
            :5000
        ]
    )
    random.Random(1).shuffle(ids)
    ctx.patient_ids = ids


def start_gunicorn(ctx: Context, env: dict) -> subprocess.Popen:
    import requests

    ctx.base_url = f"http://127.0.0.1:{ctx.args.port}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mittvaccin.wsgi",
            "--bind",
            f"127.0.0.1:{ctx.args.port}",
            "--workers",
            str(ctx.args.workers),
            "--threads",
            "1",
            "--log-level",
            "warning",
            # A worker importing Django on a machine busy with test suites can take longer than gunicorn's
            # default 30 s to report in, and would be killed and restarted again and again.
            "--timeout",
            "600",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    # Generous: on a machine shared with test suites, four workers importing Django take a while.
    deadline = time.monotonic() + 300
    last = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited during start")
        try:
            response = requests.get(f"{ctx.base_url}/healthz", timeout=10)
            if response.status_code == 200:
                return process
            last = f"{response.status_code} {response.text[:200]}"
        except requests.RequestException as error:
            last = str(error)
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"gunicorn did not answer /healthz: {last}")


def measure_core(ctx: Context) -> dict:
    import requests

    from journal.models import Patient

    n = ctx.args.requests
    nurse = ctx.login(ctx.users["nurse"])
    framework, floor = ctx.timed_floors(requests.Session(), nurse, max(n, 400))
    ctx.framework_floor_ms = framework.median_ms
    ctx.floor_ms = floor.median_ms
    numbers = dict(Patient.objects.filter(pk__in=ctx.patient_ids[:n]).values_list("pk", "identity_number"))
    ids = [pk for pk in ctx.patient_ids[:n] if pk in numbers]

    def search_path(i):
        number = numbers[ids[i % len(ids)]]
        # Alternate the accepted forms: YYYYMMDD-NNNN and YYMMDD-NNNN (+ for those aged 100 or more).
        centenarian = int(number[:8]) <= int(
            f"{dt.datetime.now(dt.UTC).date().year - 100}{dt.datetime.now(dt.UTC).date():%m%d}"
        )
        text = (
            f"{number[:8]}-{number[8:]}"
            if i % 2
            else f"{number[2:8]}{'+' if centenarian else '-'}{number[8:]}"
        )
        return f"/patienter/sok/?q={urllib.parse.quote(text)}"

    search = ctx.timed(nurse, "GET", search_path, n, expect=(302,))
    page = ctx.timed(nurse, "GET", lambda i: f"/patient/{ids[i % len(ids)]}/", n, expect=(200,))
    name_search = ctx.timed(
        nurse, "GET", lambda i: "/patienter/sok/?q=" + ["berg", "eriks maj", "Holm"][i % 3], n // 4
    )
    return {
        "patients": ctx.args.patients,
        "framework_floor_ms": framework.median_ms,
        "framework_floor_p95_ms": framework.p95_ms,
        "auth_floor_ms": floor.median_ms,
        "auth_floor_p95_ms": floor.p95_ms,
        "auth_floor_ratio": round(floor.median_ms / framework.median_ms, 2),
        "auth_floor_queries": ctx.queries(ctx.users["nurse"], "GET", "/ping"),
        "floor_ms": floor.median_ms,
        "floor_p95_ms": floor.p95_ms,
        "patient_search_ms": search.median_ms,
        "patient_search_p95_ms": search.p95_ms,
        "patient_search_ratio": ctx.ratio(search),
        "patient_search_queries": ctx.queries(ctx.users["nurse"], "GET", search_path(0)),
        "patient_name_search_ms": name_search.median_ms,
        "patient_name_search_ratio": ctx.ratio(name_search),
        "patient_page_ms": page.median_ms,
        "patient_page_p95_ms": page.p95_ms,
        "patient_page_ratio": ctx.ratio(page),
        "patient_page_queries": ctx.queries(ctx.users["nurse"], "GET", f"/patient/{ids[0]}/"),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--patients",
        type=int,
        default=DEFAULT_PATIENTS,
        help="synthetic patients (default 300,000; any other size gets its own database)",
    )
    parser.add_argument(
        "--requests", type=int, default=200, help="timed requests per measurement (default 200)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (default 4)")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the synthetic data of an earlier run of the same size"
    )
    parser.add_argument(
        "--load-only",
        action="store_true",
        help="build (or reuse) the synthetic database and report the phase timings; measure nothing",
    )
    parser.add_argument(
        "--skip",
        default="",
        help="comma-separated apps whose measurements to leave out this time, e.g. --skip billing",
    )
    modules = []
    for name in APP_MODULES:
        try:
            module = importlib.import_module(f"bench.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.{name}":
                raise
            continue
        modules.append((name, module))
        if hasattr(module, "add_arguments"):
            module.add_arguments(parser)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    timings: dict = {}
    database = bench_database_name(args.patients)
    database_url = bench_database_url(database)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "mittvaccin.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "MITTVACCIN_ALLOW_DEV_SECRET": "1",
        "MITTVACCIN_CACHE_PREFIX": "mvbench",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        # Its own Redis database: the benchmark's queued jobs never reach the worker of `make run`.
        "REDIS_URL": bench_redis_url(),
        "MITTVACCIN_STATIC_ROOT": str(BASE_DIR / ".bench" / "staticfiles"),
    }
    for _name, module in modules:
        if hasattr(module, "environment"):
            env.update(module.environment(args))
    signature = loader_signature(args, modules)
    reuse = args.reuse and existing_signature(database) == signature
    prepare_database(fresh=not reuse, name=database)
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    ctx = Context(args=args)
    ctx.results["bench_database"] = database
    ctx.results["load_average_start"] = load_average()
    progress(f"Migrating the benchmark database {database} and collecting static files …")
    with phase(timings, "migrate"):
        call_command("migrate", verbosity=0, stdout=io.StringIO())
        call_command("collectstatic", interactive=False, verbosity=0, stdout=io.StringIO())
    if reuse:
        progress("Reusing the synthetic data of the previous run (--reuse).")
    else:
        load_all(ctx, modules, signature, timings)
    from django.db import connection

    connection.close()
    with phase(timings, "analyze"), connection.cursor() as cursor:  # outside a transaction, after all loaders
        cursor.execute("ANALYZE")
    gather_context(ctx)
    from django.core.cache import cache

    cache.clear()
    ctx.results.update(timing_keys(timings))
    ctx.results["load_average_loaded"] = load_average()

    if not args.load_only:
        with phase(timings, "measure"):
            measure_all(ctx, modules, env)
        ctx.results["measure_s"] = timings["measure"]
    ctx.results["bench_total_s"] = round(time.perf_counter() - started, 1)
    ctx.results["bench_peak_rss_mb"] = peak_rss_mb()
    ctx.results["load_average_end"] = load_average()
    ctx.results = with_fw_ratios(ctx.results, ctx.framework_floor_ms, ctx.fw_floors)
    report(ctx.results)
    out = BASE_DIR / ".bench" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(ctx.results, indent=2, ensure_ascii=False) + "\n")
    progress(f"Written to {out.relative_to(BASE_DIR)}")
    return 0


@contextlib.contextmanager
def phase(timings: dict, name: str):
    """Seconds spent in the block, kept in `timings[name]` (the phase timings of the output)."""
    start = time.perf_counter()
    yield
    timings[name] = round(time.perf_counter() - start, 1)


def load_all(ctx: Context, modules, signature: str, timings: dict) -> None:
    """Every loader in turn (the core's patients first), each timed."""
    start = time.perf_counter()
    with phase(timings, "load_core"):
        load_core(ctx)
        gather_context(ctx)
    for name, module in modules:
        if hasattr(module, "load"):
            progress(f"Loading {name} …")
            with phase(timings, f"load_{name}"):
                module.load(ctx)
            progress(
                f"  {name} loaded in {timings[f'load_{name}']:.0f} s (peak memory {peak_rss_mb():.0f} MB)"
            )
    ctx.sql("CREATE TABLE IF NOT EXISTS bench_meta (signature text)")
    ctx.sql("DELETE FROM bench_meta")
    ctx.sql("INSERT INTO bench_meta VALUES (%s)", [signature])
    timings["load_total"] = round(time.perf_counter() - start, 1)
    progress(f"Synthetic data ready in {timings['load_total']:.0f} s.")


def timing_keys(timings: dict) -> dict:
    """The phases as flat `<phase>_s` keys (a reused database has no load phases)."""
    return {f"{name}_s": seconds for name, seconds in timings.items()}


def peak_rss_mb() -> float:
    """The bench process's peak resident memory in MB (Linux reports ru_maxrss in kB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure_all(ctx: Context, modules, env: dict) -> None:
    """Start gunicorn on the loaded database and run the core's and every app's measurements."""
    args = ctx.args
    progress(f"Starting gunicorn with {args.workers} workers …")
    server = start_gunicorn(ctx, env)
    ctx.server_pid = server.pid
    try:
        progress(f"Measuring the core ({args.requests} requests each) …")
        ctx.results.update(measure_core(ctx))
        skipped = {name.strip() for name in args.skip.split(",") if name.strip()}
        for name, module in modules:
            if hasattr(module, "measure") and name not in skipped:
                progress(f"Measuring {name} …")
                ctx.results.update(module.measure(ctx))
        # After every measurement: what each worker holds once the pages, the rush and the jobs ran.
        workers = ctx.web_worker_rss_mb()
        ctx.results["web_worker_rss_mb"] = workers
        ctx.results["web_worker_rss_max_mb"] = max(workers, default=0.0)
    finally:
        server.terminate()
        server.wait(timeout=30)


def existing_signature(name: str = BENCH_DB) -> str | None:
    import psycopg

    params = {**dsn_params(os.environ["DATABASE_URL"]), "dbname": name}
    try:
        with psycopg.connect(**params) as conn:
            row = conn.execute("SELECT signature FROM bench_meta").fetchone()
            return row[0] if row else None
    except psycopg.Error:
        return None


def with_fw_ratios(results: dict, framework_floor_ms: float, fw_floors: dict) -> dict:
    """Beside every `X_ratio` of a timed `X_ms`, `X_fw_ratio`: the same median over the framework floor
    (the floor timed with that measurement, else the one of the start).

    Done here for every app's keys, so a new measurement gets its framework ratio without asking.
    """
    out = {}
    for key, value in results.items():
        out[key] = value
        if not key.endswith("_ratio") or key.endswith("_fw_ratio") or key == "auth_floor_ratio":
            continue
        stem = key.removesuffix("_ratio")
        fw_key = f"{stem}_fw_ratio"
        median = results.get(f"{stem}_ms")
        floor = fw_floors.get(median, framework_floor_ms)
        if fw_key not in results and isinstance(median, int | float) and floor:
            out[fw_key] = round(median / floor, 2)
    return out


def load_average() -> str:
    """The machine's 1, 5 and 15 minute load (2 cores shared with other work: read ratios, not times)."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f} on {os.cpu_count()} cores"


def report(results: dict) -> None:
    width = max(len(k) for k in results)
    print()
    for key, value in results.items():
        print(f"  {key:<{width}}  {value}")
    print()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
